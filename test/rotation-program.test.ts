// The portable identity's rotation in the program, under the mock runtime. dev (domainless, a
// managed directory, schedule "off"): the function, its document, role, logs and failure topic
// exist and nothing schedules it; with a schedule of 30 days Secrets Manager's rotation is
// configured after the provisioning run and the policies that admit the function; prod (no
// management host) and the domain-joined example get nothing of it.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { documentPayload } from "../components/directoryDocuments";
import { projectName } from "../settings/validate";
import { toPlan } from "../tools/planFile";
import { architectureDot, architectureModel } from "../tools/review/architecture";
import { offlineSecretPlaceholder } from "../tools/harness/stackConfig";
import { inputs, ofType, one, outputs, runOk, type StackRun } from "./helpers";
import { dependsOn } from "./support/fixtures";

const rotationTypes = [
    "eks-gmsa:directory:PortableIdentityRotation",
    "aws:lambda/function:Function",
    "aws:lambda/permission:Permission",
    "aws:sns/topic:Topic",
    "aws:secretsmanager/secretRotation:SecretRotation",
];
const devGmsa = (rotation: Record<string, unknown>) => ({
    mode: "domainless",
    portableIdentity: { username: "gmsa-ccg-reader", rotation },
    accounts: [{ name: "webapp01", account: "WebApp01", allowed: [{ namespace: "web", serviceAccounts: ["webapp"], create: true }] }],
    sampleWorkload: { enabled: true },
});
const documentNamed = (run: StackRun, name: string) => documentPayload(inputs(one(run, "aws:ssm/document:Document", name)).content);
const secretVersion = (run: StackRun) => one(run, "aws:secretsmanager/secretVersion:SecretVersion", "portable-identity-value");

