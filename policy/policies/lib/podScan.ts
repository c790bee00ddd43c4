// Finding pod specs in inputs of any shape (custom resources, Lists of workloads), for kinds this
// pack has no fixed path for. Iterative and bounded: no input can overflow the stack or run long.
// Pure.

import { isOpaque, obj, str, type Obj } from "./values";

/**
 * How far a scan goes. Above both: the API server refuses objects larger than etcd's request
 * limit (1.5 MiB by default), which holds fewer than a million JSON values, and no Kubernetes
 * object nests a pod spec 100 levels deep. What exceeds them is reported, never passed.
 */
export const SCAN_LIMITS = { maxDepth: 100, maxValues: 1_000_000 };

/** A pod spec found in a resource's inputs. */
export interface FoundPodSpec {
    podSpec: Obj;
    /** Where, e.g. `spec.template.spec`, `items[2].spec.template.spec`. */
    at: string;
    /** metadata.namespace of the innermost enclosing Kubernetes object (one with kind and metadata). */
    namespace?: string;
    namespaceUnknown: boolean;
}

/** The settings a stray windowsOptions or securityContext may carry that the policies care about. */
export type StrayField = "gmsaCredentialSpecName" | "gmsaCredentialSpec" | "hostProcess" | "privileged" | "hostNetwork" | "hostPID" | "hostIPC";

/** A gMSA or host-access setting outside any pod spec the scan recognised: the pack cannot tell whose it is. */
export interface StraySetting {
    field: StrayField;
    /** The path of the object holding the field, e.g. `spec.templates[0].container.securityContext.windowsOptions`. */
    at: string;
    namespace?: string;
    namespaceUnknown: boolean;
}

export interface PodScan {
    podSpecs: FoundPodSpec[];
    strays: StraySetting[];
    /** Set when a limit was hit: what was not inspected. */
    incomplete?: string;
}

interface Frame {
    value: unknown;
    key: string | number | undefined;
    parent: Frame | undefined;
    depth: number;
    namespace: string | undefined;
    namespaceUnknown: boolean;
}

function pathOf(frame: Frame): string {
    const parts: string[] = [];
    for (let f: Frame | undefined = frame; f && f.key !== undefined; f = f.parent) {
        parts.push(typeof f.key === "number" ? `[${f.key}]` : `.${f.key}`);
    }
    return parts.reverse().join("").replace(/^\./, "");
}

function keysOf(o: Obj): string[] {
    try {
        return Object.keys(o);
    } catch {
        return [];
    }
}

function read(o: Obj, key: string): unknown {
    try {
        return o[key];
    } catch {
        return "[unknown]";
    }
}

/**
 * A pod spec: an object with a `containers` list (every PodSpec has one), or the `spec` of a
 * `template` (a PodTemplateSpec, as in Argo Rollouts, Knative, KEDA ScaledJob, OpenKruise), which
 * a patch may give without containers.
 */
function isPodSpec(o: Obj, frame: Frame): boolean {
    if (Array.isArray(read(o, "containers"))) return true;
    return frame.key === "spec" && frame.parent?.key === "template" && obj(frame.parent.value) !== undefined;
}

const isNamed = (v: unknown) => (typeof v === "string" && v !== "") || isOpaque(v);

function straysOf(o: Obj, frame: Frame, out: StraySetting[]): void {
    const at = () => pathOf(frame);
    const add = (field: StrayField) => out.push({ field, at: at(), namespace: frame.namespace, namespaceUnknown: frame.namespaceUnknown });
    if (frame.key === "windowsOptions") {
        if (isNamed(read(o, "gmsaCredentialSpecName"))) add("gmsaCredentialSpecName");
        if (isNamed(read(o, "gmsaCredentialSpec"))) add("gmsaCredentialSpec");
        if (read(o, "hostProcess") === true) add("hostProcess");
    }
    if (frame.key === "securityContext" && read(o, "privileged") === true) add("privileged");
    for (const field of ["hostNetwork", "hostPID", "hostIPC"] as const) {
        if (read(o, field) === true) add(field);
    }
}

/** Every pod spec in `props`, and every gMSA or host-access setting outside them. */
export function scanForPodSpecs(props: unknown, limits = SCAN_LIMITS): PodScan {
    const scan: PodScan = { podSpecs: [], strays: [] };
    const stack: Frame[] = [{ value: props, key: undefined, parent: undefined, depth: 0, namespace: undefined, namespaceUnknown: false }];
    let values = 0;
    let tooDeep: string | undefined;
    while (stack.length > 0) {
        const frame = stack.pop()!;
        if (++values > limits.maxValues) {
            scan.incomplete = `it holds more than ${limits.maxValues.toLocaleString("en-US")} values (the pack inspects no more)`;
            break;
        }
        const v = frame.value;
        if (typeof v !== "object" || v === null) continue;
        if (frame.depth >= limits.maxDepth) {
            const at = pathOf(frame);
            tooDeep ??= `it nests values deeper than ${limits.maxDepth} levels (first at ${at.length > 80 ? `${at.slice(0, Math.max(at.lastIndexOf(".", 80), 1))}…` : at})`;
            continue;
        }
        const children: Frame[] = [];
        const child = (value: unknown, key: string | number, namespace = frame.namespace, namespaceUnknown = frame.namespaceUnknown) =>
            children.push({ value, key, parent: frame, depth: frame.depth + 1, namespace, namespaceUnknown });
        if (Array.isArray(v)) {
            v.forEach((e, i) => child(e, i));
        } else {
            const o = v as Obj;
            if (isPodSpec(o, frame)) {
                scan.podSpecs.push({ podSpec: o, at: pathOf(frame), namespace: frame.namespace, namespaceUnknown: frame.namespaceUnknown });
                continue;
            }
            straysOf(o, frame, scan.strays);
            // A Kubernetes object (kind and metadata) sets the namespace of what it holds.
            let namespace = frame.namespace;
            let namespaceUnknown = frame.namespaceUnknown;
            const metadata = obj(read(o, "metadata"));
            if (metadata && typeof read(o, "kind") === "string") {
                const ns = read(metadata, "namespace");
                namespace = str(ns);
                namespaceUnknown = isOpaque(ns);
            }
            for (const key of keysOf(o)) child(read(o, key), key, namespace, namespaceUnknown);
        }
        // Depth first, in document order.
        for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
    }
    scan.incomplete ??= tooDeep;
    return scan;
}
