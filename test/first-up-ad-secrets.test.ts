// Issue 11, findings 4 (a, b) and 7: the directory Admin's secret has a key and a resource policy
// of its own that admit only the management host's role (and whoever runs `pulumi up`, whose
// SecretVersion writes the value and reads it back); a stack that is not protected deletes its
// secrets without a recovery window, so `pulumi destroy` then `pulumi up` can create them again.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mockAccountId, offlineCaller } from "../tools/harness/mocks";
import { keyAdministrationActions, onlyTheseMayReadPolicy, secretKeyPolicy, secretRecoveryWindowInDays } from "../components/secretAccess";
import type { PolicyDocument } from "../components/iamPolicies";
import { inputs, ofType, one, runOk } from "./helpers";
import { devNetworkToSharedServices, sharedServicesDnsServers } from "./support/fixtures";

/** The role behind the offline plan's caller (an assumed-role session): who runs `pulumi up`. */
const mockOperatorRoleArn = offlineCaller.replace(/^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/.*$/, "arn:aws:iam::$1:role/$2");
const hostRole = "arn:aws:iam::123456789012:role/ad-management-host-role-1a2b3c4";
const operator = "arn:aws:iam::123456789012:role/eks-gmsa-deploy";
const someoneElse = "arn:aws:iam::123456789012:role/developers-readonly";

