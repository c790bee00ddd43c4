// Whether a pod can land on a Windows node, from its pod spec and the Windows nodes' taints: the
// scheduler's rules (nodeSelector, required node affinity, taints and tolerations) and the
// kubelet's (it refuses a pod whose spec.os.name or kubernetes.io/os node selector is not its own
// OS; it checks only NoExecute taints, so a pod bound with spec.nodeName skips NoSchedule ones).
// Pure.

import { get, list, obj, opaqueKind, path, str } from "./values";

/** A node taint (as in eks-gmsa:windowsNodes.taint). */
export interface NodeTaint {
    key: string;
    value?: string;
    effect: string;
}

/** eks-gmsa's Windows node taint by default (settings/validate.ts readTaint). */
export const DEFAULT_WINDOWS_TAINTS: NodeTaint[] = [{ key: "os", value: "windows", effect: "NoSchedule" }];

const OS_LABEL = "kubernetes.io/os";
/** The node labels that name the OS (the beta one is deprecated, still honoured in selectors). */
const OS_LABELS = [OS_LABEL, "beta.kubernetes.io/os"];

/** true: it can; false: it cannot; undefined: a value not known until deployment decides it. */
export interface WindowsPlacement {
    canLand: boolean | undefined;
    /** Why, for messages: `it tolerates the Windows nodes' taint os=windows:NoSchedule`. */
    why: string;
}

const describeTaint = (t: NodeTaint) => `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`;

/** Kubernetes' Toleration.ToleratesTaint (empty effect: every effect; empty key with Exists: every taint; operator defaults to Equal). */
export function toleratesTaint(toleration: unknown, taint: NodeTaint): boolean {
    const effect = str(get(toleration, "effect")) ?? "";
    if (effect !== "" && effect !== taint.effect) return false;
    const key = str(get(toleration, "key")) ?? "";
    if (key !== "" && key !== taint.key) return false;
    const operator = str(get(toleration, "operator")) ?? "";
    if (operator === "Exists") return true;
    if (operator === "" || operator === "Equal") return (str(get(toleration, "value")) ?? "") === (taint.value ?? "");
    // Lt and Gt compare integers; other operators match nothing.
    return false;
}

type Opaque = "secret" | "unknown" | undefined;
const worse = (a: Opaque, b: Opaque): Opaque => (a === "secret" || b === "secret" ? "secret" : (a ?? b));

/** Does a required node affinity term require (In [windows]) or exclude Windows, or neither? */
function termOs(term: unknown): { requires: boolean; excludes: boolean; opaque: Opaque } {
    let requires = false;
    let excludes = false;
    let opaque: Opaque = opaqueKind(term) ?? opaqueKind(get(term, "matchExpressions"));
    for (const e of list(get(term, "matchExpressions"))) {
        const key = get(e, "key");
        const operator = get(e, "operator");
        const values = get(e, "values");
        const o =
            opaqueKind(e) ??
            opaqueKind(key) ??
            opaqueKind(operator) ??
            opaqueKind(values) ??
            (Array.isArray(values) ? values.map(opaqueKind).find((k) => k) : undefined);
        if (o) {
            opaque = worse(opaque, o);
            continue;
        }
        if (typeof key !== "string" || !OS_LABELS.includes(key)) continue;
        const vs = Array.isArray(values) ? values : [];
        if (operator === "In" && vs.length > 0 && vs.every((v) => v === "windows")) requires = true;
        // NotIn and DoesNotExist match a node without the label: only kubernetes.io/os, which every
        // kubelet sets, can keep Windows nodes out that way (the deprecated beta label may be absent).
        if (operator === "In" && !vs.includes("windows")) excludes = true;
        if (key === OS_LABEL && ((operator === "NotIn" && vs.includes("windows")) || operator === "DoesNotExist")) excludes = true;
    }
    return { requires, excludes, opaque };
}

/**
 * Can this pod run on a Windows node whose taints are `taints`?
 *  - It selects Windows (nodeSelector kubernetes.io/os=windows, spec.os.name windows, or every
 *    required node affinity term requires kubernetes.io/os In [windows]): yes.
 *  - It is kept off Windows (those name another OS, or every term excludes windows): no.
 *  - Otherwise it can when it tolerates every Windows taint that keeps pods off (NoSchedule and
 *    NoExecute; with spec.nodeName set, NoExecute only). A secret where a value decides it counts
 *    as "yes"; a value not known yet leaves it undecided.
 */
