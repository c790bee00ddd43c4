// The EKS control plane: its IAM role, secrets encryption key, log group, access entries, and the
// vpc-cni and kube-proxy add-ons. CoreDNS is the DNS component's (it needs nodes to schedule on).
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { accessEntries } from "./accessEntries";
import { clusterSecretsKeyPolicy } from "./clusterSecretsKey";
import { clusterCreatorTag, type CreatorOfCluster } from "./clusterCreator";
import { renderKubeconfig } from "./kubeconfig";
import { clusterRolePolicies, policyName, serviceTrustPolicy } from "./iamPolicies";
import { accountOfArn } from "../lib/aws";
import { clusterDnsIp } from "../lib/clusterDns";
import type { AccessSettings, ClusterSettings } from "../settings/types";

export interface ClusterArgs {
    settings: ClusterSettings;
    access: AccessSettings;
    region: string;
    /** The stack's aws:profile; an explicit provider does not read stack config by itself. */
    awsProfile?: string;
    partition: string;
    vpcId: pulumi.Input<string>;
    publicSubnetIds: pulumi.Input<string[]>;
    privateSubnetIds: pulumi.Input<string[]>;
    /** Who creates (or created) the cluster and so holds EKS's creator entry, when known (clusterCreator.ts). */
    creator?: CreatorOfCluster;
    /** The stack's operators (caller.ts): without a deploy role, they call EKS for the cluster. */
    operatorArns: readonly string[];
    tags: Readonly<Record<string, string>>;
}

/** What node groups and add-ons need to know about the cluster. */
export interface ClusterInfo {
    /** Physical name, known before deployment: for tags and descriptions. */
    readonly name: string;
    /** The same name as an output of the created cluster: for resources that need the cluster to exist. */
    readonly createdName: pulumi.Output<string>;
    readonly endpoint: pulumi.Output<string>;
    readonly certificateAuthority: pulumi.Output<string>;
    readonly securityGroupId: pulumi.Output<string>;
    readonly kubernetesVersion: string;
    readonly serviceCidr: string;
    readonly dnsClusterIp: string;
    /** The vpc-cni add-on with Windows IPAM: Windows nodes must not start before it. */
    readonly podNetworking: pulumi.Resource;
}

/** vpc-cni add-on values: Windows IPAM on (the schema's type for it is a string). */
export function vpcCniConfiguration(): string {
    return JSON.stringify({ enableWindowsIpam: "true" });
}

/** What the plan records about the control plane and who may use it (ARNs and settings, nothing secret). */
export interface ClusterFacts {
    name: string;
    kubernetesVersion: string;
    serviceCidr: string;
    endpointPublicAccess: boolean;
    endpointPrivateAccess: boolean;
    publicAccessCidrs: string[];
    logTypes: string[];
    logRetentionDays: number;
    deployRoleArn?: string;
    protect: boolean;
    addonVersions: ClusterSettings["addonVersions"];
    clusterAdmins: string[];
    namespaceAdmins: { principalArn: string; namespaces: string[] }[];
    viewers: string[];
    operatorArns: string[];
}

export function clusterFacts(args: ClusterArgs): ClusterFacts {
    const s = args.settings;
    const a = args.access;
    return {
        name: s.name,
        kubernetesVersion: s.kubernetesVersion,
        serviceCidr: s.serviceCidr,
        endpointPublicAccess: s.endpointPublicAccess,
        endpointPrivateAccess: s.endpointPrivateAccess,
        publicAccessCidrs: [...s.publicAccessCidrs],
        logTypes: [...s.logTypes],
        logRetentionDays: s.logRetentionDays,
        ...(s.deployRoleArn ? { deployRoleArn: s.deployRoleArn } : {}),
        protect: s.protect,
        addonVersions: { ...s.addonVersions },
        clusterAdmins: [...a.clusterAdmins],
        namespaceAdmins: a.namespaceAdmins.map((n) => ({ principalArn: n.principalArn, namespaces: [...n.namespaces] })),
        viewers: [...a.viewers],
        operatorArns: [...args.operatorArns],
    };
}

