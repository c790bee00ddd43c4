// Issue 13, item 4: the policy pack sees every way to make a pod. Run as the Pulumi CLI runs it
// (its own process, the analyzer protocol): a plan that gives a gMSA to a service account nobody
// allowed fails through each way, and the same plan passes once that service account is allowed.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defaultPackDir, startPolicyPack, type PackSession } from "../tools/policy/analyzer";
import type { Violation } from "../tools/policy/types";
import { binding, resource, saSubject } from "./policy-fixtures";
import { grantedStack, newMakers, rollout, windowsPod } from "./support/podMakers";

let pack: PackSession;
before(async () => {
    pack = await startPolicyPack(defaultPackDir);
});
after(async () => {
    await pack?.close();
});

const mandatory = (violations: Violation[]) => [...new Set(violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policyName))].sort();
const show = (violations: Violation[]) => violations.map((v) => `${v.policyName}: ${v.message}`).join("\n");

describe("a gMSA for a service account nobody allowed fails through every way to make a pod; the allowed one passes", () => {
    for (const [way, make] of Object.entries(newMakers)) {
        test(way, async () => {
            // The stack grants webapp01 to web/webapp only.
            const intruder = await pack.analyze([...grantedStack(), ...make(windowsPod({ serviceAccount: "intruder", gmsa: "webapp01" }), "web")]);
            assert.deepEqual(mandatory(intruder), ["gmsa-workload-authorized"], show(intruder));
            const finding = intruder.find((v) => v.policyName === "gmsa-workload-authorized")!;
            assert.match(finding.message, /runs as service account web\/intruder, which may not use GMSACredentialSpec "webapp01"/);
            // Reported once, on the resource that makes the pods (a ConfigGroup's or Chart's child, not the component).
            assert.equal(intruder.filter((v) => v.policyName === "gmsa-workload-authorized").length, 1, show(intruder));
            assert.doesNotMatch(finding.urn ?? "", /:(ConfigGroup|Chart)::/);

            const allowed = await pack.analyze([...grantedStack(), ...make(windowsPod({ serviceAccount: "webapp", gmsa: "webapp01" }), "web")]);
            assert.deepEqual(mandatory(allowed), [], show(allowed));
        });
    }

    test("an init container (pod level and init container name the same gMSA, in an Argo Rollout)", async () => {
        const spec = (sa: string) => windowsPod({ serviceAccount: sa, gmsa: "webapp01", initGmsa: "webapp01" });
        const intruder = await pack.analyze([...grantedStack(), rollout(spec("intruder"), "web")]);
        assert.deepEqual(mandatory(intruder), ["gmsa-workload-authorized"], show(intruder));
        assert.deepEqual(mandatory(await pack.analyze([...grantedStack(), rollout(spec("webapp"), "web")])), []);
    });

    test("an init container alone names the gMSA: refused, and the message says the webhook would not have caught it", async () => {
        const v = await pack.analyze([
            ...grantedStack(),
            ...newMakers["a ReplicationController"](windowsPod({ serviceAccount: "intruder", initGmsa: "webapp01" }), "web"),
        ]);
        assert.deepEqual(mandatory(v), ["gmsa-container-credspec-matches-pod", "gmsa-workload-authorized"], show(v));
        assert.match(
            v.find((x) => x.policyName === "gmsa-workload-authorized")!.message,
            /only initContainer setup names it, which the gMSA webhook v0\.13\.0 never checks/,
        );
    });
});

describe("patches: the live object's service account is not visible", () => {
    const patch = (spec: Record<string, unknown>) => newMakers["a DeploymentPatch"](spec, "web");

    test("a DeploymentPatch that sets a gMSA without serviceAccountName fails, even when the namespace's default service account is allowed", async () => {
        const defaultAllowed = [
            ...grantedStack(),
            binding("RoleBinding", "default-may-use", { kind: "ClusterRole", name: "gmsa-use-webapp01" }, [saSubject("default", "web")], "web"),
        ];
        const v = await pack.analyze([...defaultAllowed, ...patch(windowsPod({ gmsa: "webapp01" }))]);
        assert.deepEqual(mandatory(v), ["gmsa-workload-authorized"], show(v));
        const message = v.find((x) => x.policyName === "gmsa-workload-authorized")!.message;
        assert.match(message, /^DeploymentPatch web\/existing-app sets a gMSA .* but no serviceAccountName/);
        assert.match(message, /live object/);
        assert.match(message, /Fix: set serviceAccountName in the same patch/);
        // With the allowed service account in the patch it passes; a patch that touches no pod security is not judged.
        assert.deepEqual(mandatory(await pack.analyze([...defaultAllowed, ...patch(windowsPod({ serviceAccount: "webapp", gmsa: "webapp01" }))])), []);
        assert.deepEqual(await pack.analyze(newMakers["a DeploymentPatch"]({}, "web")), []);
    });

    test("a patch that names a gMSA but leaves placement out is not told to pin Windows nodes (the live object's placement stays); one that sets Linux is", async () => {
        const noPlacement = { serviceAccountName: "webapp", securityContext: { windowsOptions: { gmsaCredentialSpecName: "webapp01" } } };
        assert.deepEqual(mandatory(await pack.analyze([...grantedStack(), ...patch(noPlacement)])), []);
        const linux = await pack.analyze([...grantedStack(), ...patch({ ...noPlacement, nodeSelector: { "kubernetes.io/os": "linux" } })]);
        assert.deepEqual(mandatory(linux), ["gmsa-windows-node-selector"], show(linux));
    });
});

