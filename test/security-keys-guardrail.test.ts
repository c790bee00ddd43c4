// The access guardrail (stack output accessGuardrail, also adManagementHostAccess.guardrail), as an
// SCP over the account, evaluated (test/support/iam.ts, kmsKeyPolicy.ts) rather than read:
// - the two-step ways round the key and secret policies (the account root administers every key,
//   so a holder of kms:* may put a key policy naming itself and then decrypt; a holder of
//   secretsmanager:* may drop a secret's resource policy) are open without it and closed with it;
// - every way to run code as the management host that the review found (passing or changing the
//   allowed roles, changing the stack's documents, EC2 Instance Connect, swapping the host's root
//   volume) is denied to an administrator holding `*`, while `pulumi up`, the provisioning
//   command and the lifecycle runbooks keep working;
// - each stack's guardrail fits one SCP.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { accessGuardrail, scpSize, scpSizeLimit, scpSizeWarning } from "../components/accessGuardrail";
import type { PolicyDocument } from "../components/iamPolicies";
import { managementHostTagKey } from "../components/managementHostAccess";
import { automationDefinitionArn } from "../components/nodeLifecycleRunbooks";
import { mockAccountId, offlineCaller } from "../tools/harness/mocks";
import { inputs, one, ofType, outputs, runOk, type StackRun } from "./helpers";
import { allows, allowsAll } from "./support/iam";
import { everyKmsAction, keyAllows, keyReachable } from "./support/kmsKeyPolicy";

const role = (name: string) => `arn:aws:iam::${mockAccountId}:role/${name}`;
const operator = offlineCaller.replace(/^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/.*$/, "arn:aws:iam::$1:role/$2");
const admin = role("account-admins");
const deployRole = role("eks-gmsa-deploy");
const everything: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
const everySecretsAction: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "secretsmanager:*", Resource: "*" }] };

const dev = runOk({ stack: "dev" });
const prod = runOk({ stack: "prod" });
const joined = runOk({ stack: "domain-joined", configFile: "examples/stacks/domain-joined.yaml" });

const guardrailOf = (run: StackRun): PolicyDocument => outputs(run).accessGuardrail;
const policyOf = (r: { inputs: Record<string, unknown> }) => JSON.parse(inputs(r as never).policy) as PolicyDocument;
const roleNamed = (run: StackRun, rolePolicyName: string) => role(inputs(one(run, "aws:iam/rolePolicy:RolePolicy", rolePolicyName)).role);

/** Each KMS key of the stack with its ARN (as the resources that use it name it) and its key policy. */
function keys(run: StackRun): { name: string; arn: string; policy: PolicyDocument }[] {
    const arnOf = (keyUrn: string): string => {
        const cluster = ofType(run, "eks:index:Cluster").find((c) => c.propertyDependencies.encryptionConfigKeyArn?.includes(keyUrn));
        if (cluster) return inputs(cluster).encryptionConfigKeyArn;
        const secret = ofType(run, "aws:secretsmanager/secret:Secret").find((s) => s.propertyDependencies.kmsKeyId?.includes(keyUrn));
        return inputs(secret!).kmsKeyId;
    };
    return ofType(run, "aws:kms/key:Key").map((key) => ({
        name: key.name,
        arn: arnOf(key.urn),
        policy: policyOf(ofType(run, "aws:kms/keyPolicy:KeyPolicy").find((p) => p.propertyDependencies.keyId?.includes(key.urn))!),
    }));
}

/** Each secret the stack owns: its ARN and resource policy. */
function secrets(run: StackRun): { arn: string; policy: PolicyDocument }[] {
    return ofType(run, "aws:secretsmanager/secretPolicy:SecretPolicy").map((p) => ({ arn: inputs(p).secretArn, policy: policyOf(p) }));
}

