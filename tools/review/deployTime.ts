// A modelled deploy time for a plan (docs/deploy-time.md): every resource takes a documented
// duration for its type, starts when what it depends on is created, and the longest chain is the
// critical path. The same duration figures model the AWS walkthrough done by hand, for comparison.
//
//   npx tsx tools/review/deployTime.ts --plan out/dev/plan.json   prints the model of a plan file
//   npx tsx tools/review/deployTime.ts --write-doc                regenerates docs/deploy-time.md's tables
import * as fs from "fs";
import * as path from "path";
import type { Plan, PlanResource } from "../planFile";
import manualWalkthroughData from "./manualWalkthrough.json";

// ---------------------------------------------------------------------------------------------
// Evidence: every figure says where it comes from, and an assumption never passes as a source.
// ---------------------------------------------------------------------------------------------

export interface Source {
    title: string;
    url: string;
    /** What the source states, in short (quoted or closely paraphrased). */
    says: string;
}

export type Evidence =
    /** The figures are what the sources state. */
    | { kind: "sourced"; sources: Source[] }
    /** The sources give the range (or one end of it); the midpoint is our choice, said why. */
    | { kind: "bounded"; sources: Source[]; assumption: string }
    /** No source states a figure: reasoning only (related sources support the mechanism, not the number). */
    | { kind: "assumption"; assumption: string; related?: Source[] };

export type Scenario = "low" | "mid" | "high";
export type SecondsRange = Record<Scenario, number>;

/** One named duration: the unit both the plan rules and the manual walkthrough add up. */
export interface DurationFigure {
    id: string;
    what: string;
    seconds: SecondsRange;
    evidence: Evidence;
}

/** Which figures a plan resource takes: the first rule whose types and condition match. */
export interface DurationRule {
    id: string;
    /** Exact type tokens, or a prefix ending in "*" (e.g. "kubernetes:*"). */
    types: string[];
    /** When the rule applies, in words (the condition `when` checks). */
    variant: string;
    when?: (resource: PlanResource) => boolean;
    /** Figure ids, summed. */
    figures: string[];
}

/**
 * Something real that happens after a resource is created and that Pulumi does not wait for,
 * but that a later resource does (a Windows node becoming Ready; a host's SSM agent coming online).
 */
export interface ReadinessRule {
    id: string;
    label: string;
    types: string[];
    variant: string;
    when?: (resource: PlanResource, index: PlanIndex) => boolean;
    figures: string[];
    /** Which resources wait for it, in words. */
    awaitedBy: string;
}

const S = {
    eksWhatsNew: {
        title: "AWS What's New (2021-03-19): Amazon EKS reduces cluster creation time by 40% (quoted in aws-samples/eks-workshop#1101)",
        url: "https://aws.amazon.com/about-aws/whats-new/2021/03/amazon-eks-reduces-cluster-creation-time-40-percent/",
        says: "create a new EKS cluster control plane in 9 minutes or less, on average",
    },
    eksRoadmap: {
        title: "aws/containers-roadmap#1227 [EKS] Reduction in EKS cluster creation time",
        url: "https://github.com/aws/containers-roadmap/issues/1227",
        says: "control plane provisioning averaged 15 minutes before the change; users report about 10 to 14 minutes afterwards",
    },
    eksApplyLog: {
        title: "DevopsArtFactory/terraform-provisioning#46 and #47 (terraform apply logs, EKS 1.30, AL2023 node groups)",
        url: "https://github.com/DevopsArtFactory/terraform-provisioning/pull/47",
        says: "aws_eks_cluster: Creation complete after 8m33s; aws_eks_node_group: after 1m48s and 1m59s; access entry and OIDC provider: after 1s",
    },
    capaE2e: {
        title: "kubernetes-sigs/cluster-api-provider-aws#3878 (EKS e2e timings)",
        url: "https://github.com/kubernetes-sigs/cluster-api-provider-aws/pull/3878",
        says: "Finished waiting for cluster after 10m40s, 11m50s, 13m0s (one outlier 32m31s)",
    },
    pulumiEksComponent: {
        title: "pulumi/pulumi-eks#1819 (pulumi up output)",
        url: "https://github.com/pulumi/pulumi-eks/issues/1819",
        says: "eks:index:Cluster ... created (748s), its children included",
    },
    eksctlNodegroup: {
        title: "eksctl-io/eksctl#482 (eksctl log)",
        url: "https://github.com/eksctl-io/eksctl/pull/482",
        says: "done after 3m36s of waiting for the nodegroup CloudFormation stack to reach CREATE_COMPLETE (a self-managed node group, 2019)",
    },
    directoryStatus: {
        title: "AWS Directory Service Administration Guide: Understanding your directory status (AWS Managed Microsoft AD)",
        url: "https://docs.aws.amazon.com/directoryservice/latest/admin-guide/ms_ad_directory_status.html",
        says: "Directory creation typically takes between 20 to 45 minutes but may vary depending on the system load.",
    },
    transitGatewayAttachmentWait: {
        title: "hashicorp/terraform-provider-aws internal/service/ec2/wait.go (transit gateway VPC attachment)",
        url: "https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service/ec2/wait.go",
        says: "waitTransitGatewayVPCAttachmentCreated: Pending failing, pending; Target available, pendingAcceptance; TransitGatewayVPCAttachmentCreatedTimeout = 10 * time.Minute",
    },
    natGatewayWait: {
        title: "kubernetes/kops#944 Wait for NatGateway creation to complete",
        url: "https://github.com/kubernetes/kops/pull/944",
        says: "It can take up to 10 min for NatGateway to go from Pending to Available state (code comment: up to 5 min)",
    },
    asgCapacityDocs: {
        title: "@pulumi/aws 7.48.0 aws.autoscaling.Group, \"Waiting for Capacity\" (Pulumi Registry)",
        url: "https://www.pulumi.com/registry/packages/aws/api-docs/autoscaling/group/",
        says: "waits after ASG creation for minSize (or desiredCapacity) healthy instances: HealthStatus Healthy and LifecycleState InService, for up to waitForCapacityTimeout",
    },
    asgCapacityDefault: {
        title: "hashicorp/terraform#1839 provider/aws: wait for ASG capacity on creation",
        url: "https://github.com/hashicorp/terraform/issues/1839",
        says: "On ASG creation, waits for up to 10m for desired_capacity or min_size healthy nodes to show up in the group",
    },
    lifecycleHooks: {
        title: "Amazon EC2 Auto Scaling User Guide: How lifecycle hooks work",
        url: "https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks-overview.html",
        says: "The instance remains in a wait state (Pending:Wait) until you either complete the lifecycle action, or the timeout period ends",
    },
    windowsNodeJoin: {
        title: "awslabs/amazon-eks-ami#2723 [Windows] Start-EKSBootstrap.ps1: Get-EC2Instance triggers AWSPowerShell module cold-load",
        url: "https://github.com/awslabs/amazon-eks-ami/issues/2723",
        says: "on t3.large ... Windows EKS nodes take ~10 minutes to join clusters (RunInstances to NodeReady), ~222 s of it loading the AWSPowerShell module",
    },
    domainlessBlog: {
        title: "AWS Containers Blog: Domainless Windows Authentication for Amazon EKS Windows pods",
        url: "https://aws.amazon.com/blogs/containers/domainless-windows-authentication-for-amazon-eks-windows-pods/",
        says: "domain-joined nodes meant ... drastically increasing bootstrap time on each Windows node due to the domain-join process",
    },
    pulumiK8sAwaiters: {
        title: "pulumi/pulumi-kubernetes v4.32.0 provider/pkg/await/awaiters.go",
        url: "https://github.com/pulumi/pulumi-kubernetes/blob/v4.32.0/provider/pkg/await/awaiters.go",
        says: "the await table names the kinds whose readiness is watched (Deployment, Job, Namespace, Service...); no admissionregistration kind is among them, so a ValidatingAdmissionPolicy or binding is done when the API server accepts it",
    },
    helmAwait: {
        title: "@pulumi/kubernetes 4.34.2 helm.v3.Release, skipAwait (Pulumi Registry)",
        url: "https://www.pulumi.com/registry/packages/kubernetes/api-docs/helm/v3/release/",
        says: "By default, the provider waits until all resources are in a ready state before marking the release as successful",
    },
    certManagerVerify: {
        title: "cert-manager documentation (v1.9): Verifying the Installation",
        url: "https://cert-manager.io/v1.9-docs/installation/verify/",
        says: "cmctl check api --wait=2m: Not ready: the cert-manager webhook deployment is not ready yet (repeated) ... The cert-manager API is ready",
    },
    certManagerStartupCheck: {
        title: "NVIDIA/aicr#51 Increase cert-manager startupapicheck timeout to 5m",
        url: "https://github.com/NVIDIA/aicr/pull/51",
        says: "The default 1 minute timeout [of startupapicheck] is often insufficient, causing helm install to fail",
    },
    corednsAddonSlow: {
        title: "aws-ia/terraform-aws-eks-blueprints#642 CoreDNS addon takes at least 15minutes to complete",
        url: "https://github.com/aws-ia/terraform-aws-eks-blueprints/issues/642",
        says: "the coredns addon always take 15 minutes ... kube-proxy and vpc-cni ... [ready] soon as the pods passed readiness check",
    },
    corednsNeedsNodes: {
        title: "terraform-aws-modules/terraform-aws-eks#3001 coredns addon doesn't create successfully at the first-time apply",
        url: "https://github.com/terraform-aws-modules/terraform-aws-eks/issues/3001",
        says: "this addon needs at least 1 node available to deploy its pods (degraded, and still creating until the timeout, otherwise)",
    },
    iamApplyLog: {
        title: "turbot/steampipe-plugin-aws#131 (terraform apply log)",
        url: "https://github.com/turbot/steampipe-plugin-aws/pull/131",
        says: "aws_iam_role: Creation complete after 7s; aws_iam_role_policy_attachment: after 4s; aws_vpc: after 24s; aws_subnet: after 7s",
    },
    networkApplyLog: {
        title: "terraform-aws-modules/terraform-aws-eks#2203 (terraform apply log)",
        url: "https://github.com/terraform-aws-modules/terraform-aws-eks/issues/2203",
        says: "aws_subnet: Creation complete after 10s; aws_route_table_association: after 1s; aws_security_group_rule: after 3s",
    },
    iamConsistency: {
        title: "hashicorp/terraform-provider-aws#35736 aws_eks_access_policy_association: Retry Create on IAM eventual consistency errors",
        url: "https://github.com/hashicorp/terraform-provider-aws/issues/35736",
        says: "creates that use a just-made IAM principal are retried until IAM is consistent",
    },
    resolverEndpointWait: {
        title: "hashicorp/terraform-provider-aws#46782 aws_route53_resolver_endpoint unexpected state",
        url: "https://github.com/hashicorp/terraform-provider-aws/issues/46782",
        says: "waiting for Route53 Resolver Endpoint ... create: ... wanted target 'OPERATIONAL' (the provider waits for the endpoint's IP addresses)",
    },
} satisfies Record<string, Source>;

