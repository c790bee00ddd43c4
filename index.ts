// eks-gmsa: stack config → validated settings → components → stack outputs.
import { partitionOf } from "./lib/aws";
import { Cluster } from "./components/cluster";
import { CredentialSpecs } from "./components/credentialSpecs";
import { CoreDns } from "./components/dns";
import { DomainJoin } from "./components/domainJoin";
import { DomainlessIdentity } from "./components/domainlessIdentity";
import { GmsaWebhook } from "./components/gmsaWebhook";
import { LinuxNodes } from "./components/linuxNodes";
import { Network } from "./components/network";
import { SampleWorkload } from "./components/sampleWorkload";
import { VpcDnsForwarding } from "./components/vpcDns";
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
const ad = settings.activeDirectory;

// Windows hosts (ccg.exe in domainless mode) resolve the domain through the VPC resolver.
if (ad && ad.vpcResolver.mode !== "none") {
    new VpcDnsForwarding("ad-dns-forwarding", {
        vpcId: network.vpcId,
        subnetIds: network.privateSubnetIds,
        domainName: ad.domainName,
        dnsServers: ad.dnsServers,
        ...(ad.vpcResolver.mode === "existing" ? { existingRuleId: ad.vpcResolver.ruleId } : {}),
        namePrefix: settings.cluster.name,
        tags,
    });
}

// gMSA in the cluster: webhook and certificates, the domainless identity, credential specs and
// who may use them, and the sample workload that proves it end to end.
const gmsa = settings.gmsa;
if (gmsa && ad) {
    const webhook = new GmsaWebhook("gmsa-webhook", {
        settings: gmsa,
        provider: cluster.provider,
        linuxNodes: linuxNodes.nodeGroup,
        protect: settings.cluster.protect,
    });
    if (gmsa.mode === "domainJoined" && ad.directoryId) {
        new DomainJoin("domain-join", {
            directoryId: ad.directoryId,
            directoryName: ad.domainName,
            joinOu: ad.joinOu,
            windowsNodeRoleName: windowsNodes.roleName,
            autoScalingGroupName: windowsNodes.autoScalingGroupName,
            namePrefix: settings.cluster.name,
            partition,
            tags,
        });
    }
    const identity = gmsa.portableIdentity
        ? new DomainlessIdentity("domainless-identity", {
            clusterName: settings.cluster.name,
            username: gmsa.portableIdentity.username,
            password: gmsa.portableIdentity.password,
            domainName: ad.domainName,
            region: settings.region,
            windowsNodeRoleName: windowsNodes.roleName,
            protect: settings.cluster.protect,
            tags,
        })
        : undefined;
    const specs = gmsa.domain
        ? new CredentialSpecs("credential-specs", {
            accounts: gmsa.accounts,
            domain: gmsa.domain,
            ...(identity ? { portableIdentitySecretArn: identity.secretArn } : {}),
            provider: cluster.provider,
            crd: webhook.release,
            protect: settings.cluster.protect,
        })
        : undefined;
    if (gmsa.sampleWorkload && specs) {
        const sample = gmsa.sampleWorkload;
        new SampleWorkload("sample-workload", {
            settings: sample,
            domainName: ad.domainName,
            windowsServerVersion: settings.windowsNodes.windowsServerVersion,
            taint: windowsTaint,
            provider: cluster.provider,
            admission: [
                webhook.release,
                ...specs.rbac[sample.credentialSpec],
                ...Object.entries(specs.serviceAccounts).filter(([key]) => key === `${sample.namespace}/${sample.serviceAccount}`).map(([, sa]) => sa),
            ],
        });
    }
}

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
export const adDomainName = ad?.domainName;
export const gmsaMode = gmsa?.mode;
/** Per credential spec: its name (gmsaCredentialSpecName), its gMSA, and who may use it. */
export const gmsaCredentialSpecs = (gmsa?.accounts ?? []).map((a) => ({
    name: a.name,
    account: a.account,
    allowed: a.allowed.map((p) => ({ namespace: p.namespace, serviceAccounts: [...p.serviceAccounts] })),
}));
