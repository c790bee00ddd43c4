// Defensive readers for resource properties. Pure.
//
// Properties arrive either from the Pulumi engine (deserialized, wrapped in @pulumi/policy's
// unknown-checking proxy, with unknowns as sentinel strings) or from the offline plan (plain JSON
// with "[secret]", "[unknown]" and "[resource <urn>]" placeholders). Nothing here throws, whatever
// the input: a policy that throws fails the whole run.

/** The sentinels @pulumi/policy's deserializer uses for values unknown during preview. */
const UNKNOWN_SENTINELS = new Set<string>([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
    "030794c1-ac77-496b-92df-f27374a8bd58", // asset
    "e48ece36-62e2-4504-bad9-02848725956a", // archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
    "[unknown]",
]);

/** The offline plan's placeholder for a secret value. */
export const SECRET = "[secret]";

/** True for a value that is not known yet (computed by the provider at deployment). */
export function isUnknown(v: unknown): boolean {
    return typeof v === "string" && UNKNOWN_SENTINELS.has(v);
}

/** True for a secret placeholder (the offline plan hides secrets; the engine hands them over in plain text). */
export function isSecret(v: unknown): boolean {
    return v === SECRET;
}

/** True for a value this pack cannot judge: unknown or a hidden secret. */
export function isOpaque(v: unknown): boolean {
    return isUnknown(v) || isSecret(v);
}

/**
 * Why a value cannot be judged: "secret" (the offline plan's placeholder; a pull request from a
 * fork only ever gets that plan), "unknown" (computed at deployment), else undefined.
 */
export function opaqueKind(v: unknown): "secret" | "unknown" | undefined {
    if (isSecret(v)) return "secret";
    if (isUnknown(v)) return "unknown";
    return undefined;
}

export type Obj = Record<string, unknown>;

