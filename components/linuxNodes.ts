// Managed AL2023 Linux node group: system pods (CoreDNS, the gMSA webhook, cert-manager) run here.
// Its own launch template sets what EKS's generated one leaves open: IMDSv2 with one hop (pods do
// not inherit the node role) and an encrypted gp3 root volume.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterInfo } from "./cluster";
import { hostOnlyImds } from "./imds";
import { createNodeRole } from "./nodeRole";
import type { LinuxNodeSettings } from "../settings/types";

export interface LinuxNodesArgs {
    settings: LinuxNodeSettings;
    cluster: ClusterInfo;
    subnetIds: pulumi.Input<string[]>;
    partition: string;
    tags: Readonly<Record<string, string>>;
}

/** The root device of the EKS-optimized AL2023 AMIs (awslabs/amazon-eks-ami templates/al2023). */
export const al2023RootDevice = "/dev/xvda";

/**
 * The launch template of the managed Linux node group. Only what EKS lets a template set: no AMI
 * (EKS picks the AL2023 release for the cluster version and merges its bootstrap user data), no
 * instance profile, subnets or shutdown behaviour (prohibited), no security groups (EKS then adds
 * the cluster security group itself), no instance type (the node group lists them). The disk size
 * lives here because EKS rejects a node group's diskSize together with a launch template.
 */
export function linuxLaunchTemplateArgs(a: { clusterName: string; diskSizeGiB: number; tags: Readonly<Record<string, string>> }): aws.ec2.LaunchTemplateArgs {
    const instanceTags = { ...a.tags, Name: `${a.clusterName}-linux` };
    return {
        description: `EKS managed AL2023 Linux nodes (system pods) of ${a.clusterName}`,
        metadataOptions: { ...hostOnlyImds },
        blockDeviceMappings: [
            {
                deviceName: al2023RootDevice,
                ebs: { volumeSize: a.diskSizeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
            },
        ],
        tagSpecifications: [
            { resourceType: "instance", tags: instanceTags },
            { resourceType: "volume", tags: instanceTags },
        ],
        updateDefaultVersion: true,
        tags: { ...a.tags },
    };
}

/** What the plan records about the Linux node group. */
export interface LinuxNodesFacts {
    instanceTypes: string[];
    capacityType: LinuxNodeSettings["capacityType"];
    diskSizeGiB: number;
    minSize: number;
    desiredSize: number;
    maxSize: number;
}

export function linuxNodesFacts(s: LinuxNodeSettings): LinuxNodesFacts {
    return {
        instanceTypes: [...s.instanceTypes],
        capacityType: s.capacityType,
        diskSizeGiB: s.diskSizeGiB,
        minSize: s.minSize,
        desiredSize: s.desiredSize,
        maxSize: s.maxSize,
    };
}

export class LinuxNodes extends pulumi.ComponentResource {
    readonly roleArn: pulumi.Output<string>;
    readonly nodeGroupName: pulumi.Output<string>;
    /** The node group itself, for resources that need Linux nodes to schedule on. */
    readonly nodeGroup: aws.eks.NodeGroup;

    constructor(name: string, args: LinuxNodesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-gmsa:nodes:LinuxNodes", name, linuxNodesFacts(args.settings), opts);
        const s = args.settings;
        const { role, attachments } = createNodeRole("linux-node-role", "EKS managed Linux nodes (system pods)", args.partition, args.tags, this);
        const launchTemplate = new aws.ec2.LaunchTemplate(
            "linux-nodes",
            linuxLaunchTemplateArgs({ clusterName: args.cluster.name, diskSizeGiB: s.diskSizeGiB, tags: args.tags }),
            { parent: this },
        );
        // EKS makes the EC2_LINUX access entry for a managed node group's role by itself.
        const nodeGroup = new aws.eks.NodeGroup(
            "linux-nodes",
            {
                clusterName: args.cluster.createdName,
                nodeRoleArn: role.arn,
                subnetIds: args.subnetIds,
                amiType: "AL2023_x86_64_STANDARD",
                // Following the control plane's version makes an upgrade roll the nodes too.
                version: args.cluster.kubernetesVersion,
                instanceTypes: [...s.instanceTypes],
                capacityType: s.capacityType,
                // A new template version (disk size, tags) rolls the nodes like a version upgrade.
                launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
                scalingConfig: { minSize: s.minSize, desiredSize: s.desiredSize, maxSize: s.maxSize },
                updateConfig: { maxUnavailable: 1 },
                labels: { "eks-gmsa.io/node-role": "system" },
                tags: args.tags,
            },
            { parent: this, dependsOn: attachments },
        );
        this.nodeGroup = nodeGroup;
        this.roleArn = role.arn;
        this.nodeGroupName = nodeGroup.nodeGroupName;
        this.registerOutputs({ roleArn: this.roleArn, nodeGroupName: this.nodeGroupName });
    }
}
