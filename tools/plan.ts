// npm run plan -- [--stack <name>] [--config-file <file>] [--against <old plan.json>]: renders a
// stack offline (no cloud, no Pulumi CLI) through the mock-runtime harness and writes the review
// artifacts to out/<stack>/ (docs/review-artifacts.md). Exit 0 ok; 1 invalid config, a program
// error, an invalid Kubernetes manifest or a mandatory policy violation; 2 bad arguments.
import * as fs from "fs";
import * as path from "path";
import { projectRoot, runStack } from "./harness";
import { defaultPackDir, startPolicyPack } from "./policy/analyzer";
import { projectPolicyConfig } from "./policy/config";
import { readPlan, readPolicyConfig } from "./policy/inputs";
import { buildReport, formatReport } from "./policy/report";
import { countByType, deployedClusters, toPlan, type Plan } from "./planFile";
import { gmsaChartContracts } from "./review/gmsaChart";
import { kubernetesSchemaLabel } from "./review/k8sSchema";
import { formatProblems, planManifests, writeManifests, type Manifest } from "./review/manifests";
import { explainDiff, formatDiff, planMismatch } from "./review/diff";
import { architectureDot, architectureModel, renderSvg } from "./review/architecture";
import { formatDeployTime, manualWalkthroughFor, modelDeployTime } from "./review/deployTime";
import { markdownText, renderSummary, type SummarySection } from "./review/summary";
import type { PolicyReport } from "./policy/report";
import { projectName } from "../settings/validate";

function usage(message: string): never {
    console.error(`plan: ${message}
usage: npm run plan -- [--stack <name>] [--config-file <file>] [--against <old plan.json>]
  renders Pulumi.<name>.yaml (default stack: dev), or the given stack config file, to out/<name>/
  (plan.json, manifests/, policy-report.json, architecture.svg, summary.md); with --against, also
  the day-2 diff from that plan to out/<name>/diff.json (docs/day2-diff.md)`);
    process.exit(2);
}

interface PlanArgs {
    stack: string;
    configFile?: string;
    against?: string;
}

function parseArgs(argv: string[]): PlanArgs {
    const args: PlanArgs = { stack: "dev" };
    const value = (i: number, flag: string, what: string): string => {
        const v = argv[i];
        if (!v || v.startsWith("--")) usage(`${flag} needs ${what}`);
        return v;
    };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--stack") {
            const stack = value(++i, "--stack", "a stack name");
            if (!/^[A-Za-z0-9_.-]+$/.test(stack)) usage(`--stack ${JSON.stringify(stack)} is not a stack name (letters, digits, '-', '_', '.')`);
            args.stack = stack;
        } else if (arg === "--config-file") {
            args.configFile = value(++i, "--config-file", "a path");
        } else if (arg === "--against") {
            args.against = value(++i, "--against", "the path of an earlier plan.json");
        } else if (arg === "--help" || arg === "-h") {
            usage("renders a stack offline");
        } else {
            usage(`unknown argument ${JSON.stringify(arg)}`);
        }
    }
    return args;
}

/** The earlier plan, read before anything is written (it may be out/<stack>/plan.json itself). */
function readBaseline(file: string, stack: string): Plan {
    let baseline: Plan;
    try {
        baseline = readPlan(file);
    } catch (e) {
        usage(`--against: ${(e as Error).message}`);
    }
    const mismatch = planMismatch(baseline, { project: projectName, stack, resources: [], outputs: {} });
    if (mismatch) usage(`--against ${file}: ${mismatch}`);
    return baseline;
}

