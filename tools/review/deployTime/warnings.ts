// Warnings: what the plan shows would make the first `pulumi up` fail or stall.
import type { Plan, PlanResource } from "../../planFile";
import { hasLaunchHook, objectAt, type PlanIndex } from "./conditions";
import { figuresRange, ruleFor } from "./rules";
import { formatSeconds } from "./format";

/** Go duration strings as the provider parses them ("10m", "1h30m", "90s"); default "10m". */
export function parseGoDuration(text: string): number {
    const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(h|m|s)/g)];
    if (text !== "0" && (parts.length === 0 || parts.map((p) => p[0]).join("") !== text))
        throw new Error(`deploy time: not a duration: ${JSON.stringify(text)}`);
    return parts.reduce((sum, [, n, unit]) => sum + Number(n) * (unit === "h" ? 3600 : unit === "m" ? 60 : 1), 0);
}

const defaultCapacityTimeout = "10m";

function dependsTransitively(from: PlanResource, target: string, index: PlanIndex): boolean {
    const seen = new Set<string>();
    const stack = [...from.dependencies];
    while (stack.length > 0) {
        const urn = stack.pop()!;
        if (urn === target) return true;
        if (seen.has(urn)) continue;
        seen.add(urn);
        stack.push(...(index.byUrn.get(urn)?.dependencies ?? []));
    }
    return false;
}

export function capacityTimeoutWarnings(plan: Plan, index: PlanIndex): string[] {
    return plan.resources
        .filter((r) => r.type === "aws:autoscaling/group:Group")
        .flatMap((asg) => {
            const setting = typeof asg.inputs.waitForCapacityTimeout === "string" ? asg.inputs.waitForCapacityTimeout : defaultCapacityTimeout;
            const timeout = parseGoDuration(setting);
            if (timeout === 0) return [];
            const needed = figuresRange(ruleFor(asg, index).figures);
            const limit = `waitForCapacityTimeout ${setting}${setting === defaultCapacityTimeout ? " (the default)" : ""}`;
            if (needed.mid > timeout)
                return [
                    `${asg.name}: creating the group is modelled at ${formatSeconds(needed.mid)}, longer than ${limit}: pulumi up would fail waiting for capacity`,
                ];
            if (needed.high > timeout) return [`${asg.name}: at the high estimate (${formatSeconds(needed.high)}) creating the group outlasts ${limit}`];
            return [];
        });
}

export function launchHookDeadlockWarnings(plan: Plan, index: PlanIndex): string[] {
    const hooked = plan.resources.filter((r) => r.type === "aws:autoscaling/group:Group" && hasLaunchHook(r));
    const associations = plan.resources.filter(
        (r) =>
            r.type === "aws:ssm/association:Association" &&
            Array.isArray(r.inputs.targets) &&
            r.inputs.targets.some((t) => objectAt(t)?.key === "tag:aws:autoscaling:groupName"),
    );
    return hooked.flatMap((asg) =>
        associations
            .filter((a) => dependsTransitively(a, asg.urn, index))
            .map(
                (a) =>
                    `${asg.name}: its launch hook holds new instances until they are domain-joined, but association ${a.name} (which joins them) is created only after the group, and the group's creation waits for InService instances: the first pulumi up cannot finish before the capacity timeout`,
            ),
    );
}
