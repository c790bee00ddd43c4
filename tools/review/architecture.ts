// out/<stack>/architecture.svg: what a stack builds, as a picture a newcomer can read.
//
// Three steps, each pure except the last: architectureModel(plan) reads the facts from the
// resources' inputs (never from config, so the picture shows what would really be registered);
// architectureDot(model) lays them out as Graphviz DOT; renderSvg(dot) runs Graphviz compiled to
// WebAssembly (@viz-js/viz), so nothing needs installing and the output is the same everywhere.
import type { Plan, PlanResource } from "../planFile";
import { RbacIndex, grantCovers, type BindingRecord, type ResourceLike } from "../../policy/policies/lib/rbac";
import { isGmsaChart } from "../../policy/policies/lib/stack";
import { entries, get, kubeKind, kubeMeta, list, obj, path, str, strings } from "../../policy/policies/lib/values";
import { credentialSpecNames, selectsWindows, serviceAccountOf, workloadOf } from "../../policy/policies/lib/workloads";
import { shownValue, shownValues, withoutInventedValues } from "./deployTimeValues";

// ---------------------------------------------------------------------------------------------
// The model

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

// ---------------------------------------------------------------------------------------------
// Reading the plan

/** The plan's resources, with lookups by URN and type. */
class PlanIndex {
    private readonly byUrn = new Map<string, PlanResource>();

    constructor(readonly resources: readonly PlanResource[]) {
        for (const r of resources) this.byUrn.set(r.urn, r);
    }

    ofType(type: string): PlanResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    first(type: string): PlanResource | undefined {
        return this.resources.find((r) => r.type === type);
    }

    get(urn: string | undefined): PlanResource | undefined {
        return urn === undefined ? undefined : this.byUrn.get(urn);
    }

    /** The nearest component of `type` that `r` sits under (walking `parent` URNs). */
    ancestorOfType(r: PlanResource, type: string): PlanResource | undefined {
        for (let p = this.get(r.parent); p; p = this.get(p.parent)) if (p.type === type) return p;
        return undefined;
    }

    /** The resources of `type` that `r` depends on (dependsOn, or an output feeding an input). */
    dependenciesOfType(r: PlanResource, type: string): PlanResource[] {
        return r.dependencies.map((u) => this.byUrn.get(u)).filter((d): d is PlanResource => d !== undefined && d.type === type);
    }

    /** The resources of `type` that depend on `r`. */
    dependentsOfType(r: PlanResource, type: string): PlanResource[] {
        return this.ofType(type).filter((d) => d.dependencies.includes(r.urn));
    }
}

const T = {
    vpc: "aws:ec2/vpc:Vpc",
    subnet: "aws:ec2/subnet:Subnet",
    natGateway: "aws:ec2/natGateway:NatGateway",
    internetGateway: "aws:ec2/internetGateway:InternetGateway",
    eksCluster: "eks:index:Cluster",
    addon: "aws:eks/addon:Addon",
    accessEntry: "aws:eks/accessEntry:AccessEntry",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    autoScalingGroup: "aws:autoscaling/group:Group",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    eventRule: "aws:cloudwatch/eventRule:EventRule",
    eventTarget: "aws:cloudwatch/eventTarget:EventTarget",
    association: "aws:ssm/association:Association",
    document: "aws:ssm/document:Document",
    directory: "aws:directoryservice/directory:Directory",
    instance: "aws:ec2/instance:Instance",
    instanceProfile: "aws:iam/instanceProfile:InstanceProfile",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    secret: "aws:secretsmanager/secret:Secret",
    kmsKey: "aws:kms/key:Key",
    localCommand: "command:local:Command",
    resolverEndpoint: "aws:route53/resolverEndpoint:ResolverEndpoint",
    resolverRule: "aws:route53/resolverRule:ResolverRule",
    resolverRuleAssociation: "aws:route53/resolverRuleAssociation:ResolverRuleAssociation",
    credentialSpec: "kubernetes:windows.k8s.io/v1:GMSACredentialSpec",
    sampleWorkload: "eks-gmsa:workloads:SampleWorkload",
    windowsNodes: "eks-gmsa:nodes:WindowsNodes",
    accountProvisioning: "eks-gmsa:directory:AccountProvisioning",
} as const;

type Invented = Readonly<Record<string, string>> | undefined;
const optionalShown = (v: string | undefined, invented: Invented): string | undefined => (v === undefined ? undefined : shownValue(v, invented));
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const bool = (v: unknown): boolean => v === true || v === "true";
const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const sortedUnique = (values: Iterable<string>): string[] => [...new Set(values)].sort(byString);

/** JSON given as a string input (IAM documents, add-on values, SSM documents), else undefined. */
function parseJson(v: unknown): unknown {
    if (typeof v !== "string") return v;
    try {
        return JSON.parse(v);
    } catch {
        return undefined;
    }
}

/** The last segment of an ARN's resource part: role/platform-admins → platform-admins. */
export function arnShortName(arn: string): string {
    const slash = arn.lastIndexOf("/");
    if (slash >= 0) return arn.slice(slash + 1);
    const colon = arn.lastIndexOf(":");
    return colon >= 0 ? arn.slice(colon + 1) : arn;
}

/** Secrets Manager ARNs end in the secret's name plus "-" and six random characters. */
function secretArnNames(arn: string, secretName: string): boolean {
    const marker = `:secret:${secretName}`;
    const i = arn.indexOf(marker);
    if (i < 0) return false;
    const rest = arn.slice(i + marker.length);
    return rest === "" || /^-[A-Za-z0-9]{6}$/.test(rest) || rest === "-*" || rest === "*";
}

/** A secret's name from its ARN (suffix dropped), for labels. */
function secretNameOfArn(arn: string): string {
    const i = arn.indexOf(":secret:");
    const name = i >= 0 ? arn.slice(i + ":secret:".length) : arn;
    return name.replace(/-[A-Za-z0-9]{6}$/, "");
}

/** The secret ARNs an IAM policy document allows secretsmanager:GetSecretValue on. */
function secretsReadBy(policyDocument: unknown): string[] {
    const arns: string[] = [];
    for (const statement of list(get(parseJson(policyDocument), "Statement"))) {
        if (get(statement, "Effect") !== "Allow") continue;
        const actions = strings(get(statement, "Action"));
        if (!actions.some((a) => a === "secretsmanager:GetSecretValue" || a === "secretsmanager:*" || a === "*")) continue;
        arns.push(...strings(get(statement, "Resource")));
    }
    return arns;
}

// --- network

function networkModel(index: PlanIndex): NetworkModel {
    const vpc = index.first(T.vpc);
    if (!vpc) return existingNetwork(index);
    const natGateways = index.ofType(T.natGateway).map((nat) => {
        const subnet = index.dependenciesOfType(nat, T.subnet)[0];
        return { name: nat.name, subnet: subnet?.name, availabilityZone: str(subnet?.inputs.availabilityZone) };
    });
    const subnets = index.ofType(T.subnet).map((s): SubnetModel => ({
        name: s.name,
        tier: subnetTier(s),
        availabilityZone: str(s.inputs.availabilityZone),
        cidr: str(s.inputs.cidrBlock),
        natGateway: natGateways.find((n) => n.subnet === s.name)?.name,
    }));
    subnets.sort((a, b) => byString(a.tier, b.tier) || byString(a.availabilityZone ?? "", b.availabilityZone ?? "") || byString(a.name, b.name));
    return { vpc: "created", vpcCidr: str(vpc.inputs.cidrBlock), internetGateway: index.first(T.internetGateway) !== undefined, subnets, natGateways };
}

