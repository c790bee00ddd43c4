// What an app stack knows of the platform stack offline: its outputs, read from a file, as a
// StackReference answer for the mock runtime and as the policy pack's config for an app stack
// (docs/policy.md, "In an application repository").
import * as fs from "fs";
import type { StackReferenceAnswer } from "../harness";
import type { PolicyConfig } from "../policy/types";

/** How `pulumi stack output --json` (without --show-secrets) and plan.json show a secret output. */
export const secretPlaceholder = "[secret]";

export class PlatformOutputsError extends Error {}

/**
 * The platform's outputs from a file: `pulumi stack output --json` of the platform stack, or a
 * platform plan.json from `npm run plan` (its `outputs`).
 */
export function readPlatformOutputs(file: string): Record<string, unknown> {
    let doc: unknown;
    try {
        doc = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new PlatformOutputsError(
            `--platform ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; give the platform's outputs (pulumi stack output --json) or a platform plan.json`,
        );
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc))
        throw new PlatformOutputsError(`--platform ${file}: must be a JSON object of stack outputs`);
    const record = doc as Record<string, unknown>;
    const outputs =
        Array.isArray(record.resources) && typeof record.outputs === "object" && record.outputs !== null ? (record.outputs as Record<string, unknown>) : record;
    if (!("gmsaCredentialSpecs" in outputs)) {
        throw new PlatformOutputsError(
            `--platform ${file}: no gmsaCredentialSpecs output; is it an eks-gmsa platform stack's outputs (pulumi stack output --json --stack <org>/eks-gmsa/<stack>)?`,
        );
    }
    return outputs;
}

/** The outputs as a StackReference answers them: the "[secret]" ones are secret (their value unknown offline). */
export function asPlatformReference(outputs: Record<string, unknown>): StackReferenceAnswer {
    return {
        outputs,
        secretOutputNames: Object.keys(outputs)
            .filter((k) => outputs[k] === secretPlaceholder)
            .sort(),
    };
}

interface Toleration {
    key?: string;
    value?: string;
    effect?: string;
}

/**
 * The pack's config for an app stack: the RBAC and credential specs live in the platform stack
 * (externalGrants, externalCredentialSpecs), so does the webhook (webhookExternal), and the
 * Windows nodes' taints are what the platform's windowsTolerations tolerate.
 */
export function appPolicyConfig(outputs: Record<string, unknown>): PolicyConfig {
    const grants = outputs.gmsaCredentialSpecs as { name: string }[];
    const config: Record<string, Record<string, unknown>> = {
        "gmsa-workload-authorized": { externalGrants: grants },
        "gmsa-credspec-exists": { externalCredentialSpecs: grants.map((g) => g.name) },
        "gmsa-webhook-present": { webhookExternal: true },
    };
    if (Array.isArray(outputs.windowsTolerations)) {
        const taints = (outputs.windowsTolerations as Toleration[])
            .filter((t) => t.key && t.effect)
            .map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect }));
        config["pod-host-access-allowlist"] = { windowsNodeTaints: taints };
    }
    return config as PolicyConfig;
}
