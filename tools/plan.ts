// npm run plan -- [--stack <name>] [--config-file <file>] [--against <old plan.json>] [--out <dir>]:
// renders a stack offline (no cloud, no Pulumi CLI) through the mock-runtime harness and writes the
// review artifacts to out/<stack>/ or --out (docs/review-artifacts.md). Exit 0 ok; 1 invalid config, a program
// error, an invalid Kubernetes manifest or a mandatory policy violation; 2 bad arguments.
import * as fs from "fs";
import * as path from "path";
import { projectRoot, runStack } from "./harness";
import { judgePlan } from "./policy/analyzer";
import { projectPolicyConfig } from "./policy/config";
import { readPlan, readPolicyConfig } from "./policy/inputs";
import { formatReport } from "./policy/report";
import { deployedClusters, toPlan, type Plan } from "./planFile";
import { gmsaChartContracts } from "./review/gmsaChart";
import { kubernetesSchemaLabel } from "./review/k8sSchema";
import { formatProblems, manifestsVerdict, planManifests, writeManifests, type Manifest } from "./review/manifests";
import { explainDiff, formatDiff, planMismatch } from "./review/diff";
import { architectureDot, architectureModel, renderSvg } from "./review/architecture";
import { formatDeployTime, manualWalkthroughFor, modelDeployTime } from "./review/deployTime";
import { markdownText, renderSummary, type SummaryChange, type SummarySection } from "./review/summary";
import { withoutInventedStrings } from "./review/deployTimeValues";
import { projectName } from "../settings/types";
import { argsOrExit, shownPath, stackNameProblem, usageError } from "./cli";

const usageText = `usage: npm run plan -- [--stack <name>] [--config-file <file>] [--against <old plan.json>] [--out <dir>]

Renders a stack offline (the real program under Pulumi's mock runtime: no cloud, no Pulumi CLI),
checks it and writes the review artifacts (docs/review-artifacts.md): plan.json, manifests/
(validated), policy-report.json, architecture.svg, summary.md, and with --against the day-2 diff
(diff.json). Prints only what a reviewer acts on: problems, the diff, where the files are.

  --stack <name>        the stack (default: dev); its config is Pulumi.<name>.yaml
  --config-file <file>  render this stack config file instead (a --stack must agree); the stack is
                        the <name> of a file named Pulumi.<name>.yaml, otherwise --stack must name it
  --against <plan.json> an earlier plan of the same stack: write and print the day-2 diff
  --out <dir>           where to write (default: out/<stack>/)
  -h, --help, help      this text

Exit 0 ok; 1 invalid config, a program error, an invalid Kubernetes manifest or a mandatory
policy violation; 2 bad arguments.`;

const planCli = { script: "plan", usage: usageText };

function usage(message: string): never {
    usageError(planCli, message);
}

interface PlanArgs {
    stack: string;
    configFile?: string;
    against?: string;
    outDir?: string;
}

/** The stack a config file names by its file name (Pulumi.<name>.yaml), else undefined. */
function stackOfConfigFile(file: string): string | undefined {
    return /^Pulumi\.([A-Za-z0-9_.-]+)\.ya?ml$/.exec(path.basename(file))?.[1];
}