/** Load-balancer role tags say which tier a subnet is; a route to an internet gateway would too, but tags are on the subnet itself. */
function subnetTier(subnet: PlanResource): SubnetTier {
    const tags = obj(subnet.inputs.tags) ?? {};
    if (tags["kubernetes.io/role/elb"] !== undefined) return "public";
    if (tags["kubernetes.io/role/internal-elb"] !== undefined) return "private";
    return bool(subnet.inputs.mapPublicIpOnLaunch) || /public/i.test(subnet.name) ? "public" : "private";
}

/** An existing VPC: only the IDs the cluster is given. */
function existingNetwork(index: PlanIndex): NetworkModel {
    const cluster = index.first(T.eksCluster);
    const subnets = [
        ...strings(cluster?.inputs.publicSubnetIds).map((id): SubnetModel => ({ name: id, tier: "public" })),
        ...strings(cluster?.inputs.privateSubnetIds).map((id): SubnetModel => ({ name: id, tier: "private" })),
    ];
    return { vpc: "existing", vpcId: str(cluster?.inputs.vpcId), internetGateway: false, subnets, natGateways: [] };
}

// --- cluster

function clusterModel(index: PlanIndex): ClusterModel | undefined {
    const cluster = index.first(T.eksCluster);
    if (!cluster) return undefined;
    const i = cluster.inputs;
    const name = str(i.name) ?? cluster.name;
    const accessEntries = [
        ...entries(i.accessEntries).map(([key, entry]) => accessEntryModel(key, entry)),
        ...index.ofType(T.accessEntry).map((r) => accessEntryModel(r.name, r.inputs)),
    ].sort((a, b) => byString(a.key, b.key));
    const addons = index.ofType(T.addon).map((a) => ({
        name: str(a.inputs.addonName) ?? a.name,
        configurationKeys: Object.keys(obj(parseJson(a.inputs.configurationValues)) ?? {}).sort(byString),
    })).sort((a, b) => byString(a.name, b.name));
    return {
        name,
        kubernetesVersion: str(i.version),
        authenticationMode: str(i.authenticationMode),
        endpointPublic: bool(i.endpointPublicAccess),
        endpointPrivate: bool(i.endpointPrivateAccess),
        publicAccessCidrs: strings(i.publicAccessCidrs),
        serviceCidr: str(i.kubernetesServiceIpAddressRange),
        logTypes: strings(i.enabledClusterLogTypes),
        secretsEncryption: str(i.encryptionConfigKeyArn) !== undefined || i.encryptionConfigKeyArn === "[unknown]",
        oidcProvider: bool(i.createOidcProvider),
        deployRoleArn: deployRoleOf(index, cluster),
        protect: cluster.protect,
        accessEntries,
        addons,
    };
}

function accessEntryModel(key: string, entry: unknown): AccessEntryModel {
    const policies = entries(get(entry, "accessPolicies")).map(([, p]) => {
        const namespaces = strings(path(p, "accessScope", "namespaces"));
        const scope = path(p, "accessScope", "type") === "namespace" ? `namespaces ${namespaces.join(", ")}` : "cluster";
        return { policy: arnShortName(str(get(p, "policyArn")) ?? "?"), scope };
    });
    return { key, principalArn: str(get(entry, "principalArn")) ?? "?", type: str(get(entry, "type")) ?? "STANDARD", policies };
}

/** The role of the AWS provider the cluster is created through (options.providers.aws). */
function deployRoleOf(index: PlanIndex, cluster: PlanResource): string | undefined {
    const ref = str(get(cluster.options.providers, "aws")) ?? str(cluster.options.provider);
    if (!ref) return undefined;
    // A provider reference is "<urn>::<id>".
    const provider = index.get(ref.slice(0, ref.lastIndexOf("::")));
    const roles = list(parseJson(provider?.inputs.assumeRoles ?? provider?.inputs.assumeRole));
    return str(get(roles[0], "roleArn"));
}

// --- node groups

function linuxNodeGroups(index: PlanIndex): LinuxNodeGroupModel[] {
    return index.ofType(T.nodeGroup).map((g) => ({
        name: g.name,
        amiType: str(g.inputs.amiType),
        instanceTypes: strings(g.inputs.instanceTypes),
        capacityType: str(g.inputs.capacityType),
        minSize: num(path(g.inputs, "scalingConfig", "minSize")),
        desiredSize: num(path(g.inputs, "scalingConfig", "desiredSize")),
        maxSize: num(path(g.inputs, "scalingConfig", "maxSize")),
        labels: Object.fromEntries(entries(g.inputs.labels).filter((e): e is [string, string] => typeof e[1] === "string")),
    }));
}

/** Auto scaling groups of a WindowsNodes component, with the facts the component records. */
function windowsNodeGroups(index: PlanIndex): WindowsNodeGroupModel[] {
    const groups: WindowsNodeGroupModel[] = [];
    for (const asg of index.ofType(T.autoScalingGroup)) {
        const component = index.ancestorOfType(asg, T.windowsNodes);
        if (!component) continue;
        const facts = component.inputs;
        const template = index.dependenciesOfType(asg, T.launchTemplate)[0];
        groups.push({
            name: asg.name,
            instanceType: str(facts.instanceType),
            windowsServerVersion: str(facts.windowsServerVersion),
            edition: str(facts.edition),
            minSize: num(asg.inputs.minSize),
            desiredSize: num(asg.inputs.desiredCapacity),
            maxSize: num(asg.inputs.maxSize),
            rootVolumeGiB: num(path(list(template?.inputs.blockDeviceMappings)[0], "ebs", "volumeSize")),
            imdsv2Only: path(template?.inputs, "metadataOptions", "httpTokens") === "required",
            nodeLabels: strings(facts.nodeLabels),
            taints: strings(facts.taints),
            lifecycleHooks: lifecycleHooks(index, asg),
        });
    }
    return groups;
}

/** The group's lifecycle hooks, each with the runbook an EventBridge rule for it starts. */
function lifecycleHooks(index: PlanIndex, asg: PlanResource): LifecycleHookModel[] {
    return list(asg.inputs.initialLifecycleHooks).map((hook) => {
        const name = str(get(hook, "name")) ?? "?";
        return {
            name,
            transition: str(get(hook, "lifecycleTransition")) ?? "?",
            defaultResult: str(get(hook, "defaultResult")),
            heartbeatTimeoutSeconds: num(get(hook, "heartbeatTimeout")),
            runbook: runbookForHook(index, name),
        };
    });
}

function runbookForHook(index: PlanIndex, hookName: string): string | undefined {
    for (const rule of index.ofType(T.eventRule)) {
        const hookNames = strings(path(parseJson(rule.inputs.eventPattern), "detail", "LifecycleHookName"));
        if (!hookNames.includes(hookName)) continue;
        for (const target of index.dependentsOfType(rule, T.eventTarget)) {
            const m = /automation-definition\/([^:]+)/.exec(str(target.inputs.arn) ?? "");
            if (m) return m[1];
        }
    }
    return undefined;
}

// --- Active Directory, DNS, identity

function domainJoinModel(index: PlanIndex, invented: Invented): DomainJoinModel | undefined {
    const association = index.ofType(T.association).find((a) => a.inputs.name === "AWS-JoinDirectoryServiceDomain");
    if (!association) return undefined;
    const p = association.inputs.parameters;
    return {
        association: association.name,
        document: "AWS-JoinDirectoryServiceDomain",
        directoryId: optionalShown(str(get(p, "directoryId")), invented),
        directoryName: str(get(p, "directoryName")),
        organizationalUnit: str(get(p, "directoryOU")),
    };
}

