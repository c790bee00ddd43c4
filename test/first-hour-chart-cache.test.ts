// Issue 14, item 3: the gmsa chart's CRD and values come from the chart's Helm repository (index,
// archive, pinned sha256) into a cache, not from a folder outside the repository. The same code
// `npm run plan` runs, against a repository served on 127.0.0.1 (the published index, or one
// listing the pinned version, and the verified archive: test/support/helmRepository.ts), with a
// temp cache.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import YAML from "yaml";
import { ChartError, chartCacheDir, chartCacheEntry, chartPin, loadChart, readCachedChart, type ChartPin } from "../tools/review/chartCache";
import { gmsaChartContracts } from "../tools/review/gmsaChart";
import { gmsaChartRepository } from "../components/gmsaWebhook";
import { gmsaChartVersions } from "../settings/validate";
import { gmsaPin, repositoryCopy, repositoryIndex, serveDirectory, unreachableRepositoryUrl } from "./support/helmRepository";

const temps: string[] = [];
const tempDir = (prefix: string): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    temps.push(dir);
    return dir;
};
after(() => {
    for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});

const pin = gmsaPin();
/** The gmsa versions of the index the loopback repository serves, with their digests. */
const servedVersions = (): { version: string; digest: string }[] => YAML.parse(repositoryIndex()).entries.gmsa;
/** A repository with the chart, served on loopback for every test here that only reads it. */
let repository: string;
before(() => {
    repository = repositoryCopy();
});

/** A plan with the gmsa release as the program registers it. */
const planWithGmsa = (version = "0.13.0") => ({
    resources: [{ type: "kubernetes:helm.sh/v3:Release", inputs: { chart: "gmsa", version, repositoryOpts: { repo: gmsaChartRepository } } }],
});

describe("the pin", () => {
    test("gmsa 0.13.0 from the upstream repository is pinned to the digest the published index gives it", () => {
        assert.equal(pin.repository, gmsaChartRepository);
        assert.equal(pin.sha256, servedVersions().find((e) => e.version === "0.13.0")?.digest);
    });

    test("every chart version the settings accept (gmsa.webhook.chartVersion) has a pin", () => {
        for (const version of gmsaChartVersions) assert.doesNotThrow(() => chartPin("gmsa", version, gmsaChartRepository), version);
    });
});

describe("the chart cache against the published repository on loopback", () => {
    const cacheDir = tempDir("chart-cache-");

    test("the first load fetches index.yaml, then the archive it lists, and fills the cache", async () => {
        const server = await serveDirectory(repository);
        try {
            const loaded = await loadChart(pin, { cacheDir, repository: server.url });
            assert.ok("files" in loaded, JSON.stringify(loaded));
            assert.equal(loaded.fetchedFrom, `${server.url}/gmsa-0.13.0.tgz`);
            assert.deepEqual(server.requests, ["/charts/repo/index.yaml", "/charts/repo/gmsa-0.13.0.tgz"]);
            assert.match(loaded.files.chartYaml, /^name: gmsa$/m);
            assert.match(loaded.files.valuesYaml, /^randomHostname: false$/m);
            assert.deepEqual(
                loaded.files.crds.map((c) => c.file),
                ["crds/crds.yaml"],
            );
            assert.match(loaded.files.crds[0].text, /name: gmsacredentialspecs\.windows\.k8s\.io/);
        } finally {
            await server.close();
        }
        const entry = chartCacheEntry(pin, cacheDir);
        assert.deepEqual((fs.readdirSync(entry.dir, { recursive: true }) as string[]).sort(), [
            "Chart.yaml",
            "crds",
            path.join("crds", "crds.yaml"),
            "gmsa-0.13.0.tgz",
            "values.yaml",
        ]);
        assert.equal(
            fs.readdirSync(entry.dir).some((f) => f.endsWith(".partial")),
            false,
            "no half-written files",
        );
    });

    test("the second load reads the cache: it works with the repository down", async () => {
        const loaded = await loadChart(pin, { cacheDir, repository: await unreachableRepositoryUrl() });
        assert.ok("files" in loaded, JSON.stringify(loaded));
        assert.equal(loaded.fetchedFrom, undefined);
        assert.match(loaded.files.valuesYaml, /^replicaCount: /m);
    });

    test("a cached archive changed after it was fetched is refused, never read", async () => {
        const changed = tempDir("chart-cache-changed-");
        fs.cpSync(cacheDir, changed, { recursive: true });
        const archive = chartCacheEntry(pin, changed).archive;
        const bytes = fs.readFileSync(archive);
        bytes[bytes.length - 20] ^= 0xff;
        fs.writeFileSync(archive, bytes);
        assert.throws(
            () => readCachedChart(pin, changed),
            (e: Error) =>
                e instanceof ChartError && e.message.includes(archive) && e.message.includes(`not the digest pinned for chart gmsa 0.13.0 (${pin.sha256}`),
        );
        await assert.rejects(loadChart(pin, { cacheDir: changed, repository: await unreachableRepositoryUrl() }), ChartError);
    });
});

