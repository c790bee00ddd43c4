// What a kubernetes:helm.sh/v3 Release's values say about pods: gMSA names or contents and host
// access (HostProcess, privileged, host network/PID/IPC) anywhere in them. Helm renders the chart
// and installs its objects itself, so the pack never sees those pods: the values are all it can
// read, and it cannot know which of them the chart's templates use, where, or for whom. Pure.

import { hostAccessOf, HOST_ACCESS_SECRET_TEXT, HOST_ACCESS_TEXT } from "./hostAccess";
import { scanForPodSpecs } from "./podScan";
import { get, isKube, isOpaque, isSecret, list, opaqueKind, str } from "./values";
import { gmsaFieldSites, opaqueGmsaParts } from "./workloads";

/** A v3 Release (helm.sh/v4 Charts register each object they render, which the pack judges one by one). */
export const isHelmV3Release = (type: unknown) => isKube(type, "helm.sh", "Release");

export interface ReleaseValues {
    /** Each gMSA or host-access setting in the values, with where it is: `hostNetwork: true at values.webhook`. */
    settings: string[];
    /** What the pack could not read (a secret values object, values files, a scan past its limits). */
    unread: string[];
}

const joinAt = (base: string, at: string) => (at === "" ? base : at.startsWith("[") ? `${base}${at}` : `${base}.${at}`);

/** The gMSA and host-access settings in a Release's values, and what could not be read. */
export function releaseValues(props: unknown): ReleaseValues {
    const out: ReleaseValues = { settings: [], unread: [] };
    const values = get(props, "values");
    if (isSecret(values)) out.unread.push(`values (a secret, "[secret]" in this plan)`);
    const files = get(props, "valueYamlFiles");
    if (list(files).length > 0) out.unread.push("valueYamlFiles (files this pack does not read)");
    if (isOpaque(values) || values === undefined || values === null) return out;
    const scan = scanForPodSpecs(values);
    for (const found of scan.podSpecs) {
        const at = joinAt("values", found.at);
        for (const site of gmsaFieldSites(found.podSpec)) out.settings.push(`${site} at ${at}`);
        for (const p of opaqueGmsaParts(found.podSpec).filter((x) => x.kind === "secret")) out.settings.push(`${p.what} as a secret at ${at}`);
        const sa = get(found.podSpec, "serviceAccountName");
        if (isSecret(sa) && gmsaFieldSites(found.podSpec).length > 0) out.settings.push(`serviceAccountName as a secret at ${at}`);
        for (const f of hostAccessOf(found.podSpec))
            out.settings.push(`${(f.secret ? HOST_ACCESS_SECRET_TEXT : HOST_ACCESS_TEXT)[f.access]} (${f.where}) at ${at}`);
    }
    for (const s of scan.strays)
        out.settings.push(`${s.field}: ${s.secret ? "[secret]" : s.field.startsWith("gmsa") ? "set" : "true"} at ${joinAt("values", s.at)}`);
    for (const h of scan.hidden) {
        if (h.kind === "secret") out.settings.push(`${h.at.split(".").pop()} as a secret at ${joinAt("values", h.at)}`);
    }
    if (scan.incomplete) out.unread.push(`values past the scan's limits (${scan.incomplete})`);
    return out;
}

/** `<namespace>/<release name>` of a Release (Helm installs into "default" when no namespace is given); undefined parts when not known. */
export function releaseId(props: unknown): { namespace?: string; name?: string; chart?: string; opaque?: "secret" | "unknown" } {
    const name = get(props, "name");
    const namespace = get(props, "namespace");
    const chart = get(props, "chart");
    const opaque = opaqueKind(name) ?? opaqueKind(namespace) ?? opaqueKind(chart);
    return {
        name: str(name),
        namespace: str(namespace) ?? (namespace === undefined ? "default" : undefined),
        chart: str(chart),
        ...(opaque ? { opaque } : {}),
    };
}

/** A chart reference names this chart: `gmsa`, `repo/gmsa`, `oci://host/path/gmsa`. */
export function chartIs(chart: string | undefined, wanted: string): boolean {
    return chart !== undefined && (chart === wanted || chart.endsWith(`/${wanted}`));
}

/**
 * Does an allow-list entry (`<namespace>/<release name>`, or `<namespace>/<release name>@<chart>`
 * to also require the chart) name this release?
 */
export function releaseAllowed(entries: readonly string[], id: ReturnType<typeof releaseId>): boolean {
    if (id.name === undefined || id.namespace === undefined) return false;
    return entries.some((entry) => {
        const [ref, chart] = entry.split("@", 2);
        return ref === `${id.namespace}/${id.name}` && (chart === undefined || chartIs(id.chart, chart));
    });
}
