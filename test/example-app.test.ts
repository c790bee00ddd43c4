// examples/app, the app repository an application team keeps: run against the platform dev
// stack's real outputs (through a StackReference answered by the harness), and type-checked as
// the Pulumi host would compile it.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import * as ts from "typescript";
import * as YAML from "yaml";
import { asStackReference, projectRoot, type RunOptions } from "../tools/harness";
import { normalizeValue, secretMarker } from "../tools/harness/normalize";
import { inputs, one, outputs, runOk, runStack, userResources, type StackRun } from "./helpers";

const appDir = path.join(projectRoot, "examples", "app");
const appProject = "gmsa-app";
const platformStack = "my-org/eks-gmsa/dev";

const platform = runOk({ stack: "dev" });
const answer = asStackReference(platform);

/** The example with its dev stack file, referencing the platform's dev stack. */
function appOptions(overrides?: RunOptions["overrides"]): RunOptions {
    return {
        stack: "dev",
        program: { file: path.join(appDir, "index.ts"), project: appProject },
        configFile: path.join(appDir, "Pulumi.dev.yaml"),
        stackReferences: { [platformStack]: answer },
        ...(overrides ? { overrides } : {}),
    };
}

/** Runs the example; its errors are in run.errors (runStack does not throw on program errors). */
function runApp(overrides?: RunOptions["overrides"]): StackRun {
    return runStack(appOptions(overrides));
}

/** All of a failed run's errors as one text, for matching. */
function errorText(run: StackRun): string {
    assert.ok(run.errors.length > 0, "expected the program to fail");
    return run.errors.join("\n");
}

/** The app's Kubernetes resources: none may be registered when a check fails. */
function appWorkloads(run: StackRun) {
    return run.resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment" || r.type === "kubernetes:core/v1:Service");
}

describe("example app: deployed with the dev stack file", () => {
    const app = runOk(appOptions());
    const deployment = one(app, "kubernetes:apps/v1:Deployment");
    const pod = inputs(deployment).spec.template.spec;
    const provider = one(app, "pulumi:providers:kubernetes");

    test("the platform stack is read through a StackReference to my-org/eks-gmsa/dev", () => {
        // The harness answers the reference without registering it (Pulumi reads it); the
        // provider's dependency on it shows the program made it.
        assert.ok(
            provider.dependencies.some((urn) => urn.endsWith(`pulumi:pulumi:StackReference::${platformStack}`)),
            provider.dependencies.join(", "),
        );
    });

    test("the Deployment runs as gMSA webapp01 under service account web/webapp", () => {
        assert.equal(inputs(deployment).metadata.namespace, "web");
        assert.equal(pod.securityContext.windowsOptions.gmsaCredentialSpecName, "webapp01");
        assert.equal(pod.serviceAccountName, "webapp");
        assert.equal(inputs(deployment).spec.replicas, 2);
        assert.equal(pod.containers[0].image, "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022");
    });

    test("it schedules onto Windows nodes with the platform's node selector and tolerations", () => {
        assert.deepEqual(pod.nodeSelector, { "kubernetes.io/os": "windows" });
        assert.deepEqual(pod.nodeSelector, outputs(platform).windowsNodeSelector);
        assert.ok(outputs(platform).windowsTolerations.length > 0, "the dev platform taints its Windows nodes");
        assert.deepEqual(pod.tolerations, outputs(platform).windowsTolerations);
        assert.equal(pod.os.name, "windows");
    });

    test("a ClusterIP Service on port 80 selects the Deployment's pods", () => {
        const service = inputs(one(app, "kubernetes:core/v1:Service"));
        assert.equal(service.metadata.namespace, "web");
        assert.equal(service.spec.type, "ClusterIP");
        assert.deepEqual(
            service.spec.ports.map((p: { port: number }) => p.port),
            [80],
        );
        const podLabels = inputs(deployment).spec.template.metadata.labels;
        assert.ok(
            Object.entries(service.spec.selector).every(([k, v]) => podLabels[k] === v),
            "the selector must match the pod labels",
        );
    });

    test("the Kubernetes provider gets the platform's kubeconfig as a secret", () => {
        assert.ok(answer.secretOutputNames.includes("kubeconfig"), "the platform must export kubeconfig as a secret");
        assert.equal(normalizeValue(provider.inputs.kubeconfig), secretMarker);
        assert.ok(!JSON.stringify(app.resources).includes(String(answer.outputs.kubeconfig)), "the kubeconfig must not appear in plain text");
    });

    test("the Deployment and the Service use that provider, not the ambient kubeconfig", () => {
        for (const r of appWorkloads(app)) {
            assert.ok(r.options.provider?.startsWith(`${provider.urn}::`), `${r.type} uses ${r.options.provider}`);
        }
        assert.equal(appWorkloads(app).length, 2);
    });

    test("the stack exports the deployment's name and namespace", () => {
        assert.equal(outputs(app).deploymentName, inputs(deployment).metadata.name);
        assert.equal(outputs(app).namespace, "web");
    });
});

