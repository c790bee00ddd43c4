// The AD side inside the VPC, as pure text: the Automation runbooks' step graph and the EventBridge
// wiring (the management host's documents are executed in test/ad-host-documents*.test.ts; what the
// runbooks trust, their Python and their IAM in test/ad-lifecycle-*.test.ts). The deployer-side
// script and the host's start/stop are in first-up-ad-host.test.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
    automationDefinitionArn,
    lifecycleEventPattern,
    nodeLaunchRunbook,
    nodeTerminationRunbook,
    startAutomationPolicy,
} from "../components/nodeLifecycleRunbooks";
import { checkFacts } from "../components/directoryProvisioning";
import { lifecycleHookNames, lifecycleHookSpecs } from "../components/nodeLifecycle";
import { parseSsmDocument, type SsmDocument, type SsmStep } from "./support/ssmDocument";

describe("domain facts from config", () => {
    test("facts from config must match what the directory reports", () => {
        const reported = {
            dnsName: "corp.example.com",
            forestName: "corp.example.com",
            netbiosName: "CORP",
            sid: "S-1-5-21-1-2-3",
            guid: "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51",
        };
        assert.doesNotThrow(() => checkFacts(reported, { ...reported, sid: "s-1-5-21-1-2-3" }));
        assert.throws(() => checkFacts(reported, { ...reported, sid: "S-1-5-21-9-9-9" }), /sid: config says S-1-5-21-9-9-9, the directory says S-1-5-21-1-2-3/);
    });
});

/** Every path through a runbook: step names resolve, and each path ends in CompleteLifecycleAction. */
function checkRunbook(doc: SsmDocument): Map<string, SsmStep> {
    assert.equal(doc.schemaVersion, "0.3");
    assert.equal(doc.assumeRole, "{{ AutomationAssumeRole }}");
    const steps = new Map(doc.mainSteps.map((s) => [s.name, s]));
    for (const [index, step] of doc.mainSteps.entries()) {
        for (const next of [step.nextStep, step.onFailure?.startsWith("step:") ? step.onFailure.slice(5) : undefined].filter(
            (n): n is string => n !== undefined,
        )) {
            assert.ok(steps.has(next), `${step.name} goes to unknown step ${next}`);
        }
        const falls = !step.isEnd && !step.nextStep ? doc.mainSteps[index + 1] : undefined;
        if (!step.isEnd && !step.nextStep) assert.ok(falls, `${step.name} falls off the end`);
        if (step.isEnd) assert.equal(step.inputs.Api, "CompleteLifecycleAction", `${step.name} ends without completing the lifecycle action`);
        // {{ step.Output }} references name earlier steps.
        for (const [, ref] of JSON.stringify(step.inputs).matchAll(/\{\{ (\w+)\.\w+ \}\}/g)) {
            assert.ok(
                doc.mainSteps.slice(0, index).some((s: SsmStep) => s.name === ref),
                `${step.name} reads ${ref} before it runs`,
            );
        }
    }
    for (const key of ["InstanceId", "AutomationAssumeRole"]) assert.ok(doc.parameters[key], key);
    return steps;
}

