// The day-2 diff (docs/day2-diff.md): what `pulumi preview` would do to go from one plan (what is
// deployed) to another (what the program declares now), offline. URNs only in the new plan are
// created, only in the old one deleted; resources in both are compared input by input, and a
// change is an update unless the type's rules (./replacementRules.ts) or the resource's
// replaceOnChanges make it a replace. A replaced or created resource, or an update that recomputes
// outputs, leaves its outputs unknown in a preview: inputs fed from it (property dependencies)
// change too, and a replaced provider replaces the resources it manages.
import type { Plan, PlanResource } from "../planFile";
import { rulesFor, type TypeRules, type UnknownOnUpdate } from "./replacementRules";

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

const stackType = "pulumi:pulumi:Stack";
const secretMarker = "[secret]";
const unknownMarker = "[unknown]";

// ---------------------------------------------------------------------------------------------
// Property paths, in Pulumi's notation: `spec.template.spec.containers[0].image`,
// `tags["eks-gmsa:stack"]` (keys other than letters, digits and `_` are quoted), `*` a wildcard.

export type PathSegment = string | number;

export function parsePath(text: string): PathSegment[] {
    const segments: PathSegment[] = [];
    let i = 0;
    while (i < text.length) {
        if (text[i] === ".") {
            i++;
        } else if (text[i] === "[") {
            const [segment, next] = bracketSegment(text, i);
            segments.push(segment);
            i = next;
        } else {
            let end = i;
            while (end < text.length && text[end] !== "." && text[end] !== "[") end++;
            segments.push(text.slice(i, end));
            i = end;
        }
    }
    return segments;
}

/** `["key"]`, `[3]` or `[*]` at `start`: the segment and the index after it. */
function bracketSegment(text: string, start: number): [PathSegment, number] {
    if (text[start + 1] === '"') {
        let key = "";
        let i = start + 2;
        while (i < text.length && text[i] !== '"') {
            if (text[i] === "\\") i++;
            key += text[i++];
        }
        if (text[i + 1] !== "]") throw new Error(`property path ${JSON.stringify(text)}: unterminated ["..."]`);
        return [key, i + 2];
    }
    const end = text.indexOf("]", start);
    if (end < 0) throw new Error(`property path ${JSON.stringify(text)}: unterminated [`);
    const inner = text.slice(start + 1, end);
    if (inner === "*") return ["*", end + 1];
    if (!/^[0-9]+$/.test(inner)) throw new Error(`property path ${JSON.stringify(text)}: [${inner}] is not an index`);
    return [Number(inner), end + 1];
}

export function formatPath(path: readonly PathSegment[]): string {
    return path.map((segment, i) => {
        if (typeof segment === "number") return `[${segment}]`;
        if (/^[A-Za-z0-9_]+$/.test(segment)) return i === 0 ? segment : `.${segment}`;
        return `["${segment.replace(/"/g, '\\"')}"]`;
    }).join("");
}

function segmentsMatch(a: PathSegment, b: PathSegment): boolean {
    return a === "*" || b === "*" || a === b;
}

/** True when `outer` is `inner` or one of its ancestors (Pulumi's PropertyPath.Contains). */
export function pathContains(outer: readonly PathSegment[], inner: readonly PathSegment[]): boolean {
    return outer.length <= inner.length && outer.every((segment, i) => segmentsMatch(segment, inner[i]));
}

/** True when one path contains the other: a change at either touches the other. */
function pathsOverlap(a: readonly PathSegment[], b: readonly PathSegment[]): boolean {
    return pathContains(a, b) || pathContains(b, a);
}

// ---------------------------------------------------------------------------------------------
// Values

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function deepEqual(a: Json, b: Json): boolean {
    if (a === b) return true;
    if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
    if (isObject(a) && isObject(b)) {
        const keys = Object.keys(a);
        return keys.length === Object.keys(b).length && keys.every((k) => k in b && deepEqual(a[k], b[k]));
    }
    return false;
}

