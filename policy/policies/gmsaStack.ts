// Stack policies about gMSA workloads: each may use its credential spec, each credential spec
// exists, and the webhook that enforces both is installed.

import type { StackValidationPolicy } from "@pulumi/policy";
import { configBoolean, configStrings, externalGrantKeys, grantKey, readConfig } from "./lib/config";
import { guardStack, reportUnreadable } from "./lib/guard";
import { analyzeStack } from "./lib/stack";
import { summarize } from "./lib/values";
import { credentialSpecReferences } from "./lib/workloads";

/** What happens in the cluster: the webhook (v0.13.0) checks the pod level and spec.containers only. */
function consequence(podSpec: unknown, name: string): string {
    const where = credentialSpecReferences(podSpec).filter((r) => r.name === name).map((r) => r.where);
    if (where.some((w) => w === "pod" || w.startsWith("container "))) return "so the gMSA webhook will reject its pods";
    return `and only ${where.join(", ")} names it, which the gMSA webhook v0.13.0 never checks: without the cluster's admission policy the pod would run as that gMSA unchecked`;
}

const useRule = (name: string) =>
    `{apiGroups: ["windows.k8s.io"], resources: ["gmsacredentialspecs"], resourceNames: ["${name}"], verbs: ["use"]}`;

export const gmsaWorkloadAuthorized: StackValidationPolicy = {
    name: "gmsa-workload-authorized",
    description:
        "Every workload that names a gMSA credential spec (gmsaCredentialSpecName on the pod or a container), of any kind that makes pods, runs as a service account "
        + "that RBAC lets `use` that GMSACredentialSpec in the workload's namespace (a RoleBinding in that namespace or a ClusterRoleBinding), "
        + "or that the policy config lists as granted by another stack. Otherwise the windows-gmsa webhook rejects its pods. "
        + "A *Patch that sets a gMSA must set serviceAccountName too (the live object's is not visible to the pack).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            externalGrants: {
                type: "array",
                description:
                    "Grants made by bindings in another stack, in the shape of the platform stack's gmsaCredentialSpecs output: "
                    + "[{ name: <credential spec>, allowed: [{ namespace, serviceAccounts: [..] }] }].",
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
        const { workloads } = facts.gmsa;
        const rbac = facts.rbac;
        reportUnreadable("gmsa-workload-authorized", facts.unreadable, report);
        const external = externalGrantKeys(readConfig(args));
        for (const w of workloads) {
            // A patch that names a gMSA but no service account keeps the live object's, which the
            // pack cannot see: it is refused rather than assumed.
            if (w.patch && w.usesGmsa && w.serviceAccountDefaulted) {
                report(
                    `${w.label} sets a gMSA (windowsOptions at ${w.at}) but no serviceAccountName. A patch leaves the service account of the live object in place, `
                    + `which this pack cannot see, so it cannot tell whether that service account may use the credential spec. `
                    + `Fix: set serviceAccountName in the same patch, to a service account that RBAC allows to use the credential spec.`,
                    w.urn,
                );
                continue;
            }
            // A service account or namespace not known until deployment cannot be judged now; the
            // engine checks again with the real values when it registers the resource.
            if (w.credentialSpecs.length === 0 || w.serviceAccountUnknown || w.namespaceUnknown) continue;
            const ns = w.namespace;
            const sa = w.serviceAccount;
            for (const name of w.credentialSpecs) {
                if (rbac.authorizes(ns, sa, name) || external.has(grantKey(name, ns, sa)) || rbac.mightAuthorize(ns, sa, name)) continue;
                const elsewhere = rbac.bindingsElsewhere(ns, sa, name);
                const elsewhereNote = elsewhere.length > 0
                    ? ` (${summarize(elsewhere.map((b) => b.label), 3)} ${elsewhere.length === 1 ? "binds" : "bind"} it, but a RoleBinding counts only for pods in its own namespace.)`
                    : "";
                const defaultNote = w.serviceAccountDefaulted
                    ? ` The pod spec sets no serviceAccountName, so it runs as "default": set serviceAccountName to the service account allowed to use "${name}", or`
                    : "";
                report(
                    `${w.label} runs as service account ${ns}/${sa}, which may not use GMSACredentialSpec "${name}": `
                    + `no RoleBinding in namespace ${ns} and no ClusterRoleBinding grants it "use" on gmsacredentialspecs "${name}", ${consequence(w.podSpec, name)}.${elsewhereNote}`
                    + ` Fix:${defaultNote} add a RoleBinding in namespace ${ns} that binds ServiceAccount ${ns}/${sa} to a ClusterRole (or a Role in ${ns}) with the rule ${useRule(name)}`
                    + ` (with eks-gmsa: add namespace ${ns}, service account ${sa} to the "${name}" entry's allowed list in eks-gmsa:gmsa.accounts);`
                    + ` if that binding is managed by another stack, list it in this policy's externalGrants config.`,
                    w.urn,
                );
            }
        }
        for (const u of facts.gmsa.unjudged) {
            if (u.strays.length > 0) {
                report(
                    `${u.label} sets ${u.strays.map((s) => `windowsOptions.${s.field} at ${s.at}`).join(", ")}, outside any pod spec this pack can read `
                    + `(an object with a containers list, or a template's spec), so it cannot tell which service account its pods run as, nor check that it may use the credential spec. `
                    + `Fix: give the gMSA in a pod template (a template's spec) with its serviceAccountName, or run this kind of workload from a built-in kind (Deployment, Job, …).`,
                    u.urn,
                );
            }
            if (u.incomplete) {
                report(
                    `${u.label} could not be inspected in full: ${u.incomplete}. Pod specs past that point could use a gMSA unseen. `
                    + `Fix: split the resource; no Kubernetes object needs that size or depth.`,
                    u.urn,
                );
            }
        }
    }),
};

export const gmsaCredspecExists: StackValidationPolicy = {
    name: "gmsa-credspec-exists",
    description:
        "Every credential spec a workload names (gmsaCredentialSpecName) exists as a GMSACredentialSpec in this stack, "
        + "or is listed in the policy config as created elsewhere. The webhook rejects pods that name a credential spec that does not exist.",
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
                    `${w.label} names GMSACredentialSpec "${name}" (gmsaCredentialSpecName), which does not exist (${available}); the gMSA webhook rejects pods naming a credential spec that does not exist. `
                    + `Fix: correct the name, or add a GMSACredentialSpec named "${name}" (with eks-gmsa: an entry named "${name}" in eks-gmsa:gmsa.accounts), `
                    + `or, if another stack creates it, list "${name}" in this policy's externalCredentialSpecs config.`,
                    w.urn,
                );
            }
        }
    }),
};

export const gmsaWebhookPresent: StackValidationPolicy = {
    name: "gmsa-webhook-present",
    description:
        "A stack with GMSACredentialSpecs or gMSA workloads also installs the windows-gmsa admission webhook (a Helm release of chart \"gmsa\"), "
        + "or the policy config says it is installed elsewhere. Without it, nothing fills credential specs into pods or checks who may use them.",
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
            `The stack has gMSA resources (${summarize(users)}) but does not install the windows-gmsa admission webhook: `
            + `no kubernetes:helm.sh/v3:Release (or helm.sh/v4 Chart) of chart "gmsa". Without the webhook, pods get no credential spec contents and nobody checks who may use them. `
            + `Fix: install the chart (with eks-gmsa: configure eks-gmsa:gmsa, and the program installs release gmsa-webhook), `
            + `or, if another stack installs it in this cluster, set this policy's webhookExternal config to true.`,
        );
    }),
};
