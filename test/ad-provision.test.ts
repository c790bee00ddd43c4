// provision and remove (components/scripts/ad/cli.py) executed against a real Samba DC as the
// delegated Admin that AWS Managed Microsoft AD gives its customers (not a Domain Admin).
import assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { account, addUser, asAdmin, asSystem, canLogOn, cli, markOf, search } from "./support/ad-cli";
import { startSambaDomain, type SambaDomain } from "./support/samba";

let dc: SambaDomain;
before(
    async () => {
        dc = await startSambaDomain();
    },
    { timeout: 180_000 },
);
after(async () => {
    await dc?.stop();
});

const T = { timeout: 60_000 };
const owner = "cluster-a";
const identity = "ccg-reader";
const identityPassword = "Ccg-Reader-Passw0rd!";
const group = "EKS-Readers";

function provision(accounts: string[], env: Record<string, string> = {}) {
    const admin = asAdmin(dc);
    return cli(
        [
            "provision",
            ...admin.args,
            ...accounts.flatMap((a) => ["--account", a]),
            "--group",
            group,
            "--identity-user",
            identity,
            "--ou",
            dc.usersOuDn,
            "--owner",
            owner,
        ],
        { ...admin.env, AD_IDENTITY_PASSWORD: identityPassword, ...env },
    );
}

function remove(accountName: string, withIdentity = true) {
    const admin = asAdmin(dc);
    return cli(
        ["remove", ...admin.args, "--account", accountName, "--group", group, ...(withIdentity ? ["--identity-user", identity] : []), "--owner", owner],
        admin.env,
    );
}

const samLdb = () => path.join(dc.baseDir, "private", "sam.ldb");

describe("provision as the delegated Admin", () => {
    test("creates the group, the portable identity, its membership and the gMSAs, one line each", T, async () => {
        const r = await provision(["WebApp01", "WebApp02"]);
        assert.equal(r.status, 0, r.stderr);
        const msa = dc.managedServiceAccountsDn;
        assert.deepEqual(r.stdout.trim().split("\n"), [
            `created group ${group} (CN=${group},${dc.usersOuDn})`,
            `created user ${identity} (CN=${identity},${dc.usersOuDn})`,
            `added user ${identity} to ${group}`,
            `created gMSA WebApp01$ (CN=WebApp01,${msa})`,
            `created gMSA WebApp02$ (CN=WebApp02,${msa})`,
        ]);
    });

    test("a second run changes nothing", T, async () => {
        const r = await provision(["WebApp01", "WebApp02"]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), "nothing to change");
    });

    test("everything it created carries the owner's mark", T, async () => {
        for (const name of [group, identity, "WebApp01$", "WebApp02$"]) {
            assert.deepEqual((await account(dc, name))?.description, [markOf(owner)], name);
        }
    });

    test("the gMSAs have the SPNs, DNS host name, AES keys and readers credential specs need", T, async () => {
        const gmsa = await account(dc, "WebApp01$", [
            "servicePrincipalName",
            "dNSHostName",
            "msDS-SupportedEncryptionTypes",
            "msDS-ManagedPasswordInterval",
            "userAccountControl",
            "objectClass",
        ]);
        assert.ok(gmsa);
        assert.deepEqual(gmsa.serviceprincipalname.sort(), ["host/WebApp01", `host/WebApp01.${dc.dnsName}`]);
        assert.deepEqual(gmsa.dnshostname, [`WebApp01.${dc.dnsName}`]);
        assert.deepEqual(gmsa["msds-supportedencryptiontypes"], ["24"]);
        assert.deepEqual(gmsa["msds-managedpasswordinterval"], ["30"]);
        assert.ok(gmsa.objectclass.includes("msDS-GroupManagedServiceAccount"));
        // Samba's own reading of msDS-GroupMSAMembership: who may retrieve the password.
        const shown = JSON.parse(await dc.sambaTool("service-account", "group-msa-membership", "show", "--name", "WebApp01", "--json", "-H", samLdb()));
        assert.deepEqual(shown.trustees, [`CN=${group},${dc.usersOuDn}`]);
    });

    test("the group is a global security group with the identity in it; the identity logs on and its password never expires", T, async () => {
        const g = await account(dc, group, ["groupType", "member"]);
        assert.deepEqual(g?.grouptype, ["-2147483646"]);
        assert.deepEqual(g?.member, [`CN=${identity},${dc.usersOuDn}`]);
        const u = await account(dc, identity, ["userAccountControl"]);
        assert.deepEqual(u?.useraccountcontrol, [String(0x200 | 0x10000)], "NORMAL_ACCOUNT | DONT_EXPIRE_PASSWD, enabled");
        assert.equal(await canLogOn(dc, identity, identityPassword), true);
    });

    test("it ran as an account that is no Domain Admin", T, async () => {
        const admin = await search(dc, "(sAMAccountName=Admin)", ["memberOf"]);
        const groups = (admin[0]?.memberof ?? []).map((g) => g.split(",")[0].toLowerCase());
        for (const privileged of ["cn=domain admins", "cn=enterprise admins", "cn=administrators", "cn=schema admins"])
            assert.ok(!groups.includes(privileged), groups.join("; "));
    });
});

