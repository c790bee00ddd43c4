// The rotation function's rights, evaluated (test/support/iam.ts, kmsKeyPolicy.ts) rather than
// read: on the dev stack it can do each thing the four rotation steps need on this secret, key,
// document and host, and nothing beside them; the identity's key policy and resource policy let it
// read and write the secret; only EventBridge, for this rule, publishes to the failure topic.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { PolicyDocument } from "../components/iamPolicies";
import { rotationFunctionPolicy } from "../components/portableIdentityRotationPolicies";
import { inputs, one, runOk } from "./helpers";
import { allows, allowsAll } from "./support/iam";
import { keyAllows } from "./support/kmsKeyPolicy";

const dev = runOk({ stack: "dev" });
const policyOf = (type: string, name: string): PolicyDocument => JSON.parse(inputs(one(dev, type, name)).policy);
const rolePolicy = policyOf("aws:iam/rolePolicy:RolePolicy", "portable-identity-rotation-policy");
const keyPolicy = policyOf("aws:kms/keyPolicy:KeyPolicy", "portable-identity-key-policy");
const secretPolicy = policyOf("aws:secretsmanager/secretPolicy:SecretPolicy", "portable-identity-read-policy");

const functionEnv = inputs(one(dev, "aws:lambda/function:Function", "portable-identity-rotation")).environment.variables;
const secretArn: string = functionEnv.SECRET_ARN;
const hostId: string = functionEnv.HOST_INSTANCE_ID;
// The document's and key's ARNs as AWS reports them (the harness's mock), not as the policy names them.
const documentArn = `arn:aws:ssm:us-west-2:123456789012:document/${inputs(one(dev, "aws:ssm/document:Document", "ad-rotate-portable-identity")).name}`;
const keyArn: string = JSON.parse(inputs(one(dev, "aws:iam/rolePolicy:RolePolicy", "windows-nodes-read-portable-identity")).policy).Statement[1].Resource;
const hostArn = `arn:aws:ec2:us-west-2:123456789012:instance/${hostId}`;
const otherSecret = "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/eks-gmsa-dev/directory-admin-AbCdEf";
const throughSecretsManager = { "kms:ViaService": "secretsmanager.us-west-2.amazonaws.com", "kms:EncryptionContext:SecretARN": secretArn };

