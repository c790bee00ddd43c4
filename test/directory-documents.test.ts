// The AD side inside the VPC, as pure text: Automation runbooks and the EventBridge wiring (the
// management host's documents are executed in test/ad-host-documents.test.ts). The runbooks'
// Python step is executed here (python3 comes with Samba, which the test command installs). The
// deployer-side script and the host's start/stop are in first-up-ad-host.test.ts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import {
    automationDefinitionArn, computerNameTag, lifecycleEventInput, lifecycleEventPattern, nodeLaunchRunbook, nodeLifecycleAutomationPolicy,
    nodeTerminationRunbook, startAutomationPolicy,
} from "../components/nodeLifecycleRunbooks";
import { checkFacts } from "../components/directoryProvisioning";
import { lifecycleHookNames, lifecycleHookSpecs } from "../components/nodeLifecycle";

describe("domain facts from config", () => {
    test("facts from config must match what the directory reports", () => {
        const reported = { dnsName: "corp.example.com", forestName: "corp.example.com", netbiosName: "CORP", sid: "S-1-5-21-1-2-3", guid: "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51" };
        assert.doesNotThrow(() => checkFacts(reported, { ...reported, sid: "s-1-5-21-1-2-3" }));
        assert.throws(() => checkFacts(reported, { ...reported, sid: "S-1-5-21-9-9-9" }), /sid: config says S-1-5-21-9-9-9, the directory says S-1-5-21-1-2-3/);
    });
});

/** Every path through a runbook: step names resolve, and each path ends in CompleteLifecycleAction. */
function checkRunbook(doc: any): Map<string, any> {
    assert.equal(doc.schemaVersion, "0.3");
    assert.equal(doc.assumeRole, "{{ AutomationAssumeRole }}");
    const steps = new Map<string, any>(doc.mainSteps.map((s: any) => [s.name, s]));
    for (const [index, step] of doc.mainSteps.entries()) {
        for (const next of [step.nextStep, step.onFailure?.startsWith("step:") ? step.onFailure.slice(5) : undefined].filter(Boolean)) {
            assert.ok(steps.has(next), `${step.name} goes to unknown step ${next}`);
        }
        const falls = !step.isEnd && !step.nextStep ? doc.mainSteps[index + 1] : undefined;
        if (!step.isEnd && !step.nextStep) assert.ok(falls, `${step.name} falls off the end`);
        if (step.isEnd) assert.equal(step.inputs.Api, "CompleteLifecycleAction", `${step.name} ends without completing the lifecycle action`);
        // {{ step.Output }} references name earlier steps.
        for (const [, ref] of JSON.stringify(step.inputs).matchAll(/\{\{ (\w+)\.\w+ \}\}/g)) {
            assert.ok(doc.mainSteps.slice(0, index).some((s: any) => s.name === ref), `${step.name} reads ${ref} before it runs`);
        }
    }
    for (const key of ["InstanceId", "AutoScalingGroupName", "LifecycleHookName", "AutomationAssumeRole"]) assert.ok(doc.parameters[key], key);
    return steps;
}

