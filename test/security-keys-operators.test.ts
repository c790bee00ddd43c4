// Who the key policies, the secrets' resource policies and the access guardrail name as the
// operator: `eks-gmsa:access.operators` when set (the principals that run `pulumi up`, refresh and
// destroy), else whoever runs this `pulumi up`. With the list, a run by another operator changes
// none of those policies, every operator reads the values back (refresh, destroy), and a caller not
// on the list is refused before anything is registered.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { clusterCreatorTag } from "../components/clusterCreator";
import { stackOperators } from "../components/caller";
import { parseSettings } from "../settings/validate";
import { mockAccountId, offlineCaller } from "../tools/harness/mocks";
import { inputs, ofType, one, outputs, runOk, runStack, userResources, type StackRun } from "./helpers";
import { allows } from "./support/iam";
import { keyAllows } from "./support/kmsKeyPolicy";

const role = (name: string) => `arn:aws:iam::${mockAccountId}:role/${name}`;
const session = (roleName: string, who: string) => `arn:aws:sts::${mockAccountId}:assumed-role/${roleName}/${who}`;
const ci = role("platform-ci");
const breakGlass = role("break-glass");
const devAccess = {
    clusterAdmins: [role("platform-admins")],
    namespaceAdmins: [{ principalArn: role("app-team-web"), namespaces: ["web"] }],
    viewers: [role("developers-readonly")],
};
const withOperators = (operators: unknown) => ({ "eks-gmsa:access": { ...devAccess, operators } });

/** A later `pulumi up` of dev (the cluster exists, created by CI) by this caller. */
function devRunBy(caller: string, operators: unknown = [ci, breakGlass]): StackRun {
    return runStack({
        stack: "dev",
        overrides: withOperators(operators),
        aws: { caller, existingClusters: { "eks-gmsa-dev": { tags: { [clusterCreatorTag]: ci } } } },
    });
}

/** What a run by another principal would rewrite: every key policy and secret resource policy, and the guardrail. */
function accessPolicies(run: StackRun) {
    const policies = [...ofType(run, "aws:kms/keyPolicy:KeyPolicy"), ...ofType(run, "aws:secretsmanager/secretPolicy:SecretPolicy")];
    return { policies: Object.fromEntries(policies.map((p) => [p.name, JSON.parse(inputs(p).policy)])), guardrail: outputs(run).accessGuardrail };
}

describe("eks-gmsa:access.operators: validated before anything is registered", () => {
    const values = (operators: unknown) => ({
        "aws:region": "us-west-2",
        "eks-gmsa:network": JSON.stringify({ vpcCidr: "10.0.0.0/16", availabilityZoneCount: 2, natGateways: "single" }),
        "eks-gmsa:cluster": JSON.stringify({ kubernetesVersion: "1.35" }),
        "eks-gmsa:access": JSON.stringify({ operators }),
        "eks-gmsa:windowsNodes": JSON.stringify({ instanceType: "m6i.xlarge", windowsServerVersion: "2022" }),
    });
    const problems = (operators: unknown) => {
        const r = parseSettings({ stack: "dev", values: values(operators) });
        return r.ok ? [] : r.problems;
    };

    test("IAM role and user ARNs, with paths, are accepted and kept in order; absent, there is no list (whoever runs `pulumi up` is the operator)", () => {
        const r = parseSettings({ stack: "dev", values: values([role("ci/deployer"), `arn:aws:iam::${mockAccountId}:user/ops-break-glass`]) });
        assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
        assert.deepEqual(r.settings.access.operators, [role("ci/deployer"), `arn:aws:iam::${mockAccountId}:user/ops-break-glass`]);
        const absent = parseSettings({ stack: "dev", values: { ...values(undefined), "eks-gmsa:access": "{}" } });
        assert.ok(absent.ok);
        assert.equal(absent.settings.access.operators, undefined);
    });

    test("an assumed-role session ARN is refused as in access.clusterAdmins, naming the key", () => {
        assert.deepEqual(problems([session("platform-ci", "run-42")]), [
            `eks-gmsa:access.operators[0]: got "${session("platform-ci", "run-42")}"; is an STS session ARN; use the role's ARN (arn:aws:iam::<account>:role/<name>)`,
        ]);
    });

    test("an empty list, a non-ARN, the same principal twice (even under another path) and a non-list are refused", () => {
        assert.match(problems([]).join("\n"), /^eks-gmsa:access\.operators: got \[\]; is empty, so no one could run `pulumi up`/);
        assert.match(problems(["platform-ci"]).join("\n"), /^eks-gmsa:access\.operators\[0\]: got "platform-ci"; must be an IAM user or role ARN/);
        assert.match(
            problems([ci, role("teams/platform-ci")]).join("\n"),
            /^eks-gmsa:access\.operators\[1\]: got "arn:aws:iam::\d{12}:role\/teams\/platform-ci"; is the same IAM principal as access\.operators\[0\]/,
        );
        assert.match(problems(ci).join("\n"), /^eks-gmsa:access\.operators: got "arn:aws:iam::\d{12}:role\/platform-ci"; must be a list/);
    });
});