export class Cluster extends pulumi.ComponentResource {
    /** Name, endpoint, CA, security group and versions: what node groups and add-ons need. */
    readonly info: ClusterInfo;
    readonly oidcProviderArn: pulumi.Output<string>;
    readonly oidcProviderUrl: pulumi.Output<string>;
    /** Secret: it names the cluster's endpoint and the role kubectl assumes. */
    readonly kubeconfig: pulumi.Output<string>;
    readonly secretsKeyArn: pulumi.Output<string>;
    readonly eksCluster: eks.Cluster;
    /** Kubernetes provider for this cluster (from its kubeconfig); every in-cluster resource uses it. */
    readonly provider: k8s.Provider;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-gmsa:cluster:Cluster", name, clusterFacts(args), opts);
        const s = args.settings;
        const parent = { parent: this };
        const protect = { parent: this, protect: s.protect };

        const clusterRole = new aws.iam.Role(
            "cluster-role",
            {
                description: `EKS control plane role of ${s.name}`,
                assumeRolePolicy: JSON.stringify(serviceTrustPolicy("eks", ["sts:AssumeRole", "sts:TagSession"])),
                tags: args.tags,
            },
            parent,
        );
        const roleAttachments = clusterRolePolicies(args.partition).map(
            (policyArn) => new aws.iam.RolePolicyAttachment(`cluster-role-${policyName(policyArn)}`, { role: clusterRole.name, policyArn }, parent),
        );

