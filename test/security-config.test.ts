// Config the security review found accepted and dangerous: namespace admins in the namespaces the
// gMSA webhook never checks, gMSAs named like AD's built-in accounts, and AD objects placed in the
// domain's built-in containers. Each is a problem line naming the key, before anything registers;
// the management host's Python refuses the same places (one data file, well-known-names.json).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseSettings } from "../settings/validate";
import { cli } from "./support/ad-cli";
import { domainlessStackConfig, lineFor } from "./support/fixtures";

/** The domainless fixture stack with an admin of the application namespace `web` unless `edit.access` says otherwise. */
function settings(edit: { access?: unknown; gmsa?: Record<string, unknown>; activeDirectory?: Record<string, unknown> } = {}) {
    return parseSettings(
        domainlessStackConfig({
            ...edit,
            access: edit.access ?? { namespaceAdmins: [{ principalArn: "arn:aws:iam::123456789012:role/app-team-web", namespaces: ["web"] }] },
        }),
    );
}

function problems(r: ReturnType<typeof parseSettings>): readonly string[] {
    assert.equal(r.ok, false, "the config was accepted");
    return r.ok ? [] : r.problems;
}

describe("namespace admins stay out of the namespaces the gMSA webhook skips", () => {
    test("the baseline config (an admin of an application namespace) parses", () => {
        const r = settings();
        assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
    });

    for (const [namespace, why] of [
        ["gmsa-webhook", "the gMSA webhook's own namespace"],
        ["kube-system", "kube-system, which the stack exempts"],
        ["cert-manager", "cert-manager's namespace"],
    ] as const) {
        test(`an admin of ${namespace} is refused at its own key, saying why`, () => {
            const line = lineFor(
                problems(settings({ access: { namespaceAdmins: [{ principalArn: "arn:aws:iam::123456789012:role/ops", namespaces: ["web", namespace] }] } })),
                "eks-gmsa:access.namespaceAdmins[0].namespaces[1]",
            );
            assert.ok(line.includes(JSON.stringify(namespace)) && line.includes(why) && line.includes("could run pods as any gMSA"), line);
        });
    }

    test("the webhook's and cert-manager's namespaces follow their settings", () => {
        const moved = { webhook: { namespace: "gmsa-system" }, certManager: { namespace: "certs" } };
        const lines = problems(
            settings({
                access: { namespaceAdmins: [{ principalArn: "arn:aws:iam::123456789012:role/ops", namespaces: ["gmsa-system", "certs"] }] },
                gmsa: moved,
            }),
        );
        assert.match(lineFor(lines, "eks-gmsa:access.namespaceAdmins[0].namespaces[0]"), /gMSA webhook's own namespace/);
        assert.match(lineFor(lines, "eks-gmsa:access.namespaceAdmins[0].namespaces[1]"), /cert-manager's namespace/);
        // The old default names are ordinary namespaces once nothing runs there.
        const r = settings({
            access: { namespaceAdmins: [{ principalArn: "arn:aws:iam::123456789012:role/ops", namespaces: ["gmsa-webhook", "cert-manager"] }] },
            gmsa: moved,
        });
        assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
    });

    test("without gMSA there is no webhook, and kube-system is not refused on its account", () => {
        const values: Record<string, string> = {
            "aws:region": "us-west-2",
            "eks-gmsa:network": JSON.stringify({ vpcCidr: "10.0.0.0/16", availabilityZoneCount: 2, natGateways: "single" }),
            "eks-gmsa:access": JSON.stringify({ namespaceAdmins: [{ principalArn: "arn:aws:iam::123456789012:role/ops", namespaces: ["kube-system"] }] }),
            "eks-gmsa:windowsNodes": JSON.stringify({ instanceType: "m6i.xlarge" }),
        };
        const r = parseSettings({ stack: "dev", values });
        assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
    });
});

describe("gMSAs are not named like AD's built-in accounts", () => {
    for (const name of ["Administrator", "krbtgt", "Guest", "AWSAdminD-12", "admin"]) {
        test(`gmsa.accounts[].account ${JSON.stringify(name)} is refused at its key`, () => {
            const line = lineFor(
                problems(settings({ gmsa: { accounts: [{ name: "webapp01", account: name, allowed: [{ namespace: "web", serviceAccounts: ["webapp"] }] }] } })),
                "eks-gmsa:gmsa.accounts[0].account",
            );
            assert.ok(line.includes(JSON.stringify(name)) && line.includes("built-in or well-known account name"), line);
        });
    }
});

describe("nothing is created in the domain's built-in containers", () => {
    const provisioning = {
        provisionAccounts: true,
        adminCredentialsSecretArn: "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/ad-admin-AbCdEf",
    };
    for (const dn of ["CN=System,DC=corp,DC=example,DC=com", "OU=Readers,CN=Builtin,DC=corp,DC=example,DC=com", "cn=program data,dc=corp,dc=example,dc=com"]) {
        test(`activeDirectory.accountsOu ${dn} is refused`, () => {
            const line = lineFor(problems(settings({ activeDirectory: { ...provisioning, accountsOu: dn } })), "eks-gmsa:activeDirectory.accountsOu");
            assert.ok(line.includes("one of the domain's built-in containers"), line);
        });
    }

    test("activeDirectory.joinOu in OU=Domain Controllers is refused (its computers are the DCs)", () => {
        const lines = problems(
            settings({
                activeDirectory: { ...provisioning, directoryId: "d-1234567890", joinOu: "OU=Domain Controllers,DC=corp,DC=example,DC=com" },
                gmsa: { mode: "domainJoined", portableIdentity: undefined },
            }),
        );
        const line = lineFor(lines, "eks-gmsa:activeDirectory.joinOu");
        assert.ok(line.includes("OU=Domain Controllers") && line.includes("built-in containers"), line);
    });

    test("an OU of the cluster's own, and the default CN=Users, are accepted", () => {
        for (const accountsOu of ["OU=EKS,DC=corp,DC=example,DC=com", "CN=Users,DC=corp,DC=example,DC=com"]) {
            const r = settings({ activeDirectory: { ...provisioning, accountsOu } });
            assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
        }
    });

    test("the management host's CLI refuses the same places before it connects (exit 2)", async () => {
        for (const [flag, dn, command] of [
            ["--ou", "CN=Users,CN=System,DC=corp,DC=example,DC=com", "provision"],
            ["--join-ou", "OU=Domain Controllers,DC=corp,DC=example,DC=com", "node-join"],
        ] as const) {
            const extra = command === "provision" ? ["--account", "App10", "--group", "Readers"] : ["--group", "Readers", "--computer", "EC2AMAZ-1"];
            // 192.0.2.1 (TEST-NET-1) is never reached: the argument is refused first.
            const r = await cli([command, "--url", "ldap://192.0.2.1", "--user", "CORP\\Admin", ...extra, flag, dn], { AD_PASSWORD: "x" }, 20_000);
            assert.equal(r.status, 2, `${flag}: ${r.stderr}`);
            assert.match(r.stderr, /one of the domain's built-in containers, where eks-gmsa creates nothing/, `${flag}: ${r.stderr}`);
        }
    });
});

describe("settings that only the gMSA part of the stack reads", () => {
    test("windowsNodes.hostProcessNamespaces without eks-gmsa:gmsa is an error, not silently unused", () => {
        const values: Record<string, string> = {
            "aws:region": "us-west-2",
            "eks-gmsa:network": JSON.stringify({ vpcCidr: "10.0.0.0/16", availabilityZoneCount: 2, natGateways: "single" }),
            "eks-gmsa:windowsNodes": JSON.stringify({ instanceType: "m6i.xlarge", hostProcessNamespaces: ["node-agents"] }),
        };
        const r = parseSettings({ stack: "dev", values });
        assert.match(lineFor(problems(r), "eks-gmsa:windowsNodes.hostProcessNamespaces"), /is only used with eks-gmsa:gmsa/);
        const withGmsa = settings();
        assert.ok(withGmsa.ok);
    });
});
