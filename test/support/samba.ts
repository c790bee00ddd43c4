// A real Samba Active Directory domain controller for tests, on loopback only.
//
//   import { after, before } from "node:test";
//   import { startSambaDomain, type SambaDomain } from "./support/samba";
//
//   let dc: SambaDomain;
//   before(async () => { dc = await startSambaDomain(); }, { timeout: 120_000 });
//   after(async () => { await dc?.stop(); });   // always: also when a test failed
//
// Each call provisions a fresh domain like the ones users have: Samba 4.21+ (`samba-tool domain
// provision`, Windows Server 2019 schema, domain and forest functional level 2016, smb.conf's
// "ad dc functional level = 2016") with a KDS root key usable at once, so Samba computes gMSA
// passwords. It lives in a new temp directory and `samba -i -M single` serves it on its own random
// loopback address 127.x.y.z (Linux routes all of 127/8 to lo), so several domains (several test
// files) run side by side, each with the standard ports 389, 636, 88, 53, 445, ... Every
// directory Samba writes (pid, lock, state, cache, private, sockets, logs) is in the temp
// directory: nothing in /etc, /var/lib/samba or /run/samba. The DC's file server (smbd, for
// SYSVOL over SMB; winbindd maps ids for it) runs in a mount namespace of its own where the temp
// directory's run/ is /run/samba (see samba-namespaced.sh); where namespaces are not allowed
// (unprivileged containers) the DC runs without SMB and `smbUnavailable` says why. No DNS
// forwarder is set and no netbios, dnsupdate, wins or ntp_signd runs: traffic stays on that one
// loopback address. krb5ConfFile points MIT Kerberos (kinit, smbclient -k) at this DC only.
//
// It models AWS Managed Microsoft AD's delegation (samba_delegation.py): OU=<NETBIOS> with
// OU=Users and OU=Computers under it, and `delegatedAdmin` (<NETBIOS>\Admin) who is no Domain
// Admin: full control inside that OU and gMSA creation in CN=Managed Service Accounts, through the
// groups "AWS Delegated Administrators" and "AWS Delegated Managed Service Account Administrators"
// (in OU=AWS Delegated Groups); nothing else. Tests of the product run as that account.
//
// Samba must be installed first: `bash test/support/install-samba.sh` (CI does it). Needs root
// (Samba binds ports below 1024 and insists on owning its files).
//
// Cleanup: stop() kills samba and removes the directory. Should a test process die without calling
// it, samba ends by itself when its stdin (a pipe from this process) closes, and a process 'exit'
// hook (and SIGINT/SIGTERM/SIGHUP) kills it and removes the directory; a directory left by a
// SIGKILLed test process is removed by the next startSambaDomain. SAMBA_FIXTURE_KEEP=1 keeps the
// directory (with samba.log) after stop() for debugging.
//
// Related files here: install-samba.sh (packages), samba-namespaced.sh (the mount namespace),
// samba_domain_setup.py + samba_delegation.py (password policy, KDS root key, delegation; run
// offline before samba starts), samba_create_computer.py (createComputer), gmsa_probe.py (tests'
// gMSA creation and password retrieval as a given user).

import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
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
    /** The delegated Admin's password; default DEFAULT_DELEGATED_ADMIN_PASSWORD. */
    delegatedAdminPassword?: string;
}

/** The account AWS Managed Microsoft AD gives its customer (see samba_delegation.py). */
export interface DelegatedAdmin {
    /** "SAMBA\\Admin" (down-level logon name; binds and --user take it as it is) */
    user: string;
    /** "Admin@samba.test" (userPrincipalName; MIT kinit takes "Admin@SAMBA.TEST") */
    upn: string;
    /** "CN=Admin,OU=Users,OU=SAMBA,DC=samba,DC=test" */
    dn: string;
    password: string;
    /** objectSid, "S-1-5-21-...-RID" */
    sid: string;
}

