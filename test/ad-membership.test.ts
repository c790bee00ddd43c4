// Who may read a gMSA's password (msDS-GroupMSAMembership) as provision, remove and verify see it,
// against a real Samba DC as the delegated Admin: every entry an administrator wrote counts (object
// entries and denies too), provision adds the readers' group without dropping any of them, and
// remove keeps a group another gMSA allows through an object entry.
import assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { account, addUser, arrange, asAdmin, cli, search, supportPython } from "./support/ad-cli";
import { startSambaDomain, type SambaDomain } from "./support/samba";

let dc: SambaDomain;
const owner = "cluster-m";
const passwords = { alice: "Alice-Acl-Passw0rd!", bob: "Bob-Acl-Passw0rd!", carol: "Carol-Acl-Passw0rd!" };
let sid: Record<string, string>;
let managedPasswordGuid: string;

before(
    async () => {
        dc = await startSambaDomain();
        for (const [name, password] of Object.entries(passwords)) await addUser(dc, name, password);
        sid = Object.fromEntries(await Promise.all(Object.keys(passwords).map(async (name) => [name, (await account(dc, name, ["objectSid"]))!.objectsid[0]])));
        const schema = await search(dc, "(lDAPDisplayName=msDS-ManagedPassword)", ["schemaIDGUID"], `CN=Schema,CN=Configuration,${dc.baseDn}`);
        managedPasswordGuid = schema[0].schemaidguid[0];
    },
    { timeout: 180_000 },
);
after(async () => {
    await dc?.stop();
});

const T = { timeout: 60_000 };
const samLdb = () => path.join(dc.baseDir, "private", "sam.ldb");

function op(command: string, extra: string[]) {
    const admin = asAdmin(dc);
    return cli([command, ...admin.args, "--owner", owner, ...extra], admin.env);
}

async function canRead(user: keyof typeof passwords, gmsa: string): Promise<boolean> {
    const r = await supportPython("gmsa_probe.py", {
        command: "read-password",
        url: dc.url,
        user: `${dc.netbiosName}\\${user}`,
        password: passwords[user],
        account: gmsa,
    });
    return r.readable;
}

describe("provision gives the readers' group its right without dropping what an administrator wrote", () => {
    test("a deny for alice and an object entry for bob survive; alice, in the group, still cannot read the password", T, async () => {
        const first = await op("provision", ["--account", "Acl01", "--group", "Acl-Readers", "--ou", dc.usersOuDn]);
        assert.equal(first.status, 0, first.stderr);
        await dc.sambaTool("group", "addmembers", "Acl-Readers", "alice,carol", "-H", samLdb());
        const groupSid = (await account(dc, "Acl-Readers", ["objectSid"]))!.objectsid[0];
        // An administrator's edit: alice denied, bob allowed through an object entry, the group's entry gone.
        await arrange({
            command: "set-membership",
            smbConf: dc.smbConf,
            account: "Acl01$",
            sddl: `O:BAD:(D;;RP;;;${sid.alice})(OA;;RP;${managedPasswordGuid};;${sid.bob})`,
        });

        const r = await op("provision", ["--account", "Acl01", "--group", "Acl-Readers", "--ou", dc.usersOuDn]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), "gave gMSA Acl01$ the readers' group's right to read its password");
        const { sddl } = await arrange({ command: "get-membership", smbConf: dc.smbConf, account: "Acl01$" });
        const entries = sddl.slice(sddl.indexOf("D:") + 2).match(/\([^)]*\)/g);
        assert.equal(entries.length, 3, sddl);
        assert.equal(entries[0], `(D;;RP;;;${sid.alice})`, sddl);
        assert.equal(entries[1].toLowerCase(), `(OA;;RP;${managedPasswordGuid};;${sid.bob})`.toLowerCase(), sddl);
        assert.match(entries[2], new RegExp(`^\\(A;;[^;]+;;;${groupSid}\\)$`), sddl);

        assert.equal(await canRead("carol", "Acl01$"), true, "the group reads the password again");
        assert.equal(await canRead("alice", "Acl01$"), false, "alice's deny still holds");
        const again = await op("provision", ["--account", "Acl01", "--group", "Acl-Readers", "--ou", dc.usersOuDn]);
        assert.equal(again.stdout.trim(), "nothing to change");
    });

    test("verify, as alice, names the deny from the same reading", T, async () => {
        const r = await cli(["verify", "--url", dc.url, "--user", `${dc.netbiosName}\\alice`, "--account", "Acl01", "--group", "Acl-Readers"], {
            AD_PASSWORD: passwords.alice,
        });
        assert.equal(r.status, 1, r.stdout);
        assert.match(r.stdout, /^FAIL\s+password\s+Acl01\$'s msDS-GroupMSAMembership denies alice$/m);
    });
});

describe("remove keeps a group that another gMSA allows through an object entry", () => {
    test("the gMSA is deleted, the group is kept and the line names the gMSA that still allows it", T, async () => {
        const made = await op("provision", ["--account", "Acl02", "--group", "Shared-Readers", "--ou", dc.usersOuDn]);
        assert.equal(made.status, 0, made.stderr);
        await dc.sambaTool("service-account", "create", "--name", "Other01", `--dns-host-name=Other01.${dc.dnsName}`, "-H", samLdb());
        const groupSid = (await account(dc, "Shared-Readers", ["objectSid"]))!.objectsid[0];
        await arrange({ command: "set-membership", smbConf: dc.smbConf, account: "Other01$", sddl: `O:BAD:(OA;;RP;${managedPasswordGuid};;${groupSid})` });

        const r = await op("remove", ["--account", "Acl02", "--group", "Shared-Readers"]);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.stdout.trim().split("\n"), ["deleted gMSA Acl02$", "kept group Shared-Readers: gMSA Other01$ still allows it to read its password"]);
        assert.ok(await account(dc, "Shared-Readers"), "the group is still there");
        assert.equal(await account(dc, "Acl02$"), undefined);
    });
});
