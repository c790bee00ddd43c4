// Turns raw stack config into the typed Settings, or into a list of problems (all of them, one line
// each, naming the key). Pure: the caller supplies the raw config map.
import { isPrivate, nthAddress, overlaps, parseCidr } from "../lib/cidr";
import * as catalog from "./catalog";
import * as check from "./checks";
import { Problems, Section, isPlainObject } from "./reader";
import { samePrincipal } from "../lib/aws";
import { accessPrincipals, readOperators } from "./access";
import { exemptionReason, namespaceAdminProblems, webhookExemptNamespaces } from "./webhookScope";
import { hostProcessNamespaceProblems } from "./hostProcess";
import { projectName } from "./types";
import { SecretValue } from "../lib/secret";
import { domainRdns, formatDn } from "../lib/ad/dn";
import { readNetwork } from "./network";
import { configKeyProblems } from "./namespaces";
import { regionProblem } from "./awsLists";
export { defaultSubnets } from "./network";
import { dnsServerReachability, endpointReachability, routesApartFromServices } from "./reachability";
import type {
    GmsaAccountSettings, GmsaMode, GmsaPrincipals, GmsaSettings, SampleWorkloadSettings,
    AccessSettings, ActiveDirectorySettings, ClusterLogType, ClusterSettings, LinuxNodeSettings, NamespaceAdmin,
    ScalingSettings, Settings, Taint, WindowsNodeSettings,
} from "./types";

export { projectName };

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
    if (minor < 19 || (minor === 19 && patch < 2)) return "must be v1.19.2 or later (from v1.19.2 the chart applies global.nodeSelector, which keeps cert-manager on the Linux system nodes; earlier charts ignore it or reject it)";
    return undefined;
}

/** The top-level keys of the `eks-gmsa:` namespace. */
export const topLevelKeys = ["tags", "network", "cluster", "access", "linuxNodes", "windowsNodes", "activeDirectory", "gmsa", "portableIdentityPassword", "directoryAdminPassword"] as const;

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
    const tags = root.stringMap("tags", { key: check.awsTagKey, value: check.awsTagValue }) ?? {};
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
    const gmsa = gmsaSection && isPlainObject(root.raw("gmsa")) ? readGmsa(gmsaSection, adDraft, root.has("activeDirectory"), raw.values, raw.secretKeys ?? []) : undefined;
    // Domainless hosts resolve the domain through the VPC resolver: forward it unless told otherwise.
    const activeDirectory: ActiveDirectorySettings | undefined = adDraft && {
        ...adDraft,
        vpcResolver: adDraft.vpcResolver ?? { mode: gmsa?.mode === "domainless" ? "create" : "none" },
        // Domain-joined nodes of a directory this stack creates join its Computers OU (AWS creates
        // it under the delegated OU); the whole directory is this cluster's.
        ...(gmsa?.mode === "domainJoined" && adDraft.managedDirectory && !adDraft.joinOu ? { joinOu: managedDirectoryJoinOu(adDraft.domainName, adDraft.netbiosName) } : {}),
    };
    // Read by readGmsa from the raw values (it must stay a secret); marked known here.
    root.raw("portableIdentityPassword");
    root.raw("directoryAdminPassword");
    root.finish();

    if (cluster?.deployRoleArn && access) checkDeployRoleNotListed(cluster.deployRoleArn, access, problems);
    if (access && gmsa) for (const p of namespaceAdminProblems(access, gmsa.webhook.namespace, gmsa.certManager.namespace)) problems.add(p.key, p.value, p.message);
    if (access && windowsNodes) for (const p of hostProcessNamespaceProblems(windowsNodes.hostProcessNamespaces, access, gmsa)) problems.add(p.key, p.value, p.message);
    // The admission policies that read it come with the gMSA part of the stack.
    if (windowsNodes && windowsNodes.hostProcessNamespaces.length > 0 && !root.has("gmsa")) problems.add(`${projectName}:windowsNodes.hostProcessNamespaces`, undefined, "is only used with eks-gmsa:gmsa (the admission policies that allow HostProcess and host paths there are created with gMSA); remove it");
    const crossProblems = [
        ...endpointReachability(networkFacts, endpointPublicAccess),
        ...routesApartFromServices(networkFacts, serviceCidr),
        ...dnsServerReachability(networkFacts, adRead?.dnsServers),
    ];
    for (const p of crossProblems) problems.add(`${projectName}:${p.key}`, p.value, p.message);

    if (root.has("gmsa") && !gmsa && problems.list.length === 0) problems.add(`${projectName}:gmsa`, undefined, "is incomplete");
    // The join OU is where domain-joined nodes' computer accounts go; nothing else reads it.
    if (adDraft?.joinOu && (!root.has("gmsa") || gmsa?.mode === "domainless")) problems.add(`${projectName}:activeDirectory.joinOu`, undefined, "is only used in gmsa.mode domainJoined (where Windows nodes join the domain); remove it");
    if (root.has("portableIdentityPassword") && !root.has("gmsa")) problems.add(portableIdentityPasswordKey, undefined, "is only used with gmsa.mode domainless; configure eks-gmsa:gmsa or remove it");
    if (problems.list.length > 0 || !region || !network || !cluster || !access || !linuxNodes || !windowsNodes) {
        return { ok: false, problems: problems.list.length > 0 ? problems.list : ["eks-gmsa: configuration is incomplete"] };
    }
    const awsProfile = raw.values["aws:profile"] || undefined;
    const settings: Settings = { project: projectName, stack: raw.stack, region, awsProfile, tags, network, cluster, access, linuxNodes, windowsNodes, activeDirectory, gmsa };
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
    return new Section(problems, projectName, object, ":");
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