        // Envelope encryption of Kubernetes secrets. Deleting this key makes every secret unreadable.
        const secretsKey = new aws.kms.Key(
            "secrets-key",
            {
                description: `Envelope encryption of Kubernetes secrets in EKS cluster ${s.name}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                tags: args.tags,
            },
            protect,
        );
        new aws.kms.Alias("secrets-key-alias", { name: `alias/${s.name}-secrets`, targetKeyId: secretsKey.keyId }, parent);
        // Who may use it (clusterSecretsKey.ts): the control plane's role, and whoever calls EKS for
        // this cluster (EKS creates its grant with that principal's rights): the deploy role, else
        // the stack's operators. A separate resource: the cluster role exists first.
        const clusterCallers = s.deployRoleArn ? [s.deployRoleArn] : [...args.operatorArns];
        const secretsKeyPolicy = new aws.kms.KeyPolicy(
            "secrets-key-policy",
            {
                keyId: secretsKey.keyId,
                policy: pulumi.all([secretsKey.arn, clusterRole.arn]).apply(([keyArn, roleArn]) =>
                    JSON.stringify(
                        clusterSecretsKeyPolicy({
                            partition: args.partition,
                            accountId: accountOfArn(keyArn),
                            clusterRoleArn: roleArn,
                            clusterCallerArns: clusterCallers,
                        }),
                    ),
                ),
            },
            parent,
        );
        this.secretsKeyArn = secretsKey.arn;

        // EKS writes control-plane logs here; creating it first sets a retention (EKS's own never expires).
        const logGroup = new aws.cloudwatch.LogGroup(
            "control-plane-logs",
            {
                name: `/aws/eks/${s.name}/cluster`,
                retentionInDays: s.logRetentionDays,
                tags: args.tags,
            },
            parent,
        );

        // With a deploy role, the cluster is created by that role, so EKS's implicit creator admin
        // (eks.Cluster always grants it) is the role and not whoever ran `pulumi up`.
        const deployProvider = s.deployRoleArn
            ? new aws.Provider(
                  "deploy-role",
                  {
                      region: args.region as aws.Region,
                      ...(args.awsProfile ? { profile: args.awsProfile } : {}),
                      assumeRoles: [{ roleArn: s.deployRoleArn, sessionName: "eks-gmsa-deploy" }],
                  },
                  parent,
              )
            : undefined;

        this.eksCluster = new eks.Cluster(
            "eks",
            {
                name: s.name,
                version: s.kubernetesVersion,
                vpcId: args.vpcId,
                publicSubnetIds: args.publicSubnetIds,
                privateSubnetIds: args.privateSubnetIds,
                kubernetesServiceIpAddressRange: s.serviceCidr,
                serviceRole: clusterRole,
                authenticationMode: eks.AuthenticationMode.Api,
                accessEntries: accessEntries(args.access, args.partition, args.creator?.skippedClusterAdmin),
                encryptionConfigKeyArn: secretsKey.arn,
                enabledClusterLogTypes: [...s.logTypes],
                endpointPublicAccess: s.endpointPublicAccess,
                endpointPrivateAccess: s.endpointPrivateAccess,
                ...(s.endpointPublicAccess ? { publicAccessCidrs: [...s.publicAccessCidrs] } : {}),
                createOidcProvider: true,
                deletionProtection: s.protect,
                // Node groups, security groups and add-ons are ours: explicit resources, visible in plans.
                skipDefaultNodeGroup: true,
                skipDefaultSecurityGroups: true,
                useDefaultVpcCni: true,
                kubeProxyAddonOptions: { enabled: false },
                corednsAddonOptions: { enabled: false },
                ...(s.deployRoleArn
                    ? { providerCredentialOpts: { roleArn: s.deployRoleArn, ...(args.awsProfile ? { profileName: args.awsProfile } : {}) } }
                    : {}),
                // On the cluster alone: later runs, by anyone, read whose entry EKS made.
                ...(args.creator ? { clusterTags: { [clusterCreatorTag]: args.creator.tagValue } } : {}),
                tags: args.tags,
            },
            {
                parent: this,
                protect: s.protect,
                dependsOn: [logGroup, ...roleAttachments, secretsKeyPolicy],
                ...(deployProvider ? { providers: { aws: deployProvider } } : {}),
            },
        );

        // Read the control plane's facts back from EKS (endpoint, CA, the EKS-made security group).
        // The name is passed as an output of the cluster so the lookup waits for its creation:
        // `dependsOn` on an invoke cannot see inside a remote component such as eks.Cluster.
        const createdName = this.eksCluster.oidcProviderArn.apply(() => s.name);
        const described = aws.eks.getClusterOutput({ name: createdName }, { parent: this });
        this.oidcProviderArn = this.eksCluster.oidcProviderArn;
        this.oidcProviderUrl = this.eksCluster.oidcProviderUrl;
        this.kubeconfig = pulumi.secret(this.eksCluster.kubeconfigJson);
        // The deployer's own kubeconfig: the deploy role and aws:profile (see kubeconfig.ts).
        const deployKubeconfig = pulumi.all([described.endpoint, described.certificateAuthorities]).apply(([endpoint, cas]) =>
            renderKubeconfig({
                clusterName: s.name,
                endpoint,
                certificateAuthority: cas[0].data,
                region: args.region,
                ...(s.deployRoleArn ? { roleArn: s.deployRoleArn } : {}),
                ...(args.awsProfile ? { profile: args.awsProfile } : {}),
            }),
        );
        // Server-side apply, and no implicit namespace: every object names its own.
        this.provider = new k8s.Provider("kubernetes", { kubeconfig: pulumi.secret(deployKubeconfig), enableServerSideApply: true }, parent);

        // Managed add-ons; `preserve` keeps the software running if the add-on resource is removed.
        const addon = (addonName: string, version: string | undefined, configurationValues?: string) =>
            new aws.eks.Addon(
                addonName,
                {
                    clusterName: described.name,
                    addonName,
                    ...(version ? { addonVersion: version } : {}),
                    ...(configurationValues ? { configurationValues } : {}),
                    resolveConflictsOnCreate: "OVERWRITE",
                    resolveConflictsOnUpdate: "OVERWRITE",
                    preserve: true,
                    tags: args.tags,
                },
                parent,
            );
        const vpcCni = addon("vpc-cni", s.addonVersions.vpcCni, vpcCniConfiguration());
        addon("kube-proxy", s.addonVersions.kubeProxy);

        this.info = {
            name: s.name,
            createdName: described.name,
            endpoint: described.endpoint,
            certificateAuthority: described.certificateAuthorities.apply((cas) => cas[0].data),
            securityGroupId: described.vpcConfig.clusterSecurityGroupId,
            kubernetesVersion: s.kubernetesVersion,
            serviceCidr: s.serviceCidr,
            dnsClusterIp: clusterDnsIp(s.serviceCidr),
            podNetworking: vpcCni,
        };

        this.registerOutputs({
            clusterName: this.info.createdName,
            endpoint: this.info.endpoint,
            oidcProviderArn: this.oidcProviderArn,
            kubeconfig: this.kubeconfig,
        });
    }
}
