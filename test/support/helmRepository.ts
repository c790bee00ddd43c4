// The gmsa chart's Helm repository for tests, served over HTTP on 127.0.0.1 (no internet), and a
// temporary chart cache filled by the same code `npm run plan` uses. The published index.yaml and
// gmsa-0.13.0.tgz come from ../shared/reference/windows-gmsa-helm-repo/ when that folder is there;
// on a plain clone the pinned archive comes from the user's chart cache (read and verified, never
// written) or from the chart's real repository ($EKS_GMSA_CHART_MIRROR if set), digest checked.
// Nothing here writes outside os.tmpdir(); the user's own chart cache is never written.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import {
    chartCacheDir,
    chartCacheEntry,
    chartCacheVariable,
    chartMirrorVariable,
    chartPin,
    readCachedChart,
    type ChartFiles,
    type ChartPin,
} from "../../tools/review/chartCache";
import { gmsaChartRepository } from "../../components/gmsaWebhook";

const projectRoot = path.resolve(__dirname, "..", "..");

/** Tests only: where the reference folder is, instead of ../shared/reference (to run the tests as on a plain clone). */
export const referenceDirVariable = "EKS_GMSA_REFERENCE_DIR";

/** The published repository (index.yaml with every gmsa version and digest, gmsa-0.13.0.tgz), when this machine has it. */
export function publishedRepositoryDir(env: NodeJS.ProcessEnv = process.env): string {
    const reference = env[referenceDirVariable] ? path.resolve(env[referenceDirVariable]!) : path.join(projectRoot, "..", "shared", "reference");
    return path.join(reference, "windows-gmsa-helm-repo");
}

const hasPublishedRepository = (): boolean => fs.existsSync(path.join(publishedRepositoryDir(), "index.yaml"));

/** The pin the dev and prod plans use (their gmsa release: chart 0.13.0 from the upstream repository). */
export const gmsaPin = (): ChartPin => chartPin("gmsa", "0.13.0", gmsaChartRepository);

export interface RepositoryServer {
    url: string;
    /** Request paths, in order. */
    requests: string[];
    close(): Promise<void>;
}

/** Serve a directory's files over HTTP on 127.0.0.1 (an ephemeral port); anything else is 404. */
export function serveDirectory(dir: string): Promise<RepositoryServer> {
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        requests.push(url.pathname);
        const file = path.join(dir, path.basename(decodeURIComponent(url.pathname)));
        if (req.method !== "GET" || !fs.existsSync(file)) {
            res.writeHead(404).end("not found\n");
            return;
        }
        res.writeHead(200, { "content-type": file.endsWith(".yaml") ? "application/x-yaml" : "application/gzip" }).end(fs.readFileSync(file));
    });
    return new Promise((resolve) => {
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as AddressInfo;
            resolve({
                url: `http://127.0.0.1:${port}/charts/repo`,
                requests,
                close: () =>
                    new Promise<void>((done) => {
                        server.closeAllConnections();
                        server.close(() => done());
                    }),
            });
        });
    });
}

/** A URL where nothing listens: a port that was free a moment ago. */
export async function unreachableRepositoryUrl(): Promise<string> {
    const server = await serveDirectory(os.tmpdir());
    await server.close();
    return server.url;
}

const temps: string[] = [];
process.on("exit", () => {
    for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});
const tempDir = (prefix: string): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    temps.push(dir);
    return dir;
};

export interface TestChartCache {
    dir: string;
    /** The environment for a child `npm run plan` that must find the chart in this cache. */
    env: NodeJS.ProcessEnv;
    files: ChartFiles;
    /** The repository's index.yaml as published (../shared, or fetched with the chart), if the tests have it. */
    publishedIndex?: string;
}

let shared: TestChartCache | Error | undefined;

/** An error whose report is its one line (the runner prints no stack for it). */
function oneLine(message: string): Error {
    const e = new Error(message);
    e.stack = `Error: ${message}`;
    return e;
}

/** `node --import tsx test/support/fillChartCache.ts …` (a child, so testChartCache stays synchronous); its one-line error, if any. */
function fill(args: string[]): string | undefined {
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "fillChartCache.ts"), ...args], {
        cwd: projectRoot,
        encoding: "utf8",
        stdio: ["ignore", "ignore", "pipe"],
        timeout: 90_000,
    });
    if (r.status === 0) return undefined;
    return (
        (r.stderr.trim().split("\n").pop() ?? "").replace(/^fillChartCache: /, "") || `fillChartCache.ts ended with ${r.error?.message ?? `status ${r.status}`}`
    );
}

