// A real Samba Active Directory domain controller for tests, on loopback only.
//
//   import { after, before } from "node:test";
//   import { startSambaDomain, type SambaDomain } from "./support/samba";
//
//   let dc: SambaDomain;
//   before(async () => { dc = await startSambaDomain(); }, { timeout: 120_000 });
//   after(async () => { await dc?.stop(); });   // always: also when a test failed
//
// Each call provisions a fresh domain (`samba-tool domain provision`, Windows Server 2012 R2
// schema, the highest Samba 4.17 has; it includes msDS-GroupManagedServiceAccount) in a new temp
// directory and starts `samba -i -M single` on its own random loopback address 127.x.y.z (Linux
// routes all of 127/8 to lo), so several domains (several test files) can run side by side, each
// with the standard ports 389, 636, 88, 53, ... Nothing outside the temp directory is written
// (no /etc, /var/lib/samba or /run/samba), no DNS forwarder is set and no netbios, dnsupdate,
// wins, ntp_signd, smbd or winbindd runs: traffic stays on that one loopback address.
//
// Samba must be installed first: `bash test/support/install-samba.sh` (CI does it). Needs root
// (Samba binds ports below 1024 and insists on owning its files).
//
// Cleanup: stop() kills samba and removes the directory. Should a test process die without calling
// it, samba ends by itself when its stdin (a pipe from this process) closes, and a process 'exit'
// hook (and SIGINT/SIGTERM/SIGHUP) kills it and removes the directory; a directory left by a
// SIGKILLed test process is removed by the next startSambaDomain. SAMBA_FIXTURE_KEEP=1 keeps the
// directory (with samba.log) after stop() for debugging.

