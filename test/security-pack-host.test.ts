// Issue 13, item 2 (the pack's side): HostProcess, privileged and host-namespace pods only in the
// namespaces the policy config allows (pod-host-access-allowlist), for every kind that makes pods;
// and the scan of custom resources stays within bounds on huge or deep inputs. Run as the Pulumi
// CLI runs the pack.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defaultPackDir, startPolicyPack, type PackSession } from "../tools/policy/analyzer";
import type { PolicyConfig, Violation } from "../tools/policy/types";
import { evaluateInProcess } from "../tools/policy/evaluate";
import type { PlanResource } from "../tools/planFile";
import { resource } from "./policy-fixtures";
import { builtinMakers, newMakers, rollout, windowsPod, WINDOWS_IMAGE } from "./support/podMakers";

let pack: PackSession;
before(async () => {
    pack = await startPolicyPack(defaultPackDir);
});
after(async () => {
    await pack?.close();
});

const POLICY = "pod-host-access-allowlist";
const mandatory = (violations: Violation[]) => [...new Set(violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policyName))].sort();
const show = (violations: Violation[]) => violations.map((v) => `${v.policyName}: ${v.message}`).join("\n");
const findings = (violations: Violation[]) => violations.filter((v) => v.policyName === POLICY);

const hostProcess = () =>
    windowsPod({ pod: { hostNetwork: true, securityContext: { windowsOptions: { hostProcess: true, runAsUserName: "NT AUTHORITY\\SYSTEM" } } } });
const privileged = () => windowsPod({ container: { securityContext: { privileged: true } } });
const hostNamespaces = () => windowsPod({ pod: { hostNetwork: true, hostPID: true, hostIPC: true } });
const daemonSet = (spec: Record<string, unknown>, ns: string) => builtinMakers.DaemonSet(spec, ns, "agent");

describe("pod-host-access-allowlist", () => {
    test("HostProcess: refused in an app namespace and in kube-system (no namespace by default), admitted where hostProcessNamespaces allows", async () => {
        for (const ns of ["web", "kube-system"]) {
            const v = await pack.analyze(daemonSet(hostProcess(), ns));
            assert.deepEqual(mandatory(v), [POLICY], `${ns}:\n${show(v)}`);
            assert.match(findings(v)[0].message, new RegExp(`^DaemonSet ${ns}/agent asks for windowsOptions\\.hostProcess: true \\(pod\\)`));
            assert.match(findings(v)[0].message, /hostProcessNamespaces \(empty\).*eks-gmsa:windowsNodes\.hostProcessNamespaces/);
        }
        const config: PolicyConfig = { [POLICY]: { hostProcessNamespaces: ["node-agents"], hostAccessNamespaces: ["node-agents"] } };
        assert.deepEqual(await pack.analyze(daemonSet(hostProcess(), "node-agents"), config), []);
        // hostNetwork of a HostProcess pod needs its own allowance: with only hostProcessNamespaces, hostNetwork is still refused.
        const onlyHostProcess = await pack.analyze(daemonSet(hostProcess(), "node-agents"), { [POLICY]: { hostProcessNamespaces: ["node-agents"] } });
        assert.match(findings(onlyHostProcess)[0]?.message ?? "", /hostNetwork: true \(pod\) in namespace node-agents/);
        assert.doesNotMatch(findings(onlyHostProcess)[0].message, /hostProcess: true/);
    });

    test("HostProcess set on one container only", async () => {
        const spec = windowsPod({ container: { securityContext: { windowsOptions: { hostProcess: true } } }, pod: { hostNetwork: true } });
        const v = await pack.analyze(builtinMakers.Deployment(spec, "web"), { [POLICY]: { hostAccessNamespaces: ["web"] } });
        assert.match(findings(v)[0]?.message ?? show(v), /windowsOptions\.hostProcess: true \(container app\)/);
    });

    test("privileged containers (also init and ephemeral) and hostNetwork/hostPID/hostIPC: refused outside kube-system, admitted in it", async () => {
        const initPrivileged = windowsPod({ initContainer: { securityContext: { privileged: true } } });
        const ephemeralPrivileged = windowsPod({
            pod: { ephemeralContainers: [{ name: "debugger", image: WINDOWS_IMAGE, securityContext: { privileged: true } }] },
        });
        for (const [what, spec, text] of [
            ["privileged container", privileged(), /securityContext\.privileged: true \(container app\)/],
            ["privileged init container", initPrivileged, /securityContext\.privileged: true \(initContainer setup\)/],
            ["privileged ephemeral container", ephemeralPrivileged, /securityContext\.privileged: true \(ephemeralContainer debugger\)/],
            ["host namespaces", hostNamespaces(), /hostNetwork: true \(pod\), hostPID: true \(pod\), hostIPC: true \(pod\) in namespace web/],
        ] as const) {
            const v = await pack.analyze(daemonSet(spec, "web"));
            assert.deepEqual(mandatory(v), [POLICY], `${what}:\n${show(v)}`);
            assert.match(findings(v)[0].message, text, what);
            assert.match(findings(v)[0].message, /hostAccessNamespaces \(kube-system\)/);
            assert.deepEqual(await pack.analyze(daemonSet(spec, "kube-system")), [], `${what} in kube-system`);
        }
    });

    test("every kind that makes pods is judged (built-in, *Patch, ReplicationController, PodTemplate, custom resources, a ConfigGroup's and a Chart's children)", async () => {
        for (const [way, make] of Object.entries({ ...builtinMakers, ...newMakers })) {
            const v = await pack.analyze(make(hostProcess(), "web"));
            assert.equal(findings(v).length, 1, `${way}:\n${show(v)}`);
            assert.match(findings(v)[0].message, /windowsOptions\.hostProcess: true \(pod\)/, way);
        }
    });

    test("host access outside any pod spec the pack can read (an Argo Workflow) is refused outside the allow-lists", async () => {
        const workflow = (ns: string) =>
            resource("kubernetes:argoproj.io/v1alpha1:Workflow", `wf-${ns}`, {
                apiVersion: "argoproj.io/v1alpha1",
                kind: "Workflow",
                metadata: { name: "wf", namespace: ns },
                spec: { hostNetwork: true, templates: [{ name: "main", container: { image: "busybox", securityContext: { privileged: true } } }] },
            });
        const v = await pack.analyze([workflow("web")]);
        assert.deepEqual(mandatory(v), [POLICY], show(v));
        assert.match(
            findings(v)[0].message,
            /sets hostNetwork: true at spec, privileged: true at spec\.templates\[0\]\.container\.securityContext \(namespace web\), outside any pod spec/,
        );
        assert.deepEqual(await pack.analyze([workflow("kube-system")]), []);
    });
});

