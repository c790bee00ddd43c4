// The injection and takeover cases of issue 12, executed through components/scripts/ad/cli.py
// against a real Samba DC as the delegated Admin: values that could change what a filter, a DN or a
// script means are refused before anything connects; built-in, protected, foreign and wrongly
// typed objects are refused at run time, and nothing is changed. Also the stack settings that
// name the readers' group and the portable identity.
import assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { parseSettings } from "../settings/validate";
import { account, addUser, asAdmin, asSystem, canLogOn, cli, projectRoot, run, search } from "./support/ad-cli";
import { startSambaDomain, type SambaComputer, type SambaDomain } from "./support/samba";
import { domainlessStackConfig, lineFor } from "./support/fixtures";

let dc: SambaDomain;
let node: SambaComputer;
const owner = "cluster-s";
const legacyPassword = "Legacy-Reader-Passw0rd!";
const alicePassword = "Alice-Passw0rd-1!";

before(
    async () => {
        dc = await startSambaDomain();
        await addUser(dc, "alice", alicePassword);
        await addUser(dc, "legacy-reader", legacyPassword);
        node = await dc.createComputer("NODE7");
        await dc.sambaTool(
            "service-account",
            "create",
            "--name",
            "Foreign01",
            `--dns-host-name=Foreign01.${dc.dnsName}`,
            "-H",
            path.join(dc.baseDir, "private", "sam.ldb"),
        );
    },
    { timeout: 180_000 },
);
after(async () => {
    await dc?.stop();
});

const T = { timeout: 60_000 };

function provision(extra: string[], env: Record<string, string> = {}) {
    const admin = asAdmin(dc);
    return cli(["provision", ...admin.args, "--owner", owner, ...extra], { ...admin.env, AD_IDENTITY_PASSWORD: "New-Identity-Passw0rd!", ...env });
}

/** The same provision as a user types it: `npm run ad -- provision ...` (tools/ad.ts, then cli.py). */
function provisionAsTyped(extra: string[]) {
    const admin = asAdmin(dc);
    return run(process.execPath, ["--import", "tsx", path.join(projectRoot, "tools", "ad.ts"), "provision", ...admin.args, "--owner", owner, ...extra], {
        ...admin.env,
        AD_IDENTITY_PASSWORD: "New-Identity-Passw0rd!",
    });
}

function op(command: string, extra: string[]) {
    const admin = asAdmin(dc);
    return cli([command, ...admin.args, ...(command === "remove" ? ["--owner", owner] : []), ...extra], admin.env);
}

const marked = async () => (await search(dc, "(description=eks-gmsa-owner*)", ["sAMAccountName"])).map((e) => e.samaccountname?.[0]);