/** The AWS walkthrough this project replaces (tools/review/manualWalkthrough.json). */
export const walkthroughSource: Source = manualWalkthroughData.source;

const apiOnly = "one API call the provider returns from at once (no waiter)";

// ---------------------------------------------------------------------------------------------
// The durations table. Low / mid / high seconds; the model runs on mid, the range on low and high.
// ---------------------------------------------------------------------------------------------

export const durationFigures: readonly DurationFigure[] = [
    {
        id: "eks-control-plane", what: "EKS control plane: CreateCluster until ACTIVE",
        seconds: { low: 480, mid: 540, high: 900 },
        evidence: { kind: "sourced", sources: [S.eksWhatsNew, S.eksApplyLog, S.eksRoadmap, S.capaE2e] },
    },
    {
        id: "eks-component-children", what: "what eks.Cluster creates after the control plane here: access entries and policy associations, the OIDC provider (in parallel)",
        seconds: { low: 5, mid: 15, high: 60 },
        evidence: {
            kind: "assumption",
            assumption: "each is one API call (about 1 s in the apply log below), made in parallel after the control plane; the high end allows the provider's IAM-consistency retries. skipDefaultNodeGroup, skipDefaultSecurityGroups and useDefaultVpcCni are set, so no node group, security groups or CNI manifest follow. pulumi-eks#1819 shows 748 s for a whole eks:index:Cluster (with more children than here), inside this rule's range",
            related: [S.eksApplyLog, S.iamConsistency, S.pulumiEksComponent],
        },
    },
    {
        id: "eks-managed-node-group", what: "EKS managed node group: CreateNodegroup until ACTIVE (nodes joined)",
        seconds: { low: 100, mid: 120, high: 240 },
        evidence: { kind: "sourced", sources: [S.eksApplyLog, S.eksctlNodegroup] },
    },
    {
        id: "eks-addon", what: "EKS add-on (vpc-cni, kube-proxy) until ACTIVE",
        seconds: { low: 20, mid: 45, high: 120 },
        evidence: {
            kind: "assumption",
            assumption: "a DaemonSet rollout; the add-on is ACTIVE once its pods pass readiness (as the thread below reports for vpc-cni and kube-proxy), which needs no image pull on nodes that do not exist yet",
            related: [S.corednsAddonSlow],
        },
    },
    {
        id: "eks-addon-coredns", what: "EKS coredns add-on until ACTIVE (nodes exist: it depends on the Linux node group)",
        seconds: { low: 45, mid: 90, high: 900 },
        evidence: {
            kind: "bounded", sources: [S.corednsAddonSlow, S.corednsNeedsNodes],
            assumption: "the 15 minutes reported for coredns is the high end; the midpoint assumes the usual case, a Deployment of two pods on ready nodes",
        },
    },
    {
        id: "asg-capacity", what: "auto scaling group create: instances launched and InService (no lifecycle hook holds them)",
        seconds: { low: 60, mid: 90, high: 180 },
        evidence: {
            kind: "assumption",
            assumption: "the provider waits for desiredCapacity instances InService (sources); without a launch hook an instance is InService once EC2 has it running, about a minute, and InService says nothing about Kubernetes",
            related: [S.asgCapacityDocs, S.asgCapacityDefault],
        },
    },
    {
        id: "windows-node-bootstrap", what: "Windows node from InService to kubelet Ready (first boot, Start-EKSBootstrap.ps1, VPC CNI)",
        seconds: { low: 240, mid: 420, high: 600 },
        evidence: {
            kind: "bounded", sources: [S.windowsNodeJoin],
            assumption: "the issue measures ~10 minutes from RunInstances to NodeReady on a t3.large, ~222 s of it a module load; our m6i instances and the part before InService make 7 minutes the midpoint",
        },
    },
    {
        id: "windows-boot-to-ssm", what: "Windows instance from running to its SSM agent Online (first boot)",
        seconds: { low: 150, mid: 240, high: 420 },
        evidence: {
            kind: "assumption",
            assumption: "first boot of a Windows Server 2022 AMI (EC2Launch, network, SSM agent registration); shorter than kubelet Ready, which also runs the EKS bootstrap",
        },
    },
    {
        id: "linux-boot-to-ssm", what: "Ubuntu instance from running to its SSM agent Online (first boot)",
        seconds: { low: 30, mid: 60, high: 180 },
        evidence: {
            kind: "assumption",
            assumption: "first boot of Canonical's Ubuntu 24.04 server image (cloud-init, network, the SSM agent snap registering); well under a Windows first boot, which also runs EC2Launch",
        },
    },
    {
        id: "domain-join-and-reboot", what: "domain join by the AWS-JoinDirectoryServiceDomain association, and the reboot it needs",
        seconds: { low: 120, mid: 240, high: 480 },
        evidence: {
            kind: "assumption",
            assumption: "State Manager applies the association when the instance registers; the join is under a minute and the reboot of a Windows node takes two to three; AWS calls the domain join's effect on node bootstrap 'drastic' without a figure",
            related: [S.domainlessBlog],
        },
    },
    {
        id: "readers-group-membership", what: "launch runbook: record the computer name, add it to the readers' group on the management host",
        seconds: { low: 30, mid: 60, high: 180 },
        evidence: { kind: "assumption", assumption: "two SSM Run Command round trips (the runbook polls) and an ActiveDirectory module load on the management host" },
    },
    {
        id: "reboot-windows", what: "the runbook's second reboot (so the node's tickets carry the group), until SSM is back",
        seconds: { low: 90, mid: 180, high: 300 },
        evidence: { kind: "assumption", assumption: "a Windows Server reboot on EC2, until the SSM agent reruns the command after exit 3010" },
    },
    {
        id: "node-ready-after-hook", what: "Windows node Ready after the launch hook completes (already bootstrapped before the last reboot)",
        seconds: { low: 30, mid: 60, high: 180 },
        evidence: { kind: "assumption", assumption: "kubelet was registered before the reboots (user data runs on first boot, whatever the lifecycle state); it only restarts" },
    },
    {
        id: "managed-microsoft-ad", what: "AWS Managed Microsoft AD: CreateMicrosoftAD until Active",
        seconds: { low: 1200, mid: 1950, high: 2700 },
        evidence: { kind: "sourced", sources: [S.directoryStatus] },
    },
    {
        id: "nat-gateway", what: "NAT gateway until available",
        seconds: { low: 85, mid: 105, high: 300 },
        evidence: {
            kind: "bounded", sources: [S.natGatewayWait],
            assumption: "the source gives the upper end (5, rarely 10 minutes); the midpoint assumes the usual creation of under two minutes",
        },
    },
    {
        id: "transit-gateway-attachment", what: "transit gateway VPC attachment until available (or pendingAcceptance, for a shared gateway that does not accept automatically)",
        seconds: { low: 60, mid: 120, high: 600 },
        evidence: {
            kind: "bounded", sources: [S.transitGatewayAttachmentWait],
            assumption: "the source gives the upper end (the provider's 10-minute create timeout); the low end and midpoint assume the attachment's network interfaces come up in one to two minutes, like a NAT gateway's",
        },
    },
    {
        id: "resolver-endpoint", what: "Route 53 Resolver outbound endpoint until OPERATIONAL (an ENI per IP address)",
        seconds: { low: 90, mid: 150, high: 300 },
        evidence: { kind: "assumption", assumption: "the provider waits for OPERATIONAL (related source); creating and attaching two network interfaces takes minutes, not seconds", related: [S.resolverEndpointWait] },
    },
    {
        id: "resolver-rule-association", what: "Route 53 Resolver rule association with the VPC until COMPLETE",
        seconds: { low: 20, mid: 60, high: 120 },
        evidence: { kind: "assumption", assumption: "the provider waits for the association status COMPLETE; propagation to the VPC's resolver takes under a minute" },
    },
    {
        id: "ec2-instance-running", what: "EC2 instance until running (what the provider waits for)",
        seconds: { low: 10, mid: 20, high: 60 },
        evidence: { kind: "assumption", assumption: "RunInstances to state running; the OS boot happens after (see windows-boot-to-ssm)" },
    },
    {
        id: "ad-provisioning-script", what: "the AD provisioning run: SSM send-command on the management host until Success",
        seconds: { low: 45, mid: 120, high: 600 },
        evidence: {
            kind: "assumption",
            assumption: "on a new host, apt installs the Samba packages first (python3-samba, samba-dsdb-modules, python3-boto3, krb5-user, smbclient with their dependencies: a minute or two from the regional Ubuntu mirror); then a few AD writes and reads over LDAP and the whole-chain check (DNS, Kerberos, LDAP, one SMB listing), seconds each; status polled every 10 s (components/scripts/run-ad-document.sh); the high end is far below the script's own 20-minute limit. On a first up the host was just created and runs; a later run first starts the stopped host (its boot to SSM Online is linux-boot-to-ssm) and stops it afterwards (one API call)",
        },
    },
    {
        id: "helm-cert-manager", what: "cert-manager Helm release until its Deployments are ready (skipAwait: false)",
        seconds: { low: 45, mid: 90, high: 300 },
        evidence: {
            kind: "assumption",
            assumption: "three Deployments pulled onto ready Linux nodes, then the startupapicheck hook Job; the sources show the webhook lagging by a minute or more and a 1-minute check being too short",
            related: [S.helmAwait, S.certManagerVerify, S.certManagerStartupCheck],
        },
    },
    {
        id: "helm-gmsa-webhook", what: "windows-gmsa webhook Helm release until ready (certificate issued by cert-manager, Deployment ready)",
        seconds: { low: 30, mid: 60, high: 180 },
        evidence: { kind: "assumption", assumption: "one small Deployment on ready Linux nodes plus a cert-manager Certificate; the release waits (skipAwait: false)", related: [S.helmAwait] },
    },
    {
        id: "helm-release-other", what: "any other Helm release that is awaited",
        seconds: { low: 30, mid: 60, high: 300 },
        evidence: { kind: "assumption", assumption: "a small chart on ready nodes", related: [S.helmAwait] },
    },
    {
        id: "windows-pod-start", what: "an awaited Windows workload: pull a Windows Server Core image on a fresh node and start (node already Ready)",
        seconds: { low: 120, mid: 300, high: 900 },
        evidence: {
            kind: "assumption",
            assumption: "Windows Server Core images are gigabytes and extract slowly; components/sampleWorkload.ts already notes the first pull takes many minutes",
        },
    },
    {
        id: "linux-pod-start", what: "an awaited Linux workload on ready nodes",
        seconds: { low: 10, mid: 30, high: 120 },
        evidence: { kind: "assumption", assumption: "a small image pull and a readiness probe" },
    },
    {
        id: "kubernetes-object", what: "a Kubernetes object with no rollout (Namespace, ServiceAccount, RBAC, custom resource)",
        seconds: { low: 1, mid: 2, high: 5 },
        evidence: { kind: "assumption", assumption: "one API server request; a Namespace is awaited until Active, which is immediate" },
    },
    {
        id: "admission-policy", what: "a ValidatingAdmissionPolicy or its binding (in-process in the API server: no pods)",
        seconds: { low: 1, mid: 2, high: 5 },
        evidence: { kind: "assumption", assumption: "one API server request, which also compiles the policy's CEL; Pulumi does not await these kinds", related: [S.pulumiK8sAwaiters] },
    },
    {
        id: "skip-await", what: "a Kubernetes object Pulumi does not await (skipAwait)",
        seconds: { low: 1, mid: 2, high: 5 },
        evidence: { kind: "assumption", assumption: "created, not awaited: one API server request" },
    },
    {
        id: "kms-key", what: "KMS key",
        seconds: { low: 5, mid: 20, high: 30 },
        evidence: { kind: "assumption", assumption: "the provider polls until the new key reads back consistently: seconds, up to half a minute" },
    },
    {
        id: "iam-role", what: "IAM role",
        seconds: { low: 1, mid: 3, high: 10 },
        evidence: { kind: "bounded", sources: [S.iamApplyLog], assumption: "the log's 7 s is the slow end; IAM answers in about a second, eventual consistency shows later as retries of whoever uses the role" },
    },
    {
        id: "iam-policy", what: "IAM inline policy or policy attachment",
        seconds: { low: 1, mid: 2, high: 5 },
        evidence: { kind: "bounded", sources: [S.iamApplyLog], assumption: "as for the role: the log's 4 s is the slow end" },
    },
    {
        id: "iam-instance-profile", what: "IAM instance profile",
        seconds: { low: 2, mid: 8, high: 15 },
        evidence: { kind: "assumption", assumption: "the provider waits until the profile is visible (EC2 rejects a profile IAM has not propagated yet)", related: [S.iamConsistency] },
    },
    {
        id: "vpc", what: "VPC until available",
        seconds: { low: 1, mid: 5, high: 25 },
        evidence: { kind: "bounded", sources: [S.iamApplyLog], assumption: "the log's 24 s is the slow end; usually a few seconds" },
    },
    {
        id: "subnet", what: "subnet until available",
        seconds: { low: 1, mid: 5, high: 10 },
        evidence: { kind: "bounded", sources: [S.networkApplyLog, S.iamApplyLog], assumption: "the logs show 7 and 10 s at the slow end" },
    },
    {
        id: "api-call", what: "a resource that is one API call (routes, route tables, security groups, launch template, secrets, SSM documents, EventBridge, access entries, ...)",
        seconds: { low: 1, mid: 2, high: 5 },
        evidence: { kind: "bounded", sources: [S.networkApplyLog, S.eksApplyLog], assumption: `${apiOnly}: the logs show 1 to 3 s` },
    },
    {
        id: "ssm-association", what: "SSM State Manager association (created; its runs are asynchronous)",
        seconds: { low: 1, mid: 3, high: 10 },
        evidence: { kind: "assumption", assumption: "without waitForSuccessTimeoutSeconds the provider returns once the association exists; the join it causes is counted on the nodes" },
    },
    {
        id: "no-time", what: "nothing to wait for: providers, the stack, local components",
        seconds: { low: 0, mid: 0, high: 0 },
        evidence: { kind: "assumption", assumption: "a provider is configuration; a local component registers instantly and only groups its children" },
    },
    {
        id: "unknown-type", what: "fallback for a type this table does not know (listed as unmatched)",
        seconds: { low: 1, mid: 5, high: 30 },
        evidence: { kind: "assumption", assumption: "a placeholder so a new type does not vanish from the model; add a rule for it" },
    },
];

