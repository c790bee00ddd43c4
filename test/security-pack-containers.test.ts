// Issue 13, item 1 (the pack's side): the gMSA webhook v0.13.0 checks the pod level and
// spec.containers only, and skips its own namespace and namespaces labelled
// windows.k8s.io/disabled=true. The pack refuses gMSA fields on init and ephemeral containers that
// are not the pod's own (gmsa-container-credspec-matches-pod, the same rule as the cluster's
// ValidatingAdmissionPolicy) and any gMSA in a skipped namespace (gmsa-webhook-skipped-namespace).
// Run as the Pulumi CLI runs the pack.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defaultPackDir, startPolicyPack, type PackSession } from "../tools/policy/analyzer";
import type { PolicyConfig, Violation } from "../tools/policy/types";
import type { PlanResource } from "../tools/planFile";
import { resource } from "./policy-fixtures";
import { builtinMakers, grantedStack, newMakers, windowsPod, WINDOWS_IMAGE } from "./support/podMakers";

let pack: PackSession;
before(async () => {
    pack = await startPolicyPack(defaultPackDir);
});
after(async () => {
    await pack?.close();
});

const mandatory = (violations: Violation[]) => [...new Set(violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policyName))].sort();
const show = (violations: Violation[]) => violations.map((v) => `${v.policyName}: ${v.message}`).join("\n");
const messageOf = (violations: Violation[], policy: string) =>
    violations.find((v) => v.policyName === policy)?.message ?? assert.fail(`${policy} reported nothing:\n${show(violations)}`);

/** web/webapp may use both webapp01 and reports: only the container rule can object. */
const bothGranted = () => grantedStack("web", "webapp", ["webapp01", "reports"]);
const withOptions = (windowsOptions: Record<string, unknown>) => ({ securityContext: { windowsOptions } });
const debugger_ = (windowsOptions: Record<string, unknown>) => ({
    ephemeralContainers: [{ name: "debugger", image: WINDOWS_IMAGE, ...withOptions(windowsOptions) }],
});
const pod = (extra: Record<string, unknown>) => builtinMakers.Pod(windowsPod({ serviceAccount: "webapp", gmsa: "webapp01", pod: extra }), "web", "app");
const CREDSPEC_JSON = JSON.stringify({ CmsPlugins: ["ActiveDirectory"], DomainJoinConfig: { MachineAccountName: "Reports" } });

describe("gmsa-container-credspec-matches-pod: init and ephemeral containers carry only the pod's gMSA", () => {
    test("an ephemeral container naming another gMSA is refused, even one its service account may use; the pod's own name passes", async () => {
        const other = await pack.analyze([...bothGranted(), ...pod(debugger_({ gmsaCredentialSpecName: "reports" }))]);
        assert.deepEqual(mandatory(other), ["gmsa-container-credspec-matches-pod"], show(other));
        assert.match(
            messageOf(other, "gmsa-container-credspec-matches-pod"),
            /^Pod web\/app: ephemeralContainer debugger sets windowsOptions\.gmsaCredentialSpecName "reports", the pod level names "webapp01"\. The gMSA webhook v0\.13\.0 never checks init or ephemeral containers/,
        );
        const same = await pack.analyze([...bothGranted(), ...pod(debugger_({ gmsaCredentialSpecName: "webapp01" }))]);
        assert.deepEqual(mandatory(same), [], show(same));
    });

    test("inline contents alone on an init container are refused (by this rule and gmsa-no-inline-credspec)", async () => {
        const spec = windowsPod({ serviceAccount: "webapp", gmsa: "webapp01", initContainer: withOptions({ gmsaCredentialSpec: CREDSPEC_JSON }) });
        const v = await pack.analyze([...bothGranted(), ...builtinMakers.Job(spec, "web", "migrate")]);
        assert.deepEqual(mandatory(v), ["gmsa-container-credspec-matches-pod", "gmsa-no-inline-credspec"], show(v));
        assert.match(
            messageOf(v, "gmsa-container-credspec-matches-pod"),
            /initContainer setup sets windowsOptions\.gmsaCredentialSpec \(contents\) set, the pod level sets none/,
        );
        // The contents are not printed: they are long, and the point is where they are.
        assert.doesNotMatch(messageOf(v, "gmsa-container-credspec-matches-pod"), /Reports/);
    });

    test("an init container naming a gMSA the pod level does not, in every kind that makes pods", async () => {
        for (const [way, make] of Object.entries({ ...builtinMakers, ...newMakers })) {
            const spec = windowsPod({ serviceAccount: "webapp", gmsa: "webapp01", initGmsa: "reports" });
            const v = await pack.analyze([...bothGranted(), ...make(spec, "web")]);
            assert.deepEqual(mandatory(v), ["gmsa-container-credspec-matches-pod"], `${way}:\n${show(v)}`);
        }
    });

    test("an init container with a gMSA and none at pod level: refused even when every container names the same one", async () => {
        const spec = windowsPod({ serviceAccount: "webapp", initGmsa: "webapp01", container: withOptions({ gmsaCredentialSpecName: "webapp01" }) });
        const v = await pack.analyze([...bothGranted(), ...builtinMakers.Deployment(spec, "web")]);
        assert.deepEqual(mandatory(v), ["gmsa-container-credspec-matches-pod"], show(v));
        assert.match(
            messageOf(v, "gmsa-container-credspec-matches-pod"),
            /initContainer setup sets windowsOptions\.gmsaCredentialSpecName "webapp01", the pod level sets none/,
        );
    });

    test("a value not known until deployment is left to the engine's run at deployment", async () => {
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        const v = await pack.analyze([
            ...bothGranted(),
            ...builtinMakers.Deployment(windowsPod({ serviceAccount: "webapp", gmsa: "webapp01", initGmsa: unknown }), "web"),
        ]);
        assert.deepEqual(mandatory(v), [], show(v));
        const known = await pack.analyze([
            ...bothGranted(),
            ...builtinMakers.Deployment(windowsPod({ serviceAccount: "webapp", gmsa: "webapp01", initGmsa: "reports" }), "web"),
        ]);
        assert.deepEqual(mandatory(known), ["gmsa-container-credspec-matches-pod"]);
    });
});

