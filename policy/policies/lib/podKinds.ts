// Every way a resource can make pods, and where its pod specs are: the built-in workload kinds and
// their *Patch types at a fixed path; any other Kubernetes kind (custom resources such as an Argo
// Rollout, Lists) by a bounded scan of its inputs. Pure.

import { scanForPodSpecs, type HiddenValue, type StraySetting } from "./podScan";
import { kubeKind, kubeLabel, kubeMeta, obj, opaqueKind, path, type Obj } from "./values";

/** The built-in kinds that hold a pod spec. */
export type BaseWorkloadKind = "Pod" | "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" | "CronJob" | "ReplicationController" | "PodTemplate";

/** A built-in kind, or its *Patch type (`kubernetes:apps/v1:DeploymentPatch`). */
export type WorkloadKind = BaseWorkloadKind | `${BaseWorkloadKind}Patch`;

/** The API groups each kind is served from (any version matches). */
const WORKLOAD_GROUPS: Record<BaseWorkloadKind, readonly string[]> = {
    Pod: ["core"],
    // extensions/v1beta1 served these before apps/v1; the pod template is in the same place.
    Deployment: ["apps", "extensions"],
    StatefulSet: ["apps"],
    DaemonSet: ["apps", "extensions"],
    ReplicaSet: ["apps", "extensions"],
    Job: ["batch"],
    CronJob: ["batch"],
    ReplicationController: ["core"],
    PodTemplate: ["core"],
};

/** Where the pod spec lives in each kind's object (a *Patch has the same shape). */
const POD_SPEC_PATH: Record<BaseWorkloadKind, readonly string[]> = {
    Pod: ["spec"],
    Deployment: ["spec", "template", "spec"],
    StatefulSet: ["spec", "template", "spec"],
    DaemonSet: ["spec", "template", "spec"],
    ReplicaSet: ["spec", "template", "spec"],
    Job: ["spec", "template", "spec"],
    CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
    ReplicationController: ["spec", "template", "spec"],
    PodTemplate: ["template", "spec"],
};

/**
 * Kubernetes package types that are components: their children (from YAML, a Helm chart v4 or
 * kustomize) are registered as resources of their own and judged there. A helm.sh/v3 Release
 * installs its objects itself: the pack never sees them (helm-release-values-allowlist reads its values).
 */
const COMPONENT_GROUPS = new Set(["helm.sh", "yaml", "kustomize"]);

/** The built-in workload groups: of their other kinds, only Lists (of Deployments, Pods, …) hold pod specs. */
const WORKLOAD_API_GROUPS = new Set(["core", "apps", "batch", "extensions"]);

/**
 * Built-in API groups with no kind that makes pods (RBAC, networking, storage, admission, …), and
 * the GMSACredentialSpec CRD: not scanned. Any group not named here is scanned, so a group this
 * list misses costs time, never a finding.
 */
const NO_POD_GROUPS = new Set([
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
    "storagemigration.k8s.io",
    "windows.k8s.io",
]);

/** Whether a kind that is not a built-in workload may still hold pod specs (custom resources, Lists). */
function mayHoldPodSpecs(k: { group: string; kind: string }): boolean {
    if (NO_POD_GROUPS.has(k.group)) return false;
    if (WORKLOAD_API_GROUPS.has(k.group)) return k.kind.endsWith("List");
    return true;
}

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function baseKindOf(type: unknown): { base: BaseWorkloadKind; patch: boolean } | undefined {
    const k = kubeKind(type);
    if (!k) return undefined;
    const patch = k.kind.endsWith("Patch");
    const name = patch ? k.kind.slice(0, -"Patch".length) : k.kind;
    if (!has(WORKLOAD_GROUPS, name)) return undefined;
    const base = name as BaseWorkloadKind;
    return WORKLOAD_GROUPS[base].includes(k.group) ? { base, patch } : undefined;
}

/** The built-in workload kind of a Pulumi type token (`kubernetes:apps/v1:DeploymentPatch` → DeploymentPatch), else undefined. */
export function workloadKind(type: unknown): WorkloadKind | undefined {
    const k = baseKindOf(type);
    return k ? (k.patch ? `${k.base}Patch` : k.base) : undefined;
}

/** The pod spec of a built-in workload (Pod: spec; controllers: spec.template.spec; CronJob: spec.jobTemplate.spec.template.spec; PodTemplate: template.spec). */
export function podSpecOf(type: unknown, props: unknown): Obj | undefined {
    const k = baseKindOf(type);
    return k ? obj(path(props, ...POD_SPEC_PATH[k.base])) : undefined;
}

