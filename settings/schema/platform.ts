// The declarations of eks-gmsa:network, cluster, access, linuxNodes and windowsNodes: type, default,
// rules text and check of each setting. Checks that need another key stay in the readers.
import * as catalog from "../catalog";
import * as check from "../checks";
import { flag, item, list, oneOf, optional, section, stringMap, text, whole } from "./fields";
import { Type } from "@sinclair/typebox";

export const transitGateway = section(
    {
        id: text({ rules: "an existing transit gateway (`tgw-` and 17 hex digits)", check: check.transitGatewayId }),
        routes: list(item(check.cidr), {
            rules: "the networks behind the gateway (at least one), routed to it from every private route table",
            uniqueItems: true,
            minItems: 1,
        }),
    },
    {
        rules: "`{id, routes}`: attach the private subnets to an existing transit gateway and route each CIDR in `routes` to it from every private route table. A route may not be inside `vpcCidr` (the local route would win), be `0.0.0.0/0` (the NAT gateway's), overlap another route, or overlap `cluster.serviceCidr`; a summary that contains the VPC (`10.0.0.0/8`) is fine. Not with `vpcId`",
    },
);

export const network = section({
    vpcCidr: optional(text({ rules: "canonical CIDR, /16 to /24, inside 10/8, 172.16/12 or 192.168/16", default: "10.0.0.0/16", check: check.vpcCidr })),
    availabilityZoneCount: optional(whole({ rules: "2 or 3", default: 2, minimum: 2, maximum: 3 })),
    availabilityZones: optional(
        list(Type.String(), {
            rules: "exactly `availabilityZoneCount` names of the region (`us-west-2a`)",
            default: [],
            shownDefault: "first N available AZs of the region",
            uniqueItems: true,
        }),
    ),
    publicSubnetCidrs: optional(
        list(item(check.cidr), {
            rules: "give both subnet lists or neither; one per AZ; inside `vpcCidr`; /28 or larger; no overlaps",
            default: [],
            shownDefault: "carved from `vpcCidr`: a sixteenth of the VPC per public subnet",
        }),
    ),
    privateSubnetCidrs: optional(
        list(item(check.cidr), {
            rules: "give both subnet lists or neither; one per AZ; inside `vpcCidr`; /28 or larger; no overlaps",
            default: [],
            shownDefault: "carved from `vpcCidr`: a quarter of the VPC per private subnet",
        }),
    ),
    natGateways: optional(
        oneOf(["single", "onePerAz"] as const, {
            rules: "`single` (one NAT gateway, cheaper, dev) or `onePerAz` (survives an AZ outage, prod)",
            default: "onePerAz",
        }),
    ),
    transitGateway: optional(transitGateway),
    vpcId: optional(text({ rules: "an existing VPC (`vpc-…`); none of the new-VPC keys may be combined with it", check: check.vpcId })),
    privateSubnetIds: optional(
        list(item(check.subnetId), {
            rules: "with `vpcId`: at least 2 subnets (`subnet-…`), where the nodes go; tag them `kubernetes.io/role/internal-elb=1`",
            uniqueItems: true,
            minItems: 2,
        }),
    ),
    publicSubnetIds: optional(
        list(item(check.subnetId), {
            rules: "with `vpcId`: subnets for load balancers, none of them private; tag them `kubernetes.io/role/elb=1`",
            default: [],
            uniqueItems: true,
        }),
    ),
});

const addonVersion = optional(
    text({
        rules: "an EKS add-on version such as `v1.19.2-eksbuild.1`",
        shownDefault: "EKS default for the version",
        check: (v) => (/^v[0-9]+\.[0-9]+\.[0-9]+-eksbuild\.[0-9]+$/.test(v) ? undefined : "must be an EKS add-on version such as v1.19.2-eksbuild.1"),
    }),
);

export const addonVersions = section(
    { vpcCni: addonVersion, kubeProxy: addonVersion, coredns: addonVersion },
    { rules: "`{vpcCni, kubeProxy, coredns}`, each like `v1.19.2-eksbuild.1`" },
);

export const logType = oneOf(catalog.clusterLogTypes, { rules: "a control-plane log type", message: `must be one of ${catalog.clusterLogTypes.join(", ")}` });

