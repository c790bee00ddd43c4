// The admission policies in the stack: the dev plan holds the ValidatingAdmissionPolicies and
// their bindings (valid against the Kubernetes schema), their CEL compiles as kube-apiserver
// compiles it and stays within its cost limits (for every taint the Windows nodes can have), they
// exist before any workload without waiting for the webhook, and the host access allow-list is
// validated config.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { inputs, ofType, one, runOk, runStack, userResources, type StackRun } from "./helpers";
import { admit, checkValidationExpression, type ValidationLike } from "./support/admissionCel";
import { container, containerdPipe, create, windowsPod } from "./support/admissionFixtures";
import { daemonSetHostPathValidations, hostAccessValidations } from "../components/hostAccessRules";
import type { Taint } from "../settings/types";
import { validateBuiltIn } from "../tools/review/k8sSchema";
import { loadProgramConfig } from "../tools/harness";
import { dependsOn } from "./support/fixtures";

const policyType = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy";
const bindingType = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding";
const dev = runOk({ stack: "dev" });

const policies = (run: StackRun) => ofType(run, policyType).map((r) => inputs(r));
const policyNames = ["eks-gmsa-credential-spec-use", "eks-gmsa-windows-host-path-daemonsets", "eks-gmsa-windows-host-process"];
const allValidations = (run: StackRun): ValidationLike[] => policies(run).flatMap((p) => p.spec.validations);

describe("the dev plan holds the admission policies and their bindings", () => {
    test("three policies, each bound with Deny, failing closed, without parameters", () => {
        const byName = Object.fromEntries(policies(dev).map((p) => [p.metadata.name, p]));
        assert.deepEqual(Object.keys(byName).sort(), policyNames);
        for (const p of policies(dev)) {
            assert.equal(p.apiVersion, "admissionregistration.k8s.io/v1");
            assert.equal(p.spec.failurePolicy, "Fail");
            assert.equal(p.spec.paramKind, undefined, "no parameters: a binding without params cannot be misconfigured");
        }
        const bindings = ofType(dev, bindingType).map((r) => inputs(r));
        assert.deepEqual(
            bindings.map((b) => [b.spec.policyName, b.spec.validationActions, b.spec.matchResources]).sort(),
            policyNames.map((n) => [n, ["Deny"], undefined]),
        );
    });

    test("each binding is created after its policy, all inside the GmsaAdmission component with its arguments", () => {
        const component = one(dev, "eks-gmsa:gmsa:GmsaAdmission", "gmsa-admission");
        assert.deepEqual(inputs(component), {
            hostProcessNamespaces: [],
            webhookNamespace: "gmsa-webhook",
            windowsTaint: { effect: "NoSchedule", key: "os", value: "windows" },
        });
        for (const suffix of ["credential-spec-use", "windows-host-process", "windows-host-path-daemonsets"]) {
            const policy = one(dev, policyType, `gmsa-admission-${suffix}`);
            const binding = one(dev, bindingType, `gmsa-admission-${suffix}-binding`);
            assert.equal(policy.parent, component.urn);
            assert.equal(binding.parent, component.urn);
            assert.ok(binding.dependencies.includes(policy.urn));
        }
    });

    test("every policy and binding validates against the Kubernetes schema, strictly", () => {
        for (const r of [...ofType(dev, policyType), ...ofType(dev, bindingType)]) {
            assert.deepEqual(validateBuiltIn(inputs(r)), [], r.name);
        }
        // The check is real: a misspelt field of the binding is caught.
        const binding = inputs(one(dev, bindingType, "gmsa-admission-credential-spec-use-binding"));
        const problems = validateBuiltIn({ ...binding, spec: { policyName: binding.spec.policyName, validationAction: ["Deny"] } });
        assert.ok(
            problems.some((p) => p.path === "spec.validationAction"),
            JSON.stringify(problems),
        );
    });

    test("before any workload, and not waiting for the webhook release (the API server enforces them itself)", () => {
        const release = one(dev, "kubernetes:helm.sh/v3:Release", "gmsa-webhook");
        assert.deepEqual(
            ofType(dev, bindingType)
                .map((b) => inputs(b).spec.policyName)
                .sort(),
            policyNames,
        );
        for (const r of [...ofType(dev, policyType), ...ofType(dev, bindingType)]) {
            assert.ok(!dependsOn(dev, r.urn, release.urn, { throughChildren: true }), `${r.name} must not wait for the webhook`);
        }
        const workloads = [...ofType(dev, "kubernetes:apps/v1:Deployment"), ...ofType(dev, "kubernetes:batch/v1:Job")];
        assert.ok(workloads.length >= 2);
        for (const w of workloads) {
            for (const b of ofType(dev, bindingType)) assert.ok(dependsOn(dev, w.urn, b.urn, { throughChildren: true }), `${w.name} waits for ${b.name}`);
        }
    });

    test("prod holds them too; a custom webhook namespace is the one the policy names", () => {
        const prod = runOk({ stack: "prod" });
        assert.deepEqual(
            policies(prod)
                .map((p) => p.metadata.name)
                .sort(),
            policyNames,
        );
        assert.deepEqual(
            ofType(prod, bindingType)
                .map((b) => inputs(b).spec.policyName)
                .sort(),
            policyNames,
        );
        const custom = runOk({ stack: "dev", overrides: { "eks-gmsa:gmsa": { ...configOf("dev", "eks-gmsa:gmsa"), webhook: { namespace: "gmsa-system" } } } });
        const validations = allValidations(custom);
        const pod = {
            spec: { securityContext: { windowsOptions: { gmsaCredentialSpecName: "webapp01", gmsaCredentialSpec: "{}" } }, containers: [{ name: "c" }] },
        };
        const result = admit(validations, {
            object: pod,
            request: { namespace: "gmsa-system", operation: "CREATE" },
            namespaceObject: { metadata: { name: "gmsa-system", labels: { "kubernetes.io/metadata.name": "gmsa-system" } } },
        });
        assert.equal(result.allowed, false);
        assert.match(result.denied.join("\n"), /its own namespace gmsa-system/);
    });
});

