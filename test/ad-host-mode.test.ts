// The management host's mode (`cli.py host --payload-file F`) as the SSM documents run it, against a
// real Samba DC, with the real boto3 reading secrets from a loopback stand-in for Secrets Manager:
// the payload is checked before anything is read or connected, one DC serves the run, the last line
// is the result with only non-secret facts, a failure is one line, and no password ever shows.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { account, addUser, cli, markOf, type Run } from "./support/ad-cli";
import { startSecretsManager, type SecretsManagerStandIn } from "./support/fake-secrets-manager";
import { startSambaDomain, type SambaDomain, type SambaFacts } from "./support/samba";
import { secretArn } from "./support/fixtures";

let dc: SambaDomain;
let facts: SambaFacts;
let sm: SecretsManagerStandIn;
let dir: string;
const identityPassword = "Portable-Identity-Passw0rd!";
const strangerPassword = "Stranger-Passw0rd-7!";

before(
    async () => {
        [dc, sm] = await Promise.all([startSambaDomain(), startSecretsManager()]);
        facts = await dc.facts();
        dir = mkdtempSync(path.join(os.tmpdir(), "ad-host-"));
        sm.secrets.set(secretArn("admin"), JSON.stringify({ username: dc.delegatedAdmin.user, password: dc.delegatedAdmin.password }));
        sm.secrets.set(secretArn("identity"), JSON.stringify({ username: "ccg-host", password: identityPassword, domainName: dc.dnsName }));
        sm.secrets.set(secretArn("stranger"), JSON.stringify({ username: "stranger", password: "Not-Its-Passw0rd!" }));
        sm.secrets.set(secretArn("wrong-admin"), JSON.stringify({ username: "Admin", password: "Wrong-Admin-Passw0rd!" }));
        sm.secrets.set(secretArn("not-json"), "Admin:Plain-Text-Passw0rd!");
        sm.secrets.set(secretArn("denied"), { error: "AccessDeniedException" });
        await addUser(dc, "stranger", strangerPassword);
    },
    { timeout: 180_000 },
);
after(async () => {
    await dc?.stop();
    await sm?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
});

const T = { timeout: 120_000 };
const everyPassword = () => [
    dc.delegatedAdmin.password,
    identityPassword,
    strangerPassword,
    "Not-Its-Passw0rd!",
    "Wrong-Admin-Passw0rd!",
    "Plain-Text-Passw0rd!",
    dc.adminPassword,
];

function payload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        operation: "provision",
        region: "us-west-2",
        domain: { dnsName: dc.dnsName, netbiosName: dc.netbiosName, dcAddresses: [dc.host] },
        adminSecretArn: secretArn("admin"),
        readersGroup: "Host-Readers",
        owner: "dev-cluster",
        accountsOu: dc.usersOuDn,
        accounts: ["HostApp01"],
        identity: { username: "ccg-host", secretArn: secretArn("identity") },
        verify: true,
        ...overrides,
    };
}

/** The result line's JSON: the domain's facts (flat), what the run changed, the chain check. */
type HostResult = Record<string, unknown> & { changes: string[]; chain?: unknown };

let files = 0;
async function host(doc: Record<string, unknown>, env: Record<string, string> = {}): Promise<Run & { result?: HostResult; lines: string[] }> {
    const file = path.join(dir, `payload-${files++}.json`);
    writeFileSync(file, JSON.stringify(doc));
    const r = await cli(
        ["host", "--payload-file", file],
        {
            AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url,
            AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
            AWS_SECRET_ACCESS_KEY: "stand-in-secret-key",
            AWS_EC2_METADATA_DISABLED: "true",
            ...env,
        },
        150_000,
    );
    // Whatever happened: never a traceback, never a password, on either stream.
    for (const stream of [r.stdout, r.stderr]) {
        assert.ok(!/Traceback/.test(stream), stream);
        for (const secret of everyPassword()) assert.ok(!stream.includes(secret), `a password shows in the output:\n${stream}`);
    }
    const lines = r.stdout.trim().split("\n");
    const last = lines[lines.length - 1] ?? "";
    return { ...r, lines, result: last.startsWith("EKS-GMSA-RESULT ") ? JSON.parse(last.slice("EKS-GMSA-RESULT ".length)) : undefined };
}

