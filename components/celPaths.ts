// has() guards for CEL paths into dynamically typed objects, and CEL string literals. Pure.
//
// In a ValidatingAdmissionPolicy `object` is dyn: reading an absent field is an evaluation error
// (with failurePolicy Fail, a refusal), so every step of a path that may be absent is tested first.

/** `has()` for every step of a path below `root`: `has(r.a) && has(r.a.b)`. Absent steps are false, never errors. */
export function hasPath(root: string, fields: readonly string[]): string {
    return fields.map((_, i) => `has(${[root, ...fields.slice(0, i + 1)].join(".")})`).join(" && ");
}

/** hasPath for a dotted path whose first segment is the root variable: "object.spec.os" → has(object.spec) && has(object.spec.os). */
export function hasAll(path: string): string {
    const [root, ...fields] = path.split(".");
    return hasPath(root, fields);
}

/** A CEL string literal for a namespace, label key or value (only the characters Kubernetes allows there: nothing to escape). */
export function celLabelString(value: string): string {
    if (!/^[A-Za-z0-9._/-]*$/.test(value)) throw new Error(`not a label key or value: ${JSON.stringify(value)}`);
    return `'${value}'`;
}
