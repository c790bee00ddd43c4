// The pull-request gate (.github/workflows/policy.yml) as the security review asked for it: the
// pull request cannot move the pack that judges it, and only an approved job in a protected
// environment gets the secrets, the OIDC token and the cloud role. Read from the workflow file
// itself (GitHub runs exactly this), with its steps' order and working directories resolved.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";

interface Step {
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
    "working-directory"?: string;
    name?: string;
}
interface Job {
    if?: string;
    environment?: string | { name: string };
    permissions?: Record<string, string>;
    env?: Record<string, string>;
    needs?: string | string[];
    steps: Step[];
}
interface Workflow {
    on: Record<string, unknown>;
    permissions?: Record<string, string>;
    env?: Record<string, string>;
    jobs: Record<string, Job>;
}

const workflow = parse(fs.readFileSync(path.join(__dirname, "..", ".github", "workflows", "policy.yml"), "utf8")) as Workflow;
const jobs = Object.entries(workflow.jobs);
const baseRef = "${{ github.event.pull_request.base.sha }}";

const secretsIn = (v: unknown) => JSON.stringify(v ?? {}).match(/secrets\.[A-Za-z_]+/g) ?? [];
const cloudSteps = (job: Job) =>
    job.steps.filter((s) => /configure-aws-credentials|pulumi\/actions/.test(s.uses ?? "") || /pulumi (preview|up)/.test(s.run ?? ""));