describe("custom resources: pod specs found wherever they are", () => {
    test("a List of Deployments: each item judged in its own namespace", async () => {
        const item = (ns: string) => ({
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "app", namespace: ns },
            spec: { template: { spec: windowsPod({ serviceAccount: "webapp", gmsa: "webapp01" }) } },
        });
        const list = { apiVersion: "v1", kind: "List", metadata: {}, items: [item("web"), item("other")] };
        const v = await pack.analyze([...grantedStack(), resource("kubernetes:apps/v1:DeploymentList", "apps", list)]);
        const findings = v.filter((x) => x.policyName === "gmsa-workload-authorized");
        assert.equal(findings.length, 1, show(v));
        assert.match(findings[0].message, /items\[1\]\.spec\.template\.spec.*runs as service account other\/webapp/);
    });

    test("a gMSA outside any pod spec the pack can read (an Argo Workflow's template container) is refused: its service account cannot be told", async () => {
        const workflow = resource("kubernetes:argoproj.io/v1alpha1:Workflow", "nightly", {
            apiVersion: "argoproj.io/v1alpha1",
            kind: "Workflow",
            metadata: { name: "nightly", namespace: "web" },
            spec: {
                serviceAccountName: "webapp",
                entrypoint: "main",
                templates: [{ name: "main", container: { image: "iis", securityContext: { windowsOptions: { gmsaCredentialSpecName: "webapp01" } } } }],
            },
        });
        const v = await pack.analyze([...grantedStack(), workflow]);
        assert.deepEqual(mandatory(v), ["gmsa-workload-authorized"], show(v));
        assert.match(
            v[0].message,
            /windowsOptions\.gmsaCredentialSpecName at spec\.templates\[0\]\.container\.securityContext\.windowsOptions, outside any pod spec/,
        );
        // What merely describes those fields (a CRD's schema, a ConfigMap's text) or a custom resource without them is not reported.
        const quiet = await pack.analyze([
            rollout(windowsPod({}), "web"),
            resource("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "crd", {
                spec: {
                    versions: [
                        {
                            schema: {
                                openAPIV3Schema: {
                                    properties: {
                                        windowsOptions: { properties: { gmsaCredentialSpecName: { type: "string" }, hostProcess: { type: "boolean" } } },
                                        hostNetwork: { type: "boolean" },
                                    },
                                },
                            },
                        },
                    ],
                },
            }),
            resource("kubernetes:core/v1:ConfigMap", "cm", { metadata: { name: "cm", namespace: "web" }, data: { "pod.yaml": "hostNetwork: true" } }),
        ]);
        assert.deepEqual(quiet, []);
    });
});

describe("odd inputs in the new kinds", () => {
    test("never crash a policy, and a sound resource among them is still judged", async () => {
        const { evaluateInProcess } = await import("../tools/policy/evaluate");
        const types = [
            "kubernetes:apps/v1:DeploymentPatch",
            "kubernetes:core/v1:ReplicationController",
            "kubernetes:core/v1:PodTemplate",
            "kubernetes:core/v1:PodTemplatePatch",
            "kubernetes:argoproj.io/v1alpha1:Rollout",
            "kubernetes:argoproj.io/v1alpha1:RolloutPatch",
            "kubernetes:apps/v1:DeploymentList",
            "kubernetes:yaml/v2:ConfigGroup",
        ];
        const odd: unknown[] = [
            {},
            { metadata: null, spec: "[unknown]", template: 5 },
            {
                metadata: { namespace: "[unknown]" },
                spec: { template: { spec: { securityContext: { windowsOptions: { gmsaCredentialSpecName: "webapp01" } } } } },
            },
            {
                kind: 5,
                metadata: { namespace: {} },
                items: [
                    null,
                    "x",
                    {
                        kind: "Deployment",
                        metadata: "[secret]",
                        spec: { template: { spec: { containers: "[unknown]", initContainers: [null, { securityContext: { windowsOptions: "[unknown]" } }] } } },
                    },
                ],
            },
            {
                spec: {
                    template: {
                        spec: {
                            hostNetwork: "[unknown]",
                            containers: [
                                { securityContext: { privileged: "[unknown]", windowsOptions: { hostProcess: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" } } },
                            ],
                        },
                    },
                },
            },
            {
                template: {
                    spec: {
                        serviceAccountName: "[unknown]",
                        securityContext: { windowsOptions: { gmsaCredentialSpecName: "webapp01" } },
                        initContainers: [{ securityContext: { windowsOptions: { gmsaCredentialSpecName: "[unknown]" } } }],
                    },
                },
            },
        ];
        const resources = types.flatMap((type, i) => odd.map((inputs, j) => resource(type, `odd-${i}-${j}`, inputs as Record<string, unknown>)));
        const sound = newMakers["a PodTemplate"](windowsPod({ serviceAccount: "intruder", gmsa: "webapp01" }), "web", "sound");
        const violations = evaluateInProcess([...grantedStack(), ...resources, ...sound]);
        assert.deepEqual(
            violations.filter((v) => /could not (evaluate|read)/.test(v.message)),
            [],
        );
        assert.ok(
            violations.some(
                (v) => v.policyName === "gmsa-workload-authorized" && /PodTemplate web\/sound runs as service account web\/intruder/.test(v.message),
            ),
            show(violations),
        );
    });
});
