// Resource policies on gMSA workloads' pod specs.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { guardResource } from "./lib/guard";
import { plainProps } from "./lib/values";
import { inlineCredentialSpecSites, selectsWindows, usesGmsa, workloadOf } from "./lib/workloads";

export const gmsaNoInlineCredspec: ResourceValidationPolicy = {
    name: "gmsa-no-inline-credspec",
    description:
        "Workloads name their credential spec (windowsOptions.gmsaCredentialSpecName) and never carry its contents inline "
        + "(windowsOptions.gmsaCredentialSpec): the gMSA webhook fills the contents from the named GMSACredentialSpec, whose use RBAC controls.",
    enforcementLevel: "mandatory",
    validateResource: guardResource("gmsa-no-inline-credspec", (args, report) => {
        const props = plainProps(args.props);
        const w = workloadOf(args.type, props, args.urn);
        if (!w) return;
        const sites = inlineCredentialSpecSites(w.podSpec);
        if (sites.length === 0) return;
        report(
            `${w.label} sets windowsOptions.gmsaCredentialSpec (the credential spec's contents) on ${sites.join(", ")}. `
            + `Fix: remove gmsaCredentialSpec and set only gmsaCredentialSpecName to the GMSACredentialSpec's name; `
            + `the gMSA webhook fills in the contents, after checking that the pod's service account may use it.`,
        );
    }),
};

export const gmsaWindowsNodeSelector: ResourceValidationPolicy = {
    name: "gmsa-windows-node-selector",
    description:
        "Workloads that use a gMSA run only on Windows nodes: nodeSelector kubernetes.io/os=windows, spec.os.name windows, "
        + "or a required node affinity kubernetes.io/os In [windows]. gMSA works only in Windows containers.",
    enforcementLevel: "mandatory",
    validateResource: guardResource("gmsa-windows-node-selector", (args, report) => {
        const props = plainProps(args.props);
        const w = workloadOf(args.type, props, args.urn);
        if (!w || !usesGmsa(w.podSpec)) return;
        // undefined: hinges on a value not known yet, judged again at deployment.
        if (selectsWindows(w.podSpec) !== false) return;
        report(
            `${w.label} uses a gMSA but its pods are not pinned to Windows nodes, so they may be scheduled on Linux nodes, where gMSA does not work. `
            + `Fix: set the pod spec's nodeSelector to {"kubernetes.io/os": "windows"} (and tolerate the Windows nodes' taint, e.g. os=windows:NoSchedule), `
            + `or set spec.os.name: windows, or require node affinity kubernetes.io/os In [windows] in every nodeSelectorTerm.`,
        );
    }),
};