describe("stackOperators: the configured list, or the caller", () => {
    test("without the list the caller is the operator (today's behaviour)", () => {
        assert.deepEqual(stackOperators(undefined, ci, false), { operators: { arns: [ci], source: "caller" } });
    });

    test("with the list, any operator on it runs `pulumi up`, and the list (not the caller) is what the policies name", () => {
        for (const caller of [ci, breakGlass])
            assert.deepEqual(stackOperators([ci, breakGlass], caller, false), { operators: { arns: [ci, breakGlass], source: "config" } });
    });

    test("a caller not on the list stops `pulumi up` with the key and what would fail; a preview only warns", () => {
        assert.throws(
            () => stackOperators([ci, breakGlass], role("someone-else"), false),
            (e: Error) =>
                pulumi.RunError.isInstance(e) &&
                e.message.includes("eks-gmsa:access.operators") &&
                e.message.includes(role("someone-else")) &&
                /writing the secrets' values would be denied/.test(e.message),
        );
        const preview = stackOperators([ci, breakGlass], role("pr-preview"), true);
        assert.deepEqual(preview.operators.arns, [ci, breakGlass]);
        assert.match(preview.warning ?? "", /not one of eks-gmsa:access\.operators .* A preview writes nothing/);
    });

    test("an operator listed without the path IAM reports is refused: aws:PrincipalArn carries the path and the policies compare it exactly", () => {
        assert.throws(
            () => stackOperators([ci], role("ci/platform-ci"), false),
            /eks-gmsa:access\.operators\[0\] is arn:aws:iam::\d{12}:role\/platform-ci, but IAM reports .*role\/ci\/platform-ci: write it as IAM does, with its path/,
        );
    });
});

