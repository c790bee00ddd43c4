// The editor schema of a declaration: the declaration's JSON Schema, widened to every form the
// settings reader (settings/reader.ts) also accepts for a value, so the editor flags nothing the
// program would take. The reader keeps the declaration itself (its `type`, `minimum`, `enum`).
//   - a whole number may be a string of digits: `pulumi config set --path` writes `minSize: "1"`;
//   - a flag may be the string "true" or "false" (the same writer);
//   - a string of a fixed list may be the YAML number it reads as, when its text is one of the list
//     (`windowsServerVersion: 2022`, `kubernetesVersion: 1.33`; 1.30 reads as 1.3 and stays refused).
// A number given as a string is checked for its digits only: its range is checked by the program.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Node = { [key: string]: Json };

/** Keywords that describe the key rather than the value's form: they stay on the outer node. */
const annotations = ["description", "default"];

function split(node: Node): [Node, Node] {
    const outer: Node = {};
    const value: Node = {};
    for (const [key, v] of Object.entries(node)) (annotations.includes(key) ? outer : value)[key] = v;
    return [outer, value];
}

/** The string forms the reader turns into this whole number (it trims, then reads -?[0-9]+). */
function digitsForm(value: Node): Node {
    if (Array.isArray(value.enum)) return { type: "string", enum: value.enum.map(String) };
    const negative = typeof value.minimum !== "number" || value.minimum < 0;
    return { type: "string", pattern: negative ? "^\\s*-?[0-9]+\\s*$" : "^\\s*[0-9]+\\s*$" };
}

/** The YAML numbers whose text is one of the listed strings. */
function numbersOf(values: readonly Json[]): number[] {
    return values.filter((v): v is string => typeof v === "string" && v.trim() !== "" && String(Number(v)) === v).map(Number);
}

function widen(node: Node): Node {
    const [outer, value] = split(node);
    if (value.type === "integer") return { ...outer, anyOf: [value, digitsForm(value)] };
    if (value.type === "boolean" && value.const === undefined) return { ...outer, anyOf: [value, { type: "string", enum: ["true", "false"] }] };
    if (value.type === "boolean" && typeof value.const === "boolean") return { ...outer, anyOf: [value, { const: String(value.const) }] };
    if (value.type === "string" && Array.isArray(value.enum)) {
        const numbers = numbersOf(value.enum);
        if (numbers.length > 0) return { ...outer, anyOf: [value, { type: "number", enum: numbers }] };
    }
    return node;
}

/** Keywords whose values are data, not schemas. */
const dataKeywords = new Set(["default", "enum", "const", "examples"]);

/** `schema` with every value node widened to the forms the reader accepts (a new tree; pure). */
export function editorForm(schema: Json): Json {
    if (Array.isArray(schema)) return schema.map(editorForm);
    if (schema === null || typeof schema !== "object") return schema;
    const children: Node = {};
    for (const [key, v] of Object.entries(schema)) {
        // `properties` and `patternProperties` map names to schemas; everything else is a keyword.
        if (dataKeywords.has(key)) children[key] = v;
        else
            children[key] =
                (key === "properties" || key === "patternProperties") && v !== null && typeof v === "object" && !Array.isArray(v)
                    ? Object.fromEntries(Object.entries(v).map(([name, s]) => [name, editorForm(s)]))
                    : editorForm(v);
    }
    return widen(children);
}
