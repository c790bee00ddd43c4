// Domain-joined mode: the lifecycle runbooks trust nothing a node reports. Checked on what the
// program renders for examples/stacks/domain-joined.yaml (rules, runbooks, documents) and by
// executing the runbooks' Python (components/scripts/lifecycle-node-facts.py) with a stand-in
// boto3. The node-side PowerShell (components/scripts/node-*.ps1) cannot run here (no PowerShell
// on this machine): only how the documents carry it is checked.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { lifecycleHookNames, windowsGroupName } from "../components/nodeLifecycle";
import { documentPayload, nodeParameters } from "../components/directoryDocuments";
import { nodeLaunchRunbook, nodeTerminationRunbook } from "../components/nodeLifecycleRunbooks";
import { inputs, one, ofType, runOk } from "./helpers";
import { parseSsmDocument, type SsmDocument, type SsmStep } from "./support/ssmDocument";

const cluster = "eks-gmsa-domain-joined";
const group = windowsGroupName(cluster);
const hooks = lifecycleHookNames(cluster);
const scriptsDir = path.join(__dirname, "..", "components", "scripts");

const run = runOk({ stack: "domain-joined", configFile: "examples/stacks/domain-joined.yaml" });
const documents = new Map(ofType(run, "aws:ssm/document:Document").map((d) => [d.name, inputs(d)]));
const content = (name: string) => parseSsmDocument(documents.get(name)!.content);
const launch = content("node-launch-runbook");
const termination = content("node-termination-runbook");
const stepOf = (doc: SsmDocument, name: string): SsmStep => {
    const step = doc.mainSteps.find((s) => s.name === name);
    assert.ok(step, `no step ${name}`);
    return step;
};

/** EventBridge's matching for the patterns used here: every field of the pattern lists the accepted values. */
type EventPattern = { [field: string]: unknown[] | EventPattern };
function matches(pattern: EventPattern, event: unknown): boolean {
    const fields = (typeof event === "object" && event !== null ? event : {}) as Record<string, unknown>;
    return Object.entries(pattern).every(([key, accepted]) => (Array.isArray(accepted) ? accepted.includes(fields[key]) : matches(accepted, fields[key])));
}

/** A lifecycle-action event as EC2 Auto Scaling sends it to EventBridge. */
const lifecycleEvent = (transition: "launch" | "terminate", groupName: string, hookName: string, instance = "i-0a1b2c3d4e5f60718") => ({
    source: "aws.autoscaling",
    "detail-type": transition === "launch" ? "EC2 Instance-launch Lifecycle Action" : "EC2 Instance-terminate Lifecycle Action",
    detail: {
        LifecycleActionToken: "87654321-4321-4321-4321-210987654321",
        AutoScalingGroupName: groupName,
        LifecycleHookName: hookName,
        EC2InstanceId: instance,
        LifecycleTransition: transition === "launch" ? "autoscaling:EC2_INSTANCE_LAUNCHING" : "autoscaling:EC2_INSTANCE_TERMINATING",
    },
});