function readCluster(s: Section, stack: string, vpcCidr: string | undefined): { cluster?: ClusterSettings; kubernetesVersion?: string; serviceCidr?: string; endpointPublicAccess: boolean } {
    // Stack names may hold '.', which EKS names may not.
    const name = s.string("name", { default: `${projectName}-${stack.replace(/[^A-Za-z0-9_-]/g, "-")}`, check: check.eksClusterName });
    const kubernetesVersion = s.string("kubernetesVersion", {
        default: catalog.defaultKubernetesVersion,
        check: (v) => ((catalog.eksKubernetesVersions as readonly string[]).includes(v) ? undefined : `must be a Kubernetes version EKS supports: ${catalog.eksKubernetesVersions.join(", ")}`),
    });
    const serviceCidr = s.string("serviceCidr", {
        default: "172.20.0.0/16",
        check: (v) => {
            const problem = check.cidr(v);
            if (problem) return problem;
            const block = parseCidr(v);
            if (!isPrivate(block)) return "must be inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (EKS rule)";
            if (block.prefix < 12 || block.prefix > 24) return "must have a prefix from /12 to /24 (EKS rule)";
            if (vpcCidr && overlaps(block, parseCidr(vpcCidr))) return `overlaps network.vpcCidr (${vpcCidr}); EKS requires them apart`;
            return undefined;
        },
    });
    const endpointPublicAccess = s.boolean("endpointPublicAccess", true);
    const endpointPrivateAccess = s.boolean("endpointPrivateAccess", true);
    const publicAccessCidrs = s.stringList("publicAccessCidrs", { default: ["0.0.0.0/0"], item: check.cidr, unique: true, minItems: 1 });
    const logTypes = s.stringList("logTypes", {
        default: ["api", "audit", "authenticator"],
        unique: true,
        item: (v) => ((catalog.clusterLogTypes as readonly string[]).includes(v) ? undefined : `must be one of ${catalog.clusterLogTypes.join(", ")}`),
    }) as ClusterLogType[] | undefined;
    const logRetentionDays = s.integer("logRetentionDays", {
        default: 90,
        check: (v) => ((catalog.logRetentionDays as readonly number[]).includes(v) ? undefined : `must be a CloudWatch retention value: ${catalog.logRetentionDays.join(", ")}`),
    });
    const deployRoleArn = s.has("deployRoleArn") ? s.string("deployRoleArn", { check: check.iamRoleArn }) : undefined;
    const protect = s.boolean("protect", true);
    const addons = s.section("addonVersions");
    let addonsOk = true;
    const addonVersion = (field: string) => {
        if (!addons.has(field)) return undefined;
        const version = addons.string(field, { check: (v) => (/^v[0-9]+\.[0-9]+\.[0-9]+-eksbuild\.[0-9]+$/.test(v) ? undefined : "must be an EKS add-on version such as v1.19.2-eksbuild.1") });
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
        s.problems.add(s.path("endpointPrivateAccess"), false, "must be true when publicAccessCidrs restricts the public endpoint, or nodes cannot reach the API server");
        return { kubernetesVersion, serviceCidr, endpointPublicAccess };
    }
    if (!name || !kubernetesVersion || !serviceCidr || !publicAccessCidrs || !logTypes || !logRetentionDays) return { kubernetesVersion, serviceCidr, endpointPublicAccess };
    if (!addonsOk) return { kubernetesVersion, serviceCidr, endpointPublicAccess };
    return {
        kubernetesVersion, serviceCidr, endpointPublicAccess,
        cluster: {
            name, kubernetesVersion, serviceCidr, endpointPublicAccess, endpointPrivateAccess,
            publicAccessCidrs: endpointPublicAccess ? publicAccessCidrs : [],
            logTypes, logRetentionDays, deployRoleArn, protect, addonVersions: stripUndefined(addonVersions),
        },
    };
}

