// What in a pod spec reaches into the node: HostProcess containers, privileged containers, the
// host's network, process and IPC namespaces, and (on Windows nodes) host paths. Pure.

import { get, isSecret, list, opaqueKind, path, str } from "./values";
import { configStrings } from "./config";
import { DEFAULT_WINDOWS_TAINTS, windowsPlacement, type NodeTaint } from "./windowsPlacement";
import { CONTAINER_LISTS, containerLabel } from "./workloads";

export type HostAccess = "hostProcess" | "privileged" | "hostNetwork" | "hostPID" | "hostIPC" | "hostPath";

export interface HostAccessFinding {
    access: HostAccess;
    /** `pod`, `container agent`, `initContainer setup`, `ephemeralContainer debugger`, `volume pipe (hostPath \\.\pipe\containerd-containerd)`. */
    where: string;
    /** Counted because a secret hides the value there (the offline plan's placeholder), not because it is set. */
    secret?: true;
}

const on = (v: unknown) => v === true || isSecret(v);

/**
 * Every host access a pod spec asks for. `true` counts, and so does a secret where the value (or
 * the object holding it) belongs: a pull request's offline plan shows only "[secret]" there.
 * Absent, false and values not known yet do not count (the engine judges again with real values
 * at deployment). Host paths count only when `windowsTaints` is given and the pod can land on a
 * Windows node (windowsPlacement).
 */
export function hostAccessOf(podSpec: unknown, windowsTaints?: readonly NodeTaint[]): HostAccessFinding[] {
    const found: HostAccessFinding[] = [];
    const add = (access: HostAccess, where: string, value: unknown) => found.push({ access, where, ...(isSecret(value) ? { secret: true as const } : {}) });
    // windowsOptions.hostProcess at the pod level, or a securityContext (or windowsOptions) that is a secret.
    const options = (holder: unknown, where: string, privileged: boolean) => {
        const sc = get(holder, "securityContext");
        if (isSecret(sc)) {
            add("hostProcess", where, sc);
            if (privileged) add("privileged", where, sc);
            return;
        }
        const wo = get(sc, "windowsOptions");
        const hostProcess = isSecret(wo) ? wo : get(wo, "hostProcess");
        if (on(hostProcess)) add("hostProcess", where, hostProcess);
        if (privileged && on(get(sc, "privileged"))) add("privileged", where, get(sc, "privileged"));
    };
    options(podSpec, "pod", false);
    for (const [key, noun] of CONTAINER_LISTS) {
        const l = get(podSpec, key);
        if (isSecret(l)) {
            add("hostProcess", `${key} (all)`, l);
            add("privileged", `${key} (all)`, l);
            continue;
        }
        list(l).forEach((c, i) => {
            if (isSecret(c)) {
                add("hostProcess", `${key}[${i}]`, c);
                add("privileged", `${key}[${i}]`, c);
                return;
            }
            options(c, containerLabel(noun, c, i), true);
        });
    }
    for (const access of ["hostNetwork", "hostPID", "hostIPC"] as const) {
        if (on(get(podSpec, access))) add(access, "pod", get(podSpec, access));
    }
    if (windowsTaints) {
        const paths = hostPathVolumes(podSpec);
        if (paths.length > 0 && windowsPlacement(podSpec, windowsTaints).canLand === true) {
            for (const p of paths) add("hostPath", p.where, p.secret ? "[secret]" : undefined);
        }
    }
    return found;
}