/** The leaf paths where two values differ; an unknown new value always differs. */
export function changedPaths(before: Json, after: Json, at: PathSegment[] = []): PathSegment[][] {
    if (after === unknownMarker) return [at];
    if (isObject(before) && isObject(after)) {
        const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
        return keys.flatMap((k) => (k in before && k in after ? changedPaths(before[k], after[k], [...at, k]) : [[...at, k]]));
    }
    if (Array.isArray(before) && Array.isArray(after)) {
        const length = Math.max(before.length, after.length);
        return Array.from({ length }, (_, i) => i).flatMap((i) =>
            (i < before.length && i < after.length ? changedPaths(before[i], after[i], [...at, i]) : [[...at, i]]));
    }
    return deepEqual(before, after) ? [] : [at];
}

function valueAt(root: Json, path: readonly PathSegment[]): { found: boolean; value?: Json } {
    let current: Json = root;
    for (const segment of path) {
        if (typeof segment === "number" && Array.isArray(current) && segment < current.length) current = current[segment];
        else if (typeof segment === "string" && isObject(current) && segment in current) current = current[segment];
        else return { found: false };
    }
    return { found: true, value: current };
}

/**
 * The new inputs with each ignoreChanges path reset to its old value (removed where the old inputs
 * lack it), as the engine's processIgnoreChanges does. Paths through elements added or removed
 * are left alone, as the engine does (it reports them and keeps the change).
 */
export function resetIgnored(before: Json, after: Json, ignore: readonly PathSegment[][]): Json {
    return ignore.reduce((current, path) => (path.length === 0 ? before : resetPath(before, current, path)), after);
}

function resetPath(before: Json, after: Json, path: readonly PathSegment[]): Json {
    const [head, ...rest] = path;
    if (isObject(before) && isObject(after) && typeof head === "string") {
        const keys = head === "*" ? [...new Set([...Object.keys(before), ...Object.keys(after)])] : [head];
        const out: Record<string, Json> = { ...after };
        for (const key of keys) {
            if (rest.length === 0) {
                if (key in before) out[key] = before[key];
                else delete out[key];
            } else if (key in before && key in after) {
                out[key] = resetPath(before[key], after[key], rest);
            }
        }
        return out;
    }
    if (Array.isArray(before) && Array.isArray(after) && (typeof head === "number" || head === "*")) {
        const indexes = head === "*" ? after.map((_, i) => i) : [head];
        const out = [...after];
        for (const i of indexes) {
            if (i >= before.length || i >= after.length) continue;
            out[i] = rest.length === 0 ? before[i] : resetPath(before[i], after[i], rest);
        }
        return out;
    }
    return after;
}

/** Paths whose value is a secret in both plans (equal offline, whatever the real values are). */
function secretPaths(before: Json, after: Json, at: PathSegment[] = []): PathSegment[][] {
    if (after === secretMarker) return before === secretMarker ? [at] : [];
    if (isObject(before) && isObject(after)) return Object.keys(after).filter((k) => k in before).flatMap((k) => secretPaths(before[k], after[k], [...at, k]));
    if (Array.isArray(before) && Array.isArray(after)) return after.flatMap((v, i) => (i < before.length ? secretPaths(before[i], v, [...at, i]) : []));
    return [];
}

/** URNs a value refers to as resource references ("[resource <urn>]"). */
function referencedUrns(value: Json): string[] {
    if (typeof value === "string") {
        const match = /^\[resource (.+)\]$/.exec(value);
        return match ? [match[1]] : [];
    }
    if (Array.isArray(value)) return value.flatMap(referencedUrns);
    if (isObject(value)) return Object.values(value).flatMap(referencedUrns);
    return [];
}

// ---------------------------------------------------------------------------------------------
// Resources

/** "aws:ec2/vpc:Vpc vpc" from a URN: the type (last of the parent chain) and the name. */
export function describeUrn(urn: string): string {
    const parts = urn.split("::");
    const type = (parts[2] ?? "").split("$").pop();
    return `${type} ${parts.slice(3).join("::")}`;
}