describe("values that could change a filter, a DN or a script are refused before connecting", () => {
    const cases: [string, string[], RegExp][] = [
        [
            "a curly quote in --group",
            ["--account", "App10", "--group", "Readers\u2019; Remove-ADGroup"],
            /^ad: argument --group: --group contains U\+2019: names of AD objects must be printable ASCII/,
        ],
        [
            "U+201B in --identity-user",
            ["--account", "App10", "--group", "Readers", "--identity-user", "ccg\u201b"],
            /^ad: argument --identity-user: .*contains U\+201B/,
        ],
        ["a control character in --group", ["--account", "App10", "--group", "Read\u0007ers"], /^ad: argument --group: .*contains U\+0007/],
        [
            "a newline in --identity-user",
            ["--account", "App10", "--group", "Readers", "--identity-user", "ccg\nx"],
            /^ad: argument --identity-user: .*contains U\+000A/,
        ],
        [
            "LDAP filter metacharacters in --group",
            ["--account", "App10", "--group", "x*)("],
            /^ad: argument --group: --group 'x\*\)\(' must not contain any of/,
        ],
        [
            "LDAP filter metacharacters in --identity-user",
            ["--account", "App10", "--group", "Readers", "--identity-user", "*)(objectClass=*"],
            /^ad: argument --identity-user: .* must be a bare sAMAccountName/,
        ],
        ["a wildcard in --account", ["--account", "App*", "--group", "Readers"], /^ad: argument --account: --account 'App\*' must be 1 to 15 letters/],
        [
            "an escaped comma in --ou",
            ["--account", "App10", "--group", "Readers", "--ou", "OU=EKS\\,DC=evil,DC=samba,DC=test"],
            /^ad: argument --ou: .*no escapes/,
        ],
        [
            "a multi-valued RDN in --ou",
            ["--account", "App10", "--group", "Readers", "--ou", "OU=EKS+CN=x,DC=samba,DC=test"],
            /^ad: argument --ou: .*is not OU=<name>/,
        ],
        [
            "a filter tail in --ou",
            ["--account", "App10", "--group", "Readers", "--ou", "OU=x,DC=samba,DC=test)("],
            /^ad: --ou 'OU=x,DC=samba,DC=test\)\(' is not inside the domain DC=samba,DC=test$/,
        ],
        [
            "an --ou outside the domain",
            ["--account", "App10", "--group", "Readers", "--ou", "OU=EKS,DC=other,DC=example"],
            /^ad: --ou 'OU=EKS,DC=other,DC=example' is not inside the domain DC=samba,DC=test$/,
        ],
    ];
    for (const [name, args, message] of cases) {
        test(name, T, async () => {
            const r = await provisionAsTyped(args);
            assert.equal(r.status, 2, r.stderr);
            assert.equal(r.stdout, "");
            // The message first, then provision's usage.
            const [first, ...rest] = r.stderr.trim().split("\n");
            assert.match(first, message);
            assert.match(rest.join("\n"), /^\s*usage: npm run ad -- provision \[-h\]/m, r.stderr);
        });
    }

    const joinCases: [string, string, RegExp][] = [
        ["a curly quote in --join-ou", `${"OU=Computers,OU=SAMBA,DC=samba,DC=test"}\u2018`, /^ad: argument --join-ou: .*contains U\+2018/],
        [
            "DC= before OU= in --join-ou",
            "DC=samba,OU=Computers,DC=test",
            /^ad: argument --join-ou: .*must be OU= or CN= components followed by the domain's DC= components/,
        ],
        ["an escaped comma in --join-ou", "OU=Computers\\,OU=SAMBA,DC=samba,DC=test", /^ad: argument --join-ou: .*no escapes/],
    ];
    for (const [name, joinOu, message] of joinCases) {
        test(name, T, async () => {
            const r = await op("node-cleanup", ["--group", "Readers", "--computer", node.name, "--join-ou", joinOu]);
            assert.equal(r.status, 2, r.stderr);
            assert.match(r.stderr.trim(), message);
        });
    }

    test("none of them created or changed anything", T, async () => {
        assert.deepEqual(await marked(), []);
        assert.ok(await account(dc, node.samAccountName), "the computer is still there");
    });
});

