// npm run policy -- <plan.json> [--config <policy-config.json>] [--report <file>]
// Without --config the project's own policy/policy-config.json applies (as in `npm run plan`).
// Exit 0: no mandatory policy failed; 1: one did, or the run failed; 2: bad input (arguments, file, format, config).
import * as fs from "fs";
import * as path from "path";
import { judgePlan, PolicyPackError } from "./analyzer";
import { projectPolicyConfig } from "./config";
import { InputError, readPlan, readPolicyConfig } from "./inputs";
import { formatReport } from "./report";
import type { PolicyConfig } from "./types";
import { argsOrExit, badInput, describeError, failure, makeDirectory, shownPath, usageError } from "../cli";

const usageText = `usage: npm run policy -- <plan.json> [--config <policy-config.json>] [--report <report.json>]

Runs the eks-gmsa policy pack (policy/) on an offline plan, through the analyzer protocol as
\`pulumi preview --policy-pack\` runs it, and prints each violation with how to fix it.

  <plan.json>      a plan file: npm run plan -- --stack <name> writes out/<name>/plan.json;
                   npm run plan:app writes an app stack's (examples/app/README.md)
  --config <file>  policy config, the --policy-pack-config format
                   (default: policy/policy-config.json, the platform stack's)
  --report <file>  also write the report as JSON
  -h, --help, help this usage

exit status: 0 no mandatory policy failed, 1 one did, 2 bad arguments, plan or config file;
a run that fails (the pack, writing --report) exits 1 with one line saying what failed.
docs/policy.md says what each policy checks.`;

const policyCli = { script: "policy", usage: usageText };

async function main(): Promise<void> {
    const { flags, positionals } = argsOrExit(policyCli, process.argv.slice(2), { "--config": { value: "a file" }, "--report": { value: "a file" } }, 1);
    const planFile = positionals[0];
    let configFile = flags["--config"] as string | undefined;
    const reportFile = flags["--report"] as string | undefined;
    if (!planFile) usageError(policyCli, "a plan file is required (npm run plan writes out/<stack>/plan.json)");

    let plan;
    try {
        plan = readPlan(planFile);
    } catch (e) {
        if (e instanceof InputError) badInput(policyCli, e.message);
        throw e;
    }
    const started = process.hrtime.bigint();
    configFile ??= fs.existsSync(projectPolicyConfig) ? projectPolicyConfig : undefined;
    if (configFile) console.log(`policy config: ${shownPath(configFile)}`);
    let report;
    try {
        // The config is checked against the pack's schemas, so it is read once the pack runs.
        report = await judgePlan(plan, (info): PolicyConfig => (configFile ? readPolicyConfig(configFile, info) : {}));
    } catch (e) {
        if (e instanceof InputError) badInput(policyCli, e.message);
        throw e;
    }
    console.log(formatReport(report));
    console.log(`  (${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(2)} s)`);
    if (reportFile) {
        try {
            makeDirectory(path.dirname(path.resolve(reportFile)));
            fs.writeFileSync(reportFile, JSON.stringify(report, null, 2) + "\n");
        } catch (e) {
            process.exitCode = 1;
            console.error(`policy: the report was not written: ${describeError(e)}`);
            return;
        }
    }
    process.exitCode = report.passed ? 0 : 1;
}

// A failure at run time (the pack, a file): one line naming it, exit 1 (2 is for bad arguments).
main().catch((e) => failure(policyCli, e instanceof PolicyPackError ? e.message : describeError(e)));
