// Who runs `pulumi up`, and who the stack's policies name as its operators: the principals that
// write the secrets' values and read them back (terraform-provider-aws secret_version.go reads a
// version after writing it, on refresh and on delete), administer the keys' policies, and are
// allowed by the access guardrail. Resolved once, before anything is registered.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { samePrincipal } from "../lib/aws";
import { projectName } from "../settings/types";

/** The role behind an assumed-role session (through the IAM session context, with its path), or the user. */
export async function callerPrincipalArn(): Promise<string> {
    return (await aws.iam.getSessionContext({ arn: (await aws.getCallerIdentity()).arn })).issuerArn;
}

const operatorsKey = `${projectName}:access.operators`;

export interface StackOperators {
    /** The principals every key policy, secret resource policy and the guardrail name as the operator. */
    arns: string[];
    /** Configured (access.operators), or whoever runs this `pulumi up` (the key is absent). */
    source: "config" | "caller";
}

/**
 * The operators: the configured list, or else the caller. With a list, the caller must be on it,
 * exactly as IAM reports it (aws:PrincipalArn carries a role's path, and the secrets' resource
 * policies compare it exactly): otherwise the secret values' writes would be denied halfway through
 * `pulumi up`, so an update stops here, before anything is registered. A preview writes nothing
 * (the pull request's preview role is rightly no operator): it only warns.
 */
export function stackOperators(configured: readonly string[] | undefined, caller: string, preview: boolean): { operators: StackOperators; warning?: string } {
    if (!configured) return { operators: { arns: [caller], source: "caller" } };
    const operators: StackOperators = { arns: [...configured], source: "config" };
    if (configured.includes(caller)) return { operators };
    const index = configured.findIndex((arn) => samePrincipal(arn, caller));
    const problem =
        index >= 0
            ? `${operatorsKey}[${index}] is ${configured[index]}, but IAM reports this \`pulumi up\`'s principal as ${caller}: write it as IAM does, with its path (aws:PrincipalArn carries the path and the secrets' resource policies compare ARNs exactly)`
            : `this \`pulumi up\` runs as ${caller}, which is not one of ${operatorsKey} (${configured.join(", ")}): the key and secret policies admit only those, so writing the secrets' values would be denied halfway through; run it as one of them, or add this principal to the list`;
    if (preview) return { operators, warning: `${problem}. A preview writes nothing, so it goes on; \`pulumi up\` would stop here.` };
    throw new pulumi.RunError(problem);
}

/** Resolves the operators with the caller from STS; logs the preview's warning. */
export async function resolveStackOperators(
    configured: readonly string[] | undefined,
    caller: () => Promise<string> = callerPrincipalArn,
): Promise<StackOperators> {
    const { operators, warning } = stackOperators(configured, await caller(), pulumi.runtime.isDryRun());
    if (warning) pulumi.log.warn(warning);
    return operators;
}
