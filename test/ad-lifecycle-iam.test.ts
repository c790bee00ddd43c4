// Domain-joined mode: what the lifecycle roles are ALLOWED to do, evaluated (test/support/iam.ts)
// on the policies the program renders for examples/stacks/domain-joined.yaml. No role may send a
// free-form script (AWS-RunPowerShellScript, AWS-RunShellScript, any document not this stack's
// own) to a node or to the management host; node commands are confined by the
// aws:autoscaling:groupName tag, which EC2 Auto Scaling sets and no user may set or change;
// lifecycle actions by the group's ARN, not by a tag.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { PolicyDocument } from "../components/iamPolicies";
import { windowsGroupName } from "../components/nodeLifecycle";
import { inputs, one, ofType, runOk, type StackRun } from "./helpers";
import { allows, allowsAll } from "./support/iam";
import type { SsmStep } from "./support/ssmDocument";

const region = "us-west-2";
const account = "123456789012";
const cluster = "eks-gmsa-domain-joined";
const group = windowsGroupName(cluster);

function roleRun(): { run: StackRun; automation: PolicyDocument; events: PolicyDocument; documents: Record<string, string>; hostId: string } {
    const run = runOk({ stack: "domain-joined", configFile: "examples/stacks/domain-joined.yaml" });
    const policyOf = (name: string) => JSON.parse(inputs(one(run, "aws:iam/rolePolicy:RolePolicy", name)).policy);
    const documents = Object.fromEntries(
        ofType(run, "aws:ssm/document:Document").map((d) => [d.name, `arn:aws:ssm:${region}:${account}:document/${inputs(d).name}`]),
    );
    const hostId = String(
        JSON.parse(inputs(one(run, "aws:ssm/document:Document", "node-launch-runbook")).content).mainSteps.find(
            (s: SsmStep) => s.name === "startManagementHost",
        ).inputs.InstanceIds[0],
    );
    return { run, automation: policyOf("node-lifecycle-automation"), events: policyOf("node-lifecycle-start-runbooks"), documents, hostId };
}

const instance = (id: string, tags: Record<string, string> = {}) => ({
    resource: `arn:aws:ec2:${region}:${account}:instance/${id}`,
    context: Object.fromEntries(Object.entries(tags).map(([k, v]) => [`ssm:resourceTag/${k}`, v])),
});
/** AWS-owned documents have no account in their ARN. */
const awsDocument = (name: string) => ({ resource: `arn:aws:ssm:${region}::document/${name}` });
const groupArn = (name: string) =>
    `arn:aws:autoscaling:${region}:${account}:autoScalingGroup:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b:autoScalingGroupName/${name}`;

describe("the lifecycle automation role, evaluated", () => {
    const { automation, events, documents, hostId } = roleRun();
    const node = instance("i-0a1b2c3d4e5f60718", { "aws:autoscaling:groupName": group, [`kubernetes.io/cluster/${cluster}`]: "owned" });
    const host = instance(hostId);
    const sendCommand = (document: { resource: string }, target: { resource: string; context?: Record<string, string> }) =>
        allowsAll(automation, "ssm:SendCommand", [document, target]);
    const own = (name: string) => ({ resource: documents[name] });

    test("it runs this stack's node documents on this group's nodes, and its host documents on the management host", () => {
        assert.ok(sendCommand(own("node-wait-for-domain-join"), node));
        assert.ok(sendCommand(own("node-reboot-once"), node));
        assert.ok(sendCommand(own("ad-add-node-to-readers"), host));
        assert.ok(sendCommand(own("ad-delete-node-computer"), host));
    });

    test("it may not send a free-form script anywhere: AWS-RunPowerShellScript, AWS-RunShellScript or any other document", () => {
        for (const name of ["AWS-RunPowerShellScript", "AWS-RunShellScript", "AWS-RunRemoteScript", "AWS-RunDocument", "AWS-StartInteractiveCommand"]) {
            for (const target of [node, host]) assert.equal(sendCommand(awsDocument(name), target), false, `${name} on ${target.resource}`);
        }
        const foreign = { resource: `arn:aws:ssm:${region}:${account}:document/someone-elses-script` };
        assert.equal(sendCommand(foreign, host), false);
        // Nor may it run the provisioning document (that is the deployer's, with the whole payload).
        assert.equal(sendCommand(own("ad-provision-accounts"), host), false);
    });

    test("node commands reach an instance only by the group tag EC2 Auto Scaling sets, not by a tag anyone may set", () => {
        // The cluster's ownership tag, or the old domain-join tag, on an instance outside the group: refused.
        const impostor = instance("i-0fedcba9876543210", { [`kubernetes.io/cluster/${cluster}`]: "owned", "eks-gmsa:domain-join": cluster });
        assert.equal(sendCommand(own("node-reboot-once"), impostor), false);
        const otherGroup = instance("i-0123456789abcdef1", { "aws:autoscaling:groupName": `${group}-other` });
        assert.equal(sendCommand(own("node-reboot-once"), otherGroup), false);
    });

    test("it completes lifecycle actions of this one group, whatever tags another group carries", () => {
        assert.ok(allows(automation, { action: "autoscaling:CompleteLifecycleAction", resource: groupArn(group) }));
        const tagged = { [`autoscaling:ResourceTag/kubernetes.io/cluster/${cluster}`]: "owned" };
        assert.equal(allows(automation, { action: "autoscaling:CompleteLifecycleAction", resource: groupArn(`${group}-copy`), context: tagged }), false);
        assert.equal(allows(automation, { action: "autoscaling:CompleteLifecycleAction", resource: groupArn("eks-gmsa-dev-windows-nodes") }), false);
    });

    test("it starts and stops the management host only, and tags nothing", () => {
        for (const action of ["ec2:StartInstances", "ec2:StopInstances"]) {
            assert.ok(allows(automation, { action, resource: host.resource }));
            assert.equal(allows(automation, { action, resource: node.resource, context: node.context }), false, `${action} on a node`);
        }
        assert.equal(allows(automation, { action: "ec2:CreateTags", resource: node.resource, context: { "aws:TagKeys": ["eks-gmsa:computer-name"] } }), false);
    });

    test("EventBridge's role starts exactly the two lifecycle runbooks and passes only the automation role", () => {
        const definition = (name: string) => `${documents[name].replace(":document/", ":automation-definition/")}:$DEFAULT`;
        assert.ok(allows(events, { action: "ssm:StartAutomationExecution", resource: definition("node-launch-runbook") }));
        assert.ok(allows(events, { action: "ssm:StartAutomationExecution", resource: definition("node-termination-runbook") }));
        assert.equal(
            allows(events, { action: "ssm:StartAutomationExecution", resource: `arn:aws:ssm:${region}::automation-definition/AWS-RunShellScript:$DEFAULT` }),
            false,
        );
        assert.equal(allows(events, { action: "ssm:SendCommand", resource: host.resource }), false);
    });
});

