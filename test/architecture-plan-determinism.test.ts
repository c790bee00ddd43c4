// The offline plan is a pure function of the program and its config: the same plan.json bytes on
// every run, whichever process makes it and whether or not the day-2 diff (--against) tells the
// mock account that the cluster already exists (then getCluster runs before the cluster is declared).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { projectRoot } from "../tools/harness";
import { ProgramMocks } from "../tools/harness/mocks";
import { testChartCache } from "./support/helmRepository";

type MockResourceArgs = Parameters<ProgramMocks["newResource"]>[0];
type MockCallArgs = Parameters<ProgramMocks["call"]>[0];

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "plan-determinism-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** `npm run plan -- --stack dev --out <out> [extra]` in a child process; its exit status and stderr. */
function plan(out: string, extra: string[] = []): Promise<{ status: number | null; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", path.join(projectRoot, "tools", "plan.ts"), "--stack", "dev", "--out", out, ...extra], {
            cwd: projectRoot,
            env: testChartCache().env,
            stdio: ["ignore", "ignore", "pipe"],
            timeout: 240_000,
        });
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
        child.on("error", reject);
        child.on("close", (status) => resolve({ status, stderr }));
    });
}

/** The label plan.json gives the cluster's API endpoint (a made-up value, known at deploy time). */
function endpointLabel(planText: string): string | undefined {
    const deployTimeValues = (JSON.parse(planText) as { deployTimeValues?: Record<string, string> }).deployTimeValues ?? {};
    const endpoints = Object.keys(deployTimeValues).filter((v) => /^https:\/\/[0-9A-F]{32}\.gr7\.[a-z0-9-]+\.eks\.amazonaws\.com$/.test(v));
    assert.equal(endpoints.length, 1, `one cluster endpoint among the deploy-time values: ${endpoints.join(", ")}`);
    return deployTimeValues[endpoints[0]];
}

describe("npm run plan of dev, three times in separate processes", () => {
    const first = path.join(scratch, "first");
    const again = path.join(scratch, "again");
    const dayTwo = path.join(scratch, "day-two");
    const read = (dir: string) => fs.readFileSync(path.join(dir, "plan.json"), "utf8");

    test("a second run, and a day-2 run against the first, write the first's plan.json byte for byte", async () => {
        const run = await plan(first);
        assert.equal(run.status, 0, run.stderr);
        const [plain, against] = await Promise.all([plan(again), plan(dayTwo, ["--against", path.join(first, "plan.json")])]);
        assert.equal(plain.status, 0, plain.stderr);
        assert.equal(against.status, 0, against.stderr);
        // The label first: a mismatch there says which value moved, where a byte comparison cannot.
        assert.equal(endpointLabel(read(dayTwo)), endpointLabel(read(first)));
        assert.equal(endpointLabel(read(first)), "(kubeconfig of Cluster eks: known at deploy time)");
        assert.ok(read(again) === read(first), "a second run's plan.json differs from the first's");
        assert.ok(read(dayTwo) === read(first), "the day-2 run's plan.json differs from the first's");
    });
});

describe("mocks: a made-up value's label does not depend on the order of calls", () => {
    const region = "us-west-2";
    const cluster: MockResourceArgs = { type: "eks:index:Cluster", name: "eks", inputs: { name: "dev-cluster" }, custom: false };
    const getCluster: MockCallArgs = { token: "aws:eks/getCluster:getCluster", inputs: { name: "dev-cluster" }, provider: "" };
    const existing = { existingClusters: { "dev-cluster": { tags: {} } } };

    test("the cluster's endpoint keeps the cluster's label whether getCluster reads it back before or after the cluster is declared", () => {
        const clusterFirst = new ProgramMocks(region, {}, existing);
        clusterFirst.newResource(cluster);
        const endpoint = String(clusterFirst.call(getCluster).endpoint);

        const lookupFirst = new ProgramMocks(region, {}, existing);
        assert.equal(lookupFirst.call(getCluster).endpoint, endpoint);
        lookupFirst.newResource(cluster);

        assert.equal(clusterFirst.invented.get(endpoint), "(kubeconfig of Cluster eks: known at deploy time)");
        assert.deepEqual(Object.fromEntries(lookupFirst.invented), Object.fromEntries(clusterFirst.invented));
    });

    test("what only a lookup makes up keeps the lookup's label", () => {
        const mocks = new ProgramMocks(region, {}, existing);
        const answer = mocks.call(getCluster);
        mocks.newResource(cluster);
        const securityGroup = (answer.vpcConfig as { clusterSecurityGroupId: string }).clusterSecurityGroupId;
        assert.equal(mocks.invented.get(securityGroup), "(the vpcConfig getCluster answers at deploy time)");
    });
});
