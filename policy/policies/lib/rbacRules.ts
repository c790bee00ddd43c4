// RBAC rules as the windows-gmsa webhook reads them: does a rule reach GMSACredentialSpecs, does it
// grant `use` of one, what a role's rules grant, what is too broad; ClusterRole aggregation's label
// selectors. Pure.
import { get, list, obj, path, str, strings } from "./values";

export const GMSA_API_GROUP = "windows.k8s.io";

export const GMSA_RESOURCE = "gmsacredentialspecs";

export const RBAC_GROUP = "rbac.authorization.k8s.io";

/** A policy rule read defensively: the known strings of each list. */
export interface RuleView {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
    resourceNames: string[];
}

export function ruleView(rule: unknown): RuleView {
    return {
        apiGroups: strings(get(rule, "apiGroups")),
        resources: strings(get(rule, "resources")),
        verbs: strings(get(rule, "verbs")),
        resourceNames: strings(get(rule, "resourceNames")),
    };
}

/** The rule's apiGroups and resources cover gmsacredentialspecs (exactly or by `*`). */
export function ruleReachesCredentialSpecs(rule: unknown): boolean {
    return viewReaches(ruleView(rule));
}

/**
 * The rule grants `use` on gmsacredentialspecs: on the credential spec `name` if given, else on
 * at least one. Absent or empty resourceNames means every name.
 */

export function ruleGrantsUse(rule: unknown, name?: string): boolean {
    return viewGrantsUse(ruleView(rule), name);
}

function viewReaches(r: RuleView): boolean {
    return (r.apiGroups.includes(GMSA_API_GROUP) || r.apiGroups.includes("*")) && (r.resources.includes(GMSA_RESOURCE) || r.resources.includes("*"));
}

function viewGrantsUse(r: RuleView, name?: string): boolean {
    if (!viewReaches(r)) return false;
    if (!r.verbs.includes("use") && !r.verbs.includes("*")) return false;
    if (r.resourceNames.length === 0 || name === undefined) return true;
    return r.resourceNames.includes(name);
}

/** What a set of rules lets a subject `use`: every credential spec, or these names. */
export interface Grant {
    all: boolean;
    names: Set<string>;
}

export function grantOfRules(rules: unknown): Grant {
    const grant: Grant = { all: false, names: new Set() };
    for (const rule of list(rules)) {
        const view = ruleView(rule);
        if (!viewGrantsUse(view)) continue;
        const names = view.resourceNames;
        if (names.length === 0) grant.all = true;
        for (const n of names) grant.names.add(n);
    }
    return grant;
}

export function grantIsEmpty(g: Grant): boolean {
    return !g.all && g.names.size === 0;
}

export function grantCovers(g: Grant, name: string): boolean {
    return g.all || g.names.has(name);
}

export function describeGrant(g: Grant): string {
    return g.all ? "every credential spec" : `credential spec${g.names.size === 1 ? "" : "s"} ${[...g.names].sort().join(", ")}`;
}

/** A rule that gmsa-rbac-scoped objects to. */
export interface RuleProblem {
    /** 0-based index in rules. */
    index: number;
    kind: "wildcard" | "unscoped";
    message: string;
}

/**
 * Rules that reach gmsacredentialspecs too broadly: a `*` in apiGroups, resources or verbs of a
 * rule that covers gmsacredentialspecs, or `use` without resourceNames.
 */

export function scopeProblems(rules: unknown): RuleProblem[] {
    const problems: RuleProblem[] = [];
    list(rules).forEach((rule, index) => {
        const r = ruleView(rule);
        if (!viewReaches(r)) return;
        const wild = (["apiGroups", "resources", "verbs"] as const).filter((k) => r[k].includes("*"));
        if (wild.length > 0) {
            problems.push({
                index,
                kind: "wildcard",
                message: `rule ${index + 1} has "*" in ${wild.join(" and ")}, which reaches ${GMSA_RESOURCE} (${GMSA_API_GROUP})${r.resourceNames.length === 0 ? " for every credential spec" : ""}`,
            });
        } else if (r.verbs.includes("use") && r.resourceNames.length === 0) {
            problems.push({
                index,
                kind: "unscoped",
                message: `rule ${index + 1} grants "use" on ${GMSA_RESOURCE} without resourceNames, i.e. on every credential spec`,
            });
        }
    });
    return problems;
}

export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
    const s = obj(selector);
    if (!s) return false;
    const matchLabels = obj(get(s, "matchLabels")) ?? {};
    for (const [k, v] of Object.entries(matchLabels)) {
        if (labels[k] !== v) return false;
    }
    for (const e of list(get(s, "matchExpressions"))) {
        const key = str(get(e, "key"));
        const operator = get(e, "operator");
        const values = strings(get(e, "values"));
        if (key === undefined) return false;
        const has = Object.prototype.hasOwnProperty.call(labels, key);
        switch (operator) {
            case "In":
                if (!has || !values.includes(labels[key])) return false;
                break;
            case "NotIn":
                if (has && values.includes(labels[key])) return false;
                break;
            case "Exists":
                if (!has) return false;
                break;
            case "DoesNotExist":
                if (has) return false;
                break;
            default:
                return false;
        }
    }
    return true;
}

export function labelsOf(props: unknown): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj(path(props, "metadata", "labels")) ?? {})) {
        if (typeof v === "string") out[k] = v;
    }
    return out;
}
