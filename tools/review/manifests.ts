// The Kubernetes side of a plan as reviewable files: every object the stack creates (one YAML
// file each) and every Helm release (chart, version, repository, values), each object validated
// against the Kubernetes OpenAPI schema or, for custom resources, its CRD's schema.
import * as fs from "fs";
import * as path from "path";
import { isDeepStrictEqual } from "util";
import type { ValidateFunction } from "ajv";
import YAML from "yaml";
import type { Plan, PlanResource } from "../planFile";
import { ajvProblems } from "./crdSchema";
import { checkValues, type HelmValuesContracts } from "./helmValues";
import { isBuiltInKind, validateBuiltIn, type FieldProblem } from "./k8sSchema";
import { withoutInventedStrings } from "./deployTimeValues";
import { isPlainObject } from "../../lib/plainObject";

export interface Manifest {
    /** File name under manifests/, unique and stable. */
    file: string;
    urn: string;
    /** `Namespace web`, `ClusterRole gmsa-use-webapp01`, `Helm release gmsa-webhook/gmsa-webhook`. */
    title: string;
    /** What the file holds: an object, a patch of an existing object, or a Helm release. */
    form: "object" | "patch" | "helm-release";
    /** What is validated and what the file holds: the inputs, made-up values shown as what they stand for. */
    document: Record<string, unknown>;
    /** Where the schema came from, or why there is none. */
    checkedAgainst: string;
    /** Set when the schema could not be read here (a warning, not a failure). */
    unchecked?: string;
    problems: FieldProblem[];
}

/** Validators for custom resources, by `apiVersion/kind` (e.g. `windows.k8s.io/v1/GMSACredentialSpec`). */
export type CustomResourceValidators = Map<string, { validate: ValidateFunction; source: string } | { unavailable: string }>;

const kubernetesPrefix = "kubernetes:";
const helmReleaseType = "kubernetes:helm.sh/v3:Release";

/** Kubernetes resources of the plan (not providers, not Helm's chart/yaml components). */
function isKubernetesObject(r: PlanResource): boolean {
    return r.type.startsWith(kubernetesPrefix) && r.options.custom === true && r.type !== helmReleaseType && typeof r.inputs.kind === "string";
}

function slug(text: string): string {
    return text
        .toLowerCase()
        .replace(/[^a-z0-9.-]+/g, "-")
        .replace(/^-+|-+$/g, "");
}

function objectName(doc: Record<string, unknown>): { name: string; namespace?: string } {
    const metadata = (doc.metadata ?? {}) as Record<string, unknown>;
    return { name: String(metadata.name ?? "[unnamed]"), ...(typeof metadata.namespace === "string" ? { namespace: metadata.namespace } : {}) };
}

/**
 * The manifests of a plan, in URN order, validated. `customResources` holds the CRD validators
 * known; a custom resource without one is reported as a problem (nothing may go unchecked).
 * Each object is the resource's inputs with the values the offline runtime made up
 * (plan.deployTimeValues) shown as what they stand for, and that object is both validated and
 * written: a file never holds a made-up ARN, and never something other than what was checked.
 */
export function planManifests(
    plan: Plan,
    customResources: CustomResourceValidators,
    kubernetesSchema: string,
    helmValues: HelmValuesContracts = new Map(),
): Manifest[] {
    const manifests: Manifest[] = [];
    for (const planned of plan.resources) {
        const isRelease = planned.type === helmReleaseType;
        if (!isRelease && !isKubernetesObject(planned)) continue;
        const r = { ...planned, inputs: withoutInventedStrings(planned.inputs, plan.deployTimeValues) };
        manifests.push(isRelease ? helmReleaseManifest(r, helmValues) : objectManifest(r, customResources, kubernetesSchema));
    }
    return uniqueFiles(manifests);
}

function objectManifest(r: PlanResource, customResources: CustomResourceValidators, kubernetesSchema: string): Manifest {
    const document = r.inputs;
    const apiVersion = String(document.apiVersion);
    const kind = String(document.kind);
    const { name, namespace } = objectName(document);
    // NamespacePatch, DeploymentPatch…: server-side apply of a partial object.
    const form = r.type.endsWith("Patch") ? "patch" : "object";
    const base = `${slug(kind)}${namespace ? `.${slug(namespace)}` : ""}.${slug(name)}${form === "patch" ? ".patch" : ""}.yaml`;
    const title = `${kind} ${namespace ? `${namespace}/` : ""}${name}${form === "patch" ? " (patch)" : ""}`;
    if (isBuiltInKind(apiVersion, kind)) {
        return {
            file: base,
            urn: r.urn,
            title,
            form,
            document,
            checkedAgainst: kubernetesSchema,
            problems: validateBuiltIn(document, { partial: form === "patch" }),
        };
    }
    const custom = customResources.get(`${apiVersion}/${kind}`);
    if (!custom) {
        return {
            file: base,
            urn: r.urn,
            title,
            form,
            document,
            checkedAgainst: "nothing",
            problems: [{ path: "", message: `no schema for ${apiVersion} ${kind}: neither a built-in kind nor a CRD the plan knows` }],
        };
    }
    if ("unavailable" in custom) {
        return { file: base, urn: r.urn, title, form, document, checkedAgainst: `nothing: ${custom.unavailable}`, unchecked: custom.unavailable, problems: [] };
    }
    const ok = custom.validate(document);
    return { file: base, urn: r.urn, title, form, document, checkedAgainst: custom.source, problems: ok ? [] : ajvProblems(custom.validate.errors) };
}