describe("the dev stack with operators: no churn between operators, every operator reads back", () => {
    const byCi = devRunBy(session("platform-ci", "build-17"));
    const byBreakGlass = devRunBy(session("break-glass", "alice"));

    test("both runs succeed", () => {
        assert.deepEqual(byCi.errors, []);
        assert.deepEqual(byBreakGlass.errors, []);
    });

    test("a run by another operator rewrites no key policy, no secret policy and no guardrail", () => {
        const a = accessPolicies(byCi);
        assert.deepEqual(Object.keys(a.policies).sort(), [
            "directory-admin-key-policy",
            "directory-admin-read-policy",
            "portable-identity-key-policy",
            "portable-identity-read-policy",
            "secrets-key-policy",
        ]);
        assert.deepEqual(accessPolicies(byBreakGlass), a);
    });

    test("every operator may read the secrets back and write new values (refresh and destroy by either); the caller alone is not what is named", () => {
        for (const [secretName, keyName] of [
            ["portable-identity", "portable-identity-key"],
            ["directory-admin", "directory-admin-key"],
        ]) {
            const secret = one(byCi, "aws:secretsmanager/secret:Secret", secretName);
            const secretPolicy = JSON.parse(
                inputs(ofType(byCi, "aws:secretsmanager/secretPolicy:SecretPolicy").find((p) => p.propertyDependencies.secretArn?.includes(secret.urn))!)
                    .policy,
            );
            const key = one(byCi, "aws:kms/key:Key", keyName);
            const keyPolicy = JSON.parse(
                inputs(ofType(byCi, "aws:kms/keyPolicy:KeyPolicy").find((p) => p.propertyDependencies.keyId?.includes(key.urn))!).policy,
            );
            const viaSecretsManager = { "kms:ViaService": "secretsmanager.us-west-2.amazonaws.com", "kms:CallerAccount": mockAccountId };
            const everySecretsAction = { Version: "2012-10-17" as const, Statement: [{ Effect: "Allow" as const, Action: "secretsmanager:*", Resource: "*" }] };
            for (const operator of [ci, breakGlass]) {
                assert.ok(
                    allows([secretPolicy, everySecretsAction], {
                        action: "secretsmanager:GetSecretValue",
                        resource: inputs(secret).name,
                        context: { "aws:PrincipalArn": operator },
                    }),
                    `${operator} reads ${secretName}`,
                );
                for (const action of ["kms:Decrypt", "kms:GenerateDataKey"])
                    assert.ok(keyAllows(keyPolicy, { principal: operator, action, context: viaSecretsManager }), `${operator} ${action} on ${keyName}`);
            }
        }
    });

    test("without deploy role, EKS may be called by either operator: both are on the secrets key", () => {
        const keyPolicy = JSON.parse(inputs(one(byCi, "aws:kms/keyPolicy:KeyPolicy", "secrets-key-policy")).policy);
        for (const operator of [ci, breakGlass]) assert.ok(keyAllows(keyPolicy, { principal: operator, action: "kms:CreateGrant" }), operator);
    });

    test("the guardrail spares exactly the operators and the rotation function's role (dev has no runbooks)", () => {
        const rotationRole = `arn:aws:iam::${mockAccountId}:role/${inputs(one(byCi, "aws:iam/rolePolicy:RolePolicy", "portable-identity-rotation-policy")).role}`;
        for (const s of outputs(byCi).accessGuardrail.Statement)
            assert.deepEqual(s.Condition.ArnNotLike["aws:PrincipalArn"], [ci, breakGlass, rotationRole], s.Sid);
    });

    test("a `pulumi up` by a principal that is not an operator stops before anything is registered", () => {
        const run = devRunBy(offlineCaller);
        assert.equal(run.errors.length, 1);
        assert.match(
            run.errors[0],
            /this `pulumi up` runs as arn:aws:iam::\d{12}:role\/the-principal-running-pulumi-up, which is not one of eks-gmsa:access\.operators/,
        );
        assert.deepEqual(userResources(run), []);
    });
});

describe("the offline plan of a stack with operators", () => {
    test("is rendered as a run by the first operator (npm run plan gives no caller), not stopped as a stranger's", () => {
        const run = runStack({ stack: "dev", overrides: withOperators([ci, breakGlass]) });
        assert.deepEqual(run.errors, []);
        const { policies } = accessPolicies(run);
        const identityReaders = policies["portable-identity-read-policy"].Statement[0].Condition.ArnNotEquals["aws:PrincipalArn"];
        assert.ok(identityReaders.includes(ci) && identityReaders.includes(breakGlass), JSON.stringify(identityReaders));
        assert.ok(!JSON.stringify(policies).includes("the-principal-running-pulumi-up"), "no stand-in caller is named");
    });
});

describe("operators in a stack with a deploy role (prod)", () => {
    test("the deploy role still calls EKS (secrets key); the portable identity names the operators, whoever runs it", () => {
        const run = runOk({
            stack: "prod",
            overrides: { "eks-gmsa:access": { clusterAdmins: [role("platform-admins")], operators: [ci, breakGlass] } },
            aws: { caller: session("platform-ci", "deploy-9") },
        });
        const secretsKey = JSON.parse(inputs(one(run, "aws:kms/keyPolicy:KeyPolicy", "secrets-key-policy")).policy);
        assert.deepEqual(secretsKey.Statement.find((s: { Sid: string }) => s.Sid === "ClusterCallerLetsEksUseTheKey").Principal.AWS, [role("eks-gmsa-deploy")]);
        const identityKey = JSON.parse(inputs(one(run, "aws:kms/keyPolicy:KeyPolicy", "portable-identity-key-policy")).policy);
        assert.deepEqual(identityKey.Statement.find((s: { Sid: string }) => s.Sid === "EncryptNewValuesThroughSecretsManager").Principal.AWS, [ci, breakGlass]);
    });
});
