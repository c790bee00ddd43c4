// No gMSA in a namespace the gMSA webhook skips: there nothing checks who may use a credential
// spec, nor fills its contents in.

import type { StackValidationPolicy } from "@pulumi/policy";
import { configStrings, readConfig } from "./lib/config";
import { guardStack, reportUnreadable } from "./lib/guard";
import { analyzeStack, WEBHOOK_OPT_OUT_LABEL } from "./lib/stack";
import { gmsaFieldSites } from "./lib/workloads";

/** The webhook's own namespace as eks-gmsa installs it, and the namespaces eks-gmsa labels windows.k8s.io/disabled=true. */
export const DEFAULT_SKIPPED_NAMESPACES = ["gmsa-webhook", "kube-system", "cert-manager"];

export const gmsaWebhookSkippedNamespace: StackValidationPolicy = {
    name: "gmsa-webhook-skipped-namespace",
    description:
        "No pod spec names or carries a gMSA (windowsOptions.gmsaCredentialSpecName or gmsaCredentialSpec, pod level or any container) in a namespace " +
        "the gMSA webhook skips: its own namespace (from the gmsa Helm release in the stack), namespaces the stack labels windows.k8s.io/disabled=true, " +
        "and the policy config's skippedNamespaces. There no one checks that the service account may use the credential spec.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            skippedNamespaces: {
                type: "array",
                description:
                    "Namespaces the gMSA webhook does not see, besides those this stack shows (the webhook release's namespace and namespaces labelled windows.k8s.io/disabled=true): " +
                    "the webhook's namespace and labelled namespaces managed elsewhere.",
                default: DEFAULT_SKIPPED_NAMESPACES,
                items: { type: "string", minLength: 1 },
            },
        },
    },
    validateStack: guardStack("gmsa-webhook-skipped-namespace", (args, report) => {
        const stack = analyzeStack(args.resources);
        const facts = stack.gmsa;
        reportUnreadable("gmsa-webhook-skipped-namespace", stack.unreadable, report);
        const why = new Map<string, string>();
        for (const ns of configStrings(readConfig(args), "skippedNamespaces", DEFAULT_SKIPPED_NAMESPACES))
            why.set(ns, "listed in this policy's skippedNamespaces");
        for (const ns of facts.optedOutNamespaces) why.set(ns, `labelled ${WEBHOOK_OPT_OUT_LABEL}=true in this stack`);
        for (const ns of facts.webhookNamespaces) why.set(ns, "the gMSA webhook's own namespace");
        const message = (label: string, where: string, ns: string) =>
            `${label} sets ${where} in namespace ${ns}, which the gMSA webhook skips (${why.get(ns)}). There nothing checks that the pod's service account may use the credential spec, ` +
            `nor fills its contents in: inline contents would run as that gMSA unchecked. Fix: run gMSA workloads in a namespace the webhook covers ` +
            `(not labelled ${WEBHOOK_OPT_OUT_LABEL}=true, not the webhook's own).`;
        for (const w of facts.workloads) {
            if (w.namespaceUnknown || !why.has(w.namespace)) continue;
            const sites = gmsaFieldSites(w.podSpec);
            if (sites.length === 0) continue;
            report(message(w.label, sites.join(", "), w.namespace), w.urn);
        }
        for (const u of facts.unjudged) {
            for (const s of u.strays) {
                if (s.namespaceUnknown || !why.has(s.namespace)) continue;
                report(message(u.label, `windowsOptions.${s.field} at ${s.at}`, s.namespace), u.urn);
            }
        }
    }),
};
