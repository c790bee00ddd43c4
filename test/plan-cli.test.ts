// `npm run plan` as a user runs it: files written, exit codes, determinism, secrets.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { projectRoot } from "../tools/harness";
import { offlineSecretPlaceholder } from "../tools/harness/stackConfig";
import { testChartCache } from "./support/helmRepository";

function plan(...args: string[]) {
    // The gmsa chart from a temp cache filled from the loopback repository (never the user's cache).
    return spawnSync(process.execPath, ["--import", "tsx", path.join(projectRoot, "tools", "plan.ts"), ...args], {
        cwd: projectRoot,
        encoding: "utf8",
        timeout: 120_000,
        env: testChartCache().env,
    });
}

// Every run writes to a temporary directory (--out): the user's out/<stack>/ is never touched.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cli-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe("npm run plan", () => {
    const outDir = path.join(scratch, "dev");
    const planFile = path.join(outDir, "plan.json");
    const first = plan("--out", outDir);
    const firstBytes = fs.readFileSync(planFile, "utf8");
    /** Every file the plan writes, by path relative to out/dev, with its text. */
    const artifacts = (): Map<string, string> =>
        new Map(
            (fs.readdirSync(outDir, { recursive: true }) as string[])
                .sort()
                .filter((f) => fs.statSync(path.join(outDir, f)).isFile())
                .map((f) => [f, fs.readFileSync(path.join(outDir, f), "utf8")]),
        );
    const firstArtifacts = artifacts();

    test("renders the dev stack by default and says where the plan is", () => {
        assert.equal(first.status, 0, first.stderr);
        assert.ok(first.stdout.includes(`plan: dev: ${JSON.parse(firstBytes).resources.length} resources, 0 protected -> ${planFile}\n`), first.stdout);
    });

    test("plan.json has the documented shape", () => {
        const doc = JSON.parse(firstBytes);
        assert.deepEqual(Object.keys(doc), ["project", "stack", "resources", "outputs", "deployTimeValues"]);
        assert.equal(doc.project, "eks-gmsa");
        assert.equal(doc.stack, "dev");
        for (const r of doc.resources) {
            assert.deepEqual(
                Object.keys(r).filter((k) => k !== "parent"),
                ["urn", "type", "name", "dependencies", "protect", "inputs", "options"],
            );
            assert.match(r.urn, /^urn:pulumi:dev::eks-gmsa::/);
        }
        const urns = doc.resources.map((r: { urn: string }) => r.urn);
        assert.deepEqual(urns, [...urns].sort(), "resources are sorted by URN");
        for (const r of doc.resources) for (const d of r.dependencies) assert.ok(urns.includes(d), `${r.urn} depends on unknown ${d}`);
    });

    test("writes the review artifacts: plan, manifests, policy report, architecture picture, summary", () => {
        const files = [...firstArtifacts.keys()];
        for (const f of ["plan.json", "policy-report.json", "architecture.svg", "summary.md", path.join("manifests", "gmsacredentialspec.webapp01.yaml")])
            assert.ok(files.includes(f), `out/dev/${f}`);
        assert.equal(files.filter((f) => f.startsWith("manifests")).length, 18);
        assert.match(first.stdout, /\nmanifests: 18 files, all valid\n/);
        assert.match(firstArtifacts.get("architecture.svg")!, /^(<\?xml[^>]*>\s*)?(<!DOCTYPE[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<svg /);
        assert.ok(firstArtifacts.get("architecture.svg")!.includes("GMSACredentialSpec webapp01"));
        const summary = firstArtifacts.get("summary.md")!;
        assert.match(summary, /^# eks-gmsa \/ dev\n/);
        assert.ok(summary.includes("![architecture](architecture.svg)"));
        for (const heading of ["## Resources", "## Policy report", "## Kubernetes manifests", "## Deploy time (modelled)"])
            assert.ok(summary.includes(`\n${heading}\n`), heading);
        assert.match(summary, /\nmanual walkthrough \(11 steps, creating the directory first\): /);
        assert.ok(summary.includes("18 files in [manifests/](manifests/), every object valid."));
    });

    test("the README's picture (docs/architecture.svg) is the dev stack's current one", () => {
        const committed = fs.readFileSync(path.join(projectRoot, "docs", "architecture.svg"), "utf8");
        assert.ok(
            committed === firstArtifacts.get("architecture.svg"),
            "docs/architecture.svg is stale: npm run plan -- --out /tmp/dev && cp /tmp/dev/architecture.svg docs/",
        );
    });

    test("two runs with the same config write byte-identical files, every one of them", () => {
        const second = plan("--stack", "dev", "--out", outDir);
        assert.equal(second.status, 0, second.stderr);
        assert.equal(fs.readFileSync(planFile, "utf8"), firstBytes);
        const again = artifacts();
        assert.deepEqual([...again.keys()], [...firstArtifacts.keys()]);
        for (const [file, text] of firstArtifacts) assert.equal(again.get(file), text, `out/dev/${file} differs between runs`);
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
        fs.writeFileSync(
            file,
            [
                "config:",
                "  aws:region: us-west-2",
                "  eks-gmsa:windowsNodes:",
                "    maxSize: 0",
                "    edition: Datacenter",
                "  eks-gmsa:network:",
                "    vpcCidr: 10.0.0.0/33",
            ].join("\n"),
        );
        const out = path.join(scratch, "broken");
        const run = plan("--stack", "broken", "--config-file", file, "--out", out);
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
        const missing = plan("--stack", "nosuchstack", "--out", path.join(scratch, "nosuchstack"));
        assert.equal(missing.status, 2);
        assert.match(missing.stderr, /no stack config file .*Pulumi\.nosuchstack\.yaml/);
    });
});

describe("npm run plan -- --against: the day-2 diff", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-against-"));
    const baselineFile = path.join(tmp, "prod-baseline.json");
    const outDir = path.join(tmp, "out");
    const base = plan("--stack", "prod", "--out", outDir);
    fs.copyFileSync(path.join(outDir, "plan.json"), baselineFile);
    const diffFile = path.join(outDir, "diff.json");

    test("against itself: an empty diff.json, printed as nothing to do", () => {
        assert.equal(base.status, 0, base.stderr);
        const same = plan("--stack", "prod", "--against", baselineFile, "--out", outDir);
        assert.equal(same.status, 0, same.stderr);
        assert.deepEqual(JSON.parse(fs.readFileSync(diffFile, "utf8")), { create: [], update: [], replace: [], delete: [] });
        assert.match(same.stdout, /\ndiff: 0 to create, 0 to update, 0 to replace, 0 to delete\n/);
        assert.match(
            fs.readFileSync(path.join(outDir, "summary.md"), "utf8"),
            /\n## What changes\n\nAgainst .*: \*\*0 to create, 0 to update, 0 to replace, 0 to delete\*\*\.\n\nNothing changes\.\n/,
        );
    });

    test("a larger Windows instance type: the launch template and the group are updated, nothing replaced", () => {
        const stackFile = path.join(tmp, "Pulumi.prod.yaml");
        const text = fs.readFileSync(path.join(projectRoot, "Pulumi.prod.yaml"), "utf8");
        assert.match(text, /\n {2}eks-gmsa:windowsNodes:\n/);
        fs.writeFileSync(
            stackFile,
            text
                .replace(/\n {2}eks-gmsa:windowsNodes:\n/, "\n  eks-gmsa:windowsNodes:\n    instanceType: m6i.4xlarge\n")
                .replace(/\n {4}instanceType: (?!m6i\.4xlarge).*\n/, "\n"),
        );
        const changed = plan("--stack", "prod", "--config-file", stackFile, "--against", baselineFile, "--out", outDir);
        assert.equal(changed.status, 0, changed.stderr);
        const diff = JSON.parse(fs.readFileSync(diffFile, "utf8"));
        assert.deepEqual(Object.keys(diff), ["create", "update", "replace", "delete"]);
        assert.deepEqual(diff.create, []);
        assert.deepEqual(diff.replace, []);
        assert.deepEqual(diff.delete, []);
        // The group, its launch template, and the WindowsNodes component whose recorded facts include the instance type.
        assert.deepEqual(
            diff.update.map((u: { urn: string }) => u.urn.split("::").pop()),
            ["windows-nodes", "windows-nodes", "windows-nodes"],
        );
        assert.deepEqual(diff.update.find((u: { urn: string }) => u.urn.includes("eks-gmsa:nodes:WindowsNodes::")).inputs, ["instanceType"]);
        const launchTemplate = diff.update.find((u: { urn: string }) => u.urn.includes("aws:ec2/launchTemplate:LaunchTemplate"));
        assert.deepEqual(launchTemplate.inputs, ["instanceType"]);
        assert.match(changed.stdout, /\ndiff: 0 to create, 3 to update, 0 to replace, 0 to delete\n/);
        assert.match(changed.stdout, /\n {2}~ {2}.*LaunchTemplate.*windows-nodes: instanceType\n/);
    });

    test("a plan of another stack, or no plan at all: exit 2, nothing compared", () => {
        const devPlan = path.join(scratch, "dev", "plan.json");
        if (!fs.existsSync(devPlan)) assert.equal(plan("--out", path.join(scratch, "dev")).status, 0);
        const other = plan("--stack", "prod", "--against", devPlan, "--out", outDir);
        assert.equal(other.status, 2);
        assert.match(other.stderr, /--against .*: the old plan is of eks-gmsa\/dev, the new one of eks-gmsa\/prod: URNs cannot match/);
        const missing = plan("--stack", "prod", "--against", path.join(tmp, "nope.json"), "--out", outDir);
        assert.equal(missing.status, 2);
        assert.match(missing.stderr, /--against: cannot read plan file .*nope\.json: ENOENT/);
        const noValue = plan("--stack", "prod", "--out", outDir, "--against");
        assert.equal(noValue.status, 2);
        assert.match(noValue.stderr, /--against needs the path of an earlier plan\.json/);
    });

    test("without --against, a diff.json left by an earlier run is removed", () => {
        fs.writeFileSync(diffFile, "{}");
        assert.equal(plan("--stack", "prod", "--out", outDir).status, 0);
        assert.ok(!fs.existsSync(diffFile));
        fs.rmSync(tmp, { recursive: true, force: true });
    });
});
