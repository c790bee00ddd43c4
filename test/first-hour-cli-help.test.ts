// A new user's first commands: `npm run ad`, `npm run policy` and the benches answer --help, -h and
// help with a usage on stdout that says what each command does (exit 0), also on a machine whose
// Python has no Samba bindings yet; a wrong argument exits 2 with the message and the usage on
// stderr. Each case runs the npm script as a user types it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";

const projectRoot = path.resolve(__dirname, "..");

/** `npm run <script> -- <args>` in the project, as a user runs it. */
function npmRun(script: string, args: string[], env: Record<string, string> = {}) {
    const r = spawnSync("npm", ["run", "--silent", script, "--", ...args], {
        cwd: projectRoot,
        encoding: "utf8",
        timeout: 120_000,
        env: { ...process.env, ...env },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// A Python 3 that cannot import Samba's bindings, as on a laptop before `apt-get install
// python3-samba`: the system Python without its site packages (where the bindings live).
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "first-hour-cli-"));
const pythonWithoutSamba = path.join(scratch, "python3");
fs.writeFileSync(pythonWithoutSamba, `#!/bin/sh\nexec ${fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3"} -S "$@"\n`, { mode: 0o755 });
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const adCommands: [string, RegExp][] = [
    ["discover", /discover\s+print the domain's facts/],
    ["provision", /provision\s+create or correct the readers' group, the gMSAs and the\s+portable identity/],
    ["remove", /remove\s+remove a gMSA/],
    ["verify", /verify\s+check the whole chain/],
    ["node-join", /node-join\s+add a node's computer account to the readers' group/],
    ["node-cleanup", /node-cleanup\s+delete a removed node's computer account/],
    ["host", /host\s+run the management host's payload/],
];

describe("npm run ad: help", () => {
    for (const ask of [["--help"], ["-h"], ["help"]]) {
        test(`npm run ad -- ${ask.join(" ")} prints every command and what it does, exit 0, even without Samba's bindings`, () => {
            const r = npmRun("ad", ask, { EKS_GMSA_PYTHON: pythonWithoutSamba });
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.stderr, "");
            assert.match(r.stdout, /^usage: npm run ad -- \[-h\] <command>/);
            for (const [name, description] of adCommands) assert.match(r.stdout, description, `${name} is not described`);
            // What a first-time user needs before any command works.
            assert.match(r.stdout, /AD_PASSWORD\s+the password of --user/);
            assert.match(r.stdout, /apt-get install python3-samba/);
        });
    }

    for (const ask of [
        ["provision", "--help"],
        ["help", "provision"],
    ]) {
        test(`npm run ad -- ${ask.join(" ")} prints what provision does and each of its flags, exit 0`, () => {
            const r = npmRun("ad", ask, { EKS_GMSA_PYTHON: pythonWithoutSamba });
            assert.equal(r.status, 0, r.stderr);
            assert.match(r.stdout, /^usage: npm run ad -- provision /);
            assert.match(r.stdout, /Create or correct the readers' group, the gMSAs and the portable identity\./);
            for (const flag of ["--url", "--user", "--account", "--group", "--identity-user", "--ou", "--owner"]) {
                assert.match(r.stdout, new RegExp(`^  ${flag} [A-Z_]+\\s+\\S`, "m"), `${flag} has no help`);
            }
        });
    }

    test("discover --help documents the formats npm run ad renders (yaml, config) and their flags", () => {
        const r = npmRun("ad", ["discover", "--help"], { EKS_GMSA_PYTHON: pythonWithoutSamba });
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /--format \{json,yaml,config\}/);
        assert.match(r.stdout, /--account ACCOUNT\s+with --format yaml: the gMSA/);
    });
});

describe("npm run ad: wrong arguments exit 2 with the message, then the usage, on stderr", () => {
    test("an unknown command: the message, then every command", () => {
        const r = npmRun("ad", ["destroy"], { EKS_GMSA_PYTHON: pythonWithoutSamba });
        assert.equal(r.status, 2, r.stderr);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /^ad: argument <command>: invalid choice: 'destroy'/);
        for (const [name, description] of adCommands) assert.match(r.stderr, description, `${name} is not listed`);
    });

    test("help for an unknown command", () => {
        const r = npmRun("ad", ["help", "destroy"], { EKS_GMSA_PYTHON: pythonWithoutSamba });
        assert.equal(r.status, 2, r.stderr);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /^ad: help: destroy is not a command/);
        assert.match(r.stderr, /usage: npm run ad -- \[-h\] <command>/);
    });

    test("an unknown flag of a command: the message, then that command's usage", () => {
        const r = npmRun("ad", ["provision", "--url", "ldap://127.0.0.1", "--user", "S\\a", "--account", "WebApp01", "--group", "g", "--force"]);
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /^ad: unrecognized arguments: --force\n/);
        assert.match(r.stderr, /usage: npm run ad -- provision \[-h\] --url URL --user USER/);
    });

    test("a bad value npm run ad checks itself (discover --format): the message, then discover's usage", () => {
        const r = npmRun("ad", ["discover", "--url", "ldap://127.0.0.1", "--user", "S\\a", "--format", "xml"], { AD_PASSWORD: "x" });
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /^ad: --format "xml" must be json, yaml or config\n/);
        assert.match(r.stderr, /usage: npm run ad -- discover \[-h\]/);
    });
});

