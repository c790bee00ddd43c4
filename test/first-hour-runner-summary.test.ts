// The test command prints a summary of at most about 60 lines (files, counts, time, failures with
// the first lines of their errors) and keeps the full log in a file: test/support/run-tests.sh, as
// test/run-all.sh runs it, on small fixture test files in a temp dir (the log goes to another temp
// dir through EKS_GMSA_TEST_RESULTS; nothing is written in the checkout).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderSummary, SummaryCollector } from "./support/testSummary";

const root = path.join(__dirname, "..");
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), "eks-gmsa-runner-"));
    dirs.push(dir);
    return dir;
}

const FIXTURES: Record<string, string> = {
    "alpha-mixed.test.mjs": `
import { describe, test } from "node:test";
import assert from "node:assert/strict";
describe("orders", () => {
    test("accepts a valid order", () => {});
    test("rejects a negative quantity", () => { assert.equal(-1, 1, "quantity must be positive"); });
    test("talks to the warehouse", { skip: "needs the warehouse" }, () => {});
});
test("later", { todo: true }, () => {});
`,
    "alpha-fine.test.mjs": `
import { test } from "node:test";
test("one", () => { console.log("printed by a test"); });
test("two", () => {});
`,
    "beta-broken.test.mjs": `throw new Error("cannot load the fixture data");\n`,
};

function runTests(files: string[]) {
    const results = tempDir();
    // NODE_TEST_CONTEXT would make the inner `node --test` a subtest of this one.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync("bash", [path.join(root, "test/support/run-tests.sh"), ...files], {
        encoding: "utf8",
        timeout: 120_000,
        env: { ...env, EKS_GMSA_TEST_RESULTS: results },
    });
    return { ...r, log: path.join(results, "tests.log") };
}

