// `npm run plan` in a user's first hour (issue 14, items 2, 6, 8 and 10): help, which stack a
// --config-file renders, an output directory of the caller's choosing, and output a reviewer acts on.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { projectRoot } from "../tools/harness";
import { explainDiff, formatDiff } from "../tools/review/diff";
import type { Plan, PlanResource } from "../tools/planFile";
import { testChartCache } from "./support/helmRepository";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "first-hour-plan-cli-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

function plan(...args: string[]) {
    // The gmsa chart from a temp cache (never the user's ~/.cache/eks-gmsa/charts, which a plan with network would fill).
    return spawnSync(process.execPath, ["--import", "tsx", path.join(projectRoot, "tools", "plan.ts"), ...args], {
        cwd: projectRoot,
        encoding: "utf8",
        timeout: 180_000,
        env: testChartCache().env,
    });
}

describe("npm run plan -- --help, -h, help", () => {
    for (const flag of ["--help", "-h", "help"]) {
        test(`${flag}: says what the command does and how --config-file names the stack, on stdout, exit 0`, () => {
            const r = plan(flag);
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.stderr, "");
            assert.match(r.stdout, /^usage: npm run plan -- /);
            assert.match(r.stdout, /Renders a stack offline/);
            assert.match(r.stdout, /--config-file <file>.*\n.*Pulumi\.<name>\.yaml, otherwise --stack must name it/);
            assert.match(r.stdout, /--out <dir> +where to write \(default: out\/<stack>\/\)/);
        });
    }

    test("an unknown argument: exit 2, the argument named, then the usage that says what the command does", () => {
        const r = plan("--stak", "dev");
        assert.equal(r.status, 2);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /^plan: unknown argument "--stak"\n\nusage: npm run plan -- /);
        assert.match(r.stderr, /\nRenders a stack offline .*\n/);
    });
});

describe("npm run plan -- --config-file: which stack", () => {
    test("a file not named Pulumi.<name>.yaml needs --stack: exit 2 naming both flags, nothing written", () => {
        const out = path.join(scratch, "unnamed");
        const r = plan("--config-file", "examples/stacks/domain-joined.yaml", "--out", out);
        assert.equal(r.status, 2, r.stdout);
        assert.match(
            r.stderr,
            /^plan: --config-file examples\/stacks\/domain-joined\.yaml: the stack name cannot be taken from the file name \(it is not Pulumi\.<name>\.yaml\); give it with --stack <name>\n/,
        );
        assert.ok(!fs.existsSync(out));
    });

    // A new stack file, as `pulumi stack init qa` would leave it: rendered as qa, into --out only.
    const qaFile = path.join(scratch, "Pulumi.qa.yaml");
    fs.copyFileSync(path.join(projectRoot, "Pulumi.dev.yaml"), qaFile);
    const qaOut = path.join(scratch, "qa");
    const userOut = path.join(projectRoot, "out", "qa");
    const userOutBefore = fs.existsSync(userOut);
    const first = plan("--config-file", qaFile, "--out", qaOut);

    test("Pulumi.qa.yaml renders stack qa (its URNs, its plan) into --out, and out/qa/ of the checkout is left alone", () => {
        assert.equal(first.status, 0, first.stderr);
        const doc = JSON.parse(fs.readFileSync(path.join(qaOut, "plan.json"), "utf8")) as Plan;
        assert.equal(doc.stack, "qa");
        assert.ok(doc.resources.every((r) => r.urn.startsWith("urn:pulumi:qa::eks-gmsa::")));
        for (const f of ["summary.md", "job-summary.md", "architecture.svg", "policy-report.json", "manifests"])
            assert.ok(fs.existsSync(path.join(qaOut, f)), f);
        assert.equal(fs.existsSync(userOut), userOutBefore, "out/qa/ of the checkout was created");
    });

    test("the plan's output is what a reviewer acts on: no type inventory, no deploy-time pitch, where the files are, timings on one line", () => {
        const lines = first.stdout.trimEnd().split("\n");
        assert.ok(lines.length <= 6, `${lines.length} lines:\n${first.stdout}`);
        assert.equal(lines.filter((l) => /^\s+\d+\s+\S+:\S+:\S+/.test(l)).length, 0, "a table of resource types");
        assert.doesNotMatch(first.stdout, /less \(\d+% of the manual time\)|critical path|manual walkthrough/);
        assert.match(first.stdout, /\nmanifests: 18 files, all valid\n/);
        assert.match(first.stdout, /\npolicy eks-gmsa@[0-9.]+ on qa \(\d+ resources, \d+ policies\): PASSED/);
        assert.ok(first.stdout.includes(`\nreview: ${path.join(qaOut, "summary.md")} first;`), first.stdout);
        assert.equal(lines.filter((l) => /\d+\.\d+ s\b/.test(l)).length, 1, "timings on more than one line");
        // The inventory and the modelled deploy time are in summary.md instead.
        const summary = fs.readFileSync(path.join(qaOut, "summary.md"), "utf8");
        assert.match(summary, /\| `aws:autoscaling\/group:Group` \| 1 \|/);
        assert.match(summary, /manual walkthrough \(11 steps/);
    });

    test("--against the qa plan: compared as qa (main compared it with a plan of dev and stopped)", () => {
        const again = plan("--config-file", qaFile, "--out", qaOut, "--against", path.join(qaOut, "plan.json"));
        assert.equal(again.status, 0, again.stderr);
        assert.match(again.stdout, /\ndiff: 0 to create, 0 to update, 0 to replace, 0 to delete\n/);
    });
});

describe("the printed day-2 diff puts what a reviewer must act on first", () => {
    const resource = (name: string, type: string, inputs: Record<string, unknown>, protect = false): PlanResource => ({
        urn: `urn:pulumi:prod::eks-gmsa::${type}::${name}`,
        type,
        name,
        dependencies: [],
        protect,
        inputs,
        options: { custom: true },
    });
    const before: Plan = {
        project: "eks-gmsa",
        stack: "prod",
        outputs: {},
        resources: [
            resource("vpc", "aws:ec2/vpc:Vpc", { cidrBlock: "10.30.0.0/16" }, true),
            resource("logs", "aws:cloudwatch/logGroup:LogGroup", { retentionInDays: 30 }),
        ],
    };
    const afterPlan: Plan = {
        ...before,
        resources: [
            resource("vpc", "aws:ec2/vpc:Vpc", { cidrBlock: "10.31.0.0/16" }, true),
            resource("logs", "aws:cloudwatch/logGroup:LogGroup", { retentionInDays: 365 }),
            resource("new-logs", "aws:cloudwatch/logGroup:LogGroup", { retentionInDays: 30 }),
        ],
    };

    test("the protected resource's warning, then the replacement, then the update, then the creation", () => {
        const { diff, explanation } = explainDiff(before, afterPlan);
        const lines = formatDiff(diff, explanation).split("\n");
        const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
        const order = [
            at(/^warning: aws:ec2\/vpc:Vpc vpc is protected/),
            at(/^ {2}\+- aws:ec2\/vpc:Vpc vpc/),
            at(/^ {2}~ {2}aws:cloudwatch\/logGroup:LogGroup logs: retentionInDays/),
            at(/^ {2}\+ {2}aws:cloudwatch\/logGroup:LogGroup new-logs/),
        ];
        assert.ok(
            order.every((i) => i > 0),
            lines.join("\n"),
        );
        assert.deepEqual(
            order,
            [...order].sort((a, b) => a - b),
            lines.join("\n"),
        );
    });
});
