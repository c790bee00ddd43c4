// Domain-joined mode: the Automation runbooks the Windows auto scaling group's lifecycle hooks
// start, the EventBridge wiring, and what the runbooks' role may do. Pure and tested.
//
// The management host is stopped when nothing uses it (it holds the directory Admin's
// credentials): each runbook starts it for its AD step and ends by stopping it again unless
// another execution, a command or a session still needs it (./scripts/release-management-host.py;
// docs/active-directory.md has the race analysis).
import * as fs from "node:fs";
import * as path from "node:path";
import type { PolicyDocument } from "./iamPolicies";
import { psQuote } from "./directoryDocuments";

/** Tag the launch runbook puts on each node: its computer name, for the termination runbook. */
export const computerNameTag = "eks-gmsa:computer-name";

/** Marker file that makes the membership reboot happen once per node. */
const rebootMarker = "C:\\ProgramData\\eks-gmsa\\readers-group-reboot";

/** Runbook names; both share this prefix, which the host's release step looks for. */
export function lifecycleRunbookNames(clusterName: string) {
    return { launch: `${clusterName}-windows-node-launch`, termination: `${clusterName}-windows-node-termination`, prefix: `${clusterName}-windows-node-` };
}

/** Python (aws:executeScript): stops the management host unless something else needs it. */
export const releaseHostScript = fs.readFileSync(path.join(__dirname, "scripts", "release-management-host.py"), "utf8");

export interface LaunchRunbookArgs {
    domainName: string;
    automationRoleArn: string;
    managementHostId: string;
    membershipDocument: string;
    /** Prefix of both lifecycle runbooks' names (lifecycleRunbookNames().prefix). */
    runbookPrefix: string;
}

/** An Automation runbook (schema 0.3) with the lifecycle parameters, acting as the automation role. */
function automationRunbook(description: string, automationRoleArn: string, mainSteps: object[]): string {
    return JSON.stringify({ schemaVersion: "0.3", description, assumeRole: "{{ AutomationAssumeRole }}", parameters: runbookParameters(automationRoleArn), mainSteps }, null, 2);
}

const runbookParameters = (roleArn: string) => ({
    InstanceId: { type: "String", description: "The launching or terminating node", allowedPattern: "^i-[0-9a-f]{8,17}$" },
    AutoScalingGroupName: { type: "String", description: "Its auto scaling group" },
    LifecycleHookName: { type: "String", description: "The lifecycle hook that holds it" },
    AutomationAssumeRole: { type: "String", description: "Role the runbook acts as", default: roleArn },
});

function completeLifecycle(name: string, result: "CONTINUE" | "ABANDON"): object {
    return {
        name,
        action: "aws:executeAwsApi",
        isEnd: true,
        inputs: {
            Service: "autoscaling",
            Api: "CompleteLifecycleAction",
            AutoScalingGroupName: "{{ AutoScalingGroupName }}",
            LifecycleHookName: "{{ LifecycleHookName }}",
            InstanceId: "{{ InstanceId }}",
            LifecycleActionResult: result,
        },
    };
}

/**
 * Start the management host and wait until Systems Manager can reach it. changeInstanceState
 * with `running` starts a stopped host and waits for its status checks (a running one passes at
 * once); the SSM agent comes online a little later.
 */
function startHostSteps(hostId: string, onFailure: string): object[] {
    return [
        {
            // A host another execution is just stopping cannot be started until it has stopped.
            name: "waitWhileHostStops", action: "aws:waitForAwsResourceProperty", timeoutSeconds: 600, onFailure,
            inputs: {
                Service: "ec2", Api: "DescribeInstances", InstanceIds: [hostId],
                PropertySelector: "$.Reservations[0].Instances[0].State.Name", DesiredValues: ["pending", "running", "stopped"],
            },
        },
        {
            name: "startManagementHost", action: "aws:changeInstanceState", maxAttempts: 3, timeoutSeconds: 900, onFailure,
            inputs: { InstanceIds: [hostId], DesiredState: "running" },
        },
        {
            name: "waitForManagementHost", action: "aws:waitForAwsResourceProperty", timeoutSeconds: 900, onFailure,
            inputs: {
                Service: "ssm", Api: "DescribeInstanceInformation",
                InstanceInformationFilterList: [{ key: "InstanceIds", valueSet: [hostId] }],
                PropertySelector: "$.InstanceInformationList[0].PingStatus", DesiredValues: ["Online"],
            },
        },
    ];
}

