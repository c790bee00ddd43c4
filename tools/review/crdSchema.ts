// Validation of custom resources against their CustomResourceDefinition's openAPIV3Schema, made
// strict: a structural CRD without x-kubernetes-preserve-unknown-fields has every unknown field
// pruned by the API server, silently, so an unknown field is an error here.
import * as fs from "fs";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import YAML from "yaml";
import type { FieldProblem } from "./k8sSchema";
import type { CustomResourceValidators } from "./manifests";
import { pointerToPath } from "./k8sSchema";
import { isPlainObject } from "../../lib/plainObject";

type Json = Record<string, unknown>;

/** `additionalProperties: false` on every object schema that lists `properties` and says nothing else. */
export function strictSchema(schema: unknown): unknown {
    if (Array.isArray(schema)) return schema.map(strictSchema);
    if (!isPlainObject(schema)) return schema;
    const out: Json = {};
    for (const [k, v] of Object.entries(schema)) {
        if (k === "properties" && isPlainObject(v)) out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, strictSchema(s)]));
        else if (k === "items" || k === "additionalProperties" || k === "not") out[k] = strictSchema(v);
        else if (k === "allOf" || k === "anyOf" || k === "oneOf") out[k] = (v as unknown[]).map(strictSchema);
        else out[k] = v;
    }
    if (isPlainObject(out.properties) && out.additionalProperties === undefined && out["x-kubernetes-preserve-unknown-fields"] !== true)
        out.additionalProperties = false;
    return out;
}

export interface CustomResourceDefinition {
    group: string;
    kind: string;
    scope: "Namespaced" | "Cluster";
    versions: { name: string; served: boolean; storage: boolean; deprecated?: boolean; schema: Json }[];
}

/** The fields of a CustomResourceDefinition document that parseCrds reads. */
interface CrdDocument {
    spec: {
        group: string;
        names: { kind: string };
        scope: CustomResourceDefinition["scope"];
        versions: { name: string; served: boolean; storage: boolean; deprecated?: boolean; schema: { openAPIV3Schema: Json } }[];
    };
}

/** The CustomResourceDefinitions in a YAML text (one or more documents); `where` names it in errors. */
export function parseCrds(text: string, where: string): CustomResourceDefinition[] {
    const docs = YAML.parseAllDocuments(text)
        .map((d) => d.toJS())
        .filter((d) => d !== null && d !== undefined);
    const crds = docs.filter((d) => d?.kind === "CustomResourceDefinition");
    if (crds.length === 0) throw new Error(`${where} holds no CustomResourceDefinition`);
    return (crds as CrdDocument[]).map((doc) => ({
        group: doc.spec.group,
        kind: doc.spec.names.kind,
        scope: doc.spec.scope,
        versions: doc.spec.versions.map((v) => ({
            name: v.name,
            served: v.served,
            storage: v.storage,
            deprecated: v.deprecated,
            schema: v.schema.openAPIV3Schema,
        })),
    }));
}

export function readCrd(file: string): CustomResourceDefinition {
    const [crd] = parseCrds(fs.readFileSync(file, "utf8"), file);
    return crd;
}

/**
 * The whole object's schema for one version: the CRD's schema plus apiVersion, kind and the
 * metadata the API server checks itself (a name; a namespace only when namespaced).
 */
export function crdObjectSchema(crd: CustomResourceDefinition, version: string, strict: boolean): Json {
    const v = crd.versions.find((x) => x.name === version);
    if (!v) throw new Error(`the CRD for ${crd.kind} has no version ${version}`);
    const schema = (strict ? strictSchema(v.schema) : structuredClone(v.schema)) as Json;
    const metadataProperties: Json = {
        name: { type: "string" },
        labels: { type: "object", additionalProperties: { type: "string" } },
        annotations: { type: "object", additionalProperties: { type: "string" } },
    };
    if (crd.scope === "Namespaced") metadataProperties.namespace = { type: "string" };
    else metadataProperties.namespace = false;
    schema.properties = {
        ...(schema.properties as Json | undefined),
        apiVersion: { type: "string", const: `${crd.group}/${version}` },
        kind: { type: "string", const: crd.kind },
        metadata: { type: "object", required: ["name"], properties: metadataProperties },
    };
    return schema;
}

export function compileCrdValidator(crd: CustomResourceDefinition, version: string, strict = true): ValidateFunction {
    return new Ajv({ allErrors: true, strict: true }).compile(crdObjectSchema(crd, version, strict));
}

/** Ajv's errors as field problems: `unknown field "X"` for additionalProperties. */
export function ajvProblems(errors: ErrorObject[] | null | undefined): FieldProblem[] {
    return (errors ?? []).map((e) => {
        const at = pointerToPath(e.instancePath);
        if (e.keyword === "additionalProperties") {
            const field = String((e.params as { additionalProperty: string }).additionalProperty);
            return {
                path: at ? `${at}.${field}` : field,
                message: `unknown field "${field}" (the CRD schema does not have it; the API server would prune it)`,
            };
        }
        if (e.keyword === "false schema") return { path: at, message: "is not allowed here" };
        return { path: at, message: e.message ?? e.keyword };
    });
}

/**
 * Validators (strict) for every served version of the CRDs a chart ships, by
 * `<group>/<version>/<kind>`; `chart` says which chart, for the manifests' "checked against".
 */
export function customResourceValidators(crds: { file: string; text: string }[], chart: string): CustomResourceValidators {
    const validators: CustomResourceValidators = new Map();
    for (const { file, text } of crds) {
        for (const crd of parseCrds(text, `${chart} ${file}`)) {
            for (const version of crd.versions.filter((v) => v.served)) {
                validators.set(`${crd.group}/${version.name}/${crd.kind}`, {
                    validate: compileCrdValidator(crd, version.name, true),
                    source: `the ${crd.kind} CRD ${version.name} schema (strict) of the ${chart}`,
                });
            }
        }
    }
    return validators;
}