/** A computer account as a Windows node's domain join leaves it (createComputer). */
export interface SambaComputer {
    /** NetBIOS computer name, "NODE1" */
    name: string;
    /** "NODE1$" */
    samAccountName: string;
    /** "CN=NODE1,OU=Computers,OU=SAMBA,DC=samba,DC=test" */
    dn: string;
    /** "NODE1.samba.test" */
    dnsHostName: string;
    /** objectSid */
    sid: string;
    /** Its machine password, as the node knows it. */
    password: string;
    /** Kerberos principal for kinit: "NODE1$@SAMBA.TEST" */
    principal: string;
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
    /**
     * A krb5.conf in baseDir for this realm only: kdc = host, no DNS lookups, no reverse DNS, so
     * `KRB5_CONFIG=<it> kinit`, kvno and `smbclient -k` talk to this DC and nothing else.
     */
    krb5ConfFile: string;
    /**
     * Why the DC serves no SMB (port 445, the SYSVOL and NETLOGON shares), or undefined when it
     * does. It does wherever a mount namespace can be made (root with CAP_SYS_ADMIN).
     */
    smbUnavailable: string | undefined;
    /** <NETBIOS>\\Admin: not a Domain Admin; full control in ouDn, creates gMSAs. */
    delegatedAdmin: DelegatedAdmin;
    /** "OU=SAMBA,DC=samba,DC=test": the customer's OU (AWS names it after the NetBIOS domain). */
    ouDn: string;
    /** "OU=Users,OU=SAMBA,DC=samba,DC=test" */
    usersOuDn: string;
    /** "OU=Computers,OU=SAMBA,DC=samba,DC=test" */
    computersOuDn: string;
    /** "CN=Managed Service Accounts,DC=samba,DC=test": where the delegated Admin may create gMSAs. */
    managedServiceAccountsDn: string;
    /** The groups the delegation is granted to, both with delegatedAdmin as member. */
    delegatedGroups: { administratorsDn: string; managedServiceAccountAdministratorsDn: string };
    /**
     * Creates a computer account with a known password, as a domain-joined node has it (workstation
     * trust account, dNSHostName, HOST/ and RestrictedKrbHost/ SPNs), with system rights; default
     * OU computersOuDn, default password random.
     */
    createComputer(name: string, options?: { ou?: string; password?: string }): Promise<SambaComputer>;
    /** Milliseconds spent provisioning and starting (until LDAP, LDAPS and SMB answered). */
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
/** Meets AD complexity and holds no part of the name "Admin" (complexity forbids that). */
export const DEFAULT_DELEGATED_ADMIN_PASSWORD = "Aws-Delegated-0u-Passw0rd!";
/** The interpreter with Samba's bindings (a python3 earlier on PATH, say pyenv's, may lack them). */
const SAMBA_PYTHON = "/usr/bin/python3";
const SUPPORT_DIR = __dirname;

/** Why startSambaDomain cannot run here, or undefined when it can. */
export function sambaUnavailable(): string | undefined {
    for (const bin of ["samba", "samba-tool", "ldbsearch"]) {
        if (!findOnPath(bin)) return `${bin} is not installed: run bash test/support/install-samba.sh`;
    }
    if (!existsSync("/usr/share/samba/setup/provision.ldif")) {
        return "samba-ad-provision is not installed: run bash test/support/install-samba.sh";
    }
    if (!existsSync(SAMBA_PYTHON) || !existsSync("/usr/lib/python3/dist-packages/samba/samdb.py")) {
        return `python3-samba is not installed for ${SAMBA_PYTHON}: run bash test/support/install-samba.sh`;
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
    // mkdtemp makes it 0700; smbd serves SYSVOL to domain users as their own unix ids, which must
    // be able to pass through (not list) it. Samba keeps private/ at 0700 itself.
    chmodSync(baseDir, 0o711);
    writeFileSync(path.join(baseDir, OWNER_FILE), `${process.pid}\n`);
    const instance = new Instance(baseDir);
    try {
        const smbConf = path.join(baseDir, "etc", "smb.conf");
        const run = path.join(baseDir, "run");
        await mkdir(path.dirname(smbConf), { recursive: true });
        await mkdir(path.join(run, "ncalrpc"), { recursive: true });
        // An empty smb.conf to provision from, so that nothing of /etc/samba/smb.conf is read.
        writeFileSync(smbConf, "");
        const smbUnavailable = namespaceUnavailable(run);

        const globals: Record<string, string> = {
            // "/8" makes Samba accept an address that no interface carries (only 127.0.0.1 is on lo).
            interfaces: `${host}/8`,
            "bind interfaces only": "yes",
            // Provisioning puts lock, state, cache, private and binddns directories in --targetdir;
            // these are the others Samba would otherwise take from /run/samba and /var/lib/samba.
            "pid directory": run,
            "ncalrpc dir": path.join(run, "ncalrpc"),
            "winbindd socket directory": path.join(run, "winbindd"),
            "ntp signd socket directory": path.join(run, "ntp_signd"),
            "log file": path.join(baseDir, "log.%m"),
            // s3fs: smbd, the file server behind SYSVOL; it needs winbindd to map SIDs to ids.
            "server services": smbUnavailable === undefined
                ? "rpc, ldap, cldap, kdc, drepl, dns, s3fs, winbindd"
                : "rpc, ldap, cldap, kdc, drepl, dns",
            "disable netbios": "yes",
            "smb ports": "445",
            // No printing: smbd would otherwise look for printers and spool under /var/lib/samba.
            "load printers": "no",
            printing: "bsd",
            "printcap name": "/dev/null",
            "disable spoolss": "yes",
            "ad dc functional level": "2016",
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
            // The newest schema Samba has, and the functional level Windows Server 2016+ DCs run at
            // (Samba 4.19+ refuses level 2016 unless smb.conf says "ad dc functional level = 2016").
            "--base-schema=2019",
            "--function-level=2016",
            "--use-rfc2307",
            `--adminpass=${adminPassword}`,
            ...Object.entries(globals).map(([k, v]) => `--option=${k}=${v}`),
        ], 180_000);
        // Provisioning copies /etc/resolv.conf's nameserver into "dns forwarder": drop it, so the
        // DC's DNS server never forwards off loopback.
        // Provisioning drops "ldap server require strong auth" given as --option, so it is added here;
        // any other option it dropped is added back the same way.
        let conf = readFileSync(smbConf, "utf8").replace(/^\s*dns forwarder\s*=.*\n/gim, "");
        const wanted: Record<string, string> = { ...globals };
        if (options.allowPlainSimpleBind === true) wanted["ldap server require strong auth"] = "no";
        for (const [key, value] of Object.entries(wanted)) {
            if (confValue(conf, key) === undefined) conf = conf.replace(/^\[global\]\n/m, (g) => `${g}\t${key} = ${value}\n`);
        }
        checkConf(conf, baseDir, wanted);
        writeFileSync(smbConf, conf);
        const delegatedAdminPassword = options.delegatedAdminPassword ?? DEFAULT_DELEGATED_ADMIN_PASSWORD;
        const setup = await runPython("samba_domain_setup.py", {
            smbConf,
            relaxPasswordPolicy: options.relaxPasswordPolicy !== false,
            netbiosName,
            delegatedAdminPassword,
        }, 60_000) as SetupResult;
        if (!setup.kdsRootKey?.guid || !setup.delegation?.adminDn) {
            throw new Error(`samba_domain_setup.py made no KDS root key or delegation: ${JSON.stringify(setup)}`);
        }
        const delegation = setup.delegation;
        await makeTlsCertificate(path.join(baseDir, "private", "tls"), `${hostName}.${dnsName}`, host);
        const krb5ConfFile = path.join(baseDir, "krb5.conf");
        writeFileSync(krb5ConfFile, krb5Conf(realm, dnsName, host));
        const provisionMs = Date.now() - t0;

        const t1 = Date.now();
        const sambaArgs = ["-i", "-M", "single", "-s", smbConf];
        if (smbUnavailable === undefined) {
            instance.start("bash", [path.join(SUPPORT_DIR, "samba-namespaced.sh"), run, findOnPath("samba")!, ...sambaArgs]);
        } else {
            instance.start(findOnPath("samba")!, sambaArgs);
        }
        const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
        let lastError: unknown;
        for (;;) {
            if (instance.exited) {
                throw new Error(`samba exited (${instance.exited}) before LDAP answered; log:\n${tail(instance.log())}`);
            }
            try {
                const plain = await ldapRootDse({ host, port: 389, timeoutMs: 2_000 });
                const secure = await ldapRootDse({ host, port: 636, tls: true, timeoutMs: 2_000 });
                if (plain.defaultNamingContext?.[0]?.toUpperCase() !== baseDn.toUpperCase() || !secure.defaultNamingContext) {
                    lastError = new Error(`unexpected rootDSE ${JSON.stringify(plain)}`);
                } else if (smbUnavailable === undefined && !(await connects(host, 445, 2_000))) {
                    lastError = new Error("smbd does not accept connections on 445 yet");
                } else {
                    break;
                }
            } catch (e) {
                lastError = e;
            }
            if (Date.now() > deadline) {
                throw new Error(`samba did not answer LDAP, LDAPS${smbUnavailable === undefined ? " and SMB" : ""} on ${host} ` +
                    `within ${options.startTimeoutMs ?? 60_000} ms (last error: ${String(lastError)}); log:\n${tail(instance.log())}`);
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
            krb5ConfFile,
            smbUnavailable,
            delegatedAdmin: {
                user: `${netbiosName}\\Admin`,
                upn: delegation.adminUpn,
                dn: delegation.adminDn,
                password: delegatedAdminPassword,
                sid: delegation.adminSid,
            },
            ouDn: delegation.ouDn,
            usersOuDn: delegation.usersOuDn,
            computersOuDn: delegation.computersOuDn,
            managedServiceAccountsDn: delegation.managedServiceAccountsDn,
            delegatedGroups: delegation.groups,
            createComputer: async (name, opts = {}) => {
                const password = opts.password ?? `Node-${randomBytes(18).toString("base64url")}-9z`;
                const made = await runPython("samba_create_computer.py", {
                    smbConf, name, ouDn: opts.ou ?? delegation.computersOuDn, password,
                }, 60_000) as Omit<SambaComputer, "name" | "password" | "principal">;
                return { name, ...made, password, principal: `${made.samAccountName}@${realm}` };
            },
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

/** What samba_domain_setup.py prints. */
interface SetupResult {
    kdsRootKey: { guid: string; created: boolean; useStartTime: number };
    delegation: {
        ouDn: string;
        usersOuDn: string;
        computersOuDn: string;
        managedServiceAccountsDn: string;
        adminDn: string;
        adminUpn: string;
        adminSid: string;
        groups: { administratorsDn: string; managedServiceAccountAdministratorsDn: string };
    };
}

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

    start(command: string, args: string[]): void {
        const fd = openSync(this.logFile, "a");
        try {
            // detached: its own process group (killed as a group); stdin stays a pipe from us, so that
            // samba -i ends by itself ("EOF on stdin") if this process dies without stop().
            this.child = spawn(command, args, { detached: true, stdio: ["pipe", fd, fd], env: sambaEnv() });
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

let namespaceProbe: { result: string | undefined } | undefined;

/**
 * Why samba-namespaced.sh cannot run samba in a mount namespace of its own here (so the DC gets no
 * file server), or undefined when it can. Probed once per process, with `true` as the command.
 */
function namespaceUnavailable(runDir: string): string | undefined {
    if (!namespaceProbe) {
        const probe = spawnSync("bash", [path.join(SUPPORT_DIR, "samba-namespaced.sh"), runDir, "true"], { encoding: "utf8", timeout: 10_000 });
        namespaceProbe = {
            result: probe.status === 0
                ? undefined
                : `no mount namespace for smbd's winbindd socket (unshare --mount and mount --bind need root with CAP_SYS_ADMIN): ` +
                `${(probe.stderr || probe.error?.message || `exit ${probe.status}`).trim()}`,
        };
    }
    return namespaceProbe.result;
}

/** The value of a [global] option in smb.conf text, or undefined when it is not set. */
function confValue(conf: string, key: string): string | undefined {
    const globals = /^\[global\]\n([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(conf)?.[1] ?? "";
    for (const line of globals.split("\n")) {
        const m = /^\s*([^=#;]+?)\s*=\s*(.*?)\s*$/.exec(line);
        if (m && m[1].toLowerCase().replace(/\s+/g, " ") === key) return m[2];
    }
    return undefined;
}

/** Directories Samba writes to; each must be inside the domain's own directory. */
const PER_DC_DIRECTORIES = [
    "pid directory", "lock directory", "state directory", "cache directory", "private dir", "binddns dir",
    "ncalrpc dir", "winbindd socket directory", "ntp signd socket directory", "log file",
];

/** Throws unless the provisioned smb.conf has what the fixture asked for and keeps every directory in baseDir. */
function checkConf(conf: string, baseDir: string, wanted: Record<string, string>): void {
    const problems: string[] = [];
    const normal = (v: string) => v.toLowerCase().replace(/\s+/g, " ");
    for (const [key, value] of Object.entries(wanted)) {
        const got = confValue(conf, key);
        if (got === undefined || normal(got) !== normal(value)) problems.push(`${key} = ${got ?? "(unset)"}, wanted ${value}`);
    }
    for (const key of PER_DC_DIRECTORIES) {
        const got = confValue(conf, key);
        if (got === undefined || !(got === baseDir || got.startsWith(`${baseDir}/`))) problems.push(`${key} = ${got ?? "(unset)"} is not inside ${baseDir}`);
    }
    if (confValue(conf, "dns forwarder") !== undefined) problems.push("dns forwarder is set");
    if (problems.length > 0) throw new Error(`unexpected smb.conf after provisioning (${problems.join("; ")}):\n${conf}`);
}

/** A krb5.conf that sends MIT Kerberos to this DC only (no DNS, no reverse lookups). */
function krb5Conf(realm: string, dnsName: string, host: string): string {
    return [
        "[libdefaults]",
        `\tdefault_realm = ${realm}`,
        "\tdns_lookup_kdc = false",
        "\tdns_lookup_realm = false",
        "\trdns = false",
        "\tdns_canonicalize_hostname = false",
        "[realms]",
        `\t${realm} = {`,
        `\t\tkdc = ${host}`,
        `\t\tadmin_server = ${host}`,
        `\t\tkpasswd_server = ${host}`,
        "\t}",
        "[domain_realm]",
        `\t.${dnsName} = ${realm}`,
        `\t${dnsName} = ${realm}`,
        "",
    ].join("\n");
}

/**
 * Runs one of this directory's Python scripts with the interpreter that has Samba's bindings; the
 * request goes in as JSON on stdin (passwords stay out of process lists), one JSON line comes out.
 */
function runPython(script: string, request: unknown, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
        const child = execFile(SAMBA_PYTHON, [path.join(SUPPORT_DIR, script)], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env: sambaEnv() }, (err, stdout, stderr) => {
            if (err) {
                const why = String(stderr).trim() ? tail(String(stderr).trim()) : err.message;
                reject(new Error(`${script} failed (${err.code ?? err.signal ?? "error"}): ${why}`));
                return;
            }
            try {
                resolve(JSON.parse(String(stdout).trim().split("\n").pop() ?? ""));
            } catch {
                reject(new Error(`${script} printed no JSON: ${tail(String(stdout) + String(stderr))}`));
            }
        });
        child.stdin?.end(JSON.stringify(request));
    });
}

/** Whether a TCP connection to host:port opens within timeoutMs. */
function connects(host: string, port: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ host, port });
        const done = (ok: boolean) => {
            socket.destroy();
            resolve(ok);
        };
        socket.setTimeout(timeoutMs, () => done(false));
        socket.once("connect", () => done(true));
        socket.once("error", () => done(false));
    });
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
