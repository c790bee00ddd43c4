// The AD package (components/scripts/ad) with OLDER Samba Python bindings than the test DCs run:
// the management host is Ubuntu 24.04, whose python3-samba is 4.19, while this machine's is 4.22.
// Debian bookworm's own Samba, 4.17, is older still, so the package runs here under 4.17's
// bindings (and bookworm's MIT Kerberos 1.20, smbclient 4.17 and boto3 1.26) inside a bookworm
// root with the packages the management host installs (test/support/build-bookworm-samba417.sh
// builds it once into /var/cache, in about a minute; test/support/in-bookworm-root.sh runs a
// command in it) against a Samba 4.22 DC: every command a user or the management host runs, so a
// Samba API or package the host lacks fails here rather than on the host. What it found: 4.17's
// samba.dsdb has no DS_GUID_MANAGED_SERVICE_ACCOUNTS_CONTAINER (4.19 has), and python3-samba alone
// binds anonymously (Samba's ldb LDAP backend is in samba-dsdb-modules).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { account, addUser, asAdmin, markOf, projectRoot, run, type Run } from "./support/ad-cli";
import { ALL_LINKS, linkStates } from "./support/ad-verify-run";
import { startSecretsManager, type SecretsManagerStandIn } from "./support/fake-secrets-manager";
import { startSambaDomain, type SambaDomain, type SambaFacts } from "./support/samba";
import { secretArn } from "./support/fixtures";

const ROOT = process.env.EKS_GMSA_BOOKWORM_ROOT ?? "/var/cache/eks-gmsa-test/bookworm-samba417";
const builder = path.join(projectRoot, "test", "support", "build-bookworm-samba417.sh");
const inRoot = path.join(projectRoot, "test", "support", "in-bookworm-root.sh");
const adPackage = path.join(projectRoot, "components", "scripts", "ad");

/** `cli.py <args>` run by the bookworm root's /usr/bin/python3 (Samba 4.17's bindings). */
const oldCli = (args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 90_000): Promise<Run> =>
    run("bash", [inRoot, ROOT, adPackage, "--", "/usr/bin/python3", "/pkg/cli.py", ...args], env, timeoutMs);

const started = Date.now();
let dc: SambaDomain;
let facts: SambaFacts;
let sm: SecretsManagerStandIn;
let dir: string;
let rootVersion: string;
const group = "Old-Readers";
const identity = { name: "old-reader", password: "Old-Reader-Passw0rd!" };
const outsider = { name: "old-outsider", password: "Old-Outsider-Passw0rd!" };
const hostIdentityPassword = "Old-Host-Identity-Passw0rd!";

before(
    async () => {
        const built = await run("bash", [builder, ROOT], {}, 900_000);
        if (built.status !== 0) throw new Error(`building the bookworm root failed:\n${built.stdout}${built.stderr}`);
        console.log(`# ${built.stdout.trim().split("\n").at(-1)} in ${built.ms} ms`);
        const version = await run("bash", [inRoot, ROOT, adPackage, "--", "/usr/bin/python3", "-c", "import samba; print(samba.version)"]);
        rootVersion = version.stdout.trim();
        [dc, sm] = await Promise.all([startSambaDomain(), startSecretsManager()]);
        facts = await dc.facts();
        await addUser(dc, outsider.name, outsider.password);
        dir = mkdtempSync(path.join(os.tmpdir(), "ad-older-samba-"));
        sm.secrets.set(secretArn("admin"), JSON.stringify({ username: dc.delegatedAdmin.user, password: dc.delegatedAdmin.password }));
        sm.secrets.set(secretArn("identity"), JSON.stringify({ username: "old-host-ccg", password: hostIdentityPassword, domainName: dc.dnsName }));
        console.log(`# root and DC ready in ${Date.now() - started} ms`);
    },
    { timeout: 960_000 },
);
after(async () => {
    await dc?.stop();
    await sm?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`# ad-older-samba.test.ts wall time ${Date.now() - started} ms`);
});