function stringList(value: unknown): string[] {
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

function isComponent(r: PlanResource): boolean {
    return r.options.custom === false && r.options.remote !== true;
}

/** Whether an update with these changed paths recomputes the outputs the rule names. */
function updateRecomputes(rule: UnknownOnUpdate, changed: readonly string[]): boolean {
    const paths = changed.map(parsePath);
    if (rule.whenChanged && !paths.some((p) => rule.whenChanged!.some((w) => pathsOverlap(parsePath(w), p)))) return false;
    if (rule.unlessOnly && paths.every((p) => rule.unlessOnly!.some((u) => pathContains(parsePath(u), p)))) return false;
    return paths.length > 0;
}

type Change =
    | { kind: "create" }
    | { kind: "same" }
    | { kind: "update" | "replace"; paths: string[]; reasons: string[] };

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
class Classifier {
    private readonly changes = new Map<string, Change>();
    private readonly inProgress = new Set<string>();

    constructor(private readonly before: Map<string, PlanResource>, private readonly after: Map<string, PlanResource>) {}

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
        const rule = rules?.replaceOn.find((r) => pathsOverlap(parsePath(r.path), path)
            && (r.onlyWhen !== "removed" || isRemoved(before.inputs, after.inputs, r.path))
            && (r.onlyWhen !== "set" || valueAt(after.inputs, parsePath(r.path)).found));
        const option = replaceOnChanges.find((r) => pathContains(r, path));
        if (rule) causes.push({ reason: `${formatPath(path)} ${rule.onlyWhen === "removed" ? "is removed" : "changes"}: ${after.type} cannot change ${rule.path} in place` });
        else if (option) causes.push({ reason: `${formatPath(path)} changes: replaceOnChanges ${formatPath(option)}` });
    }
    for (const c of cascades) {
        const key = [c.key];
        const unknown = `${formatPath(key)} is unknown until ${describeUrn(c.from)} ${c.unknown.why}`;
        // All outputs unknown: any immutable field under the key may change; a few: only the key.
        const rule = rules?.replaceOn.find((r) => r.onlyWhen !== "removed" && (c.unknown.whole ? pathsOverlap(parsePath(r.path), key) : pathContains(parsePath(r.path), key)));
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

// ---------------------------------------------------------------------------------------------
// The diff

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
    for (const [from, to] of [...renamed].sort(([a], [b]) => ascending(a, b))) explanation.notes.push(`${describeUrn(to)} was ${from} (an alias): compared, not deleted and created`);
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
    const lines = [`diff: ${[count(diff.create.length, "create"), count(diff.update.length, "update"), count(diff.replace.length, "replace"), count(diff.delete.length, "delete")].join(", ")}`];
    const reasons = (urn: string) => (explanation?.reasons[urn] ?? []).map((r) => `        ${r}`);
    // What a reviewer must act on first: protected resources pulumi up would refuse, then what is
    // destroyed (replaced, deleted), then in-place updates, then what is new.
    for (const urn of explanation?.protectedChanges ?? []) lines.push(`warning: ${describeUrn(urn)} is protected: pulumi up refuses to ${diff.delete.includes(urn) ? "delete" : "replace"} it`);
    for (const urn of diff.replace) lines.push(`  +- ${describeUrn(urn)}`, ...reasons(urn));
    for (const urn of diff.delete) lines.push(`  -  ${describeUrn(urn)}`);
    for (const { urn, inputs } of diff.update) lines.push(`  ~  ${describeUrn(urn)}: ${inputs.join(", ")}`, ...reasons(urn));
    for (const urn of diff.create) lines.push(`  +  ${describeUrn(urn)}`);
    if (explanation) {
        for (const type of explanation.unknownTypes) lines.push(`warning: no replacement rules for ${type}: its changes are shown as updates`);
        const secretCount = Object.keys(explanation.secretInputs).length;
        if (secretCount > 0) lines.push(`note: secret inputs of ${secretCount} ${secretCount === 1 ? "resource" : "resources"} cannot be compared offline (a changed secret is not shown)`);
        for (const note of explanation.notes) lines.push(`note: ${note}`);
    }
    return lines.join("\n");
}
