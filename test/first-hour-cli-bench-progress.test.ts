// A bench says what it is doing while it runs (it used to be silent for half a minute): progress
// lines on stderr, one per phase, while stdout keeps only the figures a script may parse. Runs
// `npm run bench:policy` at its smallest sizes (it writes nothing).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { test } from "node:test";

const projectRoot = path.resolve(__dirname, "..");

test("npm run bench:policy prints each phase on stderr as it starts, and only figure lines on stdout", () => {
    const r = spawnSync("npm", ["run", "--silent", "bench:policy", "--", "--sizes", "20", "--runs", "1", "--custom-resource-values", "1000"], {
        cwd: projectRoot,
        encoding: "utf8",
        timeout: 300_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const progress = r.stderr.trim().split("\n");
    assert.deepEqual(
        progress.map((line) => line.replace(/^bench:policy \[\d+\.\d s\]: /, "")),
        [
            "starting the policy pack",
            "warming up the pack and this process (200 and 2,000 resources)",
            "20 resources, run 1 of 1: in-process, through the protocol, protocol floor",
            "a custom resource of 1000 values among 1,000 resources, run 1 of 1: in-process, through the protocol, protocol floor",
        ],
    );
    const figures = r.stdout.trim().split("\n");
    assert.equal(figures.length, 3, r.stdout);
    for (const line of figures) assert.match(line, /^policy-time( \w+=[\w.]+)+$/);
    assert.match(figures[1], /^policy-time resources=20 runs=1 /);
    assert.match(figures[2], /^policy-time custom_resource_values=1000 /);
});
