// Issue 13, item 6, on their own: what the EKS secrets key's policy and the management host's
// guardrail and troubleshooter policy ALLOW, evaluated (test/support/kmsKeyPolicy.ts, iam.ts)
// rather than read. Each key says who may use it; no broad principal (an administrator holding
// kms:* in IAM, or anyone) gets cryptographic use directly, though the account's administrators
// can get it in two steps (put a key policy naming themselves: keyReachable; the access guardrail
// closes that, test/security-keys-guardrail.test.ts); only the stack's own principals run code as
// the management host.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { clusterRoleKeyActions, clusterSecretsKeyPolicy } from "../components/clusterSecretsKey";
import type { PolicyDocument } from "../components/iamPolicies";
import { accessGuardrail } from "../components/accessGuardrail";
import { defaultSessionDocument, managementHostSessionPolicy, managementHostTagKey } from "../components/managementHostAccess";
import { allows, allowsAll } from "./support/iam";
import { everyKmsAction, keyAllows, keyReachable, principalsOf } from "./support/kmsKeyPolicy";

const account = "123456789012";
const role = (name: string) => `arn:aws:iam::${account}:role/${name}`;
const clusterRole = role("cluster-role-1a2b3c4");
const deployRole = role("eks-gmsa-deploy");
const nodeRole = role("windows-node-role-5d6e7f8");
const hostRole = role("ad-management-host-role-9a0b1c2");
const operator = role("platform-ci");
const runbooks = role("node-lifecycle-automation-role-3d4e5f6");
const admin = role("account-admins");
const developer = role("developers");

const cryptographic = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GenerateDataKeyPair",
];
const administration = [
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:PutKeyPolicy",
    "kms:EnableKeyRotation",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:TagResource",
    "kms:ListResourceTags",
];

/** Every statement of a key policy names one account's principals, never "*" or another account. */
function namesOnlyThisAccount(policy: PolicyDocument): boolean {
    return policy.Statement.every((s) => principalsOf(s).length > 0 && principalsOf(s).every((p) => p.startsWith(`arn:aws:iam::${account}:`)));
}

