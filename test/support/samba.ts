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
// Related files here: sambaProcess.ts (the samba process, its cleanup, the commands run),
// sambaConf.ts (smb.conf options and their check, krb5.conf, the LDAPS certificate), ldapWire.ts
// (the rootDSE read), loopback.ts (the DC's address), install-samba.sh (packages),
// samba-namespaced.sh (the mount namespace), samba_domain_setup.py + samba_delegation.py (password
// policy, KDS root key, delegation; run offline before samba starts), samba_create_computer.py
// (createComputer), gmsa_probe.py (tests' gMSA creation and password retrieval as a given user).

import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { pickLoopbackAddress } from "./loopback";
import { dcGlobals, krb5Conf, makeTlsCertificate, settleProvisionedConf } from "./sambaConf";
import { findOnPath, Instance, namespaceUnavailable, OWNER_FILE, runCommand, runPython, SAMBA_PYTHON, SUPPORT_DIR, sweepStaleDirs } from "./sambaProcess";
import type { ReportedDomainFacts } from "../../lib/ad/domainFacts";

export { ldapRootDse } from "./ldapWire";

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
/**
 * The domain's facts read from the DC itself, in the shape cli.py reports them (so a test compares
 * the two directly): dnsName, forestName and netbiosName from the DC's CLDAP answer ("samba.test",
 * "SAMBA"); domainSid and domainGuid (lower-case, dashed) from the domain object in sam.ldb.
 */
export type SambaFacts = ReportedDomainFacts;

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
     * private/tls/ca.pem: the self-signed LDAPS certificate (its own CA), for DC.<dnsName> and,
     * when python3-cryptography or openssl is installed (see makeTlsCertificate), with the
     * loopback address as subjectAltName, so `tls.connect({ ca })` verifies against `host` as it is.
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
    const baseDn = dnsName
        .split(".")
        .map((p) => `DC=${p}`)
        .join(",");
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

        const globals = dcGlobals(host, baseDir, run, smbUnavailable === undefined);

        const t0 = Date.now();
        await runCommand(
            "samba-tool",
            [
                "domain",
                "provision",
                "-s",
                smbConf,
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
            ],
            180_000,
        );
        settleProvisionedConf(smbConf, baseDir, globals, options.allowPlainSimpleBind === true);
        const delegatedAdminPassword = options.delegatedAdminPassword ?? DEFAULT_DELEGATED_ADMIN_PASSWORD;
        const setup = (await runPython(
            "samba_domain_setup.py",
            {
                smbConf,
                relaxPasswordPolicy: options.relaxPasswordPolicy !== false,
                netbiosName,
                delegatedAdminPassword,
            },
            60_000,
        )) as SetupResult;
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
        await instance.waitServing(host, baseDn, smbUnavailable === undefined, options.startTimeoutMs ?? 60_000);
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
                const made = (await runPython(
                    "samba_create_computer.py",
                    {
                        smbConf,
                        name,
                        ouDn: opts.ou ?? delegation.computersOuDn,
                        password,
                    },
                    60_000,
                )) as Omit<SambaComputer, "name" | "password" | "principal">;
                return { name, ...made, password, principal: `${made.samAccountName}@${realm}` };
            },
            timings: { provisionMs, startMs },
            facts: async () => {
                const [info, ldif] = await Promise.all([
                    runCommand("samba-tool", ["domain", "info", "-s", smbConf, host], 30_000),
                    runCommand("ldbsearch", ["-H", path.join(baseDir, "private", "sam.ldb"), "-b", baseDn, "-s", "base", "objectSid", "objectGUID"], 30_000),
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
            sambaTool: (...args: string[]) => runCommand("samba-tool", [...args, "-s", smbConf], 120_000),
            log: () => instance.log(),
            stop: () => instance.stop(),
        };
        return domain;
    } catch (e) {
        await instance.stop();
        throw e;
    }
}

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