/**
 * A temporary chart cache holding the pinned gmsa chart, filled once per test process (call it
 * in a test or before(), never at load) and removed when it exits. The chart, as `npm run plan`
 * gets it: from the published repository served on loopback when ../shared has it; else from the
 * user's chart cache (verified, read-only); else fetched from the chart's repository (or
 * $EKS_GMSA_CHART_MIRROR) with its digest checked. Neither: an error in one line saying what is missing.
 */
export function testChartCache(): TestChartCache {
    if (shared instanceof Error) throw shared;
    if (shared) return shared;
    try {
        shared = filledTestChartCache();
    } catch (e) {
        // Tried once per process: every later caller gets the same line, without trying again.
        shared = e as Error;
        throw shared;
    }
    return shared;
}

function filledTestChartCache(): TestChartCache {
    const pin = gmsaPin();
    const dir = tempDir("chart-cache-");
    let publishedIndex: string | undefined;
    if (hasPublishedRepository()) {
        const failed = fill([dir, "--published", publishedRepositoryDir()]);
        if (failed) throw oneLine(`the tests could not fill a chart cache from ${publishedRepositoryDir()}: ${failed}`);
        publishedIndex = fs.readFileSync(path.join(publishedRepositoryDir(), "index.yaml"), "utf8");
    } else {
        const userCache = chartCacheDir();
        let own: ChartFiles | undefined;
        try {
            own = readCachedChart(pin, userCache);
        } catch (e) {
            throw oneLine(`the tests need the gmsa chart ${pin.version}: ${(e as Error).message}`);
        }
        if (own) {
            const target = chartCacheEntry(pin, dir).archive;
            fs.mkdirSync(path.dirname(target), { recursive: true });
            fs.copyFileSync(own.archive, target);
        } else {
            const repository = process.env[chartMirrorVariable] || pin.repository;
            const indexCopy = path.join(tempDir("chart-index-"), "index.yaml");
            const failed = fill([dir, "--repository", repository, indexCopy]);
            if (failed) {
                throw oneLine(
                    `the tests need the gmsa chart ${pin.version} and cannot get it: ${publishedRepositoryDir()} is absent, your chart cache ${userCache} does not have it, and ${failed} (run \`npm run plan\` once with network access, or set ${chartMirrorVariable} to a Helm repository that serves it)`,
                );
            }
            if (fs.existsSync(indexCopy)) publishedIndex = fs.readFileSync(indexCopy, "utf8");
        }
    }
    const files = readCachedChart(pin, dir);
    if (!files) throw oneLine(`the test chart cache ${dir} was not filled`);
    // A child plan must neither read nor write the user's cache: every cache location points here.
    return { dir, files, publishedIndex, env: { ...process.env, [chartCacheVariable]: dir, XDG_CACHE_HOME: dir } };
}

/** An index.yaml listing only the pinned version (its archive's name and digest), for a machine without the published one. */
export function pinnedVersionIndex(pin: ChartPin): string {
    const archive = `${pin.name}-${pin.version}.tgz`;
    return YAML.stringify({
        apiVersion: "v1",
        entries: { [pin.name]: [{ apiVersion: "v2", name: pin.name, version: pin.version, urls: [archive], digest: pin.sha256 }] },
    });
}

/** The index the loopback repository serves: the published one if the tests have it, else pinnedVersionIndex. */
export function repositoryIndex(): string {
    return testChartCache().publishedIndex ?? pinnedVersionIndex(gmsaPin());
}

/**
 * A Helm repository in a new temp dir (removed at exit; tests may change it): repositoryIndex()
 * and the verified gmsa-0.13.0.tgz from testChartCache(), so it can be served wherever the chart can be had.
 */
export function repositoryCopy(): string {
    const dir = tempDir("helm-repo-");
    const { files } = testChartCache();
    fs.writeFileSync(path.join(dir, "index.yaml"), repositoryIndex());
    fs.copyFileSync(files.archive, path.join(dir, path.basename(files.archive)));
    return dir;
}
