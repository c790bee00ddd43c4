// The AWS side of the model: network, EKS cluster and access entries, Linux and Windows node groups
// (the latter from their WindowsNodes component's facts), lifecycle hooks and their runbooks.
import type { PlanResource } from "../../planFile";
import { entries, get, list, obj, path, str, strings } from "../../../policy/api";
import type {
    AccessEntryModel,
    ClusterModel,
    LifecycleHookModel,
    LinuxNodeGroupModel,
    NetworkModel,
    SubnetModel,
    SubnetTier,
    WindowsNodeGroupModel,
} from "./model";
import { arnShortName, bool, byString, num, parseJson, PlanIndex, T } from "./planIndex";

export function networkModel(index: PlanIndex): NetworkModel {
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

/** Load-balancer role tags say which tier a subnet is (never its name); a route to an internet gateway would too, but tags are on the subnet itself. */
function subnetTier(subnet: PlanResource): SubnetTier {
    const tags = obj(subnet.inputs.tags) ?? {};
    if (tags["kubernetes.io/role/elb"] !== undefined) return "public";
    if (tags["kubernetes.io/role/internal-elb"] !== undefined) return "private";
    return bool(subnet.inputs.mapPublicIpOnLaunch) ? "public" : "private";
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

export function clusterModel(index: PlanIndex): ClusterModel | undefined {
    const cluster = index.first(T.eksCluster);
    if (!cluster) return undefined;
    const i = cluster.inputs;
    const name = str(i.name) ?? cluster.name;
    const accessEntries = [
        ...entries(i.accessEntries).map(([key, entry]) => accessEntryModel(key, entry)),
        ...index.ofType(T.accessEntry).map((r) => accessEntryModel(r.name, r.inputs)),
    ].sort((a, b) => byString(a.key, b.key));
    const addons = index
        .ofType(T.addon)
        .map((a) => ({
            name: str(a.inputs.addonName) ?? a.name,
            configurationKeys: Object.keys(obj(parseJson(a.inputs.configurationValues)) ?? {}).sort(byString),
        }))
        .sort((a, b) => byString(a.name, b.name));
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

export function linuxNodeGroups(index: PlanIndex): LinuxNodeGroupModel[] {
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
export function windowsNodeGroups(index: PlanIndex): WindowsNodeGroupModel[] {
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
        // The target starts the Automation document it depends on (its ARN is built from the document's name).
        for (const target of index.dependentsOfType(rule, T.eventTarget)) {
            const runbook = index.dependenciesOfType(target, T.document).find((d) => d.inputs.documentType === "Automation");
            const name = str(runbook?.inputs.name);
            if (name !== undefined) return name;
        }
    }
    return undefined;
}
