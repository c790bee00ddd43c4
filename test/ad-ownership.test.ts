// Which objects eks-gmsa treats as its own, against a real Samba DC as the delegated Admin: the mark
// is the object's description, which an account may not write on itself, so an account that marks
// itself (its own info, which it may write) is neither reset nor deleted; a node's binding is not a mark;
// and a protected object is never deleted, even the probe computer carrying the mark.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as path from "node:path";
import { account, addUser, arrange, asAdmin, asSystem, canLogOn, cli, markOf, supportPython } from "./support/ad-cli";
import { startSambaDomain, type SambaComputer, type SambaDomain } from "./support/samba";

let dc: SambaDomain;
const owner = "cluster-o";
const malloryPassword = "Mallory-Own-Passw0rd!";
let probe: SambaComputer;

before(
    async () => {
        dc = await startSambaDomain();
        await addUser(dc, "mallory", malloryPassword);
        // A computer of the probe's name, as a node's ds:CreateComputer may make one: it knows its password.
        const { name } = await supportPython("ad_units.py", { call: "probe_name", owner });
        probe = await dc.createComputer(name);
    },
    { timeout: 180_000 },
);
after(async () => {
    await dc?.stop();
});

const T = { timeout: 60_000 };

function op(command: string, extra: string[], env: Record<string, string> = {}) {
    const admin = asAdmin(dc);
    return cli([command, ...admin.args, "--owner", owner, ...extra], { ...admin.env, ...env });
}

/** Binds as the account itself and writes the owner mark into its own info and description. */
function markItself(user: string, password: string): Promise<Record<string, string>> {
    return arrange({
        command: "self-write",
        url: dc.url,
        user: `${dc.netbiosName}\\${user}`,
        password,
        values: { info: markOf(owner), description: markOf(owner) },
    });
}

describe("an account that marks itself is not eks-gmsa's", () => {
    test("a user writes the mark into its own info; the DC refuses its own description", T, async () => {
        assert.deepEqual(await markItself("mallory", malloryPassword), { info: "written", description: "refused (LDAP error 50)" });
        const mallory = await account(dc, "mallory");
        assert.deepEqual([mallory?.info, mallory?.description], [[markOf(owner)], undefined]);
    });

    test("provision does not reset its password: without its current password it is refused", T, async () => {
        const r = await op("provision", ["--account", "Own01", "--group", "Own-Readers", "--identity-user", "mallory", "--ou", dc.usersOuDn], {
            AD_IDENTITY_PASSWORD: "Takeover-Own-Passw0rd!",
        });
        assert.equal(r.status, 1, r.stdout);
        assert.match(
            r.stderr.trim(),
            /^ad: provision: --identity-user mallory exists and was not created by eks-gmsa \(owner cluster-o\), and the password given does not log it on /,
        );
        assert.equal(await canLogOn(dc, "mallory", malloryPassword), true);
        assert.equal(await canLogOn(dc, "mallory", "Takeover-Own-Passw0rd!"), false);
    });

    test("remove does not delete it", T, async () => {
        const r = await op("remove", ["--account", "Own01", "--group", "Own-Readers", "--identity-user", "mallory"]);
        assert.equal(r.status, 1, r.stdout);
        assert.equal(
            r.stderr.trim(),
            "ad: remove: --identity-user mallory was not created by eks-gmsa (owner cluster-o); nothing was deleted; check the names (and --owner); eks-gmsa deletes only what it created",
        );
        assert.ok(await account(dc, "mallory"));
    });

    test("a computer of the probe's name marks itself the same way; remove deletes the group it made but not that computer", T, async () => {
        assert.deepEqual(await markItself(probe.samAccountName, probe.password), { info: "written", description: "refused (LDAP error 50)" });
        const made = await op("provision", ["--account", "Own02", "--group", "Probe-Readers", "--ou", dc.usersOuDn]);
        assert.equal(made.status, 0, made.stderr);
        const r = await op("remove", ["--account", "Own02", "--group", "Probe-Readers"]);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.stdout.trim().split("\n"), ["deleted gMSA Own02$", "deleted group Probe-Readers"]);
        assert.ok(await account(dc, probe.samAccountName), "the computer is still there");
        assert.equal(await canLogOn(dc, probe.samAccountName, probe.password), true);
    });

    test("a node's binding to an instance of this cluster is not a mark either", T, async () => {
        assert.equal((await op("provision", ["--account", "Own03", "--group", "Bound-Readers", "--ou", dc.usersOuDn])).status, 0);
        const bound = await op("node-join", ["--group", "Bound-Readers", "--computer", probe.name, "--instance-id", "i-0123456789abcdef0"]);
        assert.equal(bound.status, 0, bound.stderr);
        assert.deepEqual((await account(dc, probe.samAccountName))?.description, [`${markOf(owner)}; node: i-0123456789abcdef0`]);
        const r = await op("remove", ["--account", "Own03", "--group", "Bound-Readers"]);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.stdout.trim().split("\n"), ["deleted gMSA Own03$", `kept group Bound-Readers: it has members eks-gmsa did not add: ${probe.dn}`]);
        assert.ok(await account(dc, probe.samAccountName), "the bound computer is still there");
    });
});

describe("remove never deletes a protected probe computer, even one carrying the mark", () => {
    test("the probe, marked but protected by AdminSDHolder (adminCount=1), is kept, and so is the group it is in", T, async () => {
        assert.equal((await op("provision", ["--account", "Own04", "--group", "Admin-Readers", "--ou", dc.usersOuDn])).status, 0);
        await asSystem(dc, `dn: ${probe.dn}\nchangetype: modify\nreplace: description\ndescription: ${markOf(owner)}\n-\nreplace: adminCount\nadminCount: 1\n`);
        await dc.sambaTool("group", "addmembers", "Admin-Readers", probe.samAccountName, "-H", path.join(dc.baseDir, "private", "sam.ldb"));
        const r = await op("remove", ["--account", "Own04", "--group", "Admin-Readers"]);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.stdout.trim().split("\n"), ["deleted gMSA Own04$", `kept group Admin-Readers: it has members eks-gmsa did not add: ${probe.dn}`]);
        assert.ok(await account(dc, probe.samAccountName), "the protected computer is still there");
        assert.ok(await account(dc, "Admin-Readers"));
    });
});
