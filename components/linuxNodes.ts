// Managed AL2023 Linux node group: system pods (CoreDNS, the gMSA webhook, cert-manager) run here.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterInfo } from "./cluster";
import { createNodeRole } from "./nodeRole";
import type { LinuxNodeSettings } from "../settings/types";

export interface LinuxNodesArgs {
    settings: LinuxNodeSettings;
    cluster: ClusterInfo;
    subnetIds: pulumi.Input<string[]>;
    partition: string;
    tags: Readonly<Record<string, string>>;
}

export class LinuxNodes extends pulumi.ComponentResource {
    readonly roleArn: pulumi.Output<string>;
    readonly nodeGroupName: pulumi.Output<string>;
    /** The node group itself, for resources that need Linux nodes to schedule on. */
    readonly nodeGroup: aws.eks.NodeGroup;

    constructor(name: string, args: LinuxNodesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-gmsa:nodes:LinuxNodes", name, {}, opts);
        const s = args.settings;
        const { role, attachments } = createNodeRole("linux-node-role", "EKS managed Linux nodes (system pods)", args.partition, args.tags, this);
        // EKS makes the EC2_LINUX access entry for a managed node group's role by itself.
        const nodeGroup = new aws.eks.NodeGroup("linux-nodes", {
            clusterName: args.cluster.createdName,
            nodeRoleArn: role.arn,
            subnetIds: args.subnetIds,
            amiType: "AL2023_x86_64_STANDARD",
            // Following the control plane's version makes an upgrade roll the nodes too.
            version: args.cluster.kubernetesVersion,
            instanceTypes: [...s.instanceTypes],
            capacityType: s.capacityType,
            diskSize: s.diskSizeGiB,
            scalingConfig: { minSize: s.minSize, desiredSize: s.desiredSize, maxSize: s.maxSize },
            updateConfig: { maxUnavailable: 1 },
            labels: { "eks-gmsa.io/node-role": "system" },
            tags: args.tags,
        }, { parent: this, dependsOn: attachments });
        this.nodeGroup = nodeGroup;
        this.roleArn = role.arn;
        this.nodeGroupName = nodeGroup.nodeGroupName;
        this.registerOutputs({ roleArn: this.roleArn, nodeGroupName: this.nodeGroupName });
    }
}
