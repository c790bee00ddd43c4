// Which rule, and so which figures, a plan resource takes; figures summed per scenario.
import type { PlanResource } from "../../planFile";
import { conditionHolds, isLocalComponent, type PlanIndex } from "./conditions";
import { deployTimeData, type DurationFigure, type DurationRule, type ReadinessRule, type Scenario, type SecondsRange } from "./data";

function typeMatches(pattern: string, type: string): boolean {
    return pattern.endsWith("*") ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

/** The first duration rule whose types and condition match; local components and unknown types take the fixed rules. */
export function ruleFor(resource: PlanResource, index: PlanIndex): DurationRule {
    const data = deployTimeData();
    if (isLocalComponent(resource)) return data.localComponentRule;
    return (
        data.rules.find((rule) => rule.types.some((t) => typeMatches(t, resource.type)) && conditionHolds(rule.when, resource, index)) ?? data.unknownTypeRule
    );
}

export function readinessRuleFor(resource: PlanResource, index: PlanIndex): ReadinessRule | undefined {
    return deployTimeData().readinessRules.find((rule) => rule.types.some((t) => typeMatches(t, resource.type)) && conditionHolds(rule.when, resource, index));
}

export function figure(id: string): DurationFigure {
    const found = deployTimeData().figures.find((f) => f.id === id);
    if (!found) throw new Error(`deploy time: no duration figure ${id}`);
    return found;
}

export function figuresSeconds(ids: readonly string[], scenario: Scenario): number {
    return ids.reduce((sum, id) => sum + figure(id).seconds[scenario], 0);
}

export function figuresRange(ids: readonly string[]): SecondsRange {
    return { low: figuresSeconds(ids, "low"), mid: figuresSeconds(ids, "mid"), high: figuresSeconds(ids, "high") };
}

export function basisOf(rule: { id: string; figures: readonly string[] }): string {
    return `${rule.id} = ${rule.figures.join(" + ")}`;
}
