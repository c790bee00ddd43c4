// The gmsa chart's Helm repository for tests: the published index.yaml and gmsa-0.13.0.tgz from
// ../shared/reference/windows-gmsa-helm-repo/, served over HTTP on 127.0.0.1 (no internet), and a
// temporary chart cache filled from it by the same code `npm run plan` uses. Nothing here writes
// outside os.tmpdir(); the user's own chart cache is never written.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { chartCacheDir, chartCacheEntry, chartCacheVariable, chartPin, readCachedChart, type ChartFiles, type ChartPin } from "../../tools/review/chartCache";
import { gmsaChartRepository } from "../../components/gmsaWebhook";

const projectRoot = path.resolve(__dirname, "..", "..");

/** The published repository: index.yaml (every gmsa version, with digests) and gmsa-0.13.0.tgz. */
export const publishedRepositoryDir = path.join(projectRoot, "..", "shared", "reference", "windows-gmsa-helm-repo");

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
                close: () => new Promise<void>((done) => {
                    server.closeAllConnections();
                    server.close(() => done());
                }),
            });
        });
    });
}

/** A copy of the published repository in a temp dir, for tests that change it. */
export function copyOfPublishedRepository(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "helm-repo-"));
    for (const f of fs.readdirSync(publishedRepositoryDir)) fs.copyFileSync(path.join(publishedRepositoryDir, f), path.join(dir, f));
    return dir;
}

/** A URL where nothing listens: a port that was free a moment ago. */
export async function unreachableRepositoryUrl(): Promise<string> {
    const server = await serveDirectory(os.tmpdir());
    await server.close();
    return server.url;
}

export interface TestChartCache {
    dir: string;
    /** The environment for a child `npm run plan` that must find the chart in this cache. */
    env: NodeJS.ProcessEnv;
    files: ChartFiles;
}

let shared: TestChartCache | undefined;

/**
 * A temporary chart cache holding the pinned gmsa chart, filled once per test process and removed
 * when it exits: fetched from the loopback repository (test/support/fillChartCache.ts, in a child
 * process so that this stays synchronous for test files' top-level reads); on a machine without
 * ../shared, copied from the user's chart cache (read, verified, never written) when it has it.
 */
export function testChartCache(): TestChartCache {
    if (shared) return shared;
    const pin = gmsaPin();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chart-cache-"));
    process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    if (fs.existsSync(publishedRepositoryDir)) {
        execFileSync(process.execPath, ["--import", "tsx", path.join(__dirname, "fillChartCache.ts"), dir], { cwd: projectRoot, stdio: ["ignore", "ignore", "inherit"], timeout: 60_000 });
    } else {
        const own = readCachedChart(pin, chartCacheDir());
        if (!own) throw new Error(`the tests read the gmsa chart ${pin.version} from a Helm repository served from ${publishedRepositoryDir}, or from the chart cache ${chartCacheDir()}: neither is on this machine (run \`npm run plan\` once with network access)`);
        const target = chartCacheEntry(pin, dir).archive;
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.copyFileSync(own.archive, target);
    }
    const files = readCachedChart(pin, dir);
    if (!files) throw new Error(`the test chart cache ${dir} was not filled`);
    // A child plan must neither read nor write the user's cache: every cache location points here.
    shared = { dir, files, env: { ...process.env, [chartCacheVariable]: dir, XDG_CACHE_HOME: dir } };
    return shared;
}
