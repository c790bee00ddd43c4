// The Active Directory side of the stack, with its optional parts decided here from the settings
// (as pulumi-eks's Cluster decides its own): the managed directory (greenfield), the management
// host that runs the AD documents, account provisioning, the domain-joined nodes' lifecycle and
// join association, and the VPC resolver's forwarding to the domain. Its parts were top-level
// components before: each keeps its name and an alias to its old top-level URN, so nothing moves
// in AWS (the engine carries the alias down to their children).
import * as pulumi from "@pulumi/pulumi";
import type { ActiveDirectorySettings, GmsaSettings } from "../settings/types";
import type { AdPayload } from "./directoryDocuments";
import { ManagementHost } from "./directoryHost";
import { AccountProvisioning, type DirectoryConnection } from "./directoryProvisioning";
import { DomainJoin, domainJoinPolicyAttachment } from "./domainJoin";
import { ManagedDirectory, type OwnedSecret } from "./managedDirectory";
import type { Network } from "./network";
import { NodeLifecycle } from "./nodeLifecycle";
import { PortableIdentityRotation } from "./portableIdentityRotation";
import { VpcDnsForwarding } from "./vpcDns";
import type { ManagedPolicyAttachment } from "./windowsNodes";
import { movedFromTopLevel } from "./moved";

/** The portable identity's secret and key (DomainlessIdentity), which the management host reads to create that user in AD. */
export interface PortableIdentitySecret {
    secretArn: pulumi.Input<string>;
    keyArn: pulumi.Input<string>;
    /** The version of the secret `pulumi up` wrote: the rotation function keeps it labelled, so it outlives two rotations. */
    valueVersionId: pulumi.Input<string>;
}

/**
 * The portable identity's secret and key before the identity exists, and how to fill them in once
 * it does. The host's role policy names the identity's secret and the identity's policies name the
 * host's role: each is an ARN of a resource made by the other side, so one side must take the other's
 * as an Output resolved later. The identity is made after the Windows nodes (its policy names their
 * role), which come after this side (they wait for its lifecycle hooks), so it is the identity's.
 */
export function portableIdentityMadeLater(): [
    PortableIdentitySecret,
    (made: { secretArn: pulumi.Output<string>; keyArn: pulumi.Output<string>; valueVersionId: pulumi.Output<string> }) => void,
] {
    const [secretArn, resolveSecretArn] = pulumi.deferredOutput<string>();
    const [keyArn, resolveKeyArn] = pulumi.deferredOutput<string>();
    const [valueVersionId, resolveValueVersionId] = pulumi.deferredOutput<string>();
    return [
        { secretArn, keyArn, valueVersionId },
        (made) => {
            resolveSecretArn(made.secretArn);
            resolveKeyArn(made.keyArn);
            resolveValueVersionId(made.valueVersionId);
        },
    ];
}

export interface ActiveDirectoryArgs {
    /** eks-gmsa:activeDirectory. */
    settings: ActiveDirectorySettings;
    /** eks-gmsa:gmsa: the accounts and readers' group to provision, and the mode (domain-joined nodes); absent, no AD automation runs. */
    gmsa?: GmsaSettings;
    /** The VPC the directory, host and resolver endpoint live in (and its transit gateway routes to an existing directory). */
    network: Network;
    clusterName: string;
    region: string;
    awsProfile?: string;
    partition: string;
    /** The stack's operators (caller.ts): they write and read back the secrets the host reads. */
    operatorArns: readonly string[];
    /**
     * Domainless mode: the portable identity's secret and key when the host provisions that user.
     * Made later (its policy names the Windows nodes' role, and this host's role): an Output resolved then.
     */
    portableIdentity?: PortableIdentitySecret;
    /** cluster.logRetentionDays: how long the rotation function's logs are kept. */
    logRetentionDays: number;
    protect: boolean;
    tags: Readonly<Record<string, string>>;
}

/** What the plan records about the AD side: its shape, never a password. */
export interface ActiveDirectoryFacts {
    domainName: string;
    netbiosName: string;
    /** "managed" (the stack creates an AWS Managed Microsoft AD) or "existing". */
    directory: "managed" | "existing";
    gmsaMode?: GmsaSettings["mode"];
    provisionAccounts: boolean;
    vpcResolver: ActiveDirectorySettings["vpcResolver"]["mode"];
    joinOu?: string;
}