const factsOnly = (result: Record<string, unknown>) => ({
    dnsName: result.dnsName,
    forestName: result.forestName,
    netbiosName: result.netbiosName,
    domainSid: result.domainSid,
    domainGuid: result.domainGuid,
});

describe("provision on the management host", () => {
    test("domainless: provisions, checks the chain as the portable identity, ends with the facts, changes and links", T, async () => {
        const r = await host(payload({ domain: { dnsName: dc.dnsName, netbiosName: dc.netbiosName, dcAddresses: ["127.0.0.1", dc.host] } }));
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.ok(
            r.lines.includes("domain controller 127.0.0.1 does not answer (the domain controller at 127.0.0.1:389 cannot be reached (Connection refused))"),
            r.stdout,
        );
        assert.ok(r.lines.includes(`connecting to ldap://${dc.host} as ${dc.netbiosName}\\Admin`), r.stdout);
        assert.ok(r.result, r.stdout);
        assert.deepEqual(factsOnly(r.result), {
            dnsName: facts.dnsName,
            forestName: facts.forestName,
            netbiosName: facts.netbiosName,
            domainSid: facts.domainSid,
            domainGuid: facts.domainGuid,
        });
        assert.deepEqual(r.result.changes, [
            `created group Host-Readers (CN=Host-Readers,${dc.usersOuDn})`,
            `created user ccg-host (CN=ccg-host,${dc.usersOuDn})`,
            "added user ccg-host to Host-Readers",
            `created gMSA HostApp01$ (CN=HostApp01,${dc.managedServiceAccountsDn})`,
        ]);
        assert.deepEqual(r.result.chain, [{ account: "HostApp01", ok: true, links: 9 }]);
        assert.deepEqual(Object.keys(r.result).sort(), ["chain", "changes", "dnsName", "domainGuid", "domainSid", "forestName", "netbiosName"]);
        // The links were printed as they were checked, before the result line.
        for (const link of ["dc", "dns", "clock", "bind", "gmsa", "password", "tgt", "service ticket", "sysvol"]) {
            assert.ok(
                r.lines.some((l) => new RegExp(`^ok\\s+${link}\\s`).test(l)),
                `${link}: ${r.stdout}`,
            );
        }
        assert.ok(r.lines.includes("verify: every link holds (9 of 9)"), r.stdout);
        assert.deepEqual(
            sm.requests.slice(-2).map((q) => [q.target, q.secretId, q.signed]),
            [
                ["secretsmanager.GetSecretValue", secretArn("admin"), true],
                ["secretsmanager.GetSecretValue", secretArn("identity"), true],
            ],
        );
    });

    test("a second run changes nothing and checks the chain again", T, async () => {
        const r = await host(payload());
        assert.equal(r.status, 0, r.stdout);
        assert.deepEqual(r.result?.changes, []);
        assert.deepEqual(r.result?.chain, [{ account: "HostApp01", ok: true, links: 9 }]);
    });

    test("domain-joined: the chain is checked as an owned probe computer in the readers' group", T, async () => {
        const r = await host(payload({ identity: undefined, readersGroup: "Joined-Readers", accounts: ["HostApp02"] }));
        assert.equal(r.status, 0, r.stdout);
        const probe = r.result!.changes.find((c: string) => c.startsWith("created the probe computer "));
        assert.ok(probe, r.stdout);
        const name = /^created the probe computer (\S+\$) /.exec(probe)![1];
        assert.ok(name.length <= 16, name);
        assert.ok(r.result!.changes.includes(`added the probe computer ${name} to Joined-Readers`));
        assert.deepEqual((await account(dc, name))?.description, [markOf("dev-cluster")]);
        assert.match((await account(dc, name))!.dn[0], new RegExp(`,${dc.usersOuDn}$`));
        assert.ok(r.lines.includes(`checking the chain for HostApp02$ as ${name}`), r.stdout);
        assert.deepEqual(r.result!.chain, [{ account: "HostApp02", ok: true, links: 9 }]);
        const again = await host(payload({ identity: undefined, readersGroup: "Joined-Readers", accounts: ["HostApp02"] }));
        assert.equal(again.status, 0, again.stdout);
        assert.deepEqual(again.result?.changes, [], "the probe is reused, with a new password");
    });
});

