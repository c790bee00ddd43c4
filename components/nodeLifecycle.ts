// Domain-joined mode, the nodes' AD lifecycle: a launching Windows node's computer account joins
// the gMSA readers' group (and the node reboots once so its tickets carry it) before it goes into
// service; a terminating node's computer account is deleted. Auto scaling lifecycle hooks hold
// the node, EventBridge starts an SSM Automation runbook, the runbook starts the management host,
// runs the AD part on it, stops it again when nothing else needs it, and completes the lifecycle
// action.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { commandDocument, nodeAccountParameters, renderComputerCleanupScript, renderNodeMembershipScript, type DirectoryTarget } from "./directoryDocuments";
import {
    automationDefinitionArn, lifecycleEventInput, lifecycleEventPattern, lifecycleRunbookNames, nodeLaunchRunbook, nodeLifecycleAutomationPolicy,
    nodeTerminationRunbook, startAutomationPolicy,
} from "./nodeLifecycleRunbooks";
import { serviceTrustPolicy } from "./iamPolicies";

export interface NodeLifecycleArgs {
    directory: pulumi.Input<DirectoryTarget>;
    readersGroup: string;
    joinOu?: string;
    managementHostId: pulumi.Input<string>;
    clusterName: string;
    region: string;
    partition: string;
    tags: Readonly<Record<string, string>>;
}

/** Hook names; the EventBridge rules match on them (the group's name is generated). */
export function lifecycleHookNames(clusterName: string) {
    return { launch: `${clusterName}-windows-join-readers-group`, terminate: `${clusterName}-windows-delete-computer-account` };
}

/**
 * The hooks, given to the auto scaling group at creation so even its first nodes are held.
 * Launch: an hour for domain join, membership and two reboots; a node not finished by then is
 * abandoned. Terminate: fifteen minutes, then the node goes regardless.
 */
