import type { Static } from "@sinclair/typebox";
import type { DomainFacts } from "../lib/ad/domainFacts";
import type { SecretValue } from "../lib/secret";
import type * as platform from "./schema/platform";
import type * as directory from "./schema/directory";

// The validated, typed settings object. Components receive slices of it; nothing else reads config.
// Where a shape is the config's own, it is derived from its declaration in settings/schema
// (Required<>: absent keys take their declared defaults).

export { projectName } from "./schema";

export type NatGatewayMode = NonNullable<Static<typeof platform.network>["natGateways"]>;

export interface NewVpcSettings {
    readonly mode: "create";
    readonly vpcCidr: string;
    readonly availabilityZoneCount: number;
    /** Explicit AZ names; when empty the first `availabilityZoneCount` available AZs are used. */
    readonly availabilityZones: readonly string[];
    readonly publicSubnetCidrs: readonly string[];
    readonly privateSubnetCidrs: readonly string[];
    readonly natGateways: NatGatewayMode;
    /** An existing transit gateway the private subnets attach to, and the networks routed to it. */
    readonly transitGateway?: TransitGatewaySettings;
}

/**
 * The way from a new VPC to networks elsewhere (a shared-services VPC with the domain controllers,
 * on-premises): the private subnets attach to this transit gateway and every private route table
 * routes `routes` to it. The gateway's own route tables and the far side's firewalls are its owner's.
 */
export type TransitGatewaySettings = Readonly<Static<typeof platform.transitGateway>>;

export interface ExistingVpcSettings {
    readonly mode: "existing";
    readonly vpcId: string;
    readonly publicSubnetIds: readonly string[];
    readonly privateSubnetIds: readonly string[];
}

export type NetworkSettings = NewVpcSettings | ExistingVpcSettings;

export type ClusterLogType = Static<typeof platform.logType>;

export type AddonVersions = Readonly<Static<typeof platform.addonVersions>>;

export interface ClusterSettings {
    /** Physical EKS cluster name (also used in node bootstrap, ASG ownership tags and log group). */
    readonly name: string;
    readonly kubernetesVersion: string;
    /** Kubernetes service CIDR; CoreDNS answers on its 10th address. */
    readonly serviceCidr: string;
    readonly endpointPublicAccess: boolean;
    readonly endpointPrivateAccess: boolean;
    readonly publicAccessCidrs: readonly string[];
    readonly logTypes: readonly ClusterLogType[];
    readonly logRetentionDays: number;
    /** IAM role that creates the cluster, so the implicit creator admin is a role, not a person. */
    readonly deployRoleArn?: string;
    /** Protects the cluster and its secrets key from deletion (Pulumi protect and EKS deletion protection). */
    readonly protect: boolean;
    readonly addonVersions: AddonVersions;
}

export type NamespaceAdmin = Readonly<Static<typeof platform.namespaceAdmin>>;

export interface AccessSettings {
    readonly clusterAdmins: readonly string[];
    readonly namespaceAdmins: readonly NamespaceAdmin[];
    readonly viewers: readonly string[];
    /**
     * The IAM roles and users that run `pulumi up`, refresh and destroy for this stack: the ones the
     * key policies, the secrets' resource policies and the access guardrail name as the operator.
     * Absent: whoever runs this `pulumi up` (so a run by another principal rewrites those policies).
     */
    readonly operators?: readonly string[];
}

export type CapacityType = NonNullable<Static<typeof platform.linuxNodes>["capacityType"]>;

export type ScalingSettings = Readonly<Required<Static<typeof platform.linuxScaling>>>;

export type LinuxNodeSettings = Readonly<Required<Static<typeof platform.linuxNodes>>>;

export type WindowsServerVersion = NonNullable<Static<typeof platform.windowsNodes>["windowsServerVersion"]>;
export type WindowsEdition = NonNullable<Static<typeof platform.windowsNodes>["edition"]>;
export type TaintEffect = Static<typeof platform.taintEffect>;

export type Taint = Readonly<Required<Static<typeof platform.taint>>>;

/** windowsNodes as config gives it, every default applied; amiId, sshKeyName and taint stay optional. */
type WindowsNodeConfig = Readonly<Required<Omit<Static<typeof platform.windowsNodes>, "amiId" | "sshKeyName" | "taint" | "hostProcessNamespaces">>>;

export interface WindowsNodeSettings extends WindowsNodeConfig {
    /** Pinned AMI; when absent the EKS-optimized AMI is read from AWS's public SSM parameter. */
    readonly amiId?: string;
    readonly sshKeyName?: string;
    /** Keeps Linux pods off Windows nodes; undefined when the user turned it off. */
    readonly taint?: Taint;
    /**
     * Namespaces where pods may have host access on Windows nodes: windowsOptions.hostProcess: true,
     * or hostPath volumes on pods that can run on a Windows node (SYSTEM on the node, and with it
     * every gMSA the node can retrieve); everywhere else the cluster refuses them. Empty by default.
     */
    readonly hostProcessNamespaces: readonly string[];
}