describe("the two-step ways round the key and secret policies, and the guardrail that closes them", () => {
    test("dev: without the guardrail an administrator holding kms:* decrypts with every key by first putting a key policy naming itself; under it, with none", () => {
        const found = keys(dev);
        assert.deepEqual(found.map((k) => k.name).sort(), ["directory-admin-key", "portable-identity-key", "secrets-key"]);
        for (const key of found) {
            const request = { principal: admin, action: "kms:Decrypt", iam: [everyKmsAction], key: key.arn };
            assert.equal(keyAllows(key.policy, request), false, `${key.name}: not directly`);
            assert.equal(keyReachable(key.policy, request), "after putting a key policy naming itself", key.name);
            assert.equal(keyReachable(key.policy, { ...request, scp: [guardrailOf(dev)] }), undefined, `${key.name} under the guardrail`);
            for (const action of ["kms:PutKeyPolicy", "kms:DisableKey", "kms:ScheduleKeyDeletion", "kms:CreateGrant", "kms:RevokeGrant"]) {
                assert.equal(keyAllows(key.policy, { ...request, action, scp: [guardrailOf(dev)] }), false, `${key.name} ${action} by an administrator`);
            }
            // `pulumi up` (the operator, an administrator of the account) still writes the key policy and can delete the key.
            for (const action of ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"]) {
                assert.ok(
                    keyAllows(key.policy, { principal: operator, action, iam: [everyKmsAction], key: key.arn, scp: [guardrailOf(dev)] }),
                    `${key.name} ${action} by the operator`,
                );
            }
        }
    });

    test("dev: an administrator holding secretsmanager:* cannot drop or replace a secret's resource policy (which denies it the value) under the guardrail; the operator can", () => {
        for (const secret of secrets(dev)) {
            const by = (principal: string, action: string, scp: PolicyDocument[]) =>
                allows([...scp, secret.policy, everySecretsAction], { action, resource: secret.arn, context: { "aws:PrincipalArn": principal } });
            assert.equal(by(admin, "secretsmanager:GetSecretValue", []), false, "the resource policy denies the value");
            for (const action of ["secretsmanager:DeleteResourcePolicy", "secretsmanager:PutResourcePolicy"]) {
                assert.ok(by(admin, action, []), `${action}: the way round, without the guardrail`);
                assert.equal(by(admin, action, [guardrailOf(dev)]), false, `${action} by an administrator under the guardrail`);
                assert.ok(by(operator, action, [guardrailOf(dev)]), `${action} by the operator`);
            }
        }
    });

    test("prod: the deploy role keeps kms:CreateGrant on the EKS secrets key (EKS's CreateCluster needs it), so it can grant itself decryption; an administrator cannot, nor put a key policy", () => {
        const g = guardrailOf(prod);
        const secretsKey = keys(prod).find((k) => k.name === "secrets-key")!;
        assert.ok(keyAllows(secretsKey.policy, { principal: deployRole, action: "kms:CreateGrant", key: secretsKey.arn, scp: [g] }));
        assert.equal(
            keyReachable(secretsKey.policy, { principal: deployRole, action: "kms:Decrypt", key: secretsKey.arn, scp: [g] }),
            "through a grant to itself",
        );
        for (const key of keys(prod)) {
            for (const action of ["kms:Decrypt", "kms:CreateGrant", "kms:PutKeyPolicy"]) {
                assert.equal(
                    keyReachable(key.policy, { principal: admin, action, iam: [everyKmsAction], key: key.arn, scp: [g] }),
                    undefined,
                    `${key.name} ${action}`,
                );
            }
        }
        // The deploy role may not rewrite a key policy, and nobody may change who may assume it.
        assert.equal(
            keyAllows(secretsKey.policy, { principal: deployRole, action: "kms:PutKeyPolicy", iam: [everyKmsAction], key: secretsKey.arn, scp: [g] }),
            false,
        );
        assert.equal(allows([g, everything], { action: "iam:UpdateAssumeRolePolicy", resource: deployRole, context: { "aws:PrincipalArn": admin } }), false);
    });
});

