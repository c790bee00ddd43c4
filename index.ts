// eks-gmsa: stack config → validated settings → components → stack outputs.
import { partitionOf } from "./lib/aws";
import { Cluster } from "./components/cluster";
import { CoreDns } from "./components/dns";
import { LinuxNodes } from "./components/linuxNodes";
import { Network } from "./components/network";
import { WindowsNodes } from "./components/windowsNodes";
import { loadSettings } from "./settings";
import * as pulumi from "@pulumi/pulumi";

// Reads and validates all config first: on a problem nothing below is registered.
const settings = loadSettings();
const partition = partitionOf(settings.region);
const tags = { ...settings.tags, "eks-gmsa:stack": `${settings.project}/${settings.stack}` };

const network = new Network("network", { settings: settings.network, namePrefix: settings.cluster.name, tags });

const cluster = new Cluster("cluster", {
    settings: settings.cluster,
    access: settings.access,
    region: settings.region,
    awsProfile: settings.awsProfile,
    partition,
    vpcId: network.vpcId,
    publicSubnetIds: network.publicSubnetIds,
    privateSubnetIds: network.privateSubnetIds,
    tags,
});

const linuxNodes = new LinuxNodes("linux-nodes", {
    settings: settings.linuxNodes,
    cluster: cluster.info,
    subnetIds: network.privateSubnetIds,
    partition,
    tags,
});

new CoreDns("dns", {
    clusterName: cluster.info.createdName,
    nodeGroup: linuxNodes.nodeGroup,
    addonVersion: settings.cluster.addonVersions.coredns,
    activeDirectory: settings.activeDirectory,
    tags,
});

const windowsNodes = new WindowsNodes("windows-nodes", {
    settings: settings.windowsNodes,
    cluster: cluster.info,
    vpcId: network.vpcId,
    subnetIds: network.privateSubnetIds,
    partition,
    tags,
});

const windowsTaint = settings.windowsNodes.taint;

// Outputs for app repositories (read them with a StackReference).
export const region = settings.region;
export const clusterName = cluster.info.createdName;
export const clusterEndpoint = cluster.info.endpoint;
export const kubernetesVersion = settings.cluster.kubernetesVersion;
export const kubeconfig = cluster.kubeconfig;
export const oidcProviderArn = cluster.oidcProviderArn;
export const oidcProviderUrl = cluster.oidcProviderUrl;
export const clusterSecurityGroupId = cluster.info.securityGroupId;
export const vpcId = network.vpcId;
export const publicSubnetIds = network.publicSubnetIds;
export const privateSubnetIds = network.privateSubnetIds;
export const linuxNodeRoleArn = linuxNodes.roleArn;
export const windowsNodeRoleArn = windowsNodes.roleArn;
export const windowsNodeSecurityGroupId = windowsNodes.securityGroupId;
export const windowsNodeAutoScalingGroupName = windowsNodes.autoScalingGroupName;
/** Put this in a Windows pod's nodeSelector. */
export const windowsNodeSelector = { "kubernetes.io/os": "windows" };
/** Put these in a Windows pod's tolerations (empty when the Windows taint is off). */
export const windowsTolerations = windowsTaint
    ? [{ key: windowsTaint.key, operator: "Equal", value: windowsTaint.value, effect: windowsTaint.effect }]
    : [];
export const stackName = pulumi.getStack();