// ---------------------------------------------------------------------------------------------
// Rules: which figures a resource of the plan takes. First match wins.
// ---------------------------------------------------------------------------------------------

function objectAt(value: unknown, ...keys: string[]): Record<string, unknown> | undefined {
    let current: unknown = value;
    for (const key of keys) {
        if (current === null || typeof current !== "object") return undefined;
        current = (current as Record<string, unknown>)[key];
    }
    return current !== null && typeof current === "object" ? (current as Record<string, unknown>) : undefined;
}

/** An ASG whose initial lifecycle hooks hold launching instances (Pending:Wait until completed). */
export function hasLaunchHook(resource: PlanResource): boolean {
    const hooks = resource.inputs.initialLifecycleHooks;
    return Array.isArray(hooks) && hooks.some((h) => objectAt(h)?.lifecycleTransition === "autoscaling:EC2_INSTANCE_LAUNCHING");
}

function skipsAwait(resource: PlanResource): boolean {
    return resource.inputs.skipAwait === true || objectAt(resource.inputs, "metadata", "annotations")?.["pulumi.com/skipAwait"] === "true";
}

/** Pods of this workload select Windows nodes. */
export function isWindowsWorkload(resource: PlanResource): boolean {
    return objectAt(resource.inputs, "spec", "template", "spec", "nodeSelector")?.["kubernetes.io/os"] === "windows";
}

