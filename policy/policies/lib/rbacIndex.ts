// The stack's RBAC, indexed: roles (built-in, aggregated, declared) and bindings resolved to
// principals, so a question reads as the webhook's: may this service account in this namespace
// `use` credential spec X? Bindings whose parts are secret or unknown are kept as uncertain. Pure.
import { get, isOpaque, isSecret, kubeKind, kubeLabel, kubeMeta, list, path, str } from "./values";
import { grantCovers, grantIsEmpty, grantOfRules, labelsOf, RBAC_GROUP, selectorMatches, type Grant } from "./rbacRules";
import { ALL_SA_KEY, CLUSTER_SCOPE, nsGroupKey, saKey, subjectPrincipals } from "./rbacSubjects";

/** The part of a resource the index reads (a PolicyResource fits). */
export interface ResourceLike {
    type: string;
    props: unknown;
    urn: string;
    dependencies?: readonly unknown[];
    propertyDependencies?: Readonly<Record<string, readonly unknown[]>>;
}

export interface RoleRecord {
    kind: "Role" | "ClusterRole";
    /** Role: its namespace ("default" when absent). */
    namespace?: string;
    name?: string;
    urn?: string;
    readonly label: string;
    rules: unknown[];
    labels: Record<string, string>;
    /** ClusterRole aggregationRule.clusterRoleSelectors, when set. */
    aggregation?: unknown[];
    builtin?: boolean;
}

export interface BindingRecord {
    kind: "RoleBinding" | "ClusterRoleBinding";
    /** RoleBinding: its namespace ("default" when absent). */
    namespace?: string;
    urn: string;
    readonly label: string;
    roleRef: { kind?: string; name?: string };
    subjects: unknown[];
    role?: RoleRecord;
    grant: Grant;
}

