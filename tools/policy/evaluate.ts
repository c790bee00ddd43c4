// Evaluates the pack's policies in-process, on the same argument shapes @pulumi/policy's server
// builds (props behind its unknown-checking proxy, resources with their parents and
// dependencies). For measuring the policies' own cost apart from the gRPC transport, and for
// tests that need no server. The CLI and `npm run plan` always go through the protocol.
import type { ResourceValidationArgs, StackValidationArgs, ReportViolation, PolicyResource } from "@pulumi/policy";
import { policies } from "../../policy/api";
import type { PlanResource } from "../planFile";
import { resolvePolicyConfig } from "./inputs";
import type { PolicyConfig, Violation } from "./types";

// The server's wrapper that throws on unknown values; internal to @pulumi/policy, whose proxy.d.ts
// declares nothing: require() with the one signature used.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownCheckingProxy } = require("@pulumi/policy/proxy") as { unknownCheckingProxy<T extends object>(o: T): T };

export function evaluateInProcess(resources: readonly PlanResource[], config: PolicyConfig = {}): Violation[] {
    const violations: Violation[] = [];
    const analyzed = resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
    const stackResources: PolicyResource[] = analyzed.map((r) => ({
        type: r.type,
        props: unknownCheckingProxy(r.inputs),
        urn: r.urn,
        name: r.name,
        opts: {} as PolicyResource["opts"],
        dependencies: [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
    }));
    const resolved = resolvePolicyConfig(
        policies.map((p) => ({ name: p.name, enforcementLevel: p.enforcementLevel ?? "mandatory" })),
        config,
    );
    for (const policy of policies) {
        const { enforcementLevel: level, properties } = resolved[policy.name];
        if (level === "disabled") continue;
        const getConfig = <T extends object>() => properties as T;
        const report =
            (urn?: string): ReportViolation =>
            (message: string, reportedUrn?: string) => {
                violations.push({
                    policyName: policy.name,
                    policyPackName: "eks-gmsa",
                    description: policy.description,
                    message,
                    enforcementLevel: level as Violation["enforcementLevel"],
                    ...((reportedUrn ?? urn) ? { urn: reportedUrn ?? urn } : {}),
                });
            };
        if ("validateResource" in policy && policy.validateResource) {
            const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
            for (const [i, r] of analyzed.entries()) {
                for (const validate of validations) {
                    const args = {
                        type: r.type,
                        props: stackResources[i].props,
                        urn: r.urn,
                        name: r.name,
                        opts: {},
                        stackTags: new Map(),
                        getConfig,
                        notApplicable: () => {
                            throw new Error("not applicable");
                        },
                        isType: () => false,
                        asType: () => undefined,
                    } as unknown as ResourceValidationArgs;
                    validate(args, report(r.urn));
                }
            }
        }
        if ("validateStack" in policy && policy.validateStack) {
            const args = {
                resources: stackResources,
                getConfig,
                stackTags: new Map(),
                notApplicable: () => {
                    throw new Error("not applicable");
                },
            } as unknown as StackValidationArgs;
            policy.validateStack(args, report());
        }
    }
    return violations;
}
