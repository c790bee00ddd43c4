// Runs the real rotation function (components/scripts/rotation/, via test/support/rotation_step.py)
// one step at a time, as Secrets Manager invokes it, against the Secrets Manager model
// (secretsManagerModel.ts), with a stand-in for the management host: it records each host step
// and fails the steps the test names. Its output is kept, to check that no password shows.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot, run, type Run } from "./ad-cli";
import type { RotationEvent, SecretsManagerModel } from "./secretsManagerModel";

export const rotationStepPy = path.join(projectRoot, "test", "support", "rotation_step.py");
/** The pyenv python3 on PATH: boto3 1.43 (the Lambda runtime's is as new; the system's is too old for AWS_ENDPOINT_URL_*). */
export const lambdaPython = "python3";

export interface RotationFunction {
    /** Invokes one step; throws an Error with the function's one-line error when it fails. */
    invoke(event: RotationEvent): Promise<void>;
    /** The host steps the stand-in ran, in order. */
    hostSteps(): { step: string; token: string }[];
    /** Which host steps fail, with which `eks-gmsa: ...` line; {} for none. */
    failHostSteps(fail: Record<string, string>): void;
    /** Every invocation's stdout and stderr. */
    runs: Run[];
    cleanup(): void;
}

/**
 * host: "stand-in" (default), "lambda-entry" (the module's handler as Lambda calls it, its host runner
 * SSM's, configured from env), or a command run as the host (SSM_Step, SSM_VersionId in its env).
 */
export function rotationFunction(
    model: SecretsManagerModel,
    env: Record<string, string> & { SECRET_ARN: string; IDENTITY_USERS: string },
    host: "stand-in" | "lambda-entry" | string[] = "stand-in",
): RotationFunction {
    const dir = mkdtempSync(path.join(os.tmpdir(), "rotation-fn-"));
    const plan = path.join(dir, "plan.json");
    const record = path.join(dir, "host-steps.jsonl");
    writeFileSync(record, "");
    const failHostSteps = (fail: Record<string, string>) => writeFileSync(plan, JSON.stringify({ record, fail }));
    failHostSteps({});
    const runs: Run[] = [];
    return {
        runs,
        failHostSteps,
        hostSteps: () =>
            readFileSync(record, "utf8")
                .split("\n")
                .filter(Boolean)
                .map((l) => JSON.parse(l)),
        invoke: async (event) => {
            const hostArgs = host === "stand-in" ? ["--stand-in", plan] : host === "lambda-entry" ? ["--lambda-entry"] : ["--host-command", ...host];
            const r = await run(lambdaPython, [rotationStepPy, "--event", JSON.stringify(event), ...hostArgs], {
                ...env,
                AWS_ENDPOINT_URL_SECRETS_MANAGER: model.url,
                AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
                AWS_SECRET_ACCESS_KEY: "not-a-real-key",
                AWS_DEFAULT_REGION: "us-west-2",
                AWS_CONFIG_FILE: "/dev/null",
                AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
                AWS_EC2_METADATA_DISABLED: "true",
            });
            runs.push(r);
            if (r.status !== 0) {
                const line = r.stderr.split("\n").filter((l) => l.startsWith("rotation-error: "));
                throw new Error(line.length ? line[line.length - 1].slice("rotation-error: ".length) : `the step crashed:\n${r.stderr}`);
            }
        },
        cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
}