const workloadTypes = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet", "kubernetes:batch/v1:Job"];
const helmRelease = "kubernetes:helm.sh/v3:Release";

export const durationRules: readonly DurationRule[] = [
    { id: "eks-remote-component", types: ["eks:index:Cluster"], variant: "remote component (the @pulumi/eks plugin creates its children, invisible to the plan)", figures: ["eks-control-plane", "eks-component-children"] },
    { id: "eks-cluster", types: ["aws:eks/cluster:Cluster"], variant: "any", figures: ["eks-control-plane"] },
    { id: "eks-node-group", types: ["aws:eks/nodeGroup:NodeGroup"], variant: "any", figures: ["eks-managed-node-group"] },
    { id: "eks-addon-coredns", types: ["aws:eks/addon:Addon"], variant: "addonName coredns", when: (r) => r.inputs.addonName === "coredns", figures: ["eks-addon-coredns"] },
    { id: "eks-addon", types: ["aws:eks/addon:Addon"], variant: "other add-ons", figures: ["eks-addon"] },
    {
        id: "asg-with-launch-hook", types: ["aws:autoscaling/group:Group"], variant: "with a launch lifecycle hook (domain join, readers' group, reboot before InService)", when: hasLaunchHook,
        figures: ["asg-capacity", "windows-boot-to-ssm", "domain-join-and-reboot", "readers-group-membership", "reboot-windows"],
    },
    { id: "asg", types: ["aws:autoscaling/group:Group"], variant: "no launch lifecycle hook", figures: ["asg-capacity"] },
    { id: "managed-directory", types: ["aws:directoryservice/directory:Directory"], variant: "any", figures: ["managed-microsoft-ad"] },
    { id: "nat-gateway", types: ["aws:ec2/natGateway:NatGateway"], variant: "any", figures: ["nat-gateway"] },
    { id: "transit-gateway-attachment", types: ["aws:ec2transitgateway/vpcAttachment:VpcAttachment"], variant: "any", figures: ["transit-gateway-attachment"] },
    { id: "resolver-endpoint", types: ["aws:route53/resolverEndpoint:ResolverEndpoint"], variant: "any", figures: ["resolver-endpoint"] },
    { id: "resolver-rule-association", types: ["aws:route53/resolverRuleAssociation:ResolverRuleAssociation"], variant: "any", figures: ["resolver-rule-association"] },
    { id: "ec2-instance", types: ["aws:ec2/instance:Instance"], variant: "any", figures: ["ec2-instance-running"] },
    { id: "ad-provisioning-run", types: ["command:local:Command"], variant: "the AD provisioning run (the only command in this program)", figures: ["ad-provisioning-script"] },
    { id: "helm-not-awaited", types: [helmRelease], variant: "skipAwait: true", when: skipsAwait, figures: ["skip-await"] },
    { id: "helm-cert-manager", types: [helmRelease], variant: "chart cert-manager", when: (r) => r.inputs.chart === "cert-manager", figures: ["helm-cert-manager"] },
    { id: "helm-gmsa-webhook", types: [helmRelease], variant: "chart gmsa (windows-gmsa webhook)", when: (r) => r.inputs.chart === "gmsa", figures: ["helm-gmsa-webhook"] },
    { id: "helm-release", types: [helmRelease], variant: "other charts", figures: ["helm-release-other"] },
    { id: "workload-not-awaited", types: workloadTypes, variant: "annotation pulumi.com/skipAwait: \"true\"", when: skipsAwait, figures: ["skip-await"] },
    { id: "windows-workload", types: workloadTypes, variant: "nodeSelector kubernetes.io/os: windows (also waits for a Windows node Ready)", when: isWindowsWorkload, figures: ["windows-pod-start"] },
    { id: "linux-workload", types: workloadTypes, variant: "other workloads", figures: ["linux-pod-start"] },
    { id: "admission-policy", types: ["kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy", "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding"], variant: "any", figures: ["admission-policy"] },
    { id: "kubernetes-object", types: ["kubernetes:*"], variant: "any other Kubernetes object", figures: ["kubernetes-object"] },
    { id: "kms-key", types: ["aws:kms/key:Key"], variant: "any", figures: ["kms-key"] },
    { id: "iam-role", types: ["aws:iam/role:Role"], variant: "any", figures: ["iam-role"] },
    { id: "iam-policy", types: ["aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment"], variant: "any", figures: ["iam-policy"] },
    { id: "iam-instance-profile", types: ["aws:iam/instanceProfile:InstanceProfile"], variant: "any", figures: ["iam-instance-profile"] },
    { id: "vpc", types: ["aws:ec2/vpc:Vpc"], variant: "any", figures: ["vpc"] },
    { id: "subnet", types: ["aws:ec2/subnet:Subnet"], variant: "any", figures: ["subnet"] },
    { id: "ssm-association", types: ["aws:ssm/association:Association"], variant: "any", figures: ["ssm-association"] },
    {
        id: "api-call",
        types: [
            "aws:ec2/routeTable:RouteTable", "aws:ec2/route:Route", "aws:ec2/routeTableAssociation:RouteTableAssociation", "aws:ec2/internetGateway:InternetGateway",
            "aws:ec2/eip:Eip", "aws:ec2/securityGroup:SecurityGroup", "aws:ec2/launchTemplate:LaunchTemplate", "aws:cloudwatch/logGroup:LogGroup",
            "aws:cloudwatch/eventRule:EventRule", "aws:cloudwatch/eventTarget:EventTarget", "aws:kms/alias:Alias", "aws:secretsmanager/secret:Secret",
            "aws:secretsmanager/secretVersion:SecretVersion", "aws:secretsmanager/secretPolicy:SecretPolicy", "aws:kms/keyPolicy:KeyPolicy", "aws:ssm/document:Document",
            "aws:route53/resolverRule:ResolverRule", "aws:eks/accessEntry:AccessEntry",
        ],
        variant: "any", figures: ["api-call"],
    },
    { id: "provider", types: ["pulumi:providers:*"], variant: "any provider", figures: ["no-time"] },
];

