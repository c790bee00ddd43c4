// out/<stack>/summary.md: one page a reviewer reads first — the picture, what the stack registers
// and what the policy pack says, then whatever else the caller adds (extraSections, in order).
// Pure and deterministic: the same plan and report always give the same bytes (no timestamps).
import { countByType, type Plan, type PlanResource } from "../planFile";
import type { PolicyReport } from "../policy/report";

export interface SummarySection {
    title: string;
    /** Markdown, written as given. */
    body: string;
}

export interface SummaryInput {
    plan: Plan;
    policyReport: PolicyReport;
    extraSections?: readonly SummarySection[];
}

/** Inline text with Markdown's specials escaped, so names and messages never turn into markup. */
export function markdownText(s: string): string {
    return s
        .replace(/&/g, "&amp;")
        .replace(/</g, "&lt;")
        .replace(/>/g, "&gt;")
        .replace(/([\\`*_[\]|~#])/g, "\\$1")
        .replace(/\r?\n/g, "<br>");
}

/** A code span that survives any content: a fence longer than any backtick run inside, pipes escaped for tables. */
export function markdownCode(s: string): string {
    const longestRun = Math.max(0, ...(s.match(/`+/g) ?? []).map((run) => run.length));
    const fence = "`".repeat(longestRun + 1);
    const body = s.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
    const pad = body.startsWith("`") || body.endsWith("`") ? " " : "";
    return `${fence}${pad}${body}${pad}${fence}`;
}

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? "" : "s"}`;

function header(plan: Plan, report: PolicyReport): string[] {
    const protectedCount = plan.resources.filter((r) => r.protect).length;
    const verdict = report.passed ? "PASSED" : "FAILED";
    return [
        `# ${markdownText(plan.project)} / ${markdownText(plan.stack)}`,
        "",
        `Offline plan of stack ${markdownCode(plan.stack)} of project ${markdownCode(plan.project)}: `
            + `**${plural(plan.resources.length, "resource")}** of ${plural(countByType(plan).length, "type")}, ${protectedCount} protected. `
            + `Policy pack ${markdownCode(`${report.pack.name}@${report.pack.version}`)}: **${verdict}** `
            + `(${report.summary.mandatory} mandatory, ${report.summary.advisory} advisory violations).`,
        "",
        "![architecture](architecture.svg)",
    ];
}

/** How the table names a resource's parent: its logical name and type, or "stack" for top-level resources. */
function parentLabel(r: PlanResource, byUrn: ReadonlyMap<string, PlanResource>): string {
    if (!r.parent) return "";
    const parent = byUrn.get(r.parent);
    if (!parent) return markdownCode(r.parent.slice(r.parent.lastIndexOf("::") + 2));
    if (parent.type === "pulumi:pulumi:Stack") return "stack";
    return `${markdownCode(parent.name)} (${markdownCode(parent.type)})`;
}

function resourceTables(plan: Plan): string[] {
    const counts = countByType(plan).map(([type, count]) => `| ${markdownCode(type)} | ${count} |`);
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    // Grouped by parent component, so each component's resources read together.
    const rows = plan.resources
        .map((r) => ({ r, parent: parentLabel(r, byUrn) }))
        .sort((a, b) => compare(a.parent, b.parent) || compare(a.r.type, b.r.type) || compare(a.r.name, b.r.name) || compare(a.r.urn, b.r.urn))
        .map(({ r, parent }) => `| ${markdownCode(r.name)} | ${markdownCode(r.type)} | ${parent} | ${r.protect ? "yes" : ""} |`);
    return [
        "## Resources",
        "",
        "| type | count |",
        "| --- | ---: |",
        ...counts,
        `| **total** | **${plan.resources.length}** |`,
        "",
        "<details>",
        `<summary>All ${plural(plan.resources.length, "resource")}</summary>`,
        "",
        "| name | type | parent component | protected |",
        "| --- | --- | --- | --- |",
        ...rows,
        "",
        "</details>",
    ];
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A violation's resource, by the tail of its URN (type and name), as the CLI prints it. */
function violationSubject(urn: string | undefined): string {
    if (!urn) return "stack";
    return markdownCode(urn.split("::").slice(-2).join(" "));
}

function policySection(report: PolicyReport): string[] {
    const verdict = report.passed ? "PASSED" : "FAILED";
    const rows = report.policies.map((p) => `| ${markdownCode(p.name)} | ${markdownText(p.enforcementLevel)} | ${p.violations.length} |`);
    const violations = report.policies.flatMap((p) => p.violations.map((v) =>
        `- ${markdownCode(p.name)} (${markdownText(v.enforcementLevel)}) on ${violationSubject(v.urn)}: ${markdownText(v.message.trim())}`));
    return [
        "## Policy report",
        "",
        `**${verdict}**: ${report.summary.mandatory} mandatory and ${report.summary.advisory} advisory violations; `
            + `${report.policies.length} ${report.policies.length === 1 ? "policy" : "policies"} of ${markdownCode(`${report.pack.name}@${report.pack.version}`)} `
            + `over ${plural(report.plan.resources, "resource")} of ${markdownCode(`${report.plan.project}/${report.plan.stack}`)}.`,
        "",
        "| policy | enforcement level | violations |",
        "| --- | --- | ---: |",
        ...rows,
        ...(violations.length > 0 ? ["", "### Violations", "", ...violations] : []),
    ];
}

function extraSection(section: SummarySection): string[] {
    return [`## ${markdownText(section.title)}`, "", section.body.trimEnd()];
}

/** The review page for one plan: header and picture, resources, policy report, then the extra sections in order. */
export function renderSummary(input: SummaryInput): string {
    const blocks = [
        header(input.plan, input.policyReport),
        resourceTables(input.plan),
        policySection(input.policyReport),
        ...(input.extraSections ?? []).map(extraSection),
    ];
    return blocks.map((lines) => lines.join("\n")).join("\n\n") + "\n";
}
