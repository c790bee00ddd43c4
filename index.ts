// eks-gmsa: stack config → validated settings → components → stack outputs. An async program (the
// Pulumi runtime awaits it): facts only AWS knows, such as who creates the cluster, are read before
// anything is registered.
import { partitionOf } from "./lib/aws";
import { Cluster } from "./components/cluster";
import { stackAccessGuardrail } from "./components/accessGuardrail";
import { resolveStackOperators } from "./components/caller";
import { clusterCreatorAccess } from "./components/clusterCreator";
import { CredentialSpecs } from "./components/credentialSpecs";
import { CoreDns } from "./components/dns";
import { DomainJoin, domainJoinPolicyAttachment } from "./components/domainJoin";
import { AccountProvisioning } from "./components/directoryProvisioning";
import { ManagementHost } from "./components/directoryHost";
import type { AdPayload } from "./components/directoryDocuments";
import { DomainlessIdentity } from "./components/domainlessIdentity";
import { GmsaAdmission } from "./components/gmsaAdmission";
import { GmsaWebhook } from "./components/gmsaWebhook";
import { LinuxNodes } from "./components/linuxNodes";
import { managementHostSessionPolicy, managementHostTag } from "./components/managementHostAccess";
import { ManagedDirectory } from "./components/managedDirectory";
import { Network } from "./components/network";
import { NodeLifecycle } from "./components/nodeLifecycle";
import { PodSecurity, createdNamespaces, grantedNamespaces } from "./components/podSecurity";
import { SampleWorkload } from "./components/sampleWorkload";
import { VpcDnsForwarding } from "./components/vpcDns";
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

    // Greenfield: the stack creates the directory; its DNS addresses and ID are outputs from here on.
    const managedDirectory = ad?.managedDirectory
        ? new ManagedDirectory("directory", {
            domainName: ad.domainName,
            netbiosName: ad.netbiosName,
            edition: ad.managedDirectory.edition,
            adminPassword: ad.managedDirectory.adminPassword,
            vpcId: network.vpcId,
            subnetIds: network.privateSubnetIds,
            clusterName: settings.cluster.name,
            protect: settings.cluster.protect,
            tags,
        })
        : undefined;
    const directoryDnsServers: pulumi.Input<string[]> | undefined = managedDirectory ? managedDirectory.dnsIpAddresses : ad?.dnsServers ? network.behindTransitGateway([...ad.dnsServers]) : undefined;
    const directoryId: pulumi.Input<string> | undefined = managedDirectory?.directoryId ?? ad?.directoryId;
    const adminSecretArn: pulumi.Input<string> | undefined = managedDirectory?.adminSecretArn ?? ad?.adminCredentialsSecretArn;

    new CoreDns("dns", {
        clusterName: cluster.info.createdName,
        nodeGroup: linuxNodes.nodeGroup,
        addonVersion: settings.cluster.addonVersions.coredns,
        ...(ad && directoryDnsServers ? { activeDirectory: { domainName: ad.domainName, dnsServers: directoryDnsServers } } : {}),
        tags,
    });

    /** Where the management host's AD runs find the directory, whose credentials they use, and the owner mark of what they create. */
    const adPayloadBase = ad && directoryDnsServers && adminSecretArn && gmsa
        ? pulumi.all([directoryDnsServers, adminSecretArn]).apply(([dcAddresses, secretArn]): Omit<AdPayload, "operation"> => ({
            region: settings.region,
            domain: { dnsName: ad.domainName, netbiosName: ad.netbiosName, dcAddresses },
            adminSecretArn: secretArn,
            readersGroup: gmsa.readersGroup,
            owner: settings.cluster.name,
        }))
        : undefined;
    const managementHost = (secretArns: pulumi.Input<string>[], keyArns: pulumi.Input<string>[]) => new ManagementHost("ad-management-host", {
        vpcId: network.vpcId,
        subnetIds: network.privateSubnetIds,
        secretArns,
        keyArns,
        // A managed directory's Admin secret: only the host (and the operator) may read it.
        ...(managedDirectory ? { ownedAdminSecret: managedDirectory.adminSecret } : {}),
        operatorArns: operators.arns,
        clusterName: settings.cluster.name,
        region: settings.region,
        partition,
        tags,
    });

    // Domain-joined mode: lifecycle hooks put each new node's computer account in the readers' group
    // and delete it when the node goes. They must exist before the node group's first node.
    let host: ManagementHost | undefined;
    let nodeLifecycle: NodeLifecycle | undefined;
    if (gmsa?.mode === "domainJoined" && ad?.joinOu && adPayloadBase && adminSecretArn) {
        host = managementHost([adminSecretArn], []);
        nodeLifecycle = new NodeLifecycle("node-lifecycle", {
            payload: adPayloadBase,
            joinOu: ad.joinOu,
            managementHostId: host.instanceId,
            clusterName: settings.cluster.name,
            region: settings.region,
            partition,
            tags,
        });
    }

    // Domain-joined mode: the join association exists before the first node, which it targets by the
    // group's fixed name and which the launch hook holds until it has joined.
    const domainJoin = nodeLifecycle && ad?.joinOu && directoryId
        ? new DomainJoin("domain-join", {
            directoryId,
            directoryName: ad.domainName,
            joinOu: ad.joinOu,
            groupName: nodeLifecycle.groupName,
            namePrefix: settings.cluster.name,
            tags,
        })
        : undefined;

    const windowsNodes = new WindowsNodes("windows-nodes", {
        settings: settings.windowsNodes,
        cluster: cluster.info,
        vpcId: network.vpcId,
        subnetIds: network.privateSubnetIds,
        partition,
        ...(nodeLifecycle ? { lifecycleHooks: nodeLifecycle.hooks, groupName: nodeLifecycle.groupName } : {}),
        ...(domainJoin ? { additionalManagedPolicies: [domainJoinPolicyAttachment("domain-join")] } : {}),
        dependsOn: [...(nodeLifecycle?.readyBeforeNodes ?? []), ...(domainJoin ? [domainJoin.association] : [])],
        tags,
    });

    // Windows hosts (ccg.exe in domainless mode) resolve the domain through the VPC resolver.
    const dnsForwarding = ad && directoryDnsServers && ad.vpcResolver.mode !== "none"
        ? new VpcDnsForwarding("ad-dns-forwarding", {
            vpcId: network.vpcId,
            subnetIds: network.privateSubnetIds,
            domainName: ad.domainName,
            dnsServers: directoryDnsServers,
            ...(ad.vpcResolver.mode === "existing" ? { existingRuleId: ad.vpcResolver.ruleId } : {}),
            namePrefix: settings.cluster.name,
            tags,
        })
        : undefined;

    // gMSA in the cluster: webhook and certificates, the domainless identity, credential specs and
    // who may use them, and the sample workload that proves it end to end.
    let provisioning: AccountProvisioning | undefined;
    let identity: DomainlessIdentity | undefined;
    if (gmsa && ad) {
        const webhook = new GmsaWebhook("gmsa-webhook", {
            settings: gmsa,
            provider: cluster.provider,
            linuxNodes: linuxNodes.nodeGroup,
            protect: settings.cluster.protect,
            kubernetesVersion: settings.cluster.kubernetesVersion,
        });
        // Enforced by the API server itself, whether or not the webhook runs; before any workload.
        const admission = new GmsaAdmission("gmsa-admission", {
            webhookNamespace: webhook.namespace,
            hostProcessNamespaces: settings.windowsNodes.hostProcessNamespaces,
            windowsTaint,
            provider: cluster.provider,
        });
        // The host that provisions accounts reads the identity too, but is made after it (its
        // role's policy names the identity's secret): its role's ARN is passed back once it exists.
        const hostReadsIdentity = ad.provisionAccounts && adPayloadBase !== undefined;
        const [hostRoleArn, resolveHostRoleArn] = pulumi.deferredOutput<string>();
        identity = gmsa.portableIdentity
            ? new DomainlessIdentity("domainless-identity", {
                clusterName: settings.cluster.name,
                username: gmsa.portableIdentity.username,
                password: gmsa.portableIdentity.password,
                domainName: ad.domainName,
                region: settings.region,
                partition,
                windowsNodeRoleName: windowsNodes.roleName,
                windowsNodeRoleArn: windowsNodes.roleArn,
                ...(hostReadsIdentity ? { managementHostRoleArn: hostRoleArn } : {}),
                operatorArns: operators.arns,
                protect: settings.cluster.protect,
                tags,
            })
            : undefined;
        // The readers' group, the gMSAs and the portable identity, made in AD from inside the VPC.
        if (ad.provisionAccounts && adPayloadBase) {
            host ??= managementHost(
                [adminSecretArn!, ...(identity ? [identity.secretArn] : [])],
                identity ? [identity.keyArn] : []);
            resolveHostRoleArn(host.roleArn);
            provisioning = new AccountProvisioning("ad-provisioning", {
                payload: pulumi.all([adPayloadBase, identity?.secretArn]).apply(([base, identitySecretArn]) => ({
                    ...base,
                    accountsOu: ad.accountsOu,
                    accounts: gmsa.accounts.map((a) => a.account),
                    ...(identitySecretArn && gmsa.portableIdentity ? { identity: { username: gmsa.portableIdentity.username, secretArn: identitySecretArn } } : {}),
                    ...(ad.joinOu ? { joinOu: ad.joinOu } : {}),
                    // The whole chain, checked from the host after provisioning: a broken link fails this `pulumi up`.
                    verify: true,
                })),
                managementHostId: host.instanceId,
                ...(nodeLifecycle ? { runbookPrefix: nodeLifecycle.runbookPrefix } : {}),
                region: settings.region,
                awsProfile: settings.awsProfile,
                expectedFacts: gmsa.domain,
                clusterName: settings.cluster.name,
                tags,
            });
        }
        const domainFacts = gmsa.domain ?? provisioning?.domain;
        const specs = domainFacts
            ? new CredentialSpecs("credential-specs", {
                accounts: gmsa.accounts,
                domain: domainFacts,
                ...(identity ? { portableIdentitySecretArn: identity.secretArn } : {}),
                provider: cluster.provider,
                crd: webhook.release,
                protect: settings.cluster.protect,
                kubernetesVersion: settings.cluster.kubernetesVersion,
                readers: { group: gmsa.readersGroup, ...(gmsa.portableIdentity ? { portableIdentity: gmsa.portableIdentity.username } : {}) },
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
                // What a gMSA pod needs before it starts: the webhook, its credential spec (the
                // webhook resolves the name), RBAC to use it, the gMSA in AD, and host DNS for the domain.
                admission: [
                    webhook.release,
                    admission,
                    specs.specs[sample.credentialSpec],
                    ...(dnsForwarding ? [dnsForwarding.association] : []),
                    // Its node reads the portable identity under the final key and resource policies.
                    ...(identity ? identity.readPolicies : []),
                    // The pod's gMSA must exist in AD before the pod starts.
                    ...(provisioning ? [provisioning] : []),
                    ...specs.rbac[sample.credentialSpec],
                    ...Object.entries(specs.serviceAccounts).filter(([key]) => key === `${sample.namespace}/${sample.serviceAccount}`).map(([, sa]) => sa),
                ],
            });
        }
    }

    // Pod Security labels on the namespaces the stack grants but does not create (those it creates
    // carry them already).
    const gmsaInCluster = gmsa && ad ? gmsa : undefined;
    new PodSecurity("pod-security", {
        namespaces: grantedNamespaces({ access: settings.access, accounts: gmsaInCluster?.accounts ?? [], created: gmsaInCluster ? createdNamespaces(gmsaInCluster) : [] }),
        kubernetesVersion: settings.cluster.kubernetesVersion,
        provider: cluster.provider,
    });

    // The stack's access guardrail, from its facts: keys, owned secrets, the roles they admit, the host.
    const ownedSecrets = [...(managedDirectory ? [managedDirectory.adminSecret] : []), ...(identity ? [{ secretArn: identity.secretArn, keyArn: identity.keyArn }] : [])];
    const guardrail = stackAccessGuardrail({
        partition,
        clusterName: settings.cluster.name,
        operatorArns: operators.arns,
        ...(settings.cluster.deployRoleArn ? { deployRoleArn: settings.cluster.deployRoleArn } : {}),
        keyArns: [cluster.secretsKeyArn, ...ownedSecrets.map((o) => o.keyArn)],
        secretArns: ownedSecrets.map((o) => o.secretArn),
        secretReaderRoleArns: [...(host ? [host.roleArn] : []), ...(identity ? [windowsNodes.roleArn] : [])],
        automationRoleArns: nodeLifecycle ? [nodeLifecycle.automationRoleArn, nodeLifecycle.eventsRoleArn] : [],
        ...(host ? { managementHost: { privateIp: host.privateIp, documentArns: [...(provisioning ? [provisioning.documentArn] : []), ...(nodeLifecycle?.documentArns ?? [])] } } : {}),
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
        windowsTolerations: windowsTaint
            ? [{ key: windowsTaint.key, operator: "Equal", value: windowsTaint.value, effect: windowsTaint.effect }]
            : [],
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
        managedDirectoryId: managedDirectory?.directoryId,
        adDnsServers: directoryDnsServers,
        /** The instance that runs the AD documents (connect with Session Manager to troubleshoot). */
        adManagementHostId: host?.instanceId,
        /**
         * Who may run code as that host (its role reads the directory's credentials): its tag, the
         * access guardrail (below), and a troubleshooter's policy (docs/active-directory.md, "Who may
         * run code as the management host").
         */
        adManagementHostAccess: host
            ? guardrail.apply((g) => ({ tag: managementHostTag(settings.cluster.name), guardrail: g, sessionPolicy: managementHostSessionPolicy({ partition, clusterName: settings.cluster.name }) }))
            : undefined,
        /** An SCP denying all but the operators the ways round the stack's key and secret policies and its management host (docs/active-directory.md). */
        accessGuardrail: guardrail,
        /** What the last AD provisioning run changed (secret, like the whole run's output). */
        adProvisioningChanges: provisioning?.changes,
        /** Domain-joined mode: the runbooks the Windows group's lifecycle hooks start (see their executions in SSM Automation). */
        windowsNodeLifecycleRunbooks: nodeLifecycle
            ? { launch: nodeLifecycle.launchRunbookName, termination: nodeLifecycle.terminationRunbookName }
            : undefined,
    };
};