describe("the rotation function's role on the dev stack", () => {
    test("does every call of the four steps on this secret, key, document and host", () => {
        for (const action of [
            "secretsmanager:DescribeSecret",
            "secretsmanager:GetSecretValue",
            "secretsmanager:PutSecretValue",
            "secretsmanager:UpdateSecretVersionStage",
        ])
            assert.ok(allows(rolePolicy, { action, resource: secretArn }), action);
        // GetRandomPassword names no resource (Service Authorization Reference: no resource type).
        assert.ok(allows(rolePolicy, { action: "secretsmanager:GetRandomPassword", resource: "*" }));
        for (const action of ["kms:Decrypt", "kms:GenerateDataKey"])
            assert.ok(allows(rolePolicy, { action, resource: keyArn, context: throughSecretsManager }), action);
        assert.ok(allowsAll(rolePolicy, "ssm:SendCommand", [{ resource: documentArn }, { resource: hostArn }]));
        for (const action of ["ec2:StartInstances", "ec2:StopInstances"]) assert.ok(allows(rolePolicy, { action, resource: hostArn }), action);
        for (const action of [
            "ssm:GetCommandInvocation",
            "ssm:DescribeInstanceInformation",
            "ssm:ListCommands",
            "ssm:DescribeSessions",
            "ec2:DescribeInstances",
        ])
            assert.ok(allows(rolePolicy, { action, resource: "*" }), action);
        const logGroup = `arn:aws:logs:us-west-2:123456789012:log-group:/aws/lambda/${inputs(one(dev, "aws:lambda/function:Function")).name}`;
        assert.ok(allows(rolePolicy, { action: "logs:PutLogEvents", resource: `${logGroup}:log-stream:2026/12/02/abc` }));
    });

    test("reads or writes no other secret, and uses the key for this secret only, through Secrets Manager", () => {
        for (const action of ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"])
            assert.ok(!allows(rolePolicy, { action, resource: otherSecret }), action);
        // Nothing that changes the secret's rotation, policy or life.
        for (const action of ["secretsmanager:RotateSecret", "secretsmanager:PutResourcePolicy", "secretsmanager:DeleteSecret", "secretsmanager:UpdateSecret"])
            assert.ok(!allows(rolePolicy, { action, resource: secretArn }), action);
        assert.ok(
            !allows(rolePolicy, {
                action: "kms:Decrypt",
                resource: keyArn,
                context: { ...throughSecretsManager, "kms:EncryptionContext:SecretARN": otherSecret },
            }),
        );
        assert.ok(
            !allows(rolePolicy, { action: "kms:Decrypt", resource: keyArn, context: { "kms:EncryptionContext:SecretARN": secretArn } }),
            "directly, not through Secrets Manager",
        );
        assert.ok(!allows(rolePolicy, { action: "kms:Decrypt", resource: "arn:aws:kms:us-west-2:123456789012:key/another", context: throughSecretsManager }));
    });

    test("sends no other document, to no other instance, and starts or stops no other instance", () => {
        const provisionDocument = documentArn.replace("ad-rotate-portable-identity", "ad-provision-accounts");
        assert.ok(!allowsAll(rolePolicy, "ssm:SendCommand", [{ resource: provisionDocument }, { resource: hostArn }]), "the provisioning document");
        assert.ok(!allowsAll(rolePolicy, "ssm:SendCommand", [{ resource: "arn:aws:ssm:us-west-2::document/AWS-RunShellScript" }, { resource: hostArn }]));
        const node = "arn:aws:ec2:us-west-2:123456789012:instance/i-0123456789abcdef0";
        assert.ok(!allowsAll(rolePolicy, "ssm:SendCommand", [{ resource: documentArn }, { resource: node }]), "a Windows node");
        for (const action of ["ec2:StartInstances", "ec2:StopInstances", "ec2:TerminateInstances"])
            assert.ok(!allows(rolePolicy, { action, resource: node }), action);
        assert.ok(!allows(rolePolicy, { action: "ec2:TerminateInstances", resource: hostArn }));
        assert.ok(!allows(rolePolicy, { action: "ssm:StartSession", resource: hostArn }));
        assert.ok(
            !allows(rolePolicy, { action: "logs:PutLogEvents", resource: "arn:aws:logs:us-west-2:123456789012:log-group:/aws/lambda/other:log-stream:x" }),
        );
    });

    test("the identity's key policy and resource policy let it read and write the secret", () => {
        const named = keyPolicy.Statement.flatMap((s) => (s.Principal && s.Principal !== "*" && "AWS" in s.Principal ? [s.Principal.AWS].flat() : []));
        const rotationRole = named.find((p) => /portable-identity-rotation-role/.test(p));
        assert.ok(rotationRole, "the key policy names the rotation role");
        const context = { "kms:ViaService": "secretsmanager.us-west-2.amazonaws.com", "kms:CallerAccount": "123456789012" };
        for (const action of ["kms:Decrypt", "kms:GenerateDataKey"])
            assert.ok(keyAllows(keyPolicy, { principal: rotationRole, action, iam: [rolePolicy], context }), action);
        assert.ok(!keyAllows(keyPolicy, { principal: rotationRole, action: "kms:Decrypt", iam: [rolePolicy], context: {} }), "only through Secrets Manager");
        // The resource policy denies GetSecretValue to everyone it does not name.
        assert.ok(
            allows([rolePolicy, secretPolicy], { action: "secretsmanager:GetSecretValue", resource: secretArn, context: { "aws:PrincipalArn": rotationRole } }),
        );
        const stranger = "arn:aws:iam::123456789012:role/developers";
        assert.ok(
            !allows([rolePolicy, secretPolicy], { action: "secretsmanager:GetSecretValue", resource: secretArn, context: { "aws:PrincipalArn": stranger } }),
        );
    });
});

describe("the failure topic", () => {
    test("EventBridge may publish to it for the rotation-failure rule only", () => {
        const topic = inputs(one(dev, "aws:sns/topicPolicy:TopicPolicy"));
        const policy: PolicyDocument = JSON.parse(topic.policy);
        assert.deepEqual(
            policy.Statement.map((s) => s.Principal),
            [{ Service: "events.amazonaws.com" }],
        );
        const ruleArn = String((policy.Statement[0].Condition?.ArnEquals ?? {})["aws:SourceArn"]);
        assert.match(ruleArn, /portable-identity-rotation-failed/);
        assert.ok(allows(policy, { action: "sns:Publish", resource: topic.arn, context: { "aws:SourceArn": ruleArn } }));
        assert.ok(
            !allows(policy, { action: "sns:Publish", resource: topic.arn, context: { "aws:SourceArn": "arn:aws:events:us-west-2:123456789012:rule/another" } }),
        );
        assert.ok(!allows(policy, { action: "sns:Subscribe", resource: topic.arn, context: { "aws:SourceArn": ruleArn } }));
    });
});

describe("rotationFunctionPolicy on its own", () => {
    test("each host, document and secret it is given is the only one it names", () => {
        const a = {
            partition: "aws-us-gov",
            region: "us-gov-west-1",
            secretArn: "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:s-AbCdEf",
            keyArn: "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/k",
            documentArn: "arn:aws-us-gov:ssm:us-gov-west-1:123456789012:document/d",
            managementHostId: "i-0aaaaaaaaaaaaaaaa",
            logGroupArn: "arn:aws-us-gov:logs:us-gov-west-1:123456789012:log-group:/aws/lambda/f",
        };
        const p = rotationFunctionPolicy(a);
        const host = "arn:aws-us-gov:ec2:us-gov-west-1:123456789012:instance/i-0aaaaaaaaaaaaaaaa";
        assert.ok(allowsAll(p, "ssm:SendCommand", [{ resource: a.documentArn }, { resource: host }]));
        assert.ok(!allows(p, { action: "ec2:StopInstances", resource: host.replace("i-0a", "i-0b") }));
        assert.ok(
            allows(p, {
                action: "kms:GenerateDataKey",
                resource: a.keyArn,
                context: { "kms:ViaService": "secretsmanager.us-gov-west-1.amazonaws.com", "kms:EncryptionContext:SecretARN": a.secretArn },
            }),
        );
        assert.ok(
            !allows(p, {
                action: "kms:GenerateDataKey",
                resource: a.keyArn,
                context: { "kms:ViaService": "secretsmanager.us-west-2.amazonaws.com", "kms:EncryptionContext:SecretARN": a.secretArn },
            }),
        );
    });
});
