// The pull-request gate (.github/workflows/policy.yml) as the security review asked for it: the
// pull request cannot move the pack that judges it, and only an approved job in a protected
// environment gets the secrets, the OIDC token and the cloud role. Read from the workflow file
// itself (GitHub runs exactly this), with its steps' order and working directories resolved.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";

interface Step { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; "working-directory"?: string; name?: string }
interface Job { if?: string; environment?: string | { name: string }; permissions?: Record<string, string>; env?: Record<string, string>; needs?: string | string[]; steps: Step[] }
interface Workflow { on: Record<string, unknown>; permissions?: Record<string, string>; env?: Record<string, string>; jobs: Record<string, Job> }

const workflow = parse(fs.readFileSync(path.join(__dirname, "..", ".github", "workflows", "policy.yml"), "utf8")) as Workflow;
const jobs = Object.entries(workflow.jobs);
const baseRef = "${{ github.event.pull_request.base.sha }}";

/** Where a job checks out the base commit (the gate), or undefined. */
function gatePath(job: Job): string | undefined {
    const step = job.steps.find((s) => s.uses?.startsWith("actions/checkout@") && s.with?.ref === baseRef);
    return step ? String(step.with?.path ?? ".") : undefined;
}

const secretsIn = (v: unknown) => JSON.stringify(v ?? {}).match(/secrets\.[A-Za-z_]+/g) ?? [];
const cloudSteps = (job: Job) => job.steps.filter((s) => /configure-aws-credentials|pulumi\/actions/.test(s.uses ?? "") || /pulumi (preview|up)/.test(s.run ?? ""));

describe("the pull-request workflow is a gate the pull request cannot move", () => {
    test("it runs on pull requests with read-only repository access by default", () => {
        assert.ok("pull_request" in workflow.on);
        assert.ok(!("pull_request_target" in workflow.on), "pull_request_target would run with the base repository's secrets on fork code");
        assert.deepEqual(workflow.permissions, { contents: "read" });
        assert.equal(workflow.env, undefined, "no workflow-wide environment (secrets would reach every job)");
    });

    test("every action is pinned to a full commit, so a moved tag cannot change what runs", () => {
        for (const [name, job] of jobs) {
            for (const s of job.steps.filter((x) => x.uses)) assert.match(s.uses!, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `${name}: ${s.uses}`);
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

    test("the live preview's policy pack and its config come from the base commit", () => {
        const previews = jobs.filter(([, job]) => job.steps.some((s) => /pulumi preview/.test(s.run ?? "")));
        assert.ok(previews.length > 0);
        for (const [name, job] of previews) {
            const gate = gatePath(job);
            assert.ok(gate && gate !== ".", `${name} checks out the base commit beside the pull request`);
            for (const s of job.steps.filter((x) => /pulumi preview/.test(x.run ?? ""))) {
                const pack = /--policy-pack\s+(\S+)/.exec(s.run!)?.[1];
                const config = /--policy-pack-config\s+(\S+)/.exec(s.run!)?.[1];
                assert.equal(pack, `${gate}/policy`, `${name}: --policy-pack`);
                assert.equal(config, `${gate}/policy/policy-config.json`, `${name}: --policy-pack-config`);
            }
        }
    });

    test("the offline job judges the pull request's plan with the base commit's pack, config and runner", () => {
        const [name, job] = jobs.find(([, j]) => j.steps.some((s) => /npm run plan/.test(s.run ?? "")))!;
        assert.equal(job.environment, undefined, `${name} needs no approval`);
        const gate = gatePath(job)!;
        const judged = job.steps.find((s) => /npm run policy --/.test(s.run ?? "") && s["working-directory"] === gate);
        assert.ok(judged, `${name}: no step runs the base commit's policy runner`);
        assert.match(judged!.run!, /\$GITHUB_WORKSPACE\/out\/\$\{\{ matrix\.stack \}\}\/plan\.json/, "it reads this pull request's plan");
        assert.match(judged!.run!, /--config policy\/policy-config\.json/, "with the base commit's config");
    });
});