export function lifecycleHookSpecs(clusterName: string): aws.types.input.autoscaling.GroupInitialLifecycleHook[] {
    const names = lifecycleHookNames(clusterName);
    return [
        { name: names.launch, lifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING", heartbeatTimeout: 3600, defaultResult: "ABANDON" },
        { name: names.terminate, lifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING", heartbeatTimeout: 900, defaultResult: "CONTINUE" },
    ];
}

export class NodeLifecycle extends pulumi.ComponentResource {
    /** Pass to the Windows auto scaling group (initialLifecycleHooks). */
    readonly hooks: aws.types.input.autoscaling.GroupInitialLifecycleHook[];
    /** The group must be created after these, or its first events would find no rule. */
    readonly readyBeforeNodes: pulumi.Resource[];
    readonly launchRunbookName: pulumi.Output<string>;
    readonly terminationRunbookName: pulumi.Output<string>;
    /** Both runbooks' name prefix: what else uses the management host looks for executions under it. */
    readonly runbookPrefix: string;

    constructor(name: string, args: NodeLifecycleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-gmsa:directory:NodeLifecycle", name, {}, opts);
        const parent = { parent: this };
        const prefix = args.clusterName;
        const runbookNames = lifecycleRunbookNames(prefix);
        const scriptArgs = pulumi.output(args.directory).apply((d) => ({ ...d, readersGroup: args.readersGroup, ...(args.joinOu ? { joinOu: args.joinOu } : {}) }));

        const membership = new aws.ssm.Document("ad-add-node-to-readers", {
            name: `${prefix}-ad-add-node-to-readers`,
            documentType: "Command",
            documentFormat: "JSON",
            content: scriptArgs.apply((a) => commandDocument(`eks-gmsa: add a Windows node of ${prefix} to ${args.readersGroup}`, renderNodeMembershipScript(a), nodeAccountParameters)),
            tags: args.tags,
        }, parent);
        const cleanup = new aws.ssm.Document("ad-delete-node-computer", {
            name: `${prefix}-ad-delete-node-computer`,
            documentType: "Command",
            documentFormat: "JSON",
            content: scriptArgs.apply((a) => commandDocument(`eks-gmsa: delete the computer account of a removed Windows node of ${prefix}`, renderComputerCleanupScript(a), nodeAccountParameters)),
            tags: args.tags,
        }, parent);

        const automationRole = new aws.iam.Role("node-lifecycle-automation-role", {
            description: `Runs the AD lifecycle runbooks of the Windows nodes of ${prefix}`,
            assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ssm")),
            tags: args.tags,
        }, parent);
        const automationPolicy = new aws.iam.RolePolicy("node-lifecycle-automation", {
            role: automationRole.name,
            policy: pulumi.all([args.managementHostId, membership.arn, cleanup.arn]).apply(([hostId, membershipArn, cleanupArn]) => JSON.stringify(nodeLifecycleAutomationPolicy({
                partition: args.partition, region: args.region, clusterName: prefix, managementHostId: hostId, documentArns: [membershipArn, cleanupArn],
            }))),
        }, parent);

        const launchRunbook = new aws.ssm.Document("node-launch-runbook", {
            name: runbookNames.launch,
            documentType: "Automation",
            documentFormat: "JSON",
            content: pulumi.all([scriptArgs, automationRole.arn, args.managementHostId, membership.name]).apply(([d, roleArn, hostId, documentName]) =>
                nodeLaunchRunbook({ domainName: d.domainName, automationRoleArn: roleArn, managementHostId: hostId, membershipDocument: documentName, runbookPrefix: runbookNames.prefix })),
            tags: args.tags,
        }, parent);
        const terminationRunbook = new aws.ssm.Document("node-termination-runbook", {
            name: runbookNames.termination,
            documentType: "Automation",
            documentFormat: "JSON",
            content: pulumi.all([automationRole.arn, args.managementHostId, cleanup.name]).apply(([roleArn, hostId, documentName]) =>
                nodeTerminationRunbook({ automationRoleArn: roleArn, managementHostId: hostId, cleanupDocument: documentName, runbookPrefix: runbookNames.prefix })),
            tags: args.tags,
        }, parent);

        const eventsRole = new aws.iam.Role("node-lifecycle-events-role", {
            description: `Lets EventBridge start the AD lifecycle runbooks of ${prefix}`,
            assumeRolePolicy: JSON.stringify(serviceTrustPolicy("events")),
            tags: args.tags,
        }, parent);
        const eventsPolicy = new aws.iam.RolePolicy("node-lifecycle-start-runbooks", {
            role: eventsRole.name,
            policy: pulumi.all([launchRunbook.arn, terminationRunbook.arn, automationRole.arn]).apply(([launchArn, terminationArn, roleArn]) =>
                JSON.stringify(startAutomationPolicy([automationDefinitionArn(launchArn), automationDefinitionArn(terminationArn)], roleArn))),
        }, parent);

        const hookNames = lifecycleHookNames(prefix);
        const ready: pulumi.Resource[] = [automationPolicy, eventsPolicy];
        for (const [transition, runbook] of [["launch", launchRunbook], ["terminate", terminationRunbook]] as const) {
            const rule = new aws.cloudwatch.EventRule(`windows-node-${transition}-rule`, {
                description: `eks-gmsa: ${transition === "launch" ? "a Windows node of" : "a Windows node leaving"} ${prefix} (lifecycle hook ${hookNames[transition]})`,
                eventPattern: lifecycleEventPattern(transition, hookNames[transition]),
                tags: args.tags,
            }, parent);
            const target = new aws.cloudwatch.EventTarget(`windows-node-${transition}-target`, {
                rule: rule.name,
                arn: runbook.arn.apply((arn) => automationDefinitionArn(arn)),
                roleArn: eventsRole.arn,
                inputTransformer: lifecycleEventInput,
            }, parent);
            ready.push(target);
        }

        this.hooks = lifecycleHookSpecs(prefix);
        this.readyBeforeNodes = ready;
        this.launchRunbookName = launchRunbook.name;
        this.terminationRunbookName = terminationRunbook.name;
        this.runbookPrefix = runbookNames.prefix;
        this.registerOutputs({ launchRunbookName: this.launchRunbookName, terminationRunbookName: this.terminationRunbookName });
    }
}