const aggregate = (label: string) => ({ matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${label}`]: "true" } });

/**
 * ClusterRoles every cluster has. cluster-admin allows everything; admin, edit and view are
 * aggregated from ClusterRoles carrying the aggregate-to-* labels (edit flows into admin, view into
 * edit), so a labelled role in the stack extends them. Used when the stack does not define them.
 */

function builtinClusterRoles(): RoleRecord[] {
    const base = { kind: "ClusterRole" as const, labels: {}, builtin: true };
    return [
        { ...base, name: "cluster-admin", label: "ClusterRole cluster-admin (built in)", rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }] },
        { ...base, name: "admin", label: "ClusterRole admin (built in)", rules: [], aggregation: [aggregate("admin"), aggregate("edit"), aggregate("view")] },
        { ...base, name: "edit", label: "ClusterRole edit (built in)", rules: [], aggregation: [aggregate("edit"), aggregate("view")] },
        { ...base, name: "view", label: "ClusterRole view (built in)", rules: [], aggregation: [aggregate("view")] },
    ];
}

function dependencyUrns(r: ResourceLike, property: string): string[] {
    const toUrn = (d: unknown) => (typeof d === "string" ? d : str(get(d, "urn")));
    const fromProperty = list(get(r.propertyDependencies, property))
        .map(toUrn)
        .filter((u): u is string => u !== undefined);
    if (fromProperty.length > 0) return fromProperty;
    return list(r.dependencies)
        .map(toUrn)
        .filter((u): u is string => u !== undefined);
}

export interface UncertainBinding {
    /** `RoleBinding web/b`, for messages. */
    readonly label: string;
    /** Which parts cannot be read: `metadata.namespace`, `subjects`, `roleRef.name`, `the rules of ClusterRole x`. */
    parts: string[];
    /** Some of them are secrets (the offline plan's placeholder), not values computed at deployment. */
    secret: boolean;
    cluster: boolean;
    /** RoleBinding namespace; undefined when not known yet (or for a ClusterRoleBinding). */
    scope?: string;
    principals: Set<string>;
    /** Some subject is not known yet: it may be anyone. */
    anySubject: boolean;
    /** What its role grants; undefined when the role or its rules are not known yet. */
    grant?: Grant;
}

/** Rules (or parts of them) not known yet, or secret (`test` picks which). */
function rulesOpaque(rules: unknown[], test: (v: unknown) => boolean = isOpaque): boolean {
    return rules.some(
        (rule) =>
            test(rule) ||
            ["apiGroups", "resources", "verbs", "resourceNames"].some((k) => {
                const v = get(rule, k);
                return test(v) || (Array.isArray(v) && v.some(test));
            }),
    );
}

/** A binding's subjects list, or one of its subjects' kind, name or namespace, passes `test`. */
function subjectsMatch(raw: unknown, subjects: unknown[], test: (v: unknown) => boolean): boolean {
    return test(raw) || subjects.some((sub) => test(sub) || test(get(sub, "kind")) || test(get(sub, "name")) || test(get(sub, "namespace")));
}

export class RbacIndex {
    readonly roles: RoleRecord[] = [];
    readonly bindings: BindingRecord[] = [];
    private readonly namespacedRoles = new Map<string, RoleRecord>();
    private readonly clusterRoles = new Map<string, RoleRecord>();
    private readonly rolesByUrn = new Map<string, RoleRecord>();
    private readonly grantCache = new Map<RoleRecord, Grant>();
    /** scope (namespace, or CLUSTER_SCOPE) + principal → grants. */
    private readonly grants = new Map<string, Grant[]>();
    /** Service account principal → RoleBindings in other namespaces that bind it (for hints). */
    private readonly elsewhere = new Map<string, BindingRecord[]>();
    /** Bindings with a namespace, subjects or role not known yet. */
    private readonly uncertain: UncertainBinding[] = [];

    constructor(resources: Iterable<ResourceLike>) {
        const bindingResources: [ResourceLike, "RoleBinding" | "ClusterRoleBinding"][] = [];
        for (const r of resources) {
            const k = kubeKind(r.type);
            if (!k || k.group !== RBAC_GROUP) continue;
            if (k.kind === "Role" || k.kind === "ClusterRole") this.addRole(r, k.kind);
            else if (k.kind === "RoleBinding" || k.kind === "ClusterRoleBinding") bindingResources.push([r, k.kind]);
        }
        for (const builtin of builtinClusterRoles()) {
            if (!this.clusterRoles.has(builtin.name!)) this.clusterRoles.set(builtin.name!, builtin);
        }
        for (const [r, kind] of bindingResources) this.addBinding(r, kind);
    }

    private addRole(r: ResourceLike, kind: "Role" | "ClusterRole"): void {
        const m = kubeMeta(r.props);
        const namespace = kind === "Role" ? (m.namespace ?? "default") : undefined;
        const aggregation = kind === "ClusterRole" ? path(r.props, "aggregationRule", "clusterRoleSelectors") : undefined;
        const props = r.props;
        const urn = r.urn;
        const record: RoleRecord = {
            kind,
            namespace,
            name: m.name,
            urn,
            get label() {
                return kubeLabel(kind, props, urn, kind === "Role");
            },
            rules: list(get(r.props, "rules")),
            labels: labelsOf(r.props),
            aggregation: Array.isArray(aggregation) ? aggregation : undefined,
        };
        this.roles.push(record);
        this.rolesByUrn.set(r.urn, record);
        // Not findable by name: the name (or a Role's namespace) is not known yet.
        if (m.name === undefined || (kind === "Role" && m.namespaceUnknown)) return;
        const map = kind === "Role" ? this.namespacedRoles : this.clusterRoles;
        const key = kind === "Role" ? `${namespace}/${m.name}` : m.name;
        const existing = map.get(key);
        // Two resources claiming one object: count both rule sets (the stricter reading for the checks).
        if (existing) existing.rules = [...existing.rules, ...record.rules];
        else map.set(key, record);
    }

    /** The Role (in `namespace`) or ClusterRole a roleRef names, if the stack (or every cluster) has it. */
    lookupRole(kind: unknown, name: string, namespace: string | undefined): RoleRecord | undefined {
        if (kind === "ClusterRole") return this.clusterRoles.get(name);
        if (kind === "Role" && namespace !== undefined) return this.namespacedRoles.get(`${namespace}/${name}`);
        return undefined;
    }

    /** What a role lets its subjects use (aggregated ClusterRoles: the rules of the roles they select). */
    grantOf(role: RoleRecord): Grant {
        const cached = this.grantCache.get(role);
        if (cached) return cached;
        let rules = role.rules;
        if (role.aggregation) {
            rules = [...rules];
            for (const other of this.roles) {
                if (other.kind !== "ClusterRole" || other === role) continue;
                if (role.aggregation.some((s) => selectorMatches(s, other.labels))) rules.push(...other.rules);
            }
        }
        const grant = grantOfRules(rules);
        this.grantCache.set(role, grant);
        return grant;
    }

    private resolveRole(r: ResourceLike, kind: unknown, name: string | undefined, nameOpaque: boolean, namespace: string | undefined): RoleRecord | undefined {
        if (name !== undefined) return this.lookupRole(kind, name, namespace);
        if (!nameOpaque) return undefined;
        // roleRef.name computed from a role in the stack (role.metadata.name): follow the dependency
        // when exactly one role of that kind (and namespace) is among them.
        const candidates = dependencyUrns(r, "roleRef")
            .map((u) => this.rolesByUrn.get(u))
            .filter((c): c is RoleRecord => c !== undefined && c.kind === kind && (kind !== "Role" || c.namespace === namespace));
        const unique = [...new Set(candidates)];
        return unique.length === 1 ? unique[0] : undefined;
    }

    private addBinding(r: ResourceLike, kind: "RoleBinding" | "ClusterRoleBinding"): void {
        const m = kubeMeta(r.props);
        const scopeUnknown = kind === "RoleBinding" && m.namespaceUnknown;
        const namespace = kind === "RoleBinding" && !scopeUnknown ? (m.namespace ?? "default") : undefined;
        const roleRefKind = path(r.props, "roleRef", "kind");
        const roleRefName = path(r.props, "roleRef", "name");
        // A ClusterRoleBinding can only reference a ClusterRole.
        const role =
            kind === "ClusterRoleBinding" && roleRefKind !== "ClusterRole"
                ? undefined
                : this.resolveRole(r, roleRefKind, str(roleRefName), isOpaque(roleRefName), namespace);
        const grant = role ? this.grantOf(role) : { all: false, names: new Set<string>() };
        const props = r.props;
        const urn = r.urn;
        const record: BindingRecord = {
            kind,
            namespace,
            urn,
            get label() {
                return kubeLabel(kind, props, urn, kind === "RoleBinding");
            },
            roleRef: { kind: str(roleRefKind), name: str(roleRefName) },
            subjects: list(get(r.props, "subjects")),
            role,
            grant,
        };
        this.bindings.push(record);

        // Parts not known yet (preview of computed names) or secret: remember what the binding might grant.
        const rawSubjects = get(r.props, "subjects");
        const subjectsUnknown =
            subjectsMatch(rawSubjects, record.subjects, isOpaque) ||
            record.subjects.some((sub) => scopeUnknown && get(sub, "kind") === "ServiceAccount" && get(sub, "namespace") === undefined);
        const roleUnknown = (role === undefined && isOpaque(roleRefName)) || (role !== undefined && rulesOpaque(role.rules));
        if (scopeUnknown || subjectsUnknown || roleUnknown) {
            const parts = [
                ...(scopeUnknown ? ["metadata.namespace"] : []),
                ...(subjectsUnknown ? ["subjects"] : []),
                ...(role === undefined && isOpaque(roleRefName) ? ["roleRef.name"] : []),
                ...(role !== undefined && rulesOpaque(role.rules) ? [`the rules of ${role.label}`] : []),
            ];
            const secret =
                (scopeUnknown && m.namespaceSecret) ||
                subjectsMatch(rawSubjects, record.subjects, isSecret) ||
                (role === undefined && isSecret(roleRefName)) ||
                (role !== undefined && rulesOpaque(role.rules, isSecret));
            this.uncertain.push({
                get label() {
                    return record.label;
                },
                parts,
                secret,
                cluster: kind === "ClusterRoleBinding",
                scope: namespace,
                principals: new Set(record.subjects.flatMap((sub) => subjectPrincipals(sub, namespace))),
                anySubject: subjectsUnknown,
                grant: roleUnknown ? undefined : grant,
            });
        }
        if (scopeUnknown || grantIsEmpty(grant)) return;
        const scope = namespace ?? CLUSTER_SCOPE;
        for (const subject of record.subjects) {
            for (const principal of subjectPrincipals(subject, namespace)) {
                const key = `${scope}\u0000${principal}`;
                const existing = this.grants.get(key);
                if (existing) existing.push(grant);
                else this.grants.set(key, [grant]);
                if (namespace !== undefined && principal.startsWith("sa:") && !principal.startsWith(`sa:${namespace}:`)) {
                    const other = this.elsewhere.get(principal);
                    if (other) other.push(record);
                    else this.elsewhere.set(principal, [record]);
                }
            }
        }
    }

    /** May service account `namespace`/`serviceAccount` use credential spec `credentialSpec` in its own namespace? */
    authorizes(namespace: string, serviceAccount: string, credentialSpec: string): boolean {
        const principals = [saKey(namespace, serviceAccount), nsGroupKey(namespace), ALL_SA_KEY];
        for (const scope of [namespace, CLUSTER_SCOPE]) {
            for (const principal of principals) {
                const grants = this.grants.get(`${scope}\u0000${principal}`);
                if (grants && grants.some((g) => grantCovers(g, credentialSpec))) return true;
            }
        }
        return false;
    }

    /**
     * Could a binding with parts not known yet (namespace, subjects or role) grant it? Policies do
     * not report what only a value computed at deployment decides.
     */
    mightAuthorize(namespace: string, serviceAccount: string, credentialSpec: string): boolean {
        return this.uncertainGrantors(namespace, serviceAccount, credentialSpec).length > 0;
    }

    /** The bindings with parts not known yet, or secret, that could grant it. */
    uncertainGrantors(namespace: string, serviceAccount: string, credentialSpec: string): UncertainBinding[] {
        const principals = [saKey(namespace, serviceAccount), nsGroupKey(namespace), ALL_SA_KEY];
        return this.uncertain.filter(
            (u) =>
                (u.cluster || u.scope === undefined || u.scope === namespace) &&
                (u.grant === undefined || grantCovers(u.grant, credentialSpec)) &&
                (u.anySubject || principals.some((p) => u.principals.has(p))),
        );
    }

    /** RoleBindings in other namespaces that name this service account and grant the credential spec (they do not count). */
    bindingsElsewhere(namespace: string, serviceAccount: string, credentialSpec: string): BindingRecord[] {
        return (this.elsewhere.get(saKey(namespace, serviceAccount)) ?? []).filter((b) => grantCovers(b.grant, credentialSpec));
    }

    /** ClusterRoleBindings whose ClusterRole grants `use` on some credential spec. */
    clusterWideGrants(): BindingRecord[] {
        return this.bindings.filter((b) => b.kind === "ClusterRoleBinding" && !grantIsEmpty(b.grant));
    }
}
