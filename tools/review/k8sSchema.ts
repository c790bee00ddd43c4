// Validates a Kubernetes object against the Kubernetes OpenAPI schema, offline, two ways:
//  1. kubernetes-models' validators (the OpenAPI definitions compiled with ajv): types, required
//     fields, enums, formats;
//  2. a strict field check: every field must exist in the schema. The OpenAPI definitions do not
//     close their objects, and the API server drops or merely warns about unknown fields
//     (fieldValidation=Warn is its default), so a misspelt field would otherwise deploy silently.
//     The field lists are read from kubernetes-models' type declarations, which are generated
//     from the same definitions.
// kubernetes-models 4.5.1 is generated from the Kubernetes 1.33 OpenAPI document.
import * as fs from "fs";
import * as path from "path";
import ts from "typescript";
import { isPlainObject } from "../../lib/plainObject";
import { typoDistance } from "../../settings/similar";
import kubernetesModelsPackage from "kubernetes-models/package.json";

const kubernetesModelsVersion: string = kubernetesModelsPackage.version;

/** What built-in objects are checked against, as the manifests and the summary say it. */
export const kubernetesSchemaLabel = `the Kubernetes 1.33 OpenAPI schema (kubernetes-models ${kubernetesModelsVersion}), unknown fields refused`;

/** A problem with one field of one object: `path` is a JSONPath-like field path (`spec.template.spec.containers[0].name`). */
export interface FieldProblem {
    path: string;
    message: string;
}

/** What the schema says a value is, as far as the strict field check needs. */
type Shape =
    { kind: "object"; typeName: string; fields: Map<string, ShapeRef> } | { kind: "array"; of: ShapeRef } | { kind: "map"; of: ShapeRef } | { kind: "scalar" };

/** A shape is resolved lazily: definitions refer to each other (JSONSchemaProps is recursive). */
type ShapeRef = () => Shape;

const scalar: Shape = { kind: "scalar" };

/** Reads type declarations from kubernetes-models and its apimachinery package. */
class DeclarationReader {
    private readonly byFile = new Map<string, Shape>();

    /** The shape of the interface a declaration file exports first (its model). */
    modelShape(dtsFile: string): Shape {
        const cached = this.byFile.get(dtsFile);
        if (cached) return cached;
        const source = ts.createSourceFile(dtsFile, fs.readFileSync(dtsFile, "utf8"), ts.ScriptTarget.Latest, false);
        const imports = new Map<string, string>();
        let model: ts.InterfaceDeclaration | undefined;
        let alias: ts.TypeAliasDeclaration | undefined;
        for (const statement of source.statements) {
            if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
                const bindings = statement.importClause?.namedBindings;
                if (bindings && ts.isNamedImports(bindings)) {
                    for (const element of bindings.elements) imports.set(element.name.text, statement.moduleSpecifier.text);
                }
            } else if (ts.isInterfaceDeclaration(statement) && !model) {
                model = statement;
            } else if (ts.isTypeAliasDeclaration(statement) && !alias) {
                alias = statement;
            }
        }
        let shape: Shape = scalar;
        if (model) {
            const fields = new Map<string, ShapeRef>();
            shape = { kind: "object", typeName: model.name.text.replace(/^I/, ""), fields };
            // Cache before reading members: a field may refer back to this very model.
            this.byFile.set(dtsFile, shape);
            for (const member of model.members) {
                if (!ts.isPropertySignature(member) || !member.type) continue;
                if (!ts.isStringLiteral(member.name) && !ts.isIdentifier(member.name)) continue;
                const name = member.name.text;
                fields.set(name, this.typeShape(member.type, imports, dtsFile));
            }
        } else if (alias) {
            // Quantity, IntOrString, Time and the like: scalars.
            shape = scalar;
        }
        this.byFile.set(dtsFile, shape);
        return shape;
    }

    private typeShape(node: ts.TypeNode, imports: Map<string, string>, fromFile: string): ShapeRef {
        if (ts.isTypeReferenceNode(node)) {
            const name = ts.isIdentifier(node.typeName) ? node.typeName.text : node.typeName.right.text;
            if (name === "Array" && node.typeArguments?.length === 1) {
                const of = this.typeShape(node.typeArguments[0], imports, fromFile);
                return () => ({ kind: "array", of });
            }
            const module = imports.get(name);
            if (module && module !== "@kubernetes-models/base") {
                const file = resolveDeclaration(module, fromFile);
                return () => this.modelShape(file);
            }
            return () => scalar;
        }
        if (ts.isArrayTypeNode(node)) {
            const of = this.typeShape(node.elementType, imports, fromFile);
            return () => ({ kind: "array", of });
        }
        if (ts.isTypeLiteralNode(node)) {
            const index = node.members.find(ts.isIndexSignatureDeclaration);
            if (index) {
                const of = this.typeShape(index.type, imports, fromFile);
                return () => ({ kind: "map", of });
            }
        }
        // string, number, boolean, unions of literals, any: nothing more to check here.
        return () => scalar;
    }
}