/** What Helm is asked to install: the chart, where from, which version, into where, with what values. */
function helmReleaseManifest(r: PlanResource, helmValues: HelmValuesContracts): Manifest {
    const i = r.inputs;
    const repo = ((i.repositoryOpts ?? {}) as Record<string, unknown>).repo;
    const document: Record<string, unknown> = {
        release: i.name,
        namespace: i.namespace,
        chart: i.chart,
        version: i.version,
        ...(repo ? { repository: repo } : {}),
        ...(i.skipCrds !== undefined ? { skipCrds: i.skipCrds } : {}),
        ...(i.skipAwait !== undefined ? { skipAwait: i.skipAwait } : {}),
        ...(i.timeout !== undefined ? { timeoutSeconds: i.timeout } : {}),
        values: i.values ?? {},
    };
    // The chart renders the objects at deploy time; what can be checked here is the value keys.
    const known = helmValues.get(`${String(i.chart)}@${String(i.version)}`);
    const values = known && "contract" in known ? known : undefined;
    const problems: FieldProblem[] =
        values && isPlainObject(i.values)
            ? checkValues(i.values, values.contract).map((line) => {
                  const at = line.indexOf(": ");
                  return { path: `values.${line.slice(0, at)}`, message: line.slice(at + 2) };
              })
            : [];
    return {
        file: `helm-release.${slug(String(i.namespace ?? "default"))}.${slug(String(i.name ?? r.name))}.yaml`,
        urn: r.urn,
        title: `Helm release ${String(i.namespace)}/${String(i.name)} (chart ${String(i.chart)} ${String(i.version)})`,
        form: "helm-release",
        document,
        checkedAgainst: values
            ? values.source
            : `nothing: no values.yaml of chart ${String(i.chart)} ${String(i.version)} ${known && "unavailable" in known ? `(${known.unavailable})` : "on this machine (the chart renders the objects at deploy time)"}`,
        ...(known && "unavailable" in known ? { unchecked: known.unavailable } : {}),
        problems,
    };
}

/** Two objects could slug to one file name; number the later ones rather than overwrite. */
function uniqueFiles(manifests: Manifest[]): Manifest[] {
    const seen = new Map<string, number>();
    return manifests.map((m) => {
        const n = seen.get(m.file) ?? 0;
        seen.set(m.file, n + 1);
        return n === 0 ? m : { ...m, file: m.file.replace(/\.yaml$/, `.${n + 1}.yaml`) };
    });
}

/** The file's text: a comment saying where it comes from, then the YAML. */
export function manifestText(m: Manifest): string {
    const header = [`# ${m.title}`, `# from ${m.urn}`, `# checked against: ${m.checkedAgainst}`];
    if (m.form === "helm-release") {
        const d = m.document;
        // What Helm would render, for a reviewer with the chart at hand.
        header.push(
            `# render: yq .values ${m.file} > values.yaml && helm template ${String(d.release)} ${String(d.chart)}${d.repository ? ` --repo ${String(d.repository)}` : ""} --version ${String(d.version)} --namespace ${String(d.namespace)} --values values.yaml`,
        );
    }
    return `${header.join("\n")}\n${YAML.stringify(m.document, { lineWidth: 0, sortMapEntries: false })}`;
}

/**
 * Replaces dir's contents with the manifests (a removed object must not leave a stale file). Each
 * file's YAML is read back first and must be the object that was validated.
 */
export function writeManifests(dir: string, manifests: Manifest[]): void {
    const files = manifests.map((m) => {
        const text = manifestText(m);
        // As JSON: a key whose value is undefined is absent from the YAML too.
        if (!isDeepStrictEqual(YAML.parse(text), JSON.parse(JSON.stringify(m.document))))
            throw new Error(`manifests: ${m.file} would not read back as the object that was validated (${m.urn})`);
        return { file: m.file, text };
    });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const { file, text } of files) fs.writeFileSync(path.join(dir, file), text);
}

/**
 * How the files fared, each counted once: "18 files, all valid"; "18 files, 16 valid, 2 unchecked"
 * (an unchecked file is not a valid one); "18 files, 17 valid, 1 invalid (2 problems)".
 */
export function manifestsVerdict(manifests: readonly Manifest[]): string {
    const invalid = manifests.filter((m) => m.problems.length > 0);
    const unchecked = manifests.filter((m) => m.problems.length === 0 && m.unchecked !== undefined);
    const files = `${manifests.length} file${manifests.length === 1 ? "" : "s"}`;
    if (invalid.length === 0 && unchecked.length === 0) return `${files}, all valid`;
    const problems = invalid.reduce((n, m) => n + m.problems.length, 0);
    return [
        files,
        `${manifests.length - invalid.length - unchecked.length} valid`,
        ...(invalid.length > 0 ? [`${invalid.length} invalid (${problems} problem${problems === 1 ? "" : "s"})`] : []),
        ...(unchecked.length > 0 ? [`${unchecked.length} unchecked`] : []),
    ].join(", ");
}

/** One line per problem: the object and the field. */
export function formatProblems(manifests: Manifest[]): string[] {
    return manifests.flatMap((m) => m.problems.map((p) => `${m.title} [${m.file}]: ${p.path || "(object)"}: ${p.message}`));
}
