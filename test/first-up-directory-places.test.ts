// Issue 11: every setting that names a place in the directory is checked against the domain before
// anything is registered. OUs are parsed as distinguished names (RFC 4514: escapes, spaces around
// separators, attribute types in any case), must lie in the domain itself and, with AWS Managed
// Microsoft AD, in the OU AWS delegates to its Admin; names of AD objects are ASCII only.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseSettings } from "../settings/validate";
import { lineFor } from "./support/fixtures";

const adminSecret = "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/ad-admin-AbCdEf";
const existing = {
    domainName: "corp.example.com",
    netbiosName: "CORP",
    dnsServers: ["10.10.0.10"],
    domainSid: "S-1-5-21-1-2-3",
    domainGuid: "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51",
    directoryId: "d-1234567890",
    adminCredentialsSecretArn: adminSecret,
};
const managed = { domainName: "corp.example.com", netbiosName: "CORP", managedDirectory: { edition: "Standard" } };
const joinedGmsa = {
    mode: "domainJoined",
    accounts: [{ name: "webapp01", account: "WebApp01", allowed: [{ namespace: "web", serviceAccounts: ["webapp"] }] }],
};
const domainlessGmsa = { mode: "domainless", portableIdentity: { username: "gmsa-ccg-reader" }, accounts: joinedGmsa.accounts };

