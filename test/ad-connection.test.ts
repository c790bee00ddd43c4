// How the AD code connects, seen from the wire: a stand-in LDAP server on loopback records every
// byte `npm run ad` sends. It answers the anonymous rootDSE read like a DC, then refuses the bind.
// Whatever the URL, the bind must be SASL (Kerberos/NTLM, sealed afterwards), never a simple bind,
// and the password must never cross the wire in any encoding.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as net from "node:net";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { projectRoot } from "../tools/harness";
import { readTlv } from "./support/ldapWire";

const cli = path.join(projectRoot, "components", "scripts", "ad", "cli.py");
const password = "Plain-Text-Never-0n-The-Wire";

function runCli(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string; ms: number }> {
    const started = Date.now();
    return new Promise((resolve) => {
        const child = spawn("/usr/bin/python3", [cli, ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env } });
        let stdout = "",
            stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("exit", (status) => resolve({ status, stdout, stderr, ms: Date.now() - started }));
    });
}

// ---- a minimal LDAP responder -------------------------------------------------------------

function ber(tag: number, value: Buffer): Buffer {
    const n = value.length;
    const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
    return Buffer.concat([Buffer.from([tag]), len, value]);
}
const str = (tag: number, s: string) => ber(tag, Buffer.from(s, "utf8"));
const int = (tag: number, n: number) => ber(tag, Buffer.from([n]));

interface Recorded {
    all: Buffer;
    bindAuthTags: number[];
    searches: number;
}

function fakeDc(): Promise<{ port: number; recorded: Recorded; close: () => Promise<void> }> {
    const recorded: Recorded = { all: Buffer.alloc(0), bindAuthTags: [], searches: 0 };
    const server = net.createServer((socket) => {
        let buf = Buffer.alloc(0);
        socket.on("error", () => undefined);
        socket.on("data", (chunk: Buffer) => {
            recorded.all = Buffer.concat([recorded.all, chunk]);
            buf = Buffer.concat([buf, chunk]);
            for (let msg = readTlv(buf, 0); msg; msg = readTlv(buf, 0)) {
                buf = buf.subarray(msg.end);
                const id = readTlv(msg.value, 0)!;
                const op = readTlv(msg.value, id.end)!;
                const reply = (body: Buffer) => socket.write(ber(0x30, Buffer.concat([ber(0x02, id.value), body])));
                if (op.tag === 0x63) {
                    // SearchRequest: answer as a DC's rootDSE
                    recorded.searches++;
                    const attr = (name: string, value: string) => ber(0x30, Buffer.concat([str(0x04, name), ber(0x31, str(0x04, value))]));
                    reply(
                        ber(
                            0x64,
                            Buffer.concat([
                                str(0x04, ""),
                                ber(
                                    0x30,
                                    Buffer.concat([
                                        attr("defaultNamingContext", "DC=fake,DC=test"),
                                        attr("dnsHostName", "dc1.fake.test"),
                                        attr("configurationNamingContext", "CN=Configuration,DC=fake,DC=test"),
                                        attr("currentTime", "20261201000000.0Z"),
                                    ]),
                                ),
                            ]),
                        ),
                    );
                    reply(ber(0x65, Buffer.concat([int(0x0a, 0), str(0x04, ""), str(0x04, "")])));
                } else if (op.tag === 0x60) {
                    // BindRequest: note how it authenticates, then refuse it
                    const version = readTlv(op.value, 0)!;
                    const name = readTlv(op.value, version.end)!;
                    const auth = readTlv(op.value, name.end)!;
                    recorded.bindAuthTags.push(auth.tag);
                    reply(
                        ber(
                            0x61,
                            Buffer.concat([
                                int(0x0a, 49),
                                str(0x04, ""),
                                str(0x04, "80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data 52e, v4563"),
                            ]),
                        ),
                    );
                } else if (op.tag === 0x42) {
                    // UnbindRequest
                    socket.end();
                }
            }
        });
    });
    return new Promise((resolve) =>
        server.listen(0, "127.0.0.1", () =>
            resolve({
                port: (server.address() as net.AddressInfo).port,
                recorded,
                close: () =>
                    new Promise<void>((r) => {
                        server.close(() => r());
                    }),
            }),
        ),
    );
}

describe("the bind, seen on the wire", () => {
    let dc: Awaited<ReturnType<typeof fakeDc>>;
    before(async () => {
        dc = await fakeDc();
    });
    after(async () => {
        await dc?.close();
    });

    for (const user of ["FAKE\\operator", "operator@fake.test"]) {
        test(`over plain ldap:// as ${user}: a SASL bind, no simple bind, and the password never sent`, { timeout: 30_000 }, async () => {
            dc.recorded.all = Buffer.alloc(0);
            dc.recorded.bindAuthTags = [];
            const r = await runCli(["discover", "--url", `ldap://127.0.0.1:${dc.port}`, "--user", user, "--timeout", "3"], { AD_PASSWORD: password });
            assert.equal(r.status, 1, r.stderr);
            // The stand-in refused the bind with AD's "data 52e": the user is told which link and what to do.
            assert.match(r.stderr, /^ad: bind: the user name or password was refused for .*operator.*; check AD_PASSWORD/m);
            assert.ok(dc.recorded.bindAuthTags.length > 0, "the client never tried to bind");
            // [0] simple = 0x80; [3] SaslCredentials = 0xa3.
            assert.deepEqual([...new Set(dc.recorded.bindAuthTags)], [0xa3]);
            for (const encoding of ["utf8", "utf16le"] as const) {
                assert.equal(dc.recorded.all.indexOf(Buffer.from(password, encoding)), -1, `the password crossed the wire (${encoding})`);
            }
            assert.doesNotMatch(r.stdout + r.stderr, new RegExp(password));
        });
    }
});

