// One resource in both plans: update or replace, and why (the type's replacement rules, its
// replaceOnChanges, or a cascade: an input fed from a replaced resource, a replaced provider).
import type { PlanResource } from "../../planFile";
import { rulesFor, type TypeRules, type UnknownOnUpdate } from "../replacementRules";
import { formatPath, parsePath, pathContains, pathsOverlap, type PathSegment } from "./propertyPaths";
import { changedPaths, deepEqual, isObject, referencedUrns, resetIgnored, valueAt, type Json } from "./values";

export const stackType = "pulumi:pulumi:Stack";

/** "aws:ec2/vpc:Vpc vpc" from a URN: the type (last of the parent chain) and the name. */
export function describeUrn(urn: string): string {
    const parts = urn.split("::");
    const type = (parts[2] ?? "").split("$").pop();
    return `${type} ${parts.slice(3).join("::")}`;
}

export function stringList(value: unknown): string[] {
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** Provider resources a resource uses (from `urn::id` references). */
function providerUrns(r: PlanResource): string[] {
    const refs = [r.options.provider, ...(isObject(r.options.providers) ? Object.values(r.options.providers) : [])];
    const urns = refs.filter((ref): ref is string => typeof ref === "string").map((ref) => ref.slice(0, ref.lastIndexOf("::")));
    return [...new Set(urns)].sort();
}

/** Input key -> URNs its value came from: property dependencies and resource references. */
function inputSources(r: PlanResource): Map<string, string[]> {
    const sources = new Map<string, string[]>();
    const recorded = isObject(r.options.propertyDependencies) ? r.options.propertyDependencies : {};
    for (const key of new Set([...Object.keys(recorded), ...Object.keys(r.inputs)])) {
        const urns = [...new Set([...stringList(recorded[key]), ...referencedUrns(r.inputs[key])])].filter((u) => u !== r.urn);
        if (urns.length > 0) sources.set(key, urns.sort());
    }
    return sources;
}

export function isComponent(r: PlanResource): boolean {
    return r.options.custom === false && r.options.remote !== true;
}

/** Whether an update with these changed paths recomputes the outputs the rule names. */
function updateRecomputes(rule: UnknownOnUpdate, changed: readonly string[]): boolean {
    const paths = changed.map(parsePath);
    if (rule.whenChanged && !paths.some((p) => rule.whenChanged!.some((w) => pathsOverlap(parsePath(w), p)))) return false;
    if (rule.unlessOnly && paths.every((p) => rule.unlessOnly!.some((u) => pathContains(parsePath(u), p)))) return false;
    return paths.length > 0;
}

type Change = { kind: "create" } | { kind: "same" } | { kind: "update" | "replace"; paths: string[]; reasons: string[] };

/** Why a resource's outputs are unknown in the preview; `whole`: all of them, not a few. */
interface UnknownOutputs {
    why: string;
    whole: boolean;
}

/** An input key whose value is unknown in the preview because a resource it comes from changes. */
interface Cascade {
    key: string;
    from: string;
    unknown: UnknownOutputs;
}

/** Classifies every resource of the new plan, dependencies first (memoized; the graph is acyclic). */
export class Classifier {
    private readonly changes = new Map<string, Change>();
    private readonly inProgress = new Set<string>();

    constructor(
        private readonly before: Map<string, PlanResource>,
        private readonly after: Map<string, PlanResource>,
    ) {}

    changeOf(urn: string): Change {
        const known = this.changes.get(urn);
        if (known) return known;
        if (this.inProgress.has(urn)) return { kind: "same" };
        this.inProgress.add(urn);
        const change = this.classify(urn);
        this.inProgress.delete(urn);
        this.changes.set(urn, change);
        return change;
    }

    private classify(urn: string): Change {
        const after = this.after.get(urn)!;
        const before = this.before.get(urn);
        if (!before) return { kind: "create" };
        // Components have no provider: the engine shows them as updated when their inputs differ
        // (this SDK registers local components with no inputs), never replaced.
        if (isComponent(after)) {
            const paths = changedPaths(before.inputs, after.inputs).map(formatPath);
            return paths.length > 0 ? { kind: "update", paths: [...new Set(paths)].sort(), reasons: [] } : { kind: "same" };
        }
        return this.classifyCustom(before, after);
    }

    private classifyCustom(before: PlanResource, after: PlanResource): Change {
        const rules = rulesFor(after.type);
        const ignore = stringList(after.options.ignoreChanges).map(parsePath);
        const direct = changedPaths(before.inputs, resetIgnored(before.inputs, after.inputs, ignore));
        const cascades = this.cascades(after).filter((c) => !ignore.some((i) => pathContains(i, [c.key])));
        const cascadeKeys = new Set(cascades.map((c) => c.key));
        // An unknown key stands for everything under it.
        const directKept = direct.filter((p) => !cascadeKeys.has(String(p[0])));
        const providerReasons = this.providerReasons(before, after);
        if (directKept.length === 0 && cascades.length === 0 && providerReasons.length === 0) return { kind: "same" };

        const replacing = replaceCauses(rules, before, after, directKept, cascades);
        const replaceReasons = [...providerReasons, ...replacing.map((c) => c.reason)];
        const paths = [...new Set([...directKept.map(formatPath), ...cascades.map((c) => formatPath([c.key]))])].sort();
        // Unknown inputs that did not already explain a replacement.
        const cascadeReasons = cascades
            .filter((c) => !replacing.some((r) => r.cascadeKey === c.key))
            .map((c) => `${formatPath([c.key])} is unknown until ${describeUrn(c.from)} ${c.unknown.why}`);
        return { kind: replaceReasons.length > 0 ? "replace" : "update", paths, reasons: [...replaceReasons, ...cascadeReasons] };
    }

    /** Input keys fed by a resource whose outputs are unknown in the preview. */
    private cascades(after: PlanResource): Cascade[] {
        const cascades: Cascade[] = [];
        for (const [key, urns] of inputSources(after)) {
            const found = urns.flatMap((from) => {
                const unknown = this.unknownOutputs(from);
                return unknown ? [{ key, from, unknown }] : [];
            });
            // A source with all outputs unknown says more than one with a few.
            const strongest = found.find((c) => c.unknown.whole) ?? found[0];
            if (strongest) cascades.push(strongest);
        }
        return cascades;
    }

    private unknownOutputs(urn: string): UnknownOutputs | undefined {
        const r = this.after.get(urn);
        if (!r || r.type === stackType) return undefined;
        const change = this.changeOf(urn);
        if (change.kind === "create") return { why: "is created", whole: true };
        if (change.kind === "replace") return { why: "is replaced", whole: true };
        const rule = rulesFor(r.type)?.unknownOnUpdate;
        if (change.kind === "update" && rule && updateRecomputes(rule, change.paths)) {
            return { why: `is updated (its ${rule.outputs.join(", ")} are recomputed)`, whole: false };
        }
        return undefined;
    }

    /** A replaced provider replaces what it manages; so does moving to another provider. */
    private providerReasons(before: PlanResource, after: PlanResource): string[] {
        const reasons = providerUrns(after)
            .filter((p) => this.after.has(p) && this.changeOf(p).kind === "replace")
            .map((p) => `its provider ${describeUrn(p)} is replaced`);
        const old = providerUrns(before).join(", ");
        const now = providerUrns(after).join(", ");
        if (old !== now) reasons.push(`its provider changes from ${old || "the default provider"} to ${now || "the default provider"}`);
        return reasons;
    }
}

/** A cause of replacement: a changed path, or an input key unknown because of `cascadeKey`. */
interface ReplaceCause {
    reason: string;
    cascadeKey?: string;
}

/** The causes of a replacement among the changed paths (none: an update). */
function replaceCauses(rules: TypeRules | undefined, before: PlanResource, after: PlanResource, direct: PathSegment[][], cascades: Cascade[]): ReplaceCause[] {
    // pulumi-kubernetes DiffConfig: a set, unchanged clusterIdentifier keeps the provider.
    if (rules?.identityKey && rules.identityKey in after.inputs && deepEqual(before.inputs[rules.identityKey], after.inputs[rules.identityKey])) return [];
    const replaceOnChanges = stringList(after.options.replaceOnChanges).map(parsePath);
    const causes: ReplaceCause[] = [];
    for (const path of direct) {
        const rule = rules?.replaceOn.find(
            (r) =>
                pathsOverlap(parsePath(r.path), path) &&
                (r.onlyWhen !== "removed" || isRemoved(before.inputs, after.inputs, r.path)) &&
                (r.onlyWhen !== "set" || valueAt(after.inputs, parsePath(r.path)).found),
        );
        const option = replaceOnChanges.find((r) => pathContains(r, path));
        if (rule)
            causes.push({
                reason: `${formatPath(path)} ${rule.onlyWhen === "removed" ? "is removed" : "changes"}: ${after.type} cannot change ${rule.path} in place`,
            });
        else if (option) causes.push({ reason: `${formatPath(path)} changes: replaceOnChanges ${formatPath(option)}` });
    }
    for (const c of cascades) {
        const key = [c.key];
        const unknown = `${formatPath(key)} is unknown until ${describeUrn(c.from)} ${c.unknown.why}`;
        // All outputs unknown: any immutable field under the key may change; a few: only the key.
        const rule = rules?.replaceOn.find(
            (r) => r.onlyWhen !== "removed" && (c.unknown.whole ? pathsOverlap(parsePath(r.path), key) : pathContains(parsePath(r.path), key)),
        );
        const option = replaceOnChanges.find((r) => pathContains(r, key));
        if (rules?.replaceWhenUnknown?.includes(c.key)) causes.push({ reason: `${unknown}: the provider may point at another cluster`, cascadeKey: c.key });
        else if (rule) causes.push({ reason: `${unknown}: ${after.type} cannot change ${rule.path} in place`, cascadeKey: c.key });
        else if (option) causes.push({ reason: `${unknown}: replaceOnChanges ${formatPath(option)}`, cascadeKey: c.key });
    }
    return causes;
}

function isRemoved(before: Json, after: Json, path: string): boolean {
    const segments = parsePath(path);
    return valueAt(before, segments).found && !valueAt(after, segments).found;
}
