// `npm run plan` as a user runs it: files written, exit codes, determinism, secrets.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { projectRoot } from "../tools/harness";
import { offlineSecretPlaceholder } from "../tools/harness/stackConfig";

function plan(...args: string[]) {
    return spawnSync(process.execPath, ["--import", "tsx", path.join(projectRoot, "tools", "plan.ts"), ...args], { cwd: projectRoot, encoding: "utf8", timeout: 120_000 });
}

describe("npm run plan", () => {
    const planFile = path.join(projectRoot, "out", "dev", "plan.json");
    const first = plan();
    const firstBytes = fs.readFileSync(planFile, "utf8");

    test("renders the dev stack by default and prints counts by type", () => {
        assert.equal(first.status, 0, first.stderr);
        assert.match(first.stdout, /plan: dev: \d+ resources in [0-9.]+ s -> out\/dev\/plan\.json/);
        assert.match(first.stdout, /\n\s+1\s+eks:index:Cluster\n/);
        assert.match(first.stdout, /\n\s+1\s+aws:autoscaling\/group:Group\n/);
    });

    test("plan.json has the documented shape", () => {
        const doc = JSON.parse(firstBytes);
        assert.deepEqual(Object.keys(doc), ["project", "stack", "resources", "outputs"]);
        assert.equal(doc.project, "eks-gmsa");
        assert.equal(doc.stack, "dev");
        for (const r of doc.resources) {
            assert.deepEqual(Object.keys(r).filter((k) => k !== "parent"), ["urn", "type", "name", "dependencies", "protect", "inputs", "options"]);
            assert.match(r.urn, /^urn:pulumi:dev::eks-gmsa::/);
        }
        const urns = doc.resources.map((r: { urn: string }) => r.urn);
        assert.deepEqual(urns, [...urns].sort(), "resources are sorted by URN");
        for (const r of doc.resources) for (const d of r.dependencies) assert.ok(urns.includes(d), `${r.urn} depends on unknown ${d}`);
    });

    test("two runs with the same config write byte-identical files", () => {
        const second = plan("--stack", "dev");
        assert.equal(second.status, 0, second.stderr);
        assert.equal(fs.readFileSync(planFile, "utf8"), firstBytes);
    });

    test("secret values appear only as [secret]", () => {
        const doc = JSON.parse(firstBytes);
        assert.equal(doc.outputs.kubeconfig, "[secret]");
        assert.ok(!firstBytes.includes("certificate-authority") && !firstBytes.includes('\\"kind\\":\\"Config\\"'), "kubeconfig text leaked");
        assert.ok(!firstBytes.includes(offlineSecretPlaceholder));
    });

    test("bad config: exit 1, one line per problem naming the key, no stack trace, no plan written", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-bad-"));
        const file = path.join(dir, "Pulumi.broken.yaml");
        fs.writeFileSync(file, [
            "config:",
            "  aws:region: us-west-2",
            "  eks-gmsa:windowsNodes:",
            "    maxSize: 0",
            "    edition: Datacenter",
            "  eks-gmsa:network:",
            "    vpcCidr: 10.0.0.0/33",
        ].join("\n"));
        const out = path.join(projectRoot, "out", "broken");
        fs.rmSync(out, { recursive: true, force: true });
        const run = plan("--stack", "broken", "--config-file", file);
        assert.equal(run.status, 1);
        assert.match(run.stderr, /eks-gmsa:windowsNodes\.maxSize: got 0; must be from 1 to 1000/);
        assert.match(run.stderr, /eks-gmsa:windowsNodes\.edition: got "Datacenter"; must be one of "Core", "Full"/);
        assert.match(run.stderr, /eks-gmsa:network\.vpcCidr: got "10\.0\.0\.0\/33"; has a prefix length over 32/);
        assert.doesNotMatch(run.stderr, /\n\s+at /);
        assert.ok(!fs.existsSync(path.join(out, "plan.json")));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    test("bad arguments: exit 2 with usage", () => {
        const unknown = plan("--stak", "dev");
        assert.equal(unknown.status, 2);
        assert.match(unknown.stderr, /unknown argument "--stak"/);
        const missing = plan("--stack", "nosuchstack");
        assert.equal(missing.status, 2);
        assert.match(missing.stderr, /no stack config file .*Pulumi\.nosuchstack\.yaml/);
    });
});
