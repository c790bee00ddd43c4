// A failure at run time is one line naming what failed, exit 1 (2 means bad arguments), never a
// stack trace; and an --out that cannot be made ends at once (Node's recursive mkdir spins forever
// on /proc/<x>, where procfs answers ENOENT under a parent that exists).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { makeDirectory } from "../tools/cli";

const projectRoot = path.resolve(__dirname, "..");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "first-hour-cli-failures-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

// A regular file: a directory cannot be made inside it (ENOTDIR), on any Linux.
const aFile = path.join(scratch, "a-file");
fs.writeFileSync(aFile, "");

function npmRun(script: string, args: string[], timeout = 120_000) {
    const r = spawnSync("npm", ["run", "--silent", script, "--", ...args], { cwd: projectRoot, encoding: "utf8", timeout, killSignal: "SIGKILL" });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, timedOut: (r.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT" };
}

const app = ["--app", "examples/app", "--platform", "examples/app/platform-outputs.dev.json"];

describe("npm run plan:app: an --out that cannot be written", () => {
    test("inside a regular file: one line naming the directory and ENOTDIR, exit 1", () => {
        const r = npmRun("plan:app", [...app, "--out", path.join(aFile, "x")]);
        assert.equal(r.status, 1, r.stderr);
        assert.equal(
            r.stderr,
            `plan:app: nothing usable written to --out ${path.join(aFile, "x")}: cannot create ${path.join(aFile, "x")}: ENOTDIR (not a directory)\n`,
        );
    });

    test("under /proc: ends within seconds with ENOENT, exit 1", { skip: !fs.existsSync("/proc/self") && "no procfs here" }, () => {
        const r = npmRun("plan:app", [...app, "--out", "/proc/eks-gmsa-nope"], 60_000);
        assert.equal(r.timedOut, false, "still running after 60 s");
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stderr, /^plan:app: nothing usable written to --out \/proc\/eks-gmsa-nope: cannot create \/proc\/eks-gmsa-nope: ENOENT/);
        assert.doesNotMatch(r.stderr, /\n\s+at /);
    });
});

describe("npm run policy: a --report that cannot be written", () => {
    test("one line naming the file's directory, exit 1, after the report on stdout", () => {
        const plan = path.join(scratch, "plan.json");
        fs.writeFileSync(plan, JSON.stringify({ project: "eks-gmsa", stack: "dev", resources: [], outputs: {} }));
        const r = npmRun("policy", [plan, "--report", path.join(aFile, "report.json")]);
        assert.equal(r.status, 1, r.stderr);
        assert.equal(r.stderr, `policy: the report was not written: cannot create ${aFile}: ENOTDIR (not a directory)\n`);
        assert.match(r.stdout, /PASSED/);
    });
});

describe("makeDirectory (tools/cli.ts) on its own", () => {
    test("makes every missing level, and an existing directory is fine", () => {
        const deep = path.join(scratch, "a", "b", "c");
        makeDirectory(deep);
        makeDirectory(deep);
        assert.ok(fs.statSync(deep).isDirectory());
    });

    test("a path through a file throws ENOTDIR naming it", () => {
        assert.throws(() => makeDirectory(aFile), { code: "ENOTDIR", path: aFile });
        assert.throws(() => makeDirectory(path.join(aFile, "x", "y")), { code: "ENOTDIR" });
    });

    test("under /proc it throws at once instead of spinning", { skip: !fs.existsSync("/proc/self") && "no procfs here" }, () => {
        assert.throws(() => makeDirectory("/proc/eks-gmsa-nope/x"), { code: "ENOENT" });
    });
});