/** The stack file's value of a structured config key, to change one field of it. */
function configOf(stack: string, key: string): Record<string, unknown> {
    return JSON.parse(loadProgramConfig({ stack }).values[key]);
}

/** The host access validations for every kind of Windows taint and an allow-list (dev registers the default taint, no list). */
function hostAccessVariants(): ValidationLike[] {
    const taints: (Taint | undefined)[] = [
        undefined,
        { key: "os", value: "windows", effect: "PreferNoSchedule" },
        { key: "example.com/windows", value: "", effect: "NoExecute" },
    ];
    return taints.flatMap((windowsTaint) => {
        const args = { allowedNamespaces: ["windows-agents", "csi-windows"], windowsTaint };
        return [...hostAccessValidations(args), ...daemonSetHostPathValidations(args)];
    });
}

describe("the CEL compiles as kube-apiserver compiles it, within its cost limits", () => {
    const validations = [...allValidations(dev), ...hostAccessVariants()];

    test("every expression is well-typed with object dyn and request/namespaceObject as declared, and is a bool", () => {
        // Every rule is in the set checked: gMSA, HostProcess, host paths on pods and on DaemonSets.
        for (const rule of [
            /init container/,
            /ephemeral container/,
            /without gmsaCredentialSpecName/,
            /skipped by the gMSA webhook/,
            /hostProcess: true/,
            /This pod has a hostPath volume/,
            /This DaemonSet's pods have a hostPath volume/,
        ]) {
            assert.ok(
                allValidations(dev).some((v) => rule.test(v.message)),
                `dev registers a rule matching ${rule}`,
            );
        }
        for (const v of validations) {
            const check = checkValidationExpression(v.expression);
            assert.deepEqual(check.problems, [], v.expression);
            assert.equal(check.type, "bool");
        }
    });

    test("the checker refuses what the API server refuses (so the pass above means something)", () => {
        assert.match(checkValidationExpression("object.spec.hostNetwork").problems.join(), /must evaluate to bool but got dyn/);
        assert.match(checkValidationExpression("request.namespce == 'web'").problems.join(), /undefined field 'namespce' of kubernetes.AdmissionRequest/);
        assert.match(
            checkValidationExpression("namespaceObject.metadata.labels['a'] == 1").problems.join(),
            /no matching overload for _==_ applied to \(string, int\)/,
        );
        assert.match(checkValidationExpression("params.x == 'a'").problems.join(), /undeclared reference to 'params'/);
        assert.match(checkValidationExpression("request.namespace in ['a', 1]").problems.join(), /homogeneous/);
        assert.match(checkValidationExpression("object.spec.containers.all(c, c.name.startsWith('a'))").problems.join(), /startsWith is outside/);
        assert.match(checkValidationExpression("has(object.spec").problems.join(), /syntax error/);
    });

    test("a large legitimate pod stays far below the per-expression and per-policy runtime limits", () => {
        // k8s.io/apiserver pkg/apis/cel/config.go: PerCallLimit 1,000,000 per expression,
        // RuntimeCELCostBudget 10,000,000 per policy evaluation. A pod with 100 containers, 100
        // init and 100 ephemeral containers, 100 volumes, credential spec contents of 4 KiB, 20
        // tolerations, 10 required node selector terms of 10 expressions with 10 values each:
        const sizes = { listSize: 100, listSizes: { tolerations: 20, nodeSelectorTerms: 10, matchExpressions: 10, values: 10 }, stringSize: 4096 };
        const costs = validations.map((v) => checkValidationExpression(v.expression, sizes).cost);
        for (const cost of costs) assert.ok(cost > 0 && cost < 1_000_000 / 5, `modelled cost ${cost}`);
        assert.ok(costs.reduce((a, b) => a + b, 0) < 10_000_000 / 10);
        // The model grows with the lists: an absurd pod (tens of thousands of containers) runs out
        // of budget, which with failurePolicy Fail refuses it.
        const huge = validations.map((v) => checkValidationExpression(v.expression, { listSize: 50_000, stringSize: 4096 }).cost);
        assert.ok(Math.max(...huge) > 1_000_000);
    });
});

