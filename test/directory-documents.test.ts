// The AD side inside the VPC, as pure text: PowerShell for the management host, SSM documents,
// Automation runbooks and the EventBridge wiring. The runbooks' Python step is executed here
// (python3 comes with Samba, which the test command installs). The deployer-side script and the
// host's start/stop are in first-up-ad-host.test.ts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import {
    commandDocument, nodeAccountParameters, parseProvisioningOutput, psQuote, renderComputerCleanupScript, renderNodeMembershipScript,
    renderProvisioningScript, resultMarker, type ProvisioningScriptArgs,
} from "../components/directoryDocuments";
import {
    automationDefinitionArn, computerNameTag, lifecycleEventInput, lifecycleEventPattern, nodeLaunchRunbook, nodeLifecycleAutomationPolicy,
    nodeTerminationRunbook, startAutomationPolicy,
} from "../components/nodeLifecycleRunbooks";
import { checkFacts } from "../components/directoryProvisioning";
import { lifecycleHookNames, lifecycleHookSpecs } from "../components/nodeLifecycle";

const target = { domainName: "corp.example.com", netbiosName: "CORP", dnsServers: ["10.20.128.10", "10.20.144.10"], region: "us-west-2", adminSecretArn: "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/dev/directory-admin-AbCdEf" };
const provisioning: ProvisioningScriptArgs = {
    ...target,
    readersGroup: "eks-gmsa-readers",
    accountsOu: "OU=Users,OU=CORP,DC=corp,DC=example,DC=com",
    accounts: ["WebApp01", "Reports"],
    identity: { username: "gmsa-ccg-reader", secretArn: "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/dev/portable-identity-XyZ123" },
};

describe("provisioning script", () => {
    const script = renderProvisioningScript(provisioning);

    test("quotes values so PowerShell expands nothing in them", () => {
        assert.equal(psQuote("it's $x"), "'it''s $x'");
    });

    test("creates each gMSA with both SPNs, its DNS host name and the readers' group as allowed principal", () => {
        for (const account of ["WebApp01", "Reports"]) {
            assert.ok(script.includes(`$name = '${account}'`));
            assert.ok(script.includes(`$spns = @('host/${account}', 'host/${account}.corp.example.com')`));
            assert.ok(script.includes(`$dnsHostName = '${account}.corp.example.com'`));
        }
        assert.match(script, /New-ADServiceAccount -Name \$name -DNSHostName \$dnsHostName -ServicePrincipalNames \$spns -PrincipalsAllowedToRetrieveManagedPassword \$group/);
    });

    test("corrects an existing gMSA instead of failing: missing SPNs, DNS host name, allowed group", () => {
        assert.match(script, /ServicePrincipalNames @\{ Add = \$missing \}/);
        assert.match(script, /-DNSHostName \$dnsHostName @ad/);
        assert.match(script, /PrincipalsAllowedToRetrieveManagedPassword \(\$allowed \+ \$group\.DistinguishedName\)/);
    });

    test("creates the group and the portable identity in the configured OU, and never prints a password", () => {
        assert.ok(script.includes("-Path 'OU=Users,OU=CORP,DC=corp,DC=example,DC=com'"));
        assert.match(script, /New-ADUser -Name \$identityName .*-AccountPassword \$identityPassword -Enabled \$true -PasswordNeverExpires \$true/);
        // Passwords come from Secrets Manager at run time; only variables reach the document.
        assert.ok(script.includes(`Get-SECSecretValue -SecretId '${provisioning.identity!.secretArn}'`));
        for (const line of script.split("\n").filter((l) => /\.password\b/.test(l))) {
            assert.match(line, /ConvertTo-SecureString \$(admin|identity)\.password -AsPlainText|-not \$admin\.password/, `password used outside a SecureString: ${line}`);
        }
    });

    test("a second run changes nothing: every change is behind a check of what exists", () => {
        const creates = script.split("\n").filter((l) => /New-AD|Add-ADGroupMember|Set-AD/.test(l));
        for (const line of creates) assert.ok(/^\s+/.test(line) || /^\s*if /.test(line) || /try/.test(line), `unguarded change: ${line}`);
    });

    test("domain-joined provisioning has no portable identity", () => {
        const joined = renderProvisioningScript({ ...provisioning, identity: undefined });
        assert.ok(!joined.includes("New-ADUser"));
        assert.ok(!joined.includes("portable-identity"));
    });

    test("ends with the result line, which parses into the domain facts", () => {
        assert.ok(script.trimEnd().split("\n").pop()!.includes(psQuote(resultMarker)));
        const facts = { dnsName: "corp.example.com", forestName: "corp.example.com", netbiosName: "CORP", domainSid: "S-1-5-21-1-2-3", domainGuid: "0E4D3E1A-6D2B-4C6E-9A2F-3F1C2B8E7D51", changes: "created group eks-gmsa-readers" };
        const parsed = parseProvisioningOutput(`installing RSAT\r\n${resultMarker}${JSON.stringify(facts)}\r\n`);
        assert.equal(parsed.domainGuid, "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51");
        assert.deepEqual(parsed.changes, ["created group eks-gmsa-readers"]); // PowerShell writes a one-element array as a string
    });

    test("a run without a result line, or with malformed facts, is an error naming what it got", () => {
        assert.throws(() => parseProvisioningOutput("Access is denied"), /printed no EKS-GMSA-RESULT line; its output ends with: Access is denied/);
        assert.throws(() => parseProvisioningOutput(`${resultMarker}{"dnsName":"corp.example.com","domainSid":"nope"}`), /malformed domain facts/);
    });

    test("facts from config must match what the directory reports", () => {
        const reported = { dnsName: "corp.example.com", forestName: "corp.example.com", netbiosName: "CORP", sid: "S-1-5-21-1-2-3", guid: "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51" };
        assert.doesNotThrow(() => checkFacts(reported, { ...reported, sid: "s-1-5-21-1-2-3" }));
        assert.throws(() => checkFacts(reported, { ...reported, sid: "S-1-5-21-9-9-9" }), /sid: config says S-1-5-21-9-9-9, the directory says S-1-5-21-1-2-3/);
    });
});