export const cluster = section({
    name: optional(
        text({
            rules: "EKS name rules (1–100 characters, letters, digits, `-`, `_`). Changing it replaces the cluster.",
            shownDefault: "`eks-gmsa-<stack>`",
            check: check.eksClusterName,
        }),
    ),
    kubernetesVersion: optional(
        oneOf(catalog.eksKubernetesVersions, {
            rules: `one EKS supports: ${catalog.eksKubernetesVersions.map((v) => `\`"${v}"\``).join(", ")} (the list, with its sources, is \`settings/catalog.ts\`; 1.31 left extended support on 2026-11-26)`,
            default: catalog.defaultKubernetesVersion,
            message: `must be a Kubernetes version EKS supports: ${catalog.eksKubernetesVersions.join(", ")}`,
        }),
    ),
    serviceCidr: optional(
        text({
            rules: "private range, /12 to /24, not overlapping `vpcCidr`; CoreDNS answers on its 10th address. Fixed at cluster creation.",
            default: "172.20.0.0/16",
            check: check.serviceCidr,
        }),
    ),
    endpointPublicAccess: optional(
        flag({
            rules: 'at least one endpoint must be on; `false` only with an existing VPC (`network.vpcId`): the `pulumi up` that creates the cluster applies the Helm and Kubernetes resources through the endpoint, and a private-only endpoint answers only inside the cluster\'s VPC, where a VPC this stack creates holds no deployer. Restrict `publicAccessCidrs` instead (README, "Deploying prod from a CI runner")',
            default: true,
        }),
    ),
    endpointPrivateAccess: optional(
        flag({ rules: "must be on when `publicAccessCidrs` restricts the public endpoint (nodes would be locked out)", default: true }),
    ),
    publicAccessCidrs: optional(list(item(check.cidr), { rules: "only with the public endpoint", default: ["0.0.0.0/0"], uniqueItems: true, minItems: 1 })),
    logTypes: optional(
        list(logType, {
            rules: `subset of ${catalog.clusterLogTypes.map((t) => `\`${t}\``).join(", ")}`,
            default: ["api", "audit", "authenticator"],
            uniqueItems: true,
        }),
    ),
    logRetentionDays: optional(
        oneOf(catalog.logRetentionDays, {
            rules: "a CloudWatch retention value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, …)",
            default: 90,
            message: `must be a CloudWatch retention value: ${catalog.logRetentionDays.join(", ")}`,
        }),
    ),
    deployRoleArn: optional(
        text({
            rules: "IAM role ARN. The cluster is created through this role, so the admin EKS grants the cluster's creator is the role, not a person; the Kubernetes provider's token assumes it too (`aws eks get-token --role-arn`, with `aws:profile` as `--profile` when set). Must not be in `eks-gmsa:access` (see below).",
            check: check.iamRoleArn,
        }),
    ),
    protect: optional(
        flag({ rules: "protects the cluster and its secrets KMS key (Pulumi `protect` and EKS deletion protection). Dev sets `false`.", default: true }),
    ),
    addonVersions: optional(addonVersions),
});

export const namespaceAdmin = section({
    principalArn: text({ rules: "IAM user or role ARN", check: check.iamPrincipalArn }),
    namespaces: list(item(check.dns1123Label), { rules: "the namespaces it administers (DNS-1123 labels, at least one)", uniqueItems: true, minItems: 1 }),
});

const principals = (grants: string) => optional(list(item(check.iamPrincipalArn), { rules: grants, default: [], uniqueItems: true }));

export const access = section({
    clusterAdmins: principals("IAM users or roles granted `AmazonEKSClusterAdminPolicy`, cluster scope"),
    namespaceAdmins: optional(list(namespaceAdmin, { rules: "`[{principalArn, namespaces: [..]}]`: `AmazonEKSAdminPolicy` in those namespaces", default: [] })),
    viewers: principals("IAM users or roles granted `AmazonEKSViewPolicy`, cluster scope"),
    operators: optional(
        list(item(check.iamPrincipalArn), {
            rules: "no access entry: the IAM roles and users that run `pulumi up`, `refresh` and `destroy` for this stack (below); each once, named as IAM shows it",
            shownDefault: "whoever runs `pulumi up`",
            uniqueItems: true,
        }),
    ),
});

/** minSize, desiredSize and maxSize of a node group; `minimum` is the smallest minSize and desiredSize. */
function scaling(defaults: { minSize: number; desiredSize: number; maxSize: number }, minimum: number) {
    const bound = (rules: string, d: number, min: number) => optional(whole({ rules, default: d, minimum: min, maximum: 1000 }));
    return {
        minSize: bound(`${minimum} to 1000; minSize ≤ desiredSize ≤ maxSize`, defaults.minSize, minimum),
        desiredSize: bound(`${minimum} to 1000; minSize ≤ desiredSize ≤ maxSize`, defaults.desiredSize, minimum),
        maxSize: bound("1 to 1000; minSize ≤ desiredSize ≤ maxSize", defaults.maxSize, 1),
    };
}

export const linuxScaling = section(scaling({ minSize: 2, desiredSize: 2, maxSize: 4 }, 1));

export const linuxNodes = section({
    instanceTypes: optional(
        list(item(check.linuxInstanceType), {
            rules: "EC2 types (in `settings/data/ec2-instance-types.json`), x86_64, at least `small`",
            default: ["m6i.large"],
            uniqueItems: true,
            minItems: 1,
        }),
    ),
    // Two nodes by default: CoreDNS and the gMSA webhook run two replicas each behind
    // PodDisruptionBudgets. One node is allowed (a small dev cluster) but drains them on replacement.
    ...linuxScaling.properties,
    diskSizeGiB: optional(whole({ rules: "20 to 16384; the launch template's root volume (gp3, encrypted)", default: 50, minimum: 20, maximum: 16384 })),
    capacityType: optional(oneOf(["ON_DEMAND", "SPOT"] as const, { rules: "`ON_DEMAND` or `SPOT`", default: "ON_DEMAND" })),
});

export const taintEffect = oneOf(["NoSchedule", "PreferNoSchedule", "NoExecute"] as const, {
    rules: "`NoSchedule`, `PreferNoSchedule` or `NoExecute`",
    default: "NoSchedule",
});

export const taint = section({
    key: optional(text({ rules: "a label key", default: "os", check: check.labelKey })),
    value: optional(text({ rules: "a label value", default: "windows", check: check.labelValue })),
    effect: optional(taintEffect),
});

export const windowsScaling = section(scaling({ minSize: 1, desiredSize: 2, maxSize: 4 }, 0));

export const windowsNodes = section({
    windowsServerVersion: optional(
        oneOf(Object.keys(catalog.windowsServerVersions) as ["2019", "2022", "2025"], {
            rules: '`"2019"`, `"2022"`, `"2025"` (2025 AMIs are published from Kubernetes 1.35 on; pin `amiId` for older)',
            default: "2022",
        }),
    ),
    edition: optional(oneOf(catalog.windowsEditions, { rules: "`Core` or `Full`", default: "Core" })),
    instanceType: optional(
        text({
            rules: "an EC2 type (in `settings/data/ec2-instance-types.json`) of an x86_64 Nitro family EKS supports for Windows (t3, m5…m8i, c5…c8i, r5…r8i, …), at least `medium`; no Graviton",
            default: "m6i.xlarge",
            check: check.windowsInstanceType,
        }),
    ),
    ...windowsScaling.properties,
    // The Windows AMIs' root volume is 50 GiB; images of Windows containers are large.
    rootVolumeSizeGiB: optional(whole({ rules: "50 (the AMI's size) to 16384; gp3, encrypted", default: 100, minimum: 50, maximum: 16384 })),
    amiId: optional(
        text({
            rules: "pins an AMI; otherwise the EKS-optimized AMI for the version, edition and Kubernetes version is read from `/aws/service/ami-windows-latest/Windows_Server-<version>-English-<edition>-EKS_Optimized-<k8s>/image_id`, so a new monthly AMI rolls the nodes at the next `pulumi up`",
            shownDefault: "resolved",
            check: check.amiId,
        }),
    ),
    sshKeyName: optional(
        text({
            rules: "an EC2 key pair; without it there is no SSH key (use SSM Session Manager)",
            check: (v) => (/^[\x20-\x7e]{1,255}$/.test(v) ? undefined : "must be an EC2 key pair name (printable ASCII, at most 255 characters)"),
        }),
    ),
    labels: optional(
        stringMap({
            rules: "node labels; not under `kubernetes.io`/`k8s.io` (the kubelet may not set those), not `eks-gmsa.io/node-role`",
            default: {},
            key: check.nodeLabelKey,
            value: check.labelValue,
        }),
    ),
    taint: optional(
        Type.Union([taint, Type.Literal(false)], {
            description:
                "`{key, value, effect}` or `false`. The cluster's host access rules read it to decide which pods can run on a Windows node: with `false` or a `PreferNoSchedule` effect, every pod not pinned to Linux ([gmsa.md](gmsa.md#host-access-on-windows-nodes))",
            default: { key: "os", value: "windows", effect: "NoSchedule" },
        }),
    ),
    // The admission policy puts these names in a CEL list literal: DNS labels only.
    hostProcessNamespaces: optional(
        list(item(check.dns1123Label), {
            rules: "namespaces (DNS-1123 labels, each once) where pods may have host access on Windows nodes; everywhere else the cluster refuses it ([gmsa.md](gmsa.md#host-access-on-windows-nodes)). Despite the name, the list covers both kinds of host access: `windowsOptions.hostProcess: true` on any pod, and `hostPath` volumes on pods and DaemonSets that can run on a Windows node (which `taint` decides: with the default taint, pods that tolerate it or name their node and are not pinned to Linux). A HostProcess container runs as the node's SYSTEM account, and a host path such as containerd's pipe or `C:\\` gives the same; SYSTEM can act as every gMSA the node retrieves: list only namespaces of trusted node agents (for example a CSI proxy, a monitoring agent or a Windows log shipper), and give nobody else rights to create pods there. Refused: a namespace of `access.namespaceAdmins` or `gmsa.accounts[].allowed`, and the webhook's or cert-manager's (the stack enforces Pod Security there, which refuses HostProcess pods and host paths, and their admins would get the node). Only with `eks-gmsa:gmsa` (an error otherwise: the policies come with gMSA). Upgrading a cluster with such agents: [gmsa.md](gmsa.md#upgrading-a-cluster-that-already-has-windows-node-agents)",
            default: [],
            uniqueItems: true,
        }),
    ),
});
