// The test DC's rootDSE read over the wire (see samba.ts): a hand-made BER SearchRequest, so the
// fixture and its tests need no LDAP client library to see that LDAP and LDAPS answer.

import * as net from "node:net";
import * as tls from "node:tls";

/** Reads the rootDSE anonymously over LDAP (or LDAPS with tls) with a hand-made request, so no LDAP client library is needed. */
export async function ldapRootDse(opts: {
    host: string;
    port: number;
    tls?: boolean;
    timeoutMs?: number;
    attributes?: string[];
}): Promise<Record<string, string[]>> {
    const request = ber(
        0x30,
        Buffer.concat([
            ber(0x02, Buffer.from([1])), // messageID 1
            ber(
                0x63,
                Buffer.concat([
                    // SearchRequest
                    ber(0x04, Buffer.alloc(0)), // baseObject ""
                    ber(0x0a, Buffer.from([0])), // scope baseObject
                    ber(0x0a, Buffer.from([0])), // derefAliases never
                    ber(0x02, Buffer.from([0])), // sizeLimit
                    ber(0x02, Buffer.from([0])), // timeLimit
                    ber(0x01, Buffer.from([0])), // typesOnly false
                    ber(0x87, Buffer.from("objectClass")), // filter: present
                    ber(0x30, Buffer.concat((opts.attributes ?? []).map((a) => ber(0x04, Buffer.from(a))))),
                ]),
            ),
        ]),
    );
    const unbind = ber(0x30, Buffer.concat([ber(0x02, Buffer.from([2])), ber(0x42, Buffer.alloc(0))]));

    return await new Promise((resolve, reject) => {
        const socket: net.Socket = opts.tls
            ? tls.connect({ host: opts.host, port: opts.port, rejectUnauthorized: false })
            : net.connect({ host: opts.host, port: opts.port });
        let buf = Buffer.alloc(0);
        const attrs: Record<string, string[]> = {};
        let settled = false;
        const finish = (err?: Error) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            socket.removeAllListeners("data");
            if (err) {
                socket.destroy();
                reject(err);
            } else {
                socket.end(unbind);
                setTimeout(() => socket.destroy(), 1_000).unref();
                resolve(attrs);
            }
        };
        const timer = setTimeout(() => finish(new Error(`rootDSE read from ${opts.host}:${opts.port} timed out`)), opts.timeoutMs ?? 5_000);
        socket.once(opts.tls ? "secureConnect" : "connect", () => socket.write(request));
        socket.on("error", (e) => finish(e)); // also after finish: an ignored error must not crash the process
        socket.on("data", (chunk: Buffer) => {
            buf = Buffer.concat([buf, chunk]);
            for (;;) {
                const msg = readTlv(buf, 0);
                if (!msg) return;
                buf = buf.subarray(msg.end);
                const [, op] = children(msg.value);
                if (!op) return finish(new Error("malformed LDAP message"));
                if (op.tag === 0x64) {
                    // SearchResultEntry
                    const [, list] = children(op.value);
                    for (const a of children(list?.value ?? Buffer.alloc(0))) {
                        const [type, vals] = children(a.value);
                        attrs[type.value.toString("utf8")] = children(vals.value).map((v) => v.value.toString("utf8"));
                    }
                } else if (op.tag === 0x65) {
                    // SearchResultDone
                    const [code, , diag] = children(op.value);
                    const rc = code.value.readUIntBE(0, code.value.length || 1);
                    return rc === 0 ? finish() : finish(new Error(`rootDSE search failed: result ${rc} ${diag?.value.toString("utf8") ?? ""}`));
                }
            }
        });
        socket.once("close", () => finish(new Error(`connection to ${opts.host}:${opts.port} closed before the search finished`)));
    });
}

function ber(tag: number, value: Buffer): Buffer {
    const n = value.length;
    let len: Buffer;
    if (n < 0x80) len = Buffer.from([n]);
    else {
        const bytes: number[] = [];
        for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
        len = Buffer.from([0x80 | bytes.length, ...bytes]);
    }
    return Buffer.concat([Buffer.from([tag]), len, value]);
}

export interface Tlv {
    tag: number;
    value: Buffer;
    end: number;
}

export function readTlv(buf: Buffer, at: number): Tlv | undefined {
    if (buf.length < at + 2) return undefined;
    const tag = buf[at];
    let len = buf[at + 1];
    let p = at + 2;
    if (len & 0x80) {
        const k = len & 0x7f;
        if (buf.length < p + k) return undefined;
        len = 0;
        for (let i = 0; i < k; i++) len = len * 256 + buf[p + i];
        p += k;
    }
    if (buf.length < p + len) return undefined;
    return { tag, value: buf.subarray(p, p + len), end: p + len };
}

function children(buf: Buffer): Tlv[] {
    const out: Tlv[] = [];
    for (let at = 0; at < buf.length;) {
        const t = readTlv(buf, at);
        if (!t) throw new Error("truncated BER");
        out.push(t);
        at = t.end;
    }
    return out;
}
