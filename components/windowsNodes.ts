// Self-managed Windows node group (@pulumi/eks has none): IAM role and instance profile, security
// group, launch template with the EKS-optimized Windows AMI, auto scaling group, access entry.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterInfo } from "./cluster";
import { managedPolicyArn } from "../lib/aws";
import { hostOnlyImds } from "./imds";
import { createNodeRole } from "./nodeRole";
import { windowsAmiParameter } from "./windowsAmi";
import { kubeletNodeLabels, kubeletTaints, renderWindowsUserData } from "./windowsUserData";
import type { WindowsEdition, WindowsNodeSettings, WindowsServerVersion } from "../settings/types";

export interface WindowsNodesArgs {
    settings: WindowsNodeSettings;
    cluster: ClusterInfo;
    vpcId: pulumi.Input<string>;
    subnetIds: pulumi.Input<string[]>;
    partition: string;
    /** Domain-joined mode: lifecycle hooks the group holds new and leaving nodes with (see NodeLifecycle). */
    lifecycleHooks?: aws.types.input.autoscaling.GroupInitialLifecycleHook[];
    /** Domain-joined mode: the group's fixed name, which its lifecycle rules and policies name (NodeLifecycle.groupName). */
    groupName?: string;
    /** Created before the group: what its first lifecycle events need. */
    dependsOn?: pulumi.Resource[];
    /** Tags on each node, in addition to `tags` (e.g. the tag the domain-join association targets). */
    instanceTags?: Readonly<Record<string, string>>;
    /** AWS managed policies the node role needs in this configuration, attached before any node launches. */
    additionalManagedPolicies?: readonly ManagedPolicyAttachment[];
    tags: Readonly<Record<string, string>>;
}

/** An AWS managed policy (by name) for the node role; `formerParent`: where an earlier version attached it (kept by an alias). */
export interface ManagedPolicyAttachment {
    policy: string;
    formerParent?: pulumi.Input<string>;
}

/**
 * How long creating or updating the group waits for its nodes to be InService. Lifecycle hooks
 * hold a node in Pending:Wait until its domain join, group membership and reboot are done
 * (about a quarter of an hour, docs/deploy-time.md), past the provider's 10-minute default.
 */
export const hookedCapacityTimeout = "30m";

/**
 * How the group replaces nodes (instance refresh, health-check replacement): never fewer than the
 * desired capacity in service. EC2 Auto Scaling launches new instances before terminating old ones
 * when the minimum healthy percentage is 100, and needs the maximum above 100 for room to do so;
 * 200 leaves room for one extra node even in a group of one (dev), where anything lower rounds to
 * no room at all. (The Terraform provider's defaults, 90 and 100, terminate the only node first.)
 */
export const launchBeforeTerminate = { minHealthyPercentage: 100, maxHealthyPercentage: 200 } as const;

/** The labels every Windows node registers with (users' labels are added to these). */
export function windowsNodeLabels(userLabels: Readonly<Record<string, string>>): Record<string, string> {
    return { "eks-gmsa.io/node-role": "windows", ...userLabels };
}

/** What the plan records about the Windows node group (read by the review tooling; no secrets). */
export interface WindowsNodesFacts {
    windowsServerVersion: WindowsServerVersion;
    edition: WindowsEdition;
    instanceType: string;
    /** The labels as the kubelet gets them ("key=value"). */
    nodeLabels: string[];
    /** The taints as the kubelet gets them ("key=value:Effect"); empty when the taint is off. */
    taints: string[];
    minSize: number;
    desiredSize: number;
    maxSize: number;
    rootVolumeSizeGiB: number;
    /** Where the image comes from: the pinned AMI ID, or AWS's public SSM parameter for the EKS-optimized AMI. */
    ami: { id: string } | { ssmParameter: string };
    /** Domain-joined mode: new and leaving nodes are held by lifecycle hooks (their names). */
    lifecycleHooks: string[];
    /** AWS managed policies attached to the node role beyond the base ones. */
    additionalManagedPolicies: string[];
}

export function windowsNodesFacts(args: WindowsNodesArgs): WindowsNodesFacts {
    const s = args.settings;
    return {
        windowsServerVersion: s.windowsServerVersion,
        edition: s.edition,
        instanceType: s.instanceType,
        nodeLabels: kubeletNodeLabels(windowsNodeLabels(s.labels)),
        taints: kubeletTaints(s.taint),
        minSize: s.minSize,
        desiredSize: s.desiredSize,
        maxSize: s.maxSize,
        rootVolumeSizeGiB: s.rootVolumeSizeGiB,
        ami: s.amiId ? { id: s.amiId } : { ssmParameter: windowsAmiParameter(s.windowsServerVersion, s.edition, args.cluster.kubernetesVersion) },
        // Plain values only: an Output among a component's inputs holds back its children.
        lifecycleHooks: (args.lifecycleHooks ?? []).map((h) => h.name).filter((n): n is string => typeof n === "string"),
        additionalManagedPolicies: (args.additionalManagedPolicies ?? []).map((p) => p.policy),
    };
}

export class WindowsNodes extends pulumi.ComponentResource {
    readonly roleArn: pulumi.Output<string>;
    readonly roleName: pulumi.Output<string>;
    readonly securityGroupId: pulumi.Output<string>;
    readonly autoScalingGroupName: pulumi.Output<string>;
    readonly launchTemplateId: pulumi.Output<string>;
    readonly amiId: pulumi.Output<string>;

