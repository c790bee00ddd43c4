// Helm values against a chart's values.yaml: Helm ignores a value key the chart does not read,
// silently, so a misspelt key deploys the chart's default instead of what was meant.
import YAML from "yaml";
import { isPlainObject } from "../../lib/plainObject";

type Json = Record<string, unknown>;

/** Values the chart copies verbatim into the pod spec (toYaml): any sub-key is the user's business. */
export const freeFormValues = ["nodeSelector", "affinity", "tolerations", "podSecurityContext", "securityContext"];

export interface ValuesContract {
    /** Every key path the chart reads ("a.b.c"). */
    keys: Set<string>;
    /** Defaults by path, for type checks. */
    defaults: Map<string, unknown>;
}

/**
 * Key paths of a values.yaml: the parsed keys, plus keys documented only as comments directly
 * inside a mapping (`podDisruptionBudget:\n  enabled: false\n  # minAvailable: 1`), attached by
 * indentation to their parent. Free-form values are not descended into.
 */
export function valuesContract(text: string, freeForm: readonly string[] = freeFormValues): ValuesContract {
    const parsed = YAML.parse(text) ?? {};
    const keys = new Set<string>();
    const defaults = new Map<string, unknown>();
    const walk = (node: Json, prefix: string) => {
        for (const [k, v] of Object.entries(node)) {
            const p = prefix ? `${prefix}.${k}` : k;
            keys.add(p);
            defaults.set(p, v);
            if (!freeForm.includes(p) && isPlainObject(v)) walk(v, p);
        }
    };
    walk(parsed, "");

    const valueAt = (p: string): unknown => p.split(".").reduce<unknown>((n, k) => (isPlainObject(n) ? n[k] : undefined), parsed);
    const stack: { indent: number; key: string }[] = [];
    for (const line of text.split(/\r?\n/)) {
        const commented = /^(\s*)#\s*([A-Za-z_][A-Za-z0-9_-]*):(?:\s|$)/.exec(line);
        const real = commented ? null : /^(\s*)([A-Za-z_][A-Za-z0-9_.-]*)\s*:(?:\s|$)/.exec(line);
        const m = commented ?? real;
        if (!m) continue; // blank lines, prose comments, list items
        const indent = m[1].length;
        while (stack.length > 0 && stack[stack.length - 1].indent >= indent) stack.pop();
        if (real) {
            stack.push({ indent, key: m[2] });
            continue;
        }
        // A commented key counts only directly inside a (nested) mapping of the real document.
        if (stack.length === 0) continue;
        const parent = stack.map((s) => s.key).join(".");
        if (freeForm.includes(parent) || !isPlainObject(valueAt(parent))) continue;
        keys.add(`${parent}.${m[2]}`);
    }
    return { keys, defaults };
}

/** Key paths in `values` the chart does not read, and keys whose type differs from the default's. */
export function checkValues(values: Json, contract: ValuesContract, freeForm: readonly string[] = freeFormValues, prefix = ""): string[] {
    const problems: string[] = [];
    for (const [k, v] of Object.entries(values)) {
        const p = prefix ? `${prefix}.${k}` : k;
        if (!contract.keys.has(p)) {
            problems.push(`${p}: not a value of the chart`);
            continue;
        }
        const d = contract.defaults.get(p);
        if (d !== undefined && d !== null && !(isPlainObject(d) && Object.keys(d).length === 0 && isPlainObject(v))) {
            const kind = (x: unknown) => (Array.isArray(x) ? "array" : x === null ? "null" : typeof x);
            if (kind(d) !== kind(v)) problems.push(`${p}: is ${kind(v)}, the chart's default is ${kind(d)}`);
        }
        if (!freeForm.includes(p) && isPlainObject(v)) problems.push(...checkValues(v, contract, freeForm, p));
    }
    return problems;
}

/**
 * A chart's values contract and where it was read, by `<chart>@<version>`; `unavailable` when the
 * chart's values.yaml should be here and is not (the release is then reported unchecked).
 */
export type HelmValuesContracts = Map<string, { contract: ValuesContract; source: string } | { unavailable: string }>;
