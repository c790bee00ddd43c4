// The deploy-time model of a plan: schedule, critical path, readiness, warnings, on mid figures
// with the low and high totals as its range.
import type { Plan } from "../../planFile";
import { indexPlan } from "./conditions";
import { deployTimeData, type DurationFigure, type DurationRule, type ReadinessRule, type Scenario } from "./data";
import { ruleFor } from "./rules";
import { capacityTimeoutWarnings, launchHookDeadlockWarnings } from "./warnings";
import { buildGraph, computeTimings, criticalPath, type PathStep } from "./schedule";

export interface ScheduledResource {
    urn: string;
    type: string;
    name: string;
    startSeconds: number;
    durationSeconds: number;
    finishSeconds: number;
    rule: string;
}

export interface ReadinessEvent {
    urn: string;
    name: string;
    label: string;
    atSeconds: number;
    /** Some resource of the plan waits for it. */
    awaited: boolean;
}

export interface DeployTimeModel {
    project: string;
    stack: string;
    /** When `pulumi up` finishes, on the mid figures. */
    totalSeconds: number;
    /** The same model on all-low and all-high figures. */
    range: { lowSeconds: number; highSeconds: number };
    criticalPath: PathStep[];
    schedule: ScheduledResource[];
    readiness: ReadinessEvent[];
    warnings: string[];
    /** Types no rule matched (they took the fallback figure). */
    unmatchedTypes: string[];
    durations: { figures: readonly DurationFigure[]; rules: readonly DurationRule[]; readiness: readonly ReadinessRule[] };
}

function scenarioTotal(plan: Plan, scenario: Scenario): number {
    const nodes = buildGraph(plan, scenario);
    const timings = computeTimings(nodes);
    return Math.max(0, ...plan.resources.map((r) => timings.get(r.urn)!.finish));
}

export function modelDeployTime(plan: Plan): DeployTimeModel {
    const data = deployTimeData();
    const index = indexPlan(plan);
    const nodes = buildGraph(plan, "mid");
    const timings = computeTimings(nodes);
    const schedule = plan.resources.map((r): ScheduledResource => {
        const t = timings.get(r.urn)!;
        return {
            urn: r.urn,
            type: r.type,
            name: r.name,
            startSeconds: t.start,
            durationSeconds: t.finish - t.start,
            finishSeconds: t.finish,
            rule: ruleFor(r, index).id,
        };
    });
    const awaitedEvents = new Set([...nodes.values()].flatMap((n) => [...n.waitsFor, ...n.waitsForAny].filter((w) => nodes.get(w)?.readinessOf)));
    const readiness = [...nodes.values()]
        .filter((n) => n.readinessOf)
        .map((n): ReadinessEvent => ({
            urn: n.id,
            name: n.name,
            label: n.type,
            atSeconds: timings.get(n.id)!.finish,
            awaited: awaitedEvents.has(n.id),
        }));
    return {
        project: plan.project,
        stack: plan.stack,
        totalSeconds: Math.max(0, ...schedule.map((s) => s.finishSeconds)),
        range: { lowSeconds: scenarioTotal(plan, "low"), highSeconds: scenarioTotal(plan, "high") },
        criticalPath: criticalPath(nodes, timings),
        schedule,
        readiness,
        warnings: [...capacityTimeoutWarnings(plan, index), ...launchHookDeadlockWarnings(plan, index)],
        unmatchedTypes: [...new Set(plan.resources.filter((r) => ruleFor(r, index) === data.unknownTypeRule).map((r) => r.type))].sort(),
        durations: { figures: data.figures, rules: [...data.rules, data.localComponentRule, data.unknownTypeRule], readiness: data.readinessRules },
    };
}