/** An AWS Managed Microsoft AD this stack creates (greenfield). */
export interface ManagedDirectorySettings {
    readonly edition: NonNullable<Static<typeof directory.managedDirectory>["edition"]>;
    /** The password of the directory's `Admin` user. */
    readonly adminPassword: SecretValue;
}

export interface ActiveDirectorySettings {
    readonly domainName: string;
    readonly netbiosName: string;
    /** The AD DNS servers; absent when the stack creates the directory (its DNS addresses are outputs). */
    readonly dnsServers?: readonly string[];
    readonly managedDirectory?: ManagedDirectorySettings;
    /**
     * Secrets Manager secret ({"username","password"}) of an AD account that may manage the readers'
     * group, gMSAs, the portable identity and computer accounts, for an existing directory. With
     * managedDirectory the stack creates it from the Admin password.
     */
    readonly adminCredentialsSecretArn?: string;
    /** Create the readers' group, the gMSAs and the portable identity in AD, from a management host in the VPC. */
    readonly provisionAccounts: boolean;
    /** Where the readers' group and the portable identity are created (distinguished name). */
    readonly accountsOu: string;
    /** DNS name of the forest root domain (defaults to domainName). */
    readonly forestName: string;
    /** Domain SID (S-1-5-21-…) and objectGUID, which every credential spec names. */
    readonly domainSid?: string;
    readonly domainGuid?: string;
    /**
     * How Windows hosts resolve the domain through the VPC resolver: "create" a Route 53 Resolver
     * outbound endpoint and forwarding rule, associate an "existing" rule, or "none".
     */
    readonly vpcResolver: { readonly mode: "create" } | { readonly mode: "existing"; readonly ruleId: string } | { readonly mode: "none" };
    /** AWS Directory Service directory (Managed AD or AD Connector) Windows nodes join in domainJoined mode. */
    readonly directoryId?: string;
    /**
     * OU dedicated to the domain-joined nodes' computer accounts (distinguished name); the lifecycle
     * runbooks touch no computer outside it. Set in domainJoined mode only: required with an existing
     * directory, the directory's Computers OU by default with a managed one.
     */
    readonly joinOu?: string;
}

/** domainless: the AWS CCG plugin on the node reads a portable AD identity from Secrets Manager. */
export type GmsaMode = NonNullable<Static<typeof directory.gmsa>["mode"]>;

/** Service accounts of one namespace that may use a credential spec; `create`: create them (otherwise they must exist). */
export type GmsaPrincipals = Readonly<Required<Static<typeof directory.gmsaPrincipals>>>;

export interface GmsaAccountSettings {
    /** Name of the cluster-scoped GMSACredentialSpec resource. */
    readonly name: string;
    /** sAMAccountName of the gMSA, without the trailing '$'. */
    readonly account: string;
    readonly allowed: readonly GmsaPrincipals[];
}

/** Rotation of the portable identity between `username` and `alternateUsername`. */
export interface PortableIdentityRotationSettings {
    /** Days between scheduled rotations, or "off": the function exists, nothing schedules it. */
    readonly schedule: number | "off";
    readonly alternateUsername: string;
}

export interface SampleWorkloadSettings {
    readonly credentialSpec: string;
    readonly namespace: string;
    readonly serviceAccount: string;
}

/** Declared once in lib/ad/domainFacts.ts; re-exported for settings' importers. */
export type { DomainFacts };

export interface GmsaSettings {
    readonly mode: GmsaMode;
    /** The AD security group allowed to retrieve the gMSAs' passwords (sAMAccountName). */
    readonly readersGroup: string;
    /**
     * Known from config (domainSid, domainGuid); absent when the stack provisions the accounts and
     * reads the facts from the directory itself.
     */
    readonly domain?: DomainFacts;
    readonly accounts: readonly GmsaAccountSettings[];
    /** domainless only: the AD user allowed to retrieve the gMSAs' passwords. */
    readonly portableIdentity?: {
        readonly username: string;
        readonly password: SecretValue;
        /** Where a rotation can run (a management host sets AD passwords): its schedule and the second user. */
        readonly rotation?: PortableIdentityRotationSettings;
    };
    readonly webhook: {
        readonly namespace: string;
        readonly releaseName: string;
        readonly chartVersion: string;
        readonly replicas: number;
        /** The webhook gives each new gMSA pod without its own spec.hostname a random 15-character hostname (NetBIOS names stay unique). */
        readonly randomHostname: boolean;
    };
    readonly certManager: { readonly namespace: string; readonly releaseName: string; readonly version: string };
    readonly sampleWorkload?: SampleWorkloadSettings;
}

export interface Settings {
    readonly project: string;
    readonly stack: string;
    readonly region: string;
    /** `aws:profile`, when set: explicit providers (the deploy role's) must use it too. */
    readonly awsProfile?: string;
    readonly tags: Readonly<Record<string, string>>;
    readonly network: NetworkSettings;
    readonly cluster: ClusterSettings;
    readonly access: AccessSettings;
    readonly linuxNodes: LinuxNodeSettings;
    readonly windowsNodes: WindowsNodeSettings;
    readonly activeDirectory?: ActiveDirectorySettings;
    readonly gmsa?: GmsaSettings;
}
