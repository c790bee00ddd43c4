// The domain-joined node lifecycle (cli.py node-join / node-cleanup) against a real Samba DC as the
// delegated Admin: a new node's computer account joins the readers' group; on scale-in a computer
// account is deleted only when it is a plain computer in that group (and in joinOu), never another.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { account, asAdmin, asSystem, cli } from "./support/ad-cli";
import { startSambaDomain, type SambaComputer, type SambaDomain } from "./support/samba";

let dc: SambaDomain;
let node1: SambaComputer;
let node2: SambaComputer;
let outside: SambaComputer;
const group = "EKS-Node-Readers";

before(
    async () => {
        dc = await startSambaDomain();
        const admin = asAdmin(dc);
        const made = await cli(["provision", ...admin.args, "--account", "NodeApp01", "--group", group, "--ou", dc.usersOuDn], admin.env);
        if (made.status !== 0) throw new Error(`provision failed: ${made.stderr}`);
        node1 = await dc.createComputer("EKSNODE1");
        node2 = await dc.createComputer("EKSNODE2");
        outside = await dc.createComputer("FILESRV1", { ou: `CN=Computers,${dc.baseDn}` });
    },
    { timeout: 180_000 },
);
after(async () => {
    await dc?.stop();
});

const T = { timeout: 60_000 };
const joinOu = () => dc.computersOuDn;

function lifecycle(command: "node-join" | "node-cleanup", computer: string, extra: string[] = []) {
    const admin = asAdmin(dc);
    return cli([command, ...admin.args, "--group", group, "--computer", computer, ...extra], admin.env);
}

const members = async () => ((await account(dc, group, ["member"]))?.member ?? []).map((m) => m.split(",")[0]).sort();

describe("node-join", () => {
    test("with --wait, takes an account that reaches the DC only after node-join started (replication from the DC the node joined through)", T, async () => {
        const started = Date.now();
        const joining = lifecycle("node-join", "LATENODE1", ["--join-ou", joinOu(), "--wait", "40"]);
        await new Promise((r) => setTimeout(r, 2_000));
        await dc.createComputer("LATENODE1");
        const r = await joining;
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), `added computer LATENODE1$ to ${group}`);
        assert.ok(Date.now() - started < 40_000, `${Date.now() - started} ms`);
        const cleaned = await lifecycle("node-cleanup", "LATENODE1", ["--join-ou", joinOu()]);
        assert.equal(cleaned.status, 0, cleaned.stderr);
    });

    test("adds the node's computer account to the readers' group; again changes nothing", T, async () => {
        const r = await lifecycle("node-join", node1.name, ["--join-ou", joinOu()]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), `added computer EKSNODE1$ to ${group}`);
        assert.deepEqual(await members(), ["CN=EKSNODE1"]);
        const again = await lifecycle("node-join", node1.name, ["--join-ou", joinOu()]);
        assert.equal(again.stdout.trim(), "nothing to change");
    });

    test("refuses an account outside the join OU, a domain controller, a gMSA and a missing account", T, async () => {
        const cases: [string, RegExp][] = [
            [
                outside.name,
                new RegExp(`^ad: node-join: FILESRV1\\$ lies outside the join OU ${joinOu()} \\(it is CN=FILESRV1,CN=Computers,${dc.baseDn}\\); left alone`),
            ],
            ["DC", /^ad: node-join: DC\$ is critical to the system \(isCriticalSystemObject\); left alone/],
            ["NodeApp01", /^ad: node-join: NodeApp01\$ is a group managed service account, not a node's computer account; left alone/],
            ["GHOST1", /^ad: node-join: no computer account GHOST1\$ exists on DC\.samba\.test; the node joins the domain before this runs/],
        ];
        for (const [computer, message] of cases) {
            const r = await lifecycle("node-join", computer, ["--join-ou", joinOu()]);
            assert.equal(r.status, 1, computer);
            assert.match(r.stderr.trim(), message);
        }
        assert.deepEqual(await members(), ["CN=EKSNODE1"]);
    });

    test("with --created-after, an account older than the instance is not taken for this node", T, async () => {
        const later = new Date(Date.now() + 3600_000).toISOString();
        const refused = await lifecycle("node-join", node2.name, ["--join-ou", joinOu(), "--created-after", later]);
        assert.equal(refused.status, 1);
        assert.match(
            refused.stderr.trim(),
            /^ad: node-join: EKSNODE2\$ was created .*, before the node launched .*: it is not this node's account; left alone/,
        );
        const earlier = new Date(Date.now() - 3600_000).toISOString();
        const r = await lifecycle("node-join", node2.name, ["--join-ou", joinOu(), "--created-after", earlier]);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(await members(), ["CN=EKSNODE1", "CN=EKSNODE2"]);
        const bad = await lifecycle("node-join", node2.name, ["--created-after", "yesterday"]);
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /--created-after 'yesterday' must be an ISO 8601 time with a zone/);
    });
});

describe("node-cleanup", () => {
    test("deletes a computer account that is in the group and the join OU; a second run finds nothing", T, async () => {
        const r = await lifecycle("node-cleanup", node1.name, ["--join-ou", joinOu()]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), `deleted computer EKSNODE1$ (${node1.dn})`);
        assert.equal(await account(dc, node1.samAccountName), undefined);
        const again = await lifecycle("node-cleanup", node1.name, ["--join-ou", joinOu()]);
        assert.equal(again.status, 0);
        assert.equal(again.stdout.trim(), "nothing to change");
    });

    test("never deletes a computer outside the group", T, async () => {
        const r = await lifecycle("node-cleanup", outside.name);
        assert.equal(r.status, 1);
        assert.equal(
            r.stderr.trim(),
            `ad: node-cleanup: FILESRV1$ is not a member of ${group}, so it is not one of this cluster's nodes; left alone; delete it yourself if it is a stale node account`,
        );
        assert.ok(await account(dc, outside.samAccountName));
    });

    test("never deletes one outside the join OU, even in the group", T, async () => {
        await asSystem(dc, `dn: CN=${group},${dc.usersOuDn}\nchangetype: modify\nadd: member\nmember: ${outside.dn}\n`);
        const r = await lifecycle("node-cleanup", outside.name, ["--join-ou", joinOu()]);
        assert.equal(r.status, 1);
        assert.match(r.stderr.trim(), /^ad: node-cleanup: FILESRV1\$ lies outside the join OU/);
        assert.ok(await account(dc, outside.samAccountName));
    });

    test("never deletes a domain controller or a gMSA, even in the group", T, async () => {
        const dcDn = (await account(dc, "DC$"))!.dn[0];
        await asSystem(
            dc,
            `dn: CN=${group},${dc.usersOuDn}\nchangetype: modify\nadd: member\nmember: ${dcDn}\nmember: CN=NodeApp01,${dc.managedServiceAccountsDn}\n`,
        );
        const dcRun = await lifecycle("node-cleanup", "DC");
        assert.equal(dcRun.status, 1);
        assert.match(dcRun.stderr.trim(), /^ad: node-cleanup: DC\$ is critical to the system/);
        const gmsaRun = await lifecycle("node-cleanup", "NodeApp01");
        assert.equal(gmsaRun.status, 1);
        assert.match(gmsaRun.stderr.trim(), /^ad: node-cleanup: NodeApp01\$ is a group managed service account, not a node's computer account/);
        assert.ok(await account(dc, "DC$"));
        assert.ok(await account(dc, "NodeApp01$"));
    });
});