describe("what the repository serves is checked", () => {
    test("a tampered archive (the index unchanged) is refused and nothing is cached", async () => {
        const repo = repositoryCopy();
        const archive = path.join(repo, "gmsa-0.13.0.tgz");
        const bytes = fs.readFileSync(archive);
        bytes[100] ^= 0x01;
        fs.writeFileSync(archive, bytes);
        const cacheDir = tempDir("chart-cache-");
        const server = await serveDirectory(repo);
        try {
            await assert.rejects(loadChart(pin, { cacheDir, repository: server.url }), (e: Error) => {
                assert.ok(e instanceof ChartError, e.message);
                assert.match(
                    e.message,
                    new RegExp(
                        `^${server.url}/gmsa-0\\.13\\.0\\.tgz has sha256 [0-9a-f]{64}, not the digest pinned for chart gmsa 0\\.13\\.0 \\(${pin.sha256}, tools/review/pinned-charts\\.json\\): refusing it$`,
                    ),
                );
                return true;
            });
        } finally {
            await server.close();
        }
        assert.equal(fs.existsSync(chartCacheEntry(pin, cacheDir).archive), false);
    });

    test("an index whose digest for the version differs from the pin is refused before the archive is fetched", async () => {
        const repo = repositoryCopy();
        const index = path.join(repo, "index.yaml");
        fs.writeFileSync(index, fs.readFileSync(index, "utf8").replace(pin.sha256, "0".repeat(64)));
        const server = await serveDirectory(repo);
        try {
            await assert.rejects(
                loadChart(pin, { cacheDir: tempDir("chart-cache-"), repository: server.url }),
                /index\.yaml gives chart gmsa 0\.13\.0 the digest 0{64}, not the pinned d129b67f\S+ \(tools\/review\/pinned-charts\.json\): refusing it/,
            );
            assert.deepEqual(server.requests, ["/charts/repo/index.yaml"]);
        } finally {
            await server.close();
        }
    });

    test("a version the index lacks is an error naming it and the versions there are", async () => {
        const missing: ChartPin = { ...pin, version: "0.14.0" };
        const server = await serveDirectory(repository);
        try {
            await assert.rejects(loadChart(missing, { cacheDir: tempDir("chart-cache-"), repository: server.url }), (e: Error) => {
                assert.ok(e instanceof ChartError);
                assert.equal(
                    e.message,
                    `${server.url}/index.yaml has no version 0.14.0 of chart gmsa (it has ${servedVersions()
                        .map((v) => v.version)
                        .join(", ")})`,
                );
                return true;
            });
        } finally {
            await server.close();
        }
    });

    test("a version with no pin is an error saying where to pin it", async () => {
        await assert.rejects(
            gmsaChartContracts(planWithGmsa("0.12.1"), { env: { EKS_GMSA_CHART_CACHE: tempDir("chart-cache-") } }),
            /chart gmsa 0\.12\.1 from https:\/\/raw\.githubusercontent\.com\/\S+ has no pinned digest in tools\/review\/pinned-charts\.json; add one/,
        );
    });
});