export function activeDirectoryFacts(args: ActiveDirectoryArgs): ActiveDirectoryFacts {
    const ad = args.settings;
    return {
        domainName: ad.domainName,
        netbiosName: ad.netbiosName,
        directory: ad.managedDirectory ? "managed" : "existing",
        ...(args.gmsa ? { gmsaMode: args.gmsa.mode } : {}),
        provisionAccounts: ad.provisionAccounts,
        vpcResolver: ad.vpcResolver.mode,
        ...(ad.joinOu ? { joinOu: ad.joinOu } : {}),
    };
}

/** Which secrets and keys the management host's role may read: one decision, from the settings. */
export function managementHostReads(
    adminSecretArn: pulumi.Input<string>,
    provisionsIdentity: PortableIdentitySecret | undefined,
): { secretArns: pulumi.Input<string>[]; keyArns: pulumi.Input<string>[] } {
    return {
        secretArns: [adminSecretArn, ...(provisionsIdentity ? [provisionsIdentity.secretArn] : [])],
        keyArns: provisionsIdentity ? [provisionsIdentity.keyArn] : [],
    };
}

/** A rotation of the portable identity, as its secret (DomainlessIdentity) sees it. */
export interface IdentityRotationSchedule {
    /** Reads and writes the secret: its key policy and resource policy admit it. */
    roleArn: pulumi.Input<string>;
    functionArn: pulumi.Input<string>;
    schedule: number | "off";
    /** What a schedule waits for. */
    after: pulumi.Resource[];
}

/** Where the Windows node group's options come from in domain-joined mode. */
export interface WindowsNodeJoin {
    lifecycleHooks?: NodeLifecycle["hooks"];
    groupName?: string;
    additionalManagedPolicies?: ManagedPolicyAttachment[];
    dependsOn: pulumi.Resource[];
}

export class ActiveDirectory extends pulumi.ComponentResource {
    /** The AD DNS servers (the managed directory's controllers, or the configured ones once routed). */
    readonly dnsServers?: pulumi.Input<string[]>;
    readonly managedDirectory?: ManagedDirectory;
    readonly managementHost?: ManagementHost;
    readonly nodeLifecycle?: NodeLifecycle;
    readonly domainJoin?: DomainJoin;
    readonly dnsForwarding?: VpcDnsForwarding;
    readonly provisioning?: AccountProvisioning;
    /** Domainless mode with provisioning: the portable identity's rotation function, its document and failure topic. */
    readonly rotation?: PortableIdentityRotation;
    /** The management host's role when it provisions the portable identity: the identity's policies admit it. */
    readonly portableIdentityReaderRoleArn?: pulumi.Output<string>;
    /** What the Windows node group needs from this side (lifecycle hooks, the join policy, what must exist first). */
    readonly windowsNodes: WindowsNodeJoin;