    constructor(name: string, args: WindowsNodesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-gmsa:nodes:WindowsNodes", name, windowsNodesFacts(args), opts);
        const s = args.settings;
        const cluster = args.cluster;
        const parent = { parent: this };

        const { role, attachments: baseAttachments } = createNodeRole("windows-node-role", "EKS self-managed Windows nodes", args.partition, args.tags, this);
        const attachments = [
            ...baseAttachments,
            ...(args.additionalManagedPolicies ?? []).map(
                ({ policy, formerParent }) =>
                    new aws.iam.RolePolicyAttachment(
                        `windows-node-role-${policy}`,
                        { role: role.name, policyArn: managedPolicyArn(args.partition, policy) },
                        {
                            parent: this,
                            ...(formerParent ? { aliases: [{ parent: formerParent }] } : {}),
                        },
                    ),
            ),
        ];
        const instanceProfile = new aws.iam.InstanceProfile("windows-node-profile", { role: role.name, tags: args.tags }, parent);

        // Nodes also carry the EKS cluster security group (control plane and Linux nodes, where
        // CoreDNS runs). This group is theirs alone: domain controllers can allow it by ID.
        const securityGroup = new aws.ec2.SecurityGroup(
            "windows-node-sg",
            {
                description: `Windows nodes of EKS cluster ${cluster.name}`,
                vpcId: args.vpcId,
                egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "All outbound (AD, ECR, AWS APIs)" }],
                tags: { ...args.tags, Name: `${cluster.name}-windows-nodes` },
            },
            parent,
        );

        const amiId = s.amiId
            ? pulumi.output(s.amiId)
            : aws.ssm.getParameterOutput({ name: windowsAmiParameter(s.windowsServerVersion, s.edition, cluster.kubernetesVersion) }, parent).value;

        const userData = pulumi.all([cluster.endpoint, cluster.certificateAuthority]).apply(([endpoint, ca]) =>
            Buffer.from(
                renderWindowsUserData({
                    clusterName: cluster.name,
                    apiServerEndpoint: endpoint,
                    certificateAuthority: ca,
                    serviceCidr: cluster.serviceCidr,
                    dnsClusterIp: cluster.dnsClusterIp,
                    labels: windowsNodeLabels(s.labels),
                    taint: s.taint,
                }),
            ).toString("base64"),
        );

        const instanceTags = { ...args.tags, ...args.instanceTags, Name: `${cluster.name}-windows` };
        const launchTemplate = new aws.ec2.LaunchTemplate(
            "windows-nodes",
            {
                description: `EKS Windows Server ${s.windowsServerVersion} ${s.edition} nodes of ${cluster.name}`,
                imageId: amiId,
                instanceType: s.instanceType,
                iamInstanceProfile: { arn: instanceProfile.arn },
                vpcSecurityGroupIds: [cluster.securityGroupId, securityGroup.id],
                ...(s.sshKeyName ? { keyName: s.sshKeyName } : {}),
                userData,
                // IMDSv2 only, one hop: containers cannot reach the node role's credentials (which in
                // domainless mode can read the AD identity's secret); host processes such as ccg.exe can.
                metadataOptions: { ...hostOnlyImds },
                blockDeviceMappings: [
                    {
                        deviceName: "/dev/sda1",
                        ebs: { volumeSize: s.rootVolumeSizeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
                    },
                ],
                tagSpecifications: [
                    { resourceType: "instance", tags: instanceTags },
                    { resourceType: "volume", tags: instanceTags },
                ],
                updateDefaultVersion: true,
                tags: args.tags,
            },
            { parent: this, dependsOn: attachments },
        );

        // EC2_WINDOWS: EKS maps the role to the node groups Windows nodes need; no policies allowed.
        const accessEntry = new aws.eks.AccessEntry(
            "windows-node-access",
            {
                clusterName: cluster.createdName,
                principalArn: role.arn,
                type: "EC2_WINDOWS",
                tags: args.tags,
            },
            parent,
        );

        const asgTags = Object.entries({ ...args.tags, Name: `${cluster.name}-windows`, [`kubernetes.io/cluster/${cluster.name}`]: "owned" }).map(
            ([key, value]) => ({ key, value, propagateAtLaunch: true }),
        );
        const autoScalingGroup = new aws.autoscaling.Group(
            "windows-nodes",
            {
                ...(args.groupName ? { name: args.groupName } : {}),
                vpcZoneIdentifiers: args.subnetIds,
                minSize: s.minSize,
                maxSize: s.maxSize,
                desiredCapacity: s.desiredSize,
                launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
                // A new launch template version (AMI, instance type, user data) replaces the nodes,
                // each replacement launched and warmed up before a node is terminated.
                instanceRefresh: { strategy: "Rolling", preferences: { ...launchBeforeTerminate, instanceWarmup: "600" } },
                // The same for nodes replaced after failing health checks.
                instanceMaintenancePolicy: { ...launchBeforeTerminate },
                // Windows nodes take several minutes to boot and join.
                healthCheckGracePeriod: 600,
                // Hooks exist only from the group's creation on, so the first nodes are held too;
                // a change of hooks (the gMSA mode) replaces the group, and the nodes with it.
                ...(args.lifecycleHooks && args.lifecycleHooks.length > 0
                    ? { initialLifecycleHooks: args.lifecycleHooks, waitForCapacityTimeout: hookedCapacityTimeout }
                    : {}),
                tags: asgTags,
            },
            { parent: this, dependsOn: [accessEntry, cluster.podNetworking, ...attachments, ...(args.dependsOn ?? [])] },
        );

        this.roleArn = role.arn;
        this.roleName = role.name;
        this.securityGroupId = securityGroup.id;
        this.autoScalingGroupName = autoScalingGroup.name;
        this.launchTemplateId = launchTemplate.id;
        this.amiId = amiId;
        this.registerOutputs({ roleArn: this.roleArn, securityGroupId: this.securityGroupId, autoScalingGroupName: this.autoScalingGroupName });
    }
}