describe("bounds: a huge or deep custom resource is evaluated within limits", () => {
    /**
     * The policies' own time (in-process, as the pack's server calls them) and the run through the
     * analyzer protocol, whose transport (protobuf Structs, one decode per policy) costs the most and
     * is the same for the Pulumi CLI. Both printed; the bounds leave room for a loaded machine.
     */
    const measured = async (what: string, plan: PlanResource[]) => {
        let t = process.hrtime.bigint();
        evaluateInProcess(plan);
        const evaluateMs = Number(process.hrtime.bigint() - t) / 1e6;
        t = process.hrtime.bigint();
        const violations = await pack.analyze(plan);
        const protocolMs = Number(process.hrtime.bigint() - t) / 1e6;
        console.log(`${what}: policies ${evaluateMs.toFixed(0)} ms in-process, ${protocolMs.toFixed(0)} ms through the analyzer protocol`);
        assert.ok(evaluateMs < 5_000, `${what}: ${evaluateMs.toFixed(0)} ms in-process`);
        assert.ok(protocolMs < 60_000, `${what}: ${protocolMs.toFixed(0)} ms through the protocol`);
        return violations;
    };

    test("a pod spec after 300,000 other values is still found", async () => {
        const filler = Array.from({ length: 1000 }, (_, i) => ({ name: `step-${i}`, args: Array.from({ length: 298 }, (_, j) => j) }));
        const big = rollout(hostProcess(), "web", "big");
        const spec = big.inputs.spec as Record<string, unknown>;
        spec.analysis = { steps: filler };
        // The pod template after the filler, in document order.
        const { template } = spec;
        delete spec.template;
        spec.template = template;
        const v = await measured("a custom resource of about 300,000 values", [big]);
        assert.equal(findings(v).length, 1, show(v));
        assert.match(findings(v)[0].message, /hostProcess: true \(pod\)/);
    });

    test("more than 1,000,000 values: reported as not inspected in full (never passed unseen)", async () => {
        const huge = resource("kubernetes:example.com/v1:Blob", "blob", {
            apiVersion: "example.com/v1",
            kind: "Blob",
            metadata: { name: "blob", namespace: "web" },
            spec: { chunks: Array.from({ length: 1100 }, () => Array.from({ length: 1000 }, () => 0)) },
        });
        const v = await measured("a custom resource of 1.1 million values", [huge]);
        assert.deepEqual(mandatory(v), ["gmsa-workload-authorized", POLICY], show(v));
        for (const f of v) assert.match(f.message, /could not be inspected in full: it holds more than 1,000,000 values/);
    });

    test("nesting deeper than 100 levels: reported as not inspected in full", async () => {
        let deep: Record<string, unknown> = { containers: [{ name: "x", securityContext: { privileged: true } }] };
        for (let i = 0; i < 500; i++) deep = { next: deep };
        const r = resource("kubernetes:example.com/v1:Nest", "nest", {
            apiVersion: "example.com/v1",
            kind: "Nest",
            metadata: { name: "nest", namespace: "web" },
            spec: deep,
        });
        const v = await measured("a custom resource nested 500 levels deep", [r]);
        assert.deepEqual(mandatory(v), ["gmsa-workload-authorized", POLICY], show(v));
        assert.match(findings(v)[0].message, /nests values deeper than 100 levels \(first at spec(\.next)+…?\)/);
    });
});