describe("provision corrects what it owns, and only that", () => {
    test("a missing SPN is put back and a changed identity password is set; the next run changes nothing", T, async () => {
        await asSystem(
            dc,
            `dn: CN=WebApp01,${dc.managedServiceAccountsDn}\nchangetype: modify\nreplace: servicePrincipalName\nservicePrincipalName: host/WebApp01\n`,
        );
        const rotated = "Rotated-Passw0rd-2!";
        const r = await provision(["WebApp01", "WebApp02"], { AD_IDENTITY_PASSWORD: rotated });
        assert.equal(r.status, 0, r.stderr);
        const lines = r.stdout.trim().split("\n");
        assert.equal(lines.length, 2, r.stdout);
        assert.match(lines[0], new RegExp(`^reset the password of user ${identity}: the one given did not log it on `));
        assert.equal(lines[1], `gave gMSA WebApp01$ the SPNs host/WebApp01.${dc.dnsName}`);
        assert.equal(await canLogOn(dc, identity, rotated), true);
        assert.equal(await canLogOn(dc, identity, identityPassword), false);
        assert.equal((await provision(["WebApp01", "WebApp02"], { AD_IDENTITY_PASSWORD: rotated })).stdout.trim(), "nothing to change");
        assert.equal((await provision(["WebApp01", "WebApp02"])).status, 0, "back to the first password");
    });

    test("a gMSA someone else made is left as it is, and the run fails naming what it lacks and how to adopt it", T, async () => {
        await dc.sambaTool("service-account", "create", "--name", "Legacy01", `--dns-host-name=Legacy01.${dc.dnsName}`, "-H", samLdb());
        const r = await provision(["WebApp01", "Legacy01"]);
        assert.equal(r.status, 1);
        assert.equal(r.stdout, "");
        assert.match(
            r.stderr.trim(),
            new RegExp(
                `^ad: provision: --account Legacy01 exists and was not created by eks-gmsa \\(owner ${owner}\\), so it is left unchanged; ` +
                    `it lacks the SPNs host/Legacy01, host/Legacy01\\.${dc.dnsName.replace(".", "\\.")}; the readers' group's right to read its password; AES Kerberos keys .*; ` +
                    `fix it yourself, or adopt it by setting its description to 'eks-gmsa-owner: ${owner}' and provision again$`,
            ),
        );
        const legacy = await account(dc, "Legacy01$", ["servicePrincipalName"]);
        assert.equal(legacy?.description, undefined);
        assert.equal(legacy?.serviceprincipalname, undefined);

        await asSystem(dc, `dn: CN=Legacy01,${dc.managedServiceAccountsDn}\nchangetype: modify\nreplace: description\ndescription: ${markOf(owner)}\n`);
        const adopted = await provision(["WebApp01", "Legacy01"]);
        assert.equal(adopted.status, 0, adopted.stderr);
        assert.deepEqual(adopted.stdout.trim().split("\n"), [
            `gave gMSA Legacy01$ the SPNs host/Legacy01, host/Legacy01.${dc.dnsName}`,
            "gave gMSA Legacy01$ the readers' group's right to read its password",
            "gave gMSA Legacy01$ AES Kerberos keys (msDS-SupportedEncryptionTypes)",
        ]);
    });

    test("an account without rights in the OU gets one line saying what it may not do", T, async () => {
        await addUser(dc, "helpdesk", "Help-Desk-Passw0rd!");
        const r = await cli(
            ["provision", "--url", dc.url, "--user", `${dc.netbiosName}\\helpdesk`, "--account", "WebApp09", "--group", "Other-Readers", "--ou", dc.usersOuDn],
            { AD_PASSWORD: "Help-Desk-Passw0rd!" },
        );
        assert.equal(r.status, 1);
        assert.equal(r.stderr.trim().split("\n").length, 1);
        assert.match(
            r.stderr,
            new RegExp(`^ad: provision: the connecting account may not create group Other-Readers \\(CN=Other-Readers,${dc.usersOuDn}\\); `),
        );
        assert.equal(await account(dc, "Other-Readers"), undefined);
    });

    test("an OU that does not exist is named", T, async () => {
        const admin = asAdmin(dc);
        const missing = `OU=Nowhere,${dc.ouDn}`;
        const r = await cli(["provision", ...admin.args, "--account", "WebApp09", "--group", "New-Readers", "--ou", missing], admin.env);
        assert.equal(r.status, 1);
        assert.equal(
            r.stderr.trim(),
            `ad: provision: the OU ${missing} for the readers' group and the identity does not exist; create it, or pass an existing OU with --ou`,
        );
    });
});