/** Non-root server blocks of a Corefile that forward their zone somewhere. */
export function corefileForwarders(corefile: string): { zone: string; servers: string[] }[] {
    const forwarders: { zone: string; servers: string[] }[] = [];
    let zone: string | undefined;
    let depth = 0;
    for (const raw of corefile.split("\n")) {
        const line = raw.trim();
        if (depth === 0) {
            const m = /^(\S+?)(?::\d+)?\s*\{$/.exec(line);
            if (m) {
                zone = m[1];
                depth = 1;
            }
            continue;
        }
        if (line.endsWith("{")) depth++;
        if (line === "}" || line.startsWith("}")) depth--;
        const forward = /^forward\s+\S+\s+(.+?)\s*\{?$/.exec(line);
        if (depth === 1 && forward && zone !== undefined && zone !== ".") {
            forwarders.push({ zone, servers: forward[1].split(/\s+/).filter((s) => s !== "{") });
        }
    }
    return forwarders;
}

function dnsPathModel(index: PlanIndex, invented: Invented): DnsPathModel {
    const coredns = index.ofType(T.addon).find((a) => a.inputs.addonName === "coredns");
    const corefile = str(get(parseJson(coredns?.inputs.configurationValues), "corefile"));
    const associatedRules = new Set(index.ofType(T.resolverRuleAssociation).flatMap((a) => index.dependenciesOfType(a, T.resolverRule).map((r) => r.urn)));
    return {
        coreDnsForwarders: (corefile ? corefileForwarders(corefile) : []).map((f) => ({ zone: f.zone, servers: shownValues(f.servers, invented) })),
        resolverEndpoints: index.ofType(T.resolverEndpoint).map((e) => ({ name: e.name, direction: str(e.inputs.direction), addressCount: list(e.inputs.ipAddresses).length })),
        resolverRules: index.ofType(T.resolverRule).map((r) => ({
            name: r.name,
            domainName: str(r.inputs.domainName),
            ruleType: str(r.inputs.ruleType),
            targetIps: shownValues(list(r.inputs.targetIps).map((t) => str(get(t, "ip"))).filter((ip): ip is string => ip !== undefined), invented),
            associatedWithVpc: associatedRules.has(r.urn),
        })),
    };
}

function activeDirectoryModel(index: PlanIndex, dns: DnsPathModel, credentialSpecs: readonly CredentialSpecModel[], domainJoin: DomainJoinModel | undefined): ActiveDirectoryModel {
    const directory = index.ofType(T.directory)[0];
    const firstSpec = credentialSpecs.find((c) => c.domain !== undefined);
    const domainName = str(directory?.inputs.name) ?? domainJoin?.directoryName ?? dns.resolverRules.find((r) => r.domainName)?.domainName
        ?? dns.coreDnsForwarders[0]?.zone ?? firstSpec?.domain;
    const forwarder = dns.coreDnsForwarders.find((f) => f.zone === domainName) ?? dns.coreDnsForwarders[0];
    const rule = dns.resolverRules.find((r) => r.domainName === domainName);
    const host = managementHostModel(index);
    return {
        source: directory ? "managed" : "existing",
        domainName,
        netbiosName: str(directory?.inputs.shortName) ?? firstSpec?.netbiosName,
        edition: str(directory?.inputs.edition),
        directoryId: domainJoin?.directoryId,
        dnsServers: forwarder?.servers ?? rule?.targetIps ?? [],
        managementHost: host,
        provisioning: provisioningModels(index),
    };
}

/** The instance the AD provisioning runs on: an EC2 instance a local command depends on, else the only one. */
function managementHostModel(index: PlanIndex): ManagementHostModel | undefined {
    const instances = index.ofType(T.instance);
    const host = instances.find((i) => index.dependentsOfType(i, T.localCommand).length > 0) ?? (instances.length === 1 ? instances[0] : undefined);
    if (!host) return undefined;
    const roles = index.dependenciesOfType(host, T.instanceProfile).flatMap((p) => index.dependenciesOfType(p, T.role));
    const readsSecrets = roles
        .flatMap((role) => index.dependentsOfType(role, T.rolePolicy))
        .flatMap((policy) => secretsReadBy(policy.inputs.policy))
        .map(secretNameOfArn);
    return { name: host.name, instanceType: str(host.inputs.instanceType), readsSecrets: sortedUnique(readsSecrets) };
}

/** Local commands of an AccountProvisioning component: they send its SSM document during `pulumi up`. */
function provisioningModels(index: PlanIndex): ProvisioningModel[] {
    return index.ofType(T.localCommand).flatMap((command) => {
        const component = index.ancestorOfType(command, T.accountProvisioning);
        const document = index.dependenciesOfType(command, T.document)[0];
        if (!component || !document) return [];
        const facts = component.inputs;
        return [{
            runner: command.name,
            document: str(get(command.inputs.environment, "DOCUMENT_NAME")) ?? document.name,
            readersGroup: str(facts.readersGroup),
            accounts: strings(facts.accounts),
            portableIdentity: str(get(facts.portableIdentity, "username")),
            verify: bool(facts.verify),
            host: index.dependenciesOfType(command, T.instance)[0]?.name,
        }];
    });
}

/** The secret credential specs name in PluginInput (domainless), and who may read it. */
function portableIdentityModel(index: PlanIndex, credentialSpecs: readonly CredentialSpecModel[]): PortableIdentityModel | undefined {
    const arns = credentialSpecs.map((c) => c.credentialArn).filter((a): a is string => a !== undefined);
    const secret = index.ofType(T.secret).find((s) => {
        const name = str(s.inputs.name);
        return name !== undefined && arns.some((arn) => secretArnNames(arn, name));
    });
    if (!secret) return undefined;
    const secretName = str(secret.inputs.name)!;
    const readers = index.ofType(T.rolePolicy)
        .filter((p) => secretsReadBy(p.inputs.policy).some((arn) => secretArnNames(arn, secretName)))
        .map((p) => index.dependenciesOfType(p, T.role)[0]?.name ?? str(p.inputs.role) ?? p.name);
    return { secretName, kmsKey: index.dependenciesOfType(secret, T.kmsKey)[0]?.name, readers: sortedUnique(readers), protect: secret.protect };
}

// --- Kubernetes objects

function helmReleases(index: PlanIndex): HelmReleaseModel[] {
    return index.resources.filter((r) => {
        const k = kubeKind(r.type);
        return k !== undefined && k.group === "helm.sh" && (k.kind === "Release" || k.kind === "Chart");
    }).map((r) => {
        const chart = str(r.inputs.chart) ?? "?";
        const role = isGmsaChart(chart) ? "gmsa-webhook" : chart === "cert-manager" || chart.endsWith("/cert-manager") ? "cert-manager" : "other";
        return {
            name: str(r.inputs.name) ?? r.name,
            role,
            chart,
            version: str(r.inputs.version),
            namespace: str(r.inputs.namespace),
            repository: str(path(r.inputs, "repositoryOpts", "repo")),
            replicas: num(path(r.inputs, "values", "replicaCount")),
        };
    });
}

function webhookOptOutNamespaces(index: PlanIndex): string[] {
    return sortedUnique(index.resources.filter((r) => {
        const k = kubeKind(r.type);
        return k !== undefined && k.group === "core" && (k.kind === "Namespace" || k.kind === "NamespacePatch")
            && path(r.inputs, "metadata", "labels", "windows.k8s.io/disabled") === "true";
    }).map((r) => kubeMeta(r.inputs).name ?? r.name));
}

function resourceLikes(plan: Plan): ResourceLike[] {
    return plan.resources.map((r) => ({ type: r.type, props: r.inputs, urn: r.urn, dependencies: r.dependencies }));
}

function credentialSpecModels(index: PlanIndex, rbac: RbacIndex): CredentialSpecModel[] {
    return index.ofType(T.credentialSpec).map((r) => {
        const spec = get(r.inputs, "credspec");
        const name = kubeMeta(r.inputs).name ?? r.name;
        const accounts = list(path(spec, "ActiveDirectoryConfig", "GroupManagedServiceAccounts"));
        const host = path(spec, "ActiveDirectoryConfig", "HostAccountConfig");
        return {
            name,
            account: str(get(accounts[0], "Name")),
            domain: str(path(spec, "DomainJoinConfig", "DnsName")),
            netbiosName: str(path(spec, "DomainJoinConfig", "NetBiosName")),
            domainless: host !== undefined,
            credentialArn: str(get(parseJson(get(host, "PluginInput")), "credentialArn")),
            protect: r.protect,
            allowed: grantsFor(name, rbac.bindings),
        };
    }).sort((a, b) => byString(a.name, b.name));
}

/** Who may `use` a credential spec, by namespace: the webhook asks in the pod's namespace. */
function grantsFor(credentialSpec: string, bindings: readonly BindingRecord[]): CredentialSpecGrant[] {
    const byNamespace = new Map<string, { serviceAccounts: Set<string>; bindings: Set<string> }>();
    for (const b of bindings) {
        if (!grantCovers(b.grant, credentialSpec)) continue;
        const scope = b.kind === "ClusterRoleBinding" ? "*" : b.namespace;
        if (scope === undefined) continue;
        const via = `${b.label} -> ${b.role?.label ?? `${b.roleRef.kind ?? "?"} ${b.roleRef.name ?? "?"}`}`;
        for (const [namespace, serviceAccount] of b.subjects.flatMap((s) => subjectServiceAccounts(s, scope))) {
            const entry = byNamespace.get(namespace) ?? { serviceAccounts: new Set<string>(), bindings: new Set<string>() };
            entry.serviceAccounts.add(serviceAccount);
            entry.bindings.add(via);
            byNamespace.set(namespace, entry);
        }
    }
    return [...byNamespace.entries()]
        .map(([namespace, e]) => ({ namespace, serviceAccounts: sortedUnique(e.serviceAccounts), bindings: sortedUnique(e.bindings) }))
        .sort((a, b) => byString(a.namespace, b.namespace));
}

/**
 * [namespace, service account] pairs a binding subject lets use it. A RoleBinding only counts for
 * pods in its own namespace, so a service account of another namespace gains nothing from it.
 */
function subjectServiceAccounts(subject: unknown, scope: string): [string, string][] {
    const kind = get(subject, "kind");
    const name = str(get(subject, "name"));
    if (name === undefined) return [];
    const inScope = (namespace: string, sa: string): [string, string][] => (scope === "*" ? [[namespace, sa]] : namespace === scope ? [[scope, sa]] : []);
    if (kind === "ServiceAccount") return inScope(str(get(subject, "namespace")) ?? scope, name);
    if (kind === "User") {
        const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(name);
        return m ? inScope(m[1], m[2]) : [];
    }
    if (kind === "Group") {
        if (name === "system:serviceaccounts" || name === "system:authenticated") return [[scope, "*"]];
        const m = /^system:serviceaccounts:([^:]+)$/.exec(name);
        return m ? inScope(m[1], "*") : [];
    }
    return [];
}

function workloadModels(index: PlanIndex, rbac: RbacIndex): WorkloadModel[] {
    const workloads: WorkloadModel[] = [];
    for (const r of index.resources) {
        const w = workloadOf(r.type, r.inputs, r.urn);
        if (!w || !w.podSpec) continue;
        const credentialSpecs = credentialSpecNames(w.podSpec);
        const serviceAccount = serviceAccountOf(w.podSpec).name;
        workloads.push({
            kind: w.kind,
            name: w.name ?? r.name,
            namespace: w.namespace,
            serviceAccount,
            credentialSpecs,
            authorized: credentialSpecs.every((c) => rbac.authorizes(w.namespace, serviceAccount, c)),
            images: sortedUnique(list(get(w.podSpec, "containers")).map((c) => str(get(c, "image"))).filter((i): i is string => i !== undefined)),
            replicas: num(path(r.inputs, "spec", "replicas")),
            windows: selectsWindows(w.podSpec) === true,
            sample: index.get(r.parent)?.type === T.sampleWorkload,
        });
    }
    return workloads;
}

function regionOf(index: PlanIndex): string | undefined {
    const zone = index.ofType(T.subnet).map((s) => str(s.inputs.availabilityZone)).find((z) => z !== undefined);
    if (zone) return zone.replace(/[a-z]$/, "");
    return index.ofType("pulumi:providers:aws").map((p) => str(p.inputs.region)).find((r) => r !== undefined);
}

function gmsaModeOf(domainJoin: DomainJoinModel | undefined, credentialSpecs: readonly CredentialSpecModel[]): GmsaMode {
    if (domainJoin) return "domain-joined";
    if (credentialSpecs.some((c) => c.domainless)) return "domainless";
    return "unknown";
}

/** Everything the picture shows, read from the plan's resource inputs. Pure and deterministic. */
export function architectureModel(plan: Plan): ArchitectureModel {
    const index = new PlanIndex(plan.resources);
    const rbac = new RbacIndex(resourceLikes(plan));
    const credentialSpecs = credentialSpecModels(index, rbac);
    // Outputs the offline runtime made up are shown as known at deploy time, never as facts.
    const invented = plan.deployTimeValues;
    const domainJoin = domainJoinModel(index, invented);
    const dns = dnsPathModel(index, invented);
    return {
        project: plan.project,
        stack: plan.stack,
        resourceCount: plan.resources.length,
        region: regionOf(index),
        network: networkModel(index),
        cluster: clusterModel(index),
        linuxNodeGroups: linuxNodeGroups(index),
        windowsNodeGroups: windowsNodeGroups(index),
        gmsaMode: gmsaModeOf(domainJoin, credentialSpecs),
        domainJoin,
        activeDirectory: activeDirectoryModel(index, dns, credentialSpecs, domainJoin),
        dns,
        portableIdentity: portableIdentityModel(index, credentialSpecs),
        helmReleases: helmReleases(index),
        webhookOptOutNamespaces: webhookOptOutNamespaces(index),
        credentialSpecs,
        workloads: workloadModels(index, rbac),
        ...(invented ? { deployTimeValues: invented } : {}),
    };
}

// ---------------------------------------------------------------------------------------------
// DOT

/** A DOT quoted string: only `"` and `\` need escaping; newlines become \n line breaks. */
export function dotString(s: string): string {
    return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\r?\n/g, "\\n")}"`;
}