/** Stop the host unless another execution, a command or a session needs it; never fails the runbook. */
function releaseHostStep(name: string, hostId: string, runbookPrefix: string, next: string): object {
    return {
        name, action: "aws:executeScript", timeoutSeconds: 600, onFailure: `step:${next}`, isCritical: false, nextStep: next,
        inputs: {
            Runtime: "python3.11", Handler: "handler", Script: releaseHostScript,
            InputPayload: { HostId: hostId, RunbookPrefix: runbookPrefix, ExecutionId: "{{ automation:EXECUTION_ID }}" },
        },
        outputs: [{ Name: "Host", Selector: "$.Payload.host", Type: "String" }],
    };
}

/** Python (aws:executeScript): validates the computer name the node printed and tags the node with it. */
const recordComputerNameScript = [
    "import re",
    "import boto3",
    "",
    "def handler(events, context):",
    "    match = re.search(r'computerName=([A-Za-z0-9-]{1,15})\\s*$', events['Output'].strip(), re.M)",
    "    if not match:",
    "        raise Exception('the node did not report its computer name: ' + events['Output'][-300:])",
    "    name = match.group(1).upper()",
    `    boto3.client('ec2').create_tags(Resources=[events['InstanceId']], Tags=[{'Key': '${computerNameTag}', 'Value': name}])`,
    "    return {'computerName': name}",
].join("\n");

/**
 * Launch: wait until the node has joined the domain (the join association does it), record its
 * computer name, start the management host and add the node to the readers' group on it, release
 * the host, reboot the node once so its Kerberos tickets carry the new membership, then let it
 * into service. A node that cannot retrieve gMSA passwords is abandoned (the group replaces it)
 * rather than serving broken pods; the host is released on that path too.
 */