function resolveDeclaration(module: string, fromFile: string): string {
    if (module.startsWith(".")) return path.resolve(path.dirname(fromFile), module) + ".d.ts";
    // Package exports map subpaths to .js; the declaration sits beside it.
    return require.resolve(module).replace(/\.js$/, ".d.ts");
}

/** Fields the object has and the schema lacks, each reported once with its path. */
export function unknownFields(value: unknown, shape: Shape, at = ""): FieldProblem[] {
    if (value === null || value === undefined) return [];
    switch (shape.kind) {
        case "scalar":
            return [];
        case "array":
            return Array.isArray(value) ? value.flatMap((item, i) => unknownFields(item, shape.of(), `${at}[${i}]`)) : [];
        case "map":
            return isPlainObject(value) ? Object.entries(value).flatMap(([k, v]) => unknownFields(v, shape.of(), `${at}[${JSON.stringify(k)}]`)) : [];
        case "object": {
            if (!isPlainObject(value)) return [];
            const problems: FieldProblem[] = [];
            for (const [key, child] of Object.entries(value)) {
                const field = shape.fields.get(key);
                const fieldPath = at ? `${at}.${key}` : key;
                if (!field) {
                    problems.push({ path: fieldPath, message: unknownFieldMessage(key, shape.typeName, [...shape.fields.keys()]) });
                } else {
                    problems.push(...unknownFields(child, field(), fieldPath));
                }
            }
            return problems;
        }
    }
}

function unknownFieldMessage(key: string, typeName: string, known: string[]): string {
    const closest = known
        .map((name) => ({ name, distance: typoDistance(key.toLowerCase(), name.toLowerCase()) }))
        .sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name))[0];
    if (closest && closest.distance <= Math.max(2, Math.floor(key.length / 4)))
        return `unknown field "${key}" in ${typeName} (did you mean "${closest.name}"?)`;
    return `unknown field "${key}" in ${typeName} (it has ${known.join(", ")})`;
}

/** kubernetes-models' module for an apiVersion and kind: core `v1` → `v1/<Kind>`, else `<group>/<version>/<Kind>`. */
export function modelModule(apiVersion: string, kind: string): string {
    return `kubernetes-models/${apiVersion}/${kind}`;
}

interface ModelClass {
    new (data: unknown): { validate(): void };
}

const reader = new DeclarationReader();

/** True when kubernetes-models has a model for this apiVersion and kind (built-in Kubernetes types). */
export function isBuiltInKind(apiVersion: string, kind: string): boolean {
    try {
        require.resolve(modelModule(apiVersion, kind));
        return true;
    } catch {
        return false;
    }
}

/**
 * Validates a built-in Kubernetes object. `partial` objects (server-side apply patches such as
 * NamespacePatch) are checked for unknown fields and types, but not for required fields.
 */
export function validateBuiltIn(object: Record<string, unknown>, options: { partial?: boolean } = {}): FieldProblem[] {
    const apiVersion = String(object.apiVersion);
    const kind = String(object.kind);
    const module = modelModule(apiVersion, kind);
    const dtsFile = require.resolve(module).replace(/\.js$/, ".d.ts");
    const problems = unknownFields(object, reader.modelShape(dtsFile));

    // eslint-disable-next-line @typescript-eslint/no-require-imports -- named by apiVersion and kind at run time, loaded synchronously: import() would make validateBuiltIn and its callers async
    const Model = (require(module) as Record<string, ModelClass>)[kind];
    try {
        new Model(object).validate();
    } catch (e) {
        const errors = (e as { errors?: { instancePath: string; message?: string; keyword: string; params?: Record<string, unknown> }[] }).errors ?? [];
        for (const error of errors) {
            if (error.keyword === "required") {
                if (options.partial) continue;
                // Name the missing field itself, as for unknown ones.
                const at = pointerToPath(error.instancePath);
                const missing = String(error.params?.missingProperty ?? "");
                problems.push({ path: at ? `${at}.${missing}` : missing, message: "is required" });
                continue;
            }
            problems.push({ path: pointerToPath(error.instancePath), message: error.message ?? error.keyword });
        }
        if (errors.length === 0) problems.push({ path: "", message: (e as Error).message });
    }
    return dedupe(problems);
}

/** `/spec/template/spec/containers/0/name` → `spec.template.spec.containers[0].name`. */
export function pointerToPath(pointer: string): string {
    let out = "";
    for (const raw of pointer.split("/").slice(1)) {
        const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
        if (/^\d+$/.test(part)) out += `[${part}]`;
        else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out ? `.${part}` : part;
        else out += `[${JSON.stringify(part)}]`;
    }
    return out;
}

function dedupe(problems: FieldProblem[]): FieldProblem[] {
    const seen = new Set<string>();
    return problems.filter((p) => {
        const key = `${p.path}\u0000${p.message}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
    });
}
