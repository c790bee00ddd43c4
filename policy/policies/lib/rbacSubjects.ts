// Binding subjects as principals: service accounts authenticate as the user
// system:serviceaccount:<ns>:<name>, in the groups system:serviceaccounts,
// system:serviceaccounts:<ns> and system:authenticated. Pure.
import { get, isOpaque, obj, str, type Obj } from "./values";

/** How the index names a principal. */
export const saKey = (namespace: string, name: string) => `sa:${namespace}:${name}`;

export const nsGroupKey = (namespace: string) => `ns:${namespace}`;

export const ALL_SA_KEY = "all-service-accounts";

export const CLUSTER_SCOPE = "\u0000cluster";

/** The principal keys a binding subject stands for (service accounts only; other users are irrelevant here). */
export function subjectPrincipals(subject: unknown, bindingNamespace: string | undefined): string[] {
    const kind = get(subject, "kind");
    const name = str(get(subject, "name"));
    if (name === undefined) return [];
    if (kind === "ServiceAccount") {
        const ns = get(subject, "namespace");
        if (isOpaque(ns)) return [];
        // A RoleBinding's service-account subject without namespace is in the binding's namespace.
        const namespace = str(ns) ?? bindingNamespace;
        return namespace === undefined ? [] : [saKey(namespace, name)];
    }
    if (kind === "User") {
        const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(name);
        return m ? [saKey(m[1], m[2])] : [];
    }
    if (kind === "Group") {
        if (name === "system:serviceaccounts" || name === "system:authenticated") return [ALL_SA_KEY];
        const m = /^system:serviceaccounts:([^:]+)$/.exec(name);
        return m ? [nsGroupKey(m[1])] : [];
    }
    return [];
}

/** Readable list of a binding's subjects, for messages. */
export function describeSubjects(subjects: unknown[]): string {
    const parts = subjects.map((s) => {
        const o: Obj = obj(s) ?? {};
        const kind = str(o.kind) ?? "?";
        const name = str(o.name) ?? "?";
        const ns = str(o.namespace);
        return ns ? `${kind} ${ns}/${name}` : `${kind} ${name}`;
    });
    return parts.length > 0 ? parts.join(", ") : "no subjects";
}
