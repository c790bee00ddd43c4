// The plan file format (docs/plan-format.md): what a stack would register, offline.
import { normalizeValue } from "./harness/normalize";
import type { RegisteredResource, StackRun } from "./harness";

/**
 * A registered resource as the plan shows it: values normalized, only non-default options. The
 * property dependencies ride in `options.propertyDependencies` (when there are any), so the
 * resource keeps the shape plan consumers already read.
 */
export type PlanResource = Omit<RegisteredResource, "options" | "propertyDependencies"> & { options: Record<string, unknown> };

export interface Plan {
    project: string;
    stack: string;
    resources: PlanResource[];
    outputs: Record<string, unknown>;
    /**
     * Values in the plan that the offline runtime made up (IDs, ARNs, addresses), each with what
     * it stands for: the real ones are known only at deploy time. Absent when there are none.
     */
    deployTimeValues?: Record<string, string>;
}

export function toPlan(project: string, run: StackRun): Plan {
    const resources = run.resources
        .map((r): PlanResource => ({
            urn: r.urn,
            type: r.type,
            name: r.name,
            ...(r.parent ? { parent: r.parent } : {}),
            dependencies: [...r.dependencies].sort(),
            protect: r.protect,
            inputs: normalizeValue(r.inputs) as Record<string, unknown>,
            options: planOptions(r),
        }))
        .sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
    const outputs = normalizeValue(run.outputs) as Record<string, unknown>;
    const deployTimeValues = inventedValuesIn(JSON.stringify({ resources, outputs }), run.invented ?? {});
    return { project, stack: run.stack, resources, outputs, ...(Object.keys(deployTimeValues).length > 0 ? { deployTimeValues } : {}) };
}

/** The made-up values that occur in the plan's text, sorted (the rest were never used). */
function inventedValuesIn(planText: string, invented: Record<string, string>): Record<string, string> {
    const used = Object.keys(invented)
        .filter((v) => planText.includes(JSON.stringify(v).slice(1, -1)))
        .sort();
    return Object.fromEntries(used.map((v) => [v, invented[v]]));
}

/** Non-default options, plus the property dependencies when the resource has any. */
function planOptions(r: RegisteredResource): Record<string, unknown> {
    const options: Record<string, unknown> = Object.fromEntries(Object.entries(r.options).filter(([, v]) => v !== undefined));
    // Runs recorded before property dependencies were captured have none.
    if (r.propertyDependencies && Object.keys(r.propertyDependencies).length > 0) options.propertyDependencies = r.propertyDependencies;
    return normalizeValue(options) as Record<string, unknown>;
}

/** Resource counts by type, most first. */
export function countByType(plan: Plan): [string, number][] {
    const counts = new Map<string, number>();
    for (const r of plan.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/**
 * The EKS clusters an earlier plan deployed, with the tags it gave them: what a day-2 run finds
 * in the account (the program reads the cluster's creator from its tags before registering).
 */
export function deployedClusters(plan: Plan): Record<string, { tags: Record<string, string> }> {
    const clusters: Record<string, { tags: Record<string, string> }> = {};
    for (const r of plan.resources.filter((x) => x.type === "eks:index:Cluster" && typeof x.inputs.name === "string")) {
        const tags = { ...(r.inputs.clusterTags as Record<string, string> | undefined), ...(r.inputs.tags as Record<string, string> | undefined) };
        clusters[r.inputs.name as string] = { tags };
    }
    return clusters;
}