describe("the EventBridge rules start the runbooks for this group's nodes only", () => {
    const rules = {
        launch: inputs(one(run, "aws:cloudwatch/eventRule:EventRule", "windows-node-launch-rule")),
        terminate: inputs(one(run, "aws:cloudwatch/eventRule:EventRule", "windows-node-terminate-rule")),
    };

    test("the auto scaling group has the fixed name the rules match", () => {
        assert.equal(inputs(one(run, "aws:autoscaling/group:Group")).name, group);
    });

    for (const transition of ["launch", "terminate"] as const) {
        test(`${transition}: this group's hook matches; the same hook name on another group, or another hook, does not`, () => {
            const pattern = JSON.parse(rules[transition].eventPattern);
            assert.ok(matches(pattern, lifecycleEvent(transition, group, hooks[transition])));
            assert.equal(matches(pattern, lifecycleEvent(transition, "someone-elses-group", hooks[transition])), false);
            assert.equal(matches(pattern, lifecycleEvent(transition, group, "another-hook")), false);
            assert.equal(matches(pattern, lifecycleEvent(transition === "launch" ? "terminate" : "launch", group, hooks[transition])), false);
        });
    }

    test("the event gives the runbook the instance and nothing else; the group and the hook are fixed in the runbook", () => {
        const target = inputs(one(run, "aws:cloudwatch/eventTarget:EventTarget", "windows-node-launch-target"));
        const event = lifecycleEvent("launch", group, hooks.launch);
        // EventBridge puts the JSON string at each input path in place of <name>.
        const valueAt = (p: string) =>
            p
                .slice(2)
                .split(".")
                .reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], event);
        const rendered = target.inputTransformer.inputTemplate.replace(/<(\w+)>/g, (_: string, name: string) =>
            JSON.stringify(valueAt(target.inputTransformer.inputPaths[name])),
        );
        assert.deepEqual(JSON.parse(rendered), { InstanceId: ["i-0a1b2c3d4e5f60718"] });
        for (const doc of [launch, termination]) {
            assert.deepEqual(Object.keys(doc.parameters).sort(), ["AutomationAssumeRole", "InstanceId"]);
            assert.ok(new RegExp(doc.parameters.InstanceId.allowedPattern).test("i-0a1b2c3d4e5f60718"));
            assert.ok(!new RegExp(doc.parameters.InstanceId.allowedPattern).test("i-0a1b2c3d4e5f60718; x"));
            const ends = doc.mainSteps.filter((s: SsmStep) => s.inputs.Api === "CompleteLifecycleAction");
            assert.ok(ends.length > 0);
            for (const end of ends) assert.deepEqual([end.inputs.AutoScalingGroupName, end.inputs.InstanceId], [group, "{{ InstanceId }}"]);
        }
        assert.deepEqual(stepOf(launch, "continue").inputs.LifecycleHookName, hooks.launch);
        assert.deepEqual(stepOf(termination, "continue").inputs.LifecycleHookName, hooks.terminate);
    });

    test("each runbook first checks with EC2 Auto Scaling that the instance is in this group", () => {
        for (const doc of [launch, termination]) {
            const first = doc.mainSteps[0];
            assert.deepEqual(
                [first.name, first.action, first.inputs.Handler, first.inputs.InputPayload],
                ["readNode", "aws:executeScript", "node_facts", { InstanceId: "{{ InstanceId }}", GroupName: group }],
            );
        }
    });
});