/** Text inside an HTML-like label: the XML specials as entities. */
export function htmlText(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** An HTML-like label: a bold title, then smaller detail lines (all text escaped). */
function nodeLabel(title: string, details: readonly string[] = []): string {
    const lines = details.flatMap((d) => d.split("\n")).filter((d) => d !== "").map((d) => `<BR/><FONT POINT-SIZE="9">${htmlText(d)}</FONT>`);
    return `<<B>${htmlText(title)}</B>${lines.join("")}>`;
}

/** A subgraph cluster's title: bold, with an optional detail line. */
function clusterLabel(title: string, detail?: string): string {
    return `<<B>${htmlText(title)}</B>${detail ? `<BR/><FONT POINT-SIZE="9">${htmlText(detail)}</FONT>` : ""}>`;
}

type Attributes = Record<string, string | number | boolean | undefined>;

/** `[k=v, …]`; values starting with "<" and ending with ">" are HTML labels, everything else is quoted. */
function attributeList(attrs: Attributes): string {
    const parts = Object.entries(attrs)
        .filter((e): e is [string, string | number | boolean] => e[1] !== undefined)
        .map(([k, v]) => `${k}=${typeof v === "string" && v.startsWith("<") && v.endsWith(">") ? v : dotString(String(v))}`);
    return parts.length > 0 ? ` [${parts.join(", ")}]` : "";
}

/** Node IDs carry a kind prefix so that, say, a namespace and a credential spec of one name never clash. */
const id = {
    controlPlane: "eks:control-plane",
    accessEntries: "iam:access-entries",
    subnets: "vpc:subnets",
    linux: (name: string) => `nodes:linux:${name}`,
    windows: (name: string) => `nodes:windows:${name}`,
    ccg: "nodes:windows:ccg-plugin",
    release: (name: string) => `helm:${name}`,
    coredns: "addon:coredns",
    credentialSpec: (name: string) => `credspec:${name}`,
    principal: (namespace: string, sa: string) => `sa:${namespace}/${sa}`,
    workload: (w: WorkloadModel) => `workload:${w.kind}:${w.namespace}/${w.name}`,
    domainControllers: "ad:domain-controllers",
    gmsaAccounts: "ad:gmsa-accounts",
    managementHost: "ad:management-host",
    provisioning: "ad:provisioning",
    domainJoin: "ad:domain-join",
    lifecycle: "ad:node-lifecycle",
    resolver: "vpc:route53-resolver",
    portableIdentity: "aws:portable-identity",
};

const colors = {
    account: "#ff9900",
    vpc: "#3f8624",
    eks: "#1a73e8",
    linux: "#5f6368",
    windows: "#00a4ef",
    api: "#9334e6",
    ad: "#b0228c",
    use: "#1a73e8",
    rbac: "#188038",
    denied: "#d93025",
    webhook: "#e37400",
    secret: "#c5221f",
    kerberos: "#b0228c",
    dns: "#12a4af",
    manage: "#5f6368",
};

/** Lines of DOT, indented by nesting depth. */
class DotWriter {
    private readonly lines: string[] = [];
    private depth = 0;

    line(text: string): void {
        this.lines.push(`${"    ".repeat(this.depth)}${text}`);
    }

    node(nodeId: string, attrs: Attributes): void {
        this.line(`${dotString(nodeId)}${attributeList(attrs)};`);
    }

    edge(from: string, to: string, attrs: Attributes): void {
        this.line(`${dotString(from)} -> ${dotString(to)}${attributeList(attrs)};`);
    }

    /** Nodes on one rank (a row, top to bottom), wherever their clusters are (needs newrank). */
    sameRank(nodeIds: readonly string[]): void {
        if (nodeIds.length > 1) this.line(`{ rank=same; ${nodeIds.map((n) => `${dotString(n)};`).join(" ")} }`);
    }

    cluster(name: string, attrs: Attributes, body: () => void): void {
        this.line(`subgraph ${dotString(`cluster_${name}`)} {`);
        this.depth++;
        for (const [k, v] of Object.entries(attrs)) if (v !== undefined) this.line(`${k}=${typeof v === "string" && v.startsWith("<") && v.endsWith(">") ? v : dotString(String(v))};`);
        body();
        this.depth--;
        this.line("}");
    }

    text(): string {
        return this.lines.join("\n") + "\n";
    }
}

const range = (min?: number, desired?: number, max?: number): string =>
    `${min ?? "?"}-${max ?? "?"} nodes${desired !== undefined ? ` (desired ${desired})` : ""}`;

/** "1 replica", "2 replicas". */
const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? "" : noun.endsWith("s") ? "es" : "s"}`;

function subnetTable(network: NetworkModel): string {
    const header = `<TR><TD><B>tier</B></TD><TD><B>AZ</B></TD><TD><B>CIDR</B></TD><TD><B>NAT gateway</B></TD></TR>`;
    const rows = network.subnets.map((s) =>
        `<TR><TD>${htmlText(s.tier)}</TD><TD>${htmlText(s.availabilityZone ?? "-")}</TD><TD>${htmlText(s.cidr ?? s.name)}</TD><TD>${htmlText(s.natGateway ?? "")}</TD></TR>`);
    const title = network.vpc === "created" ? "Subnets" : "Subnets (existing VPC)";
    return `<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3"><TR><TD COLSPAN="4"><B>${htmlText(title)}</B></TD></TR>${header}${rows.join("")}</TABLE>>`;
}

