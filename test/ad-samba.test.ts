// The Active Directory module and `npm run ad`, against a real Samba AD domain controller that
// this test provisions in a temporary directory and runs on a loopback address.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import * as YAML from "yaml";
import { Directory, verifyGmsa } from "../lib/ad/directory";
import { projectRoot } from "../tools/harness";
import { startSambaDomain, type SambaDomain, type SambaFacts } from "./support/samba";

let dc: SambaDomain;
let facts: SambaFacts;
before(async () => {
    dc = await startSambaDomain();
    facts = await dc.facts();
}, { timeout: 180_000 });
after(async () => { await dc?.stop(); });

const identityPassword = "Ccg-Reader-Passw0rd!";

/** Runs `npm run ad` (as its script does) and returns exit code, output and duration. */
function ad(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string; ms: number }> {
    const started = Date.now();
    return new Promise((resolve) => {
        const child = spawn(process.execPath, ["--import", "tsx", path.join(projectRoot, "tools", "ad.ts"), ...args], {
            cwd: projectRoot,
            env: { ...process.env, AD_PASSWORD: dc.adminPassword, AD_IDENTITY_PASSWORD: identityPassword, ...env },
        });
        let stdout = "", stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("exit", (status) => resolve({ status, stdout, stderr, ms: Date.now() - started }));
    });
}

const connection = () => ["--url", dc.ldapsUrl, "--user", `${dc.netbiosName}\\Administrator`, "--ca-file", dc.caCertFile];
const gmsaArgs = ["--account", "WebApp01", "--group", "EKS-gMSA-Readers"];

describe("discover", () => {
    test("--format json prints exactly Samba's own records", async () => {
        const r = await ad(["discover", ...connection(), "--format", "json"]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), JSON.stringify({ dnsName: facts.dnsName, forestName: facts.forestName, netbiosName: facts.netbiosName, domainSid: facts.domainSid, domainGuid: facts.domainGuid }));
        assert.match(facts.domainSid, /^S-1-5-21-\d+-\d+-\d+$/);
    });

    test("with user@domain too", async () => {
        const r = await ad(["discover", "--url", dc.ldapsUrl, "--user", `Administrator@${dc.dnsName}`, "--ca-file", dc.caCertFile]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(JSON.parse(r.stdout).domainGuid, facts.domainGuid);
    });

    test("a simple bind over plain LDAP, which the DC refuses, gets a one-line hint to use ldaps://", async () => {
        const r = await ad(["discover", "--url", dc.url, "--user", `Administrator@${dc.dnsName}`]);
        assert.equal(r.status, 1);
        assert.equal(r.stderr.trim(), `ad: ${dc.url}: the server requires an encrypted connection for this bind; use ldaps://`);
    });

    test("--format yaml prints a GMSACredentialSpec for the named account", async () => {
        const r = await ad(["discover", ...connection(), "--format", "yaml", "--account", "WebApp01"]);
        assert.equal(r.status, 0, r.stderr);
        const doc = YAML.parse(r.stdout);
        assert.equal(doc.kind, "GMSACredentialSpec");
        assert.equal(doc.metadata.name, "webapp01");
        assert.deepEqual(doc.credspec.DomainJoinConfig, { Sid: facts.domainSid, MachineAccountName: "WebApp01", Guid: facts.domainGuid, DnsTreeName: facts.forestName, DnsName: facts.dnsName, NetBiosName: facts.netbiosName });
    });

    test("--format config prints the stack lines", async () => {
        const r = await ad(["discover", ...connection(), "--format", "config"]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`^  eks-gmsa:activeDirectory:\\n    domainName: ${facts.dnsName}\\n    netbiosName: ${facts.netbiosName}\\n`));
        assert.match(r.stdout, new RegExp(`domainSid: ${facts.domainSid}\\n    domainGuid: ${facts.domainGuid}`));
    });
});