/** Local components (custom: false, not remote) take no time: matched before any type rule. */
export const localComponentRule: DurationRule = { id: "local-component", types: ["(any type with custom: false, not remote)"], variant: "local component: waits for nothing itself", figures: ["no-time"] };
export const unknownTypeRule: DurationRule = { id: "unknown-type", types: ["(any type no rule matches)"], variant: "fallback", figures: ["unknown-type"] };

export const readinessRules: readonly ReadinessRule[] = [
    {
        id: "windows-nodes-ready", label: "Windows nodes Ready", types: ["aws:autoscaling/group:Group"],
        variant: "Windows node group, no launch hook", when: (r, index) => isWindowsNodeGroup(r, index) && !hasLaunchHook(r),
        figures: ["windows-node-bootstrap"], awaitedBy: "awaited Windows workloads (nodeSelector kubernetes.io/os: windows)",
    },
    {
        id: "windows-nodes-ready", label: "Windows nodes Ready", types: ["aws:autoscaling/group:Group"],
        variant: "Windows node group with a launch hook", when: (r, index) => isWindowsNodeGroup(r, index) && hasLaunchHook(r),
        figures: ["node-ready-after-hook"], awaitedBy: "awaited Windows workloads (nodeSelector kubernetes.io/os: windows)",
    },
    {
        id: "ssm-online", label: "SSM agent online", types: ["aws:ec2/instance:Instance"],
        variant: "any instance (here: the Ubuntu AD management host)",
        figures: ["linux-boot-to-ssm"], awaitedBy: "a command:local:Command that depends on the instance (the provisioning script polls its SSM ping status)",
    },
];

// ---------------------------------------------------------------------------------------------
// The plan as a graph.
// ---------------------------------------------------------------------------------------------

export interface PlanIndex {
    byUrn: ReadonlyMap<string, PlanResource>;
    children: ReadonlyMap<string, readonly string[]>;
}

export function indexPlan(plan: Plan): PlanIndex {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r] as const));
    const children = new Map<string, string[]>();
    for (const r of plan.resources) {
        if (!r.parent || !byUrn.has(r.parent)) continue;
        children.set(r.parent, [...(children.get(r.parent) ?? []), r.urn]);
    }
    return { byUrn, children };
}

export function isLocalComponent(resource: PlanResource): boolean {
    return resource.options.custom === false && resource.options.remote !== true;
}

/** The program's Windows node group component (components/windowsNodes.ts). */
export const windowsNodesType = "eks-gmsa:nodes:WindowsNodes";

/** A Windows node group: an auto scaling group under a WindowsNodes component (walking `parent` URNs). */
export function isWindowsNodeGroup(resource: PlanResource, index: PlanIndex): boolean {
    if (resource.type !== "aws:autoscaling/group:Group") return false;
    for (let p = resource.parent; p !== undefined; p = index.byUrn.get(p)?.parent) {
        if (index.byUrn.get(p)?.type === windowsNodesType) return true;
    }
    return false;
}

/** Providers a resource uses: a provider reference is `<provider urn>::<id>`. Pulumi creates them first. */
export function providerDependencies(resource: PlanResource, index: PlanIndex): string[] {
    const refs = [resource.options.provider, ...Object.values(objectAt(resource.options, "providers") ?? {})].filter((v): v is string => typeof v === "string");
    return refs.map((ref) => (index.byUrn.has(ref) ? ref : ref.slice(0, ref.lastIndexOf("::")))).filter((urn) => index.byUrn.has(urn));
}

