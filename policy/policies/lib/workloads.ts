// Pod specs: which credential spec they name, where, as which service account, on which nodes.
// Which resources hold pod specs, and where, is in podKinds. Pure.

import { get, isOpaque, list, opaqueKind, path, str } from "./values";

export { podSpecOf, workloadKind, workloadOf, workloadsOf, type ResourceWorkloads, type Workload, type WorkloadKind } from "./podKinds";

/**
 * The service account a pod runs as: serviceAccountName, else the deprecated serviceAccount, else
 * "default". `unknown` when the name cannot be read (the pod's identity cannot be judged), with
 * `secret` when that is because it is a secret.
 */
export function serviceAccountOf(podSpec: unknown): { name: string; unknown: boolean; defaulted: boolean; secret?: true } {
    for (const key of ["serviceAccountName", "serviceAccount"]) {
        const v = get(podSpec, key);
        if (isOpaque(v)) return { name: String(v), unknown: true, defaulted: false, ...(opaqueKind(v) === "secret" ? { secret: true as const } : {}) };
        const s = str(v);
        if (s) return { name: s, unknown: false, defaulted: false };
    }
    return { name: "default", unknown: false, defaulted: true };
}

/** One place windowsOptions can be set: the pod, or one of its containers. */
export interface WindowsOptionsSite {
    /** `pod`, `container iis`, `initContainer setup`, `ephemeralContainer debugger`. */
    where: string;
    /** The securityContext.windowsOptions object there (possibly undefined or odd). */
    windowsOptions: unknown;
}

/** The pod spec's container lists, and how messages name one of their containers. */
export const CONTAINER_LISTS: readonly [string, string][] = [
    ["containers", "container"],
    ["initContainers", "initContainer"],
    ["ephemeralContainers", "ephemeralContainer"],
];

/** `container iis`, `initContainer #0` (by index when it has no name). */
export const containerLabel = (noun: string, container: unknown, index: number) => `${noun} ${str(get(container, "name")) ?? `#${index}`}`;

/** Pod-level windowsOptions, then every container's, init container's and ephemeral container's. */
export function windowsOptionsSites(podSpec: unknown): WindowsOptionsSite[] {
    const sites: WindowsOptionsSite[] = [];
    const pod = path(podSpec, "securityContext", "windowsOptions");
    if (pod !== undefined) sites.push({ where: "pod", windowsOptions: pod });
    for (const [key, noun] of CONTAINER_LISTS) {
        list(get(podSpec, key)).forEach((c, i) => {
            const wo = path(c, "securityContext", "windowsOptions");
            if (wo === undefined) return;
            sites.push({ where: containerLabel(noun, c, i), windowsOptions: wo });
        });
    }
    return sites;
}

/** A credential spec named by gmsaCredentialSpecName somewhere in a pod spec. */
export interface CredentialSpecReference {
    where: string;
    /** The name; undefined when the value is unknown or secret. */
    name?: string;
}

/** Every gmsaCredentialSpecName set in the pod spec (pod level and each container). */
export function credentialSpecReferences(podSpec: unknown): CredentialSpecReference[] {
    const refs: CredentialSpecReference[] = [];
    for (const site of windowsOptionsSites(podSpec)) {
        const v = get(site.windowsOptions, "gmsaCredentialSpecName");
        if (v === undefined || v === null || v === "") continue;
        refs.push({ where: site.where, name: typeof v === "string" && !isOpaque(v) ? v : undefined });
    }
    return refs;
}

/** The distinct known credential spec names a pod spec references, in order of appearance. */
export function credentialSpecNames(podSpec: unknown): string[] {
    const names: string[] = [];
    for (const r of credentialSpecReferences(podSpec)) {
        if (r.name !== undefined && !names.includes(r.name)) names.push(r.name);
    }
    return names;
}

/** A value this pack cannot read where it decides whether, or as whom, a pod uses a gMSA. */
export interface OpaquePart {
    /** `windowsOptions.gmsaCredentialSpecName (initContainer setup)`, `securityContext (pod)`, `initContainers`. */
    what: string;
    kind: "secret" | "unknown";
}

/**
 * The places in a pod spec where a gMSA name, or the object or list that would hold one, is a
 * secret or not known yet: the pod's securityContext and its windowsOptions, each container list,
 * container and container securityContext/windowsOptions, and gmsaCredentialSpecName itself.
 * (Contents, gmsaCredentialSpec, are refused whatever their value.)
 */
export function opaqueGmsaParts(podSpec: unknown): OpaquePart[] {
    const parts: OpaquePart[] = [];
    const add = (v: unknown, what: string) => {
        const kind = opaqueKind(v);
        if (kind) parts.push({ what, kind });
        return kind !== undefined;
    };
    const options = (holder: unknown, where: string) => {
        const sc = get(holder, "securityContext");
        if (add(sc, `securityContext (${where})`)) return;
        const wo = get(sc, "windowsOptions");
        if (add(wo, `securityContext.windowsOptions (${where})`)) return;
        add(get(wo, "gmsaCredentialSpecName"), `windowsOptions.gmsaCredentialSpecName (${where})`);
    };
    options(podSpec, "pod");
    for (const [key, noun] of CONTAINER_LISTS) {
        const l = get(podSpec, key);
        if (add(l, key)) continue;
        list(l).forEach((c, i) => {
            if (!add(c, `${key}[${i}]`)) options(c, containerLabel(noun, c, i));
        });
    }
    return parts;
}