/** The pod's hostPath volumes (a secret volume list, volume or hostPath counts as one). */
export function hostPathVolumes(podSpec: unknown): { where: string; secret: boolean }[] {
    const volumes = get(podSpec, "volumes");
    if (isSecret(volumes)) return [{ where: "volumes (all)", secret: true }];
    const out: { where: string; secret: boolean }[] = [];
    list(volumes).forEach((v, i) => {
        const name = str(get(v, "name")) ?? `#${i}`;
        if (isSecret(v)) {
            out.push({ where: `volumes[${i}]`, secret: true });
            return;
        }
        const hostPath = get(v, "hostPath");
        if (hostPath === undefined || hostPath === null) return;
        const p = isSecret(hostPath) ? hostPath : path(hostPath, "path");
        if (opaqueKind(p) === "unknown") {
            out.push({ where: `volume ${name} (hostPath)`, secret: false });
            return;
        }
        out.push({ where: `volume ${name} (hostPath ${isSecret(p) ? "[secret]" : typeof p === "string" ? p : "?"})`, secret: isSecret(p) });
    });
    return out;
}

/** How a message names each kind of access. */
export const HOST_ACCESS_TEXT: Record<HostAccess, string> = {
    hostProcess: "windowsOptions.hostProcess: true",
    privileged: "securityContext.privileged: true",
    hostNetwork: "hostNetwork: true",
    hostPID: "hostPID: true",
    hostIPC: "hostIPC: true",
    hostPath: "a hostPath volume on a pod that can run on Windows nodes",
};

/** How a message names an access counted because of a secret. */
export const HOST_ACCESS_SECRET_TEXT: Record<HostAccess, string> = {
    hostProcess: "windowsOptions.hostProcess hidden by a secret",
    privileged: "securityContext.privileged hidden by a secret",
    hostNetwork: "hostNetwork hidden by a secret",
    hostPID: "hostPID hidden by a secret",
    hostIPC: "hostIPC hidden by a secret",
    hostPath: "a hostPath volume hidden by a secret, on a pod that can run on Windows nodes",
};

/** The allow-lists of the pod-host-access-allowlist policy, with their defaults when not configured. */
export interface HostAccessAllowlists {
    /** Namespaces that may run HostProcess pods, and Windows-capable pods with hostPath volumes (default none, like eks-gmsa:windowsNodes.hostProcessNamespaces). */
    hostProcessNamespaces: string[];
    /** Namespaces that may run privileged, hostNetwork, hostPID or hostIPC pods (default kube-system). */
    hostAccessNamespaces: string[];
    /** The Windows nodes' taints (default eks-gmsa's os=windows:NoSchedule; [] when they have none). */
    windowsNodeTaints: NodeTaint[];
}

export const DEFAULT_HOST_ACCESS_NAMESPACES = ["kube-system"];
export const DEFAULT_HOST_PROCESS_NAMESPACES: string[] = [];

function taintsConfig(v: unknown): NodeTaint[] {
    if (!Array.isArray(v)) return DEFAULT_WINDOWS_TAINTS;
    return v.flatMap((t) => {
        const key = str(get(t, "key"));
        const effect = str(get(t, "effect"));
        const value = str(get(t, "value"));
        return key && effect ? [{ key, effect, ...(value ? { value } : {}) }] : [];
    });
}

export function hostAccessAllowlists(config: unknown): HostAccessAllowlists {
    const strings = (key: string, fallback: string[]) => configStrings(config, key, fallback);
    return {
        hostProcessNamespaces: strings("hostProcessNamespaces", DEFAULT_HOST_PROCESS_NAMESPACES),
        hostAccessNamespaces: strings("hostAccessNamespaces", DEFAULT_HOST_ACCESS_NAMESPACES),
        windowsNodeTaints: taintsConfig(get(config, "windowsNodeTaints")),
    };
}

/** Is this access allowed in this namespace? HostProcess and Windows host paths: hostProcessNamespaces; the rest: hostAccessNamespaces. */
export function hostAccessAllowed(
    access: HostAccess,
    namespace: string,
    lists: Pick<HostAccessAllowlists, "hostProcessNamespaces" | "hostAccessNamespaces">,
): boolean {
    return (access === "hostProcess" || access === "hostPath" ? lists.hostProcessNamespaces : lists.hostAccessNamespaces).includes(namespace);
}
