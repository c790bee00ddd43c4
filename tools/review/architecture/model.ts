// The architecture model: what the picture shows, read from a plan (./read.ts) and drawn (./draw.ts).

export type SubnetTier = "public" | "private";

export interface SubnetModel {
    /** Logical name (a new VPC) or subnet ID (an existing VPC). */
    name: string;
    tier: SubnetTier;
    availabilityZone?: string;
    cidr?: string;
    /** The NAT gateway placed in this subnet, if any. */
    natGateway?: string;
}

export interface NetworkModel {
    vpc: "created" | "existing";
    vpcCidr?: string;
    /** Existing VPC only: its ID (a created VPC's ID is invented by the mocks). */
    vpcId?: string;
    internetGateway: boolean;
    subnets: SubnetModel[];
    natGateways: { name: string; subnet?: string; availabilityZone?: string }[];
}

export interface AccessEntryModel {
    /** accessEntries key of eks.Cluster, or the AccessEntry resource's logical name. */
    key: string;
    principalArn: string;
    type: string;
    /** Access policy short names with their scope: "cluster" or "namespaces web, web-staging". */
    policies: { policy: string; scope: string }[];
}

export interface ClusterModel {
    name: string;
    kubernetesVersion?: string;
    authenticationMode?: string;
    endpointPublic: boolean;
    endpointPrivate: boolean;
    publicAccessCidrs: string[];
    serviceCidr?: string;
    logTypes: string[];
    secretsEncryption: boolean;
    oidcProvider: boolean;
    /** The role the cluster is created through (its creator, hence its first admin). */
    deployRoleArn?: string;
    protect: boolean;
    accessEntries: AccessEntryModel[];
    /** Managed add-ons with the keys of their configuration values. */
    addons: { name: string; configurationKeys: string[] }[];
}

export interface LinuxNodeGroupModel {
    name: string;
    amiType?: string;
    instanceTypes: string[];
    capacityType?: string;
    minSize?: number;
    desiredSize?: number;
    maxSize?: number;
    labels: Record<string, string>;
}

export interface LifecycleHookModel {
    name: string;
    transition: string;
    defaultResult?: string;
    heartbeatTimeoutSeconds?: number;
    /** SSM Automation runbook an EventBridge rule starts for this hook. */
    runbook?: string;
}

export interface WindowsNodeGroupModel {
    /** The auto scaling group's logical name. */
    name: string;
    instanceType?: string;
    windowsServerVersion?: string;
    edition?: string;
    minSize?: number;
    desiredSize?: number;
    maxSize?: number;
    rootVolumeGiB?: number;
    imdsv2Only: boolean;
    nodeLabels: string[];
    taints: string[];
    lifecycleHooks: LifecycleHookModel[];
}

export type GmsaMode = "domainless" | "domain-joined" | "unknown";

export interface DomainJoinModel {
    association: string;
    document: string;
    directoryId?: string;
    directoryName?: string;
    organizationalUnit?: string;
}

export interface ManagementHostModel {
    name: string;
    instanceType?: string;
    /** Secrets Manager secret names its role may read. */
    readsSecrets: string[];
}

export interface ProvisioningModel {
    /** The resource that runs it during `pulumi up`. */
    runner: string;
    document: string;
    /** What it creates or corrects, from its AccountProvisioning component's facts. */
    readersGroup?: string;
    accounts: string[];
    portableIdentity?: string;
    /** It checks the whole chain after provisioning. */
    verify: boolean;
    host?: string;
}

/** The portable identity's rotation: a Lambda outside the VPC that reaches the DCs through the management host. */
export interface RotationModel {
    function: string;
    runtime?: string;
    /** Days between scheduled rotations (the SecretRotation's rules), or "off": started by hand only. */
    schedule: number | "off";
    /** The two AD users the secret alternates between. */
    users: string[];
    /** The SSM document it sends to the management host (set and test steps). */
    document?: string;
    /** The SNS topic a failed or abandoned rotation is published to. */
    failureTopic?: string;
}

export interface ActiveDirectoryModel {
    /** managed: an AWS Managed Microsoft AD this stack creates; existing: one it only uses. */
    source: "managed" | "existing";
    domainName?: string;
    netbiosName?: string;
    edition?: string;
    directoryId?: string;
    dnsServers: string[];
    managementHost?: ManagementHostModel;
    provisioning: ProvisioningModel[];
    rotation?: RotationModel;
}

export interface DnsPathModel {
    /** CoreDNS server blocks other than "." that forward a zone. */
    coreDnsForwarders: { zone: string; servers: string[] }[];
    resolverEndpoints: { name: string; direction?: string; addressCount: number }[];
    resolverRules: { name: string; domainName?: string; ruleType?: string; targetIps: string[]; associatedWithVpc: boolean }[];
}

export interface PortableIdentityModel {
    secretName: string;
    kmsKey?: string;
    /** IAM roles (logical names) whose inline policies may read it. */
    readers: string[];
    protect: boolean;
}

export interface HelmReleaseModel {
    name: string;
    role: "gmsa-webhook" | "cert-manager" | "other";
    chart: string;
    version?: string;
    namespace?: string;
    repository?: string;
    replicas?: number;
}

export interface CredentialSpecGrant {
    /** The namespace pods must run in; "*" when a ClusterRoleBinding grants it everywhere. */
    namespace: string;
    /** Service accounts there that may `use` it; "*" for every service account. */
    serviceAccounts: string[];
    /** "RoleBinding web/gmsa-use-webapp01 -> ClusterRole gmsa-use-webapp01". */
    bindings: string[];
}

export interface CredentialSpecModel {
    name: string;
    account?: string;
    domain?: string;
    netbiosName?: string;
    /** Carries HostAccountConfig: the CCG plugin fetches the gMSA password with a portable identity. */
    domainless: boolean;
    /** The secret the CCG plugin reads (domainless), from PluginInput. */
    credentialArn?: string;
    protect: boolean;
    allowed: CredentialSpecGrant[];
}

export interface WorkloadModel {
    kind: string;
    name: string;
    namespace: string;
    serviceAccount: string;
    credentialSpecs: string[];
    /** RBAC lets its service account use every credential spec it names (what the webhook checks). */
    authorized: boolean;
    images: string[];
    replicas?: number;
    windows: boolean;
    /** Part of the stack's sample workload (a component of type eks-gmsa:workloads:SampleWorkload). */
    sample: boolean;
}

export interface ArchitectureModel {
    project: string;
    stack: string;
    resourceCount: number;
    /** From the subnets' availability zones (or an explicit AWS provider's region). */
    region?: string;
    network: NetworkModel;
    cluster?: ClusterModel;
    linuxNodeGroups: LinuxNodeGroupModel[];
    windowsNodeGroups: WindowsNodeGroupModel[];
    gmsaMode: GmsaMode;
    domainJoin?: DomainJoinModel;
    activeDirectory: ActiveDirectoryModel;
    dns: DnsPathModel;
    portableIdentity?: PortableIdentityModel;
    helmReleases: HelmReleaseModel[];
    /** Namespaces labelled windows.k8s.io/disabled=true, which the gMSA webhook skips. */
    webhookOptOutNamespaces: string[];
    credentialSpecs: CredentialSpecModel[];
    workloads: WorkloadModel[];
    /** The plan's made-up values (plan.deployTimeValues): the picture never shows one as a fact. */
    deployTimeValues?: Readonly<Record<string, string>>;
}
