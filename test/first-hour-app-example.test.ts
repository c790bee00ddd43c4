// The app example as an app team uses it (examples/app/README.md): `cd examples/app && npm test`
// type-checks the app, renders it offline against the platform's outputs and runs the policy pack
// on it, leaving nothing behind; and from this repository, `npm run plan:app` writes the app's
// plan.json and policy-config.json (from the platform's outputs) for `npm run policy`, as
// docs/policy.md promises for an app's pull requests. Every command is run as a user types it;
// everything written goes to a temporary directory.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { toPlan } from "../tools/planFile";
import { appPolicyConfig } from "../tools/app/platformOutputs";
import { outputs, runOk } from "./helpers";

const projectRoot = path.resolve(__dirname, "..");
const appDir = path.join(projectRoot, "examples", "app");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "first-hour-app-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

function npm(cwd: string, args: string[]) {
    const r = spawnSync("npm", args, { cwd, encoding: "utf8", timeout: 180_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Files under a directory (relative paths), to see what a command left behind. */
function filesUnder(dir: string): string[] {
    return fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
        .sort();
}

// The platform's dev stack, rendered offline as `npm run plan -- --stack dev` renders it, and its
// plan.json written to the temporary directory (not out/dev/ of the checkout).
const platform = runOk({ stack: "dev" });
const platformPlan = path.join(scratch, "platform-dev-plan.json");
fs.writeFileSync(platformPlan, JSON.stringify(toPlan("eks-gmsa", platform), null, 2));

describe("cd examples/app && npm test", () => {
    test("type-checks the app, renders it against the platform's outputs, runs the policy pack: exit 0, nothing left behind", () => {
        const before = filesUnder(appDir);
        const r = npm(appDir, ["test"]);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /rendering gmsa-app\/dev \(index\.ts\) against the platform outputs in platform-outputs\.dev\.json/);
        assert.match(r.stdout, /Deployment gmsa-app, Service gmsa-app/);
        assert.match(r.stdout, /policy eks-gmsa@\S+ on dev \(4 resources, \d+ policies\): PASSED, 0 mandatory/);
        assert.deepEqual(filesUnder(appDir), before);
    });

    test("the platform outputs it is tested against are what the platform's dev stack exports", () => {
        const recorded = JSON.parse(fs.readFileSync(path.join(appDir, "platform-outputs.dev.json"), "utf8"));
        const exported = JSON.parse(fs.readFileSync(platformPlan, "utf8")).outputs;
        for (const [name, value] of Object.entries(recorded)) assert.deepEqual(value, exported[name], `output ${name}`);
        // The app reads these four; the file must hold each.
        assert.deepEqual(Object.keys(recorded).sort(), ["gmsaCredentialSpecs", "kubeconfig", "windowsNodeSelector", "windowsTolerations"]);
        assert.equal(recorded.kubeconfig, "[secret]", "a secret output is recorded as pulumi stack output --json shows it, never in plain text");
    });
});

describe("npm run plan:app, then npm run policy: the pack on an app's own offline plan", () => {
    const out = path.join(scratch, "app-dev");

    test("plan:app renders examples/app against a platform plan.json and writes plan.json and policy-config.json", () => {
        const r = npm(projectRoot, ["run", "--silent", "plan:app", "--", "--app", "examples/app", "--platform", platformPlan, "--out", out]);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.deepEqual(filesUnder(out), ["plan.json", "policy-config.json"]);
        const plan = JSON.parse(fs.readFileSync(path.join(out, "plan.json"), "utf8"));
        assert.equal(plan.project, "gmsa-app");
        assert.equal(plan.stack, "dev");
        const deployment = plan.resources.find((x: { type: string }) => x.type === "kubernetes:apps/v1:Deployment");
        assert.deepEqual(deployment.inputs.spec.template.spec.tolerations, outputs(platform).windowsTolerations);
        assert.match(r.stdout, new RegExp(`next: npm run policy -- ${out}/plan.json --config ${out}/policy-config.json`));
    });

    test("npm run policy with that config passes the app: the platform's grants, credential specs and webhook count", () => {
        const r = npm(projectRoot, ["run", "--silent", "policy", "--", path.join(out, "plan.json"), "--config", path.join(out, "policy-config.json")]);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /PASSED, 0 mandatory and 0 advisory violations/);
    });

    test("without it (the platform's own config) the same plan fails: the pack judges the app, the config is what tells it the platform's facts", () => {
        const r = npm(projectRoot, ["run", "--silent", "policy", "--", path.join(out, "plan.json")]);
        assert.equal(r.status, 1, r.stdout + r.stderr);
        assert.match(r.stdout, /gmsa-workload-authorized \[mandatory\]/);
    });

    test("against a platform that does not allow web/webapp, plan:app fails naming the key and who is allowed, and writes nothing", () => {
        const outputsFile = path.join(scratch, "platform-without-web.json");
        const exported = JSON.parse(fs.readFileSync(platformPlan, "utf8")).outputs;
        const specs = exported.gmsaCredentialSpecs.map((s: { allowed: unknown[] }) => ({
            ...s,
            allowed: [{ namespace: "intranet", serviceAccounts: ["portal"] }],
        }));
        fs.writeFileSync(outputsFile, JSON.stringify({ ...exported, gmsaCredentialSpecs: specs }));
        const rejected = path.join(scratch, "rejected");
        const r = npm(projectRoot, ["run", "--silent", "plan:app", "--", "--app", "examples/app", "--platform", outputsFile, "--out", rejected]);
        assert.equal(r.status, 1, r.stdout + r.stderr);
        assert.match(r.stderr, /gmsa-app:serviceAccount: got "webapp".*may not use credential spec webapp01 \(allowed: intranet\/portal\)/);
        assert.equal(fs.existsSync(rejected), false);
    });

    test("plan:app --help says what it does; a missing --platform exits 2 with the usage", () => {
        const help = npm(projectRoot, ["run", "--silent", "plan:app", "--", "--help"]);
        assert.equal(help.status, 0, help.stderr);
        assert.match(help.stdout, /^usage: npm run plan:app -- --app <dir> --platform <outputs.json>/);
        assert.match(help.stdout, /--platform <file>\s+the platform stack's outputs: pulumi stack output --json/);
        const bad = npm(projectRoot, ["run", "--silent", "plan:app", "--", "--app", "examples/app"]);
        assert.equal(bad.status, 2, bad.stderr);
        assert.match(bad.stderr, /^plan:app: --platform is required/);
        assert.match(bad.stderr, /usage: npm run plan:app -- /);
    });
});

describe("the policy config of an app stack, from the platform's outputs", () => {
    test("a platform without the Windows taint (windowsTolerations []) means no taint: every pod can land on Windows nodes", () => {
        const config = appPolicyConfig({ gmsaCredentialSpecs: [], windowsTolerations: [] }) as Record<string, Record<string, unknown>>;
        assert.deepEqual(config["pod-host-access-allowlist"], { windowsNodeTaints: [] });
    });

    test("the grants and credential spec names are the platform's gmsaCredentialSpecs, the webhook is external", () => {
        const grants = [{ name: "webapp01", account: "WebApp01", allowed: [{ namespace: "web", serviceAccounts: ["webapp"] }] }];
        const config = appPolicyConfig({
            gmsaCredentialSpecs: grants,
            windowsTolerations: [{ key: "os", operator: "Equal", value: "windows", effect: "NoSchedule" }],
        }) as Record<string, Record<string, unknown>>;
        assert.deepEqual(config["gmsa-workload-authorized"], { externalGrants: grants });
        assert.deepEqual(config["gmsa-credspec-exists"], { externalCredentialSpecs: ["webapp01"] });
        assert.deepEqual(config["gmsa-webhook-present"], { webhookExternal: true });
        assert.deepEqual(config["pod-host-access-allowlist"], { windowsNodeTaints: [{ key: "os", value: "windows", effect: "NoSchedule" }] });
    });
});
