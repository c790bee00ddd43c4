// What in a pod spec reaches into the node: HostProcess containers, privileged containers and the
// host's network, process and IPC namespaces. Pure.

import { get, list, path, str } from "./values";
import { CONTAINER_LISTS, windowsOptionsSites } from "./workloads";

export type HostAccess = "hostProcess" | "privileged" | "hostNetwork" | "hostPID" | "hostIPC";

export interface HostAccessFinding {
    access: HostAccess;
    /** `pod`, `container agent`, `initContainer setup`, `ephemeralContainer debugger`. */
    where: string;
}

/**
 * Every host access a pod spec asks for. Only `true` counts: absent, false and values not known
 * yet do not (the engine judges again with real values at deployment).
 */
export function hostAccessOf(podSpec: unknown): HostAccessFinding[] {
    const found: HostAccessFinding[] = [];
    for (const site of windowsOptionsSites(podSpec)) {
        if (get(site.windowsOptions, "hostProcess") === true) found.push({ access: "hostProcess", where: site.where });
    }
    for (const [key, noun] of CONTAINER_LISTS) {
        list(get(podSpec, key)).forEach((c, i) => {
            if (path(c, "securityContext", "privileged") === true) found.push({ access: "privileged", where: `${noun} ${str(get(c, "name")) ?? `#${i}`}` });
        });
    }
    for (const access of ["hostNetwork", "hostPID", "hostIPC"] as const) {
        if (get(podSpec, access) === true) found.push({ access, where: "pod" });
    }
    return found;
}

/** How a message names each kind of access. */
export const HOST_ACCESS_TEXT: Record<HostAccess, string> = {
    hostProcess: "windowsOptions.hostProcess: true",
    privileged: "securityContext.privileged: true",
    hostNetwork: "hostNetwork: true",
    hostPID: "hostPID: true",
    hostIPC: "hostIPC: true",
};

/** The allow-lists of the pod-host-access-allowlist policy, with their defaults when not configured. */
export interface HostAccessAllowlists {
    /** Namespaces that may run HostProcess pods (default none, like eks-gmsa:windowsNodes.hostProcessNamespaces). */
    hostProcessNamespaces: string[];
    /** Namespaces that may run privileged, hostNetwork, hostPID or hostIPC pods (default kube-system). */
    hostAccessNamespaces: string[];
}

export const DEFAULT_HOST_ACCESS_NAMESPACES = ["kube-system"];
export const DEFAULT_HOST_PROCESS_NAMESPACES: string[] = [];

export function hostAccessAllowlists(config: unknown): HostAccessAllowlists {
    const strings = (key: string, fallback: string[]) => {
        const v = get(config, key);
        return Array.isArray(v) ? v.filter((e): e is string => typeof e === "string") : fallback;
    };
    return {
        hostProcessNamespaces: strings("hostProcessNamespaces", DEFAULT_HOST_PROCESS_NAMESPACES),
        hostAccessNamespaces: strings("hostAccessNamespaces", DEFAULT_HOST_ACCESS_NAMESPACES),
    };
}

/** Is this access allowed in this namespace? */
export function hostAccessAllowed(access: HostAccess, namespace: string, lists: HostAccessAllowlists): boolean {
    return (access === "hostProcess" ? lists.hostProcessNamespaces : lists.hostAccessNamespaces).includes(namespace);
}