function typeMatches(pattern: string, type: string): boolean {
    return pattern.endsWith("*") ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

export function ruleFor(resource: PlanResource): DurationRule {
    if (isLocalComponent(resource)) return localComponentRule;
    return durationRules.find((rule) => rule.types.some((t) => typeMatches(t, resource.type)) && (!rule.when || rule.when(resource))) ?? unknownTypeRule;
}

function readinessRuleFor(resource: PlanResource, index: PlanIndex): ReadinessRule | undefined {
    return readinessRules.find((rule) => rule.types.some((t) => typeMatches(t, resource.type)) && (!rule.when || rule.when(resource, index)));
}

const figureById = new Map(durationFigures.map((f) => [f.id, f] as const));

export function figure(id: string): DurationFigure {
    const found = figureById.get(id);
    if (!found) throw new Error(`deploy time: no duration figure ${id}`);
    return found;
}

export function figuresSeconds(ids: readonly string[], scenario: Scenario): number {
    return ids.reduce((sum, id) => sum + figure(id).seconds[scenario], 0);
}

export function figuresRange(ids: readonly string[]): SecondsRange {
    return { low: figuresSeconds(ids, "low"), mid: figuresSeconds(ids, "mid"), high: figuresSeconds(ids, "high") };
}

function basisOf(rule: { id: string; figures: readonly string[] }): string {
    return `${rule.id} = ${rule.figures.join(" + ")}`;
}

// ---------------------------------------------------------------------------------------------
// Scheduling: start = the latest finish among what a node waits for; finish = start + duration.
// ---------------------------------------------------------------------------------------------

interface GraphNode {
    id: string;
    type: string;
    name: string;
    durationSeconds: number;
    basis: string;
    /** Node ids this one starts after. */
    waitsFor: string[];
    /** Node ids of which the first to finish is enough (a pod needs one Windows node group Ready). */
    waitsForAny: string[];
    /** A readiness event rather than a plan resource. */
    readinessOf?: string;
}

function readinessNodeId(urn: string, ruleId: string): string {
    return `${urn}#${ruleId}`;
}

type ReadinessEvents = ReadonlyMap<string, { urn: string; ruleId: string }>;

/** The provisioning command polls the SSM status of the instances it depends on. */
function readinessWaitsAll(resource: PlanResource, events: ReadinessEvents): string[] {
    if (resource.type !== "command:local:Command") return [];
    return resource.dependencies.map((urn) => readinessNodeId(urn, "ssm-online")).filter((id) => events.has(id));
}

/** An awaited Windows workload needs a Windows node, of any Windows node group, to be Ready. */
function readinessWaitsAny(resource: PlanResource, events: ReadinessEvents): string[] {
    if (ruleFor(resource).id !== "windows-workload") return [];
    return [...events.entries()].filter(([, e]) => e.ruleId === "windows-nodes-ready").map(([id]) => id);
}

function buildGraph(plan: Plan, scenario: Scenario): Map<string, GraphNode> {
    const index = indexPlan(plan);
    const nodes = new Map<string, GraphNode>();
    const events = new Map<string, { urn: string; ruleId: string }>();
    for (const r of plan.resources) {
        const rule = readinessRuleFor(r, index);
        if (!rule) continue;
        const id = readinessNodeId(r.urn, rule.id);
        events.set(id, { urn: r.urn, ruleId: rule.id });
        nodes.set(id, { id, type: `(readiness) ${rule.id}`, name: `${r.name}: ${rule.label}`, durationSeconds: figuresSeconds(rule.figures, scenario), basis: basisOf(rule), waitsFor: [r.urn], waitsForAny: [], readinessOf: r.urn });
    }
    for (const r of plan.resources) {
        const rule = ruleFor(r);
        const waitsFor = [
            ...r.dependencies.filter((urn) => index.byUrn.has(urn)),
            ...providerDependencies(r, index),
            // Depending on a local component means waiting for everything under it.
            ...(isLocalComponent(r) ? index.children.get(r.urn) ?? [] : []),
            ...readinessWaitsAll(r, events),
        ];
        nodes.set(r.urn, {
            id: r.urn, type: r.type, name: r.name, durationSeconds: figuresSeconds(rule.figures, scenario), basis: basisOf(rule),
            waitsFor: [...new Set(waitsFor)], waitsForAny: readinessWaitsAny(r, events),
        });
    }
    return nodes;
}

interface Timing {
    start: number;
    finish: number;
}

function computeTimings(nodes: ReadonlyMap<string, GraphNode>): Map<string, Timing> {
    const timings = new Map<string, Timing>();
    const visiting = new Set<string>();
    const visit = (id: string): Timing => {
        const known = timings.get(id);
        if (known) return known;
        if (visiting.has(id)) throw new Error(`deploy time: dependency cycle through ${id}`);
        visiting.add(id);
        const node = nodes.get(id)!;
        const firstOfAny = node.waitsForAny.length > 0 ? Math.min(...node.waitsForAny.map((w) => visit(w).finish)) : 0;
        const start = Math.max(0, firstOfAny, ...node.waitsFor.map((w) => visit(w).finish));
        const timing = { start, finish: start + node.durationSeconds };
        visiting.delete(id);
        timings.set(id, timing);
        return timing;
    };
    for (const id of nodes.keys()) visit(id);
    return timings;
}

export interface PathStep {
    urn: string;
    type: string;
    name: string;
    startSeconds: number;
    durationSeconds: number;
    /** The rule and the figures it adds up. */
    basis: string;
}

/** From the last plan resource to finish, back through whatever made each start when it did. */
function criticalPath(nodes: ReadonlyMap<string, GraphNode>, timings: ReadonlyMap<string, Timing>): PathStep[] {
    const byFinishThenId = (a: string, b: string) => timings.get(b)!.finish - timings.get(a)!.finish || (a < b ? -1 : a > b ? 1 : 0);
    const resources = [...nodes.values()].filter((n) => !n.readinessOf).map((n) => n.id).sort(byFinishThenId);
    const steps: PathStep[] = [];
    let current = resources[0];
    while (current !== undefined) {
        const node = nodes.get(current)!;
        const timing = timings.get(current)!;
        // Local components (and zero-time structure) are how the chain passes, not steps of it.
        const isStructure = node.durationSeconds === 0 && !node.readinessOf && node.type !== "eks:index:Cluster" && !node.type.startsWith("pulumi:providers:");
        if (!isStructure) steps.push({ urn: node.id, type: node.type, name: node.name, startSeconds: timing.start, durationSeconds: node.durationSeconds, basis: node.basis });
        if (timing.start === 0) break;
        const firstOfAny = [...node.waitsForAny].sort(byFinishThenId).reverse()[0];
        current = [...node.waitsFor, ...(firstOfAny ? [firstOfAny] : [])].sort(byFinishThenId)[0];
    }
    return steps.reverse();
}

// ---------------------------------------------------------------------------------------------
// Warnings: what the plan shows would make the first `pulumi up` fail or stall.
// ---------------------------------------------------------------------------------------------

/** Go duration strings as the provider parses them ("10m", "1h30m", "90s"); default "10m". */
export function parseGoDuration(text: string): number {
    const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(h|m|s)/g)];
    if (text !== "0" && (parts.length === 0 || parts.map((p) => p[0]).join("") !== text)) throw new Error(`deploy time: not a duration: ${JSON.stringify(text)}`);
    return parts.reduce((sum, [, n, unit]) => sum + Number(n) * (unit === "h" ? 3600 : unit === "m" ? 60 : 1), 0);
}

const defaultCapacityTimeout = "10m";

function dependsTransitively(from: PlanResource, target: string, index: PlanIndex): boolean {
    const seen = new Set<string>();
    const stack = [...from.dependencies];
    while (stack.length > 0) {
        const urn = stack.pop()!;
        if (urn === target) return true;
        if (seen.has(urn)) continue;
        seen.add(urn);
        stack.push(...(index.byUrn.get(urn)?.dependencies ?? []));
    }
    return false;
}

function capacityTimeoutWarnings(plan: Plan): string[] {
    return plan.resources.filter((r) => r.type === "aws:autoscaling/group:Group").flatMap((asg) => {
        const setting = typeof asg.inputs.waitForCapacityTimeout === "string" ? asg.inputs.waitForCapacityTimeout : defaultCapacityTimeout;
        const timeout = parseGoDuration(setting);
        if (timeout === 0) return [];
        const needed = figuresRange(ruleFor(asg).figures);
        const limit = `waitForCapacityTimeout ${setting}${setting === defaultCapacityTimeout ? " (the default)" : ""}`;
        if (needed.mid > timeout) return [`${asg.name}: creating the group is modelled at ${formatSeconds(needed.mid)}, longer than ${limit}: pulumi up would fail waiting for capacity`];
        if (needed.high > timeout) return [`${asg.name}: at the high estimate (${formatSeconds(needed.high)}) creating the group outlasts ${limit}`];
        return [];
    });
}

function launchHookDeadlockWarnings(plan: Plan, index: PlanIndex): string[] {
    const hooked = plan.resources.filter((r) => r.type === "aws:autoscaling/group:Group" && hasLaunchHook(r));
    const associations = plan.resources.filter((r) => r.type === "aws:ssm/association:Association"
        && Array.isArray(r.inputs.targets) && r.inputs.targets.some((t) => objectAt(t)?.key === "tag:aws:autoscaling:groupName"));
    return hooked.flatMap((asg) => associations.filter((a) => dependsTransitively(a, asg.urn, index)).map((a) =>
        `${asg.name}: its launch hook holds new instances until they are domain-joined, but association ${a.name} (which joins them) is created only after the group, and the group's creation waits for InService instances: the first pulumi up cannot finish before the capacity timeout`));
}

// ---------------------------------------------------------------------------------------------
// The model.
// ---------------------------------------------------------------------------------------------

export interface ScheduledResource {
    urn: string;
    type: string;
    name: string;
    startSeconds: number;
    durationSeconds: number;
    finishSeconds: number;
    rule: string;
}

export interface ReadinessEvent {
    urn: string;
    name: string;
    label: string;
    atSeconds: number;
    /** Some resource of the plan waits for it. */
    awaited: boolean;
}