describe("lifecycle runbooks", () => {
    const target = {
        automationRoleArn: "arn:aws:iam::123456789012:role/automation",
        managementHostId: "i-0123456789abcdef0",
        runbookPrefix: "dev-windows-node-",
        groupName: "dev-windows-nodes",
    };
    const pin = (name: string) => ({ name, version: "3" });
    const launch = parseSsmDocument(
        nodeLaunchRunbook({
            ...target,
            hookName: "dev-windows-join-readers-group",
            domainName: "corp.example.com",
            documents: {
                waitForDomainJoin: pin("dev-node-wait-for-domain-join"),
                addToReadersGroup: pin("dev-ad-add-node-to-readers"),
                rebootOnce: pin("dev-node-reboot-once"),
            },
        }),
    );
    const termination = parseSsmDocument(
        nodeTerminationRunbook({
            ...target,
            hookName: "dev-windows-delete-computer-account",
            documents: { deleteComputerAccount: pin("dev-ad-delete-node-computer") },
        }),
    );

    test("launch: check the node, wait for the join, read the name, start the host, add to the group on it, release it, reboot once, continue", () => {
        const steps = checkRunbook(launch);
        assert.deepEqual(
            launch.mainSteps.map((s: SsmStep) => s.name),
            [
                "readNode",
                "waitForDomainJoin",
                "readComputerName",
                "waitWhileHostStops",
                "startManagementHost",
                "waitForManagementHost",
                "addToReadersGroup",
                "releaseHost",
                "rebootOnce",
                "continue",
                "releaseHostThenAbandon",
                "abandon",
            ],
        );
        assert.deepEqual(steps.get("addToReadersGroup")!.inputs.InstanceIds, ["i-0123456789abcdef0"]);
        assert.equal(steps.get("addToReadersGroup")!.inputs.DocumentName, "dev-ad-add-node-to-readers");
        assert.deepEqual(steps.get("rebootOnce")!.inputs.InstanceIds, ["{{ InstanceId }}"]);
        assert.equal(steps.get("rebootOnce")!.inputs.DocumentName, "dev-node-reboot-once");
        assert.equal(steps.get("continue")!.inputs.LifecycleActionResult, "CONTINUE");
        assert.equal(steps.get("abandon")!.inputs.LifecycleActionResult, "ABANDON");
    });

    test("launch: any failure abandons the node (the group replaces it) instead of serving broken gMSA pods", () => {
        // Before the host starts, a failure abandons at once; after, it releases the host on the way to
        // abandon; a failed release never fails the node.
        for (const step of launch.mainSteps.filter((s: SsmStep) => !s.isEnd)) {
            const expected =
                {
                    readNode: "step:abandon",
                    waitForDomainJoin: "step:abandon",
                    readComputerName: "step:abandon",
                    releaseHost: "step:rebootOnce",
                    rebootOnce: "step:abandon",
                    releaseHostThenAbandon: "step:abandon",
                }[step.name as string] ?? "step:releaseHostThenAbandon";
            assert.equal(step.onFailure, expected, step.name);
        }
    });

    test("termination: whatever fails, the lifecycle action is completed", () => {
        const steps = checkRunbook(termination);
        for (const step of termination.mainSteps.filter((s: SsmStep) => !s.isEnd)) {
            assert.ok(["step:continue", "step:releaseHost"].includes(step.onFailure ?? ""), step.name);
            assert.equal(step.isCritical, false, step.name);
        }
        assert.equal(steps.get("releaseHost")!.onFailure, "step:continue");
        assert.equal(steps.get("readNode")!.onFailure, "step:continue");
        assert.equal(steps.get("deleteComputerAccount")!.inputs.DocumentName, "dev-ad-delete-node-computer");
    });

    test("hooks: launch waits an hour and abandons, terminate waits 15 minutes and continues; rules match this group's hook", () => {
        const names = lifecycleHookNames("dev");
        assert.deepEqual(
            lifecycleHookSpecs("dev").map((h) => [h.name, h.lifecycleTransition, h.heartbeatTimeout, h.defaultResult]),
            [
                [names.launch, "autoscaling:EC2_INSTANCE_LAUNCHING", 3600, "ABANDON"],
                [names.terminate, "autoscaling:EC2_INSTANCE_TERMINATING", 900, "CONTINUE"],
            ],
        );
        assert.deepEqual(JSON.parse(lifecycleEventPattern("terminate", "dev-windows-nodes", names.terminate)), {
            source: ["aws.autoscaling"],
            "detail-type": ["EC2 Instance-terminate Lifecycle Action"],
            detail: { AutoScalingGroupName: ["dev-windows-nodes"], LifecycleHookName: [names.terminate] },
        });
    });

    test("IAM: EventBridge starts exactly the two runbooks, passing only the automation role to SSM", () => {
        assert.equal(
            automationDefinitionArn("arn:aws:ssm:us-west-2:123456789012:document/dev-windows-node-launch"),
            "arn:aws:ssm:us-west-2:123456789012:automation-definition/dev-windows-node-launch:$DEFAULT",
        );
        assert.throws(() => automationDefinitionArn("arn:aws:iam::123456789012:role/x"), /not an SSM document ARN/);
        const start = startAutomationPolicy(["arn:a:$DEFAULT"], "arn:aws:iam::123456789012:role/automation");
        assert.deepEqual(start.Statement[1].Condition, { StringEquals: { "iam:PassedToService": "ssm.amazonaws.com" } });
    });
});
