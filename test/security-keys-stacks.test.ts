// Issue 13, item 6, in the programs: the dev, prod and domain-joined stacks under the mock
// runtime. Every KMS key the stack creates has an explicit key policy (the default one lets any
// IAM policy of the account use the key); every secret the stack owns has a resource policy that
// names exactly its readers; the management host carries the tag the access guardrail targets,
// and the guardrail the stack renders keeps its own provisioning and lifecycle runbooks working.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { managementHostTagKey } from "../components/managementHostAccess";
import { onlyTheseMayReadPolicy, secretKeyPolicy } from "../components/secretAccess";
import { clusterSecretsKeyPolicy } from "../components/clusterSecretsKey";
import type { PolicyDocument } from "../components/iamPolicies";
import { mockAccountId, offlineCaller } from "../tools/harness/mocks";
import { inputs, one, ofType, outputs, runOk, type RegisteredResource, type StackRun } from "./helpers";
import { allows, allowsAll } from "./support/iam";
import { everyKmsAction, keyAllows } from "./support/kmsKeyPolicy";

const role = (name: string) => `arn:aws:iam::${mockAccountId}:role/${name}`;
/** The role behind the offline plan's caller (an assumed-role session): who runs `pulumi up`. */
const operator = offlineCaller.replace(/^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/.*$/, "arn:aws:iam::$1:role/$2");
const deployRole = role("eks-gmsa-deploy");

const dev = runOk({ stack: "dev" });
const prod = runOk({ stack: "prod" });
const joined = runOk({ stack: "domain-joined", configFile: "examples/stacks/domain-joined.yaml" });
const stacks: [string, StackRun][] = [
    ["dev", dev],
    ["prod", prod],
    ["domain-joined", joined],
];