describe("who may run code as the management host (domain-joined: provisioning and lifecycle runbooks)", () => {
    const g = guardrailOf(joined);
    const runbooksRole = roleNamed(joined, "node-lifecycle-automation");
    const eventsRole = roleNamed(joined, "node-lifecycle-start-runbooks");
    const hostRole = roleNamed(joined, "ad-management-host-read-credentials");
    const hostArn = `arn:aws:ec2:us-west-2:${mockAccountId}:instance/${outputs(joined).adManagementHostId}`;
    const otherInstance = `arn:aws:ec2:us-west-2:${mockAccountId}:instance/i-0f0e0d0c0b0a09080`;
    const hostTags = {
        [`ssm:resourceTag/${managementHostTagKey}`]: "eks-gmsa-domain-joined",
        [`aws:ResourceTag/${managementHostTagKey}`]: "eks-gmsa-domain-joined",
    };
    const documentArn = (name: string) => `arn:aws:ssm:us-west-2:${mockAccountId}:document/${name}`;
    const documents = ofType(joined, "aws:ssm/document:Document").map((d) => documentArn(inputs(d).name));
    const endpoint = `arn:aws:ec2:us-west-2:${mockAccountId}:instance-connect-endpoint/eice-0123456789abcdef0`;
    /** The host's address as the guardrail names it (the instance's privateIp). */
    const hostIp = () =>
        (
            g.Statement.find((s) => s.Action === "ec2-instance-connect:OpenTunnel")!.Condition!.IpAddress["ec2-instance-connect:privateIpAddress"] as string
        ).replace(/\/32$/, "");
    const may = (
        principal: string,
        action: string,
        resource: string,
        context: Record<string, string | string[]> = {},
        policies: PolicyDocument[] = [everything],
    ) => allows([g, ...policies], { action, resource, context: { "aws:PrincipalArn": principal, ...context } });

    test("the stack has seven documents (provisioning, two host and two node documents, two runbooks), all in the guardrail", () => {
        assert.equal(documents.length, 7);
        const statement = g.Statement.find((s) => [s.Action].flat().includes("ssm:UpdateDocument"))!;
        for (const d of documents) assert.ok([statement.Resource].flat().includes(d), d);
    });

    test("an administrator holding `*` may not pass, re-trust or widen the runbooks' role, the EventBridge role, the host's role or the operator's", () => {
        for (const target of [runbooksRole, eventsRole, hostRole, operator]) {
            for (const action of ["iam:PassRole", "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy"]) {
                assert.equal(may(admin, action, target), false, `${action} on ${target}`);
            }
        }
        // Its own automation with the runbooks' role: StartAutomationExecution is allowed by `*`, the role is not passed.
        assert.ok(may(admin, "ssm:StartAutomationExecution", `arn:aws:ssm:us-west-2:${mockAccountId}:automation-definition/my-own-runbook:$DEFAULT`));
        assert.equal(may(admin, "iam:PassRole", runbooksRole, { "iam:PassedToService": "ssm.amazonaws.com" }), false);
        // Roles that are none of these stay the administrator's business; `pulumi up` still passes and changes the stack's roles.
        assert.ok(may(admin, "iam:PassRole", role("some-other-role")));
        for (const target of [hostRole, runbooksRole, eventsRole])
            for (const action of ["iam:PassRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy"])
                assert.ok(may(operator, action, target), `${action} ${target} by pulumi up`);
    });

    test("an administrator may not change, replace or delete any of the stack's documents; `pulumi up` may; other documents stay open", () => {
        for (const d of documents) {
            for (const action of ["ssm:UpdateDocument", "ssm:UpdateDocumentDefaultVersion", "ssm:DeleteDocument", "ssm:CreateDocument"]) {
                assert.equal(may(admin, action, d), false, `${action} ${d}`);
                assert.ok(may(operator, action, d), `${action} ${d} by pulumi up`);
            }
        }
        assert.ok(may(admin, "ssm:UpdateDocument", documentArn("someone-elses-document")));
    });

    test("an administrator may not log in with EC2 Instance Connect (pushed key, serial console, endpoint tunnel) or swap the stopped host's root volume", () => {
        for (const action of [
            "ec2-instance-connect:SendSSHPublicKey",
            "ec2-instance-connect:SendSerialConsoleSSHPublicKey",
            "ec2:AttachVolume",
            "ec2:CreateReplaceRootVolumeTask",
            "ec2:ModifyInstanceAttribute",
        ]) {
            assert.equal(may(admin, action, hostArn, hostTags), false, action);
            assert.ok(may(admin, action, otherInstance), `${action} on another instance`);
        }
        assert.equal(
            may(admin, "ec2-instance-connect:OpenTunnel", endpoint, {
                "ec2-instance-connect:privateIpAddress": hostIp(),
                "ec2-instance-connect:remotePort": "22",
            }),
            false,
        );
        assert.ok(
            may(admin, "ec2-instance-connect:OpenTunnel", endpoint, {
                "ec2-instance-connect:privateIpAddress": "10.99.0.10",
                "ec2-instance-connect:remotePort": "22",
            }),
            "a tunnel to another address",
        );
        // `pulumi up` still changes and tags the instance.
        for (const action of ["ec2:CreateTags", "ec2:ModifyInstanceAttribute"])
            assert.ok(may(operator, action, hostArn, { ...hostTags, "aws:TagKeys": [managementHostTagKey] }), action);
    });

    test("under the guardrail (which spares the EventBridge role), EventBridge still starts both runbooks, they still run the host and node documents, and `pulumi up` still sends the provisioning command", () => {
        const eventsPolicy = policyOf(one(joined, "aws:iam/rolePolicy:RolePolicy", "node-lifecycle-start-runbooks"));
        const automationPolicy = policyOf(one(joined, "aws:iam/rolePolicy:RolePolicy", "node-lifecycle-automation"));
        for (const runbook of ["eks-gmsa-domain-joined-windows-node-launch", "eks-gmsa-domain-joined-windows-node-termination"]) {
            assert.ok(may(eventsRole, "ssm:StartAutomationExecution", automationDefinitionArn(documentArn(runbook)), {}, [eventsPolicy]), runbook);
            assert.ok(
                may(eventsRole, "iam:PassRole", runbooksRole, { "iam:PassedToService": "ssm.amazonaws.com" }, [eventsPolicy]),
                `${runbook}: passes the runbooks' role`,
            );
        }
        const onHost = (name: string) =>
            allowsAll([g, automationPolicy], "ssm:SendCommand", [
                { resource: documentArn(name), context: { "aws:PrincipalArn": runbooksRole } },
                { resource: hostArn, context: { "aws:PrincipalArn": runbooksRole, ...hostTags } },
            ]);
        for (const name of ["eks-gmsa-domain-joined-ad-add-node-to-readers", "eks-gmsa-domain-joined-ad-delete-node-computer"]) assert.ok(onHost(name), name);
        const node = {
            resource: `arn:aws:ec2:us-west-2:${mockAccountId}:instance/i-0123456789abcdef0`,
            context: { "aws:PrincipalArn": runbooksRole, "ssm:resourceTag/aws:autoscaling:groupName": "eks-gmsa-domain-joined-windows-nodes" },
        };
        for (const name of ["eks-gmsa-domain-joined-node-wait-for-domain-join", "eks-gmsa-domain-joined-node-reboot-once"]) {
            assert.ok(
                allowsAll([g, automationPolicy], "ssm:SendCommand", [{ resource: documentArn(name), context: { "aws:PrincipalArn": runbooksRole } }, node]),
                name,
            );
        }
        for (const action of ["ec2:StartInstances", "ec2:StopInstances"]) assert.ok(may(runbooksRole, action, hostArn, hostTags, [automationPolicy]), action);
        // Without the EventBridge role among the allowed, the statement on the allowed roles would stop the runbooks.
        assert.ok([g.Statement.find((s) => [s.Action].flat().includes("iam:PassRole"))!.Condition!.ArnNotLike["aws:PrincipalArn"]].flat().includes(eventsRole));
        assert.ok(
            allowsAll([g, everything], "ssm:SendCommand", [
                { resource: documentArn("eks-gmsa-domain-joined-ad-provision-accounts"), context: { "aws:PrincipalArn": operator } },
                { resource: hostArn, context: { "aws:PrincipalArn": operator, ...hostTags } },
            ]),
            "the provisioning command",
        );
    });
});

