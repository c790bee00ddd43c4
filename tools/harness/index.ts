// Runs the real program under Pulumi's mock runtime for a stack config and returns what it
// registered. Used by the tests and by `npm run plan`.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { projectName } from "../../settings/types";
import { containsSecret, unwrapSecrets } from "./normalize";
import { readStackConfigFile, toProgramConfig, type ProgramConfig } from "./stackConfig";
import type { AwsAccountState, HarnessResult, RegisteredResource, StackReferenceAnswer } from "./types";

export * from "./types";
export const projectRoot = path.resolve(__dirname, "..", "..");

export interface RunOptions {
    stack: string;
    /** Another Pulumi program (its index.ts), e.g. examples/app; default: this project's index.ts. */
    program?: { file: string; project: string };
    /** Answers for StackReferences the program makes, by fully qualified stack name ("*": any). */
    stackReferences?: Record<string, StackReferenceAnswer>;
    /** Stack config file; defaults to Pulumi.<stack>.yaml in the project root. */
    configFile?: string;
    /** Config given directly (the `config:` mapping of a stack file), instead of a file. */
    config?: Record<string, unknown>;
    /** Applied on top of the file's config, by top-level key (e.g. "eks-gmsa:windowsNodes"). */
    overrides?: Record<string, unknown>;
    /** Who runs `pulumi up` and which clusters exist (default: a first run by offlineCaller). */
    aws?: AwsAccountState;
}

export interface StackRun extends HarnessResult {
    stack: string;
}

export function loadProgramConfig(options: RunOptions): ProgramConfig {
    const project = options.program?.project ?? projectName;
    const base = options.config
        ? toProgramConfig(options.config, project)
        : readStackConfigFile(options.configFile ?? path.join(projectRoot, `Pulumi.${options.stack}.yaml`), project);
    if (!options.overrides) return base;
    // A null override removes the key, as `pulumi config rm` would.
    const removed = Object.keys(options.overrides)
        .filter((k) => options.overrides![k] === null)
        .map((k) => (k.includes(":") ? k : `${project}:${k}`));
    const kept = Object.fromEntries(Object.entries(options.overrides).filter(([, v]) => v !== null));
    const extra = toProgramConfig(kept, project);
    const values = { ...base.values, ...extra.values };
    for (const key of removed) delete values[key];
    // An overridden key is secret only if its new value is.
    const overridden = new Set([...removed, ...Object.keys(extra.values)]);
    return { values, secretKeys: [...new Set([...base.secretKeys.filter((k) => !overridden.has(k)), ...extra.secretKeys])] };
}

/**
 * Who runs this offline `pulumi up` when the test or plan does not say: the first of the stack's
 * `access.operators` (a deploy is run by an operator; anyone else is stopped before anything is
 * registered), else the stand-in offlineCaller.
 */
export function offlineOperator(config: ProgramConfig): string | undefined {
    const access = config.values[`${projectName}:access`];
    if (access === undefined) return undefined;
    try {
        const operators = (JSON.parse(access) as { operators?: unknown }).operators;
        return Array.isArray(operators) && typeof operators[0] === "string" ? operators[0] : undefined;
    } catch {
        return undefined; // not JSON: the settings report it
    }
}

/** Runs the program in a fresh Node process (the Pulumi runtime is global per process). */
export function runStack(options: RunOptions): StackRun {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "eks-gmsa-run-"));
    try {
        const requestFile = path.join(dir, "request.json");
        const resultFile = path.join(dir, "result.json");
        const config = loadProgramConfig(options);
        const operator = options.aws?.caller === undefined ? offlineOperator(config) : undefined;
        const aws = operator ? { ...options.aws, caller: operator } : options.aws;
        fs.writeFileSync(
            requestFile,
            JSON.stringify({
                project: options.program?.project ?? projectName,
                stack: options.stack,
                program: options.program?.file ?? path.join(projectRoot, "index.ts"),
                config,
                resultFile,
                stackReferences: options.stackReferences ?? {},
                ...(aws ? { aws } : {}),
            }),
        );
        const child = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "runProgram.ts"), requestFile], {
            cwd: projectRoot,
            encoding: "utf8",
            env: { ...process.env, PULUMI_NODEJS_SKIP_COMMAND_CHECK: "true" },
            timeout: 120_000,
        });
        if (!fs.existsSync(resultFile)) {
            throw new Error(`the program did not finish (exit ${child.status}${child.signal ? `, ${child.signal}` : ""}):\n${child.stderr}${child.stdout}`);
        }
        return { stack: options.stack, ...(JSON.parse(fs.readFileSync(resultFile, "utf8")) as HarnessResult) };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Resources other than the stack itself. */
export function userResources(run: StackRun): RegisteredResource[] {
    return run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
}

/**
 * What a StackReference to this run's stack would answer: its outputs in plain form, and the
 * names of the secret ones (which the referencing program receives as secrets).
 */
export function asStackReference(run: StackRun): StackReferenceAnswer {
    const outputs: Record<string, unknown> = {};
    const secretOutputNames: string[] = [];
    for (const [name, value] of Object.entries(run.outputs)) {
        if (containsSecret(value)) secretOutputNames.push(name);
        outputs[name] = unwrapSecrets(value);
    }
    return { outputs, secretOutputNames };
}