describe("dev: rotation set up, not scheduled", () => {
    const dev = runOk({ stack: "dev" });
    const fn = one(dev, "aws:lambda/function:Function", "portable-identity-rotation");
    const f = inputs(fn);
    const secretArn = outputs(dev).portableIdentityRotation ? f.environment.variables.SECRET_ARN : "";

    test("the component sits in ActiveDirectory and records its schedule, users, function and path", () => {
        const component = one(dev, "eks-gmsa:directory:PortableIdentityRotation");
        assert.equal(component.parent, one(dev, "eks-gmsa:directory:ActiveDirectory").urn);
        const facts = inputs(component);
        assert.equal(facts.schedule, "off");
        assert.deepEqual(facts.users, ["gmsa-ccg-reader", "gmsa-ccg-reader-b"]);
        assert.equal(facts.functionName, f.name);
        assert.match(facts.path, /Lambda \(outside the VPC\) -> SSM Run Command -> management host -> domain controllers/);
        assert.match(facts.codeSha256, /^[0-9a-f]{64}$/);
    });

    test("a Python 3.12 function outside the VPC, 15 minutes, named for its secret, host and document", () => {
        assert.equal(f.runtime, "python3.12");
        assert.equal(f.handler, "portable_identity_rotation.handler");
        assert.equal(f.timeout, 900);
        assert.equal(f.vpcConfig, undefined, "it reaches the DCs only through the management host");
        assert.equal(f.code, "[asset]");
        const env = f.environment.variables;
        // WRITTEN_VERSION_ID (the version `pulumi up` wrote, which the function keeps labelled) is the
        // SecretVersion's versionId: AWS assigns it, so the offline plan has no value, only the dependency.
        assert.deepEqual(Object.keys(env).sort(), ["DOCUMENT_NAME", "DOCUMENT_VERSION", "HOST_INSTANCE_ID", "IDENTITY_USERS", "SECRET_ARN"]);
        assert.ok(fn.propertyDependencies.environment.includes(secretVersion(dev).urn));
        assert.equal(env.IDENTITY_USERS, "gmsa-ccg-reader,gmsa-ccg-reader-b");
        assert.equal(env.HOST_INSTANCE_ID, outputs(dev).adManagementHostId);
        assert.equal(env.DOCUMENT_NAME, inputs(one(dev, "aws:ssm/document:Document", "ad-rotate-portable-identity")).name);
        assert.match(env.SECRET_ARN, /:secret:eks-gmsa\/eks-gmsa-dev\/portable-identity-/);
        assert.match(f.role, /:role\/portable-identity-rotation-role-/);
    });

    test("its logs: /aws/lambda/<function>, kept as long as the cluster's, made before the function", () => {
        const logs = one(dev, "aws:cloudwatch/logGroup:LogGroup", "portable-identity-rotation-logs");
        assert.equal(inputs(logs).name, `/aws/lambda/${f.name}`);
        assert.equal(inputs(logs).retentionInDays, 30, "Pulumi.dev.yaml cluster.logRetentionDays");
        assert.ok(dependsOn(dev, fn.urn, logs.urn));
    });

    test("the rotation document: the fixed rotate payload with both users, and the step and version as checked parameters", () => {
        const doc = inputs(one(dev, "aws:ssm/document:Document", "ad-rotate-portable-identity"));
        const payload = documentPayload(doc.content);
        assert.equal(payload.operation, "rotate");
        assert.deepEqual(payload.identity, { username: "gmsa-ccg-reader", secretArn, alternateUsername: "gmsa-ccg-reader-b" });
        assert.deepEqual(payload.accounts, ["WebApp01"]);
        assert.equal(payload.readersGroup, "eks-gmsa-readers");
        const parameters = JSON.parse(doc.content).parameters;
        assert.deepEqual(Object.keys(parameters), ["Step", "VersionId"]);
        assert.deepEqual(parameters.Step.allowedValues, ["set", "test"]);
        assert.equal(parameters.VersionId.interpolationType, "ENV_VAR");
    });

    test("provisioning makes both users: the provision payload names the alternate", () => {
        assert.deepEqual(documentNamed(dev, "ad-provision-accounts").identity, {
            username: "gmsa-ccg-reader",
            secretArn,
            alternateUsername: "gmsa-ccg-reader-b",
        });
    });

    test("Secrets Manager may invoke it for this secret in this account only", () => {
        const p = inputs(one(dev, "aws:lambda/permission:Permission"));
        assert.equal(p.principal, "secretsmanager.amazonaws.com");
        assert.equal(p.action, "lambda:InvokeFunction");
        assert.equal(p.function, f.name);
        assert.equal(p.sourceArn, secretArn);
        assert.equal(p.sourceAccount, "123456789012");
    });

    test("a failed or abandoned rotation of this secret goes to the failure topic", () => {
        const pattern = JSON.parse(inputs(one(dev, "aws:cloudwatch/eventRule:EventRule", "portable-identity-rotation-failed")).eventPattern);
        assert.deepEqual(pattern.detail.eventName, ["RotationFailed", "RotationAbandoned"]);
        assert.deepEqual(pattern.detail.additionalEventData.SecretId, [secretArn]);
        const topicArn = outputs(dev).portableIdentityRotation.failureTopicArn;
        assert.equal(inputs(one(dev, "aws:cloudwatch/eventTarget:EventTarget", "portable-identity-rotation-failed")).arn, topicArn);
    });

    test("off: nothing schedules it, and `pulumi up` no longer writes the secret's value", () => {
        assert.equal(ofType(dev, "aws:secretsmanager/secretRotation:SecretRotation").length, 0);
        assert.deepEqual(secretVersion(dev).options.ignoreChanges, ["secretString"]);
        assert.equal(inputs(secretVersion(dev)).secretString, "[secret]");
    });

    test("stack outputs: the secret, the function, its schedule and the failure topic; no password anywhere", () => {
        const o = outputs(dev).portableIdentityRotation;
        assert.deepEqual(Object.keys(o).sort(), ["failureTopicArn", "functionArn", "functionName", "schedule", "secretArn"]);
        assert.equal(o.secretArn, inputs(secretVersion(dev)).secretId, "the secret the rotation commands name is the identity's");
        assert.equal(o.functionName, f.name);
        assert.equal(o.schedule, "off");
        const text = JSON.stringify(dev.resources.map((r) => inputs(r))) + JSON.stringify(outputs(dev));
        assert.ok(!text.includes(offlineSecretPlaceholder));
    });
});