describe("eks-gmsa:windowsNodes.hostProcessNamespaces", () => {
    const hostProcessPod = windowsPod({
        pod: { hostProcess: true, runAsUserName: "NT AUTHORITY\\SYSTEM" },
        containers: [container("agent", { hostProcess: true })],
    });
    const hostPathPod = windowsPod({ pod: null, volumes: [containerdPipe] });
    const hostAccessPolicy = (run: StackRun) => inputs(one(run, policyType, "gmsa-admission-windows-host-process")).spec.validations;

    test("default: no namespace may run HostProcess pods or Windows pods with host paths, kube-system included", () => {
        for (const ns of ["kube-system", "default", "windows-monitoring"]) {
            for (const pod of [hostProcessPod, hostPathPod]) {
                const result = admit(hostAccessPolicy(dev), create(pod, ns));
                assert.equal(result.allowed, false, ns);
                assert.match(result.denied.join("\n"), /in no namespace/);
            }
        }
    });

    test("listed namespaces reach the policy: host access admitted there, refused elsewhere with the list, sorted", () => {
        const run = runOk({
            stack: "dev",
            overrides: { "eks-gmsa:windowsNodes": { windowsServerVersion: "2022", hostProcessNamespaces: ["windows-monitoring", "csi-windows"] } },
        });
        assert.deepEqual(inputs(one(run, "eks-gmsa:gmsa:GmsaAdmission", "gmsa-admission")).hostProcessNamespaces, ["windows-monitoring", "csi-windows"]);
        for (const pod of [hostProcessPod, hostPathPod]) {
            assert.deepEqual(admit(hostAccessPolicy(run), create(pod, "csi-windows")), { allowed: true, denied: [], errors: [] });
            assert.deepEqual(admit(hostAccessPolicy(run), create(pod, "windows-monitoring")), { allowed: true, denied: [], errors: [] });
            assert.match(admit(hostAccessPolicy(run), create(pod, "web")).denied.join("\n"), /only in csi-windows, windows-monitoring;/);
        }
    });

    test("a namespace the stack grants to app teams or runs the gMSA system in is refused: its admins would get the node", () => {
        for (const [stack, ns, why] of [
            ["dev", "web", /a namespace admins' namespace \(access\.namespaceAdmins\)/],
            ["prod", "reporting", /a namespace whose pods may use a gMSA \(gmsa\.accounts\[\]\.allowed\)/],
            ["prod", "gmsa-webhook", /the gMSA webhook's or cert-manager's namespace/],
            ["prod", "cert-manager", /the gMSA webhook's or cert-manager's namespace/],
        ] as const) {
            const run = runStack({
                stack,
                overrides: { "eks-gmsa:windowsNodes": { windowsServerVersion: "2022", hostProcessNamespaces: ["windows-monitoring", ns] } },
            });
            const line = run.errors.join("\n");
            assert.match(line, new RegExp(`eks-gmsa:windowsNodes\\.hostProcessNamespaces\\[1\\]: got "${ns}"; is `));
            assert.match(line, why);
            assert.match(line, /give node agents a namespace of their own/);
            assert.deepEqual(userResources(run), []);
        }
    });

    test("a name that is not a DNS-1123 label, a duplicate, or a non-list is an error naming the key, before anything is registered", () => {
        for (const [value, pattern] of [
            [["Windows_Monitoring"], /eks-gmsa:windowsNodes\.hostProcessNamespaces\[0\]: got "Windows_Monitoring"; must be a DNS-1123 label/],
            [["ok", "it's"], /eks-gmsa:windowsNodes\.hostProcessNamespaces\[1\]: got "it's"; must be a DNS-1123 label/],
            [["web", "web"], /eks-gmsa:windowsNodes\.hostProcessNamespaces: got \["web","web"\]; lists "web" more than once/],
            ["kube-system", /eks-gmsa:windowsNodes\.hostProcessNamespaces: got "kube-system"; must be a list/],
        ] as const) {
            const run = runStack({ stack: "dev", overrides: { "eks-gmsa:windowsNodes": { windowsServerVersion: "2022", hostProcessNamespaces: value } } });
            assert.match(run.errors.join("\n"), pattern);
            assert.deepEqual(userResources(run), []);
        }
    });
});