describe("lifecycle runbooks", () => {
    const launch = JSON.parse(nodeLaunchRunbook({ domainName: "corp.example.com", automationRoleArn: "arn:aws:iam::123456789012:role/automation", managementHostId: "i-0123456789abcdef0", membershipDocument: "dev-ad-add-node-to-readers", runbookPrefix: "dev-windows-node-" }));
    const termination = JSON.parse(nodeTerminationRunbook({ automationRoleArn: "arn:aws:iam::123456789012:role/automation", managementHostId: "i-0123456789abcdef0", cleanupDocument: "dev-ad-delete-node-computer", runbookPrefix: "dev-windows-node-" }));

    test("launch: wait for the join, record the name, start the host, add to the group on it, release it, reboot once, continue", () => {
        const steps = checkRunbook(launch);
        assert.deepEqual(launch.mainSteps.map((s: any) => s.name), [
            "waitForDomainJoin", "recordComputerName", "waitWhileHostStops", "startManagementHost", "waitForManagementHost", "addToReadersGroup", "releaseHost", "rebootOnce",
            "continue", "releaseHostThenAbandon", "abandon",
        ]);
        assert.deepEqual(steps.get("addToReadersGroup").inputs.InstanceIds, ["i-0123456789abcdef0"]);
        assert.equal(steps.get("addToReadersGroup").inputs.DocumentName, "dev-ad-add-node-to-readers");
        assert.deepEqual(steps.get("rebootOnce").inputs.InstanceIds, ["{{ InstanceId }}"]);
        assert.ok(steps.get("rebootOnce").inputs.Parameters.commands.includes("exit 3010"));
        assert.equal(steps.get("continue").inputs.LifecycleActionResult, "CONTINUE");
        assert.equal(steps.get("abandon").inputs.LifecycleActionResult, "ABANDON");
    });

    test("launch: any failure abandons the node (the group replaces it) instead of serving broken gMSA pods", () => {
        // Before the host is released, a failure releases it on the way to abandon; a failed release never fails the node.
        for (const step of launch.mainSteps.filter((s: any) => !s.isEnd)) {
            const expected = { releaseHost: "step:rebootOnce", rebootOnce: "step:abandon", releaseHostThenAbandon: "step:abandon" }[step.name as string] ?? "step:releaseHostThenAbandon";
            assert.equal(step.onFailure, expected, step.name);
        }
    });

    test("termination: whatever fails, the lifecycle action is completed", () => {
        const steps = checkRunbook(termination);
        for (const step of termination.mainSteps.filter((s: any) => !s.isEnd)) {
            assert.ok(["step:continue", "step:releaseHost"].includes(step.onFailure), step.name);
            assert.equal(step.isCritical, false, step.name);
        }
        assert.equal(steps.get("releaseHost").onFailure, "step:continue");
        assert.deepEqual(steps.get("readComputerName").inputs.Filters[1], { Name: "key", Values: [computerNameTag] });
        assert.equal(steps.get("deleteComputerAccount").inputs.DocumentName, "dev-ad-delete-node-computer");
    });

    test("the Python step reads the computer name the node printed and tags the node with it", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-"));
        try {
            // A stand-in boto3 that records the call.
            fs.writeFileSync(path.join(dir, "boto3.py"), "calls = []\nclass _Ec2:\n    def create_tags(self, **kw):\n        calls.append(kw)\ndef client(name):\n    assert name == 'ec2'\n    return _Ec2()\n");
            const step = launch.mainSteps.find((s: any) => s.name === "recordComputerName");
            fs.writeFileSync(path.join(dir, "step.py"), step.inputs.Script);
            const run = (output: string) => spawnSync("python3", ["-c", [
                "import json, sys, boto3, step",
                "try:",
                `    print(json.dumps({'result': step.handler({'InstanceId': 'i-0abc', 'Output': ${JSON.stringify(output)}}, None), 'calls': boto3.calls}))`,
                "except Exception as e:",
                "    print(json.dumps({'error': str(e)}))",
            ].join("\n")], { cwd: dir, encoding: "utf8", env: { ...process.env, PYTHONPATH: dir } });
            const ok = JSON.parse(run("joined\ncomputerName=ec2amaz-4f2kq1b\n").stdout);
            assert.deepEqual(ok.result, { computerName: "EC2AMAZ-4F2KQ1B" });
            assert.deepEqual(ok.calls, [{ Resources: ["i-0abc"], Tags: [{ Key: computerNameTag, Value: "EC2AMAZ-4F2KQ1B" }] }]);
            assert.equal(step.outputs[0].Selector, "$.Payload.computerName");
            const bad = JSON.parse(run("computerName=WAY-TOO-LONG-A-NAME").stdout);
            assert.match(bad.error, /did not report its computer name/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    test("hooks: launch waits an hour and abandons, terminate waits 15 minutes and continues; rules match them by name", () => {
        const names = lifecycleHookNames("dev");
        assert.deepEqual(lifecycleHookSpecs("dev").map((h) => [h.name, h.lifecycleTransition, h.heartbeatTimeout, h.defaultResult]), [
            [names.launch, "autoscaling:EC2_INSTANCE_LAUNCHING", 3600, "ABANDON"],
            [names.terminate, "autoscaling:EC2_INSTANCE_TERMINATING", 900, "CONTINUE"],
        ]);
        assert.deepEqual(JSON.parse(lifecycleEventPattern("terminate", names.terminate)), {
            source: ["aws.autoscaling"], "detail-type": ["EC2 Instance-terminate Lifecycle Action"], detail: { LifecycleHookName: [names.terminate] },
        });
    });

    test("the EventBridge input becomes the runbook's parameters (lists of strings)", () => {
        // EventBridge substitutes each <name> with the JSON string at its path.
        const event = { detail: { EC2InstanceId: "i-0abc", AutoScalingGroupName: "windows-nodes-1", LifecycleHookName: "dev-hook" } };
        const valueAt = (p: string) => p.slice(2).split(".").reduce((o: any, k) => o[k], event);
        const rendered = lifecycleEventInput.inputTemplate.replace(/<(\w+)>/g, (_, name) => JSON.stringify(valueAt((lifecycleEventInput.inputPaths as Record<string, string>)[name])));
        assert.deepEqual(JSON.parse(rendered), { InstanceId: ["i-0abc"], AutoScalingGroupName: ["windows-nodes-1"], LifecycleHookName: ["dev-hook"] });
    });

    test("IAM: EventBridge starts exactly the two runbooks; the runbooks touch only this cluster's nodes and groups", () => {
        assert.equal(automationDefinitionArn("arn:aws:ssm:us-west-2:123456789012:document/dev-windows-node-launch"), "arn:aws:ssm:us-west-2:123456789012:automation-definition/dev-windows-node-launch:$DEFAULT");
        assert.throws(() => automationDefinitionArn("arn:aws:iam::123456789012:role/x"), /not an SSM document ARN/);
        const start = startAutomationPolicy(["arn:a:$DEFAULT"], "arn:aws:iam::123456789012:role/automation");
        assert.deepEqual(start.Statement[1].Condition, { StringEquals: { "iam:PassedToService": "ssm.amazonaws.com" } });
        const policy = nodeLifecycleAutomationPolicy({ partition: "aws", region: "us-west-2", clusterName: "dev", managementHostId: "i-0123456789abcdef0", documentArns: ["arn:doc1"] });
        const bySid = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s]));
        assert.deepEqual(bySid.OnClusterNodes.Condition, { StringEquals: { "ssm:resourceTag/kubernetes.io/cluster/dev": "owned" } });
        assert.equal(bySid.OnManagementHost.Resource, "arn:aws:ec2:us-west-2:*:instance/i-0123456789abcdef0");
        assert.deepEqual(bySid.TagComputerName.Condition!["ForAllValues:StringEquals"], { "aws:TagKeys": [computerNameTag] });
        assert.deepEqual(bySid.CompleteLifecycleActions.Condition, { StringEquals: { "autoscaling:ResourceTag/kubernetes.io/cluster/dev": "owned" } });
    });
});
