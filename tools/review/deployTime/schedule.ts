// Scheduling: start = the latest finish among what a node waits for; finish = start + duration.
// Readiness events (a Windows node Ready, an SSM agent online) are nodes too; the critical path
// walks back from the last resource to finish.
import type { Plan, PlanResource } from "../../planFile";
import { indexPlan, isLocalComponent, providerDependencies, type PlanIndex } from "./conditions";
import type { Scenario } from "./data";
import { basisOf, figuresSeconds, readinessRuleFor, ruleFor } from "./rules";

interface GraphNode {
    id: string;
    type: string;
    name: string;
    durationSeconds: number;
    basis: string;
    /** Node ids this one starts after. */
    waitsFor: string[];
    /** Node ids of which the first to finish is enough (a pod needs one Windows node group Ready). */
    waitsForAny: string[];
    /** A readiness event rather than a plan resource. */
    readinessOf?: string;
}

function readinessNodeId(urn: string, ruleId: string): string {
    return `${urn}#${ruleId}`;
}

type ReadinessEvents = ReadonlyMap<string, { urn: string; ruleId: string }>;

/** The provisioning command polls the SSM status of the instances it depends on. */
function readinessWaitsAll(resource: PlanResource, events: ReadinessEvents): string[] {
    if (resource.type !== "command:local:Command") return [];
    return resource.dependencies.map((urn) => readinessNodeId(urn, "ssm-online")).filter((id) => events.has(id));
}

/** An awaited Windows workload needs a Windows node, of any Windows node group, to be Ready. */
function readinessWaitsAny(resource: PlanResource, events: ReadinessEvents, index: PlanIndex): string[] {
    if (ruleFor(resource, index).id !== "windows-workload") return [];
    return [...events.entries()].filter(([, e]) => e.ruleId === "windows-nodes-ready").map(([id]) => id);
}

export function buildGraph(plan: Plan, scenario: Scenario): Map<string, GraphNode> {
    const index = indexPlan(plan);
    const nodes = new Map<string, GraphNode>();
    const events = new Map<string, { urn: string; ruleId: string }>();
    for (const r of plan.resources) {
        const rule = readinessRuleFor(r, index);
        if (!rule) continue;
        const id = readinessNodeId(r.urn, rule.id);
        events.set(id, { urn: r.urn, ruleId: rule.id });
        nodes.set(id, {
            id,
            type: `(readiness) ${rule.id}`,
            name: `${r.name}: ${rule.label}`,
            durationSeconds: figuresSeconds(rule.figures, scenario),
            basis: basisOf(rule),
            waitsFor: [r.urn],
            waitsForAny: [],
            readinessOf: r.urn,
        });
    }
    for (const r of plan.resources) {
        const rule = ruleFor(r, index);
        const waitsFor = [
            ...r.dependencies.filter((urn) => index.byUrn.has(urn)),
            ...providerDependencies(r, index),
            // Depending on a local component means waiting for everything under it.
            ...(isLocalComponent(r) ? (index.children.get(r.urn) ?? []) : []),
            ...readinessWaitsAll(r, events),
        ];
        nodes.set(r.urn, {
            id: r.urn,
            type: r.type,
            name: r.name,
            durationSeconds: figuresSeconds(rule.figures, scenario),
            basis: basisOf(rule),
            waitsFor: [...new Set(waitsFor)],
            waitsForAny: readinessWaitsAny(r, events, index),
        });
    }
    return nodes;
}

interface Timing {
    start: number;
    finish: number;
}

export function computeTimings(nodes: ReadonlyMap<string, GraphNode>): Map<string, Timing> {
    const timings = new Map<string, Timing>();
    const visiting = new Set<string>();
    const visit = (id: string): Timing => {
        const known = timings.get(id);
        if (known) return known;
        if (visiting.has(id)) throw new Error(`deploy time: dependency cycle through ${id}`);
        visiting.add(id);
        const node = nodes.get(id)!;
        const firstOfAny = node.waitsForAny.length > 0 ? Math.min(...node.waitsForAny.map((w) => visit(w).finish)) : 0;
        const start = Math.max(0, firstOfAny, ...node.waitsFor.map((w) => visit(w).finish));
        const timing = { start, finish: start + node.durationSeconds };
        visiting.delete(id);
        timings.set(id, timing);
        return timing;
    };
    for (const id of nodes.keys()) visit(id);
    return timings;
}

export interface PathStep {
    urn: string;
    type: string;
    name: string;
    startSeconds: number;
    durationSeconds: number;
    /** The rule and the figures it adds up. */
    basis: string;
}

/** From the last plan resource to finish, back through whatever made each start when it did. */
export function criticalPath(nodes: ReadonlyMap<string, GraphNode>, timings: ReadonlyMap<string, Timing>): PathStep[] {
    const byFinishThenId = (a: string, b: string) => timings.get(b)!.finish - timings.get(a)!.finish || (a < b ? -1 : a > b ? 1 : 0);
    const resources = [...nodes.values()]
        .filter((n) => !n.readinessOf)
        .map((n) => n.id)
        .sort(byFinishThenId);
    const steps: PathStep[] = [];
    let current = resources[0];
    while (current !== undefined) {
        const node = nodes.get(current)!;
        const timing = timings.get(current)!;
        // Local components (and zero-time structure) are how the chain passes, not steps of it.
        const isStructure = node.durationSeconds === 0 && !node.readinessOf && node.type !== "eks:index:Cluster" && !node.type.startsWith("pulumi:providers:");
        if (!isStructure)
            steps.push({
                urn: node.id,
                type: node.type,
                name: node.name,
                startSeconds: timing.start,
                durationSeconds: node.durationSeconds,
                basis: node.basis,
            });
        if (timing.start === 0) break;
        const firstOfAny = [...node.waitsForAny].sort(byFinishThenId).reverse()[0];
        current = [...node.waitsFor, ...(firstOfAny ? [firstOfAny] : [])].sort(byFinishThenId)[0];
    }
    return steps.reverse();
}
