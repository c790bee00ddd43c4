// `npm run policy` and `npm run plan` as a user runs them: exit codes, output, reports.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { projectRoot } from "../tools/harness";
import { testChartCache } from "./support/helmRepository";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "policy-cli-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const config = path.join(projectRoot, "policy", "policy-config.json");
// The plan reads the gmsa chart from a temp cache filled from the loopback repository (never the user's).
const run = (script: string, ...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", path.join(projectRoot, "tools", script), ...args], {
        cwd: projectRoot,
        encoding: "utf8",
        timeout: 180_000,
        env: testChartCache().env,
    });
const policy = (...args: string[]) => run(path.join("policy", "cli.ts"), ...args);
const write = (name: string, content: string) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, content);
    return file;
};

// One plan of the dev stack for all cases below, written to the temporary directory (never out/dev/).
let planRun: ReturnType<typeof run>;
before(() => {
    planRun = run("plan.ts", "--stack", "dev", "--out", path.join(tmp, "dev"));
});
const devPlan = path.join(tmp, "dev", "plan.json");

describe("npm run plan runs the policy pack", () => {
    test("the dev plan passes and writes policy-report.json", () => {
        assert.equal(planRun.status, 0, planRun.stderr + planRun.stdout);
        assert.match(planRun.stdout, /policy eks-gmsa@0\.2\.0 on dev \(\d+ resources, 16 policies\): PASSED/);
        const report = JSON.parse(fs.readFileSync(path.join(tmp, "dev", "policy-report.json"), "utf8"));
        assert.equal(report.passed, true);
        assert.equal(report.policies.length, 16);
        assert.deepEqual(report.summary, { mandatory: 0, advisory: 0 });
    });

    test("a stack that breaks a mandatory policy fails the plan, after writing both files", () => {
        const stackFile = write(
            "Pulumi.rogue.yaml",
            fs
                .readFileSync(path.join(projectRoot, "Pulumi.dev.yaml"), "utf8")
                .replace("      - arn:aws:iam::123456789012:role/platform-admins", "      - arn:aws:iam::123456789012:user/mallory"),
        );
        const rogue = run("plan.ts", "--stack", "rogue", "--config-file", stackFile, "--out", path.join(tmp, "rogue"));
        assert.equal(rogue.status, 1, rogue.stdout + rogue.stderr);
        assert.match(rogue.stdout, /eks-cluster-admin-allowlist \[mandatory\]: 1 violation/);
        assert.match(rogue.stdout, /mallory/);
        const report = JSON.parse(fs.readFileSync(path.join(tmp, "rogue", "policy-report.json"), "utf8"));
        assert.equal(report.passed, false);
    });
});