export function nodeLaunchRunbook(a: LaunchRunbookArgs): string {
    const waitForJoin = [
        "$deadline = (Get-Date).AddMinutes(25)",
        "while (-not (Get-CimInstance Win32_ComputerSystem).PartOfDomain) {",
        `    if ((Get-Date) -gt $deadline) { throw ${psQuote(`not joined to ${a.domainName} after 25 minutes: check the domain-join association`)} }`,
        "    Start-Sleep -Seconds 15",
        "}",
        "$joined = (Get-CimInstance Win32_ComputerSystem).Domain",
        `if ($joined -ne ${psQuote(a.domainName)}) { throw "joined to $joined, expected ${a.domainName}" }`,
        "Write-Output \"computerName=$env:COMPUTERNAME\"",
    ];
    const rebootOnce = [
        `if (Test-Path ${psQuote(rebootMarker)}) { Write-Output 'rebooted once already'; exit 0 }`,
        `New-Item -ItemType File -Force -Path ${psQuote(rebootMarker)} | Out-Null`,
        // 3010: the SSM agent reboots the node and runs this again, which then finds the marker.
        "exit 3010",
    ];
    const abandon = "step:releaseHostThenAbandon";
    return automationRunbook("eks-gmsa: a new Windows node joins the gMSA readers' group before it serves pods", a.automationRoleArn, [
        {
            name: "waitForDomainJoin", action: "aws:runCommand", maxAttempts: 3, timeoutSeconds: 1800, onFailure: abandon,
            inputs: { DocumentName: "AWS-RunPowerShellScript", InstanceIds: ["{{ InstanceId }}"], Parameters: { commands: waitForJoin, executionTimeout: "1700" } },
        },
        {
            name: "recordComputerName", action: "aws:executeScript", onFailure: abandon,
            inputs: { Runtime: "python3.11", Handler: "handler", Script: recordComputerNameScript, InputPayload: { InstanceId: "{{ InstanceId }}", Output: "{{ waitForDomainJoin.Output }}" } },
            outputs: [{ Name: "ComputerName", Selector: "$.Payload.computerName", Type: "String" }],
        },
        ...startHostSteps(a.managementHostId, abandon),
        {
            name: "addToReadersGroup", action: "aws:runCommand", maxAttempts: 3, timeoutSeconds: 900, onFailure: abandon,
            inputs: { DocumentName: a.membershipDocument, InstanceIds: [a.managementHostId], Parameters: { ComputerName: ["{{ recordComputerName.ComputerName }}"] } },
        },
        releaseHostStep("releaseHost", a.managementHostId, a.runbookPrefix, "rebootOnce"),
        {
            name: "rebootOnce", action: "aws:runCommand", maxAttempts: 2, timeoutSeconds: 1200, onFailure: "step:abandon",
            inputs: { DocumentName: "AWS-RunPowerShellScript", InstanceIds: ["{{ InstanceId }}"], Parameters: { commands: rebootOnce, executionTimeout: "1100" } },
            nextStep: "continue",
        },
        completeLifecycle("continue", "CONTINUE"),
        releaseHostStep("releaseHostThenAbandon", a.managementHostId, a.runbookPrefix, "abandon"),
        completeLifecycle("abandon", "ABANDON"),
    ]);
}

export interface TerminationRunbookArgs {
    automationRoleArn: string;
    managementHostId: string;
    cleanupDocument: string;
    runbookPrefix: string;
}

/**
 * Termination: read the computer name the launch runbook recorded, start the management host,
 * delete the account on it, release the host, and always complete the lifecycle action (a
 * cleanup failure must not hold a node, and the hook's timeout would continue anyway).
 */
export function nodeTerminationRunbook(a: TerminationRunbookArgs): string {
    const release = "step:releaseHost";
    return automationRunbook("eks-gmsa: delete the AD computer account of a Windows node that is being terminated", a.automationRoleArn, [
        {
            name: "readComputerName", action: "aws:executeAwsApi", onFailure: "step:continue", isCritical: false,
            inputs: { Service: "ec2", Api: "DescribeTags", Filters: [{ Name: "resource-id", Values: ["{{ InstanceId }}"] }, { Name: "key", Values: [computerNameTag] }] },
            outputs: [{ Name: "ComputerName", Selector: "$.Tags[0].Value", Type: "String" }],
        },
        ...startHostSteps(a.managementHostId, release).map((step) => ({ ...step, isCritical: false })),
        {
            name: "deleteComputerAccount", action: "aws:runCommand", maxAttempts: 2, timeoutSeconds: 900, onFailure: release, isCritical: false,
            inputs: { DocumentName: a.cleanupDocument, InstanceIds: [a.managementHostId], Parameters: { ComputerName: ["{{ readComputerName.ComputerName }}"] } },
        },
        releaseHostStep("releaseHost", a.managementHostId, a.runbookPrefix, "continue"),
        completeLifecycle("continue", "CONTINUE"),
    ]);
}

/** EventBridge → Automation: the runbook's parameters from a lifecycle-action event. */
export const lifecycleEventInput = {
    inputPaths: { instance: "$.detail.EC2InstanceId", group: "$.detail.AutoScalingGroupName", hook: "$.detail.LifecycleHookName" },
    inputTemplate: '{"InstanceId":[<instance>],"AutoScalingGroupName":[<group>],"LifecycleHookName":[<hook>]}',
};