describe("node account documents", () => {
    const membership = renderNodeMembershipScript({ ...target, readersGroup: "eks-gmsa-readers", joinOu: "OU=EKS,DC=corp,DC=example,DC=com" });
    const cleanup = renderComputerCleanupScript({ ...target, readersGroup: "eks-gmsa-readers" });

    test("the computer name reaches the scripts only inside single quotes, and SSM admits only NetBIOS names", () => {
        for (const script of [membership, cleanup]) {
            for (const line of script.split("\n")) {
                for (const use of line.matchAll(/\{\{ ComputerName \}\}/g)) {
                    const quotesBefore = (line.slice(0, use.index).match(/'/g) ?? []).length;
                    assert.equal(quotesBefore % 2, 1, `not inside a single-quoted string: ${line}`);
                }
            }
        }
        const pattern = new RegExp(nodeAccountParameters.ComputerName.allowedPattern);
        assert.ok(pattern.test("EC2AMAZ-4F2KQ1B"));
        for (const bad of ["EC2AMAZ-4F2KQ1BXX", "x'; Remove-ADObject", "a b", ""]) assert.ok(!pattern.test(bad), bad);
    });

    test("membership adds the computer to the readers' group once, and only from the join OU", () => {
        assert.match(membership, /\$computerName = '\{\{ ComputerName \}\}'/);
        assert.match(membership, /Get-ADComputer -Filter "Name -eq '\$computerName'" @ad/);
        assert.match(membership, /EndsWith\(',ou=eks,dc=corp,dc=example,dc=com'\)/);
        assert.match(membership, /is already a member of/);
        assert.match(membership, /Add-ADGroupMember -Identity \$group -Members \$computer @ad/);
    });

    test("cleanup deletes only computers this cluster put in the readers' group, and is fine when there is none", () => {
        assert.match(cleanup, /nothing to delete'; exit 0/);
        assert.match(cleanup, /refusing to delete .* it is not in/);
        assert.match(cleanup, /Remove-ADObject -Identity \$computer\.DistinguishedName -Recursive -Confirm:\$false @ad/);
        assert.ok(cleanup.indexOf("refusing to delete") < cleanup.indexOf("Remove-ADObject"));
    });

    test("the credentials come from Secrets Manager, and the server is a DC that answers on ADWS", () => {
        assert.ok(membership.includes(`Get-SECSecretValue -SecretId '${target.adminSecretArn}' -Region 'us-west-2'`));
        assert.ok(membership.includes("foreach ($candidate in @('10.20.128.10', '10.20.144.10') + @($domain))"));
        assert.match(membership, /'CORP\\' \+ \$admin\.username/);
    });

    test("documents are SSM Command documents (schema 2.2) for Windows", () => {
        const doc = JSON.parse(commandDocument("d", membership, nodeAccountParameters));
        assert.equal(doc.schemaVersion, "2.2");
        assert.equal(doc.mainSteps[0].action, "aws:runPowerShellScript");
        assert.deepEqual(doc.mainSteps[0].precondition, { StringEquals: ["platformType", "Windows"] });
        assert.equal(doc.mainSteps[0].inputs.runCommand.join("\n"), membership);
        assert.equal(doc.parameters.ComputerName.type, "String");
        assert.equal(JSON.parse(commandDocument("d", "x")).parameters, undefined);
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