describe("the runbooks run only this stack's documents, pinned to the version this deployment created", () => {
    const stackDocuments = new Map([...documents.values()].map((d) => [d.name, d]));

    test("every aws:runCommand step names one of this stack's Command documents and its latest version", () => {
        for (const doc of [launch, termination]) {
            const commands = doc.mainSteps.filter((s: SsmStep) => s.action === "aws:runCommand");
            assert.ok(commands.length > 0);
            for (const step of commands) {
                const target = stackDocuments.get(step.inputs.DocumentName);
                assert.ok(target, `${step.name} runs ${step.inputs.DocumentName}, not a document of this stack`);
                assert.equal(target.documentType, "Command");
                // The harness's SSM mock reports latestVersion "1" for every document it creates.
                assert.equal(step.inputs.DocumentVersion, "1", step.name);
            }
        }
        assert.ok(!JSON.stringify([launch, termination]).includes("AWS-Run"), "no AWS-owned run-a-script document");
    });

    test("a new document version changes the runbook (the version is not a constant)", () => {
        const target = {
            automationRoleArn: "arn:aws:iam::123456789012:role/automation",
            managementHostId: "i-0123456789abcdef0",
            runbookPrefix: "p-",
            groupName: group,
        };
        const pin = (name: string, version: string) => ({ name, version });
        const launchDoc = JSON.parse(
            nodeLaunchRunbook({
                ...target,
                hookName: hooks.launch,
                domainName: "corp.example.com",
                documents: { waitForDomainJoin: pin("wait", "4"), addToReadersGroup: pin("join", "9"), rebootOnce: pin("reboot", "2") },
            }),
        );
        assert.deepEqual(
            launchDoc.mainSteps.filter((s: SsmStep) => s.action === "aws:runCommand").map((s: SsmStep) => [s.inputs.DocumentName, s.inputs.DocumentVersion]),
            [
                ["wait", "4"],
                ["join", "9"],
                ["reboot", "2"],
            ],
        );
        const terminationDoc = JSON.parse(
            nodeTerminationRunbook({ ...target, hookName: hooks.terminate, documents: { deleteComputerAccount: pin("cleanup", "12") } }),
        );
        assert.deepEqual(
            terminationDoc.mainSteps
                .filter((s: SsmStep) => s.action === "aws:runCommand")
                .map((s: SsmStep) => [s.inputs.DocumentName, s.inputs.DocumentVersion]),
            [["cleanup", "12"]],
        );
    });

    test("the node documents carry the PowerShell files as they are, with no parameters and nothing SSM would interpolate", () => {
        for (const [resource, file, timeout] of [
            ["node-wait-for-domain-join", "node-wait-for-domain-join.ps1", "1700"],
            ["node-reboot-once", "node-reboot-once.ps1", "600"],
        ]) {
            const doc = content(resource);
            assert.equal(doc.parameters, undefined, `${resource} takes no parameters`);
            assert.equal(doc.mainSteps.length, 1);
            const step = doc.mainSteps[0];
            assert.equal(step.action, "aws:runPowerShellScript");
            assert.deepEqual(step.precondition, { StringEquals: ["platformType", "Windows"] });
            assert.equal(step.inputs.runCommand?.join("\n"), fs.readFileSync(path.join(scriptsDir, file), "utf8"));
            assert.equal(step.inputs.timeoutSeconds, timeout);
            assert.ok(!step.inputs.runCommand?.join("\n").includes("{{"), `${file} contains {{, which SSM would interpolate`);
        }
    });
});

