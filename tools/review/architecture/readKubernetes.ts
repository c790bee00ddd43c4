// The Kubernetes side of the model: Helm releases, webhook opt-outs, credential specs with who may
// use them (the policy pack's RBAC reading), and workloads.
import type { Plan } from "../../planFile";
import {
    RbacIndex,
    credentialSpecNames,
    get,
    grantCovers,
    isGmsaChart,
    kubeKind,
    kubeMeta,
    list,
    path,
    selectsWindows,
    serviceAccountOf,
    str,
    workloadOf,
    type BindingRecord,
    type ResourceLike,
} from "../../../policy/api";
import type { CredentialSpecGrant, CredentialSpecModel, HelmReleaseModel, WorkloadModel } from "./model";
import { byString, num, parseJson, PlanIndex, sortedUnique, T } from "./planIndex";

export function helmReleases(index: PlanIndex): HelmReleaseModel[] {
    return index.resources
        .filter((r) => {
            const k = kubeKind(r.type);
            return k !== undefined && k.group === "helm.sh" && (k.kind === "Release" || k.kind === "Chart");
        })
        .map((r) => {
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

export function webhookOptOutNamespaces(index: PlanIndex): string[] {
    return sortedUnique(
        index.resources
            .filter((r) => {
                const k = kubeKind(r.type);
                return (
                    k !== undefined &&
                    k.group === "core" &&
                    (k.kind === "Namespace" || k.kind === "NamespacePatch") &&
                    path(r.inputs, "metadata", "labels", "windows.k8s.io/disabled") === "true"
                );
            })
            .map((r) => kubeMeta(r.inputs).name ?? r.name),
    );
}

export function resourceLikes(plan: Plan): ResourceLike[] {
    return plan.resources.map((r) => ({ type: r.type, props: r.inputs, urn: r.urn, dependencies: r.dependencies }));
}

export function credentialSpecModels(index: PlanIndex, rbac: RbacIndex): CredentialSpecModel[] {
    return index
        .ofType(T.credentialSpec)
        .map((r) => {
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
        })
        .sort((a, b) => byString(a.name, b.name));
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

export function workloadModels(index: PlanIndex, rbac: RbacIndex): WorkloadModel[] {
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
            images: sortedUnique(
                list(get(w.podSpec, "containers"))
                    .map((c) => str(get(c, "image")))
                    .filter((i): i is string => i !== undefined),
            ),
            replicas: num(path(r.inputs, "spec", "replicas")),
            windows: selectsWindows(w.podSpec) === true,
            sample: index.get(r.parent)?.type === T.sampleWorkload,
        });
    }
    return workloads;
}
