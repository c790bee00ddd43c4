// npm run plan -- [--stack <name>] [--config-file <file>] [--against <old plan.json>]: renders a
// stack offline (no cloud, no Pulumi CLI) through the mock-runtime harness and writes the review
// artifacts to out/<stack>/ (docs/review-artifacts.md). Exit 0 ok; 1 invalid config, a program
// error, an invalid Kubernetes manifest or a mandatory policy violation; 2 bad arguments.
import * as fs from "fs";
import * as path from "path";
import { projectRoot, runStack } from "./harness";
import { defaultPackDir, startPolicyPack } from "./policy/analyzer";
import { projectPolicyConfig } from "./policy/config";
import { readPolicyConfig } from "./policy/inputs";
import { buildReport, formatReport } from "./policy/report";
import { countByType, toPlan } from "./planFile";
import { gmsaCustomResourceValidators } from "./review/crdSchema";
import { kubernetesModelsVersion } from "./review/k8sSchema";
import { formatProblems, planManifests, writeManifests } from "./review/manifests";
import { projectName } from "../settings/validate";

function usage(message: string): never {
    console.error(`plan: ${message}\nusage: npm run plan -- [--stack <name>] [--config-file <file>]\n  renders Pulumi.<name>.yaml (default stack: dev), or the given stack config file, to out/<name>/plan.json`);
    process.exit(2);
}

function parseArgs(argv: string[]): { stack: string; configFile?: string } {
    let stack = "dev";
    let configFile: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--stack") {
            const value = argv[++i];
            if (!value || value.startsWith("--")) usage("--stack needs a stack name");
            if (!/^[A-Za-z0-9_.-]+$/.test(value)) usage(`--stack ${JSON.stringify(value)} is not a stack name (letters, digits, '-', '_', '.')`);
            stack = value;
        } else if (arg === "--config-file") {
            configFile = argv[++i];
            if (!configFile || configFile.startsWith("--")) usage("--config-file needs a path");
        } else if (arg === "--help" || arg === "-h") {
            usage("renders a stack offline");
        } else {
            usage(`unknown argument ${JSON.stringify(arg)}`);
        }
    }
    return { stack, configFile };
}

async function main(): Promise<void> {
    const args = parseArgs(process.argv.slice(2));
    const stack = args.stack;
    const configFile = args.configFile ? path.resolve(args.configFile) : path.join(projectRoot, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(configFile)) usage(`no stack config file ${configFile}`);

    const started = process.hrtime.bigint();
    let run;
    try {
        run = runStack({ stack, configFile });
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
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;

    console.log(`plan: ${stack}: ${plan.resources.length} resources in ${seconds.toFixed(1)} s -> ${path.relative(process.cwd(), planFile)}`);
    for (const [type, count] of countByType(plan)) console.log(`  ${String(count).padStart(3)}  ${type}`);
    const protectedUrns = plan.resources.filter((r) => r.protect).map((r) => r.name);
    if (protectedUrns.length > 0) console.log(`  protected: ${protectedUrns.join(", ")}`);

    // Every Kubernetes object, one file each, validated; a problem fails the plan with the field.
    const manifests = planManifests(plan, gmsaCustomResourceValidators(plan, projectRoot), `the Kubernetes 1.33 OpenAPI schema (kubernetes-models ${kubernetesModelsVersion}), unknown fields refused`);
    const manifestsDir = path.join(outDir, "manifests");
    writeManifests(manifestsDir, manifests);
    const manifestProblems = formatProblems(manifests);
    const unchecked = manifests.filter((m) => m.unchecked);
    console.log(`manifests: ${manifests.length} files -> ${path.relative(process.cwd(), manifestsDir)}/, ${manifestProblems.length === 0 ? "all valid" : `${manifestProblems.length} problems`}${unchecked.length > 0 ? `, ${unchecked.length} unchecked` : ""}`);
    for (const m of unchecked) console.log(`  warning: ${m.title} not checked: ${m.unchecked}`);
    for (const line of manifestProblems) console.error(`  invalid: ${line}`);
    if (manifestProblems.length > 0) process.exitCode = 1;

    // The policy pack, run as `pulumi preview --policy-pack` runs it, over the same resources.
    const pack = await startPolicyPack(defaultPackDir);
    try {
        const config = fs.existsSync(projectPolicyConfig) ? readPolicyConfig(projectPolicyConfig, pack.info) : {};
        const violations = await pack.analyze(plan.resources, config);
        const report = buildReport(pack.info, { project: plan.project, stack, resources: plan.resources.length }, violations, config);
        fs.writeFileSync(path.join(outDir, "policy-report.json"), JSON.stringify(report, null, 2) + "\n");
        console.log(formatReport(report));
        if (!report.passed) process.exitCode = 1;
    } finally {
        await pack.close();
    }
}

main().catch((e) => {
    console.error(`plan: ${(e as Error).message}`);
    process.exit(1);
});
