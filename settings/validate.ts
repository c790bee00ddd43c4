// Turns raw stack config into the typed Settings, or into a list of problems (all of them, one line
// each, naming the key). Pure: the caller supplies the raw config map. Each section is read against
// its declaration in settings/schema; the rules here and in the section readers are those between keys.
import { overlaps, parseCidr } from "../lib/cidr";
import { samePrincipal } from "../lib/aws";
import { Problems, Section, isPlainObject } from "./reader";
import { accessPrincipals, readOperators } from "./access";
import { namespaceAdminProblems } from "./webhookScope";
import { hostProcessNamespaceProblems } from "./hostProcess";
import { configSchema, directoryAdminPasswordKey, portableIdentityPasswordKey, projectName, topLevelKeys } from "./schema";
import { readNetwork } from "./network";
import { readLinuxNodes, readWindowsNodes } from "./nodes";
import { managedDirectoryJoinOu, readActiveDirectory } from "./activeDirectory";
import { readGmsa } from "./gmsa";
import { configKeyProblems } from "./namespaces";
import { regionProblem } from "./awsLists";
import { dnsServerReachability, endpointReachability, routesApartFromServices } from "./reachability";
import type { AccessSettings, ActiveDirectorySettings, ClusterLogType, ClusterSettings, NamespaceAdmin, Settings } from "./types";

// Kept for the modules and tools that import them from here.
export { defaultSubnets } from "./network";
export { clusterDnsIp } from "../lib/clusterDns";
export { certManagerVersionProblem, defaultCertManagerVersion, gmsaChartVersions } from "./catalog";
export { compareVersions } from "./nodes";
export { managedDirectoryJoinOu } from "./activeDirectory";
export { directoryAdminPasswordKey, portableIdentityPasswordKey, projectName, topLevelKeys };

export interface RawConfig {
    /** Full keys as Pulumi passes them, e.g. `eks-gmsa:network` → JSON text, `aws:region` → text. */
    readonly values: Readonly<Record<string, string>>;
    readonly stack: string;
    /** Keys whose values are Pulumi secrets (set with --secret). */
    readonly secretKeys?: readonly string[];
}

export type ParseResult = { ok: true; settings: Settings } | { ok: false; problems: readonly string[] };

/** `keysRead`, when given, collects every config key the settings read (see settings/keys.ts). */
export function parseSettings(raw: RawConfig, keysRead?: Set<string>): ParseResult {
    const problems = new Problems(keysRead);
    const root = readNamespace(raw.values, problems);
    for (const p of configKeyProblems(Object.keys(raw.values), projectName, topLevelKeys)) problems.add(p.key, undefined, p.message);

    const region = readRegion(raw.values, problems);
    problems.noteRead("aws:profile"); // read below, once the settings are complete
    const tags = root.stringMap("tags") ?? {};
    // Checks across sections use the other section's individually valid values, so a mistake
    // elsewhere in that section never hides them.
    const { network, vpcCidr, facts: networkFacts } = readNetwork(root.section("network"), region);
    const { cluster, kubernetesVersion, serviceCidr, endpointPublicAccess } = readCluster(root.section("cluster"), raw.stack, vpcCidr);
    const access = readAccess(root.section("access"));
    const linuxNodes = readLinuxNodes(root.section("linuxNodes"));
    const windowsNodes = readWindowsNodes(root.section("windowsNodes"), kubernetesVersion);
    // (A managed directory's two domain controllers need two AZs: every network has at least two.)
    const adRead = root.has("activeDirectory") ? readActiveDirectory(root.section("activeDirectory"), raw.values, raw.secretKeys ?? []) : undefined;
    const adDraft = adRead?.draft;
    // A gmsa value that is not a mapping is one problem, reported by section(); nothing to read.
    const gmsaSection = root.has("gmsa") ? root.section("gmsa") : undefined;
    const gmsa =
        gmsaSection && isPlainObject(root.raw("gmsa"))
            ? readGmsa(gmsaSection, adDraft, root.has("activeDirectory"), raw.values, raw.secretKeys ?? [])
            : undefined;
    // Domainless hosts resolve the domain through the VPC resolver: forward it unless told otherwise.
    const activeDirectory: ActiveDirectorySettings | undefined = adDraft && {
        ...adDraft,
        vpcResolver: adDraft.vpcResolver ?? { mode: gmsa?.mode === "domainless" ? "create" : "none" },
        // Domain-joined nodes of a directory this stack creates join its Computers OU (AWS creates
        // it under the delegated OU); the whole directory is this cluster's.
        ...(gmsa?.mode === "domainJoined" && adDraft.managedDirectory && !adDraft.joinOu
            ? { joinOu: managedDirectoryJoinOu(adDraft.domainName, adDraft.netbiosName) }
            : {}),
    };
    // Read by readGmsa from the raw values (it must stay a secret); marked known here.
    root.raw("portableIdentityPassword");
    root.raw("directoryAdminPassword");
    root.finish();

    if (cluster?.deployRoleArn && access) checkDeployRoleNotListed(cluster.deployRoleArn, access, problems);
    if (access && gmsa)
        for (const p of namespaceAdminProblems(access, gmsa.webhook.namespace, gmsa.certManager.namespace)) problems.add(p.key, p.value, p.message);
    if (access && windowsNodes)
        for (const p of hostProcessNamespaceProblems(windowsNodes.hostProcessNamespaces, access, gmsa)) problems.add(p.key, p.value, p.message);
    // The admission policies that read it come with the gMSA part of the stack.
    if (windowsNodes && windowsNodes.hostProcessNamespaces.length > 0 && !root.has("gmsa"))
        problems.add(
            `${projectName}:windowsNodes.hostProcessNamespaces`,
            undefined,
            "is only used with eks-gmsa:gmsa (the admission policies that allow HostProcess and host paths there are created with gMSA); remove it",
        );
    const crossProblems = [
        ...endpointReachability(networkFacts, endpointPublicAccess),
        ...routesApartFromServices(networkFacts, serviceCidr),
        ...dnsServerReachability(networkFacts, adRead?.dnsServers),
    ];
    for (const p of crossProblems) problems.add(`${projectName}:${p.key}`, p.value, p.message);

    if (root.has("gmsa") && !gmsa && problems.list.length === 0) problems.add(`${projectName}:gmsa`, undefined, "is incomplete");
    // The join OU is where domain-joined nodes' computer accounts go; nothing else reads it.
    if (adDraft?.joinOu && (!root.has("gmsa") || gmsa?.mode === "domainless"))
        problems.add(
            `${projectName}:activeDirectory.joinOu`,
            undefined,
            "is only used in gmsa.mode domainJoined (where Windows nodes join the domain); remove it",
        );
    if (root.has("portableIdentityPassword") && !root.has("gmsa"))
        problems.add(portableIdentityPasswordKey, undefined, "is only used with gmsa.mode domainless; configure eks-gmsa:gmsa or remove it");
    if (problems.list.length > 0 || !region || !network || !cluster || !access || !linuxNodes || !windowsNodes) {
        return { ok: false, problems: problems.list.length > 0 ? problems.list : ["eks-gmsa: configuration is incomplete"] };
    }
    const awsProfile = raw.values["aws:profile"] || undefined;
    const settings: Settings = {
        project: projectName,
        stack: raw.stack,
        region,
        awsProfile,
        tags,
        network,
        cluster,
        access,
        linuxNodes,
        windowsNodes,
        activeDirectory,
        gmsa,
    };
    return { ok: true, settings: deepFreeze(settings) };
}

