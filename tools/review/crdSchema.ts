// Validation of custom resources against their CustomResourceDefinition's openAPIV3Schema, made
// strict: a structural CRD without x-kubernetes-preserve-unknown-fields has every unknown field
// pruned by the API server, silently, so an unknown field is an error here.
import * as fs from "fs";
import * as path from "path";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import YAML from "yaml";
import type { FieldProblem } from "./k8sSchema";
import { pointerToPath } from "./k8sSchema";
import { isPlainObject } from "../../settings/reader";

type Json = Record<string, any>;

/** The reference copy of the gMSA chart, read in place (never copied into this repository). */
export function gmsaChartReferenceDir(projectRoot: string, chartVersion: string): string {
    return path.join(projectRoot, "..", "shared", "reference", `windows-gmsa-chart-${chartVersion}`);
}

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
    if (isPlainObject(out.properties) && out.additionalProperties === undefined && out["x-kubernetes-preserve-unknown-fields"] !== true) out.additionalProperties = false;
    return out;
}

export interface CustomResourceDefinition {
    group: string;
    kind: string;
    scope: "Namespaced" | "Cluster";
    versions: { name: string; served: boolean; storage: boolean; deprecated?: boolean; schema: Json }[];
}

export function readCrd(file: string): CustomResourceDefinition {
    const doc = YAML.parse(fs.readFileSync(file, "utf8"));
    if (doc?.kind !== "CustomResourceDefinition") throw new Error(`${file} is not a CustomResourceDefinition`);
    return {
        group: doc.spec.group,
        kind: doc.spec.names.kind,
        scope: doc.spec.scope,
        versions: (doc.spec.versions as Json[]).map((v) => ({ name: v.name, served: v.served, storage: v.storage, deprecated: v.deprecated, schema: v.schema.openAPIV3Schema })),
    };
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
        ...schema.properties,
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
            return { path: at ? `${at}.${field}` : field, message: `unknown field "${field}" (the CRD schema does not have it; the API server would prune it)` };
        }
        if (e.keyword === "false schema") return { path: at, message: "is not allowed here" };
        return { path: at, message: e.message ?? e.keyword };
    });
}

/**
 * Validators for the custom resources the program creates: GMSACredentialSpec, from the CRD of
 * the gmsa chart version the plan installs. Without the reference copy, credspecs are reported
 * unchecked (a warning), never silently passed.
 */
type PlanLike = { resources: { type: string; inputs: Record<string, unknown> }[] };

/** The gmsa chart version the plan's Helm release installs, and where its reference copy would be. */
export function gmsaChartReference(plan: PlanLike, projectRoot: string): { version: string; dir: string } | undefined {
    const release = plan.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "gmsa");
    if (!release) return undefined;
    const version = String(release.inputs.version);
    return { version, dir: gmsaChartReferenceDir(projectRoot, version) };
}

export function gmsaCustomResourceValidators(plan: PlanLike, projectRoot: string): Map<string, { validate: ValidateFunction; source: string } | { unavailable: string }> {
    const validators = new Map<string, { validate: ValidateFunction; source: string } | { unavailable: string }>();
    const reference = gmsaChartReference(plan, projectRoot);
    if (!reference) return validators;
    const chartVersion = reference.version;
    const crdFile = path.join(reference.dir, "crds.yaml");
    if (!fs.existsSync(crdFile)) {
        validators.set("windows.k8s.io/v1/GMSACredentialSpec", { unavailable: `the gmsa chart ${chartVersion} CRD reference ${path.relative(projectRoot, crdFile)} is not on this machine` });
        return validators;
    }
    const crd = readCrd(crdFile);
    for (const version of crd.versions.filter((v) => v.served)) {
        validators.set(`${crd.group}/${version.name}/${crd.kind}`, {
            validate: compileCrdValidator(crd, version.name, true),
            source: `the ${crd.kind} CRD ${version.name} schema (strict) of the gmsa chart ${chartVersion}`,
        });
    }
    return validators;
}