describe("node lifecycle on the management host", () => {
    const launched = "2000-01-01T00:00:00Z";
    test("node-join binds the computer named in SSM_ComputerName to SSM_InstanceId; node-cleanup finds it by the instance alone", T, async () => {
        const node = await dc.createComputer("HOSTNODE1");
        const nodeEnv = { SSM_ComputerName: node.name, SSM_InstanceId: "i-0123456789abcdef0", SSM_CreatedAfter: launched };
        const join = await host(payload({ operation: "node-join", joinOu: dc.computersOuDn, identity: undefined, verify: false }), nodeEnv);
        assert.equal(join.status, 0, join.stdout);
        assert.deepEqual(join.result?.changes, ["bound computer HOSTNODE1$ to i-0123456789abcdef0", "added computer HOSTNODE1$ to Host-Readers"]);
        const again = await host(payload({ operation: "node-join", joinOu: dc.computersOuDn, identity: undefined, verify: false }), nodeEnv);
        assert.deepEqual(again.result?.changes, []);
        const other = await host(payload({ operation: "node-cleanup", joinOu: dc.computersOuDn, identity: undefined, verify: false }), {
            SSM_InstanceId: "i-0fedcba9876543210",
        });
        assert.equal(other.status, 0, other.stdout);
        assert.deepEqual(other.result?.changes, [], "another instance's cleanup deletes nothing");
        const cleanup = await host(payload({ operation: "node-cleanup", joinOu: dc.computersOuDn, identity: undefined, verify: false }), {
            SSM_InstanceId: "i-0123456789abcdef0",
        });
        assert.equal(cleanup.status, 0, cleanup.stdout);
        assert.deepEqual(cleanup.result?.changes, [`deleted computer HOSTNODE1$ (${node.dn})`]);
        assert.deepEqual(cleanup.result?.chain, []);
    });

    test("a node that reports a sibling's computer name is refused, and the sibling's account stays its own", T, async () => {
        const sibling = await dc.createComputer("HOSTNODE2");
        const join = await host(payload({ operation: "node-join", joinOu: dc.computersOuDn, identity: undefined, verify: false }), {
            SSM_ComputerName: sibling.name,
            SSM_InstanceId: "i-00000000000000002",
            SSM_CreatedAfter: launched,
        });
        assert.equal(join.status, 0, join.stdout);
        const liar = await host(payload({ operation: "node-join", joinOu: dc.computersOuDn, identity: undefined, verify: false }), {
            SSM_ComputerName: sibling.name,
            SSM_InstanceId: "i-0000000000000000b",
            SSM_CreatedAfter: launched,
        });
        assert.equal(liar.status, 1);
        assert.equal(
            liar.stdout.trim().split("\n").at(-1),
            "eks-gmsa: node-join: HOSTNODE2$ belongs to another node (its description says 'eks-gmsa-owner: dev-cluster; node: i-00000000000000002', this node is 'eks-gmsa-owner: dev-cluster; node: i-0000000000000000b'); left alone; a node reported another node's computer name: check that node; the launch is abandoned",
        );
        const cleanup = await host(payload({ operation: "node-cleanup", joinOu: dc.computersOuDn, identity: undefined, verify: false }), {
            SSM_InstanceId: "i-0000000000000000b",
        });
        assert.deepEqual(cleanup.result?.changes, [], "the liar's scale-in deletes nothing");
        assert.ok(await account(dc, "HOSTNODE2$"), "the sibling's account is still there");
    });
});