/** Collects the `eks-gmsa:` keys into one object; structured values arrive as JSON text. */
function readNamespace(values: Readonly<Record<string, string>>, problems: Problems): Section {
    const prefix = `${projectName}:`;
    const object: Record<string, unknown> = {};
    for (const [key, text] of Object.entries(values)) {
        if (!key.startsWith(prefix)) continue;
        object[key.slice(prefix.length)] = parseConfigValue(text);
    }
    return new Section(problems, projectName, object, ":", configSchema);
}

function parseConfigValue(text: string): unknown {
    const trimmed = text.trim();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
        try {
            return JSON.parse(trimmed);
        } catch {
            return text;
        }
    }
    return text;
}

function readRegion(values: Readonly<Record<string, string>>, problems: Problems): string | undefined {
    problems.noteRead("aws:region");
    const region = values["aws:region"];
    if (region === undefined) {
        problems.add("aws:region", undefined, "is required (pulumi config set aws:region us-west-2)");
        return undefined;
    }
    const problem = regionProblem(region);
    if (problem) {
        problems.add("aws:region", region, problem);
        return undefined;
    }
    return region;
}

function readCluster(
    s: Section,
    stack: string,
    vpcCidr: string | undefined,
): { cluster?: ClusterSettings; kubernetesVersion?: string; serviceCidr?: string; endpointPublicAccess: boolean } {
    // Stack names may hold '.', which EKS names may not.
    const name = s.string("name", { default: `${projectName}-${stack.replace(/[^A-Za-z0-9_-]/g, "-")}` });
    const kubernetesVersion = s.string("kubernetesVersion");
    const serviceCidr = s.string("serviceCidr", {
        check: (v) => (vpcCidr && overlaps(parseCidr(v), parseCidr(vpcCidr)) ? `overlaps network.vpcCidr (${vpcCidr}); EKS requires them apart` : undefined),
    });
    const endpointPublicAccess = s.boolean("endpointPublicAccess");
    const endpointPrivateAccess = s.boolean("endpointPrivateAccess");
    const publicAccessCidrs = s.stringList("publicAccessCidrs");
    const logTypes = s.stringList("logTypes") as ClusterLogType[] | undefined;
    const logRetentionDays = s.integer("logRetentionDays");
    const deployRoleArn = s.has("deployRoleArn") ? s.string("deployRoleArn") : undefined;
    const protect = s.boolean("protect");
    const addons = s.section("addonVersions");
    let addonsOk = true;
    const addonVersion = (field: string) => {
        if (!addons.has(field)) return undefined;
        const version = addons.string(field);
        addonsOk &&= version !== undefined;
        return version;
    };
    const addonVersions = { vpcCni: addonVersion("vpcCni"), kubeProxy: addonVersion("kubeProxy"), coredns: addonVersion("coredns") };
    addons.finish();
    s.finish();

    if (!endpointPublicAccess && !endpointPrivateAccess) {
        s.problems.add(s.path("endpointPrivateAccess"), false, "at least one of endpointPublicAccess and endpointPrivateAccess must be true");
        return { kubernetesVersion, serviceCidr, endpointPublicAccess };
    }
    if (publicAccessCidrs && !endpointPublicAccess && s.has("publicAccessCidrs")) {
        s.problems.add(s.path("publicAccessCidrs"), publicAccessCidrs, "applies only when endpointPublicAccess is true");
        return { kubernetesVersion, serviceCidr, endpointPublicAccess };
    }
    if (publicAccessCidrs && endpointPublicAccess && !endpointPrivateAccess && !publicAccessCidrs.includes("0.0.0.0/0")) {
        // Nodes in private subnets reach a public-only endpoint from their NAT gateways' addresses.
        s.problems.add(
            s.path("endpointPrivateAccess"),
            false,
            "must be true when publicAccessCidrs restricts the public endpoint, or nodes cannot reach the API server",
        );
        return { kubernetesVersion, serviceCidr, endpointPublicAccess };
    }
    if (!name || !kubernetesVersion || !serviceCidr || !publicAccessCidrs || !logTypes || !logRetentionDays)
        return { kubernetesVersion, serviceCidr, endpointPublicAccess };
    if (!addonsOk) return { kubernetesVersion, serviceCidr, endpointPublicAccess };
    return {
        kubernetesVersion,
        serviceCidr,
        endpointPublicAccess,
        cluster: {
            name,
            kubernetesVersion,
            serviceCidr,
            endpointPublicAccess,
            endpointPrivateAccess,
            publicAccessCidrs: endpointPublicAccess ? publicAccessCidrs : [],
            logTypes,
            logRetentionDays,
            deployRoleArn,
            protect,
            addonVersions: stripUndefined(addonVersions),
        },
    };
}