describe("the evaluator itself", () => {
    // Guards the guard: the same checks on the statements the previous version rendered would have passed.
    const previous: PolicyDocument = {
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow" as const, Action: "ssm:SendCommand", Resource: [`arn:aws:ssm:${region}::document/AWS-RunPowerShellScript`] },
            {
                Effect: "Allow" as const,
                Action: "ssm:SendCommand",
                Resource: `arn:aws:ec2:${region}:*:instance/*`,
                Condition: { StringEquals: { [`ssm:resourceTag/kubernetes.io/cluster/${cluster}`]: "owned" } },
            },
            {
                Effect: "Allow" as const,
                Action: "autoscaling:CompleteLifecycleAction",
                Resource: "*",
                Condition: { StringEquals: { [`autoscaling:ResourceTag/kubernetes.io/cluster/${cluster}`]: "owned" } },
            },
        ],
    };

    test("finds what a tag-conditioned policy lets anyone with that tag reach", () => {
        const impostor = instance("i-0fedcba9876543210", { [`kubernetes.io/cluster/${cluster}`]: "owned" });
        assert.ok(allowsAll(previous, "ssm:SendCommand", [awsDocument("AWS-RunPowerShellScript"), impostor]));
        assert.ok(
            allows(previous, {
                action: "autoscaling:CompleteLifecycleAction",
                resource: groupArn("any"),
                context: { [`autoscaling:ResourceTag/kubernetes.io/cluster/${cluster}`]: "owned" },
            }),
        );
        assert.equal(allowsAll(previous, "ssm:SendCommand", [awsDocument("AWS-RunPowerShellScript"), instance("i-1")]), false, "an untagged instance");
    });

    test("an explicit Deny wins and an unknown operator is an error, not a guess", () => {
        const policy = {
            Version: "2012-10-17" as const,
            Statement: [
                { Effect: "Allow" as const, Action: "ec2:*", Resource: "*" },
                { Effect: "Deny" as const, Action: "ec2:StopInstances", Resource: "*" },
            ],
        };
        assert.ok(allows(policy, { action: "EC2:StartInstances", resource: "arn:aws:ec2:x" }));
        assert.equal(allows(policy, { action: "ec2:StopInstances", resource: "arn:aws:ec2:x" }), false);
        const odd = {
            Version: "2012-10-17" as const,
            Statement: [{ Effect: "Allow" as const, Action: "*", Resource: "*", Condition: { NumericLessThan: { "aws:x": "1" } } }],
        };
        assert.throws(
            () => allows(odd, { action: "s3:GetObject", resource: "*", context: { "aws:x": "0" } }),
            /unsupported condition operator NumericLessThan/,
        );
    });
});
