// A small typed reader over raw (JSON) config that records every problem instead of stopping at the
// first, and reports keys nobody read, so a typo is an error rather than a silently ignored value.
// Each section reads against its declaration in settings/schema: defaults, allowed values, ranges,
// list bounds and checks come from there; a reader passes only what depends on other keys.
import { typoDistance } from "./similar";
import { checkKey, enumMessageKey, objectOf, type Check, type FieldSpec } from "./schema/fields";

export type { Check } from "./schema/fields";

export class Problems {
    private readonly lines: string[] = [];

    /** `keysRead`, when given, collects every key the settings ask for (list indexes as `[]`). */
    constructor(private readonly keysRead?: Set<string>) {}

    /** Records that the settings read `key` (present or not): how docs are checked against the settings. */
    noteRead(key: string): void {
        this.keysRead?.add(key.replace(/\[[0-9]+\]/g, "[]"));
    }

    /** `key` is the full config path, e.g. `eks-gmsa:windowsNodes.maxSize`. */
    add(key: string, value: unknown, message: string): void {
        this.lines.push(value === undefined ? `${key}: ${message}` : `${key}: got ${show(value)}; ${message}`);
    }

    get list(): readonly string[] {
        return this.lines;
    }
}

export function show(value: unknown): string {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** What a reader adds to a field's declaration: only what depends on other keys or on the stack. */
interface Common<T> {
    /** Used when the key is absent, instead of the declared default (`eks-gmsa-<stack>`). */
    default?: T;
    /** Checked after the declared check: returns a description of what is wrong, or undefined. */
    check?: Check<T>;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads one config object. Each getter marks its key as known; `finish` reports the rest. */
export class Section {
    private readonly known = new Set<string>();

    constructor(
        readonly problems: Problems,
        readonly key: string,
        private readonly value: Record<string, unknown>,
        /** Between this section's key and a field: ':' for the namespace root (`eks-gmsa:network`), '.' below. */
        private readonly separator: "." | ":",
        /** The section's declaration (settings/schema): its fields, their defaults and checks. */
        private readonly schema: FieldSpec,
    ) {}

    /** A section for a nested object, or an empty one (reporting the problem) when it is not an object. */
    static of(problems: Problems, key: string, value: unknown, schema: FieldSpec): Section {
        if (value === undefined) return new Section(problems, key, {}, ".", schema);
        if (!isPlainObject(value)) {
            problems.add(key, value, "must be an object (a YAML mapping)");
            return new Section(problems, key, {}, ".", schema);
        }
        return new Section(problems, key, value, ".", schema);
    }

    /** The declaration of `field`; reading an undeclared field is a bug in settings/, not in the config. */
    private spec(field: string): FieldSpec {
        const spec = this.schema.properties?.[field];
        if (!spec) throw new Error(`settings/schema declares no ${this.path(field)}`);
        return spec;
    }

    path(field: string): string {
        return `${this.key}${this.separator}${field}`;
    }

    has(field: string): boolean {
        this.known.add(field);
        this.problems.noteRead(this.path(field));
        return this.value[field] !== undefined && this.value[field] !== null;
    }

    raw(field: string): unknown {
        this.known.add(field);
        this.problems.noteRead(this.path(field));
        const v = this.value[field];
        return v === null ? undefined : v;
    }

    string(field: string, options: Common<string> = {}): string | undefined {
        const spec = this.spec(field);
        const v = this.raw(field);
        if (v === undefined) return this.missing(field, (options.default ?? spec.default) as string | undefined);
        if (typeof v !== "string" && typeof v !== "number") {
            this.problems.add(this.path(field), v, "must be a string");
            return undefined;
        }
        // An unquoted YAML number is accepted when its text is valid (2022); when it is not, the
        // likely cause is YAML reading 1.30 as 1.3, so say so.
        const text = String(v);
        const hint = typeof v === "number" ? " (YAML read an unquoted value as a number: quote it)" : "";
        const problem = enumProblem(spec, text) ?? (spec[checkKey] as Check<string> | undefined)?.(text) ?? options.check?.(text);
        if (problem) {
            this.problems.add(this.path(field), v, problem + hint);
            return undefined;
        }
        return text;
    }

    integer(field: string): number | undefined {
        const spec = this.spec(field);
        let v = this.raw(field);
        if (v === undefined) return this.missing(field, spec.default as number | undefined);
        // `pulumi config set --path` may store numbers as strings.
        if (typeof v === "string" && /^-?[0-9]+$/.test(v.trim())) v = Number(v.trim());
        if (typeof v !== "number" || !Number.isInteger(v)) {
            this.problems.add(this.path(field), v, "must be a whole number");
            return undefined;
        }
        const [min, max] = [spec.minimum, spec.maximum];
        if ((min !== undefined && v < min) || (max !== undefined && v > max)) {
            const range = min !== undefined && max !== undefined ? `from ${min} to ${max}` : min !== undefined ? `at least ${min}` : `at most ${max}`;
            this.problems.add(this.path(field), v, `must be ${range}`);
            return undefined;
        }
        const problem = enumProblem(spec, v);
        if (problem) {
            this.problems.add(this.path(field), v, problem);
            return undefined;
        }
        return this.checked(field, v, spec[checkKey] as Check<number> | undefined);
    }

    /** `defaultValue` only where the default depends on another key; otherwise the declared one. */
    boolean(field: string, defaultValue?: boolean): boolean {
        const v = this.raw(field);
        const fallback = defaultValue ?? (this.spec(field).default as boolean | undefined) ?? false;
        if (v === undefined) return fallback;
        if (v === true || v === "true") return true;
        if (v === false || v === "false") return false;
        this.problems.add(this.path(field), v, "must be true or false");
        return fallback;
    }

    /** A list of strings, each checked; the whole list is rejected when any item is bad. */
    stringList(field: string, options: { item?: Check<string> } = {}): string[] | undefined {
        const spec = this.spec(field);
        const itemSpec = spec.items ?? {};
        const v = this.raw(field);
        if (v === undefined) {
            const d = this.missing(field, spec.default as readonly string[] | undefined);
            return d === undefined ? undefined : [...d];
        }
        if (!Array.isArray(v)) {
            this.problems.add(this.path(field), v, "must be a list");
            return undefined;
        }
        let ok = true;
        v.forEach((item, i) => {
            const itemKey = `${this.path(field)}[${i}]`;
            if (typeof item !== "string") {
                this.problems.add(itemKey, item, "must be a string");
                ok = false;
                return;
            }
            const problem = enumProblem(itemSpec, item) ?? (itemSpec[checkKey] as Check<string> | undefined)?.(item) ?? options.item?.(item);
            if (problem) {
                this.problems.add(itemKey, item, problem);
                ok = false;
            }
        });
        if (!ok) return undefined;
        const items = v as string[];
        if (spec.uniqueItems) {
            const dupes = items.filter((item, i) => items.indexOf(item) !== i);
            if (dupes.length > 0) {
                this.problems.add(this.path(field), v, `lists ${show(dupes[0])} more than once`);
                return undefined;
            }
        }
        if (spec.minItems !== undefined && items.length < spec.minItems) {
            this.problems.add(this.path(field), v, `must list at least ${spec.minItems} item(s)`);
            return undefined;
        }
        if (spec.maxItems !== undefined && items.length > spec.maxItems) {
            this.problems.add(this.path(field), v, `must list at most ${spec.maxItems} item(s)`);
            return undefined;
        }
        return items;
    }

    /** A map of string to string (tags, labels). */
    stringMap(field: string): Record<string, string> | undefined {
        const options = (this.spec(field)[checkKey] ?? {}) as { key?: Check<string>; value?: Check<string> };
        const v = this.raw(field);
        if (v === undefined) return {};
        if (!isPlainObject(v)) {
            this.problems.add(this.path(field), v, "must be a mapping of names to strings");
            return undefined;
        }
        let ok = true;
        const result: Record<string, string> = {};
        for (const [k, item] of Object.entries(v)) {
            const itemKey = `${this.path(field)}.${k}`;
            const keyProblem = options.key?.(k);
            if (keyProblem) {
                this.problems.add(itemKey, k, keyProblem);
                ok = false;
            }
            if (typeof item !== "string") {
                this.problems.add(itemKey, item, "must be a string");
                ok = false;
                continue;
            }
            const valueProblem = options.value?.(item);
            if (valueProblem) {
                this.problems.add(itemKey, item, valueProblem);
                ok = false;
            }
            result[k] = item;
        }
        return ok ? result : undefined;
    }

    section(field: string): Section {
        const schema = objectOf(this.spec(field));
        if (!schema) throw new Error(`settings/schema declares ${this.path(field)} as no object`);
        return Section.of(this.problems, this.path(field), this.raw(field), schema);
    }

    /** A list of objects, each read by its own Section (with its index in the key). */
    sections(field: string): Section[] {
        const v = this.raw(field);
        if (v === undefined) return [];
        if (!Array.isArray(v)) {
            this.problems.add(this.path(field), v, "must be a list");
            return [];
        }
        const schema = objectOf(this.spec(field).items);
        if (!schema) throw new Error(`settings/schema declares ${this.path(field)} as no list of objects`);
        return v.map((item, i) => Section.of(this.problems, `${this.path(field)}[${i}]`, item, schema));
    }

    /** Reports every key that no getter asked for, suggesting the nearest declared one. */
    finish(): void {
        const declared = Object.keys(this.schema.properties ?? {});
        for (const field of Object.keys(this.value)) {
            if (this.known.has(field)) continue;
            const suggestion = nearest(field, declared);
            const hint = suggestion ? `did you mean ${suggestion}?` : `known keys: ${[...declared].sort().join(", ")}`;
            this.problems.add(this.path(field), undefined, `unknown key; ${hint}`);
        }
    }

    private missing<T>(field: string, defaultValue: T | undefined): T | undefined {
        if (defaultValue === undefined) this.problems.add(this.path(field), undefined, "is required");
        return defaultValue;
    }

    private checked<T>(field: string, v: T, check: Check<T> | undefined): T | undefined {
        const problem = check?.(v);
        if (problem) {
            this.problems.add(this.path(field), v, problem);
            return undefined;
        }
        return v;
    }
}

/** A value outside the declared `enum`, in the declaration's words or as "must be one of ...". */
function enumProblem(spec: FieldSpec, value: string | number): string | undefined {
    if (!spec.enum) return undefined;
    // Versions are declared as strings; YAML may read an unquoted 2022 as a number.
    if (spec.enum.some((allowed) => String(allowed) === String(value))) return undefined;
    return spec[enumMessageKey] ?? `must be one of ${spec.enum.map((o) => JSON.stringify(o)).join(", ")}`;
}

/** The candidate closest to `word` by edit distance, when it is close enough to be a likely typo. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const candidate of candidates) {
        const d = typoDistance(word.toLowerCase(), candidate.toLowerCase());
        if (d < bestDistance) {
            best = candidate;
            bestDistance = d;
        }
    }
    return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
