// What the stack policies need to know about a stack, gathered in linear passes over its resources
// (each part on first use) and shared by the policies (memoized per resource list). Pure.

import { RbacIndex, type ResourceLike } from "./rbac";
import { get, isKube, kubeKind, kubeLabel, kubeMeta, path, plainProps, str, urnName } from "./values";
import {
    credentialSpecNames,
    opaqueGmsaParts,
    serviceAccountOf,
    usesGmsa,
    workloadsOf,
    type OpaquePart,
    type ResourceWorkloads,
    type Workload,
} from "./workloads";

export interface WorkloadFacts extends Workload {
    urn: string;
    /** Distinct known credential spec names referenced (pod level and containers). */
    credentialSpecs: string[];
    serviceAccount: string;
    /** The service account name cannot be read (unknown or secret): authorization cannot be judged. */
    serviceAccountUnknown: boolean;
    /** ... because it is a secret. */
    serviceAccountSecret: boolean;
    /** gMSA names, or the objects holding them, that cannot be read (see opaqueGmsaParts). */
    opaqueParts: OpaquePart[];
    /** The pod sets no service account and runs as "default". */
    serviceAccountDefaulted: boolean;
    /** Names (possibly by a value not known yet) or inlines a credential spec. */
    usesGmsa: boolean;
}

/** A resource with gMSA settings the pack cannot attribute to a pod spec, or that it could not read in full. */
export interface UnjudgedResource {
    urn: string;
    label: string;
    /** gMSA fields outside any pod spec the pack can read, with their namespace. */
    strays: ResourceWorkloads["strays"];
    /** Pod templates or their parts given as one secret or unknown value. */
    hidden: ResourceWorkloads["hidden"];
    incomplete?: string;
}

/** The label that makes the gMSA webhook skip a namespace. */
export const WEBHOOK_OPT_OUT_LABEL = "windows.k8s.io/disabled";

export interface GmsaFacts {
    /** Every workload (Pod, Deployment, their patches, custom resources' pod specs, …) in the stack. */
    workloads: WorkloadFacts[];
    /** Resources whose gMSA use cannot be attributed (strays), or that were not read in full. */
    unjudged: UnjudgedResource[];
    /** Namespaces of the gMSA webhook's Helm releases/charts in the stack: the webhook skips its own namespace. */
    webhookNamespaces: Set<string>;
    /** Namespaces (or NamespacePatches) in the stack labelled windows.k8s.io/disabled=true. */
    optedOutNamespaces: Set<string>;
    /** metadata.name of every GMSACredentialSpec in the stack. */
    credentialSpecNames: Set<string>;
    /** Some GMSACredentialSpec's name is not known yet (so "missing" cannot be proven). */
    credentialSpecNameUnknown: boolean;
    /** URNs and labels of the GMSACredentialSpecs. */
    credentialSpecs: { urn: string; label: string }[];
    /** Labels of the Helm releases/charts of the windows-gmsa webhook chart. */
    webhookReleases: string[];
}

/** A Helm chart reference that is the windows-gmsa webhook chart: `gmsa`, or a path/URL ending in `/gmsa`. */
export function isGmsaChart(chart: unknown): boolean {
    return typeof chart === "string" && (chart === "gmsa" || chart.endsWith("/gmsa"));
}

/** A kubernetes:helm.sh Release (v3) or Chart (v4) of the gmsa chart. */
export function isGmsaWebhookRelease(type: unknown, props: unknown): boolean {
    const k = kubeKind(type);
    if (!k || k.group !== "helm.sh" || (k.kind !== "Release" && k.kind !== "Chart")) return false;
    return isGmsaChart(get(props, "chart"));
}

export class StackFacts {
    /** The resources with plain (unproxied) props. */
    readonly resources: ResourceLike[] = [];
    /** Resources this pack could not read (a bug if ever non-empty), with the error. */
    readonly unreadable: { urn: string; error: string }[] = [];
    private gmsaFacts?: GmsaFacts;
    private rbacIndex?: RbacIndex;

    constructor(resources: readonly ResourceLike[]) {
        for (const r of Array.isArray(resources) ? resources : []) {
            if (typeof r !== "object" || r === null) continue;
            this.resources.push({
                type: String(r.type),
                props: plainProps(r.props),
                urn: String(r.urn),
                dependencies: r.dependencies,
                propertyDependencies: r.propertyDependencies,
            });
        }
    }

