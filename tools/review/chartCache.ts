// The Helm charts whose contracts the plan is checked against (CRDs, values.yaml): fetched from
// their repository the way Helm fetches them (index.yaml, then the archive it lists), refused
// unless the archive's sha256 is the digest pinned in pinned-charts.json, kept in a cache on this
// machine, and read from there afterwards (the cached archive is verified again on every read).
// docs/review-artifacts.md, "Where the chart comes from".
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";
import pinnedCharts from "./pinned-charts.json";
import { ChartError, indexEntries, indexEntry, resolveReferenceUrl } from "./helmRepository";
import { readTgz } from "./tarArchive";
import { isPlainObject } from "../../lib/plainObject";

export { ChartError } from "./helmRepository";

/** A chart version and the sha256 of its archive, as pinned in pinned-charts.json. */
export interface ChartPin {
    name: string;
    version: string;
    repository: string;
    sha256: string;
    source: string;
}

/** What the checks read from a chart archive. */
export interface ChartFiles {
    pin: ChartPin;
    /** The verified archive in the cache. */
    archive: string;
    chartYaml: string;
    valuesYaml: string;
    /** crds/*.yaml|yml|json, by path inside the chart. */
    crds: { file: string; text: string }[];
}

/** Environment variables the cache honours (docs/review-artifacts.md). */
export const chartCacheVariable = "EKS_GMSA_CHART_CACHE";
export const chartMirrorVariable = "EKS_GMSA_CHART_MIRROR";

/** The repository could not be reached or did not answer 200: a reason to skip, not a broken contract. */
export class ChartUnreachable extends Error {}

export const pinsFile = "tools/review/pinned-charts.json";
/** Anything much larger than a chart is not one. */
const maxArchiveBytes = 16 * 1024 * 1024;

/** $EKS_GMSA_CHART_CACHE, else $XDG_CACHE_HOME/eks-gmsa/charts (when absolute, as XDG says), else ~/.cache/eks-gmsa/charts. */
export function chartCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
    const own = env[chartCacheVariable];
    if (own) return path.resolve(own);
    const xdg = env.XDG_CACHE_HOME;
    return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(home, ".cache"), "eks-gmsa", "charts");
}

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, "");

/** The pin of a chart version from a repository, or an error saying where to pin it. */
export function chartPin(name: string, version: string, repository: string, pins: ChartPin[] = pinnedCharts.charts): ChartPin {
    const pin = pins.find((p) => p.name === name && p.version === version && withoutTrailingSlash(p.repository) === withoutTrailingSlash(repository));
    if (!pin)
        throw new ChartError(
            `chart ${name} ${version} from ${repository} has no pinned digest in ${pinsFile}; add one (docs/review-artifacts.md, "Where the chart comes from")`,
        );
    return pin;
}

export function sha256(data: Buffer): string {
    return crypto.createHash("sha256").update(data).digest("hex");
}

/** The chart's files from an archive whose sha256 must be the pinned one. */
export function chartFilesFromArchive(pin: ChartPin, archive: Buffer, where: string, archivePath: string): ChartFiles {
    const digest = sha256(archive);
    if (digest !== pin.sha256)
        throw new ChartError(
            `${where} has sha256 ${digest}, not the digest pinned for chart ${pin.name} ${pin.version} (${pin.sha256}, ${pinsFile}): refusing it`,
        );
    let entries: Map<string, Buffer>;
    try {
        entries = readTgz(archive);
    } catch (e) {
        throw new ChartError(`${where}: ${(e as Error).message}`);
    }
    const read = (file: string): string => {
        const data = entries.get(`${pin.name}/${file}`);
        if (!data) throw new ChartError(`${where} has no ${pin.name}/${file}`);
        return data.toString("utf8");
    };
    const chartYaml = read("Chart.yaml");
    const meta: unknown = YAML.parse(chartYaml);
    if (!isPlainObject(meta) || meta.name !== pin.name || String(meta.version) !== pin.version) {
        throw new ChartError(`${where}: its Chart.yaml is not chart ${pin.name} ${pin.version}`);
    }
    const crdPrefix = `${pin.name}/crds/`;
    const crds = [...entries]
        .filter(([file]) => file.startsWith(crdPrefix) && /\.(ya?ml|json)$/i.test(file))
        .map(([file, data]) => ({ file: file.slice(pin.name.length + 1), text: data.toString("utf8") }));
    return { pin, archive: archivePath, chartYaml, valuesYaml: read("values.yaml"), crds };
}

/** `<cache>/<name>-<version>/`: the archive, and its Chart.yaml, values.yaml and crds/ unpacked for people to read. */
export function chartCacheEntry(pin: ChartPin, cacheDir: string): { dir: string; archive: string } {
    const dir = path.join(cacheDir, `${pin.name}-${pin.version}`);
    return { dir, archive: path.join(dir, `${pin.name}-${pin.version}.tgz`) };
}

