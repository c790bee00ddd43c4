// Domain-joined mode, the nodes' AD lifecycle: a launching Windows node's computer account joins
// the gMSA readers' group (and the node reboots once so its tickets carry it) before it goes into
// service; a terminating node's computer account is deleted. Auto scaling lifecycle hooks hold
// the node, EventBridge starts an SSM Automation runbook for this group's events only, the
// runbook starts the management host, runs the AD part on it, stops it again when nothing else
// needs it, and completes the lifecycle action. ./nodeLifecycleRunbooks.ts says what is trusted.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { adCommandDocument, nodeOperationParameters, type AdPayload } from "./directoryDocuments";
import {
    automationDefinitionArn,
    lifecycleEventInput,
    lifecycleEventPattern,
    lifecycleRunbookNames,
    nodeCommandDocument,
    nodeLaunchRunbook,
    nodeLifecycleAutomationPolicy,
    nodeScripts,
    nodeTerminationRunbook,
    startAutomationPolicy,
} from "./nodeLifecycleRunbooks";
import { serviceTrustPolicy } from "./iamPolicies";

export interface NodeLifecycleArgs {
    /** Where the management host's AD runs find the directory and whose credentials they use. */
    payload: pulumi.Input<Omit<AdPayload, "operation" | "joinOu">>;
    /** The OU dedicated to this cluster's nodes: node-join and node-cleanup touch no computer outside it. */
    joinOu: string;
    managementHostId: pulumi.Input<string>;
    clusterName: string;
    region: string;
    partition: string;
    tags: Readonly<Record<string, string>>;
}

/** Hook names; the EventBridge rules match on them and on the group's name. */
export function lifecycleHookNames(clusterName: string) {
    return { launch: `${clusterName}-windows-join-readers-group`, terminate: `${clusterName}-windows-delete-computer-account` };
}

/**
 * The Windows auto scaling group's name in domain-joined mode. Fixed, not generated: the rules,
 * the runbooks and the IAM policy name it before the group exists, and its first nodes are held
 * by the hooks from the moment it is created.
 */
