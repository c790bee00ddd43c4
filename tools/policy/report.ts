// The policy report: violations grouped by policy, as printed and as policy-report.json.
import { resolvePolicyConfig } from "./inputs";
import type { PackInfo, PolicyConfig, Violation } from "./types";

export interface PolicyReport {
    pack: { name: string; version: string };
    plan: { project: string; stack: string; resources: number };
    passed: boolean;
    summary: { mandatory: number; advisory: number };
    policies: { name: string; enforcementLevel: string; description: string; violations: { urn?: string; message: string; enforcementLevel: string }[] }[];
}

export function buildReport(
    info: PackInfo,
    plan: { project: string; stack: string; resources: number },
    violations: readonly Violation[],
    config: PolicyConfig,
): PolicyReport {
    const resolved = resolvePolicyConfig(info.policies, config);
    const policies = info.policies.map((p) => ({
        name: p.name,
        enforcementLevel: resolved[p.name].enforcementLevel,
        description: p.description,
        violations: violations
            .filter((v) => v.policyName === p.name)
            .map((v) => ({ ...(v.urn ? { urn: v.urn } : {}), message: v.message, enforcementLevel: v.enforcementLevel })),
    }));
    const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory").length;
    const advisory = violations.filter((v) => v.enforcementLevel === "advisory").length;
    return { pack: { name: info.name, version: info.version }, plan, passed: mandatory === 0, summary: { mandatory, advisory }, policies };
}

/** Human-readable: one block per policy that found something, resources named by their URN's tail. */
export function formatReport(report: PolicyReport): string {
    const lines: string[] = [];
    for (const p of report.policies.filter((x) => x.violations.length > 0)) {
        lines.push(`${p.name} [${p.enforcementLevel}]: ${p.violations.length} violation${p.violations.length === 1 ? "" : "s"}`);
        for (const v of p.violations)
            lines.push(`  - ${v.urn ? `${v.urn.split("::").slice(-2).join(" ")}: ` : ""}${v.message.trim().replace(/\n/g, "\n    ")}`);
    }
    const verdict = report.passed ? "PASSED" : "FAILED";
    lines.push(
        `policy ${report.pack.name}@${report.pack.version} on ${report.plan.stack} (${report.plan.resources} resources, ${report.policies.length} policies): ${verdict}, ${report.summary.mandatory} mandatory and ${report.summary.advisory} advisory violations`,
    );
    return lines.join("\n");
}