function readAccess(s: Section): AccessSettings | undefined {
    const clusterAdmins = s.stringList("clusterAdmins", { default: [], item: check.iamPrincipalArn, unique: true });
    const viewers = s.stringList("viewers", { default: [], item: check.iamPrincipalArn, unique: true });
    const namespaceAdmins: NamespaceAdmin[] = [];
    const operators = s.has("operators") ? readOperators(s) : undefined;
    let ok = !s.has("operators") || operators !== undefined;
    for (const entry of s.sections("namespaceAdmins")) {
        const principalArn = entry.string("principalArn", { check: check.iamPrincipalArn });
        const namespaces = entry.stringList("namespaces", { item: check.dns1123Label, unique: true, minItems: 1 });
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
        problems.add(p.key, p.arn, `is eks-gmsa:cluster.deployRoleArn, which creates the cluster and so already holds cluster admin through the access entry EKS makes for a cluster's creator; a second entry fails (ResourceInUseException): remove it from access.${p.role}`);
    }
}

function readScaling(s: Section, defaults: ScalingSettings, minimum: number): ScalingSettings | undefined {
    const minSize = s.integer("minSize", { default: defaults.minSize, min: minimum, max: 1000 });
    const desiredSize = s.integer("desiredSize", { default: defaults.desiredSize, min: minimum, max: 1000 });
    const maxSize = s.integer("maxSize", { default: defaults.maxSize, min: 1, max: 1000 });
    if (minSize === undefined || desiredSize === undefined || maxSize === undefined) return undefined;
    if (desiredSize < minSize) {
        s.problems.add(s.path("desiredSize"), desiredSize, `must be at least minSize (${minSize}); need minSize <= desiredSize <= maxSize`);
        return undefined;
    }
    if (maxSize < desiredSize) {
        s.problems.add(s.path("maxSize"), maxSize, `must be at least desiredSize (${desiredSize}); need minSize <= desiredSize <= maxSize`);
        return undefined;
    }
    return { minSize, desiredSize, maxSize };
}

function readLinuxNodes(s: Section): LinuxNodeSettings | undefined {
    const instanceTypes = s.stringList("instanceTypes", { default: ["m6i.large"], item: check.linuxInstanceType, unique: true, minItems: 1 });
    // Two nodes by default: CoreDNS and the gMSA webhook run two replicas each behind
    // PodDisruptionBudgets. One node is allowed (a small dev cluster) but drains them on replacement.
    const scaling = readScaling(s, { minSize: 2, desiredSize: 2, maxSize: 4 }, 1);
    const diskSizeGiB = s.integer("diskSizeGiB", { default: 50, min: 20, max: 16384 });
    const capacityType = s.string("capacityType", { default: "ON_DEMAND", oneOf: ["ON_DEMAND", "SPOT"] }) as LinuxNodeSettings["capacityType"] | undefined;
    s.finish();
    if (!instanceTypes || !scaling || !diskSizeGiB || !capacityType) return undefined;
    return { instanceTypes, ...scaling, diskSizeGiB, capacityType };
}

