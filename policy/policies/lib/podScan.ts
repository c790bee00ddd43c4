// Finding pod specs in inputs of any shape (custom resources, Lists of workloads), for kinds this
// pack has no fixed path for. Iterative and bounded: no input can overflow the stack or run long.
// Pure.

import { isOpaque, isSecret, obj, opaqueKind, str, type Obj } from "./values";

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
    namespaceSecret: boolean;
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
    namespaceSecret: boolean;
    /** The value is the secret placeholder (counted as set: a secret must not hide it). */
    secret?: true;
}

/**
 * A pod template, pod spec, container list or security context outside any readable pod spec,
 * given as one secret or unknown value: whatever it holds cannot be read.
 */
export interface HiddenValue {
    /** e.g. `spec.template`, `spec.workerTemplate.spec`. */
    at: string;
    kind: "secret" | "unknown";
    namespace?: string;
    namespaceUnknown: boolean;
    namespaceSecret: boolean;
}

export interface PodScan {
    podSpecs: FoundPodSpec[];
    strays: StraySetting[];
    hidden: HiddenValue[];
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
    namespaceSecret: boolean;
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
/** A host-access switch that is on, or hidden by a secret (which counts as on). */
const isOn = (v: unknown) => v === true || isSecret(v);

function straysOf(o: Obj, frame: Frame, out: StraySetting[]): void {
    const at = () => pathOf(frame);
    const add = (field: StrayField, value: unknown) =>
        out.push({
            field,
            at: at(),
            namespace: frame.namespace,
            namespaceUnknown: frame.namespaceUnknown,
            namespaceSecret: frame.namespaceSecret,
            ...(isSecret(value) ? { secret: true as const } : {}),
        });
    if (frame.key === "windowsOptions") {
        for (const field of ["gmsaCredentialSpecName", "gmsaCredentialSpec"] as const) {
            const v = read(o, field);
            if (isNamed(v)) add(field, v);
        }
        if (isOn(read(o, "hostProcess"))) add("hostProcess", read(o, "hostProcess"));
    }
    // Charts' values name them containerSecurityContext, podSecurityContext, …
    if (typeof frame.key === "string" && /securityContext$/i.test(frame.key) && isOn(read(o, "privileged"))) add("privileged", read(o, "privileged"));
    for (const field of ["hostNetwork", "hostPID", "hostIPC"] as const) {
        if (isOn(read(o, field))) add(field, read(o, field));
    }
}

/** Keys whose value is a pod template, a pod spec's parts or a security context in every kind that has them. */
const STRUCTURAL_KEYS = new Set(["template", "jobTemplate", "containers", "initContainers", "ephemeralContainers", "securityContext", "windowsOptions"]);

/** A secret or unknown value where a pod template or its parts belong. */
function hiddenOf(frame: Frame): HiddenValue | undefined {
    const kind = opaqueKind(frame.value);
    if (!kind || typeof frame.key !== "string") return undefined;
    const structural = STRUCTURAL_KEYS.has(frame.key) || (frame.key === "spec" && frame.parent?.key === "template");
    return structural
        ? { at: pathOf(frame), kind, namespace: frame.namespace, namespaceUnknown: frame.namespaceUnknown, namespaceSecret: frame.namespaceSecret }
        : undefined;
}

/** Every pod spec in `props`, and every gMSA or host-access setting outside them. */
export function scanForPodSpecs(props: unknown, limits = SCAN_LIMITS): PodScan {
    const scan: PodScan = { podSpecs: [], strays: [], hidden: [] };
    const stack: Frame[] = [
        { value: props, key: undefined, parent: undefined, depth: 0, namespace: undefined, namespaceUnknown: false, namespaceSecret: false },
    ];
    let values = 0;
    let tooDeep: string | undefined;
    while (stack.length > 0) {
        const frame = stack.pop()!;
        if (++values > limits.maxValues) {
            scan.incomplete = `it holds more than ${limits.maxValues.toLocaleString("en-US")} values (the pack inspects no more)`;
            break;
        }
        const v = frame.value;
        if (typeof v !== "object" || v === null) {
            const hidden = hiddenOf(frame);
            if (hidden) scan.hidden.push(hidden);
            continue;
        }
        if (frame.depth >= limits.maxDepth) {
            const at = pathOf(frame);
            tooDeep ??= `it nests values deeper than ${limits.maxDepth} levels (first at ${at.length > 80 ? `${at.slice(0, Math.max(at.lastIndexOf(".", 80), 1))}…` : at})`;
            continue;
        }
        const children: Frame[] = [];
        const child = (
            value: unknown,
            key: string | number,
            namespace = frame.namespace,
            namespaceUnknown = frame.namespaceUnknown,
            namespaceSecret = frame.namespaceSecret,
        ) => children.push({ value, key, parent: frame, depth: frame.depth + 1, namespace, namespaceUnknown, namespaceSecret });
        if (Array.isArray(v)) {
            v.forEach((e, i) => child(e, i));
        } else {
            const o = v as Obj;
            if (isPodSpec(o, frame)) {
                scan.podSpecs.push({
                    podSpec: o,
                    at: pathOf(frame),
                    namespace: frame.namespace,
                    namespaceUnknown: frame.namespaceUnknown,
                    namespaceSecret: frame.namespaceSecret,
                });
                continue;
            }
            straysOf(o, frame, scan.strays);
            // A Kubernetes object (kind and metadata) sets the namespace of what it holds.
            let namespace = frame.namespace;
            let namespaceUnknown = frame.namespaceUnknown;
            let namespaceSecret = frame.namespaceSecret;
            const rawMetadata = read(o, "metadata");
            if ((obj(rawMetadata) || isOpaque(rawMetadata)) && typeof read(o, "kind") === "string") {
                // metadata given as one opaque value hides the namespace too.
                const ns = isOpaque(rawMetadata) ? rawMetadata : read(obj(rawMetadata)!, "namespace");
                namespace = str(ns);
                namespaceUnknown = isOpaque(ns);
                namespaceSecret = isSecret(ns);
            }
            for (const key of keysOf(o)) child(read(o, key), key, namespace, namespaceUnknown, namespaceSecret);
        }
        // Depth first, in document order.
        for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
    }
    scan.incomplete ??= tooDeep;
    return scan;
}
