// Renders the declarations in settings/schema as the documents users read: the key tables of
// docs/configuration.md, the key list in Pulumi.yaml's comment and the editor schema for
// Pulumi.<stack>.yaml. Pure (text in, text out); settings/schema/generate.ts writes the files and
// test/architecture-config-schema.test.ts fails when a committed file differs.
import { objectOf, shownDefaultKey, type FieldSpec } from "./fields";
import { configSchema, projectName, providerKeys, stackFileSchema } from "./index";

/** The committed editor schema's text. */
export function stackSchemaText(): string {
    return `${JSON.stringify(stackFileSchema(), null, 2)}\n`;
}

/** Sections whose keys docs/configuration.md lists in a generated table. */
export const tabledSections = ["network", "cluster", "access", "linuxNodes", "windowsNodes", "activeDirectory", "gmsa"] as const;

function isRequired(parent: FieldSpec, field: string): boolean {
    return ((parent as { required?: readonly string[] }).required ?? []).includes(field);
}

function showValue(value: unknown): string {
    if (typeof value === "string") return /^[0-9]+(\.[0-9]+)?$/.test(value) ? `"${value}"` : value; // versions YAML must keep quoted
    if (Array.isArray(value)) return `[${value.map(showValue).join(", ")}]`;
    if (typeof value === "object" && value !== null)
        return `{${Object.entries(value)
            .map(([k, v]) => `${k}: ${showValue(v)}`)
            .join(", ")}}`;
    return String(value);
}

function shownDefault(parent: FieldSpec, field: string, spec: FieldSpec): string {
    if (spec[shownDefaultKey] !== undefined) return spec[shownDefaultKey];
    if (spec.default !== undefined) return `\`${showValue(spec.default)}\``;
    return isRequired(parent, field) ? "required" : "none";
}

const cell = (text: string) => text.replace(/\|/g, "\\|");

/** The rows of one section's table: each field, then the fields of its objects (`webhook.replicas`, `accounts[].name`). */
function rows(parent: FieldSpec, prefix: string): string[] {
    const out: string[] = [];
    for (const [field, spec] of Object.entries(parent.properties ?? {})) {
        out.push(`| \`${prefix}${field}\` | ${cell(shownDefault(parent, field, spec))} | ${cell(spec.description ?? "")} |`);
        const object = objectOf(spec);
        const items = objectOf(spec.items);
        if (object) out.push(...rows(object, `${prefix}${field}.`));
        else if (items) out.push(...rows(items, `${prefix}${field}[].`));
    }
    return out;
}

/** The key table of `eks-gmsa:<section>`. */
export function sectionTable(section: (typeof tabledSections)[number]): string {
    const spec = configSchema.properties[section] as unknown as FieldSpec;
    return ["| key | default | rules |", "| --- | --- | --- |", ...rows(spec, "")].join("\n");
}

const tableStart = (section: string) => `<!-- generated from settings/schema: ${projectName}:${section} (npx tsx settings/schema/generate.ts) -->`;
const tableEnd = "<!-- end of generated table -->";

/** docs/configuration.md with each section's table replaced by the generated one. */
export function withGeneratedTables(markdown: string): string {
    let text = markdown;
    for (const section of tabledSections) {
        const start = text.indexOf(tableStart(section));
        const end = text.indexOf(tableEnd, start);
        if (start < 0 || end < 0)
            throw new Error(
                `docs/configuration.md has no generated table for ${projectName}:${section}; add the two marker lines:\n${tableStart(section)}\n${tableEnd}`,
            );
        text = `${text.slice(0, start)}${tableStart(section)}\n${sectionTable(section)}\n${text.slice(end)}`;
    }
    return text;
}

/** A field list as Pulumi.yaml shows it: `mode (a|b), accounts [{name, allowed [{namespace}]}], webhook {replicas}`. */
function fieldList(parent: FieldSpec): string {
    return Object.entries(parent.properties ?? {})
        .map(([field, spec]) => {
            const object = objectOf(spec);
            const items = objectOf(spec.items);
            if (object) return `${field} {${fieldList(object)}}${spec.anyOf ? " (or false)" : ""}`;
            if (items) return `${field} [{${fieldList(items)}}]`;
            if (spec.enum && spec.enum.length <= 4) return `${field} (${spec.enum.join("|")})`;
            return field;
        })
        .join(", ");
}

/** Splits `text` at ", " into lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
    const lines: string[] = [];
    let line = "";
    for (const part of text.split(/(?<=,) /)) {
        if (line && line.length + 1 + part.length > width) {
            lines.push(line);
            line = part;
        } else {
            line = line ? `${line} ${part}` : part;
        }
    }
    if (line) lines.push(line);
    return lines;
}

const keyColumn = 28;

/** Pulumi.yaml's comment: what the config keys are and, one entry a key, the fields of each. */
export function pulumiYamlComment(): string {
    const entry = (key: string, text: string) => {
        const [first, ...more] = wrap(text, 96 - keyColumn);
        return [`#   ${key}${" ".repeat(Math.max(3, keyColumn - key.length))}${first}`, ...more.map((l) => `#   ${" ".repeat(keyColumn)}${l}`)];
    };
    const lines = [
        "# Configuration, one structured key per concern. Generated from settings/schema (npx tsx",
        "# settings/schema/generate.ts); docs/configuration.md explains every field, its default and its",
        "# rules, and settings/pulumi-stack.schema.json lets an editor check Pulumi.<stack>.yaml. Pulumi's",
        "# typed project config has no object type, so settings/ validates the keys when the program",
        "# starts: a wrong value, an unknown key or a misspelt namespace stops `pulumi up` with one line",
        "# per problem, before anything is created. (..) is commentary, {..} and [{..}] hold a key's own keys.",
        "#",
        ...Object.entries(providerKeys).flatMap(([key, spec]) => entry(key, `(${(spec as FieldSpec).description})`)),
        ...Object.entries(configSchema.properties).flatMap(([key, spec]) => {
            const object = objectOf(spec as unknown as FieldSpec);
            const text = object?.properties?.secure ? `(${spec.description})` : object ? fieldList(object) : `(${spec.description?.replace(/`/g, "")})`;
            return entry(`${projectName}:${key}`, text);
        }),
    ];
    return lines.join("\n");
}

/** Pulumi.yaml with its comment block (from "# Configuration" to `config:`) replaced by the generated one. */
export function withGeneratedComment(pulumiYaml: string): string {
    const start = pulumiYaml.indexOf("# Configuration");
    const end = pulumiYaml.indexOf("\nconfig:");
    if (start < 0 || end < 0) throw new Error("Pulumi.yaml: no '# Configuration' comment before 'config:'");
    return `${pulumiYaml.slice(0, start)}${pulumiYamlComment()}${pulumiYaml.slice(end)}`;
}