test("a failing run: a short summary with the failures and their errors, the full log in a file, exit 1", { timeout: 120_000 }, () => {
    const dir = tempDir();
    for (const [name, text] of Object.entries(FIXTURES)) writeFileSync(path.join(dir, name), text);
    const r = runTests(Object.keys(FIXTURES).map((f) => path.join(dir, f)));
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.ok(lines.length <= 60, `${lines.length} lines`);
    // Before the run: what runs and where to follow it (the summary comes only at the end).
    assert.equal(
        lines[0],
        `run-tests.sh: 3 test files, two at a time; each test is logged as it ends in ${r.log} (tail -f it); the summary follows when all have run`,
    );
    // No TAP and no line per passing test.
    assert.doesNotMatch(r.stdout, /^(not )?ok \d+/m);
    assert.doesNotMatch(r.stdout, /accepts a valid order/);
    // Which files, how many tests, how long.
    // Few files: each on its own row.
    assert.match(r.stdout, /alpha-mixed\.test\.mjs\s+4 tests\s+1 passed\s+1 FAILED\s+1 skipped\s+\d+(ms|s)/);
    assert.match(r.stdout, /alpha-fine\.test\.mjs\s+2 tests\s+2 passed\s+\d+(ms|s)/);
    assert.match(r.stdout, /beta-broken\.test\.mjs\s+1 test\s+0 passed\s+1 FAILED/);
    assert.match(r.stdout, /^FAILED: 7 tests in 3 files, \d+(ms|s|m \d+s): 3 passed, 2 failed, 1 skipped, 1 todo$/m);
    // Each failure by name, with the first lines of its error and where.
    assert.match(
        r.stdout,
        /✗ .*alpha-mixed\.test\.mjs › orders › rejects a negative quantity\n\s+AssertionError: quantity must be positive\n\s+-1 !== 1\n\s+at .*alpha-mixed\.test\.mjs:6\n/,
    );
    assert.match(r.stdout, /✗ .*beta-broken\.test\.mjs › \(the file\)\n\s+Error: cannot load the fixture data/);
    assert.match(r.stdout, /^skipped \(1\): 1× needs the warehouse$/m);
    // The full log: every test, the stacks, what the tests printed.
    assert.match(r.stdout, new RegExp(`^full log: ${r.log.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"));
    const log = readFileSync(r.log, "utf8");
    for (const text of ["accepts a valid order", "rejects a negative quantity", "talks to the warehouse", "printed by a test", "alpha-mixed.test.mjs:6"]) {
        assert.ok(log.includes(text), `the log lacks ${text}`);
    }
});

test("a passing run exits 0 and says so in its summary", { timeout: 120_000 }, () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "fine.test.mjs"), FIXTURES["alpha-fine.test.mjs"]);
    const r = runTests([path.join(dir, "fine.test.mjs")]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^passed: 2 tests in 1 file, .*: 2 passed, 0 failed, 0 skipped$/m);
    assert.doesNotMatch(r.stdout, /failures/);
    assert.ok(existsSync(r.log));
});

test("many failures still fit in 60 lines; the rest are counted and left to the log", { timeout: 120_000 }, () => {
    const dir = tempDir();
    const body = Array.from({ length: 40 }, (_, i) => `test("case ${i}", () => { assert.equal(${i}, -1, "case ${i} is wrong"); });`).join("\n");
    writeFileSync(path.join(dir, "many.test.mjs"), `import { test } from "node:test";\nimport assert from "node:assert/strict";\n${body}\n`);
    const r = runTests([path.join(dir, "many.test.mjs")]);
    assert.equal(r.status, 1);
    const lines = r.stdout.trimEnd().split("\n");
    assert.ok(lines.length <= 60, `${lines.length} lines:\n${r.stdout}`);
    const shown = lines.filter((l) => l.includes("✗")).length;
    assert.ok(shown >= 5, `only ${shown} failures shown`);
    assert.match(r.stdout, new RegExp(`… and ${40 - shown} more failures: see the full log`));
    assert.match(readFileSync(r.log, "utf8"), /case 39 is wrong/);
});

test("renderSummary sums a group's counts when the files do not fit one a row", () => {
    const collector = new SummaryCollector();
    const event = (type: string, file: string, name: string, extra: object = {}) =>
        collector.add({ type, data: { file, name, nesting: 0, details: { duration_ms: 5 }, ...extra } });
    event("test:pass", "/r/test/ad-a.test.ts", "x");
    event("test:pass", "/r/test/ad-b.test.ts", "y", { skip: "needs root" });
    event("test:complete", "/r/test/ad-a.test.ts", "/r/test/ad-a.test.ts", { details: { duration_ms: 61_000 } });
    event("test:complete", "/r/test/ad-b.test.ts", "/r/test/ad-b.test.ts", { details: { duration_ms: 2_000 } });
    event("test:pass", "/r/test/pure.test.ts", "z");
    const text = (maxLines: number) => renderSummary(collector.summary(), { cwd: "/r", maxLines }).join("\n");
    assert.match(text(7), /^ {2}test\/ad-\*\.test \(2 files\)\s+2 tests\s+1 passed\s+1 skipped\s+1m 03s\s+a, b$/m);
    assert.match(text(7), /^ {2}test\/pure\.test\.ts\s+1 test\s+1 passed/m);
    assert.match(text(7), /^skipped \(1\): 1× needs root$/m);
    // With room, each file has its row.
    assert.match(text(60), /^ {2}test\/ad-a\.test\.ts\s+1 test\s+1 passed\s+1m 01s$/m);
});

test("this repository's test files with failures: at most 60 lines, and every file's name can be read off its row", () => {
    const files = readdirSync(path.join(root, "test"))
        .filter((f) => f.endsWith(".test.ts"))
        .map((f) => path.join(root, "test", f));
    assert.ok(files.length > 60, `${files.length} files: too few to need groups`);
    const collector = new SummaryCollector();
    for (const [i, file] of files.entries()) {
        const failed = i % 20 === 0;
        const details = failed ? { duration_ms: 5, error: new Error("broken\nsecond line") } : { duration_ms: 5 };
        collector.add({ type: failed ? "test:fail" : "test:pass", data: { file, name: "t", nesting: 0, details } });
        collector.add({ type: "test:complete", data: { file, name: file, nesting: 0, details: { duration_ms: 1_000 } } });
    }
    const lines = renderSummary(collector.summary(), { cwd: root, logFile: path.join(root, "test-results/tests.log"), maxLines: 59 });
    const text = lines.join("\n");
    assert.ok(lines.length <= 59, `${lines.length} lines:\n${text}`);
    assert.match(text, new RegExp(`^failures \\(${files.filter((_, i) => i % 20 === 0).length}\\):`, "m"));
    // A group's row names what tells its files apart (the next word of their names).
    // (on its row, or when the row is full on the line below it).
    const groups = lines.flatMap((l, i) => {
        const m = /^ {2}(\S+)-\*\.test \(\d+ files\)\s.*?\d(?:ms|s)(?: {2,}(\S.*))?$/.exec(l);
        const names = m && (m[2] ?? lines[i + 1].trim());
        return m && names ? [{ prefix: path.basename(m[1]), words: names.split(", ").map((w) => w.replace(/ ×\d+$/, "")) }] : [];
    });
    const unnamed = files
        .map((f) => path.basename(f))
        .filter(
            (base) =>
                !lines.some((l) => l.startsWith(`  test/${base} `)) &&
                !groups.some(
                    (g) => g.words.includes(base) || (base.startsWith(`${g.prefix}-`) && g.words.includes(base.slice(g.prefix.length + 1).split(/[-.]/)[0])),
                ),
        );
    assert.deepEqual(unnamed, [], text);
    // Large groups are split by their names' next word: none holds a third of the files.
    for (const l of lines) {
        const m = /\((\d+) files\)/.exec(l);
        if (m) assert.ok(Number(m[1]) <= files.length / 3, `too large a group: ${l}`);
    }
});
