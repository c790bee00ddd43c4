// eks-gmsa: stack config → validated settings → components → stack outputs. An async program (the
// Pulumi runtime awaits it): facts only AWS knows, such as who creates the cluster, are read before
// anything is registered.
import { partitionOf } from "./lib/aws";
import { Cluster } from "./components/cluster";
import { stackAccessGuardrail } from "./components/accessGuardrail";
import { ActiveDirectory, portableIdentityMadeLater } from "./components/activeDirectory";
import { resolveStackOperators } from "./components/caller";
import { clusterCreatorAccess } from "./components/clusterCreator";
import { CoreDns } from "./components/dns";
import { GmsaInCluster } from "./components/gmsaInCluster";
import { LinuxNodes } from "./components/linuxNodes";
import { managementHostSessionPolicy, managementHostTag } from "./components/managementHostAccess";
import { Network } from "./components/network";
import { PodSecurity, createdNamespaces, grantedNamespaces } from "./components/podSecurity";
import { WindowsNodes } from "./components/windowsNodes";
import { loadSettings } from "./settings";
import * as pulumi from "@pulumi/pulumi";

export = async () => {
    // Reads and validates all config first: on a problem nothing below is registered.
    const settings = loadSettings();
    // The principal EKS makes cluster admin at creation; a conflict with the access lists stops here too.
    const creator = await clusterCreatorAccess(settings.cluster, settings.access);
    // Who the key and secret policies name as the operator; a caller not among configured operators stops here.
    const operators = await resolveStackOperators(settings.access.operators);
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
        ...(creator ? { creator } : {}),
        operatorArns: operators.arns,
        tags,
    });

    const linuxNodes = new LinuxNodes("linux-nodes", {
        settings: settings.linuxNodes,
        cluster: cluster.info,
        subnetIds: network.privateSubnetIds,
        partition,
        tags,
    });

    const windowsTaint = settings.windowsNodes.taint;
    const ad = settings.activeDirectory;
    const gmsa = settings.gmsa;

    // Domainless mode with provisioning: the management host reads the portable identity, which is
    // made after the Windows nodes (see portableIdentityMadeLater).
    const [portableIdentity, portableIdentityMade] = portableIdentityMadeLater();
    const hostMayReadIdentity = gmsa?.portableIdentity !== undefined;
    const activeDirectory = ad
        ? new ActiveDirectory("active-directory", {
              settings: ad,
              ...(gmsa ? { gmsa } : {}),
              network,
              clusterName: settings.cluster.name,
              region: settings.region,
              ...(settings.awsProfile ? { awsProfile: settings.awsProfile } : {}),
              partition,
              operatorArns: operators.arns,
              ...(hostMayReadIdentity ? { portableIdentity } : {}),
              logRetentionDays: settings.cluster.logRetentionDays,
              protect: settings.cluster.protect,
              tags,
          })
        : undefined;
    const directoryDnsServers = activeDirectory?.dnsServers;

    new CoreDns("dns", {
        clusterName: cluster.info.createdName,
        nodeGroup: linuxNodes.nodeGroup,
        addonVersion: settings.cluster.addonVersions.coredns,
        ...(ad && directoryDnsServers ? { activeDirectory: { domainName: ad.domainName, dnsServers: directoryDnsServers } } : {}),
        tags,
    });

    const windowsNodes = new WindowsNodes("windows-nodes", {
        settings: settings.windowsNodes,
        cluster: cluster.info,
        vpcId: network.vpcId,
        subnetIds: network.privateSubnetIds,
        partition,
        ...activeDirectory?.windowsNodes,
        tags,
    });

    // gMSA in the cluster: webhook and certificates, the domainless identity, credential specs and
    // who may use them, and the sample workload that proves it end to end.
    const gmsaInCluster =
        gmsa && ad && activeDirectory
            ? new GmsaInCluster("gmsa", {
                  settings: gmsa,
                  domainName: ad.domainName,
                  directory: activeDirectory,
                  windowsNodes: settings.windowsNodes,
                  windowsNodeRoleName: windowsNodes.roleName,
                  windowsNodeRoleArn: windowsNodes.roleArn,
                  provider: cluster.provider,
                  linuxNodes: linuxNodes.nodeGroup,
                  clusterName: settings.cluster.name,
                  kubernetesVersion: settings.cluster.kubernetesVersion,
                  region: settings.region,
                  partition,
                  operatorArns: operators.arns,
                  protect: settings.cluster.protect,
                  tags,
              })
            : undefined;
    const identity = gmsaInCluster?.identity;
    // The identity promised to the host above must be made, or a real `pulumi up` would wait on it
    // forever: fail instead, whichever later change breaks the promise.
    if (hostMayReadIdentity && activeDirectory && !identity) {
        throw new Error("eks-gmsa: the management host was promised the portable identity, but GmsaInCluster made none");
    }
    if (identity) portableIdentityMade(identity);

    // Pod Security labels on the namespaces the stack grants but does not create (those it creates
    // carry them already).
    const gmsaSettingsInCluster = gmsaInCluster ? gmsa : undefined;
    new PodSecurity("pod-security", {
        namespaces: grantedNamespaces({
            access: settings.access,
            accounts: gmsaSettingsInCluster?.accounts ?? [],
            created: gmsaSettingsInCluster ? createdNamespaces(gmsaSettingsInCluster) : [],
        }),
        kubernetesVersion: settings.cluster.kubernetesVersion,
        provider: cluster.provider,
    });

    // The stack's access guardrail, from its facts: keys, owned secrets, the roles they admit, the host.
    const host = activeDirectory?.managementHost;
    const nodeLifecycle = activeDirectory?.nodeLifecycle;
    const provisioning = activeDirectory?.provisioning;
    const rotation = activeDirectory?.rotation;
    const ownedSecrets = [...(activeDirectory?.ownedSecrets ?? []), ...(identity ? [{ secretArn: identity.secretArn, keyArn: identity.keyArn }] : [])];
    const guardrail = stackAccessGuardrail({
        partition,
        clusterName: settings.cluster.name,
        operatorArns: operators.arns,
        ...(settings.cluster.deployRoleArn ? { deployRoleArn: settings.cluster.deployRoleArn } : {}),
        keyArns: [cluster.secretsKeyArn, ...ownedSecrets.map((o) => o.keyArn)],
        secretArns: ownedSecrets.map((o) => o.secretArn),
        secretReaderRoleArns: [...(host ? [host.roleArn] : []), ...(identity ? [windowsNodes.roleArn] : []), ...(rotation ? [rotation.roleArn] : [])],
        // The rotation function's role sends the host its rotation document: the guardrail spares it, and guards its code.
        automationRoleArns: [...(nodeLifecycle ? [nodeLifecycle.automationRoleArn, nodeLifecycle.eventsRoleArn] : []), ...(rotation ? [rotation.roleArn] : [])],
        ...(rotation ? { functionArns: [rotation.functionArn] } : {}),
        ...(host
            ? {
                  managementHost: {
                      privateIp: host.privateIp,
                      documentArns: [
                          ...(provisioning ? [provisioning.documentArn] : []),
                          ...(nodeLifecycle?.documentArns ?? []),
                          ...(rotation ? [rotation.documentArn] : []),
                      ],
                  },
              }
            : {}),
    });

    return {
        // Outputs for app repositories (read them with a StackReference).
        region: settings.region,
        clusterName: cluster.info.createdName,
        clusterEndpoint: cluster.info.endpoint,
        kubernetesVersion: settings.cluster.kubernetesVersion,
        kubeconfig: cluster.kubeconfig,
        oidcProviderArn: cluster.oidcProviderArn,
        oidcProviderUrl: cluster.oidcProviderUrl,
        clusterSecurityGroupId: cluster.info.securityGroupId,
        vpcId: network.vpcId,
        publicSubnetIds: network.publicSubnetIds,
        privateSubnetIds: network.privateSubnetIds,
        linuxNodeRoleArn: linuxNodes.roleArn,
        windowsNodeRoleArn: windowsNodes.roleArn,
        windowsNodeSecurityGroupId: windowsNodes.securityGroupId,
        windowsNodeAutoScalingGroupName: windowsNodes.autoScalingGroupName,
        /** Put this in a Windows pod's nodeSelector. */
        windowsNodeSelector: { "kubernetes.io/os": "windows" },
        /** Put these in a Windows pod's tolerations (empty when the Windows taint is off). */
        windowsTolerations: windowsTaint ? [{ key: windowsTaint.key, operator: "Equal", value: windowsTaint.value, effect: windowsTaint.effect }] : [],
        stackName: pulumi.getStack(),
        adDomainName: ad?.domainName,
        gmsaMode: gmsa?.mode,
        /** Per credential spec: its name (gmsaCredentialSpecName), its gMSA, and who may use it. */
        gmsaCredentialSpecs: (gmsa?.accounts ?? []).map((a) => ({
            name: a.name,
            account: a.account,
            allowed: a.allowed.map((p) => ({ namespace: p.namespace, serviceAccounts: [...p.serviceAccounts] })),
        })),
        /** The directory this stack created (greenfield), and the AD DNS servers pods and hosts use. */
        managedDirectoryId: activeDirectory?.managedDirectoryId,
        adDnsServers: directoryDnsServers,
        /** The instance that runs the AD documents (connect with Session Manager to troubleshoot). */
        adManagementHostId: host?.instanceId,
        /**
         * Who may run code as that host (its role reads the directory's credentials): its tag, the
         * access guardrail (below), and a troubleshooter's policy (docs/active-directory.md, "Who may
         * run code as the management host").
         */
        adManagementHostAccess: host
            ? guardrail.apply((g) => ({
                  tag: managementHostTag(settings.cluster.name),
                  guardrail: g,
                  sessionPolicy: managementHostSessionPolicy({ partition, clusterName: settings.cluster.name }),
              }))
            : undefined,
        /** An SCP denying all but the operators the ways round the stack's key and secret policies and its management host (docs/active-directory.md). */
        accessGuardrail: guardrail,
        /** What the last AD provisioning run changed (secret, like the whole run's output). */
        adProvisioningChanges: provisioning?.changes,
        /**
         * Domainless mode with provisioning: the portable identity's secret and its rotation function,
         * schedule and failure topic (docs/rotation.md: rotate now, the last rotation's result).
         */
        portableIdentityRotation:
            rotation && identity
                ? {
                      secretArn: identity.secretArn,
                      functionName: rotation.functionName,
                      functionArn: rotation.functionArn,
                      schedule: rotation.schedule,
                      failureTopicArn: rotation.failureTopicArn,
                  }
                : undefined,
        /** Domain-joined mode: the runbooks the Windows group's lifecycle hooks start (see their executions in SSM Automation). */
        windowsNodeLifecycleRunbooks: nodeLifecycle
            ? { launch: nodeLifecycle.launchRunbookName, termination: nodeLifecycle.terminationRunbookName }
            : undefined,
    };
};
