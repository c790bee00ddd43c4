// Domain-joined mode: the Automation runbooks the Windows auto scaling group's lifecycle hooks
// start, the documents they run, the EventBridge wiring, and what the runbooks' role may do. Pure
// and tested.
//
// Nothing a node reports is trusted. The node is identified by EC2 Auto Scaling's record of it
// (its instance ID in this cluster's group, which the node cannot change) and EC2's LaunchTime;
// the computer name the node prints after joining only tells the AD step which account to
// examine, and that step (the Python package's node-join, on the management host) refuses an
// account outside the cluster's join OU, created before the instance was launched, or already
// bound to another instance. The termination runbook passes only the instance ID: node-cleanup
// deletes only the account node-join bound to it. Every document a runbook runs is this stack's
// own, pinned to the version this deployment created; no role may send a free-form script.
//
// The management host is stopped when nothing uses it (it holds the directory Admin's
// credentials): each runbook starts it for its AD step and ends by stopping it again unless
// another execution, a command or a session still needs it (./scripts/release-management-host.py;
// docs/active-directory.md has the race analysis).
import * as fs from "node:fs";
import * as path from "node:path";
import { nodeParameters } from "./directoryDocuments";
import type { PolicyDocument } from "./iamPolicies";
import { runOnManagementHostStatements } from "./managementHostAccess";

/** Runbook names; both share this prefix, which the host's release step looks for. */
export function lifecycleRunbookNames(clusterName: string) {
    return { launch: `${clusterName}-windows-node-launch`, termination: `${clusterName}-windows-node-termination`, prefix: `${clusterName}-windows-node-` };
}

const scriptFile = (name: string) => fs.readFileSync(path.join(__dirname, "scripts", name), "utf8");

/** Python (aws:executeScript): stops the management host unless something else needs it. */
export const releaseHostScript = scriptFile("release-management-host.py");
/** Python (aws:executeScript): the node's group and LaunchTime from AWS, and the name it printed. */
export const nodeFactsScript = scriptFile("lifecycle-node-facts.py");
/** PowerShell run on the nodes by the node documents; fixed text, no parameters. */
export const nodeScripts = {
    waitForDomainJoin: scriptFile("node-wait-for-domain-join.ps1"),
    rebootOnce: scriptFile("node-reboot-once.ps1"),
};

/** A node-side Command document (schema 2.2): one fixed PowerShell script, no parameters. */
export function nodeCommandDocument(description: string, script: string, timeoutSeconds: number): string {
    return JSON.stringify(
        {
            schemaVersion: "2.2",
            description,
            mainSteps: [
                {
                    action: "aws:runPowerShellScript",
                    name: "run",
                    precondition: { StringEquals: ["platformType", "Windows"] },
                    inputs: { runCommand: script.split(/\r?\n/), timeoutSeconds: String(timeoutSeconds) },
                },
            ],
        },
        null,
        2,
    );
}

/** A document a runbook runs, at the version this deployment created. */
export interface PinnedDocument {
    name: string;
    version: string;
}

/** What both runbooks know from deployment, not from the event that starts them. */
export interface LifecycleTarget {
    automationRoleArn: string;
    managementHostId: string;
    /** Prefix of both lifecycle runbooks' names (lifecycleRunbookNames().prefix). */
    runbookPrefix: string;
    /** This cluster's Windows auto scaling group. */
    groupName: string;
    /** The lifecycle hook the runbook completes. */
    hookName: string;
}

export interface LaunchRunbookArgs extends LifecycleTarget {
    domainName: string;
    documents: { waitForDomainJoin: PinnedDocument; addToReadersGroup: PinnedDocument; rebootOnce: PinnedDocument };
}

export interface TerminationRunbookArgs extends LifecycleTarget {
    documents: { deleteComputerAccount: PinnedDocument };
}

/**
 * An Automation runbook (schema 0.3) acting as the automation role. Its one input is the
 * instance; the group and the hook are fixed here, so an event of another group cannot make it
 * complete that group's lifecycle actions.
 */
function automationRunbook(description: string, automationRoleArn: string, mainSteps: object[]): string {
    return JSON.stringify(
        {
            schemaVersion: "0.3",
            description,
            assumeRole: "{{ AutomationAssumeRole }}",
            parameters: {
                InstanceId: { type: "String", description: "The launching or terminating node", allowedPattern: nodeParameters.InstanceId.allowedPattern },
                AutomationAssumeRole: { type: "String", description: "Role the runbook acts as", default: automationRoleArn },
            },
            mainSteps,
        },
        null,
        2,
    );
}

function completeLifecycle(name: string, result: "CONTINUE" | "ABANDON", t: LifecycleTarget): object {
    return {
        name,
        action: "aws:executeAwsApi",
        isEnd: true,
        inputs: {
            Service: "autoscaling",
            Api: "CompleteLifecycleAction",
            AutoScalingGroupName: t.groupName,
            LifecycleHookName: t.hookName,
            InstanceId: "{{ InstanceId }}",
            LifecycleActionResult: result,
        },
    };
}