/** The value if it is a plain object (not an array, not null), else undefined. */
export function obj(v: unknown): Obj | undefined {
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

/** Reads one property without ever throwing (getters and proxies included). */
export function get(v: unknown, key: string): unknown {
    const o = obj(v);
    if (!o) return undefined;
    try {
        // Own properties only matter: the keys read here are never on Object.prototype.
        return o[key];
    } catch {
        // @pulumi/policy's proxy throws on unknown values: report it as unknown.
        return "[unknown]";
    }
}

/** Reads a property path, e.g. path(props, "spec", "template", "spec"). */
export function path(v: unknown, ...keys: string[]): unknown {
    let cur = v;
    for (const k of keys) {
        cur = get(cur, k);
        if (cur === undefined) return undefined;
    }
    return cur;
}

/** A known, non-empty string (not an unknown/secret placeholder), else undefined. */
export function str(v: unknown): string | undefined {
    return typeof v === "string" && v.length > 0 && !isOpaque(v) ? v : undefined;
}

/** The elements of an array (a single non-array value counts as a one-element list; absent is empty). */
export function list(v: unknown): unknown[] {
    if (Array.isArray(v)) return v;
    if (v === undefined || v === null) return [];
    return [v];
}

/** The known strings of a list (see `list`); unknown and secret elements are dropped. */
export function strings(v: unknown): string[] {
    const out: string[] = [];
    for (const e of list(v)) {
        if (typeof e === "string" && !isOpaque(e)) out.push(e);
    }
    return out;
}

/** The values of a map (or the elements of an array), for inputs given either way. */
export function entries(v: unknown): [string, unknown][] {
    if (Array.isArray(v)) return v.map((e, i) => [String(i), e]);
    const o = obj(v);
    if (!o) return [];
    try {
        return Object.keys(o).map((k) => [k, o[k]]);
    } catch {
        return [];
    }
}

/**
 * The plain object behind resource properties. @pulumi/policy wraps properties in a proxy that
 * throws on unknown values; unwrapping lets the policies treat unknowns as data (and is faster).
 */
export function plainProps(props: unknown): Obj {
    const o = obj(props);
    if (!o) return {};
    try {
        const target = (o as Record<string, unknown>)["__getSpecialProxyTarget"];
        const t = obj(target);
        if (t) return t;
    } catch {
        // not a proxy
    }
    return o;
}

/** The last segment of a URN: the resource's logical name. */
export function urnName(urn: unknown): string {
    if (typeof urn !== "string") return "?";
    const i = urn.lastIndexOf("::");
    return i >= 0 ? urn.slice(i + 2) : urn;
}

/** A Pulumi type token split up: `kubernetes:apps/v1:Deployment` → package kubernetes, group apps, version v1, kind Deployment. */
export interface TypeToken {
    pkg: string;
    /** For Kubernetes: the API group (`core` for the core group); for others the module. */
    group: string;
    version: string;
    kind: string;
}

const typeCache = new Map<string, TypeToken | undefined>();

export function parseType(type: unknown): TypeToken | undefined {
    if (typeof type !== "string") return undefined;
    if (typeCache.has(type)) return typeCache.get(type);
    const parsed = parseTypeUncached(type);
    if (typeCache.size < 10_000) typeCache.set(type, parsed);
    return parsed;
}

function parseTypeUncached(type: string): TypeToken | undefined {
    const first = type.indexOf(":");
    const last = type.lastIndexOf(":");
    if (first <= 0 || last <= first) return undefined;
    const pkg = type.slice(0, first);
    const module = type.slice(first + 1, last);
    const kind = type.slice(last + 1);
    const slash = module.lastIndexOf("/");
    const group = slash >= 0 ? module.slice(0, slash) : module;
    const version = slash >= 0 ? module.slice(slash + 1) : "";
    return { pkg, group, version, kind };
}

/** The Kubernetes group and kind of a `kubernetes:<group>/<version>:<Kind>` type token, else undefined. */
export function kubeKind(type: unknown): { group: string; kind: string } | undefined {
    const t = parseType(type);
    if (!t || t.pkg !== "kubernetes") return undefined;
    return { group: t.group, kind: t.kind };
}

export function isKube(type: unknown, group: string, kind: string): boolean {
    const k = kubeKind(type);
    return k !== undefined && k.group === group && k.kind === kind;
}

/**
 * metadata.name and metadata.namespace of a Kubernetes object (namespace undefined when absent).
 * `namespaceUnknown` covers both kinds of opaque value; `namespaceSecret` the secret placeholder.
 */
export function kubeMeta(props: unknown): { name?: string; namespace?: string; nameUnknown: boolean; namespaceUnknown: boolean; namespaceSecret: boolean } {
    const metadata = get(props, "metadata");
    // metadata given as one opaque value hides both.
    const name = isOpaque(metadata) ? metadata : get(metadata, "name");
    const namespace = isOpaque(metadata) ? metadata : get(metadata, "namespace");
    return {
        name: str(name),
        namespace: str(namespace),
        nameUnknown: isOpaque(name),
        namespaceUnknown: isOpaque(namespace),
        namespaceSecret: isSecret(namespace),
    };
}

/**
 * How messages name a Kubernetes object: `Kind namespace/name` (namespaced) or `Kind name`, with the
 * Pulumi logical name when metadata.name is not set (Pulumi then auto-names the object).
 */
export function kubeLabel(kind: string, props: unknown, urn: unknown, namespaced: boolean): string {
    const m = kubeMeta(props);
    const name = m.name ?? `${urnName(urn)} (Pulumi resource; metadata.name not set)`;
    if (!namespaced) return `${kind} ${name}`;
    return `${kind} ${m.namespace ?? "default"}/${name}`;
}

/** How messages name any other resource: `Kind logical-name`, e.g. `RolePolicy windows-nodes-read-portable-identity`. */
export function resourceLabel(type: unknown, urn: unknown): string {
    const t = parseType(type);
    return `${t?.kind ?? String(type)} ${urnName(urn)}`;
}

/** Lists at most `max` items, then "and N more". */
export function summarize(items: string[], max = 5): string {
    if (items.length <= max) return items.join(", ");
    return `${items.slice(0, max).join(", ")} and ${items.length - max} more`;
}

/** Runs fn, turning an unexpected exception into a message instead of a crash. */
export function safely<T>(fn: () => T, onError: (message: string) => T): T {
    try {
        return fn();
    } catch (e) {
        return onError(e instanceof Error ? e.message : String(e));
    }
}
