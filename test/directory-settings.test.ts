// Settings of the AD side: a managed directory (greenfield), provisioning of the accounts, the
// admin credentials secret, the readers' group. Each mistake is one line naming its key.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseSettings } from "../settings/validate";
import { lineFor } from "./support/fixtures";

const adminSecret = "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/ad-admin-AbCdEf";
const gmsa = {
    mode: "domainless",
    portableIdentity: { username: "gmsa-ccg-reader" },
    accounts: [{ name: "webapp01", account: "WebApp01", allowed: [{ namespace: "web", serviceAccounts: ["webapp"] }] }],
};
const managed = { domainName: "corp.example.com", netbiosName: "CORP", managedDirectory: { edition: "Standard" } };

function parse(ad: Record<string, unknown>, options: { adminPassword?: string | null; secret?: boolean; gmsa?: Record<string, unknown> } = {}) {
    const values: Record<string, string> = {
        "aws:region": "us-west-2",
        "eks-gmsa:activeDirectory": JSON.stringify(ad),
        "eks-gmsa:network": JSON.stringify({ transitGateway: { id: "tgw-0123456789abcdef0", routes: ["10.10.0.0/16"] } }),
        "eks-gmsa:gmsa": JSON.stringify(options.gmsa ?? gmsa),
        "eks-gmsa:portableIdentityPassword": "Reader-Passw0rd",
    };
    const adminPassword = options.adminPassword === undefined ? "Str0ng-Passw0rd" : options.adminPassword;
    if (adminPassword !== null) values["eks-gmsa:directoryAdminPassword"] = adminPassword;
    const secretKeys = ["eks-gmsa:portableIdentityPassword", ...(options.secret === false ? [] : ["eks-gmsa:directoryAdminPassword"])];
    return parseSettings({ stack: "dev", values, secretKeys });
}

function problemsOf(r: ReturnType<typeof parse>): readonly string[] {
    assert.equal(r.ok, false, "expected the config to be rejected");
    return r.ok ? [] : r.problems;
}

describe("managed directory (greenfield)", () => {
    test("parses: Admin password kept secret, provisioning on, accounts in the delegated OU, facts from the directory", () => {
        const r = parse(managed);
        assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
        const ad = r.settings.activeDirectory!;
        assert.equal(ad.managedDirectory?.edition, "Standard");
        assert.equal(ad.managedDirectory?.adminPassword.reveal(), "Str0ng-Passw0rd");
        assert.ok(!JSON.stringify(r.settings).includes("Str0ng-Passw0rd"), "the password must not serialize");
        assert.equal(ad.provisionAccounts, true);
        assert.equal(ad.accountsOu, "OU=Users,OU=CORP,DC=corp,DC=example,DC=com");
        assert.equal(ad.dnsServers, undefined);
        assert.equal(r.settings.gmsa?.domain, undefined);
        assert.equal(r.settings.gmsa?.readersGroup, "eks-gmsa-readers");
    });

    test("what the directory itself provides cannot also be configured", () => {
        const problems = problemsOf(
            parse({ ...managed, dnsServers: ["10.0.0.10"], directoryId: "d-1234567890", domainSid: "S-1-5-21-1-2-3", adminCredentialsSecretArn: adminSecret }),
        );
        for (const key of ["dnsServers", "directoryId", "domainSid", "adminCredentialsSecretArn"]) {
            assert.match(lineFor(problems, `eks-gmsa:activeDirectory.${key}`), /is read from the directory this stack creates/);
        }
    });

    test("the Admin password: required, a secret, and what AWS Directory Service accepts", () => {
        assert.match(
            lineFor(problemsOf(parse(managed, { adminPassword: null })), "eks-gmsa:directoryAdminPassword"),
            /is required with activeDirectory\.managedDirectory \(pulumi config set --secret directoryAdminPassword\)/,
        );
        assert.match(lineFor(problemsOf(parse(managed, { secret: false })), "eks-gmsa:directoryAdminPassword"), /must be a secret/);
        assert.match(
            lineFor(problemsOf(parse(managed, { adminPassword: "short1A" })), "eks-gmsa:directoryAdminPassword"),
            /must be 8 to 64 characters \(this one has 7\)/,
        );
        assert.match(lineFor(problemsOf(parse(managed, { adminPassword: "alllowercase" })), "eks-gmsa:directoryAdminPassword"), /three of/);
        assert.match(
            lineFor(problemsOf(parse(managed, { adminPassword: "MyAdmin-Passw0rd" })), "eks-gmsa:directoryAdminPassword"),
            /must not contain the word admin/,
        );
        // The value itself never appears in a problem line.
        assert.ok(
            !problemsOf(parse(managed, { adminPassword: "alllowercase" }))
                .join("\n")
                .includes("alllowercase"),
        );
    });

    test("a password without a managed directory is a mistake", () => {
        const r = parse({
            domainName: "corp.example.com",
            netbiosName: "CORP",
            dnsServers: ["10.10.0.10"],
            domainSid: "S-1-5-21-1-2-3",
            domainGuid: "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51",
        });
        assert.match(lineFor(problemsOf(r), "eks-gmsa:directoryAdminPassword"), /is only used with activeDirectory\.managedDirectory/);
    });

    test("provisioning cannot be turned off (nothing else creates the gMSAs), edition is Standard or Enterprise", () => {
        assert.match(
            lineFor(problemsOf(parse({ ...managed, provisionAccounts: false })), "eks-gmsa:activeDirectory.provisionAccounts"),
            /must be true with managedDirectory/,
        );
        assert.match(
            lineFor(problemsOf(parse({ ...managed, managedDirectory: { edition: "Small" } })), "eks-gmsa:activeDirectory.managedDirectory.edition"),
            /"Small"/,
        );
        assert.match(
            lineFor(problemsOf(parse({ ...managed, managedDirectory: { size: "Large" } })), "eks-gmsa:activeDirectory.managedDirectory.size"),
            /unknown/i,
        );
    });

    test("a new forest: forestName, when given, is the domain name", () => {
        assert.match(lineFor(problemsOf(parse({ ...managed, forestName: "example.com" })), "eks-gmsa:activeDirectory.forestName"), /must equal domainName/);
    });

    test("domain-joined on a managed directory needs no directory ID and no admin secret", () => {
        const r = parse(managed, { gmsa: { mode: "domainJoined", accounts: gmsa.accounts } });
        // The portable identity password is configured for domainless only.
        assert.equal(r.ok, false);
        assert.deepEqual(
            problemsOf(r).map((l) => l.split(":").slice(0, 2).join(":")),
            ["eks-gmsa:portableIdentityPassword"],
        );
    });
});