/** Where inline credential spec contents (windowsOptions.gmsaCredentialSpec) are set. */
export function inlineCredentialSpecSites(podSpec: unknown): string[] {
    const where: string[] = [];
    for (const site of windowsOptionsSites(podSpec)) {
        const v = get(site.windowsOptions, "gmsaCredentialSpec");
        if (v === undefined || v === null || v === "") continue;
        where.push(site.where);
    }
    return where;
}

/** The gMSA fields of windowsOptions. */
export const GMSA_FIELDS = ["gmsaCredentialSpecName", "gmsaCredentialSpec"] as const;
export type GmsaField = (typeof GMSA_FIELDS)[number];

/** A gMSA field on an init or ephemeral container that is not the pod's own value. */
export interface ContainerCredspecMismatch {
    /** `initContainer setup`, `ephemeralContainer debugger`. */
    where: string;
    field: GmsaField;
    value: unknown;
    /** The pod-level value of the same field (undefined when the pod sets none). */
    podValue: unknown;
}

const isSet = (v: unknown) => v !== undefined && v !== null;

/**
 * gmsaCredentialSpecName or gmsaCredentialSpec set on an init or ephemeral container (present,
 * even empty) but not equal to the pod-level value of the same field, or with none at pod level.
 * The webhook (v0.13.0) checks only the pod level and spec.containers, so only the pod-level
 * values are vouched for. Values not known yet are left for deployment.
 */
export function containerCredspecMismatches(podSpec: unknown): ContainerCredspecMismatch[] {
    const podOptions = path(podSpec, "securityContext", "windowsOptions");
    const out: ContainerCredspecMismatch[] = [];
    for (const [key, noun] of CONTAINER_LISTS.slice(1)) {
        list(get(podSpec, key)).forEach((c, i) => {
            const options = path(c, "securityContext", "windowsOptions");
            for (const field of GMSA_FIELDS) {
                const value = get(options, field);
                if (!isSet(value)) continue;
                const podValue = get(podOptions, field);
                if (isOpaque(value) || isOpaque(podValue)) continue;
                if (isSet(podValue) && value === podValue) continue;
                out.push({ where: containerLabel(noun, c, i), field, value, podValue: isSet(podValue) ? podValue : undefined });
            }
        });
    }
    return out;
}

/**
 * Every place a gMSA field is present (even empty), as `windowsOptions.<field> (<where>)`: the
 * cluster's admission policy tests presence (CEL has()), and so does the pack where it mirrors it.
 */
export function gmsaFieldSites(podSpec: unknown): string[] {
    const sites: string[] = [];
    for (const site of windowsOptionsSites(podSpec)) {
        for (const field of GMSA_FIELDS) {
            if (isSet(get(site.windowsOptions, field))) sites.push(`windowsOptions.${field} (${site.where})`);
        }
    }
    return sites;
}

/** True when the pod spec names a credential spec or carries one inline. */
export function usesGmsa(podSpec: unknown): boolean {
    return credentialSpecReferences(podSpec).length > 0 || inlineCredentialSpecSites(podSpec).length > 0;
}

const OS_LABEL = "kubernetes.io/os";

/**
 * Whether the pod can only land on Windows nodes: nodeSelector kubernetes.io/os=windows, or a
 * required node affinity whose every term requires kubernetes.io/os In [windows], or spec.os.name
 * windows. undefined when that hinges on a value not known yet.
 */
export function selectsWindows(podSpec: unknown): boolean | undefined {
    let opaque = false;

    const selector = path(podSpec, "nodeSelector", OS_LABEL);
    if (selector === "windows") return true;
    if (isOpaque(selector)) opaque = true;

    const os = path(podSpec, "os", "name");
    if (os === "windows") return true;
    if (isOpaque(os)) opaque = true;

    const terms = path(podSpec, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms");
    if (isOpaque(terms)) opaque = true;
    const termList = Array.isArray(terms) ? terms : [];
    // Terms are ORed: each must pin Windows, or the pod may land elsewhere.
    if (termList.length > 0) {
        let all = true;
        for (const term of termList) {
            const verdict = termRequiresWindows(term);
            if (verdict === undefined) opaque = true;
            if (verdict !== true) all = false;
        }
        if (all) return true;
    }
    return opaque ? undefined : false;
}

function termRequiresWindows(term: unknown): boolean | undefined {
    let opaque = false;
    for (const e of list(get(term, "matchExpressions"))) {
        const key = get(e, "key");
        const operator = get(e, "operator");
        const values = get(e, "values");
        if (isOpaque(key) || isOpaque(operator) || isOpaque(values)) {
            opaque = true;
            continue;
        }
        if (key !== OS_LABEL || operator !== "In" || !Array.isArray(values) || values.length === 0) continue;
        if (values.every((v) => v === "windows")) return true;
        if (values.some((v) => isOpaque(v))) opaque = true;
    }
    return opaque ? undefined : false;
}
