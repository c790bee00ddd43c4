// What AWS and the charts this program installs support, as data. Each list names its source; update it when support changes.

/**
 * Kubernetes versions EKS runs, as of 2026-11: 1.34 to 1.36 in standard support, 1.32 and 1.33 in
 * extended support. 1.31 is left out: its extended support ends on 2026-11-26 and EKS then
 * upgrades such clusters by itself.
 * Sources: https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html,
 * awslabs/amazon-eks-ami CHANGELOG (v20260714 builds 1.36).
 */
export const eksKubernetesVersions = ["1.32", "1.33", "1.34", "1.35", "1.36"] as const;
export const defaultKubernetesVersion = "1.35";

/**
 * EKS-optimized Windows AMIs: Windows Server versions and editions, and the lowest Kubernetes
 * version each is published for. The AMI is read from
 * /aws/service/ami-windows-latest/Windows_Server-<version>-English-<edition>-EKS_Optimized-<k8s>/image_id
 * Source: https://docs.aws.amazon.com/eks/latest/userguide/eks-optimized-windows-ami.html
 */
export const windowsServerVersions: Readonly<Record<string, { minKubernetes: string }>> = {
    "2019": { minKubernetes: "1.24" },
    "2022": { minKubernetes: "1.24" },
    // AWS's AMI release table lists Windows Server 2025 EKS AMIs from Kubernetes 1.35 on; an older
    // cluster can still use one through windowsNodes.amiId.
    "2025": { minKubernetes: "1.35" },
};
export const windowsEditions = ["Core", "Full"] as const;

/**
 * EC2 families accepted for EKS Windows nodes: current x86_64 Nitro families. The EKS Windows AMIs
 * are x86_64 only (no Graviton); the VPC resource controller assigns Windows pod IPs only for the
 * types in its limits table and uses prefix delegation only on Nitro; AWS documented C3, C4, D2,
 * I2, M4 and R3 as unsupported for Windows. Burstable t3 works but gives few pods (t3.medium: 5).
 * Sources: https://docs.aws.amazon.com/eks/latest/userguide/windows-support.html,
 * aws/amazon-vpc-resource-controller-k8s pkg/aws/vpc/limits.go.
 */
export const windowsInstanceFamilies = [
    "t3",
    "t3a",
    "m5",
    "m5a",
    "m5d",
    "m5n",
    "m5zn",
    "m6i",
    "m6a",
    "m6id",
    "m6in",
    "m7i",
    "m7a",
    "m7i-flex",
    "m8i",
    "c5",
    "c5a",
    "c5d",
    "c5n",
    "c6i",
    "c6a",
    "c6id",
    "c6in",
    "c7i",
    "c7a",
    "c7i-flex",
    "c8i",
    "r5",
    "r5a",
    "r5d",
    "r5n",
    "r6i",
    "r6a",
    "r6id",
    "r6in",
    "r7i",
    "r7a",
    "r8i",
    "x2idn",
    "x2iedn",
    "z1d",
    "i3en",
    "i4i",
    "g4dn",
    "g5",
    "p3",
] as const;

/** Control-plane log types. Source: https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html */
export const clusterLogTypes = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/** CloudWatch Logs retention values. Source: CloudWatch Logs PutRetentionPolicy API reference. */
export const logRetentionDays = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/**
 * The Region names of the partitions the program builds in (aws, aws-cn, aws-us-gov: the ARNs it
 * writes), e.g. us-west-2, cn-north-1, us-gov-west-1; not us-iso-east-1 or eusc-de-east-1. Which
 * Regions exist is settings/data/aws-regions.json (settings/awsLists.ts).
 */
export const regionPattern = /^(us|eu|ap|ca|sa|me|af|il|mx|cn|us-gov)-(north|south|east|west|central|northeast|northwest|southeast|southwest)-[0-9]$/;

/** EKS access policies. Source: https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html */
export const accessPolicies = {
    clusterAdmin: "AmazonEKSClusterAdminPolicy",
    namespaceAdmin: "AmazonEKSAdminPolicy",
    viewer: "AmazonEKSViewPolicy",
} as const;

/**
 * cert-manager chart release: the latest patch of the newest supported line. On 2026-12-01 the
 * supported lines are 1.21 (until 1.23 is released) and 1.20 (until 1.22); only a line's last patch
 * is supported. Source: cert-manager/website content/docs/releases/README.md; v1.21.2 is the
 * newest 1.21 patch published by 2026-09 (its chart values and schema match v1.21.1's, checked).
 */
export const defaultCertManagerVersion = "v1.21.2";

/**
 * Why a cert-manager chart version cannot be used, or undefined. From v1.19.2 on the chart merges
 * global.nodeSelector (our system-node label) into each component's nodeSelector; v1.19.0 and
 * v1.19.1 coalesce, so the components' default `kubernetes.io/os: linux` wins and global is
 * ignored; before v1.19 the values schema has no global.nodeSelector at all.
 */
export function certManagerVersionProblem(v: string): string | undefined {
    const m = /^v1\.([0-9]+)\.([0-9]+)$/.exec(v);
    if (!m) return `must be a cert-manager chart version such as ${defaultCertManagerVersion} (with the leading v)`;
    const [minor, patch] = [Number(m[1]), Number(m[2])];
    if (minor < 19 || (minor === 19 && patch < 2))
        return "must be v1.19.2 or later (from v1.19.2 the chart applies global.nodeSelector, which keeps cert-manager on the Linux system nodes; earlier charts ignore it or reject it)";
    return undefined;
}

/** The gMSA webhook chart versions whose CRD and values this program is checked against. */
export const gmsaChartVersions = ["0.13.0"] as const;