/** Role ARNs as the plan knows them: from the resources that name each role. */
function roles(run: StackRun) {
    const named = (type: string, name: string, key: string) =>
        ofType(run, type)
            .filter((r) => r.name === name)
            .map((r) => role(inputs(r)[key]))[0];
    return {
        cluster: named("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "cluster-role-AmazonEKSClusterPolicy", "role"),
        windowsNodes: inputs(one(run, "aws:eks/accessEntry:AccessEntry", "windows-node-access")).principalArn as string,
        host: named("aws:iam/rolePolicy:RolePolicy", "ad-management-host-read-credentials", "role"),
        runbooks: named("aws:iam/rolePolicy:RolePolicy", "node-lifecycle-automation", "role"),
        rotation: named("aws:iam/rolePolicy:RolePolicy", "portable-identity-rotation-policy", "role"),
    };
}

const policyOf = (r: RegisteredResource) => JSON.parse(inputs(r).policy);

/** The key policy on this key: exactly one, and it takes the key's ID from that key. */
function keyPolicyOf(run: StackRun, keyName: string) {
    const key = one(run, "aws:kms/key:Key", keyName);
    const policies = ofType(run, "aws:kms/keyPolicy:KeyPolicy").filter((p) => (p.propertyDependencies.keyId ?? []).includes(key.urn));
    assert.equal(policies.length, 1, `${keyName}: ${policies.length} key policies`);
    return policies[0];
}

/** The resource policy on this secret: exactly one, on that secret's ARN, with Block Public Policy. */
function secretPolicyOf(run: StackRun, secretName: string) {
    const secret = one(run, "aws:secretsmanager/secret:Secret", secretName);
    const policies = ofType(run, "aws:secretsmanager/secretPolicy:SecretPolicy").filter((p) => (p.propertyDependencies.secretArn ?? []).includes(secret.urn));
    assert.equal(policies.length, 1, `${secretName}: ${policies.length} resource policies`);
    assert.equal(inputs(policies[0]).blockPublicPolicy, true);
    return policies[0];
}

describe("every KMS key the stack creates has an explicit key policy", () => {
    for (const [name, run] of stacks) {
        test(`${name}: each key (${ofType(run, "aws:kms/key:Key")
            .map((k) => k.name)
            .join(", ")}) has exactly one key policy, and no key policy is left over`, () => {
            const keys = ofType(run, "aws:kms/key:Key");
            assert.ok(keys.some((k) => k.name === "secrets-key"));
            for (const key of keys) keyPolicyOf(run, key.name);
            assert.equal(ofType(run, "aws:kms/keyPolicy:KeyPolicy").length, keys.length);
        });
    }

    test("the EKS secrets key: the cluster role, and whoever calls EKS (dev: the operator; prod and domain-joined: the deploy role)", () => {
        for (const [run, caller] of [
            [dev, operator],
            [prod, deployRole],
            [joined, deployRole],
        ] as const) {
            assert.deepEqual(
                policyOf(keyPolicyOf(run, "secrets-key")),
                clusterSecretsKeyPolicy({ partition: "aws", accountId: mockAccountId, clusterRoleArn: roles(run).cluster, clusterCallerArns: [caller] }),
            );
        }
    });

    test("a first `pulumi up` by another principal names that principal on the secrets key", () => {
        const byCi = runOk({ stack: "dev", aws: { caller: `arn:aws:sts::${mockAccountId}:assumed-role/platform-ci/run-42` } });
        const callers = policyOf(keyPolicyOf(byCi, "secrets-key")).Statement.find((s: { Sid?: string }) => s.Sid === "ClusterCallerLetsEksUseTheKey").Principal
            .AWS;
        assert.deepEqual(callers, [role("platform-ci")]);
    });

    test("the EKS cluster is created after its key's policy (EKS creates its grant and checks the role against it)", () => {
        for (const [, run] of stacks) {
            assert.ok(one(run, "eks:index:Cluster").dependencies.includes(keyPolicyOf(run, "secrets-key").urn));
        }
    });
});

describe("every secret the stack owns has a resource policy naming exactly its readers", () => {
    test("dev: the portable identity is read by the Windows node role, the provisioning host's role, the rotation function's role and the operator, and written by the last two; the Admin secret by the host's role and the operator", () => {
        const r = roles(dev);
        assert.deepEqual(
            ofType(dev, "aws:secretsmanager/secret:Secret")
                .map((s) => s.name)
                .sort(),
            ["directory-admin", "portable-identity"],
        );
        assert.ok(r.rotation, "dev rotates the portable identity");
        const identityReaders = [r.windowsNodes, r.host, r.rotation, operator];
        assert.deepEqual(policyOf(secretPolicyOf(dev, "portable-identity")), onlyTheseMayReadPolicy(identityReaders));
        assert.deepEqual(
            policyOf(keyPolicyOf(dev, "portable-identity-key")),
            secretKeyPolicy({
                partition: "aws",
                region: "us-west-2",
                accountId: mockAccountId,
                readerArns: identityReaders,
                writerArns: [r.rotation, operator],
            }),
        );
        assert.deepEqual(policyOf(secretPolicyOf(dev, "directory-admin")), onlyTheseMayReadPolicy([r.host, operator]));
    });

    test("prod (no management host): the portable identity is read by the Windows node role and the operator only", () => {
        const r = roles(prod);
        assert.equal(r.host, undefined);
        assert.deepEqual(
            ofType(prod, "aws:secretsmanager/secret:Secret").map((s) => s.name),
            ["portable-identity"],
        );
        assert.deepEqual(policyOf(secretPolicyOf(prod, "portable-identity")), onlyTheseMayReadPolicy([r.windowsNodes, operator]));
        const key = policyOf(keyPolicyOf(prod, "portable-identity-key"));
        assert.deepEqual(key.Statement.find((s: { Sid?: string }) => s.Sid === "DecryptThroughSecretsManager").Principal.AWS, [r.windowsNodes, operator]);
        assert.deepEqual(key.Statement.find((s: { Sid?: string }) => s.Sid === "EncryptNewValuesThroughSecretsManager").Principal.AWS, [operator]);
    });

    test("dev, as evaluated: the readers decrypt only through Secrets Manager; an administrator holding kms:* and secretsmanager:* reads neither the key nor the value, nor does the Linux node role", () => {
        const r = roles(dev);
        const key = policyOf(keyPolicyOf(dev, "portable-identity-key"));
        const secret = policyOf(secretPolicyOf(dev, "portable-identity"));
        const viaSecretsManager = { "kms:ViaService": "secretsmanager.us-west-2.amazonaws.com", "kms:CallerAccount": mockAccountId };
        const everySecretsAction = { Version: "2012-10-17" as const, Statement: [{ Effect: "Allow" as const, Action: "secretsmanager:*", Resource: "*" }] };
        const readValue = (principal: string) =>
            allows([secret, everySecretsAction], {
                action: "secretsmanager:GetSecretValue",
                resource: inputs(secretPolicyOf(dev, "portable-identity")).secretArn,
                context: { "aws:PrincipalArn": principal },
            });
        for (const reader of [r.windowsNodes, r.host, operator]) {
            assert.ok(keyAllows(key, { principal: reader, action: "kms:Decrypt", context: viaSecretsManager }), reader);
            assert.equal(keyAllows(key, { principal: reader, action: "kms:Decrypt" }), false, `${reader} outside Secrets Manager`);
            assert.ok(readValue(reader), reader);
        }
        const admin = role("account-admins");
        assert.equal(keyAllows(key, { principal: admin, action: "kms:Decrypt", iam: [everyKmsAction], context: viaSecretsManager }), false);
        assert.ok(keyAllows(key, { principal: admin, action: "kms:PutKeyPolicy", iam: [everyKmsAction] }), "the account still administers the key");
        for (const other of [admin, inputs(one(dev, "aws:eks/nodeGroup:NodeGroup")).nodeRoleArn, `arn:aws:iam::${mockAccountId}:root`])
            assert.equal(readValue(other), false, other);
    });

    test("the portable identity's value is written after both policies, and the sample gMSA workload waits for them", () => {
        const identityPolicies = [keyPolicyOf(dev, "portable-identity-key").urn, secretPolicyOf(dev, "portable-identity").urn];
        const value = one(dev, "aws:secretsmanager/secretVersion:SecretVersion", "portable-identity-value");
        for (const urn of identityPolicies) assert.ok(value.dependencies.includes(urn), urn);
        for (const workload of [...ofType(dev, "kubernetes:apps/v1:Deployment"), ...ofType(dev, "kubernetes:batch/v1:Job")]) {
            for (const urn of identityPolicies) assert.ok(workload.dependencies.includes(urn), `${workload.name} waits for ${urn}`);
        }
    });
});

describe("the management host: its tag, and the guardrail the stack renders for it", () => {
    const hostArn = (run: StackRun) => `arn:aws:ec2:us-west-2:${mockAccountId}:instance/${outputs(run).adManagementHostId}`;

    test("the host carries eks-gmsa:management-host = the cluster's name (dev and domain-joined); prod has no host and no guardrail", () => {
        assert.equal(inputs(one(dev, "aws:ec2/instance:Instance")).tags[managementHostTagKey], "eks-gmsa-dev");
        assert.equal(inputs(one(joined, "aws:ec2/instance:Instance")).tags[managementHostTagKey], "eks-gmsa-domain-joined");
        assert.equal(outputs(dev).adManagementHostAccess.tag[managementHostTagKey], "eks-gmsa-dev");
        assert.equal(outputs(prod).adManagementHostAccess, undefined);
    });

    test("dev: the guardrail closes the host's, the Windows nodes' and the rotation function's roles (all read the portable identity), and spares only the operator and the rotation function's role (it sends the host its document)", () => {
        const g: PolicyDocument = outputs(dev).adManagementHostAccess.guardrail;
        const r = roles(dev);
        const passRole = g.Statement.find((s) => s.Action.includes("iam:PassRole"));
        for (const reader of [r.host, r.windowsNodes, r.rotation]) assert.ok(reader && passRole?.Resource?.includes(reader), reader);
        for (const s of g.Statement) assert.deepEqual(s.Condition?.ArnNotLike?.["aws:PrincipalArn"], [operator, r.rotation], s.Sid);
    });

    test("domain-joined: the rendered guardrail keeps the provisioning command and the lifecycle runbooks working, and stops an administrator", () => {
        const g = outputs(joined).adManagementHostAccess.guardrail;
        const r = roles(joined);
        const automation = policyOf(one(joined, "aws:iam/rolePolicy:RolePolicy", "node-lifecycle-automation"));
        const everything = { Version: "2012-10-17" as const, Statement: [{ Effect: "Allow" as const, Action: "*", Resource: "*" }] };
        const document = (name: string) => ({ resource: `arn:aws:ssm:us-west-2:${mockAccountId}:document/${name}` });
        const host = (principal: string) => ({
            resource: hostArn(joined),
            context: { "aws:PrincipalArn": principal, [`ssm:resourceTag/${managementHostTagKey}`]: "eks-gmsa-domain-joined" },
        });
        const withDocument = (d: { resource: string }, principal: string) => ({ ...d, context: { "aws:PrincipalArn": principal } });
        // The runbooks' role: its own IAM policy under the guardrail.
        for (const name of ["eks-gmsa-domain-joined-ad-add-node-to-readers", "eks-gmsa-domain-joined-ad-delete-node-computer"]) {
            assert.ok(allowsAll([g, automation], "ssm:SendCommand", [withDocument(document(name), r.runbooks), host(r.runbooks)]), name);
        }
        // The provisioning command, sent by whoever runs `pulumi up` (an administrator of the account).
        assert.ok(
            allowsAll([g, everything], "ssm:SendCommand", [withDocument(document("eks-gmsa-domain-joined-ad-provision-accounts"), operator), host(operator)]),
        );
        // Anyone else, even holding `*`: no command, no session.
        const someone = role("account-admins");
        assert.equal(allowsAll([g, everything], "ssm:SendCommand", [withDocument(document("AWS-RunShellScript"), someone), host(someone)]), false);
        assert.equal(allows([g, everything], { action: "ssm:StartSession", ...host(someone) }), false);
    });
});