describe("no value a node reports reaches the AD step unchecked", () => {
    const join = content("ad-add-node-to-readers");
    const cleanup = content("ad-delete-node-computer");

    test("the management host's node documents take exactly the operation's parameters, each pattern-checked and passed as an environment variable", () => {
        assert.deepEqual(Object.keys(join.parameters).sort(), ["ComputerName", "CreatedAfter", "InstanceId"]);
        assert.deepEqual(Object.keys(cleanup.parameters), ["InstanceId"]);
        for (const parameters of [join.parameters, cleanup.parameters]) {
            for (const [name, p] of Object.entries(parameters)) {
                assert.deepEqual(
                    [p.type, p.interpolationType, p.allowedPattern],
                    ["String", "ENV_VAR", nodeParameters[name as keyof typeof nodeParameters].allowedPattern],
                    name,
                );
                assert.equal(p.default, undefined, `${name} has no default`);
            }
        }
        for (const doc of [join, cleanup]) assert.deepEqual(doc.mainSteps[0].precondition, { StringEquals: ["platformType", "Linux"] });
    });

    test("the patterns admit what AWS and a Windows node produce, and nothing that could carry code or another name", () => {
        const accepts = (name: keyof typeof nodeParameters, value: string) => new RegExp(nodeParameters[name].allowedPattern).test(value);
        assert.ok(accepts("ComputerName", "EC2AMAZ-4F2KQ1B"));
        for (const bad of ["EC2AMAZ-4F2KQ1BXX", "x'; rm -rf /", "a b", "", "WEB$", "A\nB", "EC2AMAZ\u20134F2K"])
            assert.ok(!accepts("ComputerName", bad), JSON.stringify(bad));
        assert.ok(accepts("InstanceId", "i-0a1b2c3d4e5f60718") && accepts("InstanceId", "i-0a1b2c3d"));
        for (const bad of ["i-0A1B2C3D", "i-", "0a1b2c3d", "i-0a1b2c3d4e5f607181"]) assert.ok(!accepts("InstanceId", bad), bad);
        assert.ok(accepts("CreatedAfter", "2026-03-01T09:41:07Z"));
        for (const bad of ["2026-03-01 09:41:07", "2026-03-01T09:41:07+01:00", "2026-03-01T09:41:07.123Z", "yesterday"])
            assert.ok(!accepts("CreatedAfter", bad), bad);
    });

    test("the payload is fixed at deployment: the operation, the directory, the group, the owner and the join OU, no node value", () => {
        const joinOu = "OU=EKS,OU=Computers,OU=CORP,DC=corp,DC=example,DC=com";
        for (const [name, operation] of [
            ["ad-add-node-to-readers", "node-join"],
            ["ad-delete-node-computer", "node-cleanup"],
        ]) {
            const payload = documentPayload(documents.get(name)!.content);
            assert.deepEqual(Object.keys(payload).sort(), ["adminSecretArn", "domain", "joinOu", "operation", "owner", "readersGroup", "region"]);
            assert.deepEqual([payload.operation, payload.joinOu, payload.readersGroup, payload.owner], [operation, joinOu, "eks-prod-gmsa-readers", cluster]);
        }
    });

    test("launch: the AD step gets the instance from the checked event, LaunchTime from EC2, and the node's name only through the name check", () => {
        const add = stepOf(launch, "addToReadersGroup");
        assert.deepEqual(add.inputs.InstanceIds, [stepOf(launch, "startManagementHost").inputs.InstanceIds?.[0]]);
        assert.deepEqual(add.inputs.Parameters, {
            ComputerName: ["{{ readComputerName.ComputerName }}"],
            InstanceId: ["{{ InstanceId }}"],
            CreatedAfter: ["{{ readNode.LaunchTime }}"],
        });
        // The node's output is read by one step only: the Python name check.
        const readers = launch.mainSteps.filter((s: SsmStep) => JSON.stringify(s.inputs).includes("waitForDomainJoin."));
        assert.deepEqual(
            readers.map((s: SsmStep) => [s.name, s.inputs.Handler]),
            [["readComputerName", "reported_name"]],
        );
        assert.deepEqual(stepOf(launch, "readComputerName").inputs.InputPayload, { Output: "{{ waitForDomainJoin.Output }}", DomainName: "corp.example.com" });
        // Nothing the node printed is written anywhere else (the old runbook tagged the instance with it).
        assert.ok(!JSON.stringify(launch).includes("create_tags") && !JSON.stringify(launch).includes("CreateTags"));
    });

    test("termination: the AD step gets the instance ID only; node-cleanup finds the account node-join bound to it", () => {
        const remove = stepOf(termination, "deleteComputerAccount");
        assert.deepEqual(remove.inputs.Parameters, { InstanceId: ["{{ InstanceId }}"] });
        assert.ok(!JSON.stringify(termination).includes("DescribeTags"), "no name read back from a tag");
    });
});

