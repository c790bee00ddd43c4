// Wrappers that keep a policy from crashing the run: an unexpected exception becomes a violation
// that names the resource and says it is a bug in this pack, and evaluation goes on.

import type { ReportViolation, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { resourceLabel } from "./values";

const BUG = "This is a bug in the eks-gmsa policy pack (policy/policies); please report it with the resource's inputs.";

function messageOf(e: unknown): string {
    return e instanceof Error ? e.message : String(e);
}

export function guardResource(
    policy: string,
    validate: (args: ResourceValidationArgs, report: ReportViolation) => void,
): (args: ResourceValidationArgs, report: ReportViolation) => void {
    return (args, report) => {
        try {
            validate(args, report);
        } catch (e) {
            let label = "?";
            try {
                label = resourceLabel(args.type, args.urn);
            } catch {
                // keep "?"
            }
            report(`${policy} could not evaluate ${label}: ${messageOf(e)}. ${BUG}`);
        }
    };
}

export function guardStack(
    policy: string,
    validate: (args: StackValidationArgs, report: ReportViolation) => void,
): (args: StackValidationArgs, report: ReportViolation) => void {
    return (args, report) => {
        try {
            validate(args, report);
        } catch (e) {
            report(`${policy} could not evaluate the stack: ${messageOf(e)}. ${BUG}`);
        }
    };
}

/** Reports resources the shared stack analysis could not read. */
export function reportUnreadable(policy: string, unreadable: { urn: string; error: string }[], report: ReportViolation): void {
    for (const u of unreadable) {
        report(`${policy} could not read ${u.urn}: ${u.error}. ${BUG}`, u.urn.startsWith("urn:") ? u.urn : undefined);
    }
}