describe("npm run policy: help and wrong arguments", () => {
    for (const ask of [["--help"], ["-h"], ["help"]]) {
        test(`npm run policy -- ${ask.join(" ")} says what the command does and each argument, exit 0`, () => {
            const r = npmRun("policy", ask);
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.stderr, "");
            assert.match(r.stdout, /^usage: npm run policy -- <plan.json> \[--config <policy-config.json>\] \[--report <report.json>\]/);
            assert.match(r.stdout, /Runs the eks-gmsa policy pack \(policy\/\) on an offline plan/);
            assert.match(r.stdout, /--config <file>\s+policy config/);
            assert.match(r.stdout, /--report <file>\s+also write the report as JSON/);
            assert.match(r.stdout, /exit status: 0 no mandatory policy failed, 1 one did, 2/);
        });
    }

    test("an unknown option exits 2 with the message and the whole usage on stderr", () => {
        const r = npmRun("policy", ["--bogus"]);
        assert.equal(r.status, 2, r.stderr);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /^policy: unknown argument "--bogus"\n/);
        assert.match(r.stderr, /--config <file>\s+policy config/);
    });
});

describe("the benches: help and wrong arguments", () => {
    for (const [script, measures] of [
        ["bench", /Times `npm run plan` on a stack/],
        ["bench:scale", /How offline plan time grows with the number of credential specs/],
        ["bench:policy", /How long the policy pack takes/],
    ] as const) {
        test(`npm run ${script} -- --help says what it measures, its flags, and where progress goes; exit 0 without running`, () => {
            const r = npmRun(script, ["--help"]);
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.stderr, "");
            assert.match(r.stdout, new RegExp(`^usage: npm run ${script} -- `));
            assert.match(r.stdout, measures);
            assert.match(r.stdout, /--runs <n>/);
            assert.match(r.stdout, /Progress goes to stderr/);
        });

        test(`npm run ${script} -- with an unknown flag exits 2 with the usage, without running`, () => {
            const r = npmRun(script, ["--run", "1"]);
            assert.equal(r.status, 2, r.stderr);
            assert.equal(r.stdout, "");
            assert.match(r.stderr, new RegExp(`^${script}: unknown argument "--run"\\n`));
            assert.match(r.stderr, new RegExp(`usage: npm run ${script} -- `));
        });
    }

    test("a bad value names the flag and the rule: npm run bench -- --runs 0", () => {
        const r = npmRun("bench", ["--runs", "0"]);
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /^bench: --runs "0": must be a whole number of at least 1/);
    });
});
