// What the deploy-time rules may ask of a plan resource: the plan indexed by URN and parent, and
// the named conditions a rule's `when` refers to (tools/review/data/deploy-time-rules.json).
import type { Plan, PlanResource } from "../../planFile";
import type { Condition } from "./data";

export interface PlanIndex {
    byUrn: ReadonlyMap<string, PlanResource>;
    children: ReadonlyMap<string, readonly string[]>;
}

export function indexPlan(plan: Plan): PlanIndex {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r] as const));
    const children = new Map<string, string[]>();
    for (const r of plan.resources) {
        if (!r.parent || !byUrn.has(r.parent)) continue;
        children.set(r.parent, [...(children.get(r.parent) ?? []), r.urn]);
    }
    return { byUrn, children };
}

export function objectAt(value: unknown, ...keys: string[]): Record<string, unknown> | undefined {
    let current: unknown = value;
    for (const key of keys) {
        if (current === null || typeof current !== "object") return undefined;
        current = (current as Record<string, unknown>)[key];
    }
    return current !== null && typeof current === "object" ? (current as Record<string, unknown>) : undefined;
}

export function isLocalComponent(resource: PlanResource): boolean {
    return resource.options.custom === false && resource.options.remote !== true;
}

/** An ASG whose initial lifecycle hooks hold launching instances (Pending:Wait until completed). */
export function hasLaunchHook(resource: PlanResource): boolean {
    const hooks = resource.inputs.initialLifecycleHooks;
    return Array.isArray(hooks) && hooks.some((h) => objectAt(h)?.lifecycleTransition === "autoscaling:EC2_INSTANCE_LAUNCHING");
}

function skipsAwait(resource: PlanResource): boolean {
    return resource.inputs.skipAwait === true || objectAt(resource.inputs, "metadata", "annotations")?.["pulumi.com/skipAwait"] === "true";
}

/** Pods of this workload select Windows nodes. */
export function isWindowsWorkload(resource: PlanResource): boolean {
    return objectAt(resource.inputs, "spec", "template", "spec", "nodeSelector")?.["kubernetes.io/os"] === "windows";
}

/** The program's Windows node group component (components/windowsNodes.ts). */
export const windowsNodesType = "eks-gmsa:nodes:WindowsNodes";

/** A Windows node group: an auto scaling group under a WindowsNodes component (walking `parent` URNs). */
export function isWindowsNodeGroup(resource: PlanResource, index: PlanIndex): boolean {
    if (resource.type !== "aws:autoscaling/group:Group") return false;
    for (let p = resource.parent; p !== undefined; p = index.byUrn.get(p)?.parent) {
        if (index.byUrn.get(p)?.type === windowsNodesType) return true;
    }
    return false;
}

/** Providers a resource uses: a provider reference is `<provider urn>::<id>`. Pulumi creates them first. */
export function providerDependencies(resource: PlanResource, index: PlanIndex): string[] {
    const refs = [resource.options.provider, ...Object.values(objectAt(resource.options, "providers") ?? {})].filter((v): v is string => typeof v === "string");
    return refs.map((ref) => (index.byUrn.has(ref) ? ref : ref.slice(0, ref.lastIndexOf("::")))).filter((urn) => index.byUrn.has(urn));
}

/** The conditions a rule may name in `when`. */
const namedConditions: Readonly<Record<string, (resource: PlanResource, index: PlanIndex) => boolean>> = {
    "launch-hook": hasLaunchHook,
    "skip-await": skipsAwait,
    "windows-workload": isWindowsWorkload,
    "windows-node-group-with-launch-hook": (r, index) => isWindowsNodeGroup(r, index) && hasLaunchHook(r),
    "windows-node-group-without-launch-hook": (r, index) => isWindowsNodeGroup(r, index) && !hasLaunchHook(r),
};

export const conditionNames: readonly string[] = Object.keys(namedConditions);

/** Whether a rule's condition holds for a resource (no condition: it always does). */
export function conditionHolds(when: Condition | undefined, resource: PlanResource, index: PlanIndex): boolean {
    if (when === undefined) return true;
    if (typeof when === "string") return namedConditions[when](resource, index);
    return resource.inputs[when.input] === when.equals;
}
