// Review fixes on issue 14: `npm run bench` and `npm run bench:scale` time `npm run plan` runs; they
// must not replace the user's out/<stack>/ nor leave out/<scale stack>/ folders behind. The stack
// here has a name no user has (its out/ folder, if a bench wrote one, is removed afterwards).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, test } from "node:test";
import { timePlan } from "../bench/planRun";

const projectRoot = path.resolve(__dirname, "..");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "first-hour-review-bench-"));
const stack = `bench-probe-${process.pid}`;
const outDir = path.join(projectRoot, "out");
const hadOut = fs.existsSync(outDir);
after(() => {
    fs.rmSync(path.join(outDir, stack), { recursive: true, force: true });
    if (!hadOut && fs.existsSync(outDir) && fs.readdirSync(outDir).length === 0) fs.rmdirSync(outDir);
    fs.rmSync(scratch, { recursive: true, force: true });
});

test("a timed plan run writes nothing into out/ and leaves no plan behind in the temp dir", () => {
    const configFile = path.join(scratch, `Pulumi.${stack}.yaml`);
    fs.copyFileSync(path.join(projectRoot, "Pulumi.dev.yaml"), configFile);
    const tmp = path.join(scratch, "tmp");
    fs.mkdirSync(tmp);
    const savedTmp = process.env.TMPDIR;
    // Offline and uncached: the plan goes on with a warning (this test must not fill the user's chart cache).
    const savedCache = process.env.EKS_GMSA_CHART_CACHE;
    const savedMirror = process.env.EKS_GMSA_CHART_MIRROR;
    process.env.TMPDIR = tmp;
    process.env.EKS_GMSA_CHART_CACHE = path.join(scratch, "chart-cache");
    process.env.EKS_GMSA_CHART_MIRROR = "http://127.0.0.1:9/charts/repo";
    let timing;
    try {
        timing = timePlan(["--stack", stack, "--config-file", configFile]);
    } finally {
        const restore = (key: string, value: string | undefined) => (value === undefined ? delete process.env[key] : (process.env[key] = value));
        restore("TMPDIR", savedTmp);
        restore("EKS_GMSA_CHART_CACHE", savedCache);
        restore("EKS_GMSA_CHART_MIRROR", savedMirror);
    }
    assert.ok(timing.resources > 50, `timed a real plan (${timing.resources} resources)`);
    assert.ok(timing.phases.program > 0);
    assert.equal(fs.existsSync(path.join(outDir, stack)), false, `the bench wrote out/${stack}/`);
    const leftovers = fs
        .readdirSync(tmp, { recursive: true })
        .map(String)
        .filter((f) => path.basename(f) === "plan.json");
    assert.deepEqual(leftovers, [], "the plan's temp folder is removed");
});
