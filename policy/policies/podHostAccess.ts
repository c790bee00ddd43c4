// Pods that reach into their node (HostProcess, privileged, host network/PID/IPC) only in the
// namespaces the policy config allows. On a Windows node, the node's own accounts hold every gMSA
// that node may retrieve, whatever RBAC says about credential specs.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { readConfig } from "./lib/config";
import { guardResource } from "./lib/guard";
import {
    DEFAULT_HOST_ACCESS_NAMESPACES, DEFAULT_HOST_PROCESS_NAMESPACES, HOST_ACCESS_TEXT, hostAccessAllowed, hostAccessAllowlists, hostAccessOf,
    type HostAccess, type HostAccessAllowlists,
} from "./lib/hostAccess";
import { plainProps } from "./lib/values";
import { workloadsOf } from "./lib/workloads";

const listed = (names: string[]) => (names.length === 0 ? "empty" : names.join(", "));

function fixFor(accesses: HostAccess[], namespace: string, lists: HostAccessAllowlists): string {
    const parts: string[] = [];
    if (accesses.includes("hostProcess")) {
        parts.push(`HostProcess is allowed only in this policy's hostProcessNamespaces (${listed(lists.hostProcessNamespaces)}); `
            + `if namespace ${namespace} must run node agents, add "${namespace}" there and to eks-gmsa:windowsNodes.hostProcessNamespaces, so the cluster admits them too`);
    }
    if (accesses.some((a) => a !== "hostProcess")) {
        parts.push(`privileged containers and the host's network, PID and IPC namespaces are allowed only in this policy's hostAccessNamespaces (${listed(lists.hostAccessNamespaces)}); `
            + `if namespace ${namespace} must run node agents, add "${namespace}" there`);
    }
    return `Fix: remove them; ${parts.join("; ")}.`;
}

const WHY =
    "A HostProcess container is a process on the Windows node, with the node's accounts; a privileged or host-namespace pod reaches the node too. "
    + "From the node, SYSTEM reads the portable identity (domainless) or acts as the node's computer account (domain-joined), both in the readers' group of every gMSA: "
    + "it can run as any gMSA, whatever RBAC says about credential specs.";

export const podHostAccessAllowlist: ResourceValidationPolicy = {
    name: "pod-host-access-allowlist",
    description:
        "Pods run HostProcess containers (windowsOptions.hostProcess), privileged containers, or use the host's network, PID or IPC namespace only in the namespaces "
        + "this policy's config allows (hostProcessNamespaces, default none; hostAccessNamespaces, default kube-system), for every kind that makes pods: "
        + "workloads, their *Patch types, ReplicationControllers, PodTemplates and custom resources holding pod templates.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            hostProcessNamespaces: {
                type: "array",
                description: "Namespaces whose pods may run HostProcess containers (keep equal to eks-gmsa:windowsNodes.hostProcessNamespaces).",
                default: DEFAULT_HOST_PROCESS_NAMESPACES,
                items: { type: "string", minLength: 1 },
            },
            hostAccessNamespaces: {
                type: "array",
                description: "Namespaces whose pods may run privileged containers or use hostNetwork, hostPID or hostIPC.",
                default: DEFAULT_HOST_ACCESS_NAMESPACES,
                items: { type: "string", minLength: 1 },
            },
        },
    },
    validateResource: guardResource("pod-host-access-allowlist", (args, report) => {
        const props = plainProps(args.props);
        const found = workloadsOf(args.type, props, args.urn);
        if (found.workloads.length === 0 && found.strays.length === 0 && !found.incomplete) return;
        const lists = hostAccessAllowlists(readConfig(args));
        for (const w of found.workloads) {
            // A namespace not known yet is judged at deployment, with the real value.
            if (w.namespaceUnknown) continue;
            const refused = hostAccessOf(w.podSpec).filter((f) => !hostAccessAllowed(f.access, w.namespace, lists));
            if (refused.length === 0) continue;
            report(
                `${w.label} asks for ${refused.map((f) => `${HOST_ACCESS_TEXT[f.access]} (${f.where})`).join(", ")} in namespace ${w.namespace}. `
                + `${WHY} ${fixFor(refused.map((f) => f.access), w.namespace, lists)}`,
            );
        }
        const strays = found.strays.filter((s): s is typeof s & { field: HostAccess } =>
            s.field !== "gmsaCredentialSpecName" && s.field !== "gmsaCredentialSpec" && !s.namespaceUnknown && !hostAccessAllowed(s.field, s.namespace, lists));
        for (const namespace of [...new Set(strays.map((s) => s.namespace))]) {
            const here = strays.filter((s) => s.namespace === namespace);
            report(
                `${found.label} sets ${here.map((s) => `${s.field}: true at ${s.at}`).join(", ")} (namespace ${namespace}), outside any pod spec this pack can read `
                + `(an object with a containers list, or a template's spec), so the pods it makes may reach their node. `
                + `${WHY} ${fixFor(here.map((s) => s.field), namespace, lists)}`,
            );
        }
        if (found.incomplete) {
            report(
                `${found.label} could not be inspected in full: ${found.incomplete}. Pod specs past that point could run HostProcess, privileged or host-network pods unseen. `
                + `Fix: split the resource; no Kubernetes object needs that size or depth.`,
            );
        }
    }),
};