describe("gmsa-webhook-skipped-namespace: no gMSA where the webhook does not look", () => {
    /** Everything granted in `ns`, so only the namespace rule can object. */
    const inNamespace = (
        ns: string,
        extra: PlanResource[] = [],
        config: PolicyConfig = {},
        spec = windowsPod({ serviceAccount: "webapp", gmsa: "webapp01" }),
    ) => pack.analyze([...grantedStack(ns), ...extra, ...builtinMakers.Deployment(spec, ns, "app")], config);

    test("kube-system, cert-manager and gmsa-webhook by default (the namespaces eks-gmsa labels, and the webhook's)", async () => {
        for (const ns of ["kube-system", "cert-manager", "gmsa-webhook"]) {
            const v = await inNamespace(ns);
            assert.deepEqual(mandatory(v), ["gmsa-webhook-skipped-namespace"], `${ns}:\n${show(v)}`);
            assert.match(
                messageOf(v, "gmsa-webhook-skipped-namespace"),
                new RegExp(`^Deployment ${ns}/app sets windowsOptions\\.gmsaCredentialSpecName \\(pod\\) in namespace ${ns}, which the gMSA webhook skips`),
            );
        }
        assert.deepEqual(mandatory(await inNamespace("web")), []);
    });

    test("a namespace this stack labels windows.k8s.io/disabled=true (Namespace or NamespacePatch)", async () => {
        for (const kind of ["Namespace", "NamespacePatch"]) {
            const ns = resource(`kubernetes:core/v1:${kind}`, `ns-legacy-${kind}`, {
                apiVersion: "v1",
                kind: "Namespace",
                metadata: { name: "legacy", labels: { "windows.k8s.io/disabled": "true" } },
            });
            const v = await inNamespace("legacy", [ns]);
            assert.deepEqual(mandatory(v), ["gmsa-webhook-skipped-namespace"], show(v));
            assert.match(messageOf(v, "gmsa-webhook-skipped-namespace"), /labelled windows\.k8s\.io\/disabled=true in this stack/);
        }
    });

    test("the namespace of the gmsa chart's release in this stack, whatever it is called", async () => {
        const release = resource("kubernetes:helm.sh/v3:Release", "gmsa-webhook-elsewhere", {
            chart: "gmsa",
            version: "0.13.0",
            name: "gmsa",
            namespace: "identity",
        });
        const v = await inNamespace("identity", [release]);
        assert.deepEqual(mandatory(v), ["gmsa-webhook-skipped-namespace"], show(v));
        assert.match(messageOf(v, "gmsa-webhook-skipped-namespace"), /the gMSA webhook's own namespace/);
    });

    test("inline contents, on any container, count as much as a name; so does a name present but empty", async () => {
        const spec = windowsPod({ serviceAccount: "webapp", container: withOptions({ gmsaCredentialSpec: CREDSPEC_JSON }) });
        const v = await inNamespace("kube-system", [], {}, spec);
        assert.ok(mandatory(v).includes("gmsa-webhook-skipped-namespace"), show(v));
        assert.match(messageOf(v, "gmsa-webhook-skipped-namespace"), /windowsOptions\.gmsaCredentialSpec \(container app\)/);
        // Present counts, even empty: the cluster's admission policy tests presence (has()), and so does the pack.
        const empty = await inNamespace(
            "kube-system",
            [],
            {},
            windowsPod({ serviceAccount: "webapp", pod: { securityContext: { windowsOptions: { gmsaCredentialSpecName: "" } } } }),
        );
        assert.deepEqual(mandatory(empty), ["gmsa-webhook-skipped-namespace"], show(empty));
    });

    test("skippedNamespaces in the policy config replaces the default list; the stack's own evidence still counts", async () => {
        const config = { "gmsa-webhook-skipped-namespace": { skippedNamespaces: ["platform"] } };
        assert.deepEqual(mandatory(await inNamespace("platform", [], config)), ["gmsa-webhook-skipped-namespace"]);
        assert.deepEqual(mandatory(await inNamespace("cert-manager", [], config)), []);
        const labelled = resource("kubernetes:core/v1:NamespacePatch", "kube-system-opt-out", {
            metadata: { name: "kube-system", labels: { "windows.k8s.io/disabled": "true" } },
        });
        assert.deepEqual(mandatory(await inNamespace("kube-system", [labelled], config)), ["gmsa-webhook-skipped-namespace"]);
    });

    test("a custom resource's pod template in a skipped namespace", async () => {
        const v = await pack.analyze([
            ...grantedStack("kube-system"),
            ...newMakers["an Argo Rollout (custom resource)"](windowsPod({ serviceAccount: "webapp", gmsa: "webapp01" }), "kube-system"),
        ]);
        assert.deepEqual(mandatory(v), ["gmsa-webhook-skipped-namespace"], show(v));
    });
});