describe("who may run code as the rotation function's role (domainless dev: it reads the identity and sends the host its rotation document)", () => {
    const g = guardrailOf(dev);
    const rotationRole = roleNamed(dev, "portable-identity-rotation-policy");
    const rotationPolicy = policyOf(one(dev, "aws:iam/rolePolicy:RolePolicy", "portable-identity-rotation-policy"));
    const functionArn: string = outputs(dev).portableIdentityRotation.functionArn;
    const hostArn = `arn:aws:ec2:us-west-2:${mockAccountId}:instance/${outputs(dev).adManagementHostId}`;
    const hostTags = { [`ssm:resourceTag/${managementHostTagKey}`]: "eks-gmsa-dev", [`aws:ResourceTag/${managementHostTagKey}`]: "eks-gmsa-dev" };
    const rotationDocumentArn = `arn:aws:ssm:us-west-2:${mockAccountId}:document/${inputs(one(dev, "aws:ssm/document:Document", "ad-rotate-portable-identity")).name}`;
    const may = (principal: string, action: string, resource: string, policies: PolicyDocument[] = [everything], context: Record<string, string> = {}) =>
        allows([g, ...policies], { action, resource, context: { "aws:PrincipalArn": principal, ...context } });

    test("an administrator holding `*` can neither change the function's code or configuration nor delete it; `pulumi up` can", () => {
        for (const action of ["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:DeleteFunction"]) {
            assert.equal(may(admin, action, functionArn), false, `${action} by an administrator`);
            assert.ok(may(operator, action, functionArn), `${action} by the operator`);
        }
        assert.equal(may(admin, "iam:PassRole", rotationRole), false, "nor hand its role to a function of their own");
        assert.equal(may(admin, "ssm:SendCommand", rotationDocumentArn), true, "the document alone is not the host: the host statement decides");
        assert.equal(
            allowsAll([g, everything], "ssm:SendCommand", [
                { resource: rotationDocumentArn, context: { "aws:PrincipalArn": admin } },
                { resource: hostArn, context: { "aws:PrincipalArn": admin, ...hostTags } },
            ]),
            false,
            "nor send the rotation document to the host",
        );
    });

    test("under the guardrail, the rotation function's role still sends its document to the host and starts and stops it", () => {
        assert.ok(
            allowsAll([g, rotationPolicy], "ssm:SendCommand", [
                { resource: rotationDocumentArn, context: { "aws:PrincipalArn": rotationRole } },
                { resource: hostArn, context: { "aws:PrincipalArn": rotationRole, ...hostTags } },
            ]),
        );
        for (const action of ["ec2:StartInstances", "ec2:StopInstances"]) assert.ok(may(rotationRole, action, hostArn, [rotationPolicy], hostTags), action);
    });
});