function accessEntryLine(e: AccessEntryModel): string {
    const who = arnShortName(e.principalArn);
    if (e.policies.length === 0) return `${who}: ${e.type}`;
    return `${who}: ${e.policies.map((p) => `${p.policy.replace(/^AmazonEKS|Policy$/g, "")} (${p.scope})`).join(", ")}`;
}

function controlPlaneLabel(c: ClusterModel): string {
    const endpoint = [c.endpointPublic ? "public" : "", c.endpointPrivate ? "private" : ""].filter((x) => x).join(" + ") || "?";
    return nodeLabel("EKS control plane", [
        `Kubernetes ${c.kubernetesVersion ?? "?"}, authentication mode ${c.authenticationMode ?? "?"}`,
        `endpoint ${endpoint}${c.endpointPublic && c.publicAccessCidrs.length > 0 ? ` (${c.publicAccessCidrs.join(", ")})` : ""}`,
        c.secretsEncryption ? "secrets encrypted with a KMS key" : "",
        c.logTypes.length > 0 ? `logs: ${c.logTypes.join(", ")}` : "",
        `add-ons: ${c.addons.map((a) => a.name + (a.configurationKeys.length > 0 ? ` {${a.configurationKeys.join(", ")}}` : "")).join(", ")}`,
        c.deployRoleArn ? `created by ${arnShortName(c.deployRoleArn)}` : "",
        c.protect ? "protected" : "",
    ]);
}

function writeAccessEntries(out: DotWriter, c: ClusterModel): void {
    out.node(id.accessEntries, {
        label: nodeLabel("IAM principals (EKS access entries)", c.accessEntries.map(accessEntryLine)),
        fillcolor: "#fff8e1",
    });
}

/** The workloads drawn on the Windows nodes: those that select Windows or name a credential spec. */
function windowsWorkloads(m: ArchitectureModel): WorkloadModel[] {
    return m.workloads.filter((w) => w.windows || w.credentialSpecs.length > 0);
}

/** The Linux node group with the system pods on it, as one row: nodes, cert-manager, webhook, CoreDNS. */
function writeLinuxNodes(out: DotWriter, m: ArchitectureModel): void {
    const releases = m.helmReleases.filter((r) => r.role !== "other");
    m.linuxNodeGroups.forEach((g, i) => {
        out.cluster(`linux_${g.name}`, { label: clusterLabel(`Linux node group ${g.name}`, "system pods"), color: colors.linux, style: "rounded" }, () => {
            out.node(id.linux(g.name), {
                label: nodeLabel("Linux nodes (managed)", [
                    `${g.instanceTypes.join(", ")}, ${g.capacityType ?? ""} ${g.amiType ?? ""}`.trim(),
                    range(g.minSize, g.desiredSize, g.maxSize),
                    ...Object.entries(g.labels).map(([k, v]) => `label ${k}=${v}`),
                ]),
            });
            // System pods select the Linux nodes' label; they are drawn once, in the first group.
            if (i > 0) return;
            writeSystemPods(out, m);
            out.sameRank([id.linux(g.name), ...releases.map((r) => id.release(r.name)), ...(m.dns.coreDnsForwarders.length > 0 ? [id.coredns] : [])]);
        });
    });
}