describe("built-in and well-known names are refused as the readers' group and the portable identity", () => {
    test("Domain Computers, Administrator, Admin, krbtgt and Domain Admins, in either role: refused, nothing changed", T, async () => {
        const before = await search(dc, "(|(sAMAccountName=Domain Admins)(sAMAccountName=Domain Computers))", ["member"]);
        for (const name of ["Domain Computers", "Administrator", "Admin", "krbtgt", "Domain Admins"]) {
            const asGroup = await provision(["--account", "App10", "--group", name]);
            assert.notEqual(asGroup.status, 0, `--group ${name}`);
            assert.match(asGroup.stderr, /built-in or well-known|is a user, not a group|critical to the system/, `--group ${name}: ${asGroup.stderr}`);
            const asIdentity = await provision(["--account", "App10", "--group", "Readers", "--identity-user", name]);
            assert.notEqual(asIdentity.status, 0, `--identity-user ${name}`);
            assert.match(
                asIdentity.stderr,
                /built-in or well-known|must be a bare sAMAccountName|critical to the system/,
                `--identity-user ${name}: ${asIdentity.stderr}`,
            );
        }
        assert.deepEqual(await search(dc, "(|(sAMAccountName=Domain Admins)(sAMAccountName=Domain Computers))", ["member"]), before);
        assert.equal(await canLogOn(dc, "Administrator", dc.adminPassword), true, "Administrator's password is unchanged");
        assert.equal(await canLogOn(dc, "Admin", dc.delegatedAdmin.password), true, "Admin's password is unchanged");
        assert.deepEqual(await marked(), []);
    });

    test("a renamed built-in group is refused by what it is, not by its name", T, async () => {
        await asSystem(dc, `dn: CN=Server Operators,CN=Builtin,${dc.baseDn}\nchangetype: modify\nreplace: sAMAccountName\nsAMAccountName: srv-ops\n`);
        const r = await provision(["--account", "App10", "--group", "srv-ops"]);
        assert.equal(r.status, 1);
        assert.equal(r.stderr.trim(), "ad: provision: --group srv-ops is critical to the system (isCriticalSystemObject); give eks-gmsa a group of its own");
        assert.equal(await account(dc, "App10$"), undefined);
    });

    test("a group protected by AdminSDHolder (adminCount=1) is refused", T, async () => {
        await dc.sambaTool("group", "add", "ops-admins", `--groupou=OU=Users,OU=${dc.netbiosName}`, "-H", path.join(dc.baseDir, "private", "sam.ldb"));
        await asSystem(dc, `dn: CN=ops-admins,${dc.usersOuDn}\nchangetype: modify\nreplace: adminCount\nadminCount: 1\n`);
        const r = await provision(["--account", "App10", "--group", "ops-admins"]);
        assert.equal(r.status, 1);
        assert.match(r.stderr.trim(), /^ad: provision: --group ops-admins is protected by AdminSDHolder \(adminCount=1\)/);
    });
});