describe("the payload is checked before any secret is read or any DC contacted", () => {
    const cases: [string, () => Record<string, unknown>, Record<string, string>, string][] = [
        [
            "a curly quote in readersGroup",
            () => payload({ readersGroup: "Readers\u2019" }),
            {},
            "eks-gmsa: payload: readersGroup contains U+2019: names of AD objects must be printable ASCII; fix the stack's configuration; the payload is rendered from it",
        ],
        [
            "an unknown field",
            () => payload({ script: "Remove-ADObject" }),
            {},
            "eks-gmsa: payload: script is not a payload field (expected one of operation, region, domain, adminSecretArn, readersGroup, owner, accountsOu, accounts, identity, joinOu, verify); fix the stack's configuration; the payload is rendered from it",
        ],
        [
            "an accountsOu outside the domain",
            () => payload({ accountsOu: "OU=EKS,DC=evil,DC=example" }),
            {},
            "eks-gmsa: payload: accountsOu 'OU=EKS,DC=evil,DC=example' is not inside the domain DC=samba,DC=test; fix the stack's configuration; the payload is rendered from it",
        ],
        [
            "a built-in readers' group",
            () => payload({ readersGroup: "Domain Computers" }),
            {},
            "eks-gmsa: payload: readersGroup 'Domain Computers' is a built-in or well-known group; give eks-gmsa a group of its own; fix the stack's configuration; the payload is rendered from it",
        ],
        [
            "a gMSA name with '$'",
            () => payload({ accounts: ["HostApp01$"] }),
            {},
            "eks-gmsa: payload: accounts[0] must be given without the trailing '$'; fix the stack's configuration; the payload is rendered from it",
        ],
        [
            "a secret that is not an ARN",
            () => payload({ adminSecretArn: "eks-gmsa/admin" }),
            {},
            "eks-gmsa: payload: adminSecretArn must be a Secrets Manager secret ARN; fix the stack's configuration; the payload is rendered from it",
        ],
        [
            "an unknown operation",
            () => payload({ operation: "delete-everything" }),
            {},
            "eks-gmsa: payload: operation must be one of provision, node-join, node-cleanup, rotate; fix the stack's configuration; the payload is rendered from it",
        ],
        [
            "a rotation without the alternate user",
            () => payload({ operation: "rotate" }),
            { SSM_Step: "set", SSM_VersionId: "0123456789abcdef0123456789abcdef" },
            "eks-gmsa: payload: identity.alternateUsername must name the user a rotation alternates with; fix the stack's configuration; the payload is rendered from it",
        ],
        [
            "an alternate user that is the username in other letters",
            () => payload({ identity: { username: "ccg-host", alternateUsername: "CCG-Host", secretArn: secretArn("identity") } }),
            {},
            "eks-gmsa: payload: identity.alternateUsername must differ from identity.username; fix the stack's configuration; the payload is rendered from it",
        ],
        [
            "a built-in alternate user",
            () => payload({ identity: { username: "ccg-host", alternateUsername: "krbtgt", secretArn: secretArn("identity") } }),
            {},
            "eks-gmsa: payload: identity.alternateUsername 'krbtgt' is a built-in or well-known account; eks-gmsa never acts on it; fix the stack's configuration; the payload is rendered from it",
        ],
        [
            "node-join without SSM_ComputerName",
            () => payload({ operation: "node-join" }),
            {},
            "eks-gmsa: payload: SSM_ComputerName is not set; the SSM document passes it in its ComputerName parameter (interpolationType ENV_VAR needs SSM Agent 3.3.2746.0 or later)",
        ],
        [
            "an SSM_ComputerName that is not a computer name",
            () => payload({ operation: "node-join" }),
            { SSM_ComputerName: "NODE1*)(cn=*" },
            "eks-gmsa: payload: SSM_ComputerName 'NODE1*)(cn=*' must be a computer name: 1 to 15 letters, digits or '-', not only digits; fix the stack's configuration; the payload is rendered from it",
        ],
        [
            "node-join without SSM_CreatedAfter",
            () => payload({ operation: "node-join" }),
            { SSM_ComputerName: "NODE1", SSM_InstanceId: "i-0123456789abcdef0" },
            "eks-gmsa: payload: SSM_CreatedAfter is not set; the lifecycle runbook passes the instance's launch time in the CreatedAfter parameter",
        ],
        [
            "node-cleanup with an SSM_InstanceId that is not an instance ID",
            () => payload({ operation: "node-cleanup" }),
            { SSM_InstanceId: "i-*)(cn=*" },
            "eks-gmsa: payload: SSM_InstanceId 'i-*)(cn=*' must be an EC2 instance ID such as i-0123456789abcdef0; fix the stack's configuration; the payload is rendered from it",
        ],
    ];
    for (const [name, doc, env, line] of cases) {
        test(name, T, async () => {
            const before = sm.requests.length;
            const r = await host(doc(), env);
            assert.equal(r.status, 1);
            assert.equal(r.stdout.trim(), line);
            assert.equal(sm.requests.length, before, "no secret was read");
        });
    }
});