function parse(ad: Record<string, unknown>, gmsa: Record<string, unknown> = joinedGmsa) {
    const values: Record<string, string> = {
        "aws:region": "us-west-2",
        // An existing VPC: its routes to the DNS servers are not checked offline.
        "eks-gmsa:network": JSON.stringify({ vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"] }),
        "eks-gmsa:activeDirectory": JSON.stringify(ad),
        "eks-gmsa:gmsa": JSON.stringify(gmsa),
    };
    const secretKeys: string[] = [];
    if (ad.managedDirectory) {
        values["eks-gmsa:directoryAdminPassword"] = "Str0ng-Passw0rd";
        secretKeys.push("eks-gmsa:directoryAdminPassword");
    }
    if (gmsa.mode === "domainless") {
        values["eks-gmsa:portableIdentityPassword"] = "Reader-Passw0rd";
        secretKeys.push("eks-gmsa:portableIdentityPassword");
    }
    return parseSettings({ stack: "prod", values, secretKeys });
}

function problemsOf(r: ReturnType<typeof parse>): readonly string[] {
    assert.equal(r.ok, false, "expected the config to be rejected");
    return r.ok ? [] : r.problems;
}

/** The one problem line of a config, which must name `key`. */
function onlyLine(r: ReturnType<typeof parse>, key: string): string {
    const lines = problemsOf(r);
    assert.equal(lines.length, 1, lines.join("\n"));
    return lineFor(lines, `eks-gmsa:${key}`);
}

function activeDirectoryOf(r: ReturnType<typeof parse>) {
    assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
    return r.settings.activeDirectory!;
}

describe("OUs are read as distinguished names", () => {
    test("spaces around '=' and ',' and lower-case types are accepted, and stored canonical so the node-deletion guard still matches", () => {
        const ad = activeDirectoryOf(
            parse({
                ...existing,
                joinOu: "ou = EKS, ou=Computers ,DC=corp, dc=example,DC=com",
                provisionAccounts: true,
                accountsOu: "cn=Users, DC=corp,DC=example,DC=com",
            }),
        );
        assert.equal(ad.joinOu, "OU=EKS,OU=Computers,DC=corp,DC=example,DC=com");
        assert.equal(ad.accountsOu, "CN=Users,DC=corp,DC=example,DC=com");
    });

    test("an OU name that needs DN escaping (\\, \\2C \\#) is refused at plan time, as the management host would", () => {
        // Escaped values are valid DNs, but the management host's Python takes plain names only: refused here, at plan time.
        for (const joinOu of [
            "OU=EKS\\, Windows,DC=corp,DC=example,DC=com",
            "OU=EKS\\2C Windows,DC=corp,DC=example,DC=com",
            "OU=\\#EKS,DC=corp,DC=example,DC=com",
        ]) {
            assert.match(
                onlyLine(parse({ ...existing, joinOu }), "activeDirectory.joinOu"),
                /needs escaping in a DN; eks-gmsa takes OU and container names without/,
            );
        }
    });

    test("malformed DNs: one line naming the key and what is wrong", () => {
        assert.match(onlyLine(parse({ ...existing, joinOu: "OU=EKS+CN=x,DC=corp,DC=example,DC=com" }), "activeDirectory.joinOu"), /multi-valued RDN/);
        assert.match(onlyLine(parse({ ...existing, joinOu: 'OU=EK"S,DC=corp,DC=example,DC=com' }), "activeDirectory.joinOu"), /unescaped "\\"" at position 6/);
        assert.match(onlyLine(parse({ ...existing, joinOu: "OU=,DC=corp,DC=example,DC=com" }), "activeDirectory.joinOu"), /empty value for OU/);
        assert.match(
            onlyLine(parse({ ...existing, joinOu: "DC=corp,OU=EKS,DC=example,DC=com" }), "activeDirectory.joinOu"),
            /OU=… components, then|OU components, then the domain's DC= components/,
        );
        assert.match(
            onlyLine(parse({ ...existing, joinOu: "OU=EKS,CN=Computers,DC=corp,DC=example,DC=com" }), "activeDirectory.joinOu"),
            /CN=Computers is out of place/,
        );
    });
});

describe("OUs must lie in the domain", () => {
    test("joinOu in another domain, or in a child domain, is refused; the domain's own DC= components match in any case", () => {
        assert.match(
            onlyLine(parse({ ...existing, joinOu: "OU=EKS,DC=other,DC=com" }), "activeDirectory.joinOu"),
            /must be inside the domain \(end with DC=corp,DC=example,DC=com\); its DC= components name other\.com/,
        );
        assert.match(
            onlyLine(parse({ ...existing, joinOu: "OU=EKS,DC=child,DC=corp,DC=example,DC=com" }), "activeDirectory.joinOu"),
            /name child\.corp\.example\.com, not corp\.example\.com/,
        );
        assert.equal(activeDirectoryOf(parse({ ...existing, joinOu: "OU=EKS,DC=CORP,DC=Example,DC=COM" })).joinOu, "OU=EKS,DC=CORP,DC=Example,DC=COM");
    });

    test("accountsOu in a child domain is refused (it only ended with the domain's DC= components)", () => {
        const r = parse({ ...existing, provisionAccounts: true, accountsOu: "OU=Users,DC=child,DC=corp,DC=example,DC=com" });
        assert.match(onlyLine(r, "activeDirectory.accountsOu"), /its DC= components name child\.corp\.example\.com/);
    });
});

describe("with AWS Managed Microsoft AD, OUs lie in the OU AWS delegates to its Admin", () => {
    test("accountsOu and joinOu outside OU=CORP are refused (the Admin has no rights there); inside it, in any case, they parse", () => {
        assert.match(
            onlyLine(parse({ ...managed, accountsOu: "OU=Users,DC=corp,DC=example,DC=com" }, joinedGmsa), "activeDirectory.accountsOu"),
            /must be OU=CORP,DC=corp,DC=example,DC=com or below it: AWS Managed Microsoft AD delegates only that OU to its Admin/,
        );
        assert.match(
            onlyLine(parse({ ...managed, joinOu: "OU=EKS,DC=corp,DC=example,DC=com" }, joinedGmsa), "activeDirectory.joinOu"),
            /must be OU=CORP,DC=corp,DC=example,DC=com or below it/,
        );
        assert.match(
            onlyLine(parse({ ...managed, joinOu: "OU=Computers,OU=Other,DC=corp,DC=example,DC=com" }, joinedGmsa), "activeDirectory.joinOu"),
            /OU=CORP,DC=corp,DC=example,DC=com or below it/,
        );
        const ad = activeDirectoryOf(
            parse({ ...managed, joinOu: "ou=EKS,ou=Computers,ou=corp,DC=corp,DC=example,DC=com", accountsOu: "OU=corp,DC=corp,DC=example,DC=com" }, joinedGmsa),
        );
        assert.equal(ad.joinOu, "OU=EKS,OU=Computers,OU=corp,DC=corp,DC=example,DC=com");
        assert.equal(ad.accountsOu, "OU=corp,DC=corp,DC=example,DC=com");
    });
});

describe("names of AD objects are ASCII", () => {
    // U+2019 and U+2018: look like an apostrophe; the management host's Python (names.py) refuses both.
    test("a curly quote in the readers' group, the portable identity or an OU name is refused, naming the key", () => {
        assert.match(
            onlyLine(
                parse({ ...existing, joinOu: "OU=EKS,DC=corp,DC=example,DC=com" }, { ...joinedGmsa, readersGroup: "eks\u2019readers" }),
                "gmsa.readersGroup",
            ),
            /contains U\+2019, which is not printable ASCII/,
        );
        assert.match(
            onlyLine(
                parse({ ...existing, provisionAccounts: true }, { ...domainlessGmsa, portableIdentity: { username: "gmsa\u2018reader" } }),
                "gmsa.portableIdentity.username",
            ),
            /contains U\+2018, which is not printable ASCII; .*the management host's Python refuses anything else/,
        );
        assert.match(
            onlyLine(parse({ ...existing, joinOu: "OU=O\u2019Brien,DC=corp,DC=example,DC=com" }), "activeDirectory.joinOu"),
            /names OU=O\u2019Brien, which contains U\+2019/,
        );
        assert.match(
            onlyLine(parse({ ...existing, provisionAccounts: true, accountsOu: "OU=Caf\u00e9,DC=corp,DC=example,DC=com" }), "activeDirectory.accountsOu"),
            /contains U\+00E9/,
        );
    });

    test("a non-ASCII OU name hidden in hex escapes (UTF-8 of U+2019) is refused too", () => {
        assert.match(onlyLine(parse({ ...existing, joinOu: "OU=O\\E2\\80\\99Brien,DC=corp,DC=example,DC=com" }), "activeDirectory.joinOu"), /contains U\+2019/);
    });
});

describe("places that nothing would read are refused, not ignored", () => {
    test("joinOu in domainless mode names its key", () => {
        const problems = problemsOf(parse({ ...existing, joinOu: "OU=EKS,DC=corp,DC=example,DC=com" }, domainlessGmsa));
        assert.match(lineFor(problems, "eks-gmsa:activeDirectory.joinOu"), /is only used in gmsa\.mode domainJoined/);
    });

    test("accountsOu without provisionAccounts names its key", () => {
        const problems = problemsOf(parse({ ...existing, provisionAccounts: false, accountsOu: "OU=EKS,DC=corp,DC=example,DC=com" }));
        assert.match(lineFor(problems, "eks-gmsa:activeDirectory.accountsOu"), /is only used with activeDirectory\.provisionAccounts/);
    });

    test("both are accepted where they are used", () => {
        const r = parse({ ...existing, provisionAccounts: true, accountsOu: "OU=EKS,DC=corp,DC=example,DC=com", joinOu: "OU=Nodes,DC=corp,DC=example,DC=com" });
        assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
    });
});