describe("reaching the DC", () => {
    test("an address where nothing listens fails at once, naming the link and what to check", { timeout: 30_000 }, async () => {
        const closed = net.createServer();
        const port = await new Promise<number>((r) => closed.listen(0, "127.0.0.1", () => r((closed.address() as net.AddressInfo).port)));
        await new Promise<void>((r) => closed.close(() => r()));
        const r = await runCli(["discover", "--url", `ldap://127.0.0.1:${port}`, "--user", "FAKE\\operator"], { AD_PASSWORD: password });
        assert.equal(r.status, 1);
        assert.match(r.stderr, new RegExp(`^ad: reach: the domain controller at 127\\.0\\.0\\.1:${port} cannot be reached .*security groups`, "m"));
        assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
    });

    test("a server that accepts TCP but never answers LDAP is given up on, bounded by the deadline", { timeout: 60_000 }, async () => {
        const silent = net.createServer((s) => s.on("error", () => undefined));
        const port = await new Promise<number>((r) => silent.listen(0, "127.0.0.1", () => r((silent.address() as net.AddressInfo).port)));
        try {
            const tmp = mkdtempSync(path.join(os.tmpdir(), "ad-connection-"));
            const r = await runCli(["discover", "--url", `ldap://127.0.0.1:${port}`, "--user", "FAKE\\operator", "--timeout", "1"], {
                AD_PASSWORD: password,
                TMPDIR: tmp,
            });
            assert.equal(r.status, 1, r.stdout);
            // The killed run's private files (smb.conf, krb5.conf, caches) are gone too.
            assert.deepEqual(readdirSync(tmp), []);
            rmSync(tmp, { recursive: true });
            assert.match(r.stderr, /^ad: timeout: discover got no complete answer within 30s; check that the address is a domain controller/m);
            assert.ok(r.ms < 45_000, `took ${r.ms} ms`);
        } finally {
            silent.close();
        }
    });
});

describe("usage", () => {
    const cases: Array<[string, string[], RegExp]> = [
        [
            "a URL that is not LDAP",
            ["discover", "--url", "http://dc", "--user", "A\\b"],
            /--url 'http:\/\/dc' must be ldap:\/\/host\[:port\] or ldaps:\/\/host\[:port\]/,
        ],
        ["a user without a domain", ["discover", "--url", "ldap://dc", "--user", "bob"], /--user 'bob' must be DOMAIN\\name or name@domain/],
        ["a password given as a flag", ["discover", "--url", "ldap://dc", "--user", "A\\b", "--password", "x"], /unrecognized arguments: --password/],
        [
            "a curly quote in the readers' group",
            ["provision", "--url", "ldap://dc", "--user", "A\\b", "--account", "web", "--group", "readers\u2019x"],
            /--group contains U\+2019: names of AD objects must be printable ASCII/,
        ],
        [
            "a built-in group as the readers' group",
            ["provision", "--url", "ldap://dc", "--user", "A\\b", "--account", "web", "--group", "domain computers"],
            /--group 'domain computers' is a built-in or well-known group/,
        ],
        [
            "krbtgt as the portable identity",
            ["provision", "--url", "ldap://dc", "--user", "A\\b", "--account", "web", "--group", "r", "--identity-user", "krbtgt"],
            /--identity-user 'krbtgt' is a built-in or well-known account/,
        ],
        [
            "an OU with an escaped comma",
            ["provision", "--url", "ldap://dc", "--user", "A\\b", "--account", "web", "--group", "r", "--ou", "OU=a\\,DC=evil,DC=test"],
            /--ou .* is not OU=<name>, CN=<name> or DC=<name>/,
        ],
        [
            "node-cleanup naming neither a computer nor an instance",
            ["node-cleanup", "--url", "ldap://dc", "--user", "A\\b", "--group", "r"],
            /one of the arguments --computer --instance-id is required/,
        ],
        [
            "an instance ID a node could have made up",
            ["node-cleanup", "--url", "ldap://dc", "--user", "A\\b", "--group", "r", "--instance-id", "i-*"],
            /--instance-id 'i-\*' must be an EC2 instance ID/,
        ],
        [
            "an LDAP filter in a computer name",
            ["node-join", "--url", "ldap://dc", "--user", "A\\b", "--group", "r", "--computer", "*)(cn=*"],
            /--computer '\*\)\(cn=\*' must be a computer name/,
        ],
    ];
    for (const [what, args, expected] of cases) {
        test(`${what}: exit 2 with a message naming the argument, before any connection`, { timeout: 20_000 }, async () => {
            const r = await runCli(args, { AD_PASSWORD: password });
            assert.equal(r.status, 2, r.stdout + r.stderr);
            assert.match(r.stderr, expected);
            assert.doesNotMatch(r.stderr, /Traceback/);
        });
    }

    test("without AD_PASSWORD: exit 2 saying which variable", { timeout: 20_000 }, async () => {
        const r = await runCli(["discover", "--url", "ldap://127.0.0.1:9", "--user", "A\\b"], {});
        assert.equal(r.status, 2);
        assert.match(r.stderr, /AD_PASSWORD is not set \(the password of --user\)/);
    });
});