describe("the guardrail fits one service control policy", () => {
    test(`dev, prod and domain-joined each render one covering all their keys, in at most ${scpSizeLimit} characters (whitespace removed)`, () => {
        for (const [name, run] of [
            ["dev", dev],
            ["prod", prod],
            ["domain-joined", joined],
        ] as const) {
            const g = guardrailOf(run);
            const keyStatement = g.Statement.find((s) => [s.Action].flat().includes("kms:PutKeyPolicy"));
            for (const key of keys(run)) assert.ok([keyStatement?.Resource].flat().includes(key.arn), `${name}: ${key.name}`);
            assert.ok(scpSize(g) <= scpSizeLimit, `${name}: ${scpSize(g)} characters`);
            assert.equal(scpSizeWarning(g), undefined, name);
            assert.deepEqual(outputs(run).adManagementHostAccess?.guardrail ?? g, g, `${name}: adManagementHostAccess.guardrail is the same document`);
        }
    });

    test("domain-joined with two operators (the docs' example: the CI role and a break-glass role) still fits", () => {
        const run = runOk({
            stack: "domain-joined",
            configFile: "examples/stacks/domain-joined.yaml",
            overrides: { "eks-gmsa:access": { clusterAdmins: [role("platform-admins")], operators: [role("platform-ci"), role("break-glass")] } },
            aws: { caller: `arn:aws:sts::${mockAccountId}:assumed-role/platform-ci/deploy-1` },
        });
        assert.ok(scpSize(guardrailOf(run)) <= scpSizeLimit, `${scpSize(guardrailOf(run))} characters`);
    });

    test("a guardrail too big for one SCP is reported, with what to do", () => {
        const operators = Array.from({ length: 16 }, (_, i) => role(`platform-operator-${i}`));
        const args = {
            partition: "aws",
            clusterName: "c",
            clusterCallerArns: [],
            keyArns: ["arn:aws:kms:us-west-2:123456789012:key/k"],
            secretArns: [],
            secretReaderRoleArns: [],
            managementHost: { privateIp: "10.0.0.4", documentArns: [] },
        };
        assert.equal(scpSizeWarning(accessGuardrail({ ...args, allowedPrincipalArns: operators.slice(0, 2) })), undefined);
        const big = accessGuardrail({ ...args, allowedPrincipalArns: operators });
        assert.match(
            scpSizeWarning(big) ?? "",
            /^the access guardrail \(stack output accessGuardrail\) has \d+ characters, more than the 5120 .* two SCPs .*eks-gmsa:access\.operators$/,
        );
    });
});