function parseArgs(argv: string[]): PlanArgs {
    const { flags } = argsOrExit(planCli, argv, {
        "--stack": { value: "a stack name" },
        "--config-file": { value: "a path" },
        "--against": { value: "the path of an earlier plan.json" },
        "--out": { value: "a directory" },
    });
    let stack = flags["--stack"] as string | undefined;
    const stackProblem = stack === undefined ? undefined : stackNameProblem(stack);
    if (stackProblem) usage(`--stack ${JSON.stringify(stack)} ${stackProblem}`);
    const args: Omit<PlanArgs, "stack"> = {
        configFile: flags["--config-file"] as string | undefined,
        against: flags["--against"] as string | undefined,
        outDir: flags["--out"] as string | undefined,
    };
    const fileStack = args.configFile === undefined ? undefined : stackOfConfigFile(args.configFile);
    if (stack !== undefined && fileStack !== undefined && fileStack !== stack) {
        // Pulumi.dev.yaml rendered as prod would label dev's config as prod (URNs, out/prod/, the diff).
        usage(
            `--stack ${stack} with --config-file ${args.configFile}: that file is the config of stack ${fileStack}; use --stack ${fileStack}, or a file not named Pulumi.<name>.yaml`,
        );
    }
    if (stack === undefined && args.configFile !== undefined) {
        // Rendering examples/stacks/x.yaml as dev would overwrite out/dev/ and mislabel every URN.
        stack = fileStack;
        if (stack === undefined)
            usage(
                `--config-file ${args.configFile}: the stack name cannot be taken from the file name (it is not Pulumi.<name>.yaml); give it with --stack <name>`,
            );
    }
    return { stack: stack ?? "dev", ...args };
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
    const outDir = args.outDir ? path.resolve(args.outDir) : path.join(projectRoot, "out", stack);

    const started = process.hrtime.bigint();
    // Seconds per phase, printed last on one line (bench/ reads them).
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
    fs.mkdirSync(outDir, { recursive: true });
    const planFile = path.join(outDir, "plan.json");
    fs.writeFileSync(planFile, JSON.stringify(plan, null, 2) + "\n");
    endPhase("program");
    // The inventory (counts by type, every resource) is in summary.md, not here.
    console.log(`plan: ${stack}: ${plan.resources.length} resources, ${plan.resources.filter((r) => r.protect).length} protected -> ${shownPath(planFile)}`);

    // Every Kubernetes object, one file each, validated; a problem fails the plan with the field.
    const gmsaChart = await gmsaChartContracts(plan, { log: (line) => console.log(`plan: ${line}`) });
    const manifests = planManifests(plan, gmsaChart.customResources, kubernetesSchemaLabel, gmsaChart.helmValues);
    const manifestsDir = path.join(outDir, "manifests");
    writeManifests(manifestsDir, manifests);
    const manifestProblems = formatProblems(manifests);
    const unchecked = manifests.filter((m) => m.unchecked);
    console.log(`manifests: ${manifestsVerdict(manifests)}`);
    // One line per reason; the chart loader has already said why the gmsa chart's objects are unchecked.
    const uncheckedByReason = new Map<string, string[]>();
    for (const m of unchecked) uncheckedByReason.set(m.unchecked!, [...(uncheckedByReason.get(m.unchecked!) ?? []), m.title]);
    for (const [reason, titles] of uncheckedByReason) {
        if (reason !== gmsaChart.skipped) console.log(`  warning: not checked (${reason}): ${titles.join(", ")}`);
    }
    for (const line of manifestProblems) console.error(`  invalid: ${line}`);
    if (manifestProblems.length > 0) process.exitCode = 1;
    endPhase("manifests");

    // The policy pack, run as `pulumi preview --policy-pack` runs it, over the same resources.
    const built = await judgePlan(plan, (info) => (fs.existsSync(projectPolicyConfig) ? readPolicyConfig(projectPolicyConfig, info) : {}));
    // A message may quote an input the offline runtime made up (an ARN): shown as known at deploy time.
    const report = withoutInventedStrings(built, plan.deployTimeValues);
    fs.writeFileSync(path.join(outDir, "policy-report.json"), JSON.stringify(report, null, 2) + "\n");
    console.log(formatReport(report));
    if (!report.passed) process.exitCode = 1;
    endPhase("policy");

    // How long the first `pulumi up` would take, modelled, against the walkthrough by hand: in summary.md.
    const deployTime = formatDeployTime(modelDeployTime(plan), manualWalkthroughFor(plan));
    endPhase("deploy-time");

    // The day-2 diff: what `pulumi preview` would show against the earlier plan.
    const diffFile = path.join(outDir, "diff.json");
    let change: SummaryChange | undefined;
    if (baseline) {
        const { diff, explanation } = explainDiff(baseline, plan);
        fs.writeFileSync(diffFile, JSON.stringify(diff, null, 2) + "\n");
        console.log(formatDiff(diff, explanation));
        change = { against: path.relative(process.cwd(), path.resolve(args.against!)), diff, explanation };
    } else {
        // A diff.json from an earlier run would describe another change.
        fs.rmSync(diffFile, { force: true });
    }
    endPhase("diff");

    // The picture, and the page a reviewer reads first (and its variant for the GitHub job summary).
    fs.writeFileSync(path.join(outDir, "architecture.svg"), await renderSvg(architectureDot(architectureModel(plan))));
    const extraSections: SummarySection[] = [
        { title: "Kubernetes manifests", body: manifestsSection(manifests, manifestProblems) },
        {
            title: "Deploy time (modelled)",
            body: `See [docs/deploy-time.md](../../docs/deploy-time.md) for the figures and their sources.\n\n<details>\n<summary>${markdownText(deployTime.split("\n")[0])}</summary>\n\n\`\`\`text\n${deployTime}\n\`\`\`\n\n</details>`,
        },
    ];
    const summary = { plan, policyReport: report, ...(change ? { change } : {}), extraSections };
    fs.writeFileSync(path.join(outDir, "summary.md"), renderSummary(summary));
    fs.writeFileSync(path.join(outDir, "job-summary.md"), renderSummary({ ...summary, variant: "job-summary" }));
    endPhase("picture+summary");
    const total = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(
        `review: ${shownPath(path.join(outDir, "summary.md"))} first; beside it plan.json, manifests/, policy-report.json, ${baseline ? "diff.json, " : ""}architecture.svg, job-summary.md`,
    );
    console.log(`timings: ${phases.map(([name, t]) => `${name} ${t.toFixed(2)} s`).join(", ")}; total ${total.toFixed(2)} s`);
}

/** The manifests as the summary lists them: each file, what it was checked against, and any problem. */
function manifestsSection(manifests: Manifest[], problems: string[]): string {
    const lines = [
        problems.length > 0
            ? `**${problems.length} problems** in ${manifests.length} files in [manifests/](manifests/): the plan fails.`
            : manifests.every((m) => m.unchecked === undefined)
              ? `${manifests.length} files in [manifests/](manifests/), every object valid.`
              : // An unchecked file is not a valid one; the table says why each was not checked.
                `${manifests.length} files in [manifests/](manifests/): ${markdownText(manifestsVerdict(manifests).replace(/^\d+ files?, /, ""))}; an unchecked object was not validated (the table below says why).`,
        "",
        "<details>",
        `<summary>The ${manifests.length} files</summary>`,
        "",
        "| file | object | checked against |",
        "| --- | --- | --- |",
        ...manifests.map(
            (m) =>
                `| [${markdownText(m.file)}](manifests/${m.file}) | ${markdownText(m.title)} | ${markdownText(m.checkedAgainst)}${m.problems.length > 0 ? ` — **${m.problems.length} problems**` : ""} |`,
        ),
        "",
        "</details>",
    ];
    if (problems.length > 0) lines.push("", ...problems.map((p) => `- ${markdownText(p)}`));
    return lines.join("\n");
}

main().catch((e) => {
    console.error(`plan: ${(e as Error).message}`);
    process.exit(1);
});
