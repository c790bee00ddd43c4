// Issue 14, item 3, end to end: `npm run plan` in a copy of this project with no ../shared beside
// it (a plain clone) checks the credential specs against the chart's CRD and the release's values
// against its values.yaml, from the chart cache: filled from the repository the first time, read
// from the cache with the repository down, and one line when neither is there. The copy and the
// cache are temp dirs (the checkout's out/ and the user's cache are never touched).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { repositoryCopy, serveDirectory, unreachableRepositoryUrl } from "./support/helmRepository";

const projectRoot = path.resolve(__dirname, "..");
const temp = fs.mkdtempSync(path.join(os.tmpdir(), "plain-clone-"));
after(() => fs.rmSync(temp, { recursive: true, force: true }));

/** The project's files without node_modules, out/ or git: `<temp>/eks-gmsa`, so `../shared` is absent. */
const clone = path.join(temp, "eks-gmsa");
before(() => {
    fs.cpSync(projectRoot, clone, {
        recursive: true,
        filter: (src) => !["node_modules", "out", ".git"].includes(path.basename(src)) || path.dirname(src) !== projectRoot,
    });
    fs.symlinkSync(path.join(projectRoot, "node_modules"), path.join(clone, "node_modules"), "dir");
});

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** `npm run plan -- --stack dev` in the clone, with its own HOME and chart cache (async: the loopback server must answer). */
function plan(env: Record<string, string>): Promise<Run> {
    const home = path.join(temp, "home");
    fs.mkdirSync(home, { recursive: true });
    const child = spawn(process.execPath, ["--import", "tsx", path.join(clone, "tools", "plan.ts"), "--stack", "dev"], {
        cwd: clone,
        env: { PATH: process.env.PATH ?? "", HOME: home, XDG_CACHE_HOME: path.join(home, ".cache"), ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    return new Promise((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr })));
}

const manifest = (file: string): string => fs.readFileSync(path.join(clone, "out", "dev", "manifests", file), "utf8");

describe("npm run plan on a plain clone (no ../shared)", () => {
    const cache = path.join(temp, "chart-cache");

    test("the copy has no ../shared", () => {
        assert.equal(fs.existsSync(path.join(clone, "..", "shared")), false);
    });

    test("first run: fetches the pinned chart into the cache, then checks the credential spec and the values", async () => {
        // The repository: its index and the pinned archive (verified), as test/support/helmRepository.ts has them.
        const server = await serveDirectory(repositoryCopy());
        let run: Run;
        try {
            run = await plan({ EKS_GMSA_CHART_CACHE: cache, EKS_GMSA_CHART_MIRROR: server.url });
        } finally {
            await server.close();
        }
        assert.equal(run.status, 0, run.stdout + run.stderr);
        assert.match(
            run.stdout,
            new RegExp(
                `\\nplan: fetched the gmsa chart 0\\.13\\.0 from ${server.url}/gmsa-0\\.13\\.0\\.tgz \\(sha256 as pinned\\) into ${path.join(cache, "gmsa-0.13.0")}\\n`,
            ),
        );
        assert.match(run.stdout, /\nmanifests: 18 files, all valid\n/);
        assert.doesNotMatch(run.stdout + run.stderr, /warning|unchecked|not checked/);
        assert.match(
            manifest("gmsacredentialspec.webapp01.yaml"),
            /^# checked against: the GMSACredentialSpec CRD v1 schema \(strict\) of the gmsa chart 0\.13\.0$/m,
        );
        assert.match(
            manifest("helm-release.gmsa-webhook.gmsa-webhook.yaml"),
            /^# checked against: value keys checked against the gmsa chart 0\.13\.0 values\.yaml$/m,
        );
        assert.ok(fs.existsSync(path.join(cache, "gmsa-0.13.0", "gmsa-0.13.0.tgz")));
    });

    test("later runs read the cache: the same checks with the repository unreachable", async () => {
        const run = await plan({ EKS_GMSA_CHART_CACHE: cache, EKS_GMSA_CHART_MIRROR: await unreachableRepositoryUrl() });
        assert.equal(run.status, 0, run.stdout + run.stderr);
        assert.doesNotMatch(run.stdout, /fetched|warning/);
        assert.match(run.stdout, /\nmanifests: 18 files, all valid\n/);
        assert.match(
            manifest("gmsacredentialspec.webapp01.yaml"),
            /^# checked against: the GMSACredentialSpec CRD v1 schema \(strict\) of the gmsa chart 0\.13\.0$/m,
        );
    });

    test("no cache and no network: one line says so, and the credential spec and values are reported unchecked", async () => {
        const empty = path.join(temp, "empty-cache");
        const url = await unreachableRepositoryUrl();
        const run = await plan({ EKS_GMSA_CHART_CACHE: empty, EKS_GMSA_CHART_MIRROR: url });
        assert.equal(run.status, 0, run.stdout + run.stderr);
        const why = run.stdout.split("\n").filter((l) => l.includes("not cached ("));
        assert.equal(why.length, 1, run.stdout);
        assert.equal(run.stdout.split("\n").filter((l) => /warning|cannot be reached/.test(l)).length, 1, `said once: ${run.stdout}`);
        const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        assert.match(
            why[0],
            new RegExp(
                `^plan: warning: the gmsa chart 0\\.13\\.0 is not cached \\(${escape(empty)}\\) and ${escape(url)}/index\\.yaml cannot be reached: connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+; the CRD and values checks are skipped$`,
            ),
        );
        assert.match(run.stdout, /\nmanifests: 18 files, 16 valid, 2 unchecked\n/);
        assert.match(
            manifest("gmsacredentialspec.webapp01.yaml"),
            /^# checked against: nothing: the gmsa chart 0\.13\.0 is not cached and its repository cannot be reached$/m,
        );
        assert.equal(fs.existsSync(path.join(empty, "gmsa-0.13.0", "gmsa-0.13.0.tgz")), false);
    });

    test("a cached archive changed since it was fetched fails the plan in one line, never read", async () => {
        const changed = path.join(temp, "changed-cache");
        fs.cpSync(cache, changed, { recursive: true });
        const archive = path.join(changed, "gmsa-0.13.0", "gmsa-0.13.0.tgz");
        const bytes = fs.readFileSync(archive);
        bytes[bytes.length - 20] ^= 0xff;
        fs.writeFileSync(archive, bytes);
        const run = await plan({ EKS_GMSA_CHART_CACHE: changed, EKS_GMSA_CHART_MIRROR: await unreachableRepositoryUrl() });
        assert.equal(run.status, 1, run.stdout + run.stderr);
        assert.equal(run.stderr.split("\n").filter(Boolean).length, 1, run.stderr);
        assert.ok(run.stderr.startsWith(`plan: the cached archive ${archive} (delete it to fetch the chart again) has sha256 `), run.stderr);
        assert.match(
            run.stderr,
            /has sha256 [0-9a-f]{64}, not the digest pinned for chart gmsa 0\.13\.0 \(d129b67f17b0d634a86a3573b760b518006bce53f56d677db4009049a51323bc, tools\/review\/pinned-charts\.json\): refusing it\n$/,
        );
        assert.doesNotMatch(run.stdout, /^manifests:/m);
    });
});
