// Review fixes on issue 14, `npm run plan` as a user runs it: a --stack that contradicts the
// Pulumi.<name>.yaml given to --config-file is refused (it rendered dev's config as prod), and
// offline without the gmsa chart the count says how many files were really validated ("16 valid,
// 2 unchecked", not "all valid"). Everything is written under a temp dir (--out, the chart cache).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";

const projectRoot = path.resolve(__dirname, "..");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "first-hour-review-plan-cli-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

function plan(args: string[], env: NodeJS.ProcessEnv = {}) {
    return spawnSync(process.execPath, ["--import", "tsx", path.join(projectRoot, "tools", "plan.ts"), ...args], {
        cwd: projectRoot,
        encoding: "utf8",
        timeout: 240_000,
        env: { ...process.env, ...env },
    });
}

/** A Helm repository URL where nothing listens (a loopback port that was free a moment ago). */
function unreachableUrl(): Promise<string> {
    const server = net.createServer();
    return new Promise((resolve) =>
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(`http://127.0.0.1:${port}/charts/repo`));
        }),
    );
}

describe("--stack and a Pulumi.<name>.yaml --config-file must agree", () => {
    test("--stack prod --config-file Pulumi.dev.yaml: exit 2, saying the file is dev's, nothing written", () => {
        const out = path.join(scratch, "prod-from-dev");
        const r = plan(["--stack", "prod", "--config-file", "Pulumi.dev.yaml", "--out", out]);
        assert.equal(r.status, 2, r.stdout + r.stderr);
        assert.match(r.stderr, /^plan: --stack prod with --config-file Pulumi\.dev\.yaml: that file is the config of stack dev; use --stack dev/);
        assert.match(r.stderr, /\nusage: npm run plan -- /);
        assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
        assert.equal(fs.existsSync(out), false, "nothing rendered");
        // The same name given twice gets past the arguments: refused here for the missing --against file only.
        const same = plan(["--stack", "dev", "--config-file", "Pulumi.dev.yaml", "--against", path.join(scratch, "no-such-plan.json")]);
        assert.equal(same.status, 2);
        assert.match(same.stderr, /^plan: --against: /);
    });
});

describe("offline without the gmsa chart", () => {
    let run: ReturnType<typeof plan>;
    const out = path.join(scratch, "dev");
    before(async () => {
        run = plan(["--stack", "dev", "--out", out], {
            EKS_GMSA_CHART_CACHE: path.join(scratch, "empty-chart-cache"),
            EKS_GMSA_CHART_MIRROR: await unreachableUrl(),
            EKS_GMSA_CHART_REQUIRED: "",
        });
    });

    test("the plan says 16 of its 18 files are valid and 2 unchecked, not 'all valid'", () => {
        assert.equal(run.status, 0, run.stdout + run.stderr);
        assert.match(run.stdout, /\nmanifests: 18 files, 16 valid, 2 unchecked\n/);
        assert.doesNotMatch(run.stdout, /all valid/);
    });

    test("summary.md says the same, not 'every object valid'", () => {
        const summary = fs.readFileSync(path.join(out, "summary.md"), "utf8");
        assert.match(summary, /18 files in \[manifests\/\]\(manifests\/\): 16 valid, 2 unchecked;/);
        assert.doesNotMatch(summary, /every object valid/);
    });
});
