// Pods that reach into their node (HostProcess, privileged, host network/PID/IPC, host paths on
// Windows nodes) only in the namespaces the policy config allows. On a Windows node, the node's
// own accounts hold every gMSA that node may retrieve, whatever RBAC says about credential specs.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { POD_TEMPLATE_SECRET_FIX } from "./lib/authorization";
import { readConfig } from "./lib/config";
import { guardResource } from "./lib/guard";
import {
    DEFAULT_HOST_ACCESS_NAMESPACES,
    DEFAULT_HOST_PROCESS_NAMESPACES,
    HOST_ACCESS_SECRET_TEXT,
    HOST_ACCESS_TEXT,
    hostAccessAllowed,
    hostAccessAllowlists,
    hostAccessOf,
    type HostAccess,
    type HostAccessAllowlists,
    type HostAccessFinding,
} from "./lib/hostAccess";
import { plainProps } from "./lib/values";
import { DEFAULT_WINDOWS_TAINTS, windowsPlacement } from "./lib/windowsPlacement";
import { workloadsOf } from "./lib/workloads";

const listed = (names: string[]) => (names.length === 0 ? "empty" : names.join(", "));

function fixFor(accesses: HostAccess[], namespace: string, lists: HostAccessAllowlists): string {
    const parts: string[] = [];
    if (accesses.includes("hostProcess") || accesses.includes("hostPath")) {
        parts.push(
            `HostProcess, and host paths in pods that can run on Windows nodes, are allowed only in this policy's hostProcessNamespaces (${listed(lists.hostProcessNamespaces)}); ` +
                `if namespace ${namespace} must run node agents, add "${namespace}" there and to eks-gmsa:windowsNodes.hostProcessNamespaces, so the cluster admits them too`,
        );
    }
    if (accesses.some((a) => a !== "hostProcess" && a !== "hostPath")) {
        parts.push(
            `privileged containers and the host's network, PID and IPC namespaces are allowed only in this policy's hostAccessNamespaces (${listed(lists.hostAccessNamespaces)}); ` +
                `if namespace ${namespace} must run node agents, add "${namespace}" there`,
        );
    }
    if (accesses.includes("hostPath")) {
        parts.push(
            "a pod that needs a host path but no Windows node can keep off Windows nodes (nodeSelector kubernetes.io/os: linux) and drop its toleration of their taint",
        );
    }
    return `Fix: remove them; ${parts.join("; ")}.`;
}

const WHY =
    "A HostProcess container is a process on the Windows node, with the node's accounts; a privileged or host-namespace pod reaches the node too, " +
    "and so does a host path on a Windows node (C:\\ or the container runtime's named pipe \\\\.\\pipe\\containerd-containerd give the node's SYSTEM). " +
    "From the node, SYSTEM reads the portable identity (domainless) or acts as the node's computer account (domain-joined), both in the readers' group of every gMSA: " +
    "it can run as any gMSA, whatever RBAC says about credential specs.";

const SECRET_NOTE =
    ' A pull request\'s preview from a fork sees only the offline plan, where a secret is "[secret]", so a secret counts as asking for the access it hides: ' +
    "these settings are not secret; give them as plain values.";

const describe = (f: HostAccessFinding) => `${(f.secret ? HOST_ACCESS_SECRET_TEXT : HOST_ACCESS_TEXT)[f.access]} (${f.where})`;