describe("existing directory: provisioning and credentials", () => {
    const existing = { domainName: "corp.example.com", netbiosName: "CORP", dnsServers: ["10.10.0.10"] };

    test("provisionAccounts needs the admin credentials secret, and then no SID or GUID", () => {
        assert.match(
            lineFor(problemsOf(parse({ ...existing, provisionAccounts: true }, { adminPassword: null })), "eks-gmsa:activeDirectory.adminCredentialsSecretArn"),
            /is required with provisionAccounts/,
        );
        const r = parse({ ...existing, provisionAccounts: true, adminCredentialsSecretArn: adminSecret }, { adminPassword: null });
        assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
        assert.equal(r.settings.activeDirectory?.accountsOu, "CN=Users,DC=corp,DC=example,DC=com");
        const inOu = parse(
            { ...existing, provisionAccounts: true, adminCredentialsSecretArn: adminSecret, accountsOu: "OU=EKS,OU=Groups,DC=Corp,DC=Example,DC=com" },
            { adminPassword: null },
        );
        assert.ok(inOu.ok, inOu.ok ? "" : inOu.problems.join("\n"));
        assert.equal(inOu.settings.activeDirectory?.accountsOu, "OU=EKS,OU=Groups,DC=Corp,DC=Example,DC=com");
    });

    test("without provisioning the SID and GUID are required, and the message says how to avoid them", () => {
        const problems = problemsOf(parse(existing, { adminPassword: null }));
        assert.match(
            lineFor(problems, "eks-gmsa:activeDirectory.domainSid"),
            /unless activeDirectory\.provisionAccounts is true \(npm run ad -- discover prints it\)/,
        );
    });

    test("malformed secret ARN, OU outside the domain, bad group name: each names its key", () => {
        const problems = problemsOf(
            parse(
                {
                    ...existing,
                    provisionAccounts: true,
                    adminCredentialsSecretArn: "arn:aws:secretsmanager:us-west-2:123456789012:secret:ad",
                    accountsOu: "OU=Users,DC=other,DC=com",
                },
                { adminPassword: null, gmsa: { ...gmsa, readersGroup: "eks/readers" } },
            ),
        );
        assert.match(lineFor(problems, "eks-gmsa:activeDirectory.adminCredentialsSecretArn"), /must be the full ARN of a Secrets Manager secret/);
        assert.match(lineFor(problems, "eks-gmsa:gmsa.readersGroup"), /"eks\/readers"; must not contain/);
        const ou = problemsOf(
            parse(
                { ...existing, provisionAccounts: true, adminCredentialsSecretArn: adminSecret, accountsOu: "OU=Users,DC=other,DC=com" },
                { adminPassword: null },
            ),
        );
        assert.match(lineFor(ou, "eks-gmsa:activeDirectory.accountsOu"), /must be inside the domain \(end with DC=corp,DC=example,DC=com\)/);
    });

    test("domain-joined mode on an existing directory needs the admin credentials secret", () => {
        const r = parse(
            {
                ...existing,
                directoryId: "d-1234567890",
                joinOu: "OU=EKS,DC=corp,DC=example,DC=com",
                domainSid: "S-1-5-21-1-2-3",
                domainGuid: "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51",
            },
            { adminPassword: null, gmsa: { mode: "domainJoined", accounts: gmsa.accounts } },
        );
        const problems = problemsOf(r).filter((l) => !l.startsWith("eks-gmsa:portableIdentityPassword"));
        assert.equal(problems.length, 1);
        assert.match(problems[0], /^eks-gmsa:activeDirectory\.adminCredentialsSecretArn: is required in gmsa\.mode domainJoined/);
    });
});
