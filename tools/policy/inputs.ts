// Reading and checking what `npm run policy` is given: a plan file and a policy config file.
import * as fs from "fs";
import Ajv from "ajv";
import type { Plan } from "../planFile";
import type { EnforcementLevel, PackInfo, PolicyConfig, ResolvedPolicyConfig } from "./types";

export class InputError extends Error {}

function readJson(file: string, what: string): unknown {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new InputError(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    try {
        return JSON.parse(text);
    } catch (e) {
        throw new InputError(`${what} ${file} is not JSON: ${(e as Error).message}`);
    }
}

/** A plan file as `npm run plan` writes it (docs/plan-format.md); anything else is refused. */
export function readPlan(file: string): Plan {
    const doc = readJson(file, "plan file") as Partial<Plan> | null;
    const problems: string[] = [];
    if (typeof doc !== "object" || doc === null || Array.isArray(doc))
        throw new InputError(`plan file ${file}: must be an object {project, stack, resources, outputs}`);
    if (typeof doc.project !== "string") problems.push("project must be a string");
    if (typeof doc.stack !== "string") problems.push("stack must be a string");
    if (!Array.isArray(doc.resources)) problems.push("resources must be a list");
    else {
        doc.resources.forEach((r, i) => {
            if (typeof r !== "object" || r === null) {
                problems.push(`resources[${i}] must be an object`);
                return;
            }
            for (const key of ["urn", "type", "name"] as const) if (typeof r[key] !== "string") problems.push(`resources[${i}].${key} must be a string`);
            if (typeof r.inputs !== "object" || r.inputs === null) problems.push(`resources[${i}].inputs must be an object`);
            if (r.dependencies !== undefined && !Array.isArray(r.dependencies)) problems.push(`resources[${i}].dependencies must be a list`);
        });
    }
    if (problems.length > 0)
        throw new InputError(
            `plan file ${file} is not in the plan format (docs/plan-format.md):\n  ${problems.slice(0, 10).join("\n  ")}${problems.length > 10 ? `\n  … ${problems.length - 10} more` : ""}`,
        );
    // Fixtures written by hand may leave out the optional fields.
    const resources = (doc.resources ?? []).map((r) => ({ ...r, dependencies: r.dependencies ?? [], protect: r.protect ?? false, options: r.options ?? {} }));
    return { project: doc.project!, stack: doc.stack!, resources, outputs: doc.outputs ?? {} };
}

/** Policy config in the `pulumi preview --policy-config` format, checked against the pack's schemas. */
export function readPolicyConfig(file: string, info: PackInfo): PolicyConfig {
    const doc = readJson(file, "policy config");
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new InputError(`policy config ${file}: must be an object keyed by policy name`);
    const problems = policyConfigProblems(doc as Record<string, unknown>, info);
    if (problems.length > 0) throw new InputError(`policy config ${file}:\n  ${problems.join("\n  ")}`);
    return doc as PolicyConfig;
}

const levels = ["advisory", "mandatory", "remediate", "disabled"];

export function policyConfigProblems(config: Record<string, unknown>, info: PackInfo): string[] {
    const problems: string[] = [];
    const ajv = new Ajv({ allErrors: true, strict: false });
    for (const [name, value] of Object.entries(config)) {
        if (name === "all") {
            if (typeof value !== "string" || !levels.includes(value)) problems.push(`all: must be one of ${levels.join(", ")}`);
            continue;
        }
        const policy = info.policies.find((p) => p.name === name);
        if (!policy) {
            problems.push(`${name}: no such policy in ${info.name} (${info.policies.map((p) => p.name).join(", ")})`);
            continue;
        }
        const entry = typeof value === "string" ? { enforcementLevel: value } : value;
        if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
            problems.push(`${name}: must be an enforcement level or an object`);
            continue;
        }
        const { enforcementLevel, ...properties } = entry as Record<string, unknown>;
        if (enforcementLevel !== undefined && (typeof enforcementLevel !== "string" || !levels.includes(enforcementLevel)))
            problems.push(`${name}.enforcementLevel: must be one of ${levels.join(", ")}`);
        const schema = {
            type: "object",
            properties: policy.configSchema?.properties ?? {},
            required: policy.configSchema?.required ?? [],
            additionalProperties: false,
        };
        const validate = ajv.compile(schema);
        if (!validate(properties)) {
            for (const e of validate.errors ?? []) {
                const where = e.instancePath ? `${name}${e.instancePath.replace(/\//g, ".")}` : name;
                problems.push(
                    `${where}: ${e.keyword === "additionalProperties" ? `unknown property ${JSON.stringify((e.params as { additionalProperty: string }).additionalProperty)}` : e.message}`,
                );
            }
        }
    }
    return problems;
}

/** Applies a (checked) config to the pack's policies: the one reading of the config format. */
export function resolvePolicyConfig(policies: readonly { name: string; enforcementLevel: EnforcementLevel }[], config: PolicyConfig): ResolvedPolicyConfig {
    const all = typeof config.all === "string" ? config.all : undefined;
    return Object.fromEntries(
        policies.map((policy) => {
            const entry = config[policy.name];
            const { enforcementLevel, ...properties } = typeof entry === "string" ? { enforcementLevel: entry } : (entry ?? {});
            return [policy.name, { enforcementLevel: enforcementLevel ?? all ?? policy.enforcementLevel, properties }];
        }),
    );
}