/** The cached chart, verified again; undefined when not cached. A changed archive is an error. */
export function readCachedChart(pin: ChartPin, cacheDir: string): ChartFiles | undefined {
    const { archive } = chartCacheEntry(pin, cacheDir);
    if (!fs.existsSync(archive)) return undefined;
    return chartFilesFromArchive(pin, fs.readFileSync(archive), `the cached archive ${archive} (delete it to fetch the chart again)`, archive);
}

/** Write-then-rename, so a concurrent plan never reads half a file. */
function writeAtomically(file: string, data: Buffer | string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.partial`;
    fs.writeFileSync(partial, data);
    fs.renameSync(partial, file);
}

function storeChart(files: ChartFiles, archive: Buffer, cacheDir: string): void {
    const { dir } = chartCacheEntry(files.pin, cacheDir);
    // The unpacked copies first: the archive's presence is what marks the entry complete.
    writeAtomically(path.join(dir, "Chart.yaml"), files.chartYaml);
    writeAtomically(path.join(dir, "values.yaml"), files.valuesYaml);
    for (const crd of files.crds) {
        const parts = crd.file.split("/");
        if (parts.every((p) => /^[A-Za-z0-9._-]+$/.test(p) && p !== "." && p !== "..")) writeAtomically(path.join(dir, ...parts), crd.text);
    }
    writeAtomically(files.archive, archive);
}

/** GET a URL; a network failure, a timeout or a status other than 200 is ChartUnreachable. */
async function get(url: string, timeoutMs: number): Promise<Buffer> {
    let response: Response;
    try {
        response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
    } catch (e) {
        const err = e as Error & { cause?: { message?: string } };
        throw new ChartUnreachable(`${url} cannot be reached: ${err.cause?.message ?? err.message}`);
    }
    if (response.status !== 200) throw new ChartUnreachable(`${url} answered HTTP ${response.status}`);
    const length = Number(response.headers.get("content-length") ?? 0);
    if (length > maxArchiveBytes) throw new ChartError(`${url} is ${length} bytes, more than any chart`);
    const body = Buffer.from(await response.arrayBuffer());
    if (body.length > maxArchiveBytes) throw new ChartError(`${url} is ${body.length} bytes, more than any chart`);
    return body;
}

export interface FetchOptions {
    cacheDir: string;
    /** A Helm repository serving the same archives (a mirror); default the pin's repository. */
    repository?: string;
    timeoutMs?: number;
}

/** Fetch a pinned chart as Helm does (index.yaml, then the archive it lists), verify it, and cache it. */
export async function fetchChart(pin: ChartPin, options: FetchOptions): Promise<{ files: ChartFiles; from: string }> {
    const repository = options.repository ?? pin.repository;
    const timeoutMs = options.timeoutMs ?? 30_000;
    const indexUrl = resolveReferenceUrl(repository, "index.yaml");
    const index = (await get(indexUrl, timeoutMs)).toString("utf8");
    const entry = indexEntry(indexEntries(index, pin.name, indexUrl), pin.name, pin.version, indexUrl);
    if (entry.digest !== undefined && entry.digest !== pin.sha256) {
        throw new ChartError(
            `${indexUrl} gives chart ${pin.name} ${pin.version} the digest ${entry.digest}, not the pinned ${pin.sha256} (${pinsFile}): refusing it`,
        );
    }
    const archiveUrl = resolveReferenceUrl(repository, entry.urls[0]);
    const archive = await get(archiveUrl, timeoutMs);
    const files = chartFilesFromArchive(pin, archive, archiveUrl, chartCacheEntry(pin, options.cacheDir).archive);
    storeChart(files, archive, options.cacheDir);
    return { files, from: archiveUrl };
}

export type LoadedChart = { files: ChartFiles; fetchedFrom?: string } | { unavailable: string };

/**
 * The pinned chart from the cache, else fetched into it. Unreachable and not cached: `unavailable`
 * with the reason in one line. A digest mismatch, a version the index lacks or a broken archive
 * throws ChartError: never silently accepted.
 */
export async function loadChart(pin: ChartPin, options: FetchOptions): Promise<LoadedChart> {
    const cached = readCachedChart(pin, options.cacheDir);
    if (cached) return { files: cached };
    try {
        const { files, from } = await fetchChart(pin, options);
        return { files, fetchedFrom: from };
    } catch (e) {
        if (!(e instanceof ChartUnreachable)) throw e;
        return { unavailable: `the ${pin.name} chart ${pin.version} is not cached (${options.cacheDir}) and ${e.message}` };
    }
}
