// Reads eks-gmsa:linuxNodes and eks-gmsa:windowsNodes against their declarations
// (settings/schema/platform.ts); here only the rules between keys. Pure; part of settings/validate.
import * as catalog from "./catalog";
import { isPlainObject, type Section } from "./reader";
import type { LinuxNodeSettings, ScalingSettings, Taint, WindowsNodeSettings } from "./types";

function readScaling(s: Section): ScalingSettings | undefined {
    const minSize = s.integer("minSize");
    const desiredSize = s.integer("desiredSize");
    const maxSize = s.integer("maxSize");
    if (minSize === undefined || desiredSize === undefined || maxSize === undefined) return undefined;
    if (desiredSize < minSize) {
        s.problems.add(s.path("desiredSize"), desiredSize, `must be at least minSize (${minSize}); need minSize <= desiredSize <= maxSize`);
        return undefined;
    }
    if (maxSize < desiredSize) {
        s.problems.add(s.path("maxSize"), maxSize, `must be at least desiredSize (${desiredSize}); need minSize <= desiredSize <= maxSize`);
        return undefined;
    }
    return { minSize, desiredSize, maxSize };
}

export function readLinuxNodes(s: Section): LinuxNodeSettings | undefined {
    const instanceTypes = s.stringList("instanceTypes");
    const scaling = readScaling(s);
    const diskSizeGiB = s.integer("diskSizeGiB");
    const capacityType = s.string("capacityType") as LinuxNodeSettings["capacityType"] | undefined;
    s.finish();
    if (!instanceTypes || !scaling || !diskSizeGiB || !capacityType) return undefined;
    return { instanceTypes, ...scaling, diskSizeGiB, capacityType };
}

export function readWindowsNodes(s: Section, kubernetesVersion: string | undefined): WindowsNodeSettings | undefined {
    const amiId = s.has("amiId") ? s.string("amiId") : undefined;
    const windowsServerVersion = s.string("windowsServerVersion", {
        check: (v) => {
            const min = catalog.windowsServerVersions[v]?.minKubernetes;
            if (amiId || !kubernetesVersion || !min || compareVersions(kubernetesVersion, min) >= 0) return undefined;
            return `has EKS-optimized AMIs from Kubernetes ${min} on, and cluster.kubernetesVersion is ${kubernetesVersion}; raise the version or pin windowsNodes.amiId`;
        },
    }) as WindowsNodeSettings["windowsServerVersion"] | undefined;
    const edition = s.string("edition") as WindowsNodeSettings["edition"] | undefined;
    const instanceType = s.string("instanceType");
    const scaling = readScaling(s);
    const rootVolumeSizeGiB = s.integer("rootVolumeSizeGiB");
    const sshKeyName = s.has("sshKeyName") ? s.string("sshKeyName") : undefined;
    const labels = s.stringMap("labels");
    const taint = readTaint(s);
    const hostProcessNamespaces = s.stringList("hostProcessNamespaces");
    s.finish();
    if (!windowsServerVersion || !edition || !instanceType || !scaling || !rootVolumeSizeGiB || !labels || taint === null || !hostProcessNamespaces)
        return undefined;
    if ((s.has("amiId") && !amiId) || (s.has("sshKeyName") && !sshKeyName)) return undefined;
    return { windowsServerVersion, edition, instanceType, ...scaling, rootVolumeSizeGiB, amiId, sshKeyName, labels, taint, hostProcessNamespaces };
}

/** undefined: no taint (turned off with `taint: false`); null: invalid. */
function readTaint(s: Section): Taint | undefined | null {
    const raw = s.raw("taint");
    if (raw === false || raw === "false") return undefined;
    if (raw !== undefined && !isPlainObject(raw)) {
        s.problems.add(s.path("taint"), raw, "must be {key, value, effect} or false");
        return null;
    }
    // Absent: the declared default taint, each of its fields from its own default.
    const t = s.section("taint");
    const key = t.string("key");
    const value = t.string("value");
    const effect = t.string("effect") as Taint["effect"] | undefined;
    t.finish();
    return key && value !== undefined && effect ? { key, value, effect } : null;
}

/** Compares Kubernetes versions such as 1.35 and 1.9 by number. */
export function compareVersions(a: string, b: string): number {
    const [am, an] = a.split(".").map(Number);
    const [bm, bn] = b.split(".").map(Number);
    return am !== bm ? am - bm : an - bn;
}