function writeSystemPods(out: DotWriter, m: ArchitectureModel): void {
    for (const r of m.helmReleases.filter((x) => x.role !== "other")) writeRelease(out, r, m);
    if (m.dns.coreDnsForwarders.length > 0) {
        out.node(id.coredns, { label: nodeLabel("CoreDNS (add-on)", m.dns.coreDnsForwarders.map((f) => `${f.zone} -> ${f.servers.join(", ")}`)) });
    }
}

function writeRelease(out: DotWriter, r: HelmReleaseModel, m: ArchitectureModel): void {
    const title = r.role === "gmsa-webhook" ? "gMSA admission webhook" : "cert-manager";
    out.node(id.release(r.name), {
        label: nodeLabel(title, [
            `Helm ${r.chart} ${r.version ?? ""} in ${r.namespace ?? "?"}`,
            r.replicas !== undefined ? plural(r.replicas, "replica") : "",
            r.role === "gmsa-webhook" && m.webhookOptOutNamespaces.length > 0 ? `skips namespaces ${m.webhookOptOutNamespaces.join(", ")}` : "",
        ]),
        fillcolor: r.role === "gmsa-webhook" ? "#fef7e0" : "white",
    });
}

const hookTransition = (h: LifecycleHookModel): string => h.transition.replace(/^autoscaling:EC2_INSTANCE_/, "").toLowerCase();

function windowsNodesLabel(g: WindowsNodeGroupModel): string {
    return nodeLabel("Windows nodes (self-managed)", [
        `${g.instanceType ?? "?"}, Windows Server ${g.windowsServerVersion ?? "?"} ${g.edition ?? ""}`.trim(),
        range(g.minSize, g.desiredSize, g.maxSize),
        ...g.taints.map((t) => `taint ${t}`),
        g.imdsv2Only ? "IMDSv2 only" : "",
        ...g.lifecycleHooks.map((h) => `${hookTransition(h)} hook ${h.name}`),
    ]);
}

function workloadLabel(w: WorkloadModel): string {
    return nodeLabel(`${w.kind} ${w.namespace}/${w.name}`, [
        `service account ${w.serviceAccount}`,
        w.credentialSpecs.length > 0 ? `gMSA credential spec ${w.credentialSpecs.join(", ")}` : "",
        ...w.images.map((i) => `image ${i.slice(i.lastIndexOf("/") + 1)}`),
        w.replicas !== undefined ? plural(w.replicas, "replica") : "",
        w.sample ? "sample workload" : "",
    ]);
}

/** The Windows node group: the nodes on top, the pods (and the CCG plugin) they run below. */
function writeWindowsNodes(out: DotWriter, m: ArchitectureModel): void {
    m.windowsNodeGroups.forEach((g, i) => {
        const mode = m.gmsaMode === "unknown" ? "" : `gMSA ${m.gmsaMode}`;
        out.cluster(`windows_${g.name}`, { label: clusterLabel(`Windows node group ${g.name}`, mode), color: colors.windows, style: "rounded" }, () => {
            out.node(id.windows(g.name), { label: windowsNodesLabel(g), fillcolor: "#e1f5fe" });
            if (i > 0) return;
            writeWorkloads(out, m);
            if (m.gmsaMode === "domainless") {
                out.node(id.ccg, { label: nodeLabel("CCG + AWS plugin (on each node)", ["gets gMSA passwords", "as the portable identity"]), fillcolor: "#e1f5fe" });
            }
        });
    });
}

function writeWorkloads(out: DotWriter, m: ArchitectureModel): void {
    for (const w of windowsWorkloads(m)) out.node(id.workload(w), { label: workloadLabel(w), fillcolor: w.authorized ? "#e8f0fe" : "#fce8e6" });
}

/** Every service account (or "*") some credential spec is granted to, once. */
function principals(m: ArchitectureModel): { namespace: string; serviceAccount: string }[] {
    const seen = new Map<string, { namespace: string; serviceAccount: string }>();
    for (const c of m.credentialSpecs) {
        for (const g of c.allowed) for (const sa of g.serviceAccounts) seen.set(id.principal(g.namespace, sa), { namespace: g.namespace, serviceAccount: sa });
    }
    return [...seen.entries()].sort((a, b) => byString(a[0], b[0])).map(([, p]) => p);
}

function principalLabel(p: { namespace: string; serviceAccount: string }): string {
    const ns = p.namespace === "*" ? "every namespace" : `namespace ${p.namespace}`;
    const sa = p.serviceAccount === "*" ? "every service account" : `service account ${p.serviceAccount}`;
    return nodeLabel(sa, [ns]);
}

function credentialSpecLabel(c: CredentialSpecModel): string {
    return nodeLabel(`GMSACredentialSpec ${c.name}`, [
        `gMSA ${c.netbiosName ? `${c.netbiosName}\\` : ""}${c.account ?? "?"}${c.domain ? ` (${c.domain})` : ""}`,
        c.domainless ? "domainless: CCG plugin + portable identity" : "host account: the domain-joined node",
        ...c.allowed.map((g) => `may use: ${g.namespace === "*" ? "every namespace" : g.namespace} / ${g.serviceAccounts.join(", ")}`),
        c.protect ? "protected" : "",
    ]);
}

function writeApiObjects(out: DotWriter, m: ArchitectureModel): void {
    if (m.credentialSpecs.length === 0) return;
    out.cluster("api_objects", { label: clusterLabel("Kubernetes API: credential specs and who may use them", "RBAC: RoleBindings to ClusterRoles granting use"), color: colors.api, style: "rounded,dashed" }, () => {
        for (const p of principals(m)) out.node(id.principal(p.namespace, p.serviceAccount), { label: principalLabel(p), shape: "note", fillcolor: "#f3e8fd" });
        for (const c of m.credentialSpecs) out.node(id.credentialSpec(c.name), { label: credentialSpecLabel(c), shape: "component", fillcolor: "#f3e8fd" });
    });
}

function writeCluster(out: DotWriter, m: ArchitectureModel): void {
    const c = m.cluster;
    if (!c) return;
    out.cluster("eks", { label: clusterLabel(`EKS cluster ${c.name}`, `Kubernetes ${c.kubernetesVersion ?? "?"}`), color: colors.eks, penwidth: 2, style: "rounded" }, () => {
        out.node(id.controlPlane, { label: controlPlaneLabel(c), fillcolor: "#e8f0fe" });
        writeLinuxNodes(out, m);
        writeWindowsNodes(out, m);
        // Without node groups of their own kind, pods are still drawn, in the cluster itself.
        if (m.linuxNodeGroups.length === 0) writeSystemPods(out, m);
        if (m.windowsNodeGroups.length === 0) writeWorkloads(out, m);
        writeApiObjects(out, m);
    });
}

function activeDirectoryDetail(ad: ActiveDirectoryModel): string {
    const netbios = ad.netbiosName ? `NetBIOS ${ad.netbiosName}, ` : "";
    if (ad.source === "managed") return `${netbios}AWS Managed Microsoft AD (${ad.edition ?? "?"}) created by this stack`;
    return `${netbios}existing directory${ad.directoryId ? ` ${ad.directoryId}` : ""}, not created by this stack`;
}