const T = { timeout: 120_000 };
const admin = () => asAdmin(dc);
const noSecretIn = (r: Run, secrets: string[]) => {
    for (const stream of [r.stdout, r.stderr]) {
        assert.ok(!/Traceback/.test(stream), stream);
        for (const s of secrets) assert.ok(!stream.includes(s), `a password shows in the output:\n${stream}`);
    }
};

test("the root's Python has bookworm's Samba 4.17 bindings, older than Ubuntu 24.04's 4.19", () => {
    assert.match(rootVersion, /^4\.17\.\d+/);
});

describe("the command line with Samba 4.17's bindings against a 4.22 DC", () => {
    test("discover prints the domain facts", T, async () => {
        const r = await oldCli(["discover", ...admin().args], admin().env);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(JSON.parse(r.stdout), {
            dnsName: facts.dnsName,
            forestName: facts.forestName,
            netbiosName: facts.netbiosName,
            domainSid: facts.domainSid,
            domainGuid: facts.domainGuid,
        });
    });

    test("provision as the delegated Admin creates the group, the gMSA and the portable identity, and a second run changes nothing", T, async () => {
        const args = [
            "provision",
            ...admin().args,
            "--account",
            "OldApp01",
            "--group",
            group,
            "--identity-user",
            identity.name,
            "--ou",
            dc.usersOuDn,
            "--owner",
            "old-cluster",
        ];
        const env = { ...admin().env, AD_IDENTITY_PASSWORD: identity.password };
        const r = await oldCli(args, env);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        noSecretIn(r, [identity.password, dc.delegatedAdmin.password]);
        assert.deepEqual(r.stdout.trim().split("\n"), [
            `created group ${group} (CN=${group},${dc.usersOuDn})`,
            `created user ${identity.name} (CN=${identity.name},${dc.usersOuDn})`,
            `added user ${identity.name} to ${group}`,
            `created gMSA OldApp01$ (CN=OldApp01,${dc.managedServiceAccountsDn})`,
        ]);
        const gmsa = await account(dc, "OldApp01$", ["objectClass", "msDS-GroupMSAMembership"]);
        assert.ok(gmsa?.objectclass.includes("msDS-GroupManagedServiceAccount"), JSON.stringify(gmsa));
        assert.deepEqual(gmsa?.description, [markOf("old-cluster")]);
        assert.deepEqual((await account(dc, identity.name))?.description, [markOf("old-cluster")]);
        const members = (await account(dc, group, ["member"]))?.member ?? [];
        assert.deepEqual(members, [`CN=${identity.name},${dc.usersOuDn}`]);
        const again = await oldCli(args, env);
        assert.equal(again.status, 0, again.stdout + again.stderr);
        assert.equal(again.stdout.trim(), "nothing to change");
    });

    test("verify as the identity: all 9 links hold (bookworm's kvno and smbclient), each within 30 seconds", T, async () => {
        const r = await oldCli(["verify", "--url", dc.url, "--user", `${dc.netbiosName}\\${identity.name}`, "--account", "OldApp01", "--group", group], {
            AD_PASSWORD: identity.password,
        });
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.deepEqual(
            linkStates(r.stdout),
            ALL_LINKS.map((l) => `ok ${l}`),
            r.stdout,
        );
        assert.match(r.stdout, /^verify: every link holds \(9 of 9\)$/m);
        assert.ok(r.stdout.includes(`ok    sysvol          \\\\${dc.dcHostName}\\SYSVOL lists ${dc.dnsName} over SMB with Kerberos as OldApp01$`), r.stdout);
        noSecretIn(r, [identity.password]);
        assert.ok(r.ms < 30_000, `${r.ms} ms`);
    });

    test("verify as a domain user outside the readers' group fails at password", T, async () => {
        const r = await oldCli(["verify", "--url", dc.url, "--user", `${dc.netbiosName}\\${outsider.name}`, "--account", "OldApp01"], {
            AD_PASSWORD: outsider.password,
        });
        assert.equal(r.status, 1, r.stdout + r.stderr);
        assert.deepEqual(linkStates(r.stdout), [...ALL_LINKS.slice(0, 5).map((l) => `ok ${l}`), "FAIL password"], r.stdout);
        assert.equal(r.stderr, "");
        assert.ok(r.ms < 30_000, `${r.ms} ms`);
    });

    test("node-join binds a node's computer account to its instance and adds it to the group; node-cleanup by that instance deletes it", T, async () => {
        const node = await dc.createComputer("OLDNODE1");
        const lifecycle = ["--group", group, "--join-ou", dc.computersOuDn, "--owner", "old-cluster"];
        const join = await oldCli(["node-join", ...admin().args, ...lifecycle, "--computer", node.name, "--instance-id", "i-0123456789abcdef0"], admin().env);
        assert.equal(join.status, 0, join.stdout + join.stderr);
        assert.deepEqual(join.stdout.trim().split("\n"), ["bound computer OLDNODE1$ to i-0123456789abcdef0", `added computer OLDNODE1$ to ${group}`]);
        assert.ok(((await account(dc, group, ["member"]))?.member ?? []).includes(node.dn));
        const other = await oldCli(["node-cleanup", ...admin().args, ...lifecycle, "--instance-id", "i-0fedcba9876543210"], admin().env);
        assert.equal(other.status, 0, other.stdout + other.stderr);
        assert.equal(other.stdout.trim(), "nothing to change", "another instance's cleanup deletes nothing");
        assert.ok(await account(dc, "OLDNODE1$"));
        const cleanup = await oldCli(["node-cleanup", ...admin().args, ...lifecycle, "--instance-id", "i-0123456789abcdef0"], admin().env);
        assert.equal(cleanup.status, 0, cleanup.stdout + cleanup.stderr);
        assert.deepEqual(cleanup.stdout.trim().split("\n"), [`deleted computer OLDNODE1$ (${node.dn})`]);
        assert.equal(await account(dc, "OLDNODE1$"), undefined);
    });
});