export function windowsPlacement(podSpec: unknown, taints: readonly NodeTaint[]): WindowsPlacement {
    let opaque: Opaque;
    const osName = path(podSpec, "os", "name");
    const selectorRaw = get(podSpec, "nodeSelector");
    const selectorOs = OS_LABELS.map((l) => [l, get(selectorRaw, l)] as const).filter(([, v]) => v !== undefined);
    opaque = worse(opaque, opaqueKind(get(podSpec, "os")) ?? opaqueKind(osName));
    opaque = worse(opaque, opaqueKind(selectorRaw) ?? selectorOs.map(([, v]) => opaqueKind(v)).find((k) => k));
    const termsRaw = path(podSpec, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms");
    opaque = worse(
        opaque,
        opaqueKind(get(podSpec, "affinity")) ??
            opaqueKind(path(podSpec, "affinity", "nodeAffinity")) ??
            opaqueKind(path(podSpec, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution")) ??
            opaqueKind(termsRaw),
    );
    const terms = Array.isArray(termsRaw) ? termsRaw.map(termOs) : [];
    for (const t of terms) opaque = worse(opaque, t.opaque);

    if (osName === "windows") return { canLand: true, why: "it sets spec.os.name: windows" };
    const selectsWindows = selectorOs.find(([, v]) => v === "windows");
    if (selectsWindows) return { canLand: true, why: `it selects Windows nodes (nodeSelector ${selectsWindows[0]}: windows)` };
    if (terms.length > 0 && terms.every((t) => t.requires)) return { canLand: true, why: `its required node affinity selects ${OS_LABEL} In [windows]` };
    const known = (v: unknown) => typeof v === "string" && opaqueKind(v) === undefined;
    if (known(osName) && osName !== "windows") return { canLand: false, why: `spec.os.name is ${String(osName)}` };
    const pinned = selectorOs.find(([, v]) => known(v) && v !== "windows");
    if (pinned) return { canLand: false, why: `nodeSelector ${pinned[0]} is ${String(pinned[1])}` };
    if (terms.length > 0 && terms.every((t) => t.excludes)) return { canLand: false, why: "its required node affinity excludes Windows" };
    if (opaque === "secret")
        return { canLand: true, why: "where it may run (spec.os, nodeSelector or node affinity) is a secret in this plan, counted as Windows" };
    if (opaque === "unknown") return { canLand: undefined, why: "where it may run is not known until deployment" };

    const nodeName = get(podSpec, "nodeName");
    const bound = (typeof nodeName === "string" && nodeName !== "") || opaqueKind(nodeName) !== undefined;
    // Bound to a node, the pod skips the scheduler; the kubelet checks NoExecute taints only.
    const blocking = taints.filter((t) => (bound ? t.effect === "NoExecute" : t.effect === "NoSchedule" || t.effect === "NoExecute"));
    if (blocking.length === 0) {
        if (taints.length === 0) return { canLand: true, why: "the Windows nodes have no taint and nothing keeps it off them" };
        if (bound)
            return {
                canLand: true,
                why: `it names its node (spec.nodeName), which skips the scheduler and so the Windows nodes' taint ${taints.map(describeTaint).join(", ")}`,
            };
        return { canLand: true, why: `the Windows nodes' taint ${taints.map(describeTaint).join(", ")} keeps no pod off` };
    }
    const tolerationsRaw = get(podSpec, "tolerations");
    const tolerations = list(tolerationsRaw);
    const tolerationsOpaque =
        opaqueKind(tolerationsRaw) ??
        tolerations.map((t) => opaqueKind(t) ?? ["key", "operator", "value", "effect"].map((k) => opaqueKind(get(t, k))).find((k) => k)).find((k) => k);
    if (blocking.every((taint) => tolerations.some((t) => obj(t) && toleratesTaint(t, taint)))) {
        const everything = tolerations.some(
            (t) => (str(get(t, "key")) ?? "") === "" && get(t, "operator") === "Exists" && (str(get(t, "effect")) ?? "") === "",
        );
        return {
            canLand: true,
            why: everything
                ? "it tolerates every taint (a toleration with operator Exists and no key)"
                : `it tolerates the Windows nodes' taint ${blocking.map(describeTaint).join(", ")}`,
        };
    }
    if (tolerationsOpaque === "secret")
        return { canLand: true, why: "its tolerations are a secret in this plan, counted as tolerating the Windows nodes' taint" };
    if (tolerationsOpaque === "unknown") return { canLand: undefined, why: "its tolerations are not known until deployment" };
    return { canLand: false, why: `it does not tolerate the Windows nodes' taint ${blocking.map(describeTaint).join(", ")}` };
}
