// Text for the terminal and summary.md.
import type { ManualModel } from "./manual";
import type { DeployTimeModel } from "./model";

export function formatSeconds(total: number): string {
    const seconds = Math.round(total);
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
    if (m > 0) return `${m}m ${String(s).padStart(2, "0")}s`;
    return `${s}s`;
}

export function formatDeployTime(model: DeployTimeModel, manual: ManualModel): string {
    const lines = [
        `deploy time (modelled, docs/deploy-time.md): ${formatSeconds(model.totalSeconds)}, range ${formatSeconds(model.range.lowSeconds)} to ${formatSeconds(model.range.highSeconds)}`,
        `  critical path (${model.criticalPath.length} steps; start, duration, resource, rule):`,
        ...model.criticalPath.map(
            (s) =>
                `  ${formatSeconds(s.startSeconds).padStart(8)} ${formatSeconds(s.durationSeconds).padStart(8)}  ${s.type} ${s.name}  [${s.basis.split(" = ")[0]}]`,
        ),
        ...model.readiness.filter((e) => !e.awaited).map((e) => `  not awaited by pulumi up: ${e.name} at about ${formatSeconds(e.atSeconds)}`),
        ...model.warnings.map((w) => `  warning: ${w}`),
        ...(model.unmatchedTypes.length > 0 ? [`  no duration rule (fallback figure used): ${model.unmatchedTypes.join(", ")}`] : []),
    ];
    const saved = manual.totalSeconds - model.totalSeconds;
    lines.push(
        `manual walkthrough (${manual.steps.length} steps${manual.includesDirectory ? ", creating the directory first" : ""}): ${formatSeconds(manual.totalSeconds)} = ${formatSeconds(manual.waitingSeconds)} waiting + ${formatSeconds(manual.handsOnSeconds)} hands-on, range ${formatSeconds(manual.range.lowSeconds)} to ${formatSeconds(manual.range.highSeconds)}`,
        saved > 0
            ? `  pulumi up: ${formatSeconds(saved)} less (${Math.round((model.totalSeconds / manual.totalSeconds) * 100)}% of the manual time), and no hands-on steps after the stack file`
            : `  pulumi up is not modelled faster than the manual sequence here`,
    );
    return lines.join("\n");
}