export function windowsGroupName(clusterName: string): string {
    return `${clusterName}-windows-nodes`;
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

/**
 * A management-host document for a node operation: it takes exactly the operation's parameters
 * (nodeOperationParameters), which SSM checks and hands to the Python as environment variables.
 */
export function nodeOperationDocument(description: string, payload: AdPayload & { operation: "node-join" | "node-cleanup" }, packageDir?: string): string {
    return adCommandDocument({ description, payload, parameters: nodeOperationParameters[payload.operation], ...(packageDir ? { packageDir } : {}) });
}

/** What the plan records about the domain-joined nodes' lifecycle. */
export interface NodeLifecycleFacts {
    clusterName: string;
    /** The only OU whose computers the runbooks touch. */
    joinOu: string;
    /** The Windows auto scaling group's fixed name the hooks and rules name. */
    groupName: string;
}

export class NodeLifecycle extends pulumi.ComponentResource {
    /** Pass to the Windows auto scaling group (initialLifecycleHooks). */
    readonly hooks: aws.types.input.autoscaling.GroupInitialLifecycleHook[];
    /** Pass to the Windows auto scaling group (name): the rules and the policy name it. */
    readonly groupName: string;
    /** The group must be created after these, or its first events would find no rule. */
    readonly readyBeforeNodes: pulumi.Resource[];
    readonly launchRunbookName: pulumi.Output<string>;
    readonly terminationRunbookName: pulumi.Output<string>;
    /** Both runbooks' name prefix: what else uses the management host looks for executions under it. */
    readonly runbookPrefix: string;
    /** The role the runbooks run as: it sends the host documents to the management host. */
    readonly automationRoleArn: pulumi.Output<string>;
    /** The role EventBridge starts the runbooks with (it passes the automation role). */
    readonly eventsRoleArn: pulumi.Output<string>;
    /** Every document and runbook: who may change one runs code as the runbooks' role, on the nodes or the host. */
    readonly documentArns: pulumi.Output<string>[];

    constructor(name: string, args: NodeLifecycleArgs, opts?: pulumi.ComponentResourceOptions) {
        super(
            "eks-gmsa:directory:NodeLifecycle",
            name,
            { clusterName: args.clusterName, joinOu: args.joinOu, groupName: windowsGroupName(args.clusterName) } satisfies NodeLifecycleFacts,
            opts,
        );
        const parent = { parent: this };
        const prefix = args.clusterName;
        const runbookNames = lifecycleRunbookNames(prefix);
        const groupName = windowsGroupName(prefix);
        const hookNames = lifecycleHookNames(prefix);
        const payload = pulumi.output(args.payload);
        const domainName = payload.apply((p) => p.domain.dnsName);

        const document = (resourceName: string, documentName: string, content: pulumi.Input<string>) =>
            new aws.ssm.Document(
                resourceName,
                {
                    name: documentName,
                    documentType: "Command",
                    documentFormat: "JSON",
                    content,
                    tags: args.tags,
                },
                parent,
            );
        // On the management host: the Python AD package, one payload, the node's values as parameters.
        const membership = document(
            "ad-add-node-to-readers",
            `${prefix}-ad-add-node-to-readers`,
            payload.apply((p) =>
                nodeOperationDocument(
                    `eks-gmsa: add a new Windows node of ${prefix} to ${p.readersGroup} (its computer account in ${args.joinOu}, created after the node was launched)`,
                    { ...p, operation: "node-join", joinOu: args.joinOu },
                ),
            ),
        );
        const cleanup = document(
            "ad-delete-node-computer",
            `${prefix}-ad-delete-node-computer`,
            payload.apply((p) =>
                nodeOperationDocument(`eks-gmsa: delete the computer account node-join bound to a removed Windows node of ${prefix}`, {
                    ...p,
                    operation: "node-cleanup",
                    joinOu: args.joinOu,
                }),
            ),
        );
        // On the nodes: fixed PowerShell, no parameters.
        const waitForJoin = document(
            "node-wait-for-domain-join",
            `${prefix}-node-wait-for-domain-join`,
            nodeCommandDocument(
                `eks-gmsa: wait until a new Windows node of ${prefix} has joined the domain, and print the name it joined with`,
                nodeScripts.waitForDomainJoin,
                1700,
            ),
        );
        const rebootOnce = document(
            "node-reboot-once",
            `${prefix}-node-reboot-once`,
            nodeCommandDocument(
                `eks-gmsa: reboot a new Windows node of ${prefix} once, so its Kerberos tickets carry the readers' group`,
                nodeScripts.rebootOnce,
                600,
            ),
        );
        const pinned = (d: aws.ssm.Document) => pulumi.all([d.name, d.latestVersion]).apply(([n, version]) => ({ name: n, version }));

        const automationRole = new aws.iam.Role(
            "node-lifecycle-automation-role",
            {
                description: `Runs the AD lifecycle runbooks of the Windows nodes of ${prefix}`,
                assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ssm")),
                tags: args.tags,
            },
            parent,
        );
        const automationPolicy = new aws.iam.RolePolicy(
            "node-lifecycle-automation",
            {
                role: automationRole.name,
                policy: pulumi
                    .all([args.managementHostId, waitForJoin.arn, rebootOnce.arn, membership.arn, cleanup.arn])
                    .apply(([hostId, waitArn, rebootArn, membershipArn, cleanupArn]) =>
                        JSON.stringify(
                            nodeLifecycleAutomationPolicy({
                                partition: args.partition,
                                region: args.region,
                                groupName,
                                managementHostId: hostId,
                                nodeDocumentArns: [waitArn, rebootArn],
                                hostDocumentArns: [membershipArn, cleanupArn],
                            }),
                        ),
                    ),
            },
            parent,
        );

        const target = (hostId: string, roleArn: string) => ({
            automationRoleArn: roleArn,
            managementHostId: hostId,
            runbookPrefix: runbookNames.prefix,
            groupName,
        });
        const launchRunbook = new aws.ssm.Document(
            "node-launch-runbook",
            {
                name: runbookNames.launch,
                documentType: "Automation",
                documentFormat: "JSON",
                content: pulumi
                    .all([domainName, automationRole.arn, args.managementHostId, pinned(waitForJoin), pinned(membership), pinned(rebootOnce)])
                    .apply(([domain, roleArn, hostId, wait, add, reboot]) =>
                        nodeLaunchRunbook({
                            ...target(hostId, roleArn),
                            hookName: hookNames.launch,
                            domainName: domain,
                            documents: { waitForDomainJoin: wait, addToReadersGroup: add, rebootOnce: reboot },
                        }),
                    ),
                tags: args.tags,
            },
            parent,
        );
        const terminationRunbook = new aws.ssm.Document(
            "node-termination-runbook",
            {
                name: runbookNames.termination,
                documentType: "Automation",
                documentFormat: "JSON",
                content: pulumi.all([automationRole.arn, args.managementHostId, pinned(cleanup)]).apply(([roleArn, hostId, remove]) =>
                    nodeTerminationRunbook({
                        ...target(hostId, roleArn),
                        hookName: hookNames.terminate,
                        documents: { deleteComputerAccount: remove },
                    }),
                ),
                tags: args.tags,
            },
            parent,
        );

        const eventsRole = new aws.iam.Role(
            "node-lifecycle-events-role",
            {
                description: `Lets EventBridge start the AD lifecycle runbooks of ${prefix}`,
                assumeRolePolicy: JSON.stringify(serviceTrustPolicy("events")),
                tags: args.tags,
            },
            parent,
        );
        const eventsPolicy = new aws.iam.RolePolicy(
            "node-lifecycle-start-runbooks",
            {
                role: eventsRole.name,
                policy: pulumi
                    .all([launchRunbook.arn, terminationRunbook.arn, automationRole.arn])
                    .apply(([launchArn, terminationArn, roleArn]) =>
                        JSON.stringify(startAutomationPolicy([automationDefinitionArn(launchArn), automationDefinitionArn(terminationArn)], roleArn)),
                    ),
            },
            parent,
        );

        const ready: pulumi.Resource[] = [automationPolicy, eventsPolicy];
        for (const [transition, runbook] of [
            ["launch", launchRunbook],
            ["terminate", terminationRunbook],
        ] as const) {
            const rule = new aws.cloudwatch.EventRule(
                `windows-node-${transition}-rule`,
                {
                    description: `eks-gmsa: ${transition === "launch" ? "a Windows node of" : "a Windows node leaving"} ${groupName} (lifecycle hook ${hookNames[transition]})`,
                    eventPattern: lifecycleEventPattern(transition, groupName, hookNames[transition]),
                    tags: args.tags,
                },
                parent,
            );
            const ruleTarget = new aws.cloudwatch.EventTarget(
                `windows-node-${transition}-target`,
                {
                    rule: rule.name,
                    arn: runbook.arn.apply((arn) => automationDefinitionArn(arn)),
                    roleArn: eventsRole.arn,
                    inputTransformer: lifecycleEventInput,
                },
                parent,
            );
            ready.push(ruleTarget);
        }

        this.hooks = lifecycleHookSpecs(prefix);
        this.groupName = groupName;
        this.readyBeforeNodes = ready;
        this.launchRunbookName = launchRunbook.name;
        this.terminationRunbookName = terminationRunbook.name;
        this.runbookPrefix = runbookNames.prefix;
        this.automationRoleArn = automationRole.arn;
        this.eventsRoleArn = eventsRole.arn;
        this.documentArns = [membership, cleanup, waitForJoin, rebootOnce, launchRunbook, terminationRunbook].map((d) => d.arn);
        this.registerOutputs({ launchRunbookName: this.launchRunbookName, terminationRunbookName: this.terminationRunbookName });
    }
}
