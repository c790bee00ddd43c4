// Stack policies about gMSA workloads: each credential spec they name exists, and the webhook that
// checks them is installed. (Whether each may use its credential spec: gmsaAuthorization.ts.)

import type { StackValidationPolicy } from "@pulumi/policy";
import { configBoolean, configStrings, readConfig } from "./lib/config";
import { guardStack, reportUnreadable } from "./lib/guard";
import { analyzeStack } from "./lib/stack";
import { summarize } from "./lib/values";

export const gmsaCredspecExists: StackValidationPolicy = {
    name: "gmsa-credspec-exists",
    description:
        "Every credential spec a workload names (gmsaCredentialSpecName) exists as a GMSACredentialSpec in this stack, " +
        "or is listed in the policy config as created elsewhere. The webhook rejects pods that name a credential spec that does not exist.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            externalCredentialSpecs: {
                type: "array",
                description: "Names of GMSACredentialSpecs created outside this stack (e.g. by the platform stack) that workloads here may name.",
                default: [],
                items: { type: "string", minLength: 1 },
            },
        },
    },
    validateStack: guardStack("gmsa-credspec-exists", (args, report) => {
        const stack = analyzeStack(args.resources);
        const facts = stack.gmsa;
        reportUnreadable("gmsa-credspec-exists", stack.unreadable, report);
        // A credential spec whose name is not known yet may be the one referenced.
        if (facts.credentialSpecNameUnknown) return;
        const external = new Set(configStrings(readConfig(args), "externalCredentialSpecs"));
        const defined = [...facts.credentialSpecNames].sort();
        for (const w of facts.workloads) {
            for (const name of w.credentialSpecs) {
                if (facts.credentialSpecNames.has(name) || external.has(name)) continue;
                const available = defined.length > 0 ? `this stack defines ${summarize(defined.map((d) => `"${d}"`))}` : "this stack defines none";
                report(
                    `${w.label} names GMSACredentialSpec "${name}" (gmsaCredentialSpecName), which does not exist (${available}); the gMSA webhook rejects pods naming a credential spec that does not exist. ` +
                        `Fix: correct the name, or add a GMSACredentialSpec named "${name}" (with eks-gmsa: an entry named "${name}" in eks-gmsa:gmsa.accounts), ` +
                        `or, if another stack creates it, list "${name}" in this policy's externalCredentialSpecs config.`,
                    w.urn,
                );
            }
        }
    }),
};

export const gmsaWebhookPresent: StackValidationPolicy = {
    name: "gmsa-webhook-present",
    description:
        'A stack with GMSACredentialSpecs or gMSA workloads also installs the windows-gmsa admission webhook (a Helm release of chart "gmsa"), ' +
        "or the policy config says it is installed elsewhere. Without it, nothing fills credential specs into pods or checks who may use them.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            webhookExternal: {
                type: "boolean",
                description: "true when the windows-gmsa webhook is installed outside this stack (e.g. by the platform stack).",
                default: false,
            },
        },
    },
    validateStack: guardStack("gmsa-webhook-present", (args, report) => {
        const stack = analyzeStack(args.resources);
        const facts = stack.gmsa;
        reportUnreadable("gmsa-webhook-present", stack.unreadable, report);
        if (facts.webhookReleases.length > 0 || configBoolean(readConfig(args), "webhookExternal", false)) return;
        const users = [...facts.credentialSpecs.map((c) => c.label), ...facts.workloads.filter((w) => w.usesGmsa).map((w) => w.label)];
        if (users.length === 0) return;
        report(
            `The stack has gMSA resources (${summarize(users)}) but does not install the windows-gmsa admission webhook: ` +
                `no kubernetes:helm.sh/v3:Release (or helm.sh/v4 Chart) of chart "gmsa". Without the webhook, pods get no credential spec contents and nobody checks who may use them. ` +
                `Fix: install the chart (with eks-gmsa: configure eks-gmsa:gmsa, and the program installs release gmsa-webhook), ` +
                `or, if another stack installs it in this cluster, set this policy's webhookExternal config to true.`,
        );
    }),
};
