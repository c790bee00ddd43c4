// Unit tests of the pure gMSA building blocks: per-credspec RBAC, the sample workload's pod specs and
// verification script, the portable identity's IAM policy and secret document, and SecretValue.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as util from "node:util";
import { credentialSpecRoleName, principalsToCreate, roleBindingsFor, useCredentialSpecRule } from "../components/gmsaRbac";
import { gmsaPodBasics, iisImage, servercoreImage, verificationScript } from "../components/workloadSpecs";
import { portableIdentityReadPolicy } from "../components/iamPolicies";
import { portableIdentityDocument } from "../components/domainlessIdentity";
import { SecretValue } from "../lib/secret";
import type { GmsaAccountSettings, WindowsServerVersion } from "../settings/types";

const webapp: GmsaAccountSettings = {
    name: "webapp01",
    account: "WebApp01",
    allowed: [
        { namespace: "web", serviceAccounts: ["webapp", "webapp-canary"], create: true },
        { namespace: "web-staging", serviceAccounts: ["webapp"], create: false },
    ],
};
const reports: GmsaAccountSettings = {
    name: "reports",
    account: "ReportsSvc",
    allowed: [
        { namespace: "reporting", serviceAccounts: ["report-scheduler", "report-runner"], create: true },
        // The same namespace and service account as webapp01: created once.
        { namespace: "web", serviceAccounts: ["webapp", "batch"], create: true },
        { namespace: "analytics", serviceAccounts: ["reader"], create: false },
    ],
};

describe("gmsaRbac", () => {
    test("useCredentialSpecRule: `use` on exactly that credential spec", () => {
        assert.deepEqual(useCredentialSpecRule("webapp01"), {
            apiGroups: ["windows.k8s.io"],
            resources: ["gmsacredentialspecs"],
            verbs: ["use"],
            resourceNames: ["webapp01"],
        });
        assert.deepEqual(useCredentialSpecRule("reports").resourceNames, ["reports"]);
    });

    test("role name derives from the credential spec", () => {
        assert.equal(credentialSpecRoleName("webapp01"), "gmsa-use-webapp01");
    });

    test("roleBindingsFor: one binding per allowed namespace, subjects exactly its service accounts", () => {
        const bindings = roleBindingsFor(webapp);
        assert.deepEqual(bindings, [
            {
                namespace: "web",
                name: "gmsa-use-webapp01",
                roleName: "gmsa-use-webapp01",
                subjects: [
                    { kind: "ServiceAccount", name: "webapp", namespace: "web" },
                    { kind: "ServiceAccount", name: "webapp-canary", namespace: "web" },
                ],
            },
            {
                namespace: "web-staging",
                name: "gmsa-use-webapp01",
                roleName: "gmsa-use-webapp01",
                subjects: [{ kind: "ServiceAccount", name: "webapp", namespace: "web-staging" }],
            },
        ]);
    });

    test("roleBindingsFor: no subject leaks into another namespace's binding", () => {
        for (const account of [webapp, reports]) {
            const bindings = roleBindingsFor(account);
            assert.equal(bindings.length, account.allowed.length);
            assert.equal(new Set(bindings.map((b) => b.namespace)).size, bindings.length);
            for (const b of bindings) {
                const p = account.allowed.find((q) => q.namespace === b.namespace)!;
                assert.deepEqual(
                    b.subjects.map((s) => s.name),
                    [...p.serviceAccounts],
                );
                for (const s of b.subjects) {
                    assert.equal(s.kind, "ServiceAccount");
                    assert.equal(s.namespace, b.namespace);
                }
            }
        }
    });

    test("principalsToCreate: only create:true entries, deduplicated across accounts, sorted", () => {
        assert.deepEqual(principalsToCreate([webapp, reports]), {
            namespaces: ["reporting", "web"],
            serviceAccounts: [
                { namespace: "reporting", name: "report-runner" },
                { namespace: "reporting", name: "report-scheduler" },
                { namespace: "web", name: "batch" },
                { namespace: "web", name: "webapp" },
                { namespace: "web", name: "webapp-canary" },
            ],
        });
        // The order of accounts does not matter.
        assert.deepEqual(principalsToCreate([reports, webapp]), principalsToCreate([webapp, reports]));
    });

    test("principalsToCreate: nothing to create", () => {
        assert.deepEqual(principalsToCreate([]), { namespaces: [], serviceAccounts: [] });
        assert.deepEqual(principalsToCreate([{ ...webapp, allowed: [{ namespace: "web", serviceAccounts: ["webapp"], create: false }] }]), {
            namespaces: [],
            serviceAccounts: [],
        });
    });
});

