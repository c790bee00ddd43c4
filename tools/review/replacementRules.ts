// Which input changes replace a resource instead of updating it, per resource type token, and
// which outputs an in-place update leaves unknown during a preview (so dependents see a change).
// The rules are data, each with its source (tools/review/data/replacement-rules.json), read and
// checked here when first imported: a bad entry fails naming the file and the entry. Paths use
// Pulumi's property path notation (parsed in ./diff/propertyPaths.ts); `*` matches any key or index.
import * as fs from "fs";
import * as path from "path";

/**
 * A replacing input path; `onlyWhen: "removed"` replaces only when the value goes away; `"set"`
 * only when the new plan sets it (an Optional+Computed attribute: removing it from the inputs
 * keeps the value in the state, so no diff).
 */
export interface ReplacePath {
    path: string;
    onlyWhen?: "removed" | "set";
}

/** Outputs an in-place update recomputes: unknown in a preview, so consumers show a change. */
export interface UnknownOnUpdate {
    outputs: string[];
    /** The update recomputes them when one of these input paths changes; absent: any input. */
    whenChanged?: string[];
    /** ...except when only these input paths changed. */
    unlessOnly?: string[];
}

export interface TypeRules {
    /** Where the rules come from (source file or documentation page). */
    source: string;
    replaceOn: ReplacePath[];
    unknownOnUpdate?: UnknownOnUpdate;
    /**
     * Provider resources: inputs whose value being unknown in the preview (it comes from a
     * replaced or new resource) replaces the provider, and with it every resource it manages.
     */
    replaceWhenUnknown?: string[];
    /** Provider resources: when this input is set and unchanged, nothing replaces the provider. */
    identityKey?: string;
}

/** Kubernetes objects: identity everywhere, kind-specific immutable fields, Patch kinds identity only. */
interface KubernetesRules {
    source: string;
    patchSource: string;
    identity: string[];
    /** Kind-specific immutable fields, by type token (group/version:Kind). */
    kinds: Record<string, string[]>;
    /** Kinds listed for documentation with identity only (no entry in the provider's forceNew table). */
    identityOnlyKinds: string[];
}

export const replacementRulesFile = path.resolve(__dirname, "data", "replacement-rules.json");

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";
const isTextList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isText);

function unknownKeys(value: Record<string, unknown>, allowed: readonly string[]): string[] {
    return Object.keys(value)
        .filter((k) => !allowed.includes(k))
        .map((k) => `unknown key "${k}" (allowed: ${allowed.join(", ")})`);
}

/** The problems of one `types` entry, each in words. */
function typeEntryProblems(value: unknown): string[] {
    if (!isObject(value)) return ["is not an object {source, replaceOn, ...}"];
    const problems = unknownKeys(value, ["source", "replaceOn", "unknownOnUpdate", "replaceWhenUnknown", "identityKey", "note"]);
    if (!isText(value.source)) problems.push("needs `source`: where the rule comes from (file or page, and what it says)");
    if (!Array.isArray(value.replaceOn)) problems.push("replaceOn must be a list of paths or {path, onlyWhen}");
    else
        value.replaceOn.forEach((p, i) => {
            const ok = isText(p) || (isObject(p) && isText(p.path) && (p.onlyWhen === "removed" || p.onlyWhen === "set") && Object.keys(p).length === 2);
            if (!ok) problems.push(`replaceOn[${i}] must be a path or {"path": ..., "onlyWhen": "removed" | "set"}, not ${JSON.stringify(p)}`);
        });
    const u = value.unknownOnUpdate;
    if (u !== undefined) {
        if (!isObject(u) || !isTextList(u.outputs) || u.outputs.length === 0) problems.push("unknownOnUpdate needs outputs: a list of output names");
        else {
            problems.push(...unknownKeys(u, ["outputs", "whenChanged", "unlessOnly"]).map((p) => `unknownOnUpdate: ${p}`));
            for (const k of ["whenChanged", "unlessOnly"])
                if (u[k] !== undefined && !isTextList(u[k])) problems.push(`unknownOnUpdate.${k} must be a list of paths`);
        }
    }
    if (value.replaceWhenUnknown !== undefined && !isTextList(value.replaceWhenUnknown)) problems.push("replaceWhenUnknown must be a list of input names");
    if (value.identityKey !== undefined && !isText(value.identityKey)) problems.push("identityKey must be an input name");
    if (value.note !== undefined && !isText(value.note)) problems.push("note must be text");
    return problems;
}

