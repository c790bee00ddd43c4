// Whether each gMSA workload's service account may use its credential spec: refused where the plan
// says no, or where a secret hides the answer (mandatory); reported where a value computed at
// deployment decides it (advisory). The judging is in lib/authorization.ts.

import type { StackValidationPolicy } from "@pulumi/policy";
import { authorizationFindings } from "./lib/authorization";
import { externalGrantKeys, readConfig } from "./lib/config";
import { guardStack, reportUnreadable } from "./lib/guard";
import { analyzeStack } from "./lib/stack";

export const gmsaWorkloadAuthorized: StackValidationPolicy = {
    name: "gmsa-workload-authorized",
    description:
        "Every workload that names a gMSA credential spec (gmsaCredentialSpecName on the pod or a container), of any kind that makes pods, runs as a service account " +
        "that RBAC lets `use` that GMSACredentialSpec in the workload's namespace (a RoleBinding in that namespace or a ClusterRoleBinding), " +
        "or that the policy config lists as granted by another stack. Otherwise the windows-gmsa webhook rejects its pods. " +
        "A *Patch that sets a gMSA must set serviceAccountName too (the live object's is not visible to the pack). " +
        "The service account, namespace and credential spec name of a gMSA workload (and the pod template holding them) are never secrets.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            externalGrants: {
                type: "array",
                description:
                    "Grants made by bindings in another stack, in the shape of the platform stack's gmsaCredentialSpecs output: " +
                    "[{ name: <credential spec>, allowed: [{ namespace, serviceAccounts: [..] }] }].",
                default: [],
                items: {
                    type: "object",
                    required: ["name", "allowed"],
                    properties: {
                        name: { type: "string", minLength: 1 },
                        account: { type: "string" },
                        allowed: {
                            type: "array",
                            items: {
                                type: "object",
                                required: ["namespace", "serviceAccounts"],
                                properties: {
                                    namespace: { type: "string", minLength: 1 },
                                    serviceAccounts: { type: "array", items: { type: "string", minLength: 1 } },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
    validateStack: guardStack("gmsa-workload-authorized", (args, report) => {
        const facts = analyzeStack(args.resources);
        // Judged before reporting what could not be read: reading the stack fills that list.
        const { refused } = authorizationFindings(facts, externalGrantKeys(readConfig(args)));
        reportUnreadable("gmsa-workload-authorized", facts.unreadable, report);
        for (const f of refused) report(f.message, f.urn);
    }),
};

export const gmsaAuthorizationDeferred: StackValidationPolicy = {
    name: "gmsa-authorization-deferred",
    description:
        "Reports (advisory) every gMSA authorization this preview cannot judge because a value deciding it is computed at deployment: a gMSA workload's service account, " +
        "namespace or credential spec name, or a binding that might grant it. The engine judges them with the real values at deployment only when " +
        "the deployment also runs this pack (pulumi up --policy-pack, or the pack enabled in Pulumi Cloud).",
    enforcementLevel: "advisory",
    validateStack: guardStack("gmsa-authorization-deferred", (args, report) => {
        const facts = analyzeStack(args.resources);
        // externalGrants belong to gmsa-workload-authorized's config: a deferred grant they cover
        // may still be listed here (advisory only).
        for (const f of authorizationFindings(facts, new Set()).deferred) report(f.message, f.urn);
    }),
};