describe("workloadSpecs", () => {
    const versions: WindowsServerVersion[] = ["2019", "2022", "2025"];

    test("images match the host's Windows Server version", () => {
        for (const v of versions) {
            assert.equal(servercoreImage(v), `mcr.microsoft.com/windows/servercore:ltsc${v}`);
            assert.equal(iisImage(v), `mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc${v}`);
        }
        assert.equal(servercoreImage("2022"), "mcr.microsoft.com/windows/servercore:ltsc2022");
        assert.equal(iisImage("2022"), "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022");
        assert.equal(servercoreImage("2019"), "mcr.microsoft.com/windows/servercore:ltsc2019");
        assert.equal(iisImage("2025"), "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2025");
    });

    describe("verificationScript", () => {
        const script = verificationScript("corp.example.com");
        const lines = script.split("\n").map((l) => l.trim());
        const at = (pattern: RegExp): number => {
            const i = lines.findIndex((l) => pattern.test(l));
            assert.ok(i >= 0, `no line matches ${pattern}:\n${script}`);
            return i;
        };

        test("nltest /sc_verify:<domain>, then klist get krbtgt, each exit code captured right after", () => {
            const nltest = at(/^nltest \/sc_verify:corp\.example\.com$/);
            const klist = at(/^klist get krbtgt$/);
            assert.ok(nltest < klist, "nltest runs before klist");
            assert.match(lines[nltest + 1], /^\$(\w+) = \$LASTEXITCODE$/);
            assert.match(lines[klist + 1], /^\$(\w+) = \$LASTEXITCODE$/);
        });

        test("exits 1 unless both exit codes are 0, exits 0 at the end", () => {
            const secureChannel = /^\$(\w+) = \$LASTEXITCODE$/.exec(lines[at(/^nltest \/sc_verify:/) + 1])![1];
            const kerberos = /^\$(\w+) = \$LASTEXITCODE$/.exec(lines[at(/^klist get krbtgt$/) + 1])![1];
            assert.notEqual(secureChannel, kerberos);
            const guard = at(/^if \(/);
            assert.equal(lines[guard], `if ($${secureChannel} -ne 0 -or $${kerberos} -ne 0) {`);
            const close = lines.indexOf("}", guard);
            const block = lines.slice(guard + 1, close);
            assert.ok(block.includes("exit 1"), "exit 1 inside the guard");
            assert.ok(
                block.some((l) => /RESULT: FAILED/.test(l)),
                "prints RESULT: FAILED before exiting 1",
            );
            assert.ok(block.indexOf("exit 1") > block.findIndex((l) => /RESULT: FAILED/.test(l)));
            // exit 1 only inside the guard; exit 0 is the last line, after RESULT: PASSED.
            assert.equal(lines.filter((l) => l === "exit 1").length, 1);
            assert.equal(lines[lines.length - 1], "exit 0");
            assert.equal(lines.filter((l) => /^exit /.test(l)).length, 2);
            const passed = at(/RESULT: PASSED/);
            assert.ok(passed > close && passed < lines.length - 1);
            // Both checks run before the guard (the script does not stop at the first failure).
            assert.ok(at(/^klist get krbtgt$/) < guard);
            assert.match(script, /\$ErrorActionPreference = 'Continue'/);
        });

        test("names the domain it checks", () => {
            const other = verificationScript("emea.corp.example.com");
            assert.match(other, /^nltest \/sc_verify:emea\.corp\.example\.com$/m);
            assert.doesNotMatch(other, /sc_verify:corp\.example\.com/);
        });
    });

    describe("gmsaPodBasics", () => {
        test("identity and Windows scheduling, with the toleration for the taint", () => {
            const pod = gmsaPodBasics({ credentialSpec: "webapp01", serviceAccount: "webapp", taint: { key: "os", value: "windows", effect: "NoSchedule" } });
            assert.deepEqual(pod, {
                serviceAccountName: "webapp",
                securityContext: { windowsOptions: { gmsaCredentialSpecName: "webapp01" } },
                nodeSelector: { "kubernetes.io/os": "windows" },
                tolerations: [{ key: "os", operator: "Equal", value: "windows", effect: "NoSchedule" }],
            });
        });

        test("a custom taint is tolerated exactly", () => {
            const pod = gmsaPodBasics({
                credentialSpec: "reports",
                serviceAccount: "report-runner",
                taint: { key: "example.com/windows", value: "true", effect: "NoExecute" },
            });
            assert.deepEqual(pod.tolerations, [{ key: "example.com/windows", operator: "Equal", value: "true", effect: "NoExecute" }]);
            assert.equal(pod.securityContext.windowsOptions.gmsaCredentialSpecName, "reports");
            assert.equal(pod.serviceAccountName, "report-runner");
        });

        test("no toleration when the taint is off", () => {
            const pod = gmsaPodBasics({ credentialSpec: "webapp01", serviceAccount: "webapp" });
            assert.deepEqual(pod.tolerations, []);
            assert.deepEqual(pod.nodeSelector, { "kubernetes.io/os": "windows" });
        });
    });
});

describe("portableIdentityReadPolicy", () => {
    const secretArn = "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/eks-gmsa-dev/portable-identity-AbCdEf";
    const keyArn = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    test("exactly two statements: read the given secrets, decrypt with the key through Secrets Manager", () => {
        const policy = portableIdentityReadPolicy([secretArn], keyArn, "us-west-2");
        assert.equal(policy.Version, "2012-10-17");
        assert.equal(policy.Statement.length, 2);
        const [read, decrypt] = policy.Statement;
        assert.equal(read.Effect, "Allow");
        assert.deepEqual([read.Action].flat(), ["secretsmanager:GetSecretValue"]);
        assert.deepEqual([read.Resource].flat(), [secretArn]);
        assert.equal(read.Condition, undefined);
        assert.equal(decrypt.Effect, "Allow");
        assert.deepEqual([decrypt.Action].flat(), ["kms:Decrypt"]);
        assert.deepEqual([decrypt.Resource].flat(), [keyArn]);
        assert.deepEqual(decrypt.Condition, { StringEquals: { "kms:ViaService": "secretsmanager.us-west-2.amazonaws.com" } });
    });

    test("no wildcard in any Resource or Action, no other actions, no principals", () => {
        for (const region of ["us-west-2", "eu-central-1"]) {
            const policy = portableIdentityReadPolicy([secretArn, secretArn.replace("AbCdEf", "ZyXwVu")], keyArn, region);
            const actions = policy.Statement.flatMap((s) => [s.Action].flat()).sort();
            assert.deepEqual(actions, ["kms:Decrypt", "secretsmanager:GetSecretValue"]);
            for (const s of policy.Statement) {
                assert.equal(s.Effect, "Allow");
                assert.equal(s.Principal, undefined);
                for (const r of [s.Resource].flat()) assert.doesNotMatch(String(r), /\*/);
                for (const a of [s.Action].flat()) assert.doesNotMatch(a, /\*/);
            }
            assert.equal(policy.Statement[1].Condition!.StringEquals["kms:ViaService"], `secretsmanager.${region}.amazonaws.com`);
            assert.equal([policy.Statement[0].Resource].flat().length, 2);
        }
    });

    test("the caller's list is copied, not shared", () => {
        const arns = [secretArn];
        const policy = portableIdentityReadPolicy(arns, keyArn, "us-west-2");
        arns.push("arn:aws:secretsmanager:us-west-2:123456789012:secret:other-000000");
        assert.deepEqual([policy.Statement[0].Resource].flat(), [secretArn]);
    });
});

describe("portableIdentityDocument", () => {
    test("JSON with exactly username, password and domainName", () => {
        const text = portableIdentityDocument("gmsa-ccg-reader", "s3cr3t", "corp.example.com");
        const doc = JSON.parse(text);
        assert.deepEqual(Object.keys(doc).sort(), ["domainName", "password", "username"]);
        assert.deepEqual(doc, { username: "gmsa-ccg-reader", password: "s3cr3t", domainName: "corp.example.com" });
    });

    test("a password with quotes, backslashes and unicode round-trips", () => {
        const password = `p"a\\ss'w{o}r\nd€`;
        assert.equal(JSON.parse(portableIdentityDocument("u", password, "corp.example.com")).password, password);
    });
});

describe("SecretValue", () => {
    const value = "hunter2-Sup3rSecret";
    const secret = new SecretValue(value);

    test("string conversion, template literals and concatenation show [secret]", () => {
        assert.equal(String(secret), "[secret]");
        assert.equal(`${secret}`, "[secret]");
        assert.equal("" + secret, "[secret]");
        assert.equal(secret.toString(), "[secret]");
    });

    test("JSON shows [secret], also nested", () => {
        assert.equal(JSON.stringify(secret), '"[secret]"');
        assert.equal(JSON.stringify({ portableIdentity: { username: "u", password: secret } }), '{"portableIdentity":{"username":"u","password":"[secret]"}}');
        assert.equal(JSON.stringify([secret]), '["[secret]"]');
    });

    test("inspection and console formatting show [secret]", () => {
        for (const text of [
            util.inspect(secret),
            util.inspect({ password: secret }, { depth: 10 }),
            util.inspect(secret, { showHidden: true }),
            util.format("%s %o %O %j", secret, secret, secret, secret),
            util.format(secret),
        ]) {
            assert.doesNotMatch(text, new RegExp(value), text);
            assert.match(text, /\[secret\]/, text);
        }
        // Even with custom inspection off, the private field stays hidden.
        assert.doesNotMatch(util.inspect(secret, { customInspect: false, showHidden: true }), new RegExp(value));
    });

    test("no enumerable or own property holds the value", () => {
        assert.deepEqual(Object.keys(secret), []);
        assert.deepEqual(Object.getOwnPropertyNames(secret), []);
        assert.deepEqual({ ...secret }, {});
    });

    test("an error message built from it does not reveal it", () => {
        assert.doesNotMatch(new Error(`bad password ${secret}`).message, new RegExp(value));
    });

    test("reveal() gives the value", () => {
        assert.equal(secret.reveal(), value);
        assert.equal(new SecretValue("").reveal(), "");
    });
});