import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomInt } from "node:crypto";
import { chmodSync, closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";

export interface SambaDomainOptions {
    /** Kerberos realm, upper case; default "SAMBA.TEST" (DNS name "samba.test"). */
    realm?: string;
    /** NetBIOS domain name; default "SAMBA". */
    domain?: string;
    /** Administrator's password; must meet AD complexity (3 of upper/lower/digit/symbol, 7+ chars). */
    adminPassword?: string;
    /** The DC's host name; default "DC" (so "DC.samba.test"). */
    hostName?: string;
    /** Loopback address to bind; default a random free 127.x.y.z (never 127.0.0.1). */
    address?: string;
    /**
     * Password policy off (complexity, history, minimum and maximum age) so tests can set any
     * password of 7+ characters; default true. Samba's defaults are Windows' defaults.
     */
    relaxPasswordPolicy?: boolean;
    /**
     * Allow simple binds on plain ldap:// (389), as Windows AD does by default ("ldap server require
     * strong auth = no"); default false: Samba's own default, which refuses them with
     * strongAuthRequired ("BindSimple: Transport encryption required.") and allows them over
     * ldaps:// (and StartTLS) only. Setting unicodePwd needs an encrypted connection either way.
     */
    allowPlainSimpleBind?: boolean;
    /** Bound on waiting for LDAP and LDAPS to answer after starting samba; default 60 s. */
    startTimeoutMs?: number;
}

/** Samba's own records of the domain. */
export interface SambaFacts {
    /** DNS name of the domain, from the DC's CLDAP answer ("samba.test"). */
    dnsName: string;
    /** DNS name of the forest root, from the DC's CLDAP answer. */
    forestName: string;
    /** NetBIOS domain name, from the DC's CLDAP answer ("SAMBA"). */
    netbiosName: string;
    /** objectSid of the domain object, from sam.ldb ("S-1-5-21-a-b-c"). */
    domainSid: string;
    /** objectGUID of the domain object, from sam.ldb (lower-case, dashed). */
    domainGuid: string;
}

export interface SambaDomain {
    /** "ldap://127.x.y.z:389" */
    url: string;
    /** "ldaps://127.x.y.z:636" (self-signed certificate for DC.<dnsName>: see caCertFile) */
    ldapsUrl: string;
    /** The loopback address samba binds (all its ports: 53, 88, 135, 389, 464, 636, 3268, 3269). */
    host: string;
    ldapPort: number;
    ldapsPort: number;
    /** "SAMBA.TEST" */
    realm: string;
    /** "samba.test" */
    dnsName: string;
    /** "SAMBA" */
    netbiosName: string;
    /** "DC.samba.test" */
    dcHostName: string;
    /**
     * "Administrator@samba.test". Simple binds also take "SAMBA\\Administrator" or adminDn; over
     * ldap:// only with allowPlainSimpleBind (else ldaps://); SASL/NTLM binds work on both.
     */
    adminUser: string;
    /** "CN=Administrator,CN=Users,DC=samba,DC=test" */
    adminDn: string;
    adminPassword: string;
    /** "DC=samba,DC=test" */
    baseDn: string;
    /** The temp directory holding everything (etc/smb.conf, private/sam.ldb, samba.log, ...). */
    baseDir: string;
    smbConf: string;
    /**
     * private/tls/ca.pem: the self-signed LDAPS certificate (its own CA), for DC.<dnsName> and, when
     * openssl is installed, with the loopback address as subjectAltName, so `tls.connect({ ca })`
     * verifies against `host` as it is.
     */
    caCertFile: string;
    /** Milliseconds spent provisioning and starting (until LDAP and LDAPS answered). */
    timings: { provisionMs: number; startMs: number };
    /** Samba's own records: CLDAP answer of the running DC plus objectSid/objectGUID from sam.ldb. */
    facts(): Promise<SambaFacts>;
    /** Runs samba-tool with this domain's smb.conf (`-s`); resolves to stdout. */
    sambaTool(...args: string[]): Promise<string>;
    /** Samba's log so far (stdout and stderr of `samba -i`). */
    log(): string;
    /** Kills samba and removes baseDir; idempotent, never throws for an already stopped domain. */
    stop(): Promise<void>;
}

const DEFAULT_PASSWORD = "Samba-Test-Passw0rd!";

/** Why startSambaDomain cannot run here, or undefined when it can. */
export function sambaUnavailable(): string | undefined {
    for (const bin of ["samba", "samba-tool", "ldbsearch"]) {
        if (!findOnPath(bin)) return `${bin} is not installed: run bash test/support/install-samba.sh`;
    }
    if (!existsSync("/usr/share/samba/setup/provision.ldif")) {
        return "samba-ad-provision is not installed: run bash test/support/install-samba.sh";
    }
    if (typeof process.getuid === "function" && process.getuid() !== 0) return "samba needs root";
    return undefined;
}

export async function startSambaDomain(options: SambaDomainOptions = {}): Promise<SambaDomain> {
    const why = sambaUnavailable();
    if (why) throw new Error(`startSambaDomain: ${why}`);

    const realm = (options.realm ?? "SAMBA.TEST").toUpperCase();
    const dnsName = realm.toLowerCase();
    const netbiosName = (options.domain ?? "SAMBA").toUpperCase();
    const hostName = (options.hostName ?? "DC").toUpperCase();
    const adminPassword = options.adminPassword ?? DEFAULT_PASSWORD;
    const baseDn = dnsName.split(".").map((p) => `DC=${p}`).join(",");
    const host = options.address ?? (await pickLoopbackAddress());
    if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) throw new Error(`startSambaDomain: ${host} is not a loopback address`);

    sweepStaleDirs();
    // Short path: Samba's unix sockets live under it (108-byte limit).
    const baseDir = mkdtempSync(path.join(os.tmpdir(), "samba-"));
    writeFileSync(path.join(baseDir, OWNER_FILE), `${process.pid}\n`);
    const instance = new Instance(baseDir);
    try {
        const smbConf = path.join(baseDir, "etc", "smb.conf");
        const run = path.join(baseDir, "run");
        await mkdir(path.dirname(smbConf), { recursive: true });
        await mkdir(path.join(run, "ncalrpc"), { recursive: true });
        // An empty smb.conf to provision from, so that nothing of /etc/samba/smb.conf is read.
        writeFileSync(smbConf, "");

        const globals: Record<string, string> = {
            // "/8" makes Samba accept an address that no interface carries (only 127.0.0.1 is on lo).
            interfaces: `${host}/8`,
            "bind interfaces only": "yes",
            "pid directory": run,
            "ncalrpc dir": path.join(run, "ncalrpc"),
            "winbindd socket directory": path.join(run, "winbindd"),
            "ntp signd socket directory": path.join(run, "ntp_signd"),
            "log file": path.join(baseDir, "log.%m"),
            "server services": "rpc, ldap, cldap, kdc, drepl, dns",
            "disable netbios": "yes",
        };

        const t0 = Date.now();
        await run_("samba-tool", [
            "domain", "provision",
            "-s", smbConf,
            `--targetdir=${baseDir}`,
            `--realm=${realm}`,
            `--domain=${netbiosName}`,
            `--host-name=${hostName}`,
            `--host-ip=${host}`,
            "--server-role=dc",
            "--dns-backend=SAMBA_INTERNAL",
            "--base-schema=2012_R2",
            "--function-level=2008_R2",
            "--use-rfc2307",
            `--adminpass=${adminPassword}`,
            ...Object.entries(globals).map(([k, v]) => `--option=${k}=${v}`),
        ], 180_000);
        // Provisioning copies /etc/resolv.conf's nameserver into "dns forwarder": drop it, so the
        // DC's DNS server never forwards off loopback.
        // Provisioning drops "ldap server require strong auth" given as --option, so it is added here.
        let conf = readFileSync(smbConf, "utf8").replace(/^\s*dns forwarder\s*=.*\n/gim, "");
        if (options.allowPlainSimpleBind === true) {
            conf = conf.replace(/^\[global\]\n/m, (g) => `${g}\tldap server require strong auth = no\n`);
        }
        if (/dns forwarder/i.test(conf) || (options.allowPlainSimpleBind === true && !/require strong auth = no/.test(conf))) {
            throw new Error(`unexpected smb.conf after provisioning:\n${conf}`);
        }
        writeFileSync(smbConf, conf);
        if (options.relaxPasswordPolicy !== false) {
            await run_("samba-tool", [
                "domain", "passwordsettings", "set", "-s", smbConf, "-H", path.join(baseDir, "private", "sam.ldb"),
                "--complexity=off", "--history-length=0", "--min-pwd-age=0", "--max-pwd-age=0",
            ], 60_000);
        }
        await makeTlsCertificate(path.join(baseDir, "private", "tls"), `${hostName}.${dnsName}`, host);
        const provisionMs = Date.now() - t0;

        const t1 = Date.now();
        instance.start(["-i", "-M", "single", "-s", smbConf]);
        const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
        let lastError: unknown;
        for (;;) {
            if (instance.exited) {
                throw new Error(`samba exited (${instance.exited}) before LDAP answered; log:\n${tail(instance.log())}`);
            }
            try {
                const plain = await ldapRootDse({ host, port: 389, timeoutMs: 2_000 });
                const secure = await ldapRootDse({ host, port: 636, tls: true, timeoutMs: 2_000 });
                if (plain.defaultNamingContext?.[0]?.toUpperCase() === baseDn.toUpperCase() && secure.defaultNamingContext) break;
                lastError = new Error(`unexpected rootDSE ${JSON.stringify(plain)}`);
            } catch (e) {
                lastError = e;
            }
            if (Date.now() > deadline) {
                throw new Error(`samba did not answer LDAP and LDAPS on ${host} within ${options.startTimeoutMs ?? 60_000} ms ` +
                    `(last error: ${String(lastError)}); log:\n${tail(instance.log())}`);
            }
            await sleep(200);
        }
        const startMs = Date.now() - t1;

        const domain: SambaDomain = {
            url: `ldap://${host}:389`,
            ldapsUrl: `ldaps://${host}:636`,
            host,
            ldapPort: 389,
            ldapsPort: 636,
            realm,
            dnsName,
            netbiosName,
            dcHostName: `${hostName}.${dnsName}`,
            adminUser: `Administrator@${dnsName}`,
            adminDn: `CN=Administrator,CN=Users,${baseDn}`,
            adminPassword,
            baseDn,
            baseDir,
            smbConf,
            caCertFile: path.join(baseDir, "private", "tls", "ca.pem"),
            timings: { provisionMs, startMs },
            facts: async () => {
                const [info, ldif] = await Promise.all([
                    run_("samba-tool", ["domain", "info", "-s", smbConf, host], 30_000),
                    run_("ldbsearch", ["-H", path.join(baseDir, "private", "sam.ldb"), "-b", baseDn, "-s", "base", "objectSid", "objectGUID"], 30_000),
                ]);
                const field = (name: string) => {
                    const m = new RegExp(`^${name}\\s*:\\s*(.+)$`, "m").exec(info);
                    if (!m) throw new Error(`samba-tool domain info printed no "${name}":\n${info}`);
                    return m[1].trim();
                };
                const attrs = parseLdif(ldif);
                const domainSid = attrs.objectSid?.[0];
                const domainGuid = attrs.objectGUID?.[0];
                if (!domainSid || !domainGuid) throw new Error(`ldbsearch found no objectSid/objectGUID on ${baseDn}:\n${ldif}`);
                return {
                    dnsName: field("Domain"),
                    forestName: field("Forest"),
                    netbiosName: field("Netbios domain"),
                    domainSid,
                    domainGuid: domainGuid.toLowerCase(),
                };
            },
            sambaTool: (...args: string[]) => run_("samba-tool", [...args, "-s", smbConf], 120_000),
            log: () => instance.log(),
            stop: () => instance.stop(),
        };
        return domain;
    } catch (e) {
        await instance.stop();
        throw e;
    }
}

