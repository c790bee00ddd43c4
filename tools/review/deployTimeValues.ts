// Review artifacts show facts. The offline runtime has to answer every output a resource would
// have (a directory's DNS addresses, an ARN, an ID) and makes them up; the plan lists those made-up
// values with the text to show instead (plan.deployTimeValues, from tools/harness/mocks.ts, e.g.
// "(from the directory at deploy time)"). These helpers show such a value as what it is: known
// only at deploy time.
type Invented = Readonly<Record<string, string>> | undefined;

/** One value as an artifact may show it: the fact, or what it stands for. */
export function shownValue(value: string, invented: Invented): string {
    return invented?.[value] ?? value;
}

/**
 * A list of values as an artifact may show it: facts as they are, made-up ones as what they stand
 * for, each phrase once (two made-up addresses of one directory are one "from the directory at
 * deploy time").
 */
export function shownValues(values: readonly string[], invented: Invented): string[] {
    return [...new Set(values.map((v) => shownValue(v, invented)))];
}

/** True for a shown value that stands for one known only at deploy time. */
export function isDeployTimeText(shown: string, invented: Invented): boolean {
    return invented !== undefined && Object.values(invented).includes(shown);
}

/**
 * Text with every made-up value in it replaced by what it stands for, longest first (an ARN
 * before the ID inside it). The last guard before an artifact is written.
 */
export function withoutInventedValues(text: string, invented: Invented): string {
    if (!invented) return text;
    let out = text;
    for (const value of Object.keys(invented).sort((a, b) => b.length - a.length || (a < b ? -1 : 1))) {
        if (out.includes(value)) out = out.split(value).join(invented[value]);
    }
    return out;
}

/**
 * A value (an object, a list, a string) with the made-up values inside each of its strings, and
 * keys, replaced as in withoutInventedValues. For objects that are serialized afterwards (YAML,
 * JSON): replacing in the serialized text would put a label such as "(arn of Role x: known at
 * deploy time)" into a plain YAML scalar, where its ": " breaks the file.
 */
export function withoutInventedStrings<T>(value: T, invented: Invented): T {
    if (!invented) return value;
    const shown = (v: unknown): unknown => {
        if (typeof v === "string") return withoutInventedValues(v, invented);
        if (Array.isArray(v)) return v.map(shown);
        if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [withoutInventedValues(k, invented), shown(x)]));
        return v;
    };
    return shown(value) as T;
}