export interface Workload {
    /** The kind from the type token: `Deployment`, `DeploymentPatch`, `Rollout`. */
    kind: string;
    /** metadata.name (undefined when not set or unknown). */
    name?: string;
    /** The namespace its pods run in: metadata.namespace, "default" when absent. */
    namespace: string;
    /** True when that namespace is unknown or secret: it cannot be judged. */
    namespaceUnknown: boolean;
    /** True when that is because it is a secret (the offline plan's placeholder). */
    namespaceSecret: boolean;
    /** `Deployment web/gmsa-sample-iis`, `Rollout web/canary (pod spec at spec.template.spec)`, for messages. */
    readonly label: string;
    podSpec?: Obj;
    /** Where the pod spec is in the inputs, e.g. `spec.template.spec`. */
    at: string;
    /** A *Patch: what it leaves out keeps the live object's value, which the pack cannot see. */
    patch: boolean;
    /** The pod spec, or the object holding it, is one secret or unknown value (`at`: where). */
    opaquePodSpec?: { at: string; kind: "secret" | "unknown" };
}

/** The first step of a built-in kind's pod spec path that is a secret or unknown value. */
function opaqueStep(props: unknown, steps: readonly string[]): Workload["opaquePodSpec"] {
    for (let i = 1; i <= steps.length; i++) {
        const kind = opaqueKind(path(props, ...steps.slice(0, i)));
        if (kind) return { at: steps.slice(0, i).join("."), kind };
        if (path(props, ...steps.slice(0, i)) === undefined) return undefined;
    }
    return undefined;
}

/** The workload a built-in kind (or its *Patch) makes, else undefined. */
export function workloadOf(type: unknown, props: unknown, urn: unknown): Workload | undefined {
    const k = baseKindOf(type);
    if (!k) return undefined;
    const kind: string = k.patch ? `${k.base}Patch` : k.base;
    const m = kubeMeta(props);
    const opaquePodSpec = opaqueStep(props, POD_SPEC_PATH[k.base]);
    return {
        kind,
        name: m.name,
        namespace: m.namespace ?? "default",
        namespaceUnknown: m.namespaceUnknown,
        namespaceSecret: m.namespaceSecret,
        // Computed when a message needs it (most workloads never do).
        get label() {
            return kubeLabel(kind, props, urn, true);
        },
        podSpec: obj(path(props, ...POD_SPEC_PATH[k.base])),
        at: POD_SPEC_PATH[k.base].join("."),
        patch: k.patch,
        ...(opaquePodSpec ? { opaquePodSpec } : {}),
    };
}

/** What a resource holds: its workloads, the gMSA or host settings outside any pod spec, and whether it was read in full. */
export interface ResourceWorkloads {
    workloads: Workload[];
    /** With the namespace resolved as for workloads. */
    strays: (StraySetting & { namespace: string })[];
    /** Pod templates or their parts given as one secret or unknown value, outside any readable pod spec. */
    hidden: (HiddenValue & { namespace: string })[];
    /** Set when the scan hit a limit (what was not inspected). */
    incomplete?: string;
    /** `Rollout web/canary`, for messages about the resource as a whole. */
    readonly label: string;
}

const NONE: ResourceWorkloads = { workloads: [], strays: [], hidden: [], label: "" };

/**
 * Every workload a Kubernetes resource makes: a built-in kind at its fixed path, or, for any
 * other kind, each pod spec found by scanning its inputs (bounded; see podScan).
 */
export function workloadsOf(type: unknown, props: unknown, urn: unknown): ResourceWorkloads {
    const k = kubeKind(type);
    if (!k || COMPONENT_GROUPS.has(k.group)) return NONE;
    const known = workloadOf(type, props, urn);
    const label = () => kubeLabel(k.kind, props, urn, true);
    if (known)
        return {
            workloads: [known],
            strays: [],
            hidden: [],
            get label() {
                return label();
            },
        };
    if (!mayHoldPodSpecs(k)) return NONE;
    const scan = scanForPodSpecs(props);
    const m = kubeMeta(props);
    const patch = k.kind.endsWith("Patch");
    // A Kubernetes object nested in the inputs (an item of a List) names its own namespace, else the resource's applies.
    const namespaceOf = (found: { namespace?: string; namespaceUnknown: boolean; namespaceSecret: boolean }) => ({
        namespace: found.namespace ?? (found.namespaceUnknown ? undefined : m.namespace) ?? "default",
        namespaceUnknown: found.namespaceUnknown || (found.namespace === undefined && m.namespaceUnknown),
        namespaceSecret: found.namespaceSecret || (found.namespace === undefined && !found.namespaceUnknown && m.namespaceSecret),
    });
    const workloads = scan.podSpecs.map((found): Workload => {
        return {
            kind: k.kind,
            name: m.name,
            ...namespaceOf(found),
            get label() {
                return `${label()} (pod spec at ${found.at})`;
            },
            podSpec: found.podSpec,
            at: found.at,
            patch,
        };
    });
    const strays = scan.strays.map((s) => ({ ...s, ...namespaceOf(s) }));
    const hidden = scan.hidden.map((h) => ({ ...h, ...namespaceOf(h) }));
    return {
        workloads,
        strays,
        hidden,
        ...(scan.incomplete ? { incomplete: scan.incomplete } : {}),
        get label() {
            return label();
        },
    };
}
