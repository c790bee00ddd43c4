// The validated, typed settings object. Components receive slices of it; nothing else reads config.

export type NatGatewayMode = "single" | "onePerAz";

export interface NewVpcSettings {
    readonly mode: "create";
    readonly vpcCidr: string;
    readonly availabilityZoneCount: number;
    /** Explicit AZ names; when empty the first `availabilityZoneCount` available AZs are used. */
    readonly availabilityZones: readonly string[];
    readonly publicSubnetCidrs: readonly string[];
    readonly privateSubnetCidrs: readonly string[];
    readonly natGateways: NatGatewayMode;
}

export interface ExistingVpcSettings {
    readonly mode: "existing";
    readonly vpcId: string;
    readonly publicSubnetIds: readonly string[];
    readonly privateSubnetIds: readonly string[];
}

export type NetworkSettings = NewVpcSettings | ExistingVpcSettings;

export type ClusterLogType = "api" | "audit" | "authenticator" | "controllerManager" | "scheduler";

export interface AddonVersions {
    readonly vpcCni?: string;
    readonly kubeProxy?: string;
    readonly coredns?: string;
}

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

export interface NamespaceAdmin {
    readonly principalArn: string;
    readonly namespaces: readonly string[];
}

export interface AccessSettings {
    readonly clusterAdmins: readonly string[];
    readonly namespaceAdmins: readonly NamespaceAdmin[];
    readonly viewers: readonly string[];
}

export type CapacityType = "ON_DEMAND" | "SPOT";

export interface ScalingSettings {
    readonly minSize: number;
    readonly desiredSize: number;
    readonly maxSize: number;
}

export interface LinuxNodeSettings extends ScalingSettings {
    readonly instanceTypes: readonly string[];
    readonly diskSizeGiB: number;
    readonly capacityType: CapacityType;
}

export type WindowsServerVersion = "2019" | "2022" | "2025";
export type WindowsEdition = "Core" | "Full";
export type TaintEffect = "NoSchedule" | "PreferNoSchedule" | "NoExecute";

export interface Taint {
    readonly key: string;
    readonly value: string;
    readonly effect: TaintEffect;
}

export interface WindowsNodeSettings extends ScalingSettings {
    readonly windowsServerVersion: WindowsServerVersion;
    readonly edition: WindowsEdition;
    readonly instanceType: string;
    readonly rootVolumeSizeGiB: number;
    /** Pinned AMI; when absent the EKS-optimized AMI is read from AWS's public SSM parameter. */
    readonly amiId?: string;
    readonly sshKeyName?: string;
    readonly labels: Readonly<Record<string, string>>;
    /** Keeps Linux pods off Windows nodes; undefined when the user turned it off. */
    readonly taint?: Taint;
}

export interface ActiveDirectorySettings {
    readonly domainName: string;
    readonly netbiosName: string;
    readonly dnsServers: readonly string[];
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
}
