// CEL for "this pod spec can run on one of the stack's Windows nodes", as the scheduler and the
// kubelet decide it, for the Windows host access policies (components/admissionRules.ts). Pure.
//
// A pod is kept off the Windows nodes when either:
//  - it is pinned to another OS: spec.os.name other than windows (the kubelet refuses it:
//    PodOSNotSupported), a nodeSelector kubernetes.io/os (or the old beta.kubernetes.io/os) other
//    than windows, or a required node affinity whose every term excludes windows (the scheduler,
//    and the kubelet's own admission check, match both against the node's labels); or
//  - the Windows nodes carry a NoSchedule or NoExecute taint the pod does not tolerate, and the pod
//    goes through the scheduler: a pod naming its node (spec.nodeName) skips it ("NoSchedule ...
//    allow all pods submitted to Kubelet without going through the scheduler to start").
// A PreferNoSchedule taint keeps nobody off, and with `taint: false` there is none: then only the
// pinning counts. Linux system DaemonSets (aws-node, kube-proxy) tolerate every taint
// (`operator: Exists`) and are pinned to Linux in their pod templates.
import type { Taint } from "../settings/types";
import { celLabelString, hasAll } from "./celPaths";

/** The node labels a nodeSelector or node affinity names the OS with. */
const osLabels = ["kubernetes.io/os", "beta.kubernetes.io/os"] as const;

/** The pod spec at `spec` (a CEL path such as "object.spec") is pinned to an OS other than Windows. */
export function pinnedOffWindows(spec: string): string {
    const osField = `(${hasAll(`${spec}.os.name`)} && ${spec}.os.name != 'windows')`;
    const selector = osLabels.map((l) => `(${hasAll(`${spec}.nodeSelector`)} && '${l}' in ${spec}.nodeSelector && ${spec}.nodeSelector['${l}'] != 'windows')`);
    const terms = `${spec}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`;
    // In [not windows] excludes Windows nodes by either label. NotIn [windows] and DoesNotExist
    // match a node that lacks the label, so they count only for kubernetes.io/os, which every
    // kubelet sets; the deprecated beta label may be absent from a Windows node.
    const excludesWindows =
        `((e.key in [${osLabels.map((l) => `'${l}'`).join(", ")}] && e.operator == 'In' && has(e.values) && !('windows' in e.values))` +
        ` || (e.key == '${osLabels[0]}' && ((e.operator == 'NotIn' && has(e.values) && 'windows' in e.values) || e.operator == 'DoesNotExist')))`;
    const affinity = `(${hasAll(terms)} && ${terms}.all(t, has(t.matchExpressions) && t.matchExpressions.exists(e, ${excludesWindows})))`;
    return `(${[osField, ...selector, affinity].join(" || ")})`;
}

/** The pod spec has a toleration matching the taint (Toleration.ToleratesTaint: an empty effect or key matches all; Exists matches any value). */
export function toleratesTaint(spec: string, taint: Taint): string {
    const effect = `(!has(t.effect) || t.effect == '' || t.effect == ${celLabelString(taint.effect)})`;
    const key = `(!has(t.key) || t.key == '' || t.key == ${celLabelString(taint.key)})`;
    const value = taint.value === "" ? "(!has(t.value) || t.value == '')" : `(has(t.value) && t.value == ${celLabelString(taint.value)})`;
    const operator = `((has(t.operator) && t.operator == 'Exists') || ${value})`;
    return `(${hasAll(`${spec}.tolerations`)} && ${spec}.tolerations.exists(t, ${effect} && ${key} && ${operator}))`;
}

/** Does the taint keep pods that do not tolerate it off the node (NoSchedule, NoExecute)? */
export function repellingTaint(taint: Taint | undefined): Taint | undefined {
    return taint && taint.effect !== "PreferNoSchedule" ? taint : undefined;
}

/**
 * The pod spec at `spec` can run on a Windows node of the stack. `taint` is
 * eks-gmsa:windowsNodes.taint (undefined when turned off).
 */
export function canRunOnWindows(spec: string, taint: Taint | undefined): string {
    const notPinned = `!${pinnedOffWindows(spec)}`;
    const repels = repellingTaint(taint);
    if (!repels) return `(${notPinned})`;
    return `(${notPinned} && (${toleratesTaint(spec, repels)} || (${hasAll(`${spec}.nodeName`)})))`;
}

/** The pod spec has a hostPath volume. */
export const hasHostPathVolume = (spec: string) => `(${hasAll(`${spec}.volumes`)} && ${spec}.volumes.exists(v, has(v.hostPath)))`;

/** In words, for refusal messages: what makes a pod able to run on a Windows node here. */
export function windowsPodCriteria(taint: Taint | undefined): string {
    const pinning = "is not pinned to Linux (nodeSelector kubernetes.io/os: linux, spec.os.name: linux, or a required node affinity on kubernetes.io/os)";
    const repels = repellingTaint(taint);
    if (!repels) {
        const why = taint ? `the Windows nodes' taint ${taint.key}=${taint.value}:${taint.effect} keeps nobody off` : "the Windows nodes carry no taint";
        return `it ${pinning}, and ${why}`;
    }
    return `it tolerates the Windows nodes' taint ${repels.key}=${repels.value}:${repels.effect} (a toleration with operator Exists and no key tolerates every taint) or names its node, and ${pinning}`;
}