/** IAM action matching: `kms:Get*` covers kms:GetKeyPolicy. */
const covers = (pattern: string, action: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i").test(action);

/** Principals an Allow statement of this policy grants `action` to, with the statement's condition. */
function grants(policy: PolicyDocument, action: string): { principals: string[]; condition?: unknown }[] {
    return policy.Statement.filter((s) => s.Effect === "Allow" && [s.Action].flat().some((a) => covers(a, action))).map((s) => ({
        principals: s.Principal === "*" ? ["*"] : [(s.Principal as { AWS: string | string[] }).AWS].flat(),
        condition: s.Condition,
    }));
}

/** Whether the secret's resource policy denies `principal` the action (Deny with ArnNotEquals on aws:PrincipalArn). */
function denied(policy: PolicyDocument, principal: string, action: string): boolean {
    return policy.Statement.some(
        (s) =>
            s.Effect === "Deny" &&
            s.Principal === "*" &&
            [s.Action].flat().some((a) => covers(a, action)) &&
            ![(s.Condition!.ArnNotEquals as Record<string, string[]>)["aws:PrincipalArn"]].flat().includes(principal),
    );
}

describe("finding 4: the directory Admin secret's key policy and resource policy, on their own", () => {
    const keyPolicy = secretKeyPolicy({ partition: "aws", region: "us-west-2", accountId: "123456789012", readerArns: [hostRole], writerArns: [operator] });
    const viaSecretsManager = { StringEquals: { "kms:ViaService": "secretsmanager.us-west-2.amazonaws.com", "kms:CallerAccount": "123456789012" } };

    test("only the host role and the operator may decrypt, and only through Secrets Manager", () => {
        assert.deepEqual(grants(keyPolicy, "kms:Decrypt"), [{ principals: [hostRole, operator], condition: viaSecretsManager }]);
    });

    test("only the operator may have new values encrypted (Secrets Manager's GenerateDataKey on its behalf), likewise", () => {
        assert.deepEqual(grants(keyPolicy, "kms:GenerateDataKey"), [{ principals: [operator], condition: viaSecretsManager }]);
    });

    test("the account administers the key, so it can never become unmanageable, but gets no cryptographic use and no grants", () => {
        const root = "arn:aws:iam::123456789012:root";
        for (const admin of [
            "kms:PutKeyPolicy",
            "kms:GetKeyPolicy",
            "kms:DescribeKey",
            "kms:EnableKeyRotation",
            "kms:ScheduleKeyDeletion",
            "kms:CancelKeyDeletion",
            "kms:TagResource",
        ]) {
            assert.deepEqual(grants(keyPolicy, admin), [{ principals: [root], condition: undefined }], admin);
        }
        for (const use of ["kms:Encrypt", "kms:ReEncryptFrom", "kms:GenerateDataKeyWithoutPlaintext", "kms:CreateGrant", "kms:Sign"])
            assert.deepEqual(grants(keyPolicy, use), [], use);
        assert.ok(keyAdministrationActions.every((a) => !covers(a, "kms:Decrypt") && !covers(a, "kms:CreateGrant")));
    });

    test("the secret's resource policy denies GetSecretValue to everyone but the host role and the operator, and denies nothing else", () => {
        const policy = onlyTheseMayReadPolicy([hostRole, operator]);
        assert.ok(!denied(policy, hostRole, "secretsmanager:GetSecretValue"));
        assert.ok(!denied(policy, operator, "secretsmanager:GetSecretValue"));
        assert.ok(denied(policy, someoneElse, "secretsmanager:GetSecretValue"));
        assert.ok(denied(policy, "arn:aws:iam::123456789012:root", "secretsmanager:GetSecretValue"));
        for (const admin of [
            "secretsmanager:DescribeSecret",
            "secretsmanager:PutResourcePolicy",
            "secretsmanager:DeleteResourcePolicy",
            "secretsmanager:UpdateSecret",
            "secretsmanager:DeleteSecret",
            "secretsmanager:PutSecretValue",
        ]) {
            assert.ok(!denied(policy, someoneElse, admin), `${admin} stays with the account's administrators`);
        }
        assert.equal(policy.Statement.filter((s) => s.Effect === "Allow").length, 0, "it grants nothing: Block Public Policy has nothing to object to");
    });
});

describe("finding 4: the plan (dev: domainless, managed directory)", () => {
    const dev = runOk({ stack: "dev" });
    const hostRoleArn = `arn:aws:iam::${mockAccountId}:role/${inputs(one(dev, "aws:iam/rolePolicy:RolePolicy", "ad-management-host-read-credentials")).role}`;
    const secret = inputs(one(dev, "aws:secretsmanager/secret:Secret", "directory-admin"));
    const adminKey = () => one(dev, "aws:kms/key:Key", "directory-admin-key");

    test("the Admin secret is encrypted with its own rotating customer-managed key", () => {
        const key = adminKey();
        assert.equal(inputs(key).enableKeyRotation, true);
        assert.equal(inputs(key).deletionWindowInDays, 30);
        assert.match(secret.kmsKeyId, /^arn:aws:kms:us-west-2:123456789012:key\//);
        assert.ok(one(dev, "aws:secretsmanager/secret:Secret", "directory-admin").propertyDependencies.kmsKeyId.includes(key.urn));
        // The portable identity keeps its own key: the Admin's key serves the Admin's secret alone.
        assert.notEqual(inputs(one(dev, "aws:secretsmanager/secret:Secret", "portable-identity")).kmsKeyId, secret.kmsKeyId);
    });

    test("the key's policy is the host role's and the operator's, on that key", () => {
        const key = adminKey();
        const keyPolicy = one(dev, "aws:kms/keyPolicy:KeyPolicy", "directory-admin-key-policy");
        assert.ok(keyPolicy.propertyDependencies.keyId.includes(key.urn));
        assert.ok(secret.kmsKeyId.endsWith(`/${inputs(keyPolicy).keyId}`), "the policy is on the secret's key");
        assert.deepEqual(
            JSON.parse(inputs(keyPolicy).policy),
            secretKeyPolicy({ partition: "aws", region: "us-west-2", accountId: mockAccountId, readerArns: [hostRoleArn], writerArns: [mockOperatorRoleArn] }),
        );
    });

    test("the secret's resource policy admits only the host role and the operator, with Block Public Policy on", () => {
        const secretPolicy = inputs(one(dev, "aws:secretsmanager/secretPolicy:SecretPolicy", "directory-admin-read-policy"));
        assert.equal(secretPolicy.secretArn, one(dev, "aws:secretsmanager/secretVersion:SecretVersion", "directory-admin-value").inputs.secretId);
        assert.equal(secretPolicy.blockPublicPolicy, true);
        assert.deepEqual(JSON.parse(secretPolicy.policy), onlyTheseMayReadPolicy([hostRoleArn, mockOperatorRoleArn]));
    });

    test("a protected stack protects the key like the directory", () => {
        assert.equal(adminKey().protect, false, "dev is not protected");
        const run = runOk({
            stack: "dev",
            overrides: { "eks-gmsa:cluster": { kubernetesVersion: "1.35", endpointPublicAccess: true, endpointPrivateAccess: true, protect: true } },
        });
        assert.equal(one(run, "aws:kms/key:Key", "directory-admin-key").protect, true);
        assert.equal(one(run, "aws:directoryservice/directory:Directory").protect, true);
    });

    test("an existing directory's admin secret is not ours: no key, key policy or resource policy for it", () => {
        const run = runOk({
            stack: "dev",
            overrides: {
                "eks-gmsa:directoryAdminPassword": null,
                "eks-gmsa:network": devNetworkToSharedServices,
                "eks-gmsa:activeDirectory": {
                    domainName: "corp.example.com",
                    netbiosName: "CORP",
                    dnsServers: sharedServicesDnsServers,
                    adminCredentialsSecretArn: "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/ad-admin-AbCdEf",
                    provisionAccounts: true,
                },
            },
        });
        one(run, "aws:ec2/instance:Instance");
        // (The cluster's key and the portable identity have policies of their own: security-keys-*.test.ts.)
        assert.deepEqual(
            ofType(run, "aws:kms/keyPolicy:KeyPolicy").filter((p) => p.name === "directory-admin-key-policy"),
            [],
        );
        assert.deepEqual(
            ofType(run, "aws:secretsmanager/secretPolicy:SecretPolicy").filter((p) => p.name === "directory-admin-read-policy"),
            [],
        );
        assert.equal(ofType(run, "aws:kms/key:Key").filter((k) => k.name === "directory-admin-key").length, 0);
    });
});

describe("finding 7: pulumi destroy then pulumi up", () => {
    test("a stack that is not protected deletes its secrets at once; a protected one keeps the recovery window", () => {
        assert.equal(secretRecoveryWindowInDays(false, 7), 0);
        assert.equal(secretRecoveryWindowInDays(false, 30), 0);
        assert.equal(secretRecoveryWindowInDays(true, 7), 7);
        assert.equal(secretRecoveryWindowInDays(true, 30), 30);
    });

    test("dev (protect: false): both fixed-name secrets are deleted without recovery", () => {
        const dev = runOk({ stack: "dev" });
        for (const name of ["directory-admin", "portable-identity"]) {
            const secret = inputs(one(dev, "aws:secretsmanager/secret:Secret", name));
            assert.match(secret.name, /^eks-gmsa\/eks-gmsa-dev\//, "a fixed name: a second create needs the first one gone");
            assert.equal(secret.recoveryWindowInDays, 0, name);
        }
    });

    test("protected stacks keep 7 days for the Admin secret and 30 for the portable identity (prod, and dev with protect)", () => {
        const prod = runOk({ stack: "prod" });
        assert.equal(inputs(one(prod, "aws:secretsmanager/secret:Secret", "portable-identity")).recoveryWindowInDays, 30);
        const protectedDev = runOk({
            stack: "dev",
            overrides: { "eks-gmsa:cluster": { kubernetesVersion: "1.35", endpointPublicAccess: true, endpointPrivateAccess: true, protect: true } },
        });
        assert.equal(inputs(one(protectedDev, "aws:secretsmanager/secret:Secret", "directory-admin")).recoveryWindowInDays, 7);
        assert.equal(inputs(one(protectedDev, "aws:secretsmanager/secret:Secret", "portable-identity")).recoveryWindowInDays, 30);
    });
});