describe("objects of the wrong kind, or not eks-gmsa's, are never taken over", () => {
    test("--group naming a user is refused and nothing is created", T, async () => {
        const r = await provision(["--account", "App10", "--group", "alice"]);
        assert.equal(r.status, 1);
        assert.equal(r.stderr.trim(), "ad: provision: --group alice is a user, not a group; name a security group, or a new name for provision to create");
        assert.equal(await account(dc, "App10$"), undefined);
        assert.deepEqual(await marked(), []);
    });

    test("--identity-user naming a computer or a gMSA is refused; the computer's password still works", T, async () => {
        const computer = await provision(["--account", "App10", "--group", "Readers", "--identity-user", node.samAccountName]);
        assert.equal(computer.status, 1);
        assert.match(computer.stderr.trim(), new RegExp(`^ad: provision: --identity-user NODE7\\$ is a computer account, not a user; `));
        const gmsa = await provision(["--account", "App10", "--group", "Readers", "--identity-user", "Foreign01$"]);
        assert.equal(gmsa.status, 1);
        assert.match(gmsa.stderr.trim(), /^ad: provision: --identity-user Foreign01\$ is a group managed service account, not a user; /);
        assert.equal(await canLogOn(dc, node.samAccountName, node.password), true);
        assert.deepEqual(await marked(), []);
    });

    test("--identity-user naming an existing account eks-gmsa did not create: its password is never reset", T, async () => {
        const r = await provision(["--account", "App10", "--group", "Readers", "--identity-user", "legacy-reader"], {
            AD_IDENTITY_PASSWORD: "Takeover-Passw0rd!",
        });
        assert.equal(r.status, 1);
        assert.match(
            r.stderr.trim(),
            /^ad: provision: --identity-user legacy-reader exists and was not created by eks-gmsa \(owner cluster-s\), and the password given does not log it on \(.*\); eks-gmsa never resets the password of an account it did not create; give its current password, or choose a name eks-gmsa may create, or adopt it by setting its description to 'eks-gmsa-owner: cluster-s'$/,
        );
        assert.ok(!r.stderr.includes("Takeover-Passw0rd!"));
        assert.equal(await canLogOn(dc, "legacy-reader", legacyPassword), true);
        assert.equal(await canLogOn(dc, "legacy-reader", "Takeover-Passw0rd!"), false);
        assert.deepEqual(await marked(), []);
    });

    test("with its current password that account is used as it is: in the group, unmarked, password unchanged", T, async () => {
        const r = await provision(["--account", "App10", "--group", "Readers", "--identity-user", "legacy-reader", "--ou", dc.usersOuDn], {
            AD_IDENTITY_PASSWORD: legacyPassword,
        });
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.stdout.trim().split("\n"), [
            `created group Readers (CN=Readers,${dc.usersOuDn})`,
            "added user legacy-reader to Readers",
            `created gMSA App10$ (CN=App10,${dc.managedServiceAccountsDn})`,
        ]);
        assert.equal((await account(dc, "legacy-reader"))?.description, undefined);
        assert.equal(await canLogOn(dc, "legacy-reader", legacyPassword), true);
    });

    test("remove refuses an object it did not create, or of the wrong kind, and deletes nothing", T, async () => {
        const foreign = await op("remove", ["--account", "Foreign01", "--group", "Readers"]);
        assert.equal(foreign.status, 1);
        assert.equal(
            foreign.stderr.trim(),
            "ad: remove: --account Foreign01 was not created by eks-gmsa (owner cluster-s); nothing was deleted; check the names (and --owner); eks-gmsa deletes only what it created",
        );
        const alice = await op("remove", ["--account", "App10", "--group", "alice"]);
        assert.equal(alice.status, 1);
        assert.equal(
            alice.stderr.trim(),
            "ad: remove: --group alice is a user, not a group; nothing was deleted; check the names (and --owner); eks-gmsa deletes only what it created",
        );
        const legacy = await op("remove", ["--account", "App10", "--group", "Readers", "--identity-user", "legacy-reader"]);
        assert.equal(legacy.status, 1);
        assert.match(legacy.stderr, /--identity-user legacy-reader was not created by eks-gmsa \(owner cluster-s\); nothing was deleted/);
        const otherOwner = await cli(["remove", ...asAdmin(dc).args, "--account", "App10", "--group", "Readers", "--owner", "cluster-b"], asAdmin(dc).env);
        assert.equal(otherOwner.status, 1);
        assert.match(otherOwner.stderr, /--account App10 was not created by eks-gmsa \(owner cluster-b\); nothing was deleted/);
        for (const name of ["Foreign01$", "alice", "App10$", "Readers", "legacy-reader"]) assert.ok(await account(dc, name), `${name} still exists`);
        assert.equal(await canLogOn(dc, "alice", alicePassword), true);
    });

    test("an unmarked group is kept by remove, which deletes only the gMSA it made", T, async () => {
        await asSystem(dc, `dn: CN=Readers,${dc.usersOuDn}\nchangetype: modify\ndelete: description\n`);
        const r = await op("remove", ["--account", "App10", "--group", "Readers"]);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.stdout.trim().split("\n"), ["deleted gMSA App10$", "kept group Readers: eks-gmsa did not create it"]);
        assert.ok(await account(dc, "Readers"));
        assert.deepEqual((await account(dc, "Readers", ["member"]))?.member, [`CN=legacy-reader,${dc.usersOuDn}`]);
    });
});

describe("stack settings refuse built-in and well-known names (the same data file)", () => {
    const settings = (gmsa: Record<string, unknown>) => parseSettings(domainlessStackConfig({ gmsa }));

    test("a config with its own names parses", () => {
        const r = settings({ readersGroup: "eks-gmsa-readers" });
        assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
    });

    for (const name of ["Domain Computers", "domain admins", "Administrators", "AWS Delegated Administrators", "Protected Users"]) {
        test(`readersGroup ${JSON.stringify(name)} is refused with its key`, () => {
            const r = settings({ readersGroup: name });
            assert.equal(r.ok, false);
            const line = lineFor(r.ok ? [] : r.problems, "eks-gmsa:gmsa.readersGroup");
            assert.ok(line.includes(JSON.stringify(name)) && line.includes("is a built-in or well-known group"), line);
        });
    }
    for (const name of ["Administrator", "Admin", "krbtgt", "GUEST", "AWSAdminD-1234"]) {
        test(`portableIdentity.username ${JSON.stringify(name)} is refused with its key`, () => {
            const r = settings({ portableIdentity: { username: name } });
            assert.equal(r.ok, false);
            const line = lineFor(r.ok ? [] : r.problems, "eks-gmsa:gmsa.portableIdentity.username");
            assert.ok(line.includes(JSON.stringify(name)) && line.includes("is a built-in or well-known account"), line);
        });
    }
});