export interface DeployTimeModel {
    project: string;
    stack: string;
    /** When `pulumi up` finishes, on the mid figures. */
    totalSeconds: number;
    /** The same model on all-low and all-high figures. */
    range: { lowSeconds: number; highSeconds: number };
    criticalPath: PathStep[];
    schedule: ScheduledResource[];
    readiness: ReadinessEvent[];
    warnings: string[];
    /** Types no rule matched (they took the fallback figure). */
    unmatchedTypes: string[];
    durations: { figures: readonly DurationFigure[]; rules: readonly DurationRule[]; readiness: readonly ReadinessRule[] };
}

function scenarioTotal(plan: Plan, scenario: Scenario): number {
    const nodes = buildGraph(plan, scenario);
    const timings = computeTimings(nodes);
    return Math.max(0, ...plan.resources.map((r) => timings.get(r.urn)!.finish));
}

export function modelDeployTime(plan: Plan): DeployTimeModel {
    const index = indexPlan(plan);
    const nodes = buildGraph(plan, "mid");
    const timings = computeTimings(nodes);
    const schedule = plan.resources.map((r): ScheduledResource => {
        const t = timings.get(r.urn)!;
        return { urn: r.urn, type: r.type, name: r.name, startSeconds: t.start, durationSeconds: t.finish - t.start, finishSeconds: t.finish, rule: ruleFor(r).id };
    });
    const awaitedEvents = new Set([...nodes.values()].flatMap((n) => [...n.waitsFor, ...n.waitsForAny].filter((w) => nodes.get(w)?.readinessOf)));
    const readiness = [...nodes.values()].filter((n) => n.readinessOf).map((n): ReadinessEvent => ({
        urn: n.id, name: n.name, label: n.type, atSeconds: timings.get(n.id)!.finish, awaited: awaitedEvents.has(n.id),
    }));
    return {
        project: plan.project,
        stack: plan.stack,
        totalSeconds: Math.max(0, ...schedule.map((s) => s.finishSeconds)),
        range: { lowSeconds: scenarioTotal(plan, "low"), highSeconds: scenarioTotal(plan, "high") },
        criticalPath: criticalPath(nodes, timings),
        schedule,
        readiness,
        warnings: [...capacityTimeoutWarnings(plan), ...launchHookDeadlockWarnings(plan, index)],
        unmatchedTypes: [...new Set(plan.resources.filter((r) => ruleFor(r) === unknownTypeRule).map((r) => r.type))].sort(),
        durations: { figures: durationFigures, rules: [...durationRules, localComponentRule, unknownTypeRule], readiness: readinessRules },
    };
}

// ---------------------------------------------------------------------------------------------
// The walkthrough by hand, with the same figures for what AWS makes you wait for.
// ---------------------------------------------------------------------------------------------

export interface ManualStep {
    /** The blog's step number; 0 for the prerequisite done before step 1. */
    number: number;
    /** The step as the EKS Best Practices Guide lists the blog's tasks (manualWalkthrough.json `blogTask`). */
    blogTask: string;
    title: string;
    /** Figure ids of what AWS (or Kubernetes) makes the person wait for. */
    waitingFigures: string[];
    waiting: SecondsRange;
    handsOnSeconds: number;
    /** What the hands-on time covers: an assumption, always. */
    handsOn: string;
}

export interface ManualModel {
    source: Source;
    includesDirectory: boolean;
    /** Creating the directory first (step 0), when the stack creates one; the blog assumes one exists. */
    prerequisite?: ManualStep;
    /** The blog's steps, numbered as the blog numbers them. */
    steps: ManualStep[];
    waitingSeconds: number;
    handsOnSeconds: number;
    totalSeconds: number;
    range: { lowSeconds: number; highSeconds: number };
    /** How the sequence is modelled. */
    assumptions: string[];
}

interface ManualStepSpec {
    blogTask: string;
    title: string;
    waitingFigures: string[];
    handsOnMinutes: number;
    handsOn: string;
}

function manualStep(spec: ManualStepSpec, number: number): ManualStep {
    return { number, blogTask: spec.blogTask, title: spec.title, waitingFigures: spec.waitingFigures, waiting: figuresRange(spec.waitingFigures), handsOnSeconds: spec.handsOnMinutes * 60, handsOn: spec.handsOn };
}

/** The blog's steps in order, one after the other; with `createDirectory`, creating the directory first. */
export function manualWalkthroughModel(options: { createDirectory?: boolean } = {}): ManualModel {
    const createDirectory = options.createDirectory ?? true;
    const steps = manualWalkthroughData.steps.map((spec) => manualStep(spec, spec.number));
    const prerequisite = createDirectory ? manualStep(manualWalkthroughData.prerequisite, 0) : undefined;
    const all = prerequisite ? [prerequisite, ...steps] : steps;
    const sum = (f: (s: ManualStep) => number) => all.reduce((total, s) => total + f(s), 0);
    const handsOnSeconds = sum((s) => s.handsOnSeconds);
    return {
        source: walkthroughSource,
        includesDirectory: createDirectory,
        ...(prerequisite ? { prerequisite } : {}),
        steps,
        waitingSeconds: sum((s) => s.waiting.mid),
        handsOnSeconds,
        totalSeconds: sum((s) => s.waiting.mid) + handsOnSeconds,
        range: { lowSeconds: sum((s) => s.waiting.low) + handsOnSeconds, highSeconds: sum((s) => s.waiting.high) + handsOnSeconds },
        assumptions: [
            "one person, one step after the other, as the blog presents them (nobody starts eksctl while the directory is being created)",
            "waiting times are the same figures the plan model uses; hands-on minutes are assumptions for someone who knows the tools, without mistakes or retries",
            `the blog's ${steps.length} steps as ${manualWalkthroughData.stepListSource.title} lists them`,
        ],
    };
}

/** The walkthrough comparable to a plan: creating a directory first when the plan creates one. */
export function manualWalkthroughFor(plan: Plan): ManualModel {
    return manualWalkthroughModel({ createDirectory: plan.resources.some((r) => r.type === "aws:directoryservice/directory:Directory") });
}

// ---------------------------------------------------------------------------------------------
// Text for the terminal and summary.md.
// ---------------------------------------------------------------------------------------------

export function formatSeconds(total: number): string {
    const seconds = Math.round(total);
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
    if (m > 0) return `${m}m ${String(s).padStart(2, "0")}s`;
    return `${s}s`;
}