describe("provision, verify, remove", () => {
    test("a gMSA that does not exist fails verification", async () => {
        const r = await ad(["verify", ...connection(), ...gmsaArgs]);
        assert.equal(r.status, 1);
        assert.match(r.stdout, /problem: gMSA WebApp01\$ does not exist/);
    });

    test("provision creates the group, the portable identity (password over LDAPS), the membership and the gMSA", async () => {
        const r = await ad(["provision", ...connection(), ...gmsaArgs, "--identity-user", "gmsa-ccg-reader"]);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.stdout.trim().split("\n"), ["created group EKS-gMSA-Readers", "created user gmsa-ccg-reader", "added gmsa-ccg-reader to EKS-gMSA-Readers", "created gMSA WebApp01$"]);
        // The identity can log on with the password it was given.
        const asIdentity = await Directory.connect({ url: dc.ldapsUrl, user: `gmsa-ccg-reader@${dc.dnsName}`, password: identityPassword, tls: { rejectUnauthorized: false } });
        await asIdentity.close();
    });

    test("provisioning again changes nothing", async () => {
        const r = await ad(["provision", ...connection(), ...gmsaArgs, "--identity-user", "gmsa-ccg-reader"]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), "nothing to change");
    });

    test("verify passes: SPNs, DNS host name, readers' group allowed", async () => {
        const r = await ad(["verify", ...connection(), ...gmsaArgs]);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /gMSA WebApp01\$ is ready/);
    });

    test("a group not allowed to retrieve the password fails verification", async () => {
        const directory = await Directory.connect({ url: dc.ldapsUrl, user: dc.adminUser, password: dc.adminPassword, tls: { rejectUnauthorized: false } });
        try {
            await directory.add(`CN=Other-Readers,CN=Users,${directory.baseDn}`, { objectClass: ["top", "group"], sAMAccountName: "Other-Readers", groupType: String(-2147483646) });
            const result = await verifyGmsa(directory, { account: "WebApp01", readersGroup: "Other-Readers" });
            assert.equal(result.ok, false);
            assert.deepEqual(result.problems, ["Other-Readers is not allowed to retrieve the password of WebApp01$ (msDS-GroupMSAMembership)"]);
        } finally {
            await directory.close();
        }
        const r = await ad(["verify", ...connection(), "--account", "WebApp01", "--group", "Other-Readers"]);
        assert.equal(r.status, 1);
    });

    test("a missing SPN fails verification, and provisioning puts it back", async () => {
        const directory = await Directory.connect({ url: dc.ldapsUrl, user: dc.adminUser, password: dc.adminPassword, tls: { rejectUnauthorized: false } });
        try {
            const entry = await directory.findAccount("WebApp01$");
            await directory.replace(String(entry!.dn), "servicePrincipalName", ["host/WebApp01"]);
        } finally {
            await directory.close();
        }
        const broken = await ad(["verify", ...connection(), ...gmsaArgs]);
        assert.equal(broken.status, 1);
        assert.match(broken.stdout, new RegExp(`problem: WebApp01\\$ lacks the SPN host/WebApp01\\.${dc.dnsName.replace(".", "\\.")}`));
        const fixed = await ad(["provision", ...connection(), ...gmsaArgs]);
        assert.equal(fixed.stdout.trim(), `added SPNs host/WebApp01.${dc.dnsName} to WebApp01$`);
        assert.equal((await ad(["verify", ...connection(), ...gmsaArgs])).status, 0);
    });

    test("remove deletes the gMSA, the identity and the group; a second remove finds nothing", async () => {
        const first = await ad(["remove", ...connection(), ...gmsaArgs, "--identity-user", "gmsa-ccg-reader"]);
        assert.equal(first.status, 0, first.stderr);
        assert.deepEqual(first.stdout.trim().split("\n"), ["removed gMSA WebApp01$", "removed user gmsa-ccg-reader", "removed group EKS-gMSA-Readers"]);
        const second = await ad(["remove", ...connection(), ...gmsaArgs, "--identity-user", "gmsa-ccg-reader"]);
        assert.equal(second.stdout.trim(), "nothing to remove");
        const verify = await ad(["verify", ...connection(), ...gmsaArgs]);
        assert.match(verify.stdout, /does not exist/);
    });
});

describe("provision into an OU (--ou), as the managed directory's delegated OU needs", () => {
    test("the group and the portable identity are created in the OU; a malformed OU is a usage error", async () => {
        const directory = await Directory.connect({ url: dc.ldapsUrl, user: dc.adminUser, password: dc.adminPassword, tls: { rejectUnauthorized: false } });
        const ou = `OU=EKS,${directory.baseDn}`;
        try {
            await directory.add(ou, { objectClass: ["top", "organizationalUnit"], ou: "EKS" });
            const r = await ad(["provision", ...connection(), ...gmsaArgs, "--identity-user", "gmsa-ccg-reader", "--ou", ou]);
            assert.equal(r.status, 0, r.stderr);
            assert.equal(String((await directory.findAccount("EKS-gMSA-Readers"))!.dn).toLowerCase(), `cn=eks-gmsa-readers,${ou}`.toLowerCase());
            assert.equal(String((await directory.findAccount("gmsa-ccg-reader"))!.dn).toLowerCase(), `cn=gmsa-ccg-reader,${ou}`.toLowerCase());
            assert.equal((await ad(["verify", ...connection(), ...gmsaArgs])).status, 0);
            assert.equal((await ad(["remove", ...connection(), ...gmsaArgs, "--identity-user", "gmsa-ccg-reader"])).status, 0);
        } finally {
            await directory.remove(ou).catch(() => undefined);
            await directory.close();
        }
        const bad = await ad(["provision", ...connection(), ...gmsaArgs, "--ou", "EKS"]);
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /--ou "EKS" must be a distinguished name/);
    });
});

describe("failures are one line and fast", () => {
    test("a wrong password", async () => {
        const r = await ad(["discover", ...connection()], { AD_PASSWORD: "not-the-password" });
        assert.equal(r.status, 1);
        assert.equal(r.stderr.trim(), `ad: ${dc.ldapsUrl}: the user name or password was refused (${dc.netbiosName}\\Administrator)`);
        assert.ok(r.ms < 15_000, `${r.ms} ms`);
    });

    test("an LDAPS certificate from an untrusted CA is refused", async () => {
        const r = await ad(["discover", "--url", dc.ldapsUrl, "--user", `${dc.netbiosName}\\Administrator`]);
        assert.equal(r.status, 1);
        assert.match(r.stderr.trim(), /^ad: ldaps:\/\/[0-9.]+:\d+: cannot connect: .*(certificate|self.signed)/i);
    });
});