async function main(): Promise<void> {
    const args = parseArgs(process.argv.slice(2));
    const stack = args.stack;
    const configFile = args.configFile ? path.resolve(args.configFile) : path.join(projectRoot, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(configFile)) usage(`no stack config file ${configFile}`);
    const baseline = args.against ? readBaseline(path.resolve(args.against), stack) : undefined;

    const started = process.hrtime.bigint();
    // Seconds per phase, printed last (bench/ reads them).
    const phases: [string, number][] = [];
    let phaseStarted = started;
    const endPhase = (name: string) => {
        const now = process.hrtime.bigint();
        phases.push([name, Number(now - phaseStarted) / 1e9]);
        phaseStarted = now;
    };
    let run;
    try {
        // With an earlier plan, a day-2 run: its clusters exist, with the tags that plan gave them.
        run = runStack({ stack, configFile, ...(baseline ? { aws: { existingClusters: deployedClusters(baseline) } } : {}) });
    } catch (e) {
        console.error(`plan: ${(e as Error).message}`);
        process.exit(1);
    }
    if (run.errors.length > 0) {
        console.error(`plan: stack ${stack} failed:\n${run.errors.join("\n")}`);
        process.exit(1);
    }
    const plan = toPlan(projectName, run);
    const outDir = path.join(projectRoot, "out", stack);
    fs.mkdirSync(outDir, { recursive: true });
    const planFile = path.join(outDir, "plan.json");
    fs.writeFileSync(planFile, JSON.stringify(plan, null, 2) + "\n");
    endPhase("program");
    const seconds = phases[0][1];

    console.log(`plan: ${stack}: ${plan.resources.length} resources in ${seconds.toFixed(1)} s -> ${path.relative(process.cwd(), planFile)}`);
    for (const [type, count] of countByType(plan)) console.log(`  ${String(count).padStart(3)}  ${type}`);
    const protectedUrns = plan.resources.filter((r) => r.protect).map((r) => r.name);
    if (protectedUrns.length > 0) console.log(`  protected: ${protectedUrns.join(", ")}`);

    // Every Kubernetes object, one file each, validated; a problem fails the plan with the field.
    const gmsaChart = await gmsaChartContracts(plan, { log: (line) => console.log(`plan: ${line}`) });
    const manifests = planManifests(plan, gmsaChart.customResources, kubernetesSchemaLabel, gmsaChart.helmValues);
    const manifestsDir = path.join(outDir, "manifests");
    writeManifests(manifestsDir, manifests);
    const manifestProblems = formatProblems(manifests);
    const unchecked = manifests.filter((m) => m.unchecked);
    console.log(`manifests: ${manifests.length} files -> ${path.relative(process.cwd(), manifestsDir)}/, ${manifestProblems.length === 0 ? "all valid" : `${manifestProblems.length} problems`}${unchecked.length > 0 ? `, ${unchecked.length} unchecked` : ""}`);
    for (const m of unchecked) console.log(`  warning: ${m.title} not checked: ${m.unchecked}`);
    for (const line of manifestProblems) console.error(`  invalid: ${line}`);
    if (manifestProblems.length > 0) process.exitCode = 1;
    endPhase("manifests");

    // The policy pack, run as `pulumi preview --policy-pack` runs it, over the same resources.
    const pack = await startPolicyPack(defaultPackDir);
    let report: PolicyReport;
    try {
        const config = fs.existsSync(projectPolicyConfig) ? readPolicyConfig(projectPolicyConfig, pack.info) : {};
        const violations = await pack.analyze(plan.resources, config);
        report = buildReport(pack.info, { project: plan.project, stack, resources: plan.resources.length }, violations, config);
        fs.writeFileSync(path.join(outDir, "policy-report.json"), JSON.stringify(report, null, 2) + "\n");
        console.log(formatReport(report));
        if (!report.passed) process.exitCode = 1;
    } finally {
        await pack.close();
    }
    endPhase("policy");

    // How long the first `pulumi up` would take, modelled, against the walkthrough by hand.
    const deployTime = formatDeployTime(modelDeployTime(plan), manualWalkthroughFor(plan));
    console.log(deployTime);
    endPhase("deploy-time");

    // The day-2 diff: what `pulumi preview` would show against the earlier plan.
    const diffFile = path.join(outDir, "diff.json");
    let diffSection: SummarySection | undefined;
    if (baseline) {
        const { diff, explanation } = explainDiff(baseline, plan);
        fs.writeFileSync(diffFile, JSON.stringify(diff, null, 2) + "\n");
        const text = formatDiff(diff, explanation);
        console.log(text);
        console.log(`  -> ${path.relative(process.cwd(), diffFile)}`);
        diffSection = { title: "Day-2 diff", body: `Against \`${markdownText(path.relative(process.cwd(), path.resolve(args.against!)))}\` ([diff.json](diff.json), rules in [docs/day2-diff.md](../../docs/day2-diff.md)):\n\n\`\`\`text\n${text}\n\`\`\`` };
    } else {
        // A diff.json from an earlier run would describe another change.
        fs.rmSync(diffFile, { force: true });
    }

    endPhase("diff");

    // The picture, and the page a reviewer reads first.
    fs.writeFileSync(path.join(outDir, "architecture.svg"), await renderSvg(architectureDot(architectureModel(plan))));
    const extraSections: SummarySection[] = [
        ...(diffSection ? [diffSection] : []),
        { title: "Kubernetes manifests", body: manifestsSection(manifests, manifestProblems) },
        { title: "Deploy time (modelled)", body: `See [docs/deploy-time.md](../../docs/deploy-time.md) for the figures and their sources.\n\n\`\`\`text\n${deployTime}\n\`\`\`` },
    ];
    fs.writeFileSync(path.join(outDir, "summary.md"), renderSummary({ plan, policyReport: report, extraSections }));
    endPhase("picture+summary");
    const total = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`timings: ${phases.map(([name, t]) => `${name} ${t.toFixed(2)} s`).join(", ")}; total ${total.toFixed(2)} s`);
    console.log(`review: ${["plan.json", "manifests/", "policy-report.json", ...(baseline ? ["diff.json"] : []), "architecture.svg", "summary.md"].map((f) => path.relative(process.cwd(), path.join(outDir, f))).join(", ")}`);
}

/** The manifests as the summary lists them: each file, what it was checked against, and any problem. */
function manifestsSection(manifests: Manifest[], problems: string[]): string {
    const lines = [
        problems.length === 0
            ? `${manifests.length} files in [manifests/](manifests/), every object valid.`
            : `**${problems.length} problems** in ${manifests.length} files in [manifests/](manifests/): the plan fails.`,
        "",
        "| file | object | checked against |",
        "| --- | --- | --- |",
        ...manifests.map((m) => `| [${markdownText(m.file)}](manifests/${m.file}) | ${markdownText(m.title)} | ${markdownText(m.checkedAgainst)}${m.problems.length > 0 ? ` — **${m.problems.length} problems**` : ""} |`),
    ];
    if (problems.length > 0) lines.push("", ...problems.map((p) => `- ${markdownText(p)}`));
    return lines.join("\n");
}

main().catch((e) => {
    console.error(`plan: ${(e as Error).message}`);
    process.exit(1);
});
