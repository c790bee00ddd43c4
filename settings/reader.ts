// A small typed reader over raw (JSON) config that records every problem instead of stopping at the
// first, and reports keys nobody read, so a typo is an error rather than a silently ignored value.
import { typoDistance } from "./similar";

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

export type Check<T> = (value: T) => string | undefined;

interface Common<T> {
    /** Used when the key is absent. Without it the key is required. */
    default?: T;
    /** Returns a description of what is wrong, or undefined. */
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
        private readonly separator: "." | ":" = ".",
    ) {}

    /** A section for a nested object, or an empty one (reporting the problem) when it is not an object. */
    static of(problems: Problems, key: string, value: unknown): Section {
        if (value === undefined) return new Section(problems, key, {});
        if (!isPlainObject(value)) {
            problems.add(key, value, "must be an object (a YAML mapping)");
            return new Section(problems, key, {});
        }
        return new Section(problems, key, value);
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

    string(field: string, options: Common<string> & { oneOf?: readonly string[] } = {}): string | undefined {
        const v = this.raw(field);
        if (v === undefined) return this.missing(field, options.default);
        if (typeof v !== "string" && typeof v !== "number") {
            this.problems.add(this.path(field), v, "must be a string");
            return undefined;
        }
        // An unquoted YAML number is accepted when its text is valid (2022); when it is not, the
        // likely cause is YAML reading 1.30 as 1.3, so say so.
        const text = String(v);
        const hint = typeof v === "number" ? " (YAML read an unquoted value as a number: quote it)" : "";
        if (options.oneOf && !options.oneOf.includes(text)) {
            this.problems.add(this.path(field), v, `must be one of ${options.oneOf.map((o) => JSON.stringify(o)).join(", ")}${hint}`);
            return undefined;
        }
        const problem = options.check?.(text);
        if (problem) {
            this.problems.add(this.path(field), v, problem + hint);
            return undefined;
        }
        return text;
    }

    integer(field: string, options: Common<number> & { min?: number; max?: number } = {}): number | undefined {
        let v = this.raw(field);
        if (v === undefined) return this.missing(field, options.default);
        // `pulumi config set --path` may store numbers as strings.
        if (typeof v === "string" && /^-?[0-9]+$/.test(v.trim())) v = Number(v.trim());
        if (typeof v !== "number" || !Number.isInteger(v)) {
            this.problems.add(this.path(field), v, "must be a whole number");
            return undefined;
        }
        const { min, max } = options;
        if ((min !== undefined && v < min) || (max !== undefined && v > max)) {
            const range = min !== undefined && max !== undefined ? `from ${min} to ${max}` : min !== undefined ? `at least ${min}` : `at most ${max}`;
            this.problems.add(this.path(field), v, `must be ${range}`);
            return undefined;
        }
        return this.checked(field, v, options.check);
    }

    boolean(field: string, defaultValue: boolean): boolean {
        const v = this.raw(field);
        if (v === undefined) return defaultValue;
        if (v === true || v === "true") return true;
        if (v === false || v === "false") return false;
        this.problems.add(this.path(field), v, "must be true or false");
        return defaultValue;
    }

    /** A list of strings, each checked; the whole list is rejected when any item is bad. */
    stringList(field: string, options: Common<readonly string[]> & { item?: Check<string>; unique?: boolean; minItems?: number; maxItems?: number } = {}): string[] | undefined {
        const v = this.raw(field);
        if (v === undefined) {
            const d = this.missing(field, options.default);
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
            const problem = options.item?.(item);
            if (problem) {
                this.problems.add(itemKey, item, problem);
                ok = false;
            }
        });
        if (!ok) return undefined;
        const items = v as string[];
        if (options.unique) {
            const dupes = items.filter((item, i) => items.indexOf(item) !== i);
            if (dupes.length > 0) {
                this.problems.add(this.path(field), v, `lists ${show(dupes[0])} more than once`);
                return undefined;
            }
        }
        if (options.minItems !== undefined && items.length < options.minItems) {
            this.problems.add(this.path(field), v, `must list at least ${options.minItems} item(s)`);
            return undefined;
        }
        if (options.maxItems !== undefined && items.length > options.maxItems) {
            this.problems.add(this.path(field), v, `must list at most ${options.maxItems} item(s)`);
            return undefined;
        }
        return this.checked(field, items, options.check as Check<string[]> | undefined);
    }

    /** A map of string to string (tags, labels). */
    stringMap(field: string, options: { key?: Check<string>; value?: Check<string> } = {}): Record<string, string> | undefined {
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
        return Section.of(this.problems, this.path(field), this.raw(field));
    }

    /** A list of objects, each read by its own Section (with its index in the key). */
    sections(field: string): Section[] {
        const v = this.raw(field);
        if (v === undefined) return [];
        if (!Array.isArray(v)) {
            this.problems.add(this.path(field), v, "must be a list");
            return [];
        }
        return v.map((item, i) => Section.of(this.problems, `${this.path(field)}[${i}]`, item));
    }

    /** Reports every key that no getter asked for, suggesting the nearest known one. */
    finish(): void {
        for (const field of Object.keys(this.value)) {
            if (this.known.has(field)) continue;
            const suggestion = nearest(field, [...this.known]);
            const hint = suggestion ? `did you mean ${suggestion}?` : `known keys: ${[...this.known].sort().join(", ")}`;
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