describe("remove", () => {
    test("deletes the gMSA but keeps the group and the identity while other gMSAs still allow the group", T, async () => {
        const r = await remove("WebApp01");
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.stdout.trim().split("\n"), [
            "deleted gMSA WebApp01$",
            `kept user ${identity}: it reads passwords through ${group}, which gMSA Legacy01$, WebApp02$ still allow it to read their passwords`,
            `kept group ${group}: gMSA Legacy01$, WebApp02$ still allow it to read their passwords`,
        ]);
        assert.equal(await account(dc, "WebApp01$"), undefined);
        assert.ok(await account(dc, group));
    });

    test("with the last gMSA it deletes the identity and the group; a second remove finds nothing", T, async () => {
        assert.equal((await remove("Legacy01", false)).status, 0);
        const r = await remove("WebApp02");
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.stdout.trim().split("\n"), ["deleted gMSA WebApp02$", `deleted user ${identity}`, `deleted group ${group}`]);
        for (const name of ["WebApp02$", identity, group]) assert.equal(await account(dc, name), undefined, name);
        const again = await remove("WebApp02");
        assert.equal(again.status, 0, again.stderr);
        assert.equal(again.stdout.trim(), "nothing to change");
    });

    test("a group holding members eks-gmsa did not add is kept", T, async () => {
        assert.equal((await provision(["WebApp03"])).status, 0);
        const stranger = await addUser(dc, "stranger", "Stranger-Passw0rd!");
        await asSystem(dc, `dn: CN=${group},${dc.usersOuDn}\nchangetype: modify\nadd: member\nmember: ${stranger}\n`);
        const r = await remove("WebApp03");
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.stdout.trim().split("\n"), [
            "deleted gMSA WebApp03$",
            `deleted user ${identity}`,
            `kept group ${group}: it has members eks-gmsa did not add: ${stranger}`,
        ]);
        assert.ok(await account(dc, group));
        assert.ok(await account(dc, "stranger"));
    });
});

describe("a forest without a usable KDS root key", () => {
    test("creating a gMSA fails with one line saying what a Domain Admin runs and how long it waits", T, async () => {
        const keys = JSON.parse(await dc.sambaTool("domain", "kds", "root-key", "list", "--json", "-H", samLdb())) as { name: string }[];
        assert.ok(keys.length > 0);
        for (const key of keys) await dc.sambaTool("domain", "kds", "root-key", "delete", "--name", key.name, "-H", samLdb());
        const admin = asAdmin(dc);
        const r = await cli(["provision", ...admin.args, "--account", "NoKey01", "--group", "NoKey-Readers", "--ou", dc.usersOuDn], admin.env);
        assert.equal(r.status, 1);
        assert.equal(
            r.stderr.trim(),
            "ad: kds: the forest has no KDS root key the DC can use yet, so it cannot create gMSA NoKey01$; a Domain Admin runs " +
                "Add-KdsRootKey -EffectiveImmediately on a Windows DC and waits 10 hours for it to become usable (Samba: samba-tool domain kds root-key create); " +
                "AWS Managed Microsoft AD has one already",
        );
        assert.equal(await account(dc, "NoKey01$"), undefined);
    });
});