function readWindowsNodes(s: Section, kubernetesVersion: string | undefined): WindowsNodeSettings | undefined {
    const amiId = s.has("amiId") ? s.string("amiId", { check: check.amiId }) : undefined;
    const windowsServerVersion = s.string("windowsServerVersion", {
        default: "2022",
        oneOf: Object.keys(catalog.windowsServerVersions),
        check: (v) => {
            const min = catalog.windowsServerVersions[v]?.minKubernetes;
            if (amiId || !kubernetesVersion || !min || compareVersions(kubernetesVersion, min) >= 0) return undefined;
            return `has EKS-optimized AMIs from Kubernetes ${min} on, and cluster.kubernetesVersion is ${kubernetesVersion}; raise the version or pin windowsNodes.amiId`;
        },
    }) as WindowsNodeSettings["windowsServerVersion"] | undefined;
    const edition = s.string("edition", { default: "Core", oneOf: catalog.windowsEditions }) as WindowsNodeSettings["edition"] | undefined;
    const instanceType = s.string("instanceType", { default: "m6i.xlarge", check: check.windowsInstanceType });
    const scaling = readScaling(s, { minSize: 1, desiredSize: 2, maxSize: 4 }, 0);
    // The Windows AMIs' root volume is 50 GiB; images of Windows containers are large.
    const rootVolumeSizeGiB = s.integer("rootVolumeSizeGiB", { default: 100, min: 50, max: 16384 });
    const sshKeyName = s.has("sshKeyName") ? s.string("sshKeyName", { check: (v) => (/^[\x20-\x7e]{1,255}$/.test(v) ? undefined : "must be an EC2 key pair name (printable ASCII, at most 255 characters)") }) : undefined;
    const labels = s.stringMap("labels", { key: check.nodeLabelKey, value: check.labelValue });
    const taint = readTaint(s);
    // The admission policy puts these names in a CEL list literal: DNS labels only.
    const hostProcessNamespaces = s.stringList("hostProcessNamespaces", { default: [], item: check.dns1123Label, unique: true });
    s.finish();
    if (!windowsServerVersion || !edition || !instanceType || !scaling || !rootVolumeSizeGiB || !labels || taint === null || !hostProcessNamespaces) return undefined;
    if ((s.has("amiId") && !amiId) || (s.has("sshKeyName") && !sshKeyName)) return undefined;
    return { windowsServerVersion, edition, instanceType, ...scaling, rootVolumeSizeGiB, amiId, sshKeyName, labels, taint, hostProcessNamespaces };
}

/** undefined: no taint (turned off with `taint: false`); null: invalid. */
function readTaint(s: Section): Taint | undefined | null {
    const defaultTaint: Taint = { key: "os", value: "windows", effect: "NoSchedule" };
    const raw = s.raw("taint");
    if (raw === undefined) return defaultTaint;
    if (raw === false || raw === "false") return undefined;
    if (!isPlainObject(raw)) {
        s.problems.add(s.path("taint"), raw, "must be {key, value, effect} or false");
        return null;
    }
    const t = s.section("taint");
    const key = t.string("key", { default: defaultTaint.key, check: check.labelKey });
    const value = t.string("value", { default: defaultTaint.value, check: check.labelValue });
    const effect = t.string("effect", { default: defaultTaint.effect, oneOf: ["NoSchedule", "PreferNoSchedule", "NoExecute"] }) as Taint["effect"] | undefined;
    t.finish();
    return key && value !== undefined && effect ? { key, value, effect } : null;
}

/** activeDirectory before the VPC resolver default is known (it depends on the gMSA mode). */
type ActiveDirectoryDraft = Omit<ActiveDirectorySettings, "vpcResolver"> & { vpcResolver?: ActiveDirectorySettings["vpcResolver"] };