describe("the pull-request workflow is a gate the pull request cannot move", () => {
    test("it runs on pull requests with read-only repository access by default", () => {
        assert.ok("pull_request" in workflow.on);
        assert.ok(!("pull_request_target" in workflow.on), "pull_request_target would run with the base repository's secrets on fork code");
        assert.deepEqual(workflow.permissions, { contents: "read" });
        assert.equal(workflow.env, undefined, "no workflow-wide environment (secrets would reach every job)");
    });

    test("every action is pinned to a full commit, so a moved tag cannot change what runs, and so is the Pulumi CLI", () => {
        for (const [name, job] of jobs) {
            for (const s of job.steps.filter((x) => x.uses)) assert.match(s.uses!, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `${name}: ${s.uses}`);
            for (const s of job.steps.filter((x) => x.uses?.startsWith("pulumi/actions@")))
                assert.match(String(s.with?.["pulumi-version"]), /^3\.\d+\.\d+$/, `${name}: pulumi-version`);
        }
    });

    test("no checkout leaves the GitHub token in .git for the pull request's code", () => {
        for (const [name, job] of jobs) {
            for (const s of job.steps.filter((x) => x.uses?.startsWith("actions/checkout@"))) {
                assert.equal(s.with?.["persist-credentials"], false, `${name}: ${JSON.stringify(s)}`);
            }
        }
    });

    test("secrets, the OIDC token and cloud credentials exist only in jobs of a protected environment", () => {
        let protectedJobs = 0;
        for (const [name, job] of jobs) {
            const usesCloud = cloudSteps(job).length > 0 || secretsIn(job).length > 0 || job.permissions?.["id-token"] !== undefined;
            if (!usesCloud) {
                assert.equal(job.permissions?.["id-token"], undefined, `${name} must not get an OIDC token`);
                continue;
            }
            protectedJobs++;
            const environment = typeof job.environment === "string" ? job.environment : job.environment?.name;
            assert.match(environment ?? "", /^preview-/, `${name} uses secrets or the cloud outside a protected environment`);
            assert.deepEqual(job.permissions, { contents: "read", "id-token": "write" }, name);
            assert.equal(job.env, undefined, `${name}: no job-wide env (secrets go to the one step that needs them)`);
            // A fork's pull request gets the offline job only.
            assert.match(job.if ?? "", /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/, `${name} must skip forks`);
        }
        assert.ok(protectedJobs >= 1, "the live preview job is there");
    });

    test("every dependency is installed before the job holds any credential", () => {
        for (const [name, job] of jobs) {
            const firstCloud = job.steps.findIndex((s) => cloudSteps(job).includes(s) || secretsIn(s).length > 0);
            if (firstCloud < 0) continue;
            const lastInstall = job.steps.map((s, i) => (/\bnpm (ci|install)\b/.test(s.run ?? "") ? i : -1)).reduce((a, b) => Math.max(a, b), -1);
            assert.ok(lastInstall < firstCloud, `${name}: npm runs after credentials exist (step ${lastInstall} >= ${firstCloud})`);
        }
    });

    test("the required check (gate) runs only the base commit's code, over the pull request's plan as data", () => {
        const gates = jobs.filter(([, j]) => j.steps.some((s) => /npm run policy --/.test(s.run ?? "")));
        assert.equal(gates.length, 1, "one job runs the policy runner");
        const [name, gate] = gates[0];
        assert.equal(gate.environment, undefined, `${name} needs no approval`);
        const checkouts = gate.steps.filter((s) => s.uses?.startsWith("actions/checkout@"));
        assert.ok(checkouts.length > 0 && checkouts.every((s) => s.with?.ref === baseRef), `${name} checks out the base commit and nothing else`);
        const download = gate.steps.findIndex((s) => s.uses?.startsWith("actions/download-artifact@"));
        const judge = gate.steps.findIndex((s) => /npm run policy --/.test(s.run ?? ""));
        assert.ok(download >= 0 && download < judge, `${name} downloads the pull request's plan before judging it`);
        assert.match(
            gate.steps[judge].run!,
            /"\$RUNNER_TEMP\/pull-request\/plan\.json" --config policy\/policy-config\.json/,
            "the downloaded plan, with the base commit's config",
        );
        assert.equal(gate.steps[judge]["working-directory"], undefined, "run from the base commit's checkout");
        // It runs even when the plan job failed: a skipped required check counts as passed.
        assert.equal(gate.if, "${{ !cancelled() }}", `${name} must not be skipped when the plan job fails`);
        // The live preview waits for the gate, so an approver sees its verdict first.
        const preview = jobs.find(([, j]) => j.environment !== undefined)!;
        assert.deepEqual([preview[1].needs].flat(), [name]);
    });

    test("the live preview loads the base commit's pack from outside the pull request's checkout, installed before any of its code", () => {
        const previews = jobs.filter(([, job]) => job.steps.some((s) => /pulumi preview/.test(s.run ?? "")));
        assert.ok(previews.length > 0);
        for (const [name, job] of previews) {
            const baseCheckout = job.steps.findIndex((s) => s.uses?.startsWith("actions/checkout@") && s.with?.ref === baseRef);
            const prCheckout = job.steps.findIndex((s) => s.uses?.startsWith("actions/checkout@") && s.with?.ref === undefined);
            assert.ok(baseCheckout >= 0 && prCheckout > baseCheckout, `${name}: the base commit first, then the pull request`);
            const moved = job.steps.findIndex((s) => new RegExp(`mv ${String(job.steps[baseCheckout].with?.path)} "\\$RUNNER_TEMP/gate"`).test(s.run ?? ""));
            assert.ok(
                moved > baseCheckout && moved < prCheckout,
                `${name}: the gate leaves the workspace (and is installed) before the pull request is checked out`,
            );
            for (const s of job.steps.slice(prCheckout)) {
                if (/\bnpm (ci|install)\b/.test(s.run ?? ""))
                    assert.match(s.run!, /--ignore-scripts/, `${name}: the pull request's dependencies run no install scripts`);
            }
            for (const s of job.steps.filter((x) => /pulumi preview/.test(x.run ?? ""))) {
                assert.match(s.run!, /--policy-pack "\$RUNNER_TEMP\/gate\/policy"/, `${name}: --policy-pack`);
                assert.match(s.run!, /--policy-pack-config "\$RUNNER_TEMP\/gate\/policy\/policy-config\.json"/, `${name}: --policy-pack-config`);
            }
        }
    });
});