describe("example app: checked against the platform before anything is deployed", () => {
    test("a credential spec the platform does not publish fails, naming the key and the available specs", () => {
        const run = runApp({ "gmsa-app:credentialSpec": "webapp02" });
        const text = errorText(run);
        assert.match(text, /gmsa-app:credentialSpec/);
        assert.match(text, /"webapp02"/);
        assert.match(text, /available: webapp01/);
        assert.deepEqual(appWorkloads(run), []);
    });

    test("a service account the credential spec does not allow fails, naming the keys and who is allowed", () => {
        const run = runApp({ "gmsa-app:serviceAccount": "reports" });
        const text = errorText(run);
        assert.match(text, /gmsa-app:serviceAccount/);
        assert.match(text, /web\/reports may not use credential spec webapp01/);
        assert.match(text, /allowed: web\/webapp/);
        assert.deepEqual(appWorkloads(run), []);
    });

    test("the allowed service account in another namespace fails too (RBAC is per namespace)", () => {
        const run = runApp({ "gmsa-app:namespace": "intranet" });
        assert.match(errorText(run), /intranet\/webapp may not use credential spec webapp01 \(allowed: web\/webapp\)/);
        assert.deepEqual(appWorkloads(run), []);
    });

    test("a platform stack without gMSA outputs fails, naming gmsa-app:platformStack", () => {
        const withoutGmsa = { ...answer.outputs };
        delete withoutGmsa.gmsaCredentialSpecs;
        const run = runStack({ ...appOptions(), stackReferences: { [platformStack]: { ...answer, outputs: withoutGmsa } } });
        assert.match(errorText(run), /gmsa-app:platformStack: stack my-org\/eks-gmsa\/dev has no usable gmsaCredentialSpecs output/);
        assert.deepEqual(appWorkloads(run), []);
    });

    test("a platform stack the harness does not know fails (no stack to reference)", () => {
        const run = runApp({ "gmsa-app:platformStack": "my-org/eks-gmsa/staging" });
        assert.match(errorText(run), /my-org\/eks-gmsa\/staging/);
        assert.deepEqual(appWorkloads(run), []);
    });
});

describe("example app: config validated before any resource is registered", () => {
    for (const replicas of [0, "many"]) {
        test(`replicas ${JSON.stringify(replicas)} is rejected, naming gmsa-app:replicas; only the stack is registered`, () => {
            const run = runApp({ "gmsa-app:replicas": replicas });
            assert.match(errorText(run), /gmsa-app:replicas: got "(0|many)"; must be a whole number of at least 1/);
            assert.deepEqual(userResources(run), []);
        });
    }

    test("every problem is reported at once: missing keys, bad names, misspelt keys", () => {
        const run = runApp({ "gmsa-app:credentialSpec": null, "gmsa-app:namespace": "Web_Apps", "gmsa-app:platformStack": "dev", "gmsa-app:replica": 3 });
        const text = errorText(run);
        assert.match(text, /invalid stack configuration \(4 problems\)/);
        assert.match(text, /gmsa-app:credentialSpec: is required/);
        assert.match(text, /gmsa-app:namespace: got "Web_Apps"; must be a DNS-1123 label/);
        assert.match(text, /gmsa-app:platformStack: got "dev"; must be the platform stack's fully qualified name/);
        assert.match(text, /gmsa-app:replica: unknown setting/);
        assert.deepEqual(userResources(run), []);
    });
});

describe("example app: the repository itself", () => {
    test("Pulumi.yaml names the project gmsa-app, a TypeScript nodejs program", () => {
        const project = YAML.parse(fs.readFileSync(path.join(appDir, "Pulumi.yaml"), "utf8"));
        assert.equal(project.name, appProject);
        assert.deepEqual(project.runtime, { name: "nodejs", options: { typescript: true } });
    });

    test("package.json pins the versions this repository installs and tests with", () => {
        const app = JSON.parse(fs.readFileSync(path.join(appDir, "package.json"), "utf8"));
        const root = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8"));
        const rootVersions = { ...root.dependencies, ...root.devDependencies };
        assert.equal(app.private, true);
        for (const [name, version] of Object.entries({ ...app.dependencies, ...app.devDependencies })) {
            assert.match(String(version), /^\d+\.\d+\.\d+$/, `${name} must be pinned`);
            assert.equal(version, rootVersions[name], `${name}: the example pins ${version}, this repository ${rootVersions[name]}`);
        }
        assert.deepEqual(Object.keys(app.dependencies).sort(), ["@pulumi/kubernetes", "@pulumi/pulumi"]);
    });

    // The root tsconfig.json does not include examples/, so `tsc -p .` never sees the example.
    // Type-check it here with its own tsconfig.json (what `pulumi up` uses in the app's repo) and
    // with this repository's compiler options.
    const check = (options: ts.CompilerOptions, rootNames: readonly string[]): string[] => {
        const program = ts.createProgram({ rootNames, options: { ...options, noEmit: true } });
        return ts
            .getPreEmitDiagnostics(program)
            .map((d) => ts.formatDiagnostic(d, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => projectRoot, getNewLine: () => "\n" }));
    };

    test("index.ts type-checks with the example's own tsconfig.json", () => {
        const parsed = ts.getParsedCommandLineOfConfigFile(
            path.join(appDir, "tsconfig.json"),
            {},
            { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, "\n")) },
        );
        assert.ok(parsed);
        assert.deepEqual(parsed.errors, []);
        assert.deepEqual(parsed.fileNames, [path.join(appDir, "index.ts")]);
        assert.deepEqual(check(parsed.options, parsed.fileNames), []);
    });

    test("index.ts type-checks with this repository's compiler options", () => {
        const file = path.join(projectRoot, "tsconfig.json");
        const { config, error } = ts.readConfigFile(file, ts.sys.readFile);
        assert.equal(error, undefined);
        const { options, errors } = ts.convertCompilerOptionsFromJson(config.compilerOptions, projectRoot, file);
        assert.deepEqual(errors, []);
        assert.deepEqual(check(options, [path.join(appDir, "index.ts")]), []);
    });
});