function readActiveDirectory(s: Section, values: Readonly<Record<string, string>>, secretKeys: readonly string[]): { draft?: ActiveDirectoryDraft; dnsServers?: readonly string[] } {
    const problems = s.problems;
    const domainName = s.string("domainName", { check: check.domainName });
    const netbiosName = s.string("netbiosName", { check: check.netbiosName });

    // Greenfield: the stack creates an AWS Managed Microsoft AD, so its DNS addresses, ID and
    // domain SID/GUID are outputs, not config.
    const managed = s.has("managedDirectory") ? s.section("managedDirectory") : undefined;
    const edition = managed?.string("edition", { default: "Standard", oneOf: ["Standard", "Enterprise"] }) as "Standard" | "Enterprise" | undefined;
    managed?.finish();
    let managedDirectory: ActiveDirectorySettings["managedDirectory"];
    const adminPassword = values[directoryAdminPasswordKey];
    if (managed) {
        for (const key of ["dnsServers", "directoryId", "domainSid", "domainGuid", "adminCredentialsSecretArn"]) {
            if (s.has(key)) problems.add(s.path(key), undefined, `is read from the directory this stack creates (activeDirectory.managedDirectory); remove it`);
        }
        if (s.has("forestName") && domainName && String(s.raw("forestName")).toLowerCase() !== domainName.toLowerCase()) problems.add(s.path("forestName"), s.raw("forestName"), "must equal domainName: a managed directory is a new forest");
        if (adminPassword === undefined) problems.add(directoryAdminPasswordKey, undefined, "is required with activeDirectory.managedDirectory (pulumi config set --secret directoryAdminPassword): the directory's Admin password");
        else if (!secretKeys.includes(directoryAdminPasswordKey)) problems.add(directoryAdminPasswordKey, undefined, "must be a secret: set it again with pulumi config set --secret directoryAdminPassword");
        else {
            const problem = check.managedDirectoryPassword(adminPassword);
            if (problem) problems.add(directoryAdminPasswordKey, undefined, problem);
            else if (edition) managedDirectory = { edition, adminPassword: new SecretValue(adminPassword) };
        }
    } else if (adminPassword !== undefined) {
        problems.add(directoryAdminPasswordKey, undefined, "is only used with activeDirectory.managedDirectory; remove it with pulumi config rm directoryAdminPassword");
    }

    const dnsServers = managed ? undefined : s.stringList("dnsServers", { item: check.ipv4, unique: true, minItems: 1, maxItems: 15 });
    const forestName = s.has("forestName") ? s.string("forestName", { check: check.domainName }) : domainName;
    const domainSid = !managed && s.has("domainSid") ? s.string("domainSid", { check: check.domainSid }) : undefined;
    const domainGuid = !managed && s.has("domainGuid") ? s.string("domainGuid", { check: check.guid }) : undefined;
    const directoryId = !managed && s.has("directoryId") ? s.string("directoryId", { check: (v) => (/^d-[0-9a-f]{10}$/.test(v) ? undefined : "must be an AWS Directory Service ID such as d-1234567890") }) : undefined;
    const joinOu = s.has("joinOu") ? s.string("joinOu", { check: check.ouDn }) : undefined;
    const adminCredentialsSecretArn = !managed && s.has("adminCredentialsSecretArn") ? s.string("adminCredentialsSecretArn", { check: check.secretArn }) : undefined;
    const provisionAccounts = s.boolean("provisionAccounts", managed !== undefined);
    if (managed && s.has("provisionAccounts") && !provisionAccounts) problems.add(s.path("provisionAccounts"), false, "must be true with managedDirectory: nothing else creates the readers' group and the gMSAs in a new directory");
    if (provisionAccounts && !managed && !s.has("adminCredentialsSecretArn")) problems.add(s.path("adminCredentialsSecretArn"), undefined, "is required with provisionAccounts: the Secrets Manager secret ({\"username\",\"password\"}) of the AD account that creates the group, the gMSAs and the portable identity");
    const accountsOu = s.has("accountsOu") ? s.string("accountsOu", { check: check.containerDn }) : undefined;
    if (s.has("accountsOu") && provisionAccounts === false) problems.add(s.path("accountsOu"), s.raw("accountsOu"), "is only used with activeDirectory.provisionAccounts (the stack creates nothing in AD otherwise); remove it or set provisionAccounts: true");
    // Each OU must lie in the domain; with a managed directory, in the OU AWS delegates to its Admin.
    const delegatedOu = managed && domainName && netbiosName ? check.managedDirectoryOu(domainName, netbiosName) : undefined;
    let placesOk = true;
    for (const [field, dn] of [["joinOu", joinOu], ["accountsOu", accountsOu]] as const) {
        const problem = dn && domainName && (delegatedOu || !managed) ? check.placeInDomain(dn, domainName, delegatedOu) : undefined;
        if (problem) problems.add(s.path(field), dn, problem);
        placesOk &&= !problem;
    }
    const resolver = s.has("vpcResolver")
        ? s.string("vpcResolver", { check: (v) => (v === "create" || v === "none" || /^rslvr-rr-[0-9a-f]{17}$/.test(v) ? undefined : "must be create, none, or a Route 53 Resolver rule ID such as rslvr-rr-0123456789abcdef0") })
        : undefined;
    s.finish();
    if (s.has("vpcResolver") && !resolver) return { dnsServers };
    if ((s.has("directoryId") && !managed && !directoryId) || (s.has("joinOu") && !joinOu)) return { dnsServers };
    if ((s.has("adminCredentialsSecretArn") && !managed && !adminCredentialsSecretArn) || (s.has("accountsOu") && !accountsOu) || !placesOk) return { dnsServers };
    if (managed && !managedDirectory) return { dnsServers };
    if (!domainName || !netbiosName || (!managed && !dnsServers) || !forestName || provisionAccounts === undefined) return { dnsServers };
    if ((s.has("domainSid") && !managed && !domainSid) || (s.has("domainGuid") && !managed && !domainGuid)) return { dnsServers };
    const domain = domainName.toLowerCase();
    const forest = forestName.toLowerCase();
    if (domain !== forest && !domain.endsWith(`.${forest}`)) {
        s.problems.add(s.path("forestName"), forestName, `must be the forest root of domainName (${domainName}): the same name or a parent of it`);
        return { dnsServers };
    }
    // AWS Managed AD delegates OU=<NetBIOS name> to its Admin; CN=Users is the AD default elsewhere.
    const defaultAccountsOu = delegatedOu ? `OU=Users,${formatDn(delegatedOu)}` : `CN=Users,${formatDn(domainRdns(domain))}`;
    return {
        dnsServers,
        draft: {
            domainName: domain, netbiosName: netbiosName.toUpperCase(), forestName: forest,
            ...(dnsServers ? { dnsServers } : {}),
            ...(managedDirectory ? { managedDirectory } : {}),
            ...(domainSid ? { domainSid: domainSid.toUpperCase() } : {}),
            ...(domainGuid ? { domainGuid: domainGuid.replace(/[{}]/g, "").toLowerCase() } : {}),
            ...(directoryId ? { directoryId } : {}),
            ...(joinOu ? { joinOu: check.canonicalDn(joinOu) } : {}),
            ...(adminCredentialsSecretArn ? { adminCredentialsSecretArn } : {}),
            provisionAccounts,
            accountsOu: accountsOu ? check.canonicalDn(accountsOu) : defaultAccountsOu,
            ...(resolver ? { vpcResolver: resolver === "create" || resolver === "none" ? { mode: resolver } : { mode: "existing" as const, ruleId: resolver } } : {}),
        },
    };
}

