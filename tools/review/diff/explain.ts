// The diff of two plans: resources matched by URN (following aliases), each classified
// (./classify.ts); the explanation behind diff.json and the printed diff.
import type { Plan, PlanResource } from "../../planFile";
import { rulesFor } from "../replacementRules";
import { Classifier, describeUrn, isComponent, stackType, stringList } from "./classify";
import { formatPath } from "./propertyPaths";
import { isObject, secretPaths } from "./values";

/** What `diff.json` holds: URNs by operation, updates with their changed input paths; all sorted. */
export interface PlanDiff {
    create: string[];
    update: { urn: string; inputs: string[] }[];
    replace: string[];
    delete: string[];
}

/** Why each resource is in the diff, and what the diff could not see. */
export interface DiffExplanation {
    /** Per URN in the diff, one line per cause. */
    reasons: Record<string, string[]>;
    /** Protected resources the diff replaces or deletes: `pulumi up` would refuse. */
    protectedChanges: string[];
    /** Per URN in both plans, the input paths holding secrets (not comparable offline). */
    secretInputs: Record<string, string[]>;
    /** Types of changed resources the rules table does not know: shown as updates. */
    unknownTypes: string[];
    /** Notes about the whole diff. */
    notes: string[];
}

export interface ExplainedDiff {
    diff: PlanDiff;
    explanation: DiffExplanation;
}

function byUrn(plan: Plan): Map<string, PlanResource> {
    return new Map(plan.resources.filter((r) => r.type !== stackType).map((r) => [r.urn, r]));
}

const ascending = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Why two plans cannot be diffed (URNs name the project and stack), or undefined when they can. */
export function planMismatch(before: Plan, after: Plan): string | undefined {
    if (before.project !== after.project || before.stack !== after.stack) {
        return `the old plan is of ${before.project}/${before.stack}, the new one of ${after.project}/${after.stack}: URNs cannot match`;
    }
    return undefined;
}

/**
 * The old resources keyed by the URN they have now: a new resource whose `aliases` name an old URN
 * is that resource renamed or moved (the engine updates it in place, it does not delete and create).
 */

function followAliases(olds: Map<string, PlanResource>, news: Map<string, PlanResource>): { olds: Map<string, PlanResource>; renamed: Map<string, string> } {
    const renamed = new Map<string, string>();
    const keyed = new Map(olds);
    for (const [urn, r] of news) {
        if (olds.has(urn)) continue;
        const previous = stringList(r.options.aliases).find((alias) => olds.has(alias) && !news.has(alias) && !renamed.has(alias));
        if (!previous) continue;
        renamed.set(previous, urn);
        keyed.delete(previous);
        keyed.set(urn, olds.get(previous)!);
    }
    return { olds: keyed, renamed };
}

export function explainDiff(before: Plan, after: Plan): ExplainedDiff {
    const news = byUrn(after);
    const { olds, renamed } = followAliases(byUrn(before), news);
    const classifier = new Classifier(olds, news);
    const diff: PlanDiff = { create: [], update: [], replace: [], delete: [] };
    const explanation: DiffExplanation = { reasons: {}, protectedChanges: [], secretInputs: {}, unknownTypes: [], notes: [] };
    const unknownTypes = new Set<string>();

    for (const urn of [...news.keys()].sort(ascending)) {
        const change = classifier.changeOf(urn);
        const r = news.get(urn)!;
        const old = olds.get(urn);
        if (old) {
            const secrets = secretPaths(old.inputs, r.inputs).map(formatPath);
            if (secrets.length > 0) explanation.secretInputs[urn] = secrets;
        }
        if (change.kind === "create") diff.create.push(urn);
        if (change.kind === "update") diff.update.push({ urn, inputs: change.paths });
        if (change.kind === "replace") diff.replace.push(urn);
        if (change.kind === "update" || change.kind === "replace") {
            if (change.reasons.length > 0) explanation.reasons[urn] = change.reasons;
            if (!isComponent(r) && !rulesFor(r.type)) unknownTypes.add(r.type);
        }
        if (change.kind === "replace" && old?.protect) explanation.protectedChanges.push(urn);
    }
    for (const urn of [...olds.keys()].sort(ascending)) {
        if (news.has(urn)) continue;
        diff.delete.push(urn);
        if (olds.get(urn)!.protect) explanation.protectedChanges.push(urn);
    }
    for (const [from, to] of [...renamed].sort(([a], [b]) => ascending(a, b)))
        explanation.notes.push(`${describeUrn(to)} was ${from} (an alias): compared, not deleted and created`);
    explanation.protectedChanges.sort(ascending);
    explanation.unknownTypes = [...unknownTypes].sort(ascending);
    if (!after.resources.some((r) => isObject(r.options.propertyDependencies))) {
        explanation.notes.push("the new plan records no property dependencies: changes do not cascade to dependents");
    }
    return { diff, explanation };
}

export function diffPlans(before: Plan, after: Plan): PlanDiff {
    return explainDiff(before, after).diff;
}

/** The diff as `pulumi preview` lists it: one line per resource, causes indented under it. */
export function formatDiff(diff: PlanDiff, explanation?: DiffExplanation): string {
    const count = (n: number, what: string) => `${n} to ${what}`;
    const lines = [
        `diff: ${[count(diff.create.length, "create"), count(diff.update.length, "update"), count(diff.replace.length, "replace"), count(diff.delete.length, "delete")].join(", ")}`,
    ];
    const reasons = (urn: string) => (explanation?.reasons[urn] ?? []).map((r) => `        ${r}`);
    // What a reviewer must act on first: protected resources pulumi up would refuse, then what is
    // destroyed (replaced, deleted), then in-place updates, then what is new.
    for (const urn of explanation?.protectedChanges ?? [])
        lines.push(`warning: ${describeUrn(urn)} is protected: pulumi up refuses to ${diff.delete.includes(urn) ? "delete" : "replace"} it`);
    for (const urn of diff.replace) lines.push(`  +- ${describeUrn(urn)}`, ...reasons(urn));
    for (const urn of diff.delete) lines.push(`  -  ${describeUrn(urn)}`);
    for (const { urn, inputs } of diff.update) lines.push(`  ~  ${describeUrn(urn)}: ${inputs.join(", ")}`, ...reasons(urn));
    for (const urn of diff.create) lines.push(`  +  ${describeUrn(urn)}`);
    if (explanation) {
        for (const type of explanation.unknownTypes) lines.push(`warning: no replacement rules for ${type}: its changes are shown as updates`);
        const secretCount = Object.keys(explanation.secretInputs).length;
        if (secretCount > 0)
            lines.push(
                `note: secret inputs of ${secretCount} ${secretCount === 1 ? "resource" : "resources"} cannot be compared offline (a changed secret is not shown)`,
            );
        for (const note of explanation.notes) lines.push(`note: ${note}`);
    }
    return lines.join("\n");
}
