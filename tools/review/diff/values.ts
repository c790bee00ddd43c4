// Input values compared path by path: what changed, what to ignore (ignoreChanges), which paths
// hold secrets, which URNs a value names.
import type { PathSegment } from "./propertyPaths";

const secretMarker = "[secret]";
const unknownMarker = "[unknown]";

export type Json = unknown;

export function isObject(value: Json): value is Record<string, Json> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function deepEqual(a: Json, b: Json): boolean {
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
            i < before.length && i < after.length ? changedPaths(before[i], after[i], [...at, i]) : [[...at, i]],
        );
    }
    return deepEqual(before, after) ? [] : [at];
}

export function valueAt(root: Json, path: readonly PathSegment[]): { found: boolean; value?: Json } {
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
export function secretPaths(before: Json, after: Json, at: PathSegment[] = []): PathSegment[][] {
    if (after === secretMarker) return before === secretMarker ? [at] : [];
    if (isObject(before) && isObject(after))
        return Object.keys(after)
            .filter((k) => k in before)
            .flatMap((k) => secretPaths(before[k], after[k], [...at, k]));
    if (Array.isArray(before) && Array.isArray(after)) return after.flatMap((v, i) => (i < before.length ? secretPaths(before[i], v, [...at, i]) : []));
    return [];
}

/** URNs a value refers to as resource references ("[resource <urn>]"). */
export function referencedUrns(value: Json): string[] {
    if (typeof value === "string") {
        const match = /^\[resource (.+)\]$/.exec(value);
        return match ? [match[1]] : [];
    }
    if (Array.isArray(value)) return value.flatMap(referencedUrns);
    if (isObject(value)) return Object.values(value).flatMap(referencedUrns);
    return [];
}