    get gmsa(): GmsaFacts {
        this.gmsaFacts ??= this.buildGmsaFacts();
        return this.gmsaFacts;
    }

    get rbac(): RbacIndex {
        if (!this.rbacIndex) {
            try {
                this.rbacIndex = new RbacIndex(this.resources);
            } catch (e) {
                this.unreadable.push({ urn: "(RBAC)", error: e instanceof Error ? e.message : String(e) });
                this.rbacIndex = new RbacIndex([]);
            }
        }
        return this.rbacIndex;
    }

    private buildGmsaFacts(): GmsaFacts {
        const facts: GmsaFacts = {
            workloads: [],
            unjudged: [],
            webhookNamespaces: new Set(),
            optedOutNamespaces: new Set(),
            credentialSpecNames: new Set(),
            credentialSpecNameUnknown: false,
            credentialSpecs: [],
            webhookReleases: [],
        };
        for (const r of this.resources) {
            try {
                addResource(facts, r);
            } catch (e) {
                this.unreadable.push({ urn: r.urn, error: e instanceof Error ? e.message : String(e) });
            }
        }
        return facts;
    }
}

function addResource(facts: GmsaFacts, r: ResourceLike): void {
    const k = kubeKind(r.type);
    if (!k) return;
    const found = workloadsOf(r.type, r.props, r.urn);
    for (const w of found.workloads) {
        const sa = serviceAccountOf(w.podSpec);
        const names = credentialSpecNames(w.podSpec);
        const wf: WorkloadFacts = w as WorkloadFacts;
        wf.urn = r.urn;
        wf.credentialSpecs = names;
        wf.serviceAccount = sa.name;
        wf.serviceAccountUnknown = sa.unknown;
        wf.serviceAccountSecret = sa.secret === true;
        wf.opaqueParts = opaqueGmsaParts(w.podSpec);
        wf.serviceAccountDefaulted = sa.defaulted;
        wf.usesGmsa = names.length > 0 || usesGmsa(w.podSpec);
        facts.workloads.push(wf);
    }
    const strays = found.strays.filter((s) => s.field === "gmsaCredentialSpecName" || s.field === "gmsaCredentialSpec");
    if (strays.length > 0 || found.hidden.length > 0 || found.incomplete) {
        facts.unjudged.push({ urn: r.urn, label: found.label, strays, hidden: found.hidden, ...(found.incomplete ? { incomplete: found.incomplete } : {}) });
    }
    if (found.workloads.length > 0 || found.strays.length > 0 || found.hidden.length > 0) return;
    if (isKube(r.type, "windows.k8s.io", "GMSACredentialSpec")) {
        const m = kubeMeta(r.props);
        if (m.name !== undefined) facts.credentialSpecNames.add(m.name);
        else if (m.nameUnknown) facts.credentialSpecNameUnknown = true;
        facts.credentialSpecs.push({ urn: r.urn, label: kubeLabel("GMSACredentialSpec", r.props, r.urn, false) });
        return;
    }
    if (isGmsaWebhookRelease(r.type, r.props)) {
        const name = get(r.props, "name");
        facts.webhookReleases.push(`${k.kind} ${typeof name === "string" ? name : urnName(r.urn)}`);
        // Helm installs into the release's namespace ("default" when none is given).
        facts.webhookNamespaces.add(str(get(r.props, "namespace")) ?? "default");
        return;
    }
    if (
        k.group === "core" &&
        (k.kind === "Namespace" || k.kind === "NamespacePatch") &&
        path(r.props, "metadata", "labels", WEBHOOK_OPT_OUT_LABEL) === "true"
    ) {
        const name = kubeMeta(r.props).name;
        if (name !== undefined) facts.optedOutNamespaces.add(name);
    }
}

const cache = new WeakMap<object, StackFacts>();

/** The facts of a stack, computed once per resource list (policies given the same list share them). */
export function analyzeStack(resources: readonly ResourceLike[]): StackFacts {
    const key = (typeof resources === "object" && resources !== null ? resources : []) as object;
    let facts = cache.get(key);
    if (!facts) {
        facts = new StackFacts(resources);
        cache.set(key, facts);
    }
    return facts;
}
