// npm run policy -- <plan.json> [--config <policy-config.json>] [--report <file>]
// Without --config the project's own policy/policy-config.json applies (as in `npm run plan`).
// Exit 0: no mandatory policy failed; 1: one did; 2: bad input (arguments, file, format, config).
import * as fs from "fs";
import * as path from "path";
import { defaultPackDir, PolicyPackError, startPolicyPack } from "./analyzer";
import { projectPolicyConfig } from "./config";
import { InputError, readPlan, readPolicyConfig } from "./inputs";
import { buildReport, formatReport } from "./report";
import type { PolicyConfig } from "./types";

const usageText = `usage: npm run policy -- <plan.json> [--config <policy-config.json>] [--report <report.json>]

Runs the eks-gmsa policy pack (policy/) on an offline plan, through the analyzer protocol as
\`pulumi preview --policy-pack\` runs it, and prints each violation with how to fix it.

  <plan.json>      a plan file: npm run plan -- --stack <name> writes out/<name>/plan.json;
                   npm run plan:app writes an app stack's (examples/app/README.md)
  --config <file>  policy config, the --policy-pack-config format
                   (default: policy/policy-config.json, the platform stack's)
  --report <file>  also write the report as JSON
  -h, --help, help this usage

exit status: 0 no mandatory policy failed, 1 one did, 2 bad arguments, plan or config file.
docs/policy.md says what each policy checks.`;

/** Bad arguments: the message, then the usage. */
function usage(message: string): never {
    console.error(`policy: ${message}\n\n${usageText}`);
    process.exit(2);
}

/** A plan or config file that cannot be used: the message (its problems), without the usage. */
function badInput(message: string): never {
    console.error(`policy: ${message}\n(npm run policy -- --help for the arguments)`);
    process.exit(2);
}

async function main(): Promise<void> {
    const argv = process.argv.slice(2);
    if (argv[0] === "help" || argv.includes("-h") || argv.includes("--help")) {
        console.log(usageText);
        return;
    }
    let planFile: string | undefined;
    let configFile: string | undefined;
    let reportFile: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--config" || arg === "--report") {
            const value = argv[++i];
            if (!value || value.startsWith("--")) usage(`${arg} needs a file`);
            if (arg === "--config") configFile = value;
            else reportFile = value;
        } else if (arg.startsWith("-")) usage(`unknown option ${JSON.stringify(arg)}`);
        else if (planFile) usage(`one plan file only (got ${JSON.stringify(planFile)} and ${JSON.stringify(arg)})`);
        else planFile = arg;
    }
    if (!planFile) usage("a plan file is required (npm run plan writes out/<stack>/plan.json)");

    let plan;
    try {
        plan = readPlan(planFile);
    } catch (e) {
        if (e instanceof InputError) badInput(e.message);
        throw e;
    }
    const started = process.hrtime.bigint();
    const pack = await startPolicyPack(defaultPackDir);
    // The config is checked against the pack's schemas, so it is read once the pack runs; a bad
    // one stops the pack before exiting (process.exit skips finally blocks: the pack would live on).
    let config: PolicyConfig = {};
    configFile ??= fs.existsSync(projectPolicyConfig) ? projectPolicyConfig : undefined;
    if (configFile) {
        console.log(`policy config: ${path.relative(process.cwd(), configFile) || configFile}`);
        try {
            config = readPolicyConfig(configFile, pack.info);
        } catch (e) {
            await pack.close();
            if (e instanceof InputError) badInput(e.message);
            throw e;
        }
    }
    try {
        const violations = await pack.analyze(plan.resources, config);
        const report = buildReport(pack.info, { project: plan.project, stack: plan.stack, resources: plan.resources.length }, violations, config);
        console.log(formatReport(report));
        console.log(`  (${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(2)} s)`);
        if (reportFile) {
            fs.mkdirSync(path.dirname(path.resolve(reportFile)), { recursive: true });
            fs.writeFileSync(reportFile, JSON.stringify(report, null, 2) + "\n");
        }
        process.exitCode = report.passed ? 0 : 1;
    } finally {
        await pack.close();
    }
}

main().catch((e) => {
    console.error(`policy: ${e instanceof PolicyPackError ? e.message : (e as Error).stack}`);
    process.exit(2);
});
