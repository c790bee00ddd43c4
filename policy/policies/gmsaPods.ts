// Resource policies on the pod specs of every kind that makes pods: gMSA contents never inline,
// init and ephemeral containers never a gMSA of their own, gMSA pods only on Windows nodes.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { guardResource } from "./lib/guard";
import { plainProps } from "./lib/values";
import { containerCredspecMismatches, inlineCredentialSpecSites, selectsWindows, usesGmsa, workloadsOf } from "./lib/workloads";

export const gmsaNoInlineCredspec: ResourceValidationPolicy = {
    name: "gmsa-no-inline-credspec",
    description:
        "Workloads name their credential spec (windowsOptions.gmsaCredentialSpecName) and never carry its contents inline " +
        "(windowsOptions.gmsaCredentialSpec): the gMSA webhook fills the contents from the named GMSACredentialSpec, whose use RBAC controls.",
    enforcementLevel: "mandatory",
    validateResource: guardResource("gmsa-no-inline-credspec", (args, report) => {
        const props = plainProps(args.props);
        const found = workloadsOf(args.type, props, args.urn);
        const fix =
            `Fix: remove gmsaCredentialSpec and set only gmsaCredentialSpecName to the GMSACredentialSpec's name; ` +
            `the gMSA webhook fills in the contents, after checking that the pod's service account may use it.`;
        for (const w of found.workloads) {
            const sites = inlineCredentialSpecSites(w.podSpec);
            if (sites.length === 0) continue;
            report(`${w.label} sets windowsOptions.gmsaCredentialSpec (the credential spec's contents) on ${sites.join(", ")}. ${fix}`);
        }
        const strays = found.strays.filter((s) => s.field === "gmsaCredentialSpec");
        if (strays.length > 0) {
            report(`${found.label} sets windowsOptions.gmsaCredentialSpec (the credential spec's contents) at ${strays.map((s) => s.at).join(", ")}. ${fix}`);
        }
    }),
};

const FIELD_TEXT = { gmsaCredentialSpecName: "gmsaCredentialSpecName", gmsaCredentialSpec: "gmsaCredentialSpec (contents)" } as const;
const shown = (field: keyof typeof FIELD_TEXT, v: unknown) => (field === "gmsaCredentialSpecName" ? JSON.stringify(v) : "set");

export const gmsaContainerCredspecMatchesPod: ResourceValidationPolicy = {
    name: "gmsa-container-credspec-matches-pod",
    description:
        "Init and ephemeral containers set windowsOptions.gmsaCredentialSpecName or gmsaCredentialSpec only to the pod-level value " +
        "(spec.securityContext.windowsOptions). The gMSA webhook (v0.13.0) checks the pod level and spec.containers only, " +
        "so a gMSA of their own would run without any RBAC check. The cluster's ValidatingAdmissionPolicy refuses the same.",
    enforcementLevel: "mandatory",
    validateResource: guardResource("gmsa-container-credspec-matches-pod", (args, report) => {
        const props = plainProps(args.props);
        for (const w of workloadsOf(args.type, props, args.urn).workloads) {
            const mismatches = containerCredspecMismatches(w.podSpec);
            if (mismatches.length === 0) continue;
            const each = mismatches.map(
                (m) =>
                    `${m.where} sets windowsOptions.${FIELD_TEXT[m.field]} ${shown(m.field, m.value)}, ` +
                    (m.podValue === undefined
                        ? `the pod level sets none`
                        : `the pod level ${m.field === "gmsaCredentialSpecName" ? `names ${JSON.stringify(m.podValue)}` : "holds other contents"}`),
            );
            report(
                `${w.label}: ${each.join("; ")}. The gMSA webhook v0.13.0 never checks init or ephemeral containers, so this gMSA would be used without asking RBAC ` +
                    `whether the pod's service account may use it. Fix: remove the gMSA fields from init and ephemeral containers and set gmsaCredentialSpecName once, ` +
                    `at pod level (spec.securityContext.windowsOptions): every container then runs as that gMSA, after the webhook's check.`,
            );
        }
    }),
};

export const gmsaWindowsNodeSelector: ResourceValidationPolicy = {
    name: "gmsa-windows-node-selector",
    description:
        "Workloads that use a gMSA run only on Windows nodes: nodeSelector kubernetes.io/os=windows, spec.os.name windows, " +
        "or a required node affinity kubernetes.io/os In [windows]. gMSA works only in Windows containers.",
    enforcementLevel: "mandatory",
    validateResource: guardResource("gmsa-windows-node-selector", (args, report) => {
        const props = plainProps(args.props);
        for (const w of workloadsOf(args.type, props, args.urn).workloads) {
            if (!usesGmsa(w.podSpec)) continue;
            // undefined: hinges on a value not known yet, judged again at deployment.
            if (selectsWindows(w.podSpec) !== false) continue;
            // A patch that leaves placement out keeps the live object's, which the pack cannot see.
            if (w.patch && !["nodeSelector", "os", "affinity"].some((k) => w.podSpec?.[k] !== undefined)) continue;
            report(
                `${w.label} uses a gMSA but its pods are not pinned to Windows nodes, so they may be scheduled on Linux nodes, where gMSA does not work. ` +
                    `Fix: set the pod spec's nodeSelector to {"kubernetes.io/os": "windows"} (and tolerate the Windows nodes' taint, e.g. os=windows:NoSchedule), ` +
                    `or set spec.os.name: windows, or require node affinity kubernetes.io/os In [windows] in every nodeSelectorTerm.`,
            );
        }
    }),
};
