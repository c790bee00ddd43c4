// docs/deploy-time.md's generated sections: the data files' tables and the modelled stacks.
import * as path from "path";
import { deployTimeData, type Evidence, type SecondsRange, type Source } from "./data";
import { figuresRange } from "./rules";
import { formatSeconds } from "./format";
import { manualWalkthroughModel, type ManualModel } from "./manual";
import type { DeployTimeModel } from "./model";

// docs/deploy-time.md's generated sections.

function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function sourceLink(source: Source): string {
    return `[${cell(source.title)}](${source.url}): "${cell(source.says)}"`;
}

function evidenceText(evidence: Evidence): string {
    switch (evidence.kind) {
        case "sourced":
            return `**sourced**: ${evidence.sources.map(sourceLink).join("; ")}`;
        case "bounded":
            return `**range sourced, midpoint assumed** (${cell(evidence.assumption)}): ${evidence.sources.map(sourceLink).join("; ")}`;
        case "assumption":
            return `**assumption**: ${cell(evidence.assumption)}${evidence.related && evidence.related.length > 0 ? `. Related: ${evidence.related.map(sourceLink).join("; ")}` : ""}`;
    }
}

function secondsCells(range: SecondsRange): string {
    return `${range.low} | ${range.mid} | ${range.high}`;
}

export function durationsTableMarkdown(): string {
    return [
        "| figure | what | low s | mid s | high s | evidence |",
        "| --- | --- | ---: | ---: | ---: | --- |",
        ...deployTimeData().figures.map((f) => `| \`${f.id}\` | ${cell(f.what)} | ${secondsCells(f.seconds)} | ${evidenceText(f.evidence)} |`),
    ].join("\n");
}

export function rulesTableMarkdown(): string {
    const data = deployTimeData();
    const rows = [...data.rules, data.localComponentRule, data.unknownTypeRule].map(
        (r) =>
            `| \`${r.id}\` | ${r.types.map((t) => `\`${t}\``).join(", ")} | ${cell(r.variant)} | ${r.figures.map((f) => `\`${f}\``).join(" + ")} | ${secondsCells(figuresRange(r.figures))} |`,
    );
    return ["| rule | type | applies to | figures | low s | mid s | high s |", "| --- | --- | --- | --- | ---: | ---: | ---: |", ...rows].join("\n");
}

export function readinessTableMarkdown(): string {
    const rows = deployTimeData().readinessRules.map(
        (r) =>
            `| \`${r.id}\` | ${r.types.map((t) => `\`${t}\``).join(", ")} | ${cell(r.variant)} | ${r.figures.map((f) => `\`${f}\``).join(" + ")} | ${secondsCells(figuresRange(r.figures))} | ${cell(r.awaitedBy)} |`,
    );
    return [
        "| event | after | applies to | figures | low s | mid s | high s | awaited by |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | --- |",
        ...rows,
    ].join("\n");
}

export function manualTableMarkdown(manual: ManualModel = manualWalkthroughModel()): string {
    const all = manual.prerequisite ? [manual.prerequisite, ...manual.steps] : manual.steps;
    const rows = all.map(
        (s) =>
            `| ${s === manual.prerequisite ? "before 1" : s.number} | ${cell(s.title)} | ${cell(s.blogTask)} | ${s.waitingFigures.length > 0 ? s.waitingFigures.map((f) => `\`${f}\``).join(" + ") : "none"} | ${formatSeconds(s.waiting.mid)} | ${formatSeconds(s.handsOnSeconds)} | ${cell(s.handsOn)} |`,
    );
    return [
        "| blog step | what | as the Best Practices Guide lists it | waiting (figures) | waiting | hands-on (assumed) | hands-on covers |",
        "| ---: | --- | --- | --- | ---: | ---: | --- |",
        ...rows,
        `| | **total** | | | **${formatSeconds(manual.waitingSeconds)}** | **${formatSeconds(manual.handsOnSeconds)}** | **${formatSeconds(manual.totalSeconds)}** (range ${formatSeconds(manual.range.lowSeconds)} to ${formatSeconds(manual.range.highSeconds)}) |`,
    ].join("\n");
}

export interface ModelledStack {
    stack: string;
    model: DeployTimeModel;
    manual: ManualModel;
}

export function modelledTotalsMarkdown(stacks: readonly ModelledStack[]): string {
    const rows = stacks.map(({ stack, model, manual }) => {
        const path = model.criticalPath
            .filter((s) => s.durationSeconds > 0)
            .map((s) => s.name)
            .join(" → ");
        return `| ${stack} | ${formatSeconds(model.totalSeconds)} | ${formatSeconds(model.range.lowSeconds)} to ${formatSeconds(model.range.highSeconds)} | ${path} | ${formatSeconds(manual.totalSeconds)} | ${model.warnings.length} |`;
    });
    return [
        "| stack | modelled `pulumi up` | range | critical path (steps that take time) | manual walkthrough | warnings |",
        "| --- | ---: | --- | --- | ---: | ---: |",
        ...rows,
    ].join("\n");
}

/** Replaces the text between `<!-- generated:<name> -->` and `<!-- /generated:<name> -->`. */
export function replaceGeneratedSection(doc: string, name: string, body: string): string {
    const begin = `<!-- generated:${name} -->`;
    const end = `<!-- /generated:${name} -->`;
    const from = doc.indexOf(begin);
    const to = doc.indexOf(end);
    if (from < 0 || to < from) throw new Error(`deploy time: docs/deploy-time.md has no ${begin} ... ${end} section`);
    return `${doc.slice(0, from + begin.length)}\n${body}\n${doc.slice(to)}`;
}

export const deployTimeDoc = path.resolve(__dirname, "..", "..", "..", "docs", "deploy-time.md");

/** The stacks the doc reports: the two stack files and the domain-joined example. */
export const documentedStacks = [
    { stack: "dev", configFile: "Pulumi.dev.yaml" },
    { stack: "prod", configFile: "Pulumi.prod.yaml" },
    { stack: "joined", configFile: "examples/stacks/domain-joined.yaml" },
] as const;

export function renderDoc(doc: string, stacks: readonly ModelledStack[]): string {
    const sections: [string, string][] = [
        ["figures", durationsTableMarkdown()],
        ["rules", rulesTableMarkdown()],
        ["readiness", readinessTableMarkdown()],
        ["manual", manualTableMarkdown()],
        ["totals", modelledTotalsMarkdown(stacks)],
    ];
    return sections.reduce((text, [name, body]) => replaceGeneratedSection(text, name, body), doc);
}