    constructor(name: string, args: ActiveDirectoryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-gmsa:directory:ActiveDirectory", name, activeDirectoryFacts(args), opts);
        const ad = args.settings;
        const gmsa = args.gmsa;
        const { network, tags } = args;
        const child = { ...movedFromTopLevel, parent: this };

        // Greenfield: the stack creates the directory; its DNS addresses and ID are outputs from here on.
        const managedDirectory = ad.managedDirectory
            ? new ManagedDirectory(
                  "directory",
                  {
                      domainName: ad.domainName,
                      netbiosName: ad.netbiosName,
                      edition: ad.managedDirectory.edition,
                      adminPassword: ad.managedDirectory.adminPassword,
                      vpcId: network.vpcId,
                      subnetIds: network.privateSubnetIds,
                      clusterName: args.clusterName,
                      protect: args.protect,
                      tags,
                  },
                  child,
              )
            : undefined;
        const dnsServers = managedDirectory ? managedDirectory.dnsIpAddresses : ad.dnsServers ? network.behindTransitGateway([...ad.dnsServers]) : undefined;
        const directoryId = managedDirectory?.directoryId ?? ad.directoryId;
        const adminSecretArn = managedDirectory?.adminSecretArn ?? ad.adminCredentialsSecretArn;

        // Where the management host's AD runs find the directory and whose credentials they use.
        const connection =
            dnsServers && adminSecretArn && gmsa
                ? pulumi.all([dnsServers, adminSecretArn]).apply(([dcAddresses, secretArn]): DirectoryConnection => ({
                      region: args.region,
                      domain: { dnsName: ad.domainName, netbiosName: ad.netbiosName, dcAddresses },
                      adminSecretArn: secretArn,
                  }))
                : undefined;
        // ... with the readers' group the node runs put computers in, and the owner mark of what they create.
        const payloadBase =
            connection && gmsa
                ? connection.apply((c): Omit<AdPayload, "operation"> => ({ ...c, readersGroup: gmsa.readersGroup, owner: args.clusterName }))
                : undefined;
        const joinsNodes = gmsa?.mode === "domainJoined" && ad.joinOu !== undefined && payloadBase !== undefined;
        const provisions = ad.provisionAccounts && payloadBase !== undefined;

        // One host for both jobs; what it may read follows from the settings, not from which job came first.
        const identityToProvision = provisions ? args.portableIdentity : undefined;
        const managementHost =
            (joinsNodes || provisions) && adminSecretArn
                ? new ManagementHost(
                      "ad-management-host",
                      {
                          vpcId: network.vpcId,
                          subnetIds: network.privateSubnetIds,
                          ...managementHostReads(adminSecretArn, identityToProvision),
                          // A managed directory's Admin secret: only the host (and the operator) may read it.
                          ...(managedDirectory ? { ownedAdminSecret: managedDirectory.adminSecret } : {}),
                          operatorArns: args.operatorArns,
                          clusterName: args.clusterName,
                          region: args.region,
                          partition: args.partition,
                          tags,
                      },
                      child,
                  )
                : undefined;

        // Domain-joined mode: lifecycle hooks put each new node's computer account in the readers' group
        // and delete it when the node goes. They must exist before the node group's first node.
        const nodeLifecycle =
            joinsNodes && managementHost && payloadBase && ad.joinOu
                ? new NodeLifecycle(
                      "node-lifecycle",
                      {
                          payload: payloadBase,
                          joinOu: ad.joinOu,
                          managementHostId: managementHost.instanceId,
                          clusterName: args.clusterName,
                          region: args.region,
                          partition: args.partition,
                          tags,
                      },
                      child,
                  )
                : undefined;

        // Domain-joined mode: the join association exists before the first node, which it targets by the
        // group's fixed name and which the launch hook holds until it has joined.
        const domainJoin =
            nodeLifecycle && ad.joinOu && directoryId
                ? new DomainJoin(
                      "domain-join",
                      {
                          directoryId,
                          directoryName: ad.domainName,
                          joinOu: ad.joinOu,
                          groupName: nodeLifecycle.groupName,
                          namePrefix: args.clusterName,
                          tags,
                      },
                      child,
                  )
                : undefined;

        // Windows hosts (ccg.exe in domainless mode) resolve the domain through the VPC resolver.
        const dnsForwarding =
            dnsServers && ad.vpcResolver.mode !== "none"
                ? new VpcDnsForwarding(
                      "ad-dns-forwarding",
                      {
                          vpcId: network.vpcId,
                          subnetIds: network.privateSubnetIds,
                          domainName: ad.domainName,
                          dnsServers,
                          ...(ad.vpcResolver.mode === "existing" ? { existingRuleId: ad.vpcResolver.ruleId } : {}),
                          namePrefix: args.clusterName,
                          tags,
                      },
                      child,
                  )
                : undefined;

        // The readers' group, the gMSAs and the portable identity, made in AD from inside the VPC.
        const provisioning =
            provisions && gmsa && managementHost && connection
                ? new AccountProvisioning(
                      "ad-provisioning",
                      {
                          connection,
                          readersGroup: gmsa.readersGroup,
                          accountsOu: ad.accountsOu,
                          accounts: gmsa.accounts.map((a) => a.account),
                          ...(identityToProvision && gmsa.portableIdentity
                              ? {
                                    portableIdentity: {
                                        username: gmsa.portableIdentity.username,
                                        secretArn: identityToProvision.secretArn,
                                        // With rotation the secret may name either user; both must exist.
                                        ...(gmsa.portableIdentity.rotation ? { alternateUsername: gmsa.portableIdentity.rotation.alternateUsername } : {}),
                                    },
                                }
                              : {}),
                          ...(ad.joinOu ? { joinOu: ad.joinOu } : {}),
                          // The whole chain, checked from the host after provisioning: a broken link fails this `pulumi up`.
                          verify: true,
                          managementHostId: managementHost.instanceId,
                          ...(nodeLifecycle ? { runbookPrefix: nodeLifecycle.runbookPrefix } : {}),
                          region: args.region,
                          ...(args.awsProfile ? { awsProfile: args.awsProfile } : {}),
                          ...(gmsa.domain ? { expectedFacts: gmsa.domain } : {}),
                          clusterName: args.clusterName,
                          tags,
                      },
                      child,
                  )
                : undefined;

        // Both users exist once provisioning has run; the schedule (with the secret) waits for that run.
        const rotationSettings = gmsa?.portableIdentity?.rotation;
        const rotation =
            provisioning && identityToProvision && rotationSettings && gmsa?.portableIdentity && managementHost && payloadBase
                ? new PortableIdentityRotation(
                      "portable-identity-rotation",
                      {
                          payloadBase,
                          accountsOu: ad.accountsOu,
                          accounts: gmsa.accounts.map((a) => a.account),
                          username: gmsa.portableIdentity.username,
                          alternateUsername: rotationSettings.alternateUsername,
                          schedule: rotationSettings.schedule,
                          secretArn: identityToProvision.secretArn,
                          keyArn: identityToProvision.keyArn,
                          writtenVersionId: identityToProvision.valueVersionId,
                          managementHostId: managementHost.instanceId,
                          logRetentionDays: args.logRetentionDays,
                          clusterName: args.clusterName,
                          region: args.region,
                          partition: args.partition,
                          tags,
                      },
                      { parent: this },
                  )
                : undefined;

        this.dnsServers = dnsServers;
        this.managedDirectory = managedDirectory;
        this.managementHost = managementHost;
        this.nodeLifecycle = nodeLifecycle;
        this.domainJoin = domainJoin;
        this.dnsForwarding = dnsForwarding;
        this.provisioning = provisioning;
        this.rotation = rotation;
        this.portableIdentityReaderRoleArn = provisioning && managementHost ? managementHost.roleArn : undefined;
        this.windowsNodes = {
            ...(nodeLifecycle ? { lifecycleHooks: nodeLifecycle.hooks, groupName: nodeLifecycle.groupName } : {}),
            // Attached under the node role; its former parent is the top-level DomainJoin of earlier versions.
            ...(domainJoin ? { additionalManagedPolicies: [domainJoinPolicyAttachment("domain-join")] } : {}),
            dependsOn: [...(nodeLifecycle?.readyBeforeNodes ?? []), ...(domainJoin ? [domainJoin.association] : [])],
        };
        this.registerOutputs({});
    }

    /** The directory this stack created (greenfield). */
    get managedDirectoryId(): pulumi.Output<string> | undefined {
        return this.managedDirectory?.directoryId;
    }

    /**
     * What the portable identity's secret needs for a rotation schedule: the function, its schedule,
     * and what must exist first (both users in AD, Secrets Manager's right to invoke the function).
     */
    get portableIdentityRotation(): IdentityRotationSchedule | undefined {
        if (!this.rotation || !this.provisioning) return undefined;
        return {
            roleArn: this.rotation.roleArn,
            functionArn: this.rotation.functionArn,
            schedule: this.rotation.schedule,
            after: [this.provisioning, this.rotation.invokePermission],
        };
    }

    /** Secrets this side owns, with their keys (the access guardrail names them). */
    get ownedSecrets(): OwnedSecret[] {
        return this.managedDirectory ? [this.managedDirectory.adminSecret] : [];
    }
}
