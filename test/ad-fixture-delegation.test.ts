// The test domain controller is one like the users': Samba 4.22 at functional level 2016 with a
// KDS root key, and AWS Managed Microsoft AD's delegation, where the product's AD code runs as the
// delegated `Admin` (not a Domain Admin). Each test acts as that Admin (or as a user it made)
// through clients independent of the product's code, so the fixture is checked on its own: ldapts
// (LDAP over TLS with simple binds, which the product never makes: its Python binds with SASL
// sign+seal), Samba's Python LDAP client with NTLM sign+seal for gMSAs, MIT kinit, smbclient with Kerberos.
// Needs Samba (bash test/support/install-samba.sh, which test/run-all.sh runs): without it they fail, saying so.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { Attribute, Change, Client, InsufficientAccessError, InvalidCredentialsError } from "ldapts";
import { startSambaDomain, type SambaDomain } from "./support/samba";

const execFileAsync = promisify(execFile);

/** Functional level 2016 as AD stores it (msDS-Behavior-Version, rootDSE *Functionality). */
const LEVEL_2016 = "7";

let dc: SambaDomain;
const clients: Client[] = [];

async function bind(user: string, password: string): Promise<Client> {
    const client = new Client({
        url: dc.ldapsUrl,
        timeout: 10_000,
        connectTimeout: 5_000,
        tlsOptions: { ca: [readFileSync(dc.caCertFile)] },
    });
    clients.push(client);
    await client.bind(user, password);
    return client;
}

function unicodePwd(password: string): Buffer {
    return Buffer.from(`"${password}"`, "utf16le");
}

function attrs(values: Record<string, string | string[] | Buffer>): Attribute[] {
    return Object.entries(values).map(([type, v]) => new Attribute({ type, values: Buffer.isBuffer(v) ? [v] : Array.isArray(v) ? v : [v] }));
}

function replace(type: string, values: string[] | Buffer[]): Change {
    return new Change({ operation: "replace", modification: new Attribute({ type, values }) });
}

async function exists(client: Client, dn: string): Promise<boolean> {
    try {
        const { searchEntries } = await client.search(dn, { scope: "base", attributes: ["objectClass"] });
        return searchEntries.length === 1;
    } catch {
        return false;
    }
}

/** test/support/gmsa_probe.py with Samba's Python: request on stdin, one JSON line out. */
async function gmsaProbe(request: Record<string, unknown>): Promise<Record<string, unknown>> {
    const run = execFileAsync("/usr/bin/python3", [path.join(__dirname, "support", "gmsa_probe.py")], { timeout: 30_000 });
    run.child.stdin?.end(JSON.stringify(request));
    const { stdout } = await run;
    return JSON.parse(stdout.trim().split("\n").pop()!);
}

/** MIT kinit with the domain's krb5ConfFile into a cache of its own; returns the env for that cache. */
async function kinit(principal: string, password: string, cache: string): Promise<NodeJS.ProcessEnv> {
    const env = { ...process.env, KRB5_CONFIG: dc.krb5ConfFile, KRB5CCNAME: `FILE:${path.join(dc.baseDir, cache)}` };
    const run = execFileAsync("kinit", [principal], { env, timeout: 15_000 });
    run.child.stdin?.end(`${password}\n`);
    await run;
    return env;
}