describe("no cache and no network", () => {
    test("says so in one line naming the cache, the URL and the reason", async () => {
        const url = await unreachableRepositoryUrl();
        const cacheDir = tempDir("chart-cache-");
        const loaded = await loadChart(pin, { cacheDir, repository: url });
        assert.ok("unavailable" in loaded);
        assert.match(
            loaded.unavailable,
            new RegExp(
                `^the gmsa chart 0\\.13\\.0 is not cached \\(${cacheDir}\\) and ${url}/index\\.yaml cannot be reached: connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+$`,
            ),
        );
    });

    test("the plan's contracts: one warning line, and the credential specs and values reported unchecked", async () => {
        const lines: string[] = [];
        const env = { EKS_GMSA_CHART_CACHE: tempDir("chart-cache-"), EKS_GMSA_CHART_MIRROR: await unreachableRepositoryUrl() };
        const contracts = await gmsaChartContracts(planWithGmsa(), { env, log: (l) => lines.push(l) });
        assert.equal(lines.length, 1);
        assert.match(
            lines[0],
            /^warning: the gmsa chart 0\.13\.0 is not cached \(.*\) and http:\/\/127\.0\.0\.1:\d+\/charts\/repo\/index\.yaml cannot be reached: connect ECONNREFUSED \S+; the CRD and values checks are skipped$/,
        );
        assert.deepEqual(contracts.customResources.get("windows.k8s.io/v1/GMSACredentialSpec"), {
            unavailable: "the gmsa chart 0.13.0 is not cached and its repository cannot be reached",
        });
        assert.deepEqual(contracts.helmValues.get("gmsa@0.13.0"), { unavailable: "the gmsa chart 0.13.0 is not cached and its repository cannot be reached" });
    });

    test("with EKS_GMSA_CHART_REQUIRED set (CI) it is an error instead", async () => {
        const env = { EKS_GMSA_CHART_CACHE: tempDir("chart-cache-"), EKS_GMSA_CHART_MIRROR: await unreachableRepositoryUrl(), EKS_GMSA_CHART_REQUIRED: "1" };
        await assert.rejects(
            gmsaChartContracts(planWithGmsa(), { env }),
            /cannot be reached: .*; EKS_GMSA_CHART_REQUIRED is set, so the CRD and values checks may not be skipped$/,
        );
    });
});

describe("where the cache is", () => {
    test("EKS_GMSA_CHART_CACHE, else $XDG_CACHE_HOME/eks-gmsa/charts (an absolute one), else ~/.cache/eks-gmsa/charts", () => {
        assert.equal(chartCacheDir({ EKS_GMSA_CHART_CACHE: "/srv/charts", XDG_CACHE_HOME: "/x" }, "/home/u"), "/srv/charts");
        assert.equal(chartCacheDir({ XDG_CACHE_HOME: "/x" }, "/home/u"), "/x/eks-gmsa/charts");
        assert.equal(chartCacheDir({ XDG_CACHE_HOME: "relative" }, "/home/u"), "/home/u/.cache/eks-gmsa/charts");
        assert.equal(chartCacheDir({}, "/home/u"), "/home/u/.cache/eks-gmsa/charts");
    });
});

describe("the GitHub workflow", () => {
    test("the pull request's plan may not skip the chart checks (EKS_GMSA_CHART_REQUIRED on its step), and nothing reads ../shared", () => {
        const text = fs.readFileSync(path.join(__dirname, "..", ".github", "workflows", "policy.yml"), "utf8");
        const workflow = YAML.parse(text) as {
            jobs: Record<string, { steps: { name?: string; run?: string; env?: Record<string, string>; "working-directory"?: string }[] }>;
        };
        const planSteps = workflow.jobs.plan.steps.filter((s) => /npm run plan/.test(s.run ?? "") && s["working-directory"] === undefined);
        assert.equal(planSteps.length, 1);
        assert.equal(planSteps[0].env?.EKS_GMSA_CHART_REQUIRED, "1");
        assert.doesNotMatch(text, /shared\/reference/);
    });
});