describe("a host whose Samba lacks a piece: one line that says what to do, never a silent or anonymous run", () => {
    const ildap = "/usr/lib/x86_64-linux-gnu/samba/ldb/ildap.so";
    const hiding = (file: string) => ({ EKS_GMSA_ROOT_HIDE: file });

    test("without samba-dsdb-modules (Samba's ldb LDAP backend, ildap) discover refuses before any bind and names the package", T, async () => {
        const r = await oldCli(["discover", ...admin().args], { ...admin().env, ...hiding(ildap) });
        assert.equal(r.status, 1);
        assert.equal(r.stdout, "");
        assert.equal(
            r.stderr.trim(),
            "ad: ldap client: Samba's LDAP client module (ildap) is not in /usr/lib/x86_64-linux-gnu/samba/ldb, so Samba's Python " +
                "cannot bind with Kerberos or NTLM; install samba-dsdb-modules (apt-get install samba-dsdb-modules)",
        );
    });

    test("without samba-dsdb-modules verify stops at its first link, dc, with what to install", T, async () => {
        const r = await oldCli(["verify", "--url", dc.url, "--user", `${dc.netbiosName}\\${identity.name}`, "--account", "OldApp01"], {
            AD_PASSWORD: identity.password,
            ...hiding(ildap),
        });
        assert.equal(r.status, 1);
        assert.deepEqual(linkStates(r.stdout), ["FAIL dc"], r.stdout);
        assert.match(r.stdout, /what to do: install samba-dsdb-modules/);
    });

    test("a module that fails to import inside the bounded run is one line and exit 1, not silence or a traceback", T, async () => {
        const r = await oldCli(["provision", ...admin().args, "--account", "OldApp02", "--group", group], { ...admin().env, ...hiding("/pkg/provision.py") });
        assert.equal(r.status, 1);
        assert.equal(r.stdout, "");
        assert.equal(
            r.stderr.trim(),
            "ad: internal: ModuleNotFoundError: No module named 'provision'; report this with the output of: python3 -c 'import samba; print(samba.version)'",
        );
        assert.equal(await account(dc, "OldApp02$"), undefined);
    });
});