/** Run one of this stack's documents, at its pinned version. */
function runDocument(
    name: string,
    document: PinnedDocument,
    instanceIds: string[],
    options: { parameters?: Record<string, string[]>; maxAttempts: number; timeoutSeconds: number; onFailure: string },
): Record<string, unknown> {
    return {
        name,
        action: "aws:runCommand",
        maxAttempts: options.maxAttempts,
        timeoutSeconds: options.timeoutSeconds,
        onFailure: options.onFailure,
        inputs: {
            DocumentName: document.name,
            DocumentVersion: document.version,
            InstanceIds: instanceIds,
            ...(options.parameters ? { Parameters: options.parameters } : {}),
        },
    };
}

/** The node must be an instance of this group (else the step fails); outputs its LaunchTime. */
function readNodeStep(t: LifecycleTarget, onFailure: string): object {
    return {
        name: "readNode",
        action: "aws:executeScript",
        timeoutSeconds: 120,
        onFailure,
        inputs: {
            Runtime: "python3.11",
            Handler: "node_facts",
            Script: nodeFactsScript,
            InputPayload: { InstanceId: "{{ InstanceId }}", GroupName: t.groupName },
        },
        outputs: [{ Name: "LaunchTime", Selector: "$.Payload.launchTime", Type: "String" }],
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
            name: "waitWhileHostStops",
            action: "aws:waitForAwsResourceProperty",
            timeoutSeconds: 600,
            onFailure,
            inputs: {
                Service: "ec2",
                Api: "DescribeInstances",
                InstanceIds: [hostId],
                PropertySelector: "$.Reservations[0].Instances[0].State.Name",
                DesiredValues: ["pending", "running", "stopped"],
            },
        },
        {
            name: "startManagementHost",
            action: "aws:changeInstanceState",
            maxAttempts: 3,
            timeoutSeconds: 900,
            onFailure,
            inputs: { InstanceIds: [hostId], DesiredState: "running" },
        },
        {
            name: "waitForManagementHost",
            action: "aws:waitForAwsResourceProperty",
            timeoutSeconds: 900,
            onFailure,
            inputs: {
                Service: "ssm",
                Api: "DescribeInstanceInformation",
                InstanceInformationFilterList: [{ key: "InstanceIds", valueSet: [hostId] }],
                PropertySelector: "$.InstanceInformationList[0].PingStatus",
                DesiredValues: ["Online"],
            },
        },
    ];
}

/** Stop the host unless another execution, a command or a session needs it; never fails the runbook. */
function releaseHostStep(name: string, hostId: string, runbookPrefix: string, next: string): object {
    return {
        name,
        action: "aws:executeScript",
        timeoutSeconds: 600,
        onFailure: `step:${next}`,
        isCritical: false,
        nextStep: next,
        inputs: {
            Runtime: "python3.11",
            Handler: "handler",
            Script: releaseHostScript,
            InputPayload: { HostId: hostId, RunbookPrefix: runbookPrefix, ExecutionId: "{{ automation:EXECUTION_ID }}" },
        },
        outputs: [{ Name: "Host", Selector: "$.Payload.host", Type: "String" }],
    };
}

/**
 * Launch: check the node is this group's and read its LaunchTime, wait until it has joined the
 * domain (the join association does it) and read the name it joined with, start the management
 * host and add the node's account to the readers' group there (node-join decides whether that
 * account may be touched), release the host, reboot the node once so its Kerberos tickets carry
 * the membership, then let it into service. A node that cannot retrieve gMSA passwords is
 * abandoned (the group replaces it) rather than serving broken pods; the host is released on
 * that path too.
 */
export function nodeLaunchRunbook(a: LaunchRunbookArgs): string {
    const abandon = "step:abandon";
    const releaseThenAbandon = "step:releaseHostThenAbandon";
    return automationRunbook("eks-gmsa: a new Windows node joins the gMSA readers' group before it serves pods", a.automationRoleArn, [
        readNodeStep(a, abandon),
        runDocument("waitForDomainJoin", a.documents.waitForDomainJoin, ["{{ InstanceId }}"], { maxAttempts: 2, timeoutSeconds: 1800, onFailure: abandon }),
        {
            name: "readComputerName",
            action: "aws:executeScript",
            timeoutSeconds: 120,
            onFailure: abandon,
            inputs: {
                Runtime: "python3.11",
                Handler: "reported_name",
                Script: nodeFactsScript,
                InputPayload: { Output: "{{ waitForDomainJoin.Output }}", DomainName: a.domainName },
            },
            outputs: [{ Name: "ComputerName", Selector: "$.Payload.computerName", Type: "String" }],
        },
        ...startHostSteps(a.managementHostId, releaseThenAbandon),
        runDocument("addToReadersGroup", a.documents.addToReadersGroup, [a.managementHostId], {
            parameters: {
                ComputerName: ["{{ readComputerName.ComputerName }}"],
                InstanceId: ["{{ InstanceId }}"],
                CreatedAfter: ["{{ readNode.LaunchTime }}"],
            },
            maxAttempts: 2,
            timeoutSeconds: 900,
            onFailure: releaseThenAbandon,
        }),
        releaseHostStep("releaseHost", a.managementHostId, a.runbookPrefix, "rebootOnce"),
        {
            ...runDocument("rebootOnce", a.documents.rebootOnce, ["{{ InstanceId }}"], { maxAttempts: 2, timeoutSeconds: 1200, onFailure: abandon }),
            nextStep: "continue",
        },
        completeLifecycle("continue", "CONTINUE", a),
        releaseHostStep("releaseHostThenAbandon", a.managementHostId, a.runbookPrefix, "abandon"),
        completeLifecycle("abandon", "ABANDON", a),
    ]);
}