export const podHostAccessAllowlist: ResourceValidationPolicy = {
    name: "pod-host-access-allowlist",
    description:
        "Pods run HostProcess containers (windowsOptions.hostProcess), privileged containers, or use the host's network, PID or IPC namespace only in the namespaces " +
        "this policy's config allows (hostProcessNamespaces, default none; hostAccessNamespaces, default kube-system); pods that can run on Windows nodes " +
        "(they select Windows, or tolerate the Windows nodes' taints) mount hostPath volumes only in hostProcessNamespaces. For every kind that makes pods: " +
        "workloads, their *Patch types, ReplicationControllers, PodTemplates and custom resources holding pod templates. A secret where these settings belong counts as set.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            hostProcessNamespaces: {
                type: "array",
                description:
                    "Namespaces whose pods may run HostProcess containers, or mount host paths on Windows nodes (keep equal to eks-gmsa:windowsNodes.hostProcessNamespaces).",
                default: DEFAULT_HOST_PROCESS_NAMESPACES,
                items: { type: "string", minLength: 1 },
            },
            hostAccessNamespaces: {
                type: "array",
                description: "Namespaces whose pods may run privileged containers or use hostNetwork, hostPID or hostIPC.",
                default: DEFAULT_HOST_ACCESS_NAMESPACES,
                items: { type: "string", minLength: 1 },
            },
            windowsNodeTaints: {
                type: "array",
                description: "The Windows nodes' taints (eks-gmsa:windowsNodes.taint; [] when the nodes have none): a pod that tolerates them can run there.",
                default: DEFAULT_WINDOWS_TAINTS,
                items: {
                    type: "object",
                    required: ["key", "effect"],
                    properties: {
                        key: { type: "string", minLength: 1 },
                        value: { type: "string" },
                        effect: { type: "string", enum: ["NoSchedule", "PreferNoSchedule", "NoExecute"] },
                    },
                },
            },
        },
    },
    validateResource: guardResource("pod-host-access-allowlist", (args, report) => {
        const props = plainProps(args.props);
        const found = workloadsOf(args.type, props, args.urn);
        if (found.workloads.length === 0 && found.strays.length === 0 && found.hidden.length === 0 && !found.incomplete) return;
        const lists = hostAccessAllowlists(readConfig(args));
        // A secret namespace is in no allow-list; one not known yet is judged at deployment.
        const namespaceText = (ns: string, secret: boolean) => (secret ? `a namespace given as a secret ("[secret]" in this plan)` : `namespace ${ns}`);
        for (const w of found.workloads) {
            if (w.namespaceUnknown && !w.namespaceSecret) continue;
            const namespace = w.namespaceSecret ? "[secret]" : w.namespace;
            if (w.opaquePodSpec?.kind === "secret") {
                report(
                    `${w.label} gives its pod spec (${w.opaquePodSpec.at}) as a secret ("[secret]" in this plan): it may run HostProcess, privileged or host-network pods unseen. ${POD_TEMPLATE_SECRET_FIX}`,
                );
                continue;
            }
            const findings = hostAccessOf(w.podSpec, lists.windowsNodeTaints);
            const refused = findings.filter((f) => !hostAccessAllowed(f.access, namespace, lists));
            if (refused.length === 0) continue;
            const placement = refused.some((f) => f.access === "hostPath")
                ? ` (it can run on Windows nodes: ${windowsPlacement(w.podSpec, lists.windowsNodeTaints).why})`
                : "";
            const anySecret = refused.some((f) => f.secret) || w.namespaceSecret;
            report(
                `${w.label} asks for ${refused.map(describe).join(", ")} in ${namespaceText(w.namespace, w.namespaceSecret)}${placement}. ` +
                    `${WHY} ${fixFor(
                        refused.map((f) => f.access),
                        namespace,
                        lists,
                    )}${anySecret ? SECRET_NOTE : ""}`,
            );
        }
        const strays = found.strays.filter(
            (s): s is typeof s & { field: HostAccess } =>
                s.field !== "gmsaCredentialSpecName" &&
                s.field !== "gmsaCredentialSpec" &&
                (!s.namespaceUnknown || s.namespaceSecret) &&
                !hostAccessAllowed(s.field, s.namespaceSecret ? "[secret]" : s.namespace, lists),
        );
        for (const key of [...new Set(strays.map((s) => (s.namespaceSecret ? "[secret]" : s.namespace)))]) {
            const here = strays.filter((s) => (s.namespaceSecret ? "[secret]" : s.namespace) === key);
            const secret = key === "[secret]" || here.some((s) => s.secret);
            report(
                `${found.label} sets ${here.map((s) => `${s.field}: ${s.secret ? "[secret]" : "true"} at ${s.at}`).join(", ")} (${namespaceText(key, key === "[secret]")}), outside any pod spec this pack can read ` +
                    `(an object with a containers list, or a template's spec), so the pods it makes may reach their node. ` +
                    `${WHY} ${fixFor(
                        here.map((s) => s.field),
                        key,
                        lists,
                    )}${secret ? SECRET_NOTE : ""}`,
            );
        }
        const hidden = found.hidden.filter((h) => h.kind === "secret");
        if (hidden.length > 0) {
            report(
                `${found.label} gives ${hidden.map((h) => h.at).join(", ")} as a secret ("[secret]" in this plan): a pod template or its security context there may run HostProcess, privileged or host-network pods unseen. ` +
                    POD_TEMPLATE_SECRET_FIX,
            );
        }
        if (found.incomplete) {
            report(
                `${found.label} could not be inspected in full: ${found.incomplete}. Pod specs past that point could run HostProcess, privileged or host-network pods unseen. ` +
                    `Fix: split the resource; no Kubernetes object needs that size or depth.`,
            );
        }
    }),
};