describe("test DC: functional level 2016, KDS root key, AWS-style delegated Admin", () => {
    let admin: Client;
    let administrator: Client;

    before(
        async () => {
            dc = await startSambaDomain();
            console.log(`samba: ${dc.url} provisioned in ${dc.timings.provisionMs} ms, answered in ${dc.timings.startMs} ms`);
            admin = await bind(dc.delegatedAdmin.user, dc.delegatedAdmin.password);
            administrator = await bind(dc.adminUser, dc.adminPassword);
        },
        { timeout: 180_000 },
    );

    after(async () => {
        await Promise.allSettled(clients.map((c) => c.unbind()));
        await dc?.stop();
    });

    test("the domain, the forest and the DC are at functional level 2016", { timeout: 30_000 }, async () => {
        const {
            searchEntries: [rootDse],
        } = await admin.search("", {
            scope: "base",
            attributes: ["domainFunctionality", "forestFunctionality", "domainControllerFunctionality"],
        });
        assert.equal(rootDse.domainFunctionality, LEVEL_2016);
        assert.equal(rootDse.forestFunctionality, LEVEL_2016);
        assert.equal(rootDse.domainControllerFunctionality, LEVEL_2016);
        const {
            searchEntries: [domain],
        } = await admin.search(dc.baseDn, { scope: "base", attributes: ["msDS-Behavior-Version"] });
        assert.equal(domain["msDS-Behavior-Version"], LEVEL_2016);
        const {
            searchEntries: [partitions],
        } = await admin.search(`CN=Partitions,CN=Configuration,${dc.baseDn}`, {
            scope: "base",
            attributes: ["msDS-Behavior-Version"],
        });
        assert.equal(partitions["msDS-Behavior-Version"], LEVEL_2016);
    });

    test("a KDS root key usable now exists; the delegated Admin cannot see it, as on Windows", { timeout: 30_000 }, async () => {
        const base = `CN=Master Root Keys,CN=Group Key Distribution Service,CN=Services,CN=Configuration,${dc.baseDn}`;
        const query = { scope: "one" as const, filter: "(objectClass=msKds-ProvRootKey)", attributes: ["cn", "msKds-UseStartTime", "msKds-Version"] };
        const { searchEntries: keys } = await administrator.search(base, query);
        assert.ok(keys.length >= 1, "Administrator sees at least one root key");
        const ntNow = (BigInt(Date.now()) + 11_644_473_600_000n) * 10_000n; // 100 ns since 1601
        assert.ok(
            keys.some((k) => BigInt(String(k["msKds-UseStartTime"])) <= ntNow),
            "one is usable now",
        );
        // Windows grants the root key objects to SYSTEM, Domain Admins and Enterprise Admins only
        // (Samba's schema has the same defaultSecurityDescriptor): the Admin's search finds none.
        const { searchEntries: seenByAdmin } = await admin.search(base, query);
        assert.deepEqual(seenByAdmin, []);
    });

    test("the delegated Admin is in its two delegated groups and in no built-in or privileged group", { timeout: 30_000 }, async () => {
        const { searchEntries: groups } = await administrator.search(dc.baseDn, {
            scope: "sub",
            // LDAP_MATCHING_RULE_IN_CHAIN: every group the Admin is in, also through nesting.
            filter: `(&(objectClass=group)(member:1.2.840.113556.1.4.1941:=${dc.delegatedAdmin.dn}))`,
            attributes: ["cn"],
        });
        assert.deepEqual(
            groups.map((g) => g.dn).sort(),
            [dc.delegatedGroups.administratorsDn, dc.delegatedGroups.managedServiceAccountAdministratorsDn].sort(),
        );
        const {
            searchEntries: [user],
        } = await administrator.search(dc.delegatedAdmin.dn, {
            scope: "base",
            attributes: ["primaryGroupID", "adminCount", "userPrincipalName", "sAMAccountName"],
        });
        assert.equal(user.primaryGroupID, "513", "primary group Domain Users");
        assert.deepEqual([user.adminCount ?? []].flat(), [], "never protected by AdminSDHolder (no adminCount)");
        assert.equal(user.userPrincipalName, dc.delegatedAdmin.upn);
        assert.equal(user.sAMAccountName, "Admin");
        assert.equal(dc.delegatedAdmin.user, `${dc.netbiosName}\\Admin`);
        assert.ok(dc.usersOuDn.endsWith(dc.ouDn) && dc.computersOuDn.endsWith(dc.ouDn) && dc.ouDn === `OU=${dc.netbiosName},${dc.baseDn}`);
    });

    test("in its OU the Admin creates, changes, resets and deletes users, groups, computers and OUs", { timeout: 60_000 }, async () => {
        const userDn = `CN=t-user1,${dc.usersOuDn}`;
        const groupDn = `CN=t-group1,${dc.usersOuDn}`;
        const computerDn = `CN=T-COMP1,${dc.computersOuDn}`;
        const subOuDn = `OU=Apps,${dc.ouDn}`;
        await admin.add(
            userDn,
            attrs({
                objectClass: ["top", "person", "organizationalPerson", "user"],
                sAMAccountName: "t-user1",
                userPrincipalName: `t-user1@${dc.dnsName}`,
                unicodePwd: unicodePwd("First-Passw0rd!"),
                userAccountControl: "512",
            }),
        );
        await admin.modify(userDn, replace("description", ["changed by the delegated Admin"]));
        await admin.add(groupDn, attrs({ objectClass: "group", sAMAccountName: "t-group1" }));
        await admin.modify(groupDn, new Change({ operation: "add", modification: new Attribute({ type: "member", values: [userDn] }) }));
        await admin.add(computerDn, attrs({ objectClass: "computer", sAMAccountName: "T-COMP1$", userAccountControl: "4096" }));
        await admin.add(subOuDn, attrs({ objectClass: "organizationalUnit" }));

        // The password reset took: the new password binds, the first one no longer does.
        await bind(`t-user1@${dc.dnsName}`, "First-Passw0rd!");
        await admin.modify(userDn, replace("unicodePwd", [unicodePwd("Reset-Passw0rd!")]));
        await bind(`t-user1@${dc.dnsName}`, "Reset-Passw0rd!");
        await assert.rejects(bind(`t-user1@${dc.dnsName}`, "First-Passw0rd!"), InvalidCredentialsError);
        const {
            searchEntries: [group],
        } = await administrator.search(groupDn, { scope: "base", attributes: ["member"] });
        assert.equal(group.member, userDn);

        for (const dn of [computerDn, groupDn, userDn, subOuDn]) await admin.del(dn);
        for (const dn of [computerDn, groupDn, userDn, subOuDn]) assert.equal(await exists(administrator, dn), false, `${dn} deleted`);
    });

    test("outside its OU the Admin may not create users, change the domain, or make itself or anyone privileged", { timeout: 60_000 }, async () => {
        const outside = `CN=t-outside,CN=Users,${dc.baseDn}`;
        await assert.rejects(
            admin.add(
                outside,
                attrs({
                    objectClass: ["top", "person", "organizationalPerson", "user"],
                    sAMAccountName: "t-outside",
                }),
            ),
            InsufficientAccessError,
        );
        assert.equal(await exists(administrator, outside), false);
        await assert.rejects(admin.add(`OU=t-rogue,${dc.baseDn}`, attrs({ objectClass: "organizationalUnit" })), InsufficientAccessError);

        const {
            searchEntries: [before],
        } = await administrator.search(dc.baseDn, { scope: "base", attributes: ["description"] });
        await assert.rejects(admin.modify(dc.baseDn, replace("description", ["changed by the Admin"])), InsufficientAccessError);
        const {
            searchEntries: [afterwards],
        } = await administrator.search(dc.baseDn, { scope: "base", attributes: ["description"] });
        assert.deepEqual(afterwards, before);

        const domainAdmins = `CN=Domain Admins,CN=Users,${dc.baseDn}`;
        await assert.rejects(
            admin.modify(
                domainAdmins,
                new Change({
                    operation: "add",
                    modification: new Attribute({ type: "member", values: [dc.delegatedAdmin.dn] }),
                }),
            ),
            InsufficientAccessError,
        );
        const {
            searchEntries: [da],
        } = await administrator.search(domainAdmins, { scope: "base", attributes: ["member"] });
        assert.ok(![da.member].flat().includes(dc.delegatedAdmin.dn), "Admin is not a Domain Admin");
        // AWS's delegated groups stay AWS's: the Admin may change their members (next test) but not
        // delete or otherwise change them. Nor may it reset the real administrator's password.
        await assert.rejects(admin.del(dc.delegatedGroups.administratorsDn), InsufficientAccessError);
        await assert.rejects(admin.modify(dc.delegatedGroups.administratorsDn, replace("description", ["mine"])), InsufficientAccessError);
        await assert.rejects(admin.modify(dc.adminDn, replace("unicodePwd", [unicodePwd("Taken-Over-Passw0rd!")])), InsufficientAccessError);
        await bind(dc.adminUser, dc.adminPassword);
    });

    test("a user the Admin adds to AWS Delegated Managed Service Account Administrators may create gMSAs, as AWS documents", { timeout: 60_000 }, async () => {
        const operatorDn = `CN=t-msa-operator,${dc.usersOuDn}`;
        await admin.add(
            operatorDn,
            attrs({
                objectClass: ["top", "person", "organizationalPerson", "user"],
                sAMAccountName: "t-msa-operator",
                unicodePwd: unicodePwd("Operator-Passw0rd!"),
                userAccountControl: "512",
            }),
        );
        const asOperator = { url: dc.url, user: `${dc.netbiosName}\\t-msa-operator`, password: "Operator-Passw0rd!" };
        const gmsa = { command: "create", container: dc.managedServiceAccountsDn, readerSids: [dc.delegatedAdmin.sid] };
        await assert.rejects(gmsaProbe({ ...asOperator, ...gmsa, name: "t-gmsa-op1", dnsHostName: `t-gmsa-op1.${dc.dnsName}` }), /INSUFFICIENT_ACCESS_RIGHTS/);
        await admin.modify(
            dc.delegatedGroups.managedServiceAccountAdministratorsDn,
            new Change({
                operation: "add",
                modification: new Attribute({ type: "member", values: [operatorDn] }),
            }),
        );
        const created = await gmsaProbe({ ...asOperator, ...gmsa, name: "t-gmsa-op2", dnsHostName: `t-gmsa-op2.${dc.dnsName}` });
        assert.equal(created.dn, `CN=t-gmsa-op2,${dc.managedServiceAccountsDn}`);
    });

    test("the Admin creates a gMSA in CN=Managed Service Accounts; Samba computes its password for an allowed reader only", { timeout: 90_000 }, async () => {
        // A reader the Admin makes in its OU, allowed by the gMSA's msDS-GroupMSAMembership.
        const readerDn = `CN=t-reader,${dc.usersOuDn}`;
        await admin.add(
            readerDn,
            attrs({
                objectClass: ["top", "person", "organizationalPerson", "user"],
                sAMAccountName: "t-reader",
                unicodePwd: unicodePwd("Reader-Passw0rd!"),
                userAccountControl: "512",
            }),
        );
        const {
            searchEntries: [reader],
        } = await administrator.search(readerDn, { scope: "base", attributes: ["objectSid"], explicitBufferAttributes: ["objectSid"] });
        const readerSid = sidString(reader.objectSid as Buffer);

        const asAdmin = { url: dc.url, user: dc.delegatedAdmin.user, password: dc.delegatedAdmin.password };
        const created = await gmsaProbe({
            ...asAdmin,
            command: "create",
            name: "t-gmsa1",
            container: dc.managedServiceAccountsDn,
            dnsHostName: `t-gmsa1.${dc.dnsName}`,
            readerSids: [readerSid],
        });
        assert.equal(created.dn, `CN=t-gmsa1,${dc.managedServiceAccountsDn}`);

        const asReader = await gmsaProbe({
            url: dc.url,
            user: `${dc.netbiosName}\\t-reader`,
            password: "Reader-Passw0rd!",
            command: "read-password",
            account: "t-gmsa1$",
        });
        assert.equal(asReader.readable, true, "the reader gets msDS-ManagedPassword");
        assert.equal(asReader.passwordBytes, 256, "a 256-byte gMSA password (UTF-16, 128 characters)");
        assert.ok((asReader.tokenSids as string[]).includes(created.sid as string), "the decoded password logs on as the gMSA");

        // The Admin created the gMSA but is not among its allowed readers: Samba returns nothing.
        assert.deepEqual(await gmsaProbe({ ...asAdmin, command: "read-password", account: "t-gmsa1$" }), { readable: false });
        // And it may not put a gMSA where AWS gives it no rights.
        await assert.rejects(
            gmsaProbe({
                ...asAdmin,
                command: "create",
                name: "t-gmsa2",
                container: `CN=Users,${dc.baseDn}`,
                dnsHostName: `t-gmsa2.${dc.dnsName}`,
                readerSids: [readerSid],
            }),
            /INSUFFICIENT_ACCESS_RIGHTS/,
        );
    });

    test("MIT kinit as the Admin works with krb5ConfFile, and smbclient -k lists SYSVOL with that ticket", { timeout: 60_000 }, async () => {
        const env = await kinit(`Admin@${dc.realm}`, dc.delegatedAdmin.password, "admin.ccache");
        const { stdout: klist } = await execFileAsync("klist", [], { env, timeout: 10_000 });
        assert.match(klist, new RegExp(`Default principal: Admin@${dc.realm.replace(/\./g, "\\.")}`));
        assert.match(klist, new RegExp(`krbtgt/${dc.realm.replace(/\./g, "\\.")}@`));
        assert.equal(dc.smbUnavailable, undefined, `SMB: ${dc.smbUnavailable}`);
        const { stdout: listing } = await execFileAsync(
            "smbclient",
            [`//${dc.dcHostName}/sysvol`, "--use-kerberos=required", "-I", dc.host, "-c", `ls ${dc.dnsName}\\*`],
            { env, timeout: 15_000 },
        );
        assert.match(listing, /^\s+Policies\s+D\s/m);
        assert.match(listing, /^\s+scripts\s+D\s/m);
        const { stdout: tickets } = await execFileAsync("klist", [], { env, timeout: 10_000 });
        assert.match(tickets, new RegExp(`cifs/${dc.dcHostName.replace(/\./g, "\\.")}@`, "i"), "a service ticket for the DC's file server");
    });

    test("createComputer makes an account a joined node logs on with, in OU=Computers, which the Admin may delete", { timeout: 60_000 }, async () => {
        const node = await dc.createComputer("T-NODE1");
        assert.equal(node.dn, `CN=T-NODE1,${dc.computersOuDn}`);
        assert.equal(node.principal, `T-NODE1$@${dc.realm}`);
        const {
            searchEntries: [entry],
        } = await admin.search(node.dn, {
            scope: "base",
            attributes: ["sAMAccountName", "dNSHostName", "servicePrincipalName", "userAccountControl", "primaryGroupID"],
        });
        assert.equal(entry.sAMAccountName, "T-NODE1$");
        assert.equal(entry.dNSHostName, `T-NODE1.${dc.dnsName}`);
        assert.ok([entry.servicePrincipalName].flat().includes(`HOST/T-NODE1.${dc.dnsName}`));
        assert.equal(entry.userAccountControl, "4096", "an enabled workstation trust account");
        assert.equal(entry.primaryGroupID, "515", "in Domain Computers");
        const env = await kinit(node.principal, node.password, "node.ccache");
        const { stdout: klist } = await execFileAsync("klist", [], { env, timeout: 10_000 });
        assert.match(klist, /Default principal: T-NODE1\$@/);
        await assert.rejects(dc.createComputer("not a name!"), /name: .* is not a NetBIOS computer name/);
        await admin.del(node.dn);
        assert.equal(await exists(administrator, node.dn), false);
    });
});

/** A binary objectSid as "S-1-5-21-...". */
function sidString(sid: Buffer): string {
    const authority = sid.readUIntBE(2, 6);
    const subs: number[] = [];
    for (let i = 0; i < sid[1]; i++) subs.push(sid.readUInt32LE(8 + 4 * i));
    return `S-${sid[0]}-${authority}${subs.map((s) => `-${s}`).join("")}`;
}