describe("the management host's mode with Samba 4.17's bindings and bookworm's boto3", () => {
    let files = 0;
    async function host(doc: Record<string, unknown>, env: Record<string, string> = {}) {
        const file = path.join(dir, `payload-${files++}.json`);
        writeFileSync(file, JSON.stringify(doc));
        // The root sees this machine's files only where in-bookworm-root.sh mounts them: the payload's directory at /data.
        const r = await run(
            "bash",
            [inRoot, ROOT, adPackage, dir, "--", "/usr/bin/python3", "/pkg/cli.py", "host", "--payload-file", `/data/${path.basename(file)}`],
            {
                AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url,
                AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
                AWS_SECRET_ACCESS_KEY: "stand-in-secret-key",
                AWS_EC2_METADATA_DISABLED: "true",
                ...env,
            },
            150_000,
        );
        noSecretIn(r, [dc.delegatedAdmin.password, hostIdentityPassword]);
        const lines = r.stdout.trim().split("\n");
        const last = lines.at(-1) ?? "";
        return { ...r, lines, result: last.startsWith("EKS-GMSA-RESULT ") ? JSON.parse(last.slice("EKS-GMSA-RESULT ".length)) : undefined };
    }
    const payload = (overrides: Record<string, unknown> = {}) => ({
        operation: "provision",
        region: "us-west-2",
        domain: { dnsName: dc.dnsName, netbiosName: dc.netbiosName, dcAddresses: [dc.host] },
        adminSecretArn: secretArn("admin"),
        readersGroup: "Old-Host-Readers",
        owner: "old-host",
        accountsOu: dc.usersOuDn,
        accounts: ["OldHostApp01"],
        identity: { username: "old-host-ccg", secretArn: secretArn("identity") },
        verify: true,
        ...overrides,
    });

    test("provision reads both secrets through boto3, creates everything, and checks the whole chain as the identity", T, async () => {
        const r = await host(payload());
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.deepEqual(r.result?.changes, [
            `created group Old-Host-Readers (CN=Old-Host-Readers,${dc.usersOuDn})`,
            `created user old-host-ccg (CN=old-host-ccg,${dc.usersOuDn})`,
            "added user old-host-ccg to Old-Host-Readers",
            `created gMSA OldHostApp01$ (CN=OldHostApp01,${dc.managedServiceAccountsDn})`,
        ]);
        assert.deepEqual(r.result?.chain, [{ account: "OldHostApp01", ok: true, links: ALL_LINKS.length }]);
        // Each link was printed as it was checked, before the result line.
        for (const link of ALL_LINKS) assert.match(r.stdout, new RegExp(`^ok\\s+${link}\\s`, "m"), link);
        assert.equal(r.result?.domainSid, facts.domainSid);
        assert.deepEqual(
            sm.requests.slice(-2).map((q) => [q.secretId, q.signed]),
            [
                [secretArn("admin"), true],
                [secretArn("identity"), true],
            ],
        );
    });

    test("node-join and node-cleanup by SSM_InstanceId", T, async () => {
        const node = await dc.createComputer("OLDHOSTN1");
        const nodePayload = payload({ operation: "node-join", joinOu: dc.computersOuDn, identity: undefined, verify: false });
        const join = await host(nodePayload, { SSM_ComputerName: node.name, SSM_InstanceId: "i-0aaaaaaaaaaaaaaa1", SSM_CreatedAfter: "2000-01-01T00:00:00Z" });
        assert.equal(join.status, 0, join.stdout + join.stderr);
        assert.deepEqual(join.result?.changes, ["bound computer OLDHOSTN1$ to i-0aaaaaaaaaaaaaaa1", "added computer OLDHOSTN1$ to Old-Host-Readers"]);
        const cleanup = await host({ ...nodePayload, operation: "node-cleanup" }, { SSM_InstanceId: "i-0aaaaaaaaaaaaaaa1" });
        assert.equal(cleanup.status, 0, cleanup.stdout + cleanup.stderr);
        assert.deepEqual(cleanup.result?.changes, [`deleted computer OLDHOSTN1$ (${node.dn})`]);
        assert.equal(await account(dc, "OLDHOSTN1$"), undefined);
    });
});