function writeActiveDirectory(out: DotWriter, m: ArchitectureModel): void {
    const ad = m.activeDirectory;
    out.cluster("active_directory", { label: clusterLabel(`Active Directory ${ad.domainName ?? "?"}`, activeDirectoryDetail(ad)), color: colors.ad, style: "rounded", penwidth: 2 }, () => {
        out.node(id.domainControllers, {
            label: nodeLabel("Domain controllers", [`DNS ${ad.dnsServers.join(", ") || "?"}`, "Kerberos 88, LDAP 389, DNS 53"]),
            shape: "cylinder",
            fillcolor: "#fce4ec",
        });
        const accounts = sortedUnique(m.credentialSpecs.map((c) => c.account ?? "?"));
        if (accounts.length > 0) out.node(id.gmsaAccounts, { label: nodeLabel("gMSA accounts", accounts), shape: "folder", fillcolor: "#fce4ec" });
    });
}

function writeManagementHost(out: DotWriter, m: ArchitectureModel): void {
    const host = m.activeDirectory.managementHost;
    if (host) {
        out.node(id.managementHost, {
            label: nodeLabel(`AD management host ${host.name}`, [`${host.instanceType ?? "?"}, Systems Manager only (no inbound)`, ...host.readsSecrets.map((s) => `reads secret ${s}`)]),
            fillcolor: "#fce4ec",
        });
    }
    const provisioning = m.activeDirectory.provisioning;
    if (provisioning.length > 0) {
        out.node(id.provisioning, {
            label: nodeLabel("AD provisioning during pulumi up", provisioning.flatMap((p) => [`SSM document ${p.document}`, wrap(provisioningSummary(p), 48)])),
            fillcolor: "#fce4ec",
        });
    }
}

/** What a provisioning run creates or corrects, in words. */
function provisioningSummary(p: ProvisioningModel): string {
    const made = [
        p.readersGroup !== undefined ? `readers' group ${p.readersGroup}` : "the readers' group",
        p.accounts.length > 0 ? `${plural(p.accounts.length, "gMSA")} ${p.accounts.join(", ")}` : "no gMSA",
        ...(p.portableIdentity !== undefined ? [`portable identity ${p.portableIdentity}`] : []),
    ];
    return `creates or corrects ${made.join("; ")}${p.verify ? "; then checks the whole chain" : ""}`;
}

/** Long free text broken at spaces, so one label does not span the picture. */
function wrap(text: string, width: number): string {
    const lines: string[] = [];
    let current = "";
    for (const word of text.split(/\s+/)) {
        if (current && current.length + 1 + word.length > width) {
            lines.push(current);
            current = word;
        } else {
            current = current ? `${current} ${word}` : word;
        }
    }
    if (current) lines.push(current);
    return lines.join("\n");
}

function writeDnsResolver(out: DotWriter, m: ArchitectureModel): void {
    const rules = m.dns.resolverRules;
    if (rules.length === 0 && m.dns.resolverEndpoints.length === 0) return;
    out.node(id.resolver, {
        label: nodeLabel("Route 53 Resolver", [
            ...m.dns.resolverEndpoints.map((e) => `${(e.direction ?? "?").toLowerCase()} endpoint, ${plural(e.addressCount, "address")}`),
            ...rules.map((r) => `${(r.ruleType ?? "?").toLowerCase()} ${r.domainName ?? "?"} -> ${r.targetIps.join(", ")}${r.associatedWithVpc ? "" : " (not associated)"}`),
        ]),
        fillcolor: "#e0f7fa",
    });
}

const hooksWithRunbooks = (m: ArchitectureModel): LifecycleHookModel[] => m.windowsNodeGroups.flatMap((g) => g.lifecycleHooks).filter((h) => h.runbook !== undefined);

function writeNodeLifecycle(out: DotWriter, m: ArchitectureModel): void {
    if (m.domainJoin) {
        const j = m.domainJoin;
        out.node(id.domainJoin, {
            label: nodeLabel("SSM association: domain join", [j.document, j.directoryId ? `directory ${j.directoryId}` : "", j.organizationalUnit ? `OU ${j.organizationalUnit}` : ""]),
            fillcolor: "#fce4ec",
        });
    }
    const hooks = hooksWithRunbooks(m);
    if (hooks.length > 0) {
        out.node(id.lifecycle, {
            label: nodeLabel("Lifecycle hooks -> EventBridge -> SSM Automation", hooks.map((h) => `${hookTransition(h)}: runbook ${h.runbook}`)),
            fillcolor: "#fce4ec",
        });
    }
}

function writePortableIdentity(out: DotWriter, m: ArchitectureModel): void {
    const p = m.portableIdentity;
    if (!p) return;
    out.node(id.portableIdentity, {
        label: nodeLabel("Secrets Manager: portable identity", [p.secretName, p.kmsKey ? `encrypted with KMS key ${p.kmsKey}` : "", `readable by ${p.readers.join(", ") || "nobody"}`, p.protect ? "protected" : ""]),
        shape: "box3d",
        fillcolor: "#fce8e6",
    });
}

function writeVpc(out: DotWriter, m: ArchitectureModel): void {
    const n = m.network;
    const title = n.vpc === "created" ? `VPC ${n.vpcCidr ?? "?"}` : `existing VPC ${n.vpcId ?? "?"}`;
    const nat = n.natGateways.length > 0 ? `${plural(n.natGateways.length, "NAT gateway")}, internet gateway` : "";
    out.cluster("vpc", { label: clusterLabel(title, nat), color: colors.vpc, style: "rounded", penwidth: 2 }, () => {
        out.node(id.subnets, { label: subnetTable(n), shape: "plain" });
        writeCluster(out, m);
        writeDnsResolver(out, m);
        writeManagementHost(out, m);
        // A managed directory lives in the stack's private subnets; an existing one is drawn outside.
        if (m.activeDirectory.source === "managed") writeActiveDirectory(out, m);
    });
}

/** Invisible edges that stack the picture top to bottom: control plane, Linux row, Windows row, API objects, AD. */
function writeLayering(out: DotWriter, m: ArchitectureModel): void {
    const invisible = { style: "invis" };
    const linux = m.linuxNodeGroups[0];
    const windows = m.windowsNodeGroups[0];
    if (m.cluster) {
        out.sameRank([id.controlPlane, id.subnets]);
        if (linux) out.edge(id.controlPlane, id.linux(linux.name), invisible);
    }
    if (linux && windows) out.edge(id.linux(linux.name), id.windows(windows.name), invisible);
    if (windows) for (const p of principals(m)) out.edge(id.windows(windows.name), id.principal(p.namespace, p.serviceAccount), invisible);
    // The directory is the backend everything else leans on: the bottom row.
    for (const c of m.credentialSpecs) out.edge(id.credentialSpec(c.name), id.domainControllers, invisible);
    if (m.credentialSpecs.length > 0) out.sameRank([id.domainControllers, id.gmsaAccounts]);
}