describe("the runbooks' Python (components/scripts/lifecycle-node-facts.py), executed with a stand-in boto3", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifecycle-facts-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const script = stepOf(launch, "readNode").inputs.Script;
    assert.equal(script, stepOf(launch, "readComputerName").inputs.Script);
    assert.ok(script, "readNode runs a script");
    fs.writeFileSync(path.join(dir, "step.py"), script);
    // The stand-in answers like boto3: LaunchTime is a timezone-aware datetime.
    fs.writeFileSync(
        path.join(dir, "boto3.py"),
        [
            "import json, os",
            "from datetime import datetime, timedelta, timezone",
            "scenario = json.loads(os.environ['SCENARIO'])",
            "class _AutoScaling:",
            "    def describe_auto_scaling_instances(self, InstanceIds):",
            "        group = scenario['groups'].get(InstanceIds[0])",
            "        return {'AutoScalingInstances': [{'InstanceId': InstanceIds[0], 'AutoScalingGroupName': group}] if group else []}",
            "class _Ec2:",
            "    def describe_instances(self, InstanceIds):",
            "        launched = datetime(2026, 3, 1, 10, 41, 7, 250000, tzinfo=timezone(timedelta(hours=1)))",
            "        return {'Reservations': [{'Instances': [{'InstanceId': InstanceIds[0], 'LaunchTime': launched}]}]}",
            "def client(name):",
            "    return {'autoscaling': _AutoScaling, 'ec2': _Ec2}[name]()",
        ].join("\n"),
    );
    const call = (handler: string, events: Record<string, string>, groups: Record<string, string> = {}) => {
        const r = spawnSync(
            "python3",
            [
                "-c",
                [
                    "import json, sys, step",
                    "try:",
                    `    print(json.dumps({'result': step.${handler}(json.loads(sys.argv[1]), None)}))`,
                    "except Exception as e:",
                    "    print(json.dumps({'error': str(e)}))",
                ].join("\n"),
                JSON.stringify(events),
            ],
            { cwd: dir, encoding: "utf8", env: { ...process.env, PYTHONPATH: dir, SCENARIO: JSON.stringify({ groups }) } },
        );
        assert.equal(r.status, 0, r.stderr);
        return JSON.parse(r.stdout);
    };

    test("lints clean with pyflakes3, as does the release step", () => {
        for (const file of ["lifecycle-node-facts.py", "release-management-host.py"]) {
            const lint = spawnSync("pyflakes3", [path.join(scriptsDir, file)], { encoding: "utf8" });
            assert.equal(lint.status, 0, lint.stdout + lint.stderr);
        }
    });

    test("node_facts: an instance of this group gives its LaunchTime from EC2, in UTC to the second", () => {
        const r = call("node_facts", { InstanceId: "i-0a1b2c3d4e5f60718", GroupName: group }, { "i-0a1b2c3d4e5f60718": group });
        assert.deepEqual(r, { result: { launchTime: "2026-03-01T09:41:07Z" } });
        assert.ok(new RegExp(nodeParameters.CreatedAfter.allowedPattern).test(r.result.launchTime));
    });

    test("node_facts: an instance of another group, or of none, fails the step (the runbook abandons it)", () => {
        assert.match(
            call("node_facts", { InstanceId: "i-0a1b2c3d4e5f60718", GroupName: group }, { "i-0a1b2c3d4e5f60718": "other-group" }).error,
            /belongs to auto scaling group other-group; this runbook serves only eks-gmsa-domain-joined-windows-nodes/,
        );
        assert.match(call("node_facts", { InstanceId: "i-0fedcba987654321", GroupName: group }).error, /is not in any auto scaling group/);
    });

    test("reported_name: the last name line, upper-cased, once the node reports the expected domain", () => {
        const output = "waiting\ndomain=CORP.example.com\ncomputerName=ec2amaz-4f2kq1b\n";
        assert.deepEqual(call("reported_name", { Output: output, DomainName: "corp.example.com" }), { result: { computerName: "EC2AMAZ-4F2KQ1B" } });
    });

    test("reported_name: another domain, no name, or a name that is not a NetBIOS name fails the step", () => {
        const name = (output: string) => call("reported_name", { Output: output, DomainName: "corp.example.com" }).error;
        assert.match(name("domain=evil.example.com\ncomputerName=EC2AMAZ-4F2KQ1B"), /reports domain 'evil.example.com', not corp.example.com/);
        assert.match(name("domain=corp.example.com\n"), /reports no NetBIOS computer name/);
        for (const bad of ["WAY-TOO-LONG-A-NAME", "DC01$", "x';Remove-ADObject", "EC2AMAZ 4F2K"]) {
            assert.match(name(`domain=corp.example.com\ncomputerName=${bad}`), /reports no NetBIOS computer name/, bad);
        }
    });
});