export function formatDeployTime(model: DeployTimeModel, manual: ManualModel): string {
    const lines = [
        `deploy time (modelled, docs/deploy-time.md): ${formatSeconds(model.totalSeconds)}, range ${formatSeconds(model.range.lowSeconds)} to ${formatSeconds(model.range.highSeconds)}`,
        `  critical path (${model.criticalPath.length} steps; start, duration, resource, rule):`,
        ...model.criticalPath.map((s) => `  ${formatSeconds(s.startSeconds).padStart(8)} ${formatSeconds(s.durationSeconds).padStart(8)}  ${s.type} ${s.name}  [${s.basis.split(" = ")[0]}]`),
        ...model.readiness.filter((e) => !e.awaited).map((e) => `  not awaited by pulumi up: ${e.name} at about ${formatSeconds(e.atSeconds)}`),
        ...model.warnings.map((w) => `  warning: ${w}`),
        ...(model.unmatchedTypes.length > 0 ? [`  no duration rule (fallback figure used): ${model.unmatchedTypes.join(", ")}`] : []),
    ];
    const saved = manual.totalSeconds - model.totalSeconds;
    lines.push(
        `manual walkthrough (${manual.steps.length} steps${manual.includesDirectory ? ", creating the directory first" : ""}): ${formatSeconds(manual.totalSeconds)} = ${formatSeconds(manual.waitingSeconds)} waiting + ${formatSeconds(manual.handsOnSeconds)} hands-on, range ${formatSeconds(manual.range.lowSeconds)} to ${formatSeconds(manual.range.highSeconds)}`,
        saved > 0
            ? `  pulumi up: ${formatSeconds(saved)} less (${Math.round((model.totalSeconds / manual.totalSeconds) * 100)}% of the manual time), and no hands-on steps after the stack file`
            : `  pulumi up is not modelled faster than the manual sequence here`,
    );
    return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
// docs/deploy-time.md's generated sections.
// ---------------------------------------------------------------------------------------------

function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function sourceLink(source: Source): string {
    return `[${cell(source.title)}](${source.url}): "${cell(source.says)}"`;
}

function evidenceText(evidence: Evidence): string {
    switch (evidence.kind) {
        case "sourced":
            return `**sourced**: ${evidence.sources.map(sourceLink).join("; ")}`;
        case "bounded":
            return `**range sourced, midpoint assumed** (${cell(evidence.assumption)}): ${evidence.sources.map(sourceLink).join("; ")}`;
        case "assumption":
            return `**assumption**: ${cell(evidence.assumption)}${evidence.related && evidence.related.length > 0 ? `. Related: ${evidence.related.map(sourceLink).join("; ")}` : ""}`;
    }
}

function secondsCells(range: SecondsRange): string {
    return `${range.low} | ${range.mid} | ${range.high}`;
}

export function durationsTableMarkdown(): string {
    return [
        "| figure | what | low s | mid s | high s | evidence |",
        "| --- | --- | ---: | ---: | ---: | --- |",
        ...durationFigures.map((f) => `| \`${f.id}\` | ${cell(f.what)} | ${secondsCells(f.seconds)} | ${evidenceText(f.evidence)} |`),
    ].join("\n");
}

export function rulesTableMarkdown(): string {
    const rows = [...durationRules, localComponentRule, unknownTypeRule].map((r) =>
        `| \`${r.id}\` | ${r.types.map((t) => `\`${t}\``).join(", ")} | ${cell(r.variant)} | ${r.figures.map((f) => `\`${f}\``).join(" + ")} | ${secondsCells(figuresRange(r.figures))} |`);
    return ["| rule | type | applies to | figures | low s | mid s | high s |", "| --- | --- | --- | --- | ---: | ---: | ---: |", ...rows].join("\n");
}

export function readinessTableMarkdown(): string {
    const rows = readinessRules.map((r) =>
        `| \`${r.id}\` | ${r.types.map((t) => `\`${t}\``).join(", ")} | ${cell(r.variant)} | ${r.figures.map((f) => `\`${f}\``).join(" + ")} | ${secondsCells(figuresRange(r.figures))} | ${cell(r.awaitedBy)} |`);
    return ["| event | after | applies to | figures | low s | mid s | high s | awaited by |", "| --- | --- | --- | --- | ---: | ---: | ---: | --- |", ...rows].join("\n");
}

export function manualTableMarkdown(manual: ManualModel = manualWalkthroughModel()): string {
    const all = manual.prerequisite ? [manual.prerequisite, ...manual.steps] : manual.steps;
    const rows = all.map((s) =>
        `| ${s === manual.prerequisite ? "before 1" : s.number} | ${cell(s.title)} | ${cell(s.blogTask)} | ${s.waitingFigures.length > 0 ? s.waitingFigures.map((f) => `\`${f}\``).join(" + ") : "none"} | ${formatSeconds(s.waiting.mid)} | ${formatSeconds(s.handsOnSeconds)} | ${cell(s.handsOn)} |`);
    return [
        "| blog step | what | as the Best Practices Guide lists it | waiting (figures) | waiting | hands-on (assumed) | hands-on covers |",
        "| ---: | --- | --- | --- | ---: | ---: | --- |",
        ...rows,
        `| | **total** | | | **${formatSeconds(manual.waitingSeconds)}** | **${formatSeconds(manual.handsOnSeconds)}** | **${formatSeconds(manual.totalSeconds)}** (range ${formatSeconds(manual.range.lowSeconds)} to ${formatSeconds(manual.range.highSeconds)}) |`,
    ].join("\n");
}

export interface ModelledStack {
    stack: string;
    model: DeployTimeModel;
    manual: ManualModel;
}

export function modelledTotalsMarkdown(stacks: readonly ModelledStack[]): string {
    const rows = stacks.map(({ stack, model, manual }) => {
        const path = model.criticalPath.filter((s) => s.durationSeconds > 0).map((s) => s.name).join(" → ");
        return `| ${stack} | ${formatSeconds(model.totalSeconds)} | ${formatSeconds(model.range.lowSeconds)} to ${formatSeconds(model.range.highSeconds)} | ${path} | ${formatSeconds(manual.totalSeconds)} | ${model.warnings.length} |`;
    });
    return ["| stack | modelled `pulumi up` | range | critical path (steps that take time) | manual walkthrough | warnings |", "| --- | ---: | --- | --- | ---: | ---: |", ...rows].join("\n");
}

/** Replaces the text between `<!-- generated:<name> -->` and `<!-- /generated:<name> -->`. */
export function replaceGeneratedSection(doc: string, name: string, body: string): string {
    const begin = `<!-- generated:${name} -->`;
    const end = `<!-- /generated:${name} -->`;
    const from = doc.indexOf(begin);
    const to = doc.indexOf(end);
    if (from < 0 || to < from) throw new Error(`deploy time: docs/deploy-time.md has no ${begin} ... ${end} section`);
    return `${doc.slice(0, from + begin.length)}\n${body}\n${doc.slice(to)}`;
}

export const deployTimeDoc = path.resolve(__dirname, "..", "..", "docs", "deploy-time.md");

/** The stacks the doc reports: the two stack files and the domain-joined example. */
export const documentedStacks = [
    { stack: "dev", configFile: "Pulumi.dev.yaml" },
    { stack: "prod", configFile: "Pulumi.prod.yaml" },
    { stack: "joined", configFile: "examples/stacks/domain-joined.yaml" },
] as const;

export function renderDoc(doc: string, stacks: readonly ModelledStack[]): string {
    const sections: [string, string][] = [
        ["figures", durationsTableMarkdown()],
        ["rules", rulesTableMarkdown()],
        ["readiness", readinessTableMarkdown()],
        ["manual", manualTableMarkdown()],
        ["totals", modelledTotalsMarkdown(stacks)],
    ];
    return sections.reduce((text, [name, body]) => replaceGeneratedSection(text, name, body), doc);
}

async function main(argv: string[]): Promise<void> {
    const planArg = argv.indexOf("--plan");
    if (planArg >= 0) {
        const plan = JSON.parse(fs.readFileSync(argv[planArg + 1], "utf8")) as Plan;
        console.log(formatDeployTime(modelDeployTime(plan), manualWalkthroughFor(plan)));
        return;
    }
    if (argv.includes("--write-doc")) {
        // Loaded here only: running stacks needs the harness, the model itself does not.
        const { runStack, projectRoot } = await import("../harness");
        const { toPlan } = await import("../planFile");
        const { projectName } = await import("../../settings/validate");
        const stacks = documentedStacks.map(({ stack, configFile }): ModelledStack => {
            const run = runStack({ stack, configFile: path.join(projectRoot, configFile) });
            if (run.errors.length > 0) throw new Error(`stack ${stack}: ${run.errors.join("; ")}`);
            const plan = toPlan(projectName, run);
            return { stack, model: modelDeployTime(plan), manual: manualWalkthroughFor(plan) };
        });
        fs.writeFileSync(deployTimeDoc, renderDoc(fs.readFileSync(deployTimeDoc, "utf8"), stacks));
        console.log(`wrote ${path.relative(process.cwd(), deployTimeDoc)}`);
        return;
    }
    console.error("usage: npx tsx tools/review/deployTime.ts --plan <plan.json> | --write-doc");
    process.exitCode = 2;
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((e) => {
        console.error(`deploy time: ${(e as Error).message}`);
        process.exit(1);
    });
}