describe("failures are one line and carry no secret", () => {
    const cases: [string, () => Record<string, unknown>, RegExp][] = [
        [
            "a wrong admin password",
            () => payload({ adminSecretArn: secretArn("wrong-admin") }),
            /^eks-gmsa: bind: the user name or password was refused for SAMBA\\Admin; check the username and password in the adminSecretArn secret$/,
        ],
        [
            "a secret that is not JSON",
            () => payload({ adminSecretArn: secretArn("not-json") }),
            /^eks-gmsa: secrets: the adminSecretArn secret .* is not JSON with a username and a password; store it as/,
        ],
        [
            "a secret the host may not read",
            () => payload({ adminSecretArn: secretArn("denied") }),
            /^eks-gmsa: secrets: cannot read the adminSecretArn secret .* \(AccessDeniedException\); let the management host's role call secretsmanager:GetSecretValue/,
        ],
        [
            "an identity secret naming another user",
            () => payload({ identity: { username: "ccg-other", secretArn: secretArn("identity") } }),
            /^eks-gmsa: secrets: the identity.secretArn secret names the user ccg-host, the payload ccg-other;/,
        ],
        [
            "an existing account eks-gmsa did not create, with another password",
            () => payload({ identity: { username: "stranger", secretArn: secretArn("stranger") } }),
            /^eks-gmsa: provision: --identity-user stranger exists and was not created by eks-gmsa .*never resets the password/,
        ],
        [
            "no domain controller answers",
            () => payload({ domain: { dnsName: "nowhere.invalid", netbiosName: "NOWHERE", dcAddresses: ["127.0.0.1"] }, accountsOu: undefined }),
            /^eks-gmsa: reach: the domain controller at nowhere\.invalid:389 cannot be reached/,
        ],
    ];
    for (const [name, doc, message] of cases) {
        test(name, T, async () => {
            const r = await host(doc());
            assert.equal(r.status, 1, r.stdout);
            assert.equal(r.result, undefined);
            assert.match(r.lines[r.lines.length - 1], message);
            assert.equal(r.lines.filter((l) => l.startsWith("eks-gmsa: ")).length, 1, r.stdout);
            assert.equal(r.stderr, "");
        });
    }

    test("the stranger's password was not reset", T, async () => {
        assert.equal((await account(dc, "stranger"))?.description, undefined);
        const r = await cli(["discover", "--url", dc.url, "--user", `${dc.netbiosName}\\stranger`], { AD_PASSWORD: strangerPassword });
        assert.equal(r.status, 0, r.stderr);
    });
});