describe("a 30-day schedule", () => {
    const run = runOk({ stack: "dev", overrides: { "eks-gmsa:gmsa": devGmsa({ schedule: 30 }) } });
    const rotation = one(run, "aws:secretsmanager/secretRotation:SecretRotation");

    test("Secrets Manager rotates every 30 days with the function; not during `pulumi up`", () => {
        const r = inputs(rotation);
        assert.deepEqual(r.rotationRules, { automaticallyAfterDays: 30 });
        assert.equal(r.rotateImmediately, false);
        assert.equal(r.rotationLambdaArn, outputs(run).portableIdentityRotation.functionArn);
        assert.equal(rotation.parent, one(run, "eks-gmsa:gmsa:DomainlessIdentity").urn);
    });

    test("configured after both users exist (the provisioning run), the first value, the policies that admit the function, and its invoke permission", () => {
        for (const [type, name] of [
            ["command:local:Command", "ad-provision-accounts-run"],
            ["aws:secretsmanager/secretVersion:SecretVersion", "portable-identity-value"],
            ["aws:kms/keyPolicy:KeyPolicy", "portable-identity-key-policy"],
            ["aws:secretsmanager/secretPolicy:SecretPolicy", "portable-identity-read-policy"],
            ["aws:lambda/permission:Permission", "portable-identity-rotation-invoke"],
        ])
            assert.ok(dependsOn(run, rotation.urn, one(run, type, name).urn, { throughChildren: true }), `${type} ${name}`);
    });
});

describe("stacks where no rotation can run", () => {
    test("prod (an existing directory, no management host): nothing of rotation; the secret's value stays the config's", () => {
        const prod = runOk({ stack: "prod" });
        for (const type of rotationTypes) assert.equal(ofType(prod, type).length, 0, type);
        assert.equal(secretVersion(prod).options.ignoreChanges, undefined);
        assert.equal(outputs(prod).portableIdentityRotation, undefined);
    });

    test("the domain-joined example: no portable identity, no rotation", () => {
        const joined = runOk({ stack: "domain-joined", configFile: "examples/stacks/domain-joined.yaml" });
        for (const type of rotationTypes) assert.equal(ofType(joined, type).length, 0, type);
        assert.equal(documentNamed(joined, "ad-provision-accounts").identity, undefined);
    });
});

describe("the review picture", () => {
    test("dev: the function outside the VPC, off, its two users, document and topic; secret -> function -> host -> DCs", () => {
        const plan = toPlan(projectName, runOk({ stack: "dev" }));
        const rotation = architectureModel(plan).activeDirectory.rotation;
        assert.deepEqual(rotation, {
            function: "eks-gmsa-dev-identity-rotation",
            runtime: "python3.12",
            schedule: "off",
            users: ["gmsa-ccg-reader", "gmsa-ccg-reader-b"],
            document: "eks-gmsa-dev-ad-rotate-portable-identity",
            failureTopic: "eks-gmsa-dev-identity-rotation-failed",
        });
        const dot = architectureDot(architectureModel(plan));
        const edge = (from: string, to: string) => new RegExp(`"${from}" -> "${to}" \\[[^\\]]*label="([^"]*)"`).exec(dot)?.[1];
        assert.equal(edge("aws:portable-identity", "aws:portable-identity-rotation"), "rotates (by hand)");
        assert.match(edge("aws:portable-identity-rotation", "ad:management-host") ?? "", /SSM Run Command/);
        assert.match(edge("ad:management-host", "ad:domain-controllers") ?? "", /rotation: new password, chain check/);
        // Drawn in the account, outside the VPC's cluster.
        const vpcStart = dot.indexOf('subgraph "cluster_vpc"');
        assert.ok(vpcStart > 0);
        const vpc = dot.slice(vpcStart);
        const node = /^\s*"aws:portable-identity-rotation" \[label/m;
        assert.match(dot.slice(0, vpcStart), node, "drawn in the account");
        assert.doesNotMatch(vpc, node, "not inside the VPC");
    });

    test("a 30-day schedule is read from the secret's rotation; prod shows no rotation", () => {
        const scheduled = toPlan(projectName, runOk({ stack: "dev", overrides: { "eks-gmsa:gmsa": devGmsa({ schedule: 30 }) } }));
        assert.equal(architectureModel(scheduled).activeDirectory.rotation?.schedule, 30);
        assert.match(architectureDot(architectureModel(scheduled)), /every 30 days/);
        assert.equal(architectureModel(toPlan(projectName, runOk({ stack: "prod" }))).activeDirectory.rotation, undefined);
    });
});