export function lifecycleEventPattern(transition: "launch" | "terminate", hookName: string): string {
    return JSON.stringify({
        source: ["aws.autoscaling"],
        "detail-type": [transition === "launch" ? "EC2 Instance-launch Lifecycle Action" : "EC2 Instance-terminate Lifecycle Action"],
        detail: { LifecycleHookName: [hookName] },
    });
}

/** `arn:…:document/name` → the ARN EventBridge and IAM use to start it as an automation. */
export function automationDefinitionArn(documentArn: string, version = "$DEFAULT"): string {
    if (!/:document\/[^/]+$/.test(documentArn)) throw new Error(`not an SSM document ARN: ${documentArn}`);
    return `${documentArn.replace(":document/", ":automation-definition/")}:${version}`;
}

export interface AutomationPolicyArgs {
    partition: string;
    region: string;
    clusterName: string;
    managementHostId: string;
    /** ARNs of the Command documents the runbooks run on the management host. */
    documentArns: readonly string[];
}

/**
 * What the runbooks may do: run commands on this cluster's Windows nodes (by their ownership tag)
 * and on the management host, start and stop that one host, tag nodes with their computer name,
 * and complete lifecycle actions of this cluster's groups. The Describe/List calls that follow
 * commands, instance state and sessions have no resource-level permissions.
 */
export function nodeLifecycleAutomationPolicy(a: AutomationPolicyArgs): PolicyDocument {
    const owned = { [`aws:ResourceTag/kubernetes.io/cluster/${a.clusterName}`]: "owned" };
    const host = `arn:${a.partition}:ec2:${a.region}:*:instance/${a.managementHostId}`;
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "RunDocuments", Effect: "Allow", Action: "ssm:SendCommand", Resource: [`arn:${a.partition}:ssm:${a.region}::document/AWS-RunPowerShellScript`, ...a.documentArns] },
            { Sid: "OnClusterNodes", Effect: "Allow", Action: "ssm:SendCommand", Resource: `arn:${a.partition}:ec2:${a.region}:*:instance/*`, Condition: { StringEquals: { [`ssm:resourceTag/kubernetes.io/cluster/${a.clusterName}`]: "owned" } } },
            { Sid: "OnManagementHost", Effect: "Allow", Action: "ssm:SendCommand", Resource: host },
            { Sid: "StartAndStopManagementHost", Effect: "Allow", Action: ["ec2:StartInstances", "ec2:StopInstances"], Resource: host },
            {
                Sid: "FollowCommands", Effect: "Allow",
                Action: ["ssm:GetCommandInvocation", "ssm:ListCommands", "ssm:ListCommandInvocations", "ssm:DescribeInstanceInformation", "ssm:DescribeAutomationExecutions", "ssm:DescribeSessions", "ec2:DescribeTags", "ec2:DescribeInstances", "ec2:DescribeInstanceStatus"],
                Resource: "*",
            },
            { Sid: "TagComputerName", Effect: "Allow", Action: "ec2:CreateTags", Resource: `arn:${a.partition}:ec2:${a.region}:*:instance/*`, Condition: { StringEquals: owned, "ForAllValues:StringEquals": { "aws:TagKeys": [computerNameTag] } } },
            { Sid: "CompleteLifecycleActions", Effect: "Allow", Action: "autoscaling:CompleteLifecycleAction", Resource: "*", Condition: { StringEquals: { [`autoscaling:ResourceTag/kubernetes.io/cluster/${a.clusterName}`]: "owned" } } },
        ],
    };
}

/** EventBridge may start exactly these runbooks, passing exactly the automation role. */
export function startAutomationPolicy(automationDefinitionArns: readonly string[], automationRoleArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "StartRunbooks", Effect: "Allow", Action: "ssm:StartAutomationExecution", Resource: [...automationDefinitionArns] },
            { Sid: "PassAutomationRole", Effect: "Allow", Action: "iam:PassRole", Resource: automationRoleArn, Condition: { StringEquals: { "iam:PassedToService": "ssm.amazonaws.com" } } },
        ],
    };
}