function writeKubernetesEdges(out: DotWriter, m: ArchitectureModel): void {
    const windows = m.windowsNodeGroups[0];
    const webhook = m.helmReleases.find((r) => r.role === "gmsa-webhook");
    const certManager = m.helmReleases.find((r) => r.role === "cert-manager");
    const hasCredentialSpec = (name: string) => m.credentialSpecs.some((c) => c.name === name);

    if (m.cluster) out.edge(id.accessEntries, id.controlPlane, { label: "kubectl / API\n(access entries)", color: colors.manage });
    if (webhook && certManager) out.edge(id.release(certManager.name), id.release(webhook.name), { label: "TLS cert", color: colors.manage, style: "dashed" });
    if (webhook && m.cluster) out.edge(id.controlPlane, id.release(webhook.name), { label: "admission review\n(pod create)", color: colors.webhook, fontcolor: colors.webhook, style: "dashed" });

    for (const c of m.credentialSpecs) {
        for (const g of c.allowed) {
            for (const sa of g.serviceAccounts) {
                out.edge(id.principal(g.namespace, sa), id.credentialSpec(c.name), { label: "may use (RBAC)", color: colors.rbac, fontcolor: colors.rbac, style: "dashed" });
            }
        }
    }
    for (const w of windowsWorkloads(m)) {
        if (webhook && w.credentialSpecs.length > 0) out.edge(id.release(webhook.name), id.workload(w), { label: "validates, fills in\ncredspec", color: colors.webhook, fontcolor: colors.webhook, style: "dashed" });
        if (windows) out.edge(id.windows(windows.name), id.workload(w), { label: "runs", color: colors.manage, arrowhead: "none", style: "dotted" });
        for (const name of w.credentialSpecs.filter(hasCredentialSpec)) {
            out.edge(id.workload(w), id.credentialSpec(name), {
                label: w.authorized ? "uses" : "uses: NOT allowed by RBAC",
                color: w.authorized ? colors.use : colors.denied,
                fontcolor: w.authorized ? colors.use : colors.denied,
                penwidth: 2,
            });
        }
        const principal = principals(m).find((p) => (p.namespace === w.namespace || p.namespace === "*") && (p.serviceAccount === w.serviceAccount || p.serviceAccount === "*"));
        if (principal) out.edge(id.workload(w), id.principal(principal.namespace, principal.serviceAccount), { label: "runs as", color: colors.manage, style: "dotted" });
    }
}

function writeActiveDirectoryEdges(out: DotWriter, m: ArchitectureModel): void {
    const windows = m.windowsNodeGroups[0];
    const ad = m.activeDirectory;
    const kerberos = { color: colors.kerberos, fontcolor: colors.kerberos, penwidth: 2 };
    const dns = { color: colors.dns, fontcolor: colors.dns };
    if (windows && m.gmsaMode === "domainless") {
        out.edge(id.windows(windows.name), id.ccg, { label: "on container start", color: colors.manage, style: "dotted" });
        if (m.portableIdentity) out.edge(id.ccg, id.portableIdentity, { label: "GetSecretValue\n(node role)", color: colors.secret, fontcolor: colors.secret, penwidth: 2 });
        out.edge(id.ccg, id.domainControllers, { label: "Kerberos / LDAP:\ngMSA password", ...kerberos });
    }
    if (windows && m.gmsaMode === "domain-joined") {
        out.edge(id.windows(windows.name), id.domainControllers, { label: "domain members, Kerberos / LDAP:\ngMSA password", ...kerberos });
    }
    if (windows && m.dns.resolverRules.length > 0) {
        out.edge(id.windows(windows.name), id.resolver, { label: `DNS ${ad.domainName ?? ""}`.trim(), ...dns });
        out.edge(id.resolver, id.domainControllers, { label: "forwards", ...dns });
    } else if (windows && m.gmsaMode === "domain-joined") {
        out.edge(id.windows(windows.name), id.domainControllers, { label: "DNS", ...dns });
    }
    if (m.dns.coreDnsForwarders.length > 0) out.edge(id.coredns, id.domainControllers, { label: `DNS ${m.dns.coreDnsForwarders.map((f) => f.zone).join(", ")}`, ...dns });
    for (const c of m.credentialSpecs) out.edge(id.credentialSpec(c.name), id.gmsaAccounts, { label: "names", color: colors.ad, fontcolor: colors.ad, style: "dotted" });
    if (ad.provisioning.length > 0 && ad.managementHost) out.edge(id.provisioning, id.managementHost, { label: "SSM Run Command", color: colors.manage });
    if (ad.managementHost) out.edge(id.managementHost, id.domainControllers, { label: m.portableIdentity ? "LDAP (signed, sealed): readers' group,\ngMSAs, portable identity; chain check" : "LDAP (signed, sealed): readers' group,\ngMSAs; chain check", color: colors.manage });
    if (m.domainJoin && windows) out.edge(id.domainJoin, id.windows(windows.name), { label: "joins each node", color: colors.ad, fontcolor: colors.ad });
    if (hooksWithRunbooks(m).length > 0 && windows) {
        out.edge(id.windows(windows.name), id.lifecycle, { label: "launch / terminate", color: colors.manage, style: "dashed" });
        if (ad.managementHost) out.edge(id.lifecycle, id.managementHost, { label: "add to readers' group,\ndelete computer account", color: colors.manage });
    }
}

const legend = "blue: a pod uses a credential spec; green: RBAC lets a service account use it; orange: admission webhook; "
    + "purple: Kerberos/LDAP to AD; teal: DNS; red: secret read; grey: management";

/** Graphviz DOT of the model: nested clusters for account, VPC, EKS (node groups, API objects) and AD. Deterministic. */
export function architectureDot(m: ArchitectureModel): string {
    const out = new DotWriter();
    const title = `${m.project} / ${m.stack}: gMSA ${m.gmsaMode}, ${plural(m.resourceCount, "resource")}`;
    const font = "Helvetica";
    out.line(`digraph ${dotString(`${m.project}-${m.stack}`)} {`);
    out.line(`    graph${attributeList({ label: clusterLabel(title, legend), labelloc: "t", fontname: font, fontsize: 14, rankdir: "TB", compound: true, newrank: true, nodesep: 0.3, ranksep: 0.5, pad: 0.3 })};`);
    out.line(`    node${attributeList({ shape: "box", style: "rounded,filled", fillcolor: "white", fontname: font, fontsize: 11, margin: "0.15,0.06" })};`);
    out.line(`    edge${attributeList({ fontname: font, fontsize: 9 })};`);
    const body = new DotWriter();
    body.cluster("aws_account", { label: clusterLabel("AWS account", m.region ? `region ${m.region}` : undefined), color: colors.account, style: "rounded", penwidth: 2 }, () => {
        if (m.cluster) writeAccessEntries(body, m.cluster);
        writePortableIdentity(body, m);
        writeNodeLifecycle(body, m);
        writeVpc(body, m);
    });
    if (m.activeDirectory.source === "existing") writeActiveDirectory(body, m);
    writeLayering(body, m);
    writeKubernetesEdges(body, m);
    writeActiveDirectoryEdges(body, m);
    for (const line of body.text().trimEnd().split("\n")) out.line(`    ${line}`);
    out.line("}");
    return withoutInventedValues(out.text(), m.deployTimeValues);
}

// ---------------------------------------------------------------------------------------------
// SVG

let vizInstance: Promise<import("@viz-js/viz").Viz> | undefined;

/** Renders DOT to SVG with Graphviz in WebAssembly (one instance per process: loading it takes the time). */
export async function renderSvg(dot: string): Promise<string> {
    vizInstance ??= import("@viz-js/viz").then((viz) => viz.instance());
    const viz = await vizInstance;
    const result = viz.render(dot, { format: "svg", engine: "dot" });
    if (result.status !== "success") throw new Error(`graphviz: ${result.errors.map((e) => e.message.trim()).join("; ")}`);
    // Graphviz sized the text with Helvetica's metrics: name the metric-compatible fonts too, so a
    // viewer without Helvetica does not fall back to a wider sans-serif that overflows the boxes.
    return result.output.replace(/font-family="Helvetica,sans-Serif"/g, 'font-family="Helvetica,Arial,Liberation Sans,sans-serif"');
}
