// npm run plan:app -- --app <dir> --platform <outputs.json> [--stack dev] [--out <dir> | --check]
// An app team's offline plan (examples/app/README.md): renders an app stack (the Pulumi program in
// <dir> with its Pulumi.<stack>.yaml) under the mock runtime, every StackReference it makes answered
// with the platform stack's outputs, then writes plan.json and the policy pack's config for an app
// stack (policy-config.json) for `npm run policy`; or, with --check, runs the pack on it and keeps
// nothing (what the app's `npm test` does). Exit 0 ok; 1 the app failed its own checks or a
// mandatory policy; 2 bad arguments or files.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { projectRoot, runStack } from "./harness";
import { toPlan } from "./planFile";
import { judgePlan, PolicyPackError } from "./policy/analyzer";
import { formatReport } from "./policy/report";
import { argsOrExit, badInput, describeError, failure, makeDirectory, shownPath, stackNameProblem, usageError } from "./cli";
import { appPolicyConfig, asPlatformReference, PlatformOutputsError, readPlatformOutputs } from "./app/platformOutputs";

const usageText = `usage: npm run plan:app -- --app <dir> --platform <outputs.json> [--stack <name>] [--out <dir> | --check]

Renders an app stack offline (no cloud, no Pulumi CLI): the Pulumi program in <dir> with its
Pulumi.<name>.yaml, under the mock runtime, every StackReference answered with the platform
stack's outputs. Writes <out>/plan.json and <out>/policy-config.json (the policy pack's config for
an app stack, from the platform's outputs: its gMSA grants, credential specs, webhook and Windows
taint), for: npm run policy -- <out>/plan.json --config <out>/policy-config.json

  --app <dir>        the app's directory (Pulumi.yaml, index.ts), e.g. examples/app
  --platform <file>  the platform stack's outputs: pulumi stack output --json --stack
                     <org>/eks-gmsa/<stack> saved to a file, or a platform plan.json (npm run plan)
  --stack <name>     the app stack (default dev)
  --out <dir>        where to write (default out/<project>-<name>/)
  --check            instead of writing: run the policy pack on the plan, keep nothing
  -h, --help, help   this usage

Relative paths are from the directory you run npm in.
exit status: 0 ok; 1 the app failed its own checks or a mandatory policy, or writing failed
(one line says what); 2 bad arguments or files.`;

interface AppPlanArgs {
    app: string;
    platform: string;
    stack: string;
    out?: string;
    check: boolean;
}

const appPlanCli = { script: "plan:app", usage: usageText };

function usage(message: string): never {
    usageError(appPlanCli, message);
}

/** Paths as the user typed them: npm runs scripts from the package root, INIT_CWD is where they ran npm. */
const fromUser = (p: string) => path.resolve(process.env.INIT_CWD ?? process.cwd(), p);

function parseArgs(argv: string[]): AppPlanArgs {
    const { flags } = argsOrExit(appPlanCli, argv, {
        "--app": { value: "a directory" },
        "--platform": { value: "a file" },
        "--stack": { value: "a stack name" },
        "--out": { value: "a directory" },
        "--check": {},
    });
    const values = flags as Record<string, string>;
    const check = flags["--check"] === true;
    if (!values["--app"]) usage("--app is required: the app's directory (its Pulumi.yaml and index.ts)");
    if (!values["--platform"]) usage("--platform is required: the platform stack's outputs (pulumi stack output --json) or a platform plan.json");
    if (check && values["--out"]) usage("--check writes nothing; give --out or --check, not both");
    const stack = values["--stack"] ?? "dev";
    const stackProblem = stackNameProblem(stack);
    if (stackProblem) usage(`--stack ${JSON.stringify(stack)} ${stackProblem}`);
    return { app: fromUser(values["--app"]), platform: fromUser(values["--platform"]), stack, out: values["--out"] && fromUser(values["--out"]), check };
}

/** The app's project name (Pulumi.yaml) and program (its main, default index.ts). */
function readApp(dir: string, stack: string): { project: string; program: string; configFile: string } {
    const projectFile = path.join(dir, "Pulumi.yaml");
    if (!fs.existsSync(projectFile)) badInput(appPlanCli, `--app ${dir}: no Pulumi.yaml there`);
    const project = YAML.parse(fs.readFileSync(projectFile, "utf8")) as { name?: unknown; main?: unknown };
    if (typeof project?.name !== "string") badInput(appPlanCli, `--app ${dir}: Pulumi.yaml has no project name`);
    const program = path.join(dir, typeof project.main === "string" ? project.main : "index.ts");
    if (!fs.existsSync(program)) badInput(appPlanCli, `--app ${dir}: no program ${path.relative(dir, program)}`);
    const configFile = path.join(dir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(configFile)) badInput(appPlanCli, `--stack ${stack}: no ${shownPath(configFile)}`);
    return { project: project.name, program, configFile };
}

async function main(): Promise<void> {
    const args = parseArgs(process.argv.slice(2));
    const app = readApp(args.app, args.stack);
    let outputs: Record<string, unknown>;
    try {
        outputs = readPlatformOutputs(args.platform);
    } catch (e) {
        if (e instanceof PlatformOutputsError) badInput(appPlanCli, e.message);
        throw e;
    }
    console.log(`plan:app: rendering ${app.project}/${args.stack} (${shownPath(app.program)}) against the platform outputs in ${shownPath(args.platform)}`);

    const run = runStack({
        stack: args.stack,
        program: { file: app.program, project: app.project },
        configFile: app.configFile,
        stackReferences: { "*": asPlatformReference(outputs) },
    });
    if (run.errors.length > 0) {
        console.error(`plan:app: ${app.project}/${args.stack} failed; nothing would be deployed:\n  ${run.errors.join("\n").trim().replace(/\n/g, "\n  ")}`);
        process.exit(1);
    }
    const plan = toPlan(app.project, run);
    const config = appPolicyConfig(outputs);
    const workloads = plan.resources.filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers:"));
    console.log(
        `plan:app: ${plan.resources.length} resources (${workloads.map((r) => `${r.type.split(":").pop()} ${r.name}`).join(", ") || "no Kubernetes objects"})`,
    );

    if (args.check) {
        const report = await judgePlan(plan, config);
        console.log(formatReport(report));
        process.exitCode = report.passed ? 0 : 1;
        return;
    }
    const out = args.out ?? path.join(process.cwd(), "out", `${app.project}-${args.stack}`);
    try {
        makeDirectory(out);
        fs.writeFileSync(path.join(out, "plan.json"), JSON.stringify(plan, null, 2) + "\n");
        fs.writeFileSync(path.join(out, "policy-config.json"), JSON.stringify(config, null, 2) + "\n");
    } catch (e) {
        failure(appPlanCli, `nothing usable written to --out ${shownPath(out)}: ${describeError(e)}`);
    }
    console.log(`plan:app: wrote ${shownPath(path.join(out, "plan.json"))} and ${shownPath(path.join(out, "policy-config.json"))}`);
    // From the repository root; an app's own package.json has its `npm run policy` (examples/app).
    if (process.cwd() === projectRoot)
        console.log(`next: npm run policy -- ${shownPath(path.join(out, "plan.json"))} --config ${shownPath(path.join(out, "policy-config.json"))}`);
}

// A failure at run time: one line naming it, exit 1 (2 is for bad arguments).
main().catch((e) => failure(appPlanCli, e instanceof PolicyPackError ? e.message : describeError(e)));
