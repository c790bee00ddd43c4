// out/<stack>/summary.md: the page a pull-request reviewer reads first, in the order they act on
// it: what changes (the day-2 diff, replacements and protected resources first), who may use which
// gMSA, what must exist in Active Directory first, the policy report, the caller's sections
// (extraSections, in order), and the resource inventory last, collapsed. The job-summary variant
// is posted as the GitHub job summary, where relative links and the picture do not resolve.
// Pure and deterministic: the same input always gives the same bytes (no timestamps).
import { countByType, type Plan, type PlanResource } from "../planFile";
import type { PolicyReport } from "../policy/report";
import { architectureModel } from "./architecture";
import { withoutInventedValues } from "./deployTimeValues";
import { describeUrn, type DiffExplanation, type PlanDiff } from "./diff";
import { activeDirectoryPrerequisites, gmsaUseRows, provisionCommand, type ActiveDirectoryPrerequisites } from "./summaryFacts";

export interface SummarySection {
    title: string;
    /** Markdown, written as given. */
    body: string;
}

/** The day-2 diff against an earlier plan. */
export interface SummaryChange {
    /** The earlier plan's path, as given. */
    against: string;
    diff: PlanDiff;
    explanation: DiffExplanation;
}

export interface SummaryInput {
    plan: Plan;
    policyReport: PolicyReport;
    /** Absent: no baseline was given. */
    change?: SummaryChange;
    /** After the policy report, before the inventory. */
    extraSections?: readonly SummarySection[];
    /** "file" (default): summary.md beside the picture and the files it links. "job-summary": no picture, no relative links. */
    variant?: "file" | "job-summary";
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

const plural = (n: number, noun: string, nouns = `${noun}s`): string => `${n} ${n === 1 ? noun : nouns}`;

function header(plan: Plan, report: PolicyReport, variant: "file" | "job-summary"): string[] {
    const protectedCount = plan.resources.filter((r) => r.protect).length;
    const verdict = report.passed ? "PASSED" : "FAILED";
    return [
        `# ${markdownText(plan.project)} / ${markdownText(plan.stack)}`,
        "",
        `Offline plan of stack ${markdownCode(plan.stack)} of project ${markdownCode(plan.project)}: ` +
            `**${plural(plan.resources.length, "resource")}** of ${plural(countByType(plan).length, "type")}, ${protectedCount} protected. ` +
            `Policy pack ${markdownCode(`${report.pack.name}@${report.pack.version}`)}: **${verdict}** ` +
            `(${report.summary.mandatory} mandatory, ${report.summary.advisory} advisory violations).`,
        // The picture is a file beside summary.md; a job summary cannot show it.
        ...(variant === "file" ? ["", "![architecture](architecture.svg)"] : []),
    ];
}

const urnCode = (urn: string): string => markdownCode(describeUrn(urn));

/** What the deploy changes, the day-2 diff when there is a baseline: protected and destroyed first. */
function changeSection(plan: Plan, change: SummaryChange | undefined): string[] {
    const lines = ["## What changes", ""];
    if (!change) {
        return [
            ...lines,
            `No baseline plan given (\`--against <plan.json>\`): this is a first deploy, which creates all ${plural(plan.resources.length, "resource")} below.`,
        ];
    }
    const { diff, explanation } = change;
    const counts = `${diff.create.length} to create, ${diff.update.length} to update, ${diff.replace.length} to replace, ${diff.delete.length} to delete`;
    lines.push(`Against ${markdownCode(change.against)} ([diff.json](diff.json), rules in [docs/day2-diff.md](../../docs/day2-diff.md)): **${counts}**.`);
    if (diff.create.length + diff.update.length + diff.replace.length + diff.delete.length === 0) return [...lines, "", "Nothing changes."];
    if (explanation.protectedChanges.length > 0) {
        lines.push(
            "",
            "**Protected resources this change would replace or delete: `pulumi up` refuses.**",
            "",
            ...explanation.protectedChanges.map((urn) => `- ${urnCode(urn)}: ${diff.delete.includes(urn) ? "delete" : "replace"}`),
        );
    }
    const isProtected = new Set(plan.resources.filter((r) => r.protect).map((r) => r.urn));
    const why = (urn: string): string => (explanation.reasons[urn] ?? []).map(markdownText).join("<br>");
    const rows = [
        ...diff.replace.map((urn) => ({ urn, change: "**replace**", what: why(urn) })),
        ...diff.delete.map((urn) => ({ urn, change: "**delete**", what: "" })),
        // Updates of protected resources before the others.
        ...[...diff.update]
            .sort((a, b) => Number(isProtected.has(b.urn)) - Number(isProtected.has(a.urn)))
            .map((u) => ({ urn: u.urn, change: "update", what: [u.inputs.map(markdownCode).join(", "), why(u.urn)].filter((x) => x).join("<br>") })),
    ];
    if (rows.length > 0) {
        lines.push(
            "",
            "| change | resource | protected | what |",
            "| --- | --- | --- | --- |",
            ...rows.map(
                (r) =>
                    `| ${r.change} | ${urnCode(r.urn)} | ${isProtected.has(r.urn) || explanation.protectedChanges.includes(r.urn) ? "yes" : ""} | ${r.what} |`,
            ),
        );
    }
    if (diff.create.length > 0) {
        lines.push(
            "",
            "<details>",
            `<summary>${plural(diff.create.length, "resource")} to create</summary>`,
            "",
            ...diff.create.map((urn) => `- ${urnCode(urn)}`),
            "",
            "</details>",
        );
    }
    const notes = [
        ...explanation.unknownTypes.map((t) => `no replacement rules for ${markdownCode(t)}: its changes are shown as updates`),
        ...(Object.keys(explanation.secretInputs).length > 0
            ? [
                  `secret inputs of ${plural(Object.keys(explanation.secretInputs).length, "resource")} cannot be compared offline (a changed secret is not shown)`,
              ]
            : []),
        ...explanation.notes.map(markdownText),
    ];
    if (notes.length > 0) lines.push("", ...notes.map((n) => `- ${n}`));
    return lines;
}

const everyWhere = (v: string | undefined, what: string): string => (v === "*" ? `every ${what}` : v === undefined ? "" : markdownCode(v));

/** Credential spec -> gMSA -> the namespaces and service accounts RBAC lets use it (as the webhook decides). */
function gmsaSection(plan: Plan): string[] {
    const rows = gmsaUseRows(architectureModel(plan));
    const lines = ["## Who may use which gMSA", ""];
    if (rows.length === 0) return [...lines, "This stack creates no credential spec."];
    return [
        ...lines,
        "From the `GMSACredentialSpec` objects and the RoleBindings and ClusterRoleBindings that grant `use` on them: a pod may run as the gMSA only in these namespaces, as these service accounts.",
        "",
        "| credential spec | gMSA | domain | namespace | service accounts |",
        "| --- | --- | --- | --- | --- |",
        ...rows.map(
            (r) =>
                `| ${markdownCode(r.credentialSpec)} | ${r.gmsa ? markdownCode(r.gmsa) : "?"} | ${r.domain ? markdownText(r.domain) : "?"} | ` +
                `${r.namespace === undefined ? "**nobody**: no binding grants `use`" : everyWhere(r.namespace, "namespace")} | ` +
                `${r.serviceAccounts.map((sa) => everyWhere(sa, "service account")).join(", ")} |`,
        ),
    ];
}

/** What Active Directory must hold before `pulumi up` works, and who creates it. */
function activeDirectorySection(plan: Plan): string[] {
    const p = activeDirectoryPrerequisites(plan);
    const lines = ["## Active Directory before the deploy", ""];
    if (!p) return [...lines, "This stack uses no gMSA: nothing is needed in Active Directory."];
    const domain = p.domainName ? markdownCode(p.domainName) : "the domain";
    const objects = prerequisiteRows(p);
    if (p.directory === "managed") {
        return [
            ...lines,
            `The stack creates the directory (AWS Managed Microsoft AD ${domain}) and, during \`pulumi up\`, these in it from its management host: nothing to create by hand.`,
            "",
            ...objects,
        ];
    }
    if (p.provisionedByStack) {
        return [
            ...lines,
            `${domain} must exist and be reachable from the VPC, with the account in \`activeDirectory.adminCredentialsSecretArn\` allowed to create them; the stack then creates these in it during \`pulumi up\`, from its management host:`,
            "",
            ...objects,
        ];
    }
    return [
        ...lines,
        `${domain} is an existing directory and this stack creates nothing in it: these must exist before \`pulumi up\`, or the first gMSA pod fails to start.`,
        "",
        ...objects,
        "",
        "Create them (and correct them: a second run changes nothing) from a machine that reaches a domain controller ([docs/active-directory.md](../../docs/active-directory.md)):",
        "",
        "```sh",
        provisionCommand(p),
        "```",
    ];
}

function prerequisiteRows(p: ActiveDirectoryPrerequisites): string[] {
    return [
        "| object | name | why |",
        "| --- | --- | --- |",
        ...p.gmsaAccounts.map((a) => `| gMSA | ${markdownCode(a)} | its password may be retrieved by the readers' group |`),
        `| readers' group | ${p.readersGroup ? markdownCode(p.readersGroup) : "?"} | may retrieve the gMSAs' passwords |`,
        ...(p.portableIdentity
            ? [`| portable identity (user) | ${markdownCode(p.portableIdentity)} | member of the readers' group; the CCG plugin logs on as it (domainless) |`]
            : []),
        ...(p.rotation && p.rotation.users.length > 1
            ? [
                  `| portable identity (second user) | ${markdownCode(p.rotation.users[1])} | member of the readers' group; a rotation moves the secret to it and back |`,
              ]
            : []),
        ...rotationLines(p),
    ];
}

/** The rotation function, its schedule and its path to the domain controllers, under the objects table. */
function rotationLines(p: ActiveDirectoryPrerequisites): string[] {
    const r = p.rotation;
    if (!r) return [];
    const schedule = r.schedule === "off" ? 'no schedule (rotate by hand: docs/rotation.md, "Rotate now")' : `every ${r.schedule} days`;
    return [
        "",
        `Rotation: Lambda ${markdownCode(r.function)} (${r.runtime ?? "?"}, outside the VPC), ${schedule}: Secrets Manager -> the function -> SSM Run Command${r.document ? ` (${markdownCode(r.document)})` : ""} -> the management host -> the domain controllers.${r.failureTopic ? ` A failed or abandoned rotation is published to SNS ${markdownCode(r.failureTopic)}.` : ""}`,
    ];
}

/** `[text](relative)` links as plain text: a job summary resolves no relative link. */
export function withoutRelativeLinks(markdown: string): string {
    return markdown.replace(/(?<!!)\[([^\]]*)\]\((?![a-z][a-z0-9+.-]*:|#)[^)]*\)/gi, "$1");
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
    // The inventory: reference, not what a reviewer acts on, so it comes last and collapsed.
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    // Grouped by parent component, so each component's resources read together.
    const rows = plan.resources
        .map((r) => ({ r, parent: parentLabel(r, byUrn) }))
        .sort((a, b) => compare(a.parent, b.parent) || compare(a.r.type, b.r.type) || compare(a.r.name, b.r.name) || compare(a.r.urn, b.r.urn))
        .map(({ r, parent }) => `| ${markdownCode(r.name)} | ${markdownCode(r.type)} | ${parent} | ${r.protect ? "yes" : ""} |`);
    return [
        "## Resources",
        "",
        "<details>",
        `<summary>${plural(plan.resources.length, "resource")} by type</summary>`,
        "",
        "| type | count |",
        "| --- | ---: |",
        ...counts,
        `| **total** | **${plan.resources.length}** |`,
        "",
        "</details>",
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
    const violations = report.policies.flatMap((p) =>
        p.violations.map(
            (v) => `- ${markdownCode(p.name)} (${markdownText(v.enforcementLevel)}) on ${violationSubject(v.urn)}: ${markdownText(v.message.trim())}`,
        ),
    );
    return [
        "## Policy report",
        "",
        `**${verdict}**: ${report.summary.mandatory} mandatory and ${report.summary.advisory} advisory violations; ` +
            `${report.policies.length} ${report.policies.length === 1 ? "policy" : "policies"} of ${markdownCode(`${report.pack.name}@${report.pack.version}`)} ` +
            `over ${plural(report.plan.resources, "resource")} of ${markdownCode(`${report.plan.project}/${report.plan.stack}`)}.`,
        ...(violations.length > 0 ? ["", "### Violations", "", ...violations] : []),
        "",
        "<details>",
        `<summary>The ${plural(report.policies.length, "policy", "policies")}</summary>`,
        "",
        "| policy | enforcement level | violations |",
        "| --- | --- | ---: |",
        ...rows,
        "",
        "</details>",
    ];
}

function extraSection(section: SummarySection): string[] {
    return [`## ${markdownText(section.title)}`, "", section.body.trimEnd()];
}

/**
 * The review page for one plan: header (and picture), what changes, who may use which gMSA, the
 * Active Directory prerequisites, the policy report, the extra sections in order, the inventory.
 * Values the offline runtime made up are shown as known only at deploy time.
 */
export function renderSummary(input: SummaryInput): string {
    const variant = input.variant ?? "file";
    const blocks = [
        header(input.plan, input.policyReport, variant),
        changeSection(input.plan, input.change),
        gmsaSection(input.plan),
        activeDirectorySection(input.plan),
        policySection(input.policyReport),
        ...(input.extraSections ?? []).map(extraSection),
        resourceTables(input.plan),
    ];
    const page = withoutInventedValues(blocks.map((lines) => lines.join("\n")).join("\n\n") + "\n", input.plan.deployTimeValues);
    return variant === "job-summary" ? withoutRelativeLinks(page) : page;
}