// ---------------------------------------------------------------------------------------------
// The samba process and its directory.

const live = new Set<Instance>();
let hooked = false;

function hookProcessExit(): void {
    if (hooked) return;
    hooked = true;
    process.on("exit", () => {
        for (const i of live) i.killNow();
    });
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
        process.once(sig, () => {
            for (const i of live) i.killNow();
            // With our listener gone, the default action (ending the process) applies again.
            if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
        });
    }
}

class Instance {
    private child?: ChildProcess;
    private logFile: string;
    private done?: Promise<void>;
    exited?: string;
    private stopped = false;

    constructor(readonly baseDir: string) {
        this.logFile = path.join(baseDir, "samba.log");
        live.add(this);
        hookProcessExit();
    }

    start(args: string[]): void {
        const fd = openSync(this.logFile, "a");
        try {
            // detached: its own process group (killed as a group); stdin stays a pipe from us, so that
            // samba -i ends by itself ("EOF on stdin") if this process dies without stop().
            this.child = spawn(findOnPath("samba")!, args, { detached: true, stdio: ["pipe", fd, fd], env: sambaEnv() });
        } finally {
            closeSync(fd);
        }
        const child = this.child;
        this.done = new Promise((resolve) => {
            child.once("exit", (code, signal) => {
                this.exited = signal ? `signal ${signal}` : `code ${code}`;
                resolve();
            });
            child.once("error", (err) => {
                this.exited = `spawn error ${err.message}`;
                resolve();
            });
        });
        // Neither the child nor its stdin pipe keeps this process alive.
        child.unref();
        (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    }

    log(): string {
        try {
            return readFileSync(this.logFile, "utf8");
        } catch {
            return "(no samba.log)";
        }
    }

    private signal(sig: NodeJS.Signals): void {
        const pid = this.child?.pid;
        if (!pid || this.exited) return;
        try {
            process.kill(-pid, sig);
        } catch {
            try {
                process.kill(pid, sig);
            } catch {
                /* already gone */
            }
        }
    }

    async stop(): Promise<void> {
        if (this.stopped) return;
        this.stopped = true;
        if (this.child && !this.exited) {
            this.signal("SIGTERM");
            if (!(await within(this.done!, 10_000))) {
                this.signal("SIGKILL");
                await within(this.done!, 5_000);
            }
        }
        this.child?.stdin?.destroy();
        this.removeDir();
        live.delete(this);
    }

    /** Synchronous last resort (process exit or signal). */
    killNow(): void {
        if (this.stopped) return;
        this.stopped = true;
        this.signal("SIGKILL");
        this.removeDir();
        live.delete(this);
    }

    private removeDir(): void {
        if (process.env.SAMBA_FIXTURE_KEEP === "1") return;
        rmSync(this.baseDir, { recursive: true, force: true, maxRetries: 3 });
    }
}

/** Names the test process that made a domain's directory. */
const OWNER_FILE = "owner.pid";

/**
 * Removes the directories of domains whose test process died without cleaning up (SIGKILL, say;
 * samba itself ends then, on EOF on its stdin): those whose owner and samba are both gone.
 */
function sweepStaleDirs(): void {
    let names: string[];
    try {
        names = readdirSync(os.tmpdir()).filter((n) => n.startsWith("samba-"));
    } catch {
        return;
    }
    for (const name of names) {
        const dir = path.join(os.tmpdir(), name);
        const owner = readPid(path.join(dir, OWNER_FILE));
        if (owner === undefined || pidAlive(owner)) continue;
        const samba = readPid(path.join(dir, "run", "samba.pid"));
        if (samba !== undefined && pidAlive(samba)) continue;
        rmSync(dir, { recursive: true, force: true });
    }
}

function readPid(file: string): number | undefined {
    try {
        const pid = Number.parseInt(readFileSync(file, "utf8").trim(), 10);
        return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
        return undefined;
    }
}

function pidAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers.

/** Reads the rootDSE anonymously over LDAP (or LDAPS with tls) with a hand-made request, so no LDAP client library is needed. */
export async function ldapRootDse(opts: {
    host: string;
    port: number;
    tls?: boolean;
    timeoutMs?: number;
    attributes?: string[];
}): Promise<Record<string, string[]>> {
    const request = ber(0x30, Buffer.concat([
        ber(0x02, Buffer.from([1])), // messageID 1
        ber(0x63, Buffer.concat([ // SearchRequest
            ber(0x04, Buffer.alloc(0)), // baseObject ""
            ber(0x0a, Buffer.from([0])), // scope baseObject
            ber(0x0a, Buffer.from([0])), // derefAliases never
            ber(0x02, Buffer.from([0])), // sizeLimit
            ber(0x02, Buffer.from([0])), // timeLimit
            ber(0x01, Buffer.from([0])), // typesOnly false
            ber(0x87, Buffer.from("objectClass")), // filter: present
            ber(0x30, Buffer.concat((opts.attributes ?? []).map((a) => ber(0x04, Buffer.from(a))))),
        ])),
    ]));
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
                if (op.tag === 0x64) { // SearchResultEntry
                    const [, list] = children(op.value);
                    for (const a of children(list?.value ?? Buffer.alloc(0))) {
                        const [type, vals] = children(a.value);
                        attrs[type.value.toString("utf8")] = children(vals.value).map((v) => v.value.toString("utf8"));
                    }
                } else if (op.tag === 0x65) { // SearchResultDone
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

interface Tlv { tag: number; value: Buffer; end: number }

function readTlv(buf: Buffer, at: number): Tlv | undefined {
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

/** A random 127.x.y.z (x >= 16, so never 127.0.0.1 or Debian's 127.0.1.1) on which port 389 is free. */
async function pickLoopbackAddress(): Promise<string> {
    for (let i = 0; i < 20; i++) {
        const ip = `127.${randomInt(16, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
        if (await portFree(ip, 389)) return ip;
    }
    throw new Error("no free loopback address for samba");
}

function portFree(host: string, port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const srv = net.createServer();
        srv.once("error", () => resolve(false));
        srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
    });
}

/**
 * Samba makes a self-signed 4096-bit RSA certificate on its first start when private/tls holds
 * none, which takes seconds; openssl makes a 2048-bit one in a fraction of that, with the DC's
 * name and its address as subjectAltNames so that clients can verify it against caCertFile.
 * Without openssl, Samba's own (CN only) is used.
 */
async function makeTlsCertificate(dir: string, dcHostName: string, ip: string): Promise<void> {
    if (!findOnPath("openssl")) return;
    await mkdir(dir, { recursive: true });
    const key = path.join(dir, "key.pem");
    const cert = path.join(dir, "cert.pem");
    await run_("openssl", [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-keyout", key, "-out", cert,
        "-subj", `/O=Samba Administration/OU=Samba test fixture/CN=${dcHostName}`,
        "-addext", `subjectAltName=DNS:${dcHostName},IP:${ip}`,
    ], 60_000);
    chmodSync(key, 0o600); // samba refuses a key file others can read
    copyFileSync(cert, path.join(dir, "ca.pem"));
}

function sambaEnv(): NodeJS.ProcessEnv {
    // No inherited Kerberos/Samba settings pointing elsewhere.
    const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: "C", LANG: "C" };
    for (const k of Object.keys(env)) if (k.startsWith("KRB5") || k.startsWith("SMB_")) delete env[k];
    return env;
}

function run_(cmd: string, args: string[], timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(findOnPath(cmd) ?? cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: sambaEnv() }, (err, stdout, stderr) => {
            if (err) {
                const shown = args.map((a) => (a.startsWith("--adminpass=") ? "--adminpass=***" : a)).join(" ");
                reject(new Error(`${cmd} ${shown} failed: ${err.message}\n${tail(String(stdout) + String(stderr))}`));
            } else resolve(String(stdout));
        });
    });
}

/** Attributes of the first record of ldbsearch's LDIF output (folded lines joined). */
function parseLdif(text: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    const lines = text.replace(/\r?\n /g, "").split(/\r?\n/);
    for (const line of lines) {
        if (line.startsWith("#") || !line.includes(":")) continue;
        const m = /^([^:]+):\s?(.*)$/.exec(line);
        if (m) (out[m[1]] ??= []).push(m[2]);
    }
    return out;
}

function findOnPath(bin: string): string | undefined {
    const dirs = (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/usr/bin", "/sbin", "/bin"]);
    for (const d of dirs) {
        const p = path.join(d, bin);
        if (d && existsSync(p)) return p;
    }
    return undefined;
}

function tail(text: string, lines = 60): string {
    return text.split("\n").slice(-lines).join("\n");
}

function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}

async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
    try {
        return await Promise.race([p.then(() => true as const), timeout]);
    } finally {
        clearTimeout(timer);
    }
}
