// RBAC that lets exactly the configured service accounts use one credential spec. Pure.
// The webhook asks, on pod creation, whether system:serviceaccount:<ns>:<sa> may `use` the
// gmsacredentialspecs resource of that name in the pod's namespace; a RoleBinding in that
// namespace to this ClusterRole answers yes, for those service accounts only.
import type { GmsaAccountSettings } from "../settings/types";

export interface PolicyRule {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
    resourceNames: string[];
}

export function credentialSpecRoleName(credentialSpec: string): string {
    return `gmsa-use-${credentialSpec}`;
}

/** The one rule of a credential spec's ClusterRole: `use` on that name, nothing else. */
export function useCredentialSpecRule(credentialSpec: string): PolicyRule {
    return { apiGroups: ["windows.k8s.io"], resources: ["gmsacredentialspecs"], verbs: ["use"], resourceNames: [credentialSpec] };
}

export interface RoleBindingSpec {
    namespace: string;
    name: string;
    roleName: string;
    subjects: { kind: "ServiceAccount"; name: string; namespace: string }[];
}

/** One RoleBinding per allowed namespace, binding that namespace's allowed service accounts. */
export function roleBindingsFor(account: GmsaAccountSettings): RoleBindingSpec[] {
    const roleName = credentialSpecRoleName(account.name);
    return account.allowed.map((p) => ({
        namespace: p.namespace,
        name: roleName,
        roleName,
        subjects: p.serviceAccounts.map((sa) => ({ kind: "ServiceAccount" as const, name: sa, namespace: p.namespace })),
    }));
}

/** Namespaces and service accounts the stack must create (deduplicated; `create: true` entries). */
export function principalsToCreate(accounts: readonly GmsaAccountSettings[]): { namespaces: string[]; serviceAccounts: { namespace: string; name: string }[] } {
    const namespaces = new Set<string>();
    const serviceAccounts = new Map<string, { namespace: string; name: string }>();
    for (const a of accounts) {
        for (const p of a.allowed) {
            if (!p.create) continue;
            namespaces.add(p.namespace);
            for (const name of p.serviceAccounts) serviceAccounts.set(`${p.namespace}/${name}`, { namespace: p.namespace, name });
        }
    }
    return {
        namespaces: [...namespaces].sort(),
        serviceAccounts: [...serviceAccounts.values()].sort((x, y) => `${x.namespace}/${x.name}`.localeCompare(`${y.namespace}/${y.name}`)),
    };
}