describe("the EKS secrets key: the control plane's role uses it, the cluster's caller lets EKS use it, the account administers it", () => {
    const policy = clusterSecretsKeyPolicy({ partition: "aws", accountId: account, clusterRoleArn: clusterRole, clusterCallerArns: [deployRole] });

    test("the cluster role encrypts, decrypts and describes (what the control plane and EKS's checks do), and nothing administrative", () => {
        for (const action of ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:ListGrants", "kms:GenerateDataKey", "kms:ReEncryptFrom"])
            assert.ok(keyAllows(policy, { principal: clusterRole, action }), action);
        for (const action of ["kms:CreateGrant", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey"])
            assert.equal(keyAllows(policy, { principal: clusterRole, action }), false, action);
    });

    test("the principal calling CreateCluster (here the deploy role) may create EKS's grant and describe the key, with no kms:GrantIsForAWSResource condition, and may not decrypt directly (only through a grant to itself)", () => {
        assert.ok(keyAllows(policy, { principal: deployRole, action: "kms:CreateGrant" }), "without any condition context");
        assert.ok(keyAllows(policy, { principal: deployRole, action: "kms:DescribeKey" }));
        for (const action of cryptographic) {
            assert.equal(keyAllows(policy, { principal: deployRole, action }), false, action);
            assert.equal(keyReachable(policy, { principal: deployRole, action }), "through a grant to itself", action);
        }
        const statement = policy.Statement.find((s) => principalsOf(s).includes(deployRole))!;
        assert.equal(statement.Condition, undefined, "EKS: GrantIsForAWSResource is not supported for CreateCluster");
    });

    test("an account administrator holding kms:* in IAM administers the key and may not use it or create grants directly, but may by first putting a key policy naming itself", () => {
        for (const action of administration) assert.ok(keyAllows(policy, { principal: admin, action, iam: [everyKmsAction] }), action);
        for (const action of [...cryptographic, "kms:CreateGrant"]) {
            assert.equal(keyAllows(policy, { principal: admin, action, iam: [everyKmsAction] }), false, action);
            assert.equal(keyReachable(policy, { principal: admin, action, iam: [everyKmsAction] }), "after putting a key policy naming itself", action);
        }
    });

    test("no one else: a developer with kms:Decrypt on * gets nothing cryptographic; no statement names * or another account", () => {
        const decryptAnything: PolicyDocument = {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: ["kms:Decrypt", "kms:Encrypt", "kms:CreateGrant"], Resource: "*" }],
        };
        for (const action of ["kms:Decrypt", "kms:Encrypt", "kms:CreateGrant"])
            assert.equal(keyAllows(policy, { principal: developer, action, iam: [decryptAnything] }), false, action);
        assert.ok(namesOnlyThisAccount(policy));
        assert.ok(clusterRoleKeyActions.every((a) => a !== "kms:*" && a !== "kms:CreateGrant"));
    });

    test("a first `pulumi up` without a deploy role: the caller is the one named", () => {
        const byCaller = clusterSecretsKeyPolicy({ partition: "aws", accountId: account, clusterRoleArn: clusterRole, clusterCallerArns: [operator] });
        assert.ok(keyAllows(byCaller, { principal: operator, action: "kms:CreateGrant" }));
        assert.equal(keyAllows(byCaller, { principal: deployRole, action: "kms:CreateGrant" }), false);
    });
});

describe("the management host: only the stack's own principals (and those you add) run code as it", () => {
    const cluster = "eks-gmsa-prod";
    const guardrail = accessGuardrail({
        partition: "aws",
        clusterName: cluster,
        secretReaderRoleArns: [hostRole, nodeRole],
        allowedPrincipalArns: [operator, runbooks],
        clusterCallerArns: [],
        keyArns: [],
        secretArns: [],
        managementHost: { privateIp: "10.30.1.17", documentArns: [] },
    });
    const everything: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
    const hostArn = "arn:aws:ec2:us-west-2:123456789012:instance/i-0a1b2c3d4e5f60718";
    const otherArn = "arn:aws:ec2:us-west-2:123456789012:instance/i-0f0e0d0c0b0a09080";
    const hostTags = { [`ssm:resourceTag/${managementHostTagKey}`]: cluster, [`aws:ResourceTag/${managementHostTagKey}`]: cluster };
    /** An administrator's request (IAM allows everything), under the guardrail as an SCP. */
    const may = (principal: string, action: string, resource: string, context: Record<string, string | string[]> = {}) =>
        allows([guardrail, everything], { action, resource, context: { "aws:PrincipalArn": principal, ...context } });

    test("sessions and commands on the host: the operator (provisioning command) and the runbooks' role, not an administrator", () => {
        for (const action of ["ssm:StartSession", "ssm:SendCommand"]) {
            assert.ok(may(operator, action, hostArn, hostTags), `${action} by the operator`);
            assert.ok(may(runbooks, action, hostArn, hostTags), `${action} by the runbooks`);
            assert.equal(may(admin, action, hostArn, hostTags), false, `${action} by an administrator`);
        }
        // Another instance, or another cluster's host, is not this guardrail's business.
        assert.ok(may(admin, "ssm:StartSession", otherArn));
        assert.ok(may(admin, "ssm:StartSession", otherArn, { [`ssm:resourceTag/${managementHostTagKey}`]: "another-cluster" }));
    });

    test("what the stopped host runs at its next start (user data), its tag, and the secret readers' roles are likewise closed", () => {
        assert.equal(may(admin, "ec2:ModifyInstanceAttribute", hostArn, hostTags), false);
        assert.ok(may(operator, "ec2:ModifyInstanceAttribute", hostArn, hostTags), "pulumi up changes the instance");
        for (const action of ["ec2:CreateTags", "ec2:DeleteTags"]) {
            assert.equal(may(admin, action, hostArn, { "aws:TagKeys": [managementHostTagKey] }), false, `${action} of the host tag`);
            assert.ok(may(admin, action, otherArn, { "aws:TagKeys": ["Name", "owner"] }), `${action} of other tags stays open`);
            assert.ok(may(operator, action, hostArn, { "aws:TagKeys": [managementHostTagKey] }), `${action} by pulumi up`);
        }
        for (const action of ["iam:PassRole", "iam:UpdateAssumeRolePolicy"]) {
            for (const reader of [hostRole, nodeRole]) assert.equal(may(admin, action, reader), false, `${action} on ${reader}`);
            assert.ok(may(operator, action, hostRole), `${action} by pulumi up`);
            assert.ok(may(admin, action, role("some-other-role")));
        }
    });

    test("it grants nothing: only Deny statements, each limited to the principals not allowed", () => {
        assert.ok(guardrail.Statement.every((s) => s.Effect === "Deny" && s.Principal === undefined));
        assert.ok(guardrail.Statement.every((s) => JSON.stringify(s.Condition?.ArnNotLike) === JSON.stringify({ "aws:PrincipalArn": [operator, runbooks] })));
        assert.equal(
            allows(guardrail, { action: "ssm:StartSession", resource: hostArn, context: { "aws:PrincipalArn": operator, ...hostTags } }),
            false,
            "no allow without IAM",
        );
    });

    test("a troubleshooter's policy: a shell on this stack's host through the default session document only, and starting the host", () => {
        const session = managementHostSessionPolicy({ partition: "aws", clusterName: cluster });
        const shell = (document: string, instance: string, tags: Record<string, string>) =>
            allowsAll(session, "ssm:StartSession", [
                { resource: instance, context: { ...tags, "ssm:SessionDocumentAccessCheck": "true" } },
                { resource: `arn:aws:ssm:us-west-2::document/${document}` },
            ]);
        assert.ok(shell(defaultSessionDocument, hostArn, hostTags));
        assert.equal(shell("AWS-StartPortForwardingSession", hostArn, hostTags), false, "no port forwarding to the domain controllers");
        assert.equal(shell(defaultSessionDocument, otherArn, {}), false);
        assert.equal(shell(defaultSessionDocument, hostArn, { [`ssm:resourceTag/${managementHostTagKey}`]: "another-cluster" }), false);
        assert.ok(allows(session, { action: "ec2:StartInstances", resource: hostArn, context: hostTags }));
        assert.equal(allows(session, { action: "ec2:StartInstances", resource: otherArn }), false);
        assert.equal(allows(session, { action: "ssm:SendCommand", resource: hostArn, context: hostTags }), false, "no commands, only an interactive shell");
    });
});