/** A managed directory's Computers OU (OU=Computers,OU=<NetBIOS>,DC=…), which AWS creates in the OU it delegates. */
export function managedDirectoryJoinOu(domainName: string, netbiosName: string): string {
    return formatDn([{ type: "OU", value: "Computers" }, ...check.managedDirectoryOu(domainName, netbiosName)]);
}

/** The gMSA webhook chart versions whose CRD and values this program is checked against. */
export const gmsaChartVersions = ["0.13.0"] as const;
export const portableIdentityPasswordKey = `${projectName}:portableIdentityPassword`;
export const directoryAdminPasswordKey = `${projectName}:directoryAdminPassword`;

function readGmsa(s: Section, ad: ActiveDirectoryDraft | undefined, adGiven: boolean, values: Readonly<Record<string, string>>, secretKeys: readonly string[]): GmsaSettings | undefined {
    const problems = s.problems;
    const mode = s.string("mode", { default: "domainless", oneOf: ["domainless", "domainJoined"] }) as GmsaMode | undefined;

    // Each account keeps its position in config, so problem lines name the entry the user wrote.
    const indexed: { index: number; account: GmsaAccountSettings }[] = [];
    let accountsOk = true;
    for (const [index, a] of s.sections("accounts").entries()) {
        const name = a.string("name", { check: check.dns1123Subdomain });
        const account = a.string("account", { check: check.gmsaAccountName });
        const allowed: GmsaPrincipals[] = [];
        const allowedSections = a.sections("allowed");
        if (allowedSections.length === 0) problems.add(a.path("allowed"), undefined, "must list at least one {namespace, serviceAccounts} that may use this credential spec");
        for (const p of allowedSections) {
            const namespace = p.string("namespace", { check: check.dns1123Label });
            const serviceAccounts = p.stringList("serviceAccounts", { item: check.dns1123Subdomain, unique: true, minItems: 1 });
            const create = p.boolean("create", false);
            p.finish();
            if (namespace && serviceAccounts) allowed.push({ namespace, serviceAccounts, create });
            else accountsOk = false;
        }
        a.finish();
        if (name && account && allowed.length === allowedSections.length && allowed.length > 0) indexed.push({ index, account: { name, account, allowed } });
        else accountsOk = false;
    }
    const accountKey = (index: number) => `${s.path("accounts")}[${index}]`;
    for (const [position, { index, account: a }] of indexed.entries()) {
        const first = indexed.find((b) => b.account.name === a.name);
        if (first && indexed.indexOf(first) !== position) problems.add(`${accountKey(index)}.name`, a.name, `is already used by accounts[${first.index}]; credential spec names are cluster-wide`);
        const firstAccount = indexed.find((b) => b.account.account.toLowerCase() === a.account.toLowerCase());
        if (firstAccount && indexed.indexOf(firstAccount) !== position) problems.add(`${accountKey(index)}.account`, a.account, `is already used by accounts[${firstAccount.index}]; give each gMSA one credential spec`);
        for (const [j, p] of a.allowed.entries()) {
            const again = a.allowed.findIndex((q) => q.namespace === p.namespace);
            if (again !== j) problems.add(`${accountKey(index)}.allowed[${j}].namespace`, p.namespace, `is already listed in allowed[${again}]; merge the service accounts`);
        }
    }
    const accounts = indexed.map((x) => x.account);
    const readersGroup = s.string("readersGroup", { default: "eks-gmsa-readers", check: check.readersGroupName });

    const webhook = s.section("webhook");
    const webhookNamespace = webhook.string("namespace", { default: "gmsa-webhook", check: check.dns1123Label });
    const releaseName = webhook.string("releaseName", { default: "gmsa-webhook", check: (v) => check.dns1123Label(v) ?? (v.length > 53 ? "must be at most 53 characters (Helm release names)" : undefined) });
    const chartVersion = webhook.string("chartVersion", { default: gmsaChartVersions[0], oneOf: gmsaChartVersions });
    // Two replicas behind a PodDisruptionBudget: one can be drained while the other admits pods.
    const replicas = webhook.integer("replicas", { default: 2, min: 2, max: 10 });
    // On by default: a Deployment's replicas share the first 15 characters of their pod names
    // (name-<template hash>-<suffix>), so without it every replica has the same NetBIOS name and
    // they knock each other's secure channel to the domain off (microsoft/Windows-Containers#405).
    const randomHostname = webhook.boolean("randomHostname", true);
    webhook.finish();

    const certManager = s.section("certManager");
    const certManagerNamespace = certManager.string("namespace", { default: "cert-manager", check: check.dns1123Label });
    const certManagerRelease = certManager.string("releaseName", { default: "cert-manager", check: check.dns1123Label });
    const certManagerVersion = certManager.string("version", { default: defaultCertManagerVersion, check: certManagerVersionProblem });
    certManager.finish();

    let portableIdentity: GmsaSettings["portableIdentity"];
    const identity = s.section("portableIdentity");
    const username = s.has("portableIdentity") ? identity.string("username", { check: check.portableIdentityName }) : undefined;
    identity.finish();
    const password = values[portableIdentityPasswordKey];
    if (mode === "domainless") {
        if (!s.has("portableIdentity")) problems.add(s.path("portableIdentity"), undefined, "is required in domainless mode: {username: <AD user allowed to retrieve the gMSA passwords>}");
        if (password === undefined) problems.add(portableIdentityPasswordKey, undefined, "is required in domainless mode (pulumi config set --secret portableIdentityPassword)");
        else if (!secretKeys.includes(portableIdentityPasswordKey)) problems.add(portableIdentityPasswordKey, undefined, "must be a secret: set it again with pulumi config set --secret portableIdentityPassword");
        else if (password.length === 0) problems.add(portableIdentityPasswordKey, undefined, "must not be empty");
        if (username && password && secretKeys.includes(portableIdentityPasswordKey)) portableIdentity = { username, password: new SecretValue(password) };
    } else if (mode === "domainJoined") {
        if (s.has("portableIdentity")) problems.add(s.path("portableIdentity"), undefined, "is only used in domainless mode (gmsa.mode is domainJoined)");
        if (password !== undefined) problems.add(portableIdentityPasswordKey, undefined, "is only used in domainless mode (gmsa.mode is domainJoined); remove it with pulumi config rm");
    }

    let sampleWorkload: SampleWorkloadSettings | undefined;
    const sample = s.section("sampleWorkload");
    const sampleEnabled = sample.boolean("enabled", false);
    const sampleCredentialSpec = sample.has("credentialSpec") ? sample.string("credentialSpec", { check: check.dns1123Subdomain }) : accounts[0]?.name;
    const sampleAccount = accounts.find((a) => a.name === sampleCredentialSpec);
    const sampleNamespace = sample.has("namespace") ? sample.string("namespace", { check: check.dns1123Label }) : sampleAccount?.allowed[0]?.namespace;
    const sampleServiceAccount = sample.has("serviceAccount") ? sample.string("serviceAccount", { check: check.dns1123Subdomain }) : sampleAccount?.allowed.find((p) => p.namespace === sampleNamespace)?.serviceAccounts[0];
    sample.finish();
    if (sampleEnabled && accountsOk) {
        if (!sampleAccount) {
            problems.add(sample.path("credentialSpec"), sampleCredentialSpec ?? null, `must name one of gmsa.accounts (${accounts.map((a) => a.name).join(", ") || "none configured"})`);
        } else if (!sampleAccount.allowed.some((p) => p.namespace === sampleNamespace && p.serviceAccounts.includes(sampleServiceAccount ?? ""))) {
            // The webhook would refuse such pods; say so now rather than at deploy time.
            problems.add(sample.path("serviceAccount"), `${sampleNamespace}/${sampleServiceAccount}`, `is not allowed to use credential spec ${sampleAccount.name}; add it to that account's allowed list`);
        } else if (sampleNamespace && sampleServiceAccount) {
            sampleWorkload = { credentialSpec: sampleAccount.name, namespace: sampleNamespace, serviceAccount: sampleServiceAccount };
        }
    }
    s.finish();

    if (accounts.length > 0 && !adGiven) problems.add(`${projectName}:activeDirectory`, undefined, "is required with gmsa.accounts: credential specs name the domain");
    // Nodes join through SSM's AWS-JoinDirectoryServiceDomain, which needs a Directory Service directory.
    if (mode === "domainJoined" && adGiven && ad && !ad.directoryId && !ad.managedDirectory) problems.add(`${projectName}:activeDirectory.directoryId`, undefined, "is required in gmsa.mode domainJoined: the AWS Directory Service directory (Managed AD or AD Connector) the Windows nodes join");
    // The lifecycle runbooks touch only computer accounts in the join OU, which must therefore be
    // this cluster's alone; in a directory the stack creates, it defaults to the directory's Computers OU.
    if (mode === "domainJoined" && adGiven && ad && !ad.managedDirectory && !ad.joinOu) problems.add(`${projectName}:activeDirectory.joinOu`, undefined, "is required in gmsa.mode domainJoined: an OU dedicated to this cluster's Windows nodes (for example OU=EKS-prod,OU=Computers,DC=corp,DC=example,DC=com), which the nodes join and outside which the lifecycle runbooks add and delete no computer account");
    // Adding new nodes to the readers' group and deleting the computer accounts of removed nodes
    // needs an AD account; with managedDirectory the stack has the Admin's.
    if (mode === "domainJoined" && adGiven && ad && !ad.managedDirectory && !ad.adminCredentialsSecretArn) problems.add(`${projectName}:activeDirectory.adminCredentialsSecretArn`, undefined, "is required in gmsa.mode domainJoined: the Secrets Manager secret ({\"username\",\"password\"}) of the AD account that adds new nodes to the readers' group and deletes the computer accounts of removed nodes");
    // Provisioning reads the SID and GUID from the directory; otherwise config must name them.
    if (ad && accounts.length > 0 && !ad.provisionAccounts) {
        if (!ad.domainSid) problems.add(`${projectName}:activeDirectory.domainSid`, undefined, "is required with gmsa.accounts unless activeDirectory.provisionAccounts is true (npm run ad -- discover prints it)");
        if (!ad.domainGuid) problems.add(`${projectName}:activeDirectory.domainGuid`, undefined, "is required with gmsa.accounts unless activeDirectory.provisionAccounts is true (npm run ad -- discover prints it)");
    }
    for (const { index, account: a } of indexed) {
        for (const [j, p] of a.allowed.entries()) {
            // The webhook skips these namespaces, so pods there would never be checked.
            if (webhookNamespace && certManagerNamespace && webhookExemptNamespaces(webhookNamespace, certManagerNamespace).includes(p.namespace)) {
                problems.add(`${accountKey(index)}.allowed[${j}].namespace`, p.namespace, `is exempt from the gMSA webhook (${exemptionReason(p.namespace, webhookNamespace, certManagerNamespace)}); run gMSA workloads in an application namespace`);
            }
        }
    }

    if (!mode || !accountsOk || !webhookNamespace || !releaseName || !chartVersion || !replicas || !certManagerNamespace || !certManagerRelease || !certManagerVersion) return undefined;
    if (mode === "domainless" && !portableIdentity) return undefined;
    if (sampleEnabled && !sampleWorkload) return undefined;
    const domain = ad?.domainSid && ad.domainGuid
        ? { dnsName: ad.domainName, forestName: ad.forestName, netbiosName: ad.netbiosName, sid: ad.domainSid, guid: ad.domainGuid }
        : undefined;
    if (accounts.length > 0 && !domain && !ad?.provisionAccounts) return undefined;
    if (!readersGroup) return undefined;
    return {
        mode, readersGroup, accounts, ...(domain ? { domain } : {}), ...(portableIdentity ? { portableIdentity } : {}),
        webhook: { namespace: webhookNamespace, releaseName, chartVersion, replicas, randomHostname },
        certManager: { namespace: certManagerNamespace, releaseName: certManagerRelease, version: certManagerVersion },
        ...(sampleWorkload ? { sampleWorkload } : {}),
    };
}

export function compareVersions(a: string, b: string): number {
    const [am, an] = a.split(".").map(Number);
    const [bm, bn] = b.split(".").map(Number);
    return am !== bm ? am - bm : an - bn;
}

/** The address CoreDNS answers on: the 10th address of the service CIDR (EKS convention). */
export function clusterDnsIp(serviceCidr: string): string {
    return nthAddress(parseCidr(serviceCidr), 10);
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