/**
 * Termination: check the node is this group's, start the management host, delete the account
 * node-join bound to this instance (if any) on it, release the host, and always complete the
 * lifecycle action (a cleanup failure must not hold a node, and the hook's timeout would
 * continue anyway).
 */
export function nodeTerminationRunbook(a: TerminationRunbookArgs): string {
    const release = "step:releaseHost";
    return automationRunbook("eks-gmsa: delete the AD computer account of a Windows node that is being terminated", a.automationRoleArn, [
        { ...readNodeStep(a, "step:continue"), isCritical: false },
        ...startHostSteps(a.managementHostId, release).map((step) => ({ ...step, isCritical: false })),
        {
            ...runDocument("deleteComputerAccount", a.documents.deleteComputerAccount, [a.managementHostId], {
                parameters: { InstanceId: ["{{ InstanceId }}"] },
                maxAttempts: 2,
                timeoutSeconds: 900,
                onFailure: release,
            }),
            isCritical: false,
        },
        releaseHostStep("releaseHost", a.managementHostId, a.runbookPrefix, "continue"),
        completeLifecycle("continue", "CONTINUE", a),
    ]);
}

/** EventBridge → Automation: the runbook's one parameter from a lifecycle-action event. */
export const lifecycleEventInput = {
    inputPaths: { instance: "$.detail.EC2InstanceId" },
    inputTemplate: '{"InstanceId":[<instance>]}',
};

/** Lifecycle actions of this group's hook only: another group with a hook of the same name does not match. */
export function lifecycleEventPattern(transition: "launch" | "terminate", groupName: string, hookName: string): string {
    return JSON.stringify({
        source: ["aws.autoscaling"],
        "detail-type": [transition === "launch" ? "EC2 Instance-launch Lifecycle Action" : "EC2 Instance-terminate Lifecycle Action"],
        detail: { AutoScalingGroupName: [groupName], LifecycleHookName: [hookName] },
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
    /** This cluster's Windows auto scaling group. */
    groupName: string;
    managementHostId: string;
    /** ARNs of the Command documents the runbooks run on the nodes. */
    nodeDocumentArns: readonly string[];
    /** ARNs of the Command documents the runbooks run on the management host. */
    hostDocumentArns: readonly string[];
}

/**
 * What the runbooks may do: run this stack's node documents on instances of this cluster's
 * Windows group (by the aws:autoscaling:groupName tag EC2 Auto Scaling puts on them, which no
 * user may set or change) and its host documents on the management host, start and stop that
 * one host, and complete lifecycle actions of that one group. No AWS-owned document: no role
 * may send a free-form script. The Describe/List calls that follow commands, instances and
 * sessions have no resource-level permissions.
 */
export function nodeLifecycleAutomationPolicy(a: AutomationPolicyArgs): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "RunNodeDocuments", Effect: "Allow", Action: "ssm:SendCommand", Resource: [...a.nodeDocumentArns] },
            {
                Sid: "OnGroupNodes",
                Effect: "Allow",
                Action: "ssm:SendCommand",
                Resource: `arn:${a.partition}:ec2:${a.region}:*:instance/*`,
                Condition: { StringEquals: { "ssm:resourceTag/aws:autoscaling:groupName": a.groupName } },
            },
            ...runOnManagementHostStatements({
                partition: a.partition,
                region: a.region,
                managementHostId: a.managementHostId,
                documentArns: a.hostDocumentArns,
                alsoFollow: ["autoscaling:DescribeAutoScalingInstances"],
            }),
            {
                Sid: "CompleteLifecycleActions",
                Effect: "Allow",
                Action: "autoscaling:CompleteLifecycleAction",
                Resource: `arn:${a.partition}:autoscaling:${a.region}:*:autoScalingGroup:*:autoScalingGroupName/${a.groupName}`,
            },
        ],
    };
}

/** EventBridge may start exactly these runbooks, passing exactly the automation role. */
export function startAutomationPolicy(automationDefinitionArns: readonly string[], automationRoleArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "StartRunbooks", Effect: "Allow", Action: "ssm:StartAutomationExecution", Resource: [...automationDefinitionArns] },
            {
                Sid: "PassAutomationRole",
                Effect: "Allow",
                Action: "iam:PassRole",
                Resource: automationRoleArn,
                Condition: { StringEquals: { "iam:PassedToService": "ssm.amazonaws.com" } },
            },
        ],
    };
}