function kubernetesProblems(value: unknown): string[] {
    if (!isObject(value)) return ["is not an object {source, patchSource, identity, kinds, identityOnlyKinds}"];
    const problems = unknownKeys(value, ["source", "patchSource", "identity", "kinds", "identityOnlyKinds", "notes"]);
    if (!isText(value.source)) problems.push("needs `source`");
    if (!isText(value.patchSource)) problems.push("needs `patchSource`");
    if (!isTextList(value.identity) || value.identity.length === 0) problems.push("identity must be a list of paths");
    if (!isObject(value.kinds)) problems.push("kinds must map group/version:Kind to a list of paths");
    else
        for (const [kind, fields] of Object.entries(value.kinds)) {
            if (!/^[^:\s]+:[A-Za-z0-9]+$/.test(kind)) problems.push(`kinds: "${kind}" is not group/version:Kind`);
            if (!isTextList(fields)) problems.push(`kinds["${kind}"] must be a list of paths`);
        }
    if (!isTextList(value.identityOnlyKinds) || !value.identityOnlyKinds.every((t) => t.startsWith("kubernetes:")))
        problems.push("identityOnlyKinds must be a list of kubernetes:... type tokens");
    if (value.notes !== undefined && !isTextList(value.notes)) problems.push("notes must be a list of text");
    return problems;
}

/** Reads and checks the rules file; throws one error listing every problem (file, entry, what is wrong). */
export function loadReplacementRules(file = replacementRulesFile): { types: Record<string, TypeRules>; kubernetes: KubernetesRules } {
    const relative = path.relative(process.cwd(), file);
    const shown = relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
    let doc: unknown;
    try {
        doc = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new Error(`replacement rules: cannot read ${shown}: ${(e as Error).message}`, { cause: e });
    }
    const problems: string[] = [];
    if (!isObject(doc)) problems.push(`${shown}: (top level) is not an object`);
    const top = isObject(doc) ? doc : {};
    problems.push(...unknownKeys(top, ["about", "types", "kubernetes"]).map((p) => `${shown}: (top level): ${p}`));
    if (!isObject(top.types)) problems.push(`${shown}: (top level): needs "types", an object by type token`);
    else for (const [type, entry] of Object.entries(top.types)) problems.push(...typeEntryProblems(entry).map((p) => `${shown}: types["${type}"]: ${p}`));
    problems.push(...kubernetesProblems(top.kubernetes).map((p) => `${shown}: kubernetes: ${p}`));
    if (problems.length > 0)
        throw new Error(`replacement rules: ${problems.length === 1 ? "a problem" : `${problems.length} problems`}:\n  ${problems.join("\n  ")}`);
    const types = Object.fromEntries(
        Object.entries(top.types as Record<string, Record<string, unknown>>).map(([type, entry]): [string, TypeRules] => {
            const { replaceOn, ...rest } = entry;
            delete rest.note; // for readers of the rules file, not a rule
            return [
                type,
                {
                    ...(rest as Omit<TypeRules, "replaceOn">),
                    replaceOn: (replaceOn as (string | ReplacePath)[]).map((p) => (typeof p === "string" ? { path: p } : p)),
                },
            ];
        }),
    );
    return { types, kubernetes: top.kubernetes as KubernetesRules };
}

let loaded: ReturnType<typeof loadReplacementRules> | undefined;

/** The shipped rules, read on first use (a bad entry then reaches the caller's error handling). */
function rules(): ReturnType<typeof loadReplacementRules> {
    loaded ??= loadReplacementRules();
    return loaded;
}

/** The kind part of a Kubernetes type token: "kubernetes:apps/v1:Deployment" -> "apps/v1:Deployment". */
function kubernetesKind(type: string): string | undefined {
    const match = /^kubernetes:([^:]+:[A-Za-z0-9]+)$/.exec(type);
    return match ? match[1] : undefined;
}

const paths = (list: readonly string[]): ReplacePath[] => list.map((p) => ({ path: p }));

/** Rules for a Kubernetes object type: identity everywhere; kind fields unless a Patch resource. */
function kubernetesRules(type: string): TypeRules | undefined {
    const kind = kubernetesKind(type);
    if (!kind) return undefined;
    const k = rules().kubernetes;
    // Patch resources (NamespacePatch...) update in place for everything but their identity.
    if (kind.endsWith("Patch")) return { source: k.patchSource, replaceOn: paths(k.identity) };
    const fields = k.kinds[kind] ?? [];
    return {
        source: fields.length > 0 ? `${k.source}; ${kind}: ${fields.join(", ")}` : k.source,
        replaceOn: paths([...k.identity, ...fields]),
    };
}

/** The rules for a resource type, or undefined when the table does not know the type. */
export function rulesFor(type: string): TypeRules | undefined {
    return rules().types[type] ?? kubernetesRules(type);
}

/** Every explicit entry plus the Kubernetes kinds, for documentation and tests. */
export function ruleTable(): [string, TypeRules][] {
    const { types, kubernetes } = rules();
    const kinds = Object.keys(kubernetes.kinds).map((k) => `kubernetes:${k}`);
    const entries: [string, TypeRules][] = [
        ...Object.entries(types),
        ...[...kinds, ...kubernetes.identityOnlyKinds].map((t): [string, TypeRules] => [t, kubernetesRules(t)!]),
    ];
    return entries.sort(([a], [b]) => a.localeCompare(b));
}
