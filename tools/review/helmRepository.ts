// A Helm chart repository as Helm reads it: `<repository URL>/index.yaml` lists every version of
// every chart with `urls` (relative to the repository URL, or absolute) and `digest` (the sha256
// of the archive, hex). Pure: parsing and URL resolution only; chartCache.ts does the fetching.
import YAML from "yaml";
import { isPlainObject } from "../../lib/plainObject";

/** One chart version of an index. */
export interface IndexEntry {
    name: string;
    version: string;
    urls: string[];
    digest?: string;
}

/** Content a repository served that breaks the contract (not a network failure): the plan fails. */
export class ChartError extends Error {}

/** Helm's ResolveReferenceURL: an absolute reference as is, else relative to the base with a trailing slash. */
export function resolveReferenceUrl(base: string, reference: string): string {
    if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(reference)) return reference;
    const url = new URL(base);
    url.pathname = url.pathname.replace(/\/+$/, "") + "/";
    const resolved = new URL(reference, url);
    resolved.search = url.search;
    return resolved.toString();
}

/** The versions of chart `name` in an index.yaml text. */
export function indexEntries(indexText: string, name: string, where: string): IndexEntry[] {
    let doc: unknown;
    try {
        // Every scalar a string, as Helm's typed fields read them (an all-digit digest is no number).
        doc = YAML.parse(indexText, { schema: "failsafe" });
    } catch (e) {
        throw new ChartError(`${where} is not YAML: ${(e as Error).message.split("\n")[0]}`);
    }
    if (!isPlainObject(doc) || doc.apiVersion !== "v1" || !isPlainObject(doc.entries))
        throw new ChartError(`${where} is not a Helm repository index (apiVersion v1 with entries)`);
    const entries = doc.entries[name];
    if (entries === undefined) return [];
    if (!Array.isArray(entries)) throw new ChartError(`${where}: entries.${name} is not a list`);
    return entries.filter(isPlainObject).map((e) => ({
        name,
        version: String(e.version),
        urls: Array.isArray(e.urls) ? e.urls.map(String) : [],
        ...(typeof e.digest === "string" ? { digest: e.digest } : {}),
    }));
}

/** The entry of one version, or an error naming the versions the index has. */
export function indexEntry(entries: IndexEntry[], name: string, version: string, where: string): IndexEntry {
    const entry = entries.find((e) => e.version === version);
    if (!entry) {
        const available = entries.map((e) => e.version);
        throw new ChartError(
            `${where} has no version ${version} of chart ${name} (${available.length > 0 ? `it has ${available.join(", ")}` : "it has no versions of it"})`,
        );
    }
    if (entry.urls.length === 0) throw new ChartError(`${where}: chart ${name} ${version} has no urls`);
    return entry;
}