describe("npm run policy -- <plan.json> [--config <file>]", () => {
    test("exit 0 on the dev plan with the project's config; --report writes the report", () => {
        const reportFile = path.join(tmp, "report.json");
        const r = policy(devPlan, "--config", config, "--report", reportFile);
        assert.equal(r.status, 0, r.stderr + r.stdout);
        assert.match(r.stdout, /PASSED, 0 mandatory and 0 advisory violations/);
        assert.equal(JSON.parse(fs.readFileSync(reportFile, "utf8")).passed, true);
    });

    test("exit 1 when a mandatory policy fails, violations grouped by policy and naming the resource", () => {
        const plan = JSON.parse(fs.readFileSync(devPlan, "utf8"));
        plan.resources = plan.resources.filter((r: { type: string }) => !r.type.endsWith(":RoleBinding"));
        const r = policy(write("no-binding.json", JSON.stringify(plan)), "--config", config);
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stdout, /^gmsa-workload-authorized \[mandatory\]: 2 violations$/m);
        assert.match(r.stdout, /web\/gmsa-sample-iis/);
        assert.match(r.stdout, /FAILED, 2 mandatory/);
    });

    test("a policy disabled with the shorthand form passes the plan and shows as disabled in the report", () => {
        const plan = JSON.parse(fs.readFileSync(devPlan, "utf8"));
        plan.resources = plan.resources.filter((r: { type: string }) => !r.type.endsWith(":Release"));
        const shorthand = write("shorthand.json", JSON.stringify({ ...JSON.parse(fs.readFileSync(config, "utf8")), "gmsa-webhook-present": "disabled" }));
        const reportFile = path.join(tmp, "shorthand-report.json");
        const r = policy(write("no-webhook.json", JSON.stringify(plan)), "--config", shorthand, "--report", reportFile);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        const report = JSON.parse(fs.readFileSync(reportFile, "utf8"));
        assert.equal(report.policies.find((p: { name: string }) => p.name === "gmsa-webhook-present").enforcementLevel, "disabled");
    });

    test("without --config the project's policy config applies, and the dev plan passes", () => {
        const r = policy(devPlan);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /policy config: policy\/policy-config\.json/);
    });

    test("with an empty allow-list the project's own cluster admin is refused (exit 1)", () => {
        const r = policy(devPlan, "--config", write("empty.json", "{}"));
        assert.equal(r.status, 1);
        assert.match(r.stdout, /eks-cluster-admin-allowlist \[mandatory\]/);
    });

    const badInputs: [string, () => string[], RegExp][] = [
        ["no plan file given", () => [], /a plan file is required/],
        ["an unreadable plan file", () => [path.join(tmp, "missing.json")], /cannot read plan file .*missing\.json: ENOENT/],
        ["a plan file that is not JSON", () => [write("broken.json", "{ not json")], /is not JSON/],
        [
            "a JSON file that is not a plan",
            () => [write("notaplan.json", JSON.stringify({ resources: [{ type: 3 }] }))],
            /not in the plan format[\s\S]*project must be a string[\s\S]*resources\[0\]\.urn must be a string/,
        ],
        [
            "a policy config naming an unknown policy",
            () => [devPlan, "--config", write("c1.json", JSON.stringify({ "gmsa-rbac-scope": { allowedRoles: [] } }))],
            /gmsa-rbac-scope: no such policy in eks-gmsa/,
        ],
        [
            "a policy config with a property of the wrong type",
            () => [devPlan, "--config", write("c2.json", JSON.stringify({ "gmsa-rbac-scoped": { allowedRoles: "ClusterRole/x" } }))],
            /gmsa-rbac-scoped\.allowedRoles: must be array/,
        ],
        [
            "a policy config with an unknown property",
            () => [devPlan, "--config", write("c3.json", JSON.stringify({ "gmsa-webhook-present": { webhookExternl: true } }))],
            /gmsa-webhook-present: unknown property "webhookExternl"/,
        ],
        [
            "a policy config with a bad enforcement level",
            () => [devPlan, "--config", write("c4.json", JSON.stringify({ "aws-imdsv2-required": { enforcementLevel: "strict" } }))],
            /aws-imdsv2-required\.enforcementLevel: must be one of/,
        ],
        ["an unknown option", () => [devPlan, "--confg", config], /unknown argument "--confg"/],
    ];
    for (const [name, args, message] of badInputs) {
        test(`exit 2 on ${name}, with a clear message and no stack trace, and no policy pack left running`, () => {
            const orphansBefore = orphanedPacks();
            const r = policy(...args());
            assert.equal(r.status, 2, r.stdout + r.stderr);
            assert.match(r.stderr, message);
            assert.doesNotMatch(r.stderr, /\n\s+at /);
            assert.deepEqual(
                orphanedPacks().filter((pid) => !orphansBefore.includes(pid)),
                [],
                "the pack process outlived the CLI",
            );
        });
    }
});

/**
 * Policy pack processes of this checkout whose parent has gone (adopted by init): what a CLI that
 * exits without stopping its pack leaves behind. Linux /proc; PIDs, sorted.
 */
function orphanedPacks(): number[] {
    const packDir = path.join(projectRoot, "policy");
    const pids: number[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
            const ppid = Number(/^PPid:\s+(\d+)$/m.exec(fs.readFileSync(`/proc/${entry}/status`, "utf8"))?.[1]);
            if (cwd === packDir && ppid === 1) pids.push(Number(entry));
        } catch {
            // The process ended while we looked.
        }
    }
    return pids.sort((a, b) => a - b);
}
