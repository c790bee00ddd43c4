// The test DC's configuration files (see samba.ts): the smb.conf options it is provisioned with and
// the check that provisioning kept them, a krb5.conf for its realm only, and its LDAPS certificate.

import { chmodSync, copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import * as path from "node:path";
import { findOnPath, runCommand, runPython } from "./sambaProcess";

/**
 * The [global] options a DC on `host` is provisioned with: every directory Samba writes in baseDir
 * (runDir is its run/), and the file server (smbd) only when fileServer.
 */
export function dcGlobals(host: string, baseDir: string, runDir: string, fileServer: boolean): Record<string, string> {
    return {
        // "/8" makes Samba accept an address that no interface carries (only 127.0.0.1 is on lo).
        interfaces: `${host}/8`,
        "bind interfaces only": "yes",
        // Provisioning puts lock, state, cache, private and binddns directories in --targetdir;
        // these are the others Samba would otherwise take from /run/samba and /var/lib/samba.
        "pid directory": runDir,
        "ncalrpc dir": path.join(runDir, "ncalrpc"),
        "winbindd socket directory": path.join(runDir, "winbindd"),
        "ntp signd socket directory": path.join(runDir, "ntp_signd"),
        "log file": path.join(baseDir, "log.%m"),
        // s3fs: smbd, the file server behind SYSVOL; it needs winbindd to map SIDs to ids.
        "server services": fileServer ? "rpc, ldap, cldap, kdc, drepl, dns, s3fs, winbindd" : "rpc, ldap, cldap, kdc, drepl, dns",
        "disable netbios": "yes",
        "smb ports": "445",
        // No printing: smbd would otherwise look for printers and spool under /var/lib/samba.
        "load printers": "no",
        printing: "bsd",
        "printcap name": "/dev/null",
        "disable spoolss": "yes",
        "ad dc functional level": "2016",
    };
}

/**
 * Mends the smb.conf provisioning wrote and checks it (throws when it lacks what was `wanted` or
 * keeps a directory outside baseDir); allowPlainSimpleBind adds "ldap server require strong auth = no".
 */
export function settleProvisionedConf(smbConf: string, baseDir: string, globals: Record<string, string>, allowPlainSimpleBind: boolean): void {
    // Provisioning copies /etc/resolv.conf's nameserver into "dns forwarder": drop it, so the
    // DC's DNS server never forwards off loopback.
    // Provisioning drops "ldap server require strong auth" given as --option, so it is added here;
    // any other option it dropped is added back the same way.
    let conf = readFileSync(smbConf, "utf8").replace(/^\s*dns forwarder\s*=.*\n/gim, "");
    const wanted: Record<string, string> = { ...globals };
    if (allowPlainSimpleBind) wanted["ldap server require strong auth"] = "no";
    for (const [key, value] of Object.entries(wanted)) {
        if (confValue(conf, key) === undefined) conf = conf.replace(/^\[global\]\n/m, (g) => `${g}\t${key} = ${value}\n`);
    }
    checkConf(conf, baseDir, wanted);
    writeFileSync(smbConf, conf);
}

/**
 * Samba makes a self-signed 4096-bit RSA certificate on its first start when private/tls holds
 * none, which takes seconds, and names only the DC (CN). The fixture makes a 2048-bit one in a
 * fraction of that, with the DC's name and its address as subjectAltNames so that clients can
 * verify it against caCertFile: with python3-cryptography (make_tls_cert.py; a Depends of Debian's
 * python3-samba), else with openssl when it is installed (the test command does not install it:
 * openssl is built from libssl3's source, which installing it could upgrade). With neither,
 * Samba's own is used.
 */
export async function makeTlsCertificate(dir: string, dcHostName: string, ip: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const made = (await runPython("make_tls_cert.py", { dir, hostName: dcHostName, ip }, 60_000)) as { made: boolean };
    if (made.made || !findOnPath("openssl")) return;
    const key = path.join(dir, "key.pem");
    const cert = path.join(dir, "cert.pem");
    await runCommand(
        "openssl",
        [
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "3650",
            "-keyout",
            key,
            "-out",
            cert,
            "-subj",
            `/O=Samba Administration/OU=Samba test fixture/CN=${dcHostName}`,
            "-addext",
            `subjectAltName=DNS:${dcHostName},IP:${ip}`,
        ],
        60_000,
    );
    chmodSync(key, 0o600); // samba refuses a key file others can read
    copyFileSync(cert, path.join(dir, "ca.pem"));
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
    "pid directory",
    "lock directory",
    "state directory",
    "cache directory",
    "private dir",
    "binddns dir",
    "ncalrpc dir",
    "winbindd socket directory",
    "ntp signd socket directory",
    "log file",
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
export function krb5Conf(realm: string, dnsName: string, host: string): string {
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
