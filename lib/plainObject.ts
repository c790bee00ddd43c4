// A JSON/YAML mapping as parsed: what the config reader and the review tooling both test values for.

/** An object that is not null and not an array (a YAML mapping, a JSON object). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