function readAccess(s: Section): AccessSettings | undefined {
    const clusterAdmins = s.stringList("clusterAdmins");
    const viewers = s.stringList("viewers");
    const namespaceAdmins: NamespaceAdmin[] = [];
    const operators = s.has("operators") ? readOperators(s) : undefined;
    let ok = !s.has("operators") || operators !== undefined;
    for (const entry of s.sections("namespaceAdmins")) {
        const principalArn = entry.string("principalArn");
        const namespaces = entry.stringList("namespaces");
        entry.finish();
        if (principalArn && namespaces) namespaceAdmins.push({ principalArn, namespaces });
        else ok = false;
    }
    s.finish();
    if (!clusterAdmins || !viewers || !ok) return undefined;
    // EKS allows one access entry per principal, so a principal can hold only one role here (a
    // role's path does not make it another principal).
    const all = accessPrincipals({ clusterAdmins, namespaceAdmins, viewers });
    for (const [i, p] of all.entries()) {
        const first = all.slice(0, i).find((q) => samePrincipal(q.arn, p.arn));
        if (first) {
            s.problems.add(p.key, p.arn, `is already given access as ${first.key.slice(projectName.length + 1)}; EKS allows one access entry per principal`);
            ok = false;
        }
    }
    return ok ? { clusterAdmins, namespaceAdmins, viewers, ...(operators ? { operators } : {}) } : undefined;
}

/**
 * The deploy role creates the cluster, and EKS gives a cluster's creator an access entry with
 * cluster admin (@pulumi/eks 4.3.0 always sets bootstrapClusterCreatorAdminPermissions): a second
 * entry for it fails with ResourceInUseException.
 */
function checkDeployRoleNotListed(deployRoleArn: string, access: AccessSettings, problems: Problems): void {
    for (const p of accessPrincipals(access).filter((p) => samePrincipal(p.arn, deployRoleArn))) {
        problems.add(
            p.key,
            p.arn,
            `is eks-gmsa:cluster.deployRoleArn, which creates the cluster and so already holds cluster admin through the access entry EKS makes for a cluster's creator; a second entry fails (ResourceInUseException): remove it from access.${p.role}`,
        );
    }
}

function stripUndefined<T extends object>(o: T): T {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function deepFreeze<T>(o: T): T {
    if (typeof o === "object" && o !== null && !Object.isFrozen(o)) {
        Object.freeze(o);
        for (const v of Object.values(o)) deepFreeze(v);
    }
    return o;
}
