// The five command lines (npm run plan, plan:app, policy, ad and the benches) follow one convention
// (tools/cli.ts): -h/--help is help only where a flag is expected, never as a flag's value; `help`
// only as the first argument; an unknown argument is reported before a missing one. Each case runs
// the npm script as a user types it, and none of them renders a stack or writes a file.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, test } from "node:test";
import { readArgs } from "../tools/cli";

const projectRoot = path.resolve(__dirname, "..");

function npmRun(script: string, args: string[]) {
    const r = spawnSync("npm", ["run", "--silent", script, "--", ...args], { cwd: projectRoot, encoding: "utf8", timeout: 120_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("-h where a value is expected is a missing value, not help (exit 2, nothing run)", () => {
    const cases: [string, string[], RegExp][] = [
        ["policy", ["out/dev/plan.json", "--report", "-h"], /^policy: --report needs a file\n\nusage: npm run policy -- /],
        [
            "plan:app",
            ["--app", "examples/app", "--platform", "examples/app/platform-outputs.dev.json", "--stack", "-h"],
            /^plan:app: --stack needs a stack name\n\nusage: npm run plan:app -- /,
        ],
        ["bench", ["--runs", "--help"], /^bench: --runs needs a value \(<n>\)\n\nusage: npm run bench -- /],
        ["bench:policy", ["--runs", "-h"], /^bench:policy: --runs needs a value \(<n>\)\n\nusage: npm run bench:policy -- /],
    ];
    for (const [script, args, message] of cases) {
        test(`npm run ${script} -- ${args.join(" ")}`, () => {
            const r = npmRun(script, args);
            assert.equal(r.status, 2, r.stdout + r.stderr);
            assert.equal(r.stdout, "");
            assert.match(r.stderr, message);
        });
    }

    test("npm run ad -- discover --url -h: --url's missing value, then discover's usage", () => {
        const r = npmRun("ad", ["discover", "--url", "-h"]);
        assert.equal(r.status, 2, r.stdout + r.stderr);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /^ad: argument --url: expected one argument\n\nusage: npm run ad -- discover /);
    });
});

describe("`help` is a request for help only as the first argument, for every tool", () => {
    test("npm run plan -- --stack dev help: an unknown argument, exit 2, no plan rendered", () => {
        const r = npmRun("plan", ["--stack", "dev", "help"]);
        assert.equal(r.status, 2, r.stdout + r.stderr);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /^plan: unknown argument "help"\n\nusage: npm run plan -- /);
    });

    for (const script of ["plan", "plan:app", "policy", "bench:scale", "ad"]) {
        test(`npm run ${script} -- help: the usage on stdout, exit 0`, () => {
            const r = npmRun(script, ["help"]);
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.stderr, "");
            assert.match(r.stdout, new RegExp(`^usage: npm run ${script} -- `));
        });
    }
});

describe("npm run ad: an unknown argument is reported as unknown, before a missing one", () => {
    test("npm run ad -- --bogus", () => {
        const r = npmRun("ad", ["--bogus"]);
        assert.equal(r.status, 2, r.stderr);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /^ad: unrecognized arguments: --bogus\n/);
        assert.match(r.stderr, /usage: npm run ad -- \[-h\] <command>/);
    });

    test("npm run ad -- discover --bogus (no --url, no --user either)", () => {
        const r = npmRun("ad", ["discover", "--bogus"]);
        assert.equal(r.status, 2, r.stderr);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /^ad: unrecognized arguments: --bogus\n\nusage: npm run ad -- discover \[-h\] --url URL --user USER/);
    });

    test("npm run ad -- provision --force --account 'App$': the unknown flag first, then nothing else", () => {
        const r = npmRun("ad", ["provision", "--force", "--account", "App$"]);
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /^ad: unrecognized arguments: --force\n/);
    });
});

describe("the other tools report an unknown argument before a missing or bad one", () => {
    test("npm run plan:app -- --bogus (no --app, no --platform either)", () => {
        const r = npmRun("plan:app", ["--bogus"]);
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /^plan:app: unknown argument "--bogus"\n/);
    });

    test("npm run bench -- --runs 0 --bogus", () => {
        const r = npmRun("bench", ["--runs", "0", "--bogus"]);
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /^bench: unknown argument "--bogus"\n/);
    });
});

describe("the stack name is checked alike by plan, plan:app and the benches", () => {
    for (const script of ["plan", "plan:app", "bench"]) {
        test(`npm run ${script} -- --stack ../dev`, () => {
            const r = npmRun(
                script,
                script === "plan:app"
                    ? ["--app", "examples/app", "--platform", "examples/app/platform-outputs.dev.json", "--stack", "../dev"]
                    : ["--stack", "../dev"],
            );
            assert.equal(r.status, 2, r.stderr);
            assert.equal(r.stdout, "");
            assert.match(r.stderr, new RegExp(`^${script}: --stack "\\.\\./dev":? is not a stack name \\(letters, digits, '-', '_', '\\.'\\)\\n`));
        });
    }
});

describe("readArgs (tools/cli.ts) on its own", () => {
    const flags = { "--out": { value: "a directory" }, "--check": {} };

    test("--flag=value is --flag value", () => {
        assert.deepEqual(readArgs(["--out=x/y", "--check"], flags), { kind: "args", flags: { "--out": "x/y", "--check": true }, positionals: [] });
    });

    test("a switch given a value, and a value flag given none, are refused", () => {
        assert.deepEqual(readArgs(["--check=yes"], flags), { kind: "error", message: "--check takes no value" });
        assert.deepEqual(readArgs(["--out"], flags), { kind: "error", message: "--out needs a directory" });
        assert.deepEqual(readArgs(["--out", "--check"], flags), { kind: "error", message: "--out needs a directory" });
    });

    test("help: -h after a complete flag, `help` first; an unknown argument wins over a missing value", () => {
        assert.deepEqual(readArgs(["--out", "x", "-h"], flags), { kind: "help" });
        assert.deepEqual(readArgs(["help", "--bogus"], flags), { kind: "help" });
        assert.deepEqual(readArgs(["--out", "--bogus"], flags), { kind: "error", message: 'unknown argument "--bogus"' });
        assert.deepEqual(readArgs(["a", "b"], flags, 1), { kind: "error", message: 'unknown argument "b"' });
    });
});
