// What the admission policies match, as the API server matches them: a pod update that cannot change
// what a rule looks at (labels, finalizers, images) is not refused, even on a pod admitted before the
// policies that breaks them; ephemeral containers (kubectl debug) and pod creation stay covered; and
// an update that can change where a pod runs (an added toleration) is judged by the host path rule.
//
// Kubernetes ValidatePodUpdate (pkg/apis/core/validation/validation.go): "pod updates may not change
// fields other than `spec.containers[*].image`, `spec.initContainers[*].image`,
// `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations),
// `spec.terminationGracePeriodSeconds`", plus removing scheduling gates and, on a gated pod, adding
// to its nodeSelector and node affinity. windowsOptions, volumes and container lists are fixed.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decide, type AdmissionInput, type PolicyLike } from "./support/admissionCel";
import {
    addEphemeral,
    container,
    containerdPipe,
    create,
    payments,
    relabelled,
    update,
    webapp,
    windowsPod,
    windowsToleration,
} from "./support/admissionFixtures";
import { inputs, one, runOk } from "./helpers";

const policyType = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy";
const dev = runOk({ stack: "dev" });
const policy = (name: string): PolicyLike => inputs(one(dev, policyType, `gmsa-admission-${name}`));
const gmsa = policy("credential-spec-use");
const hostAccess = policy("windows-host-process");
const podPolicies = { "eks-gmsa-credential-spec-use": gmsa, "eks-gmsa-windows-host-process": hostAccess };

function assertAdmittedBy(p: PolicyLike, input: AdmissionInput) {
    const { denied, errors } = decide(p, input);
    assert.deepEqual({ denied, errors }, { denied: [], errors: [] });
}

function assertRefusedBy(p: PolicyLike, input: AdmissionInput, message: RegExp) {
    const result = decide(p, input);
    assert.equal(result.matched, true, "the policy sees the request");
    assert.deepEqual(result.errors, []);
    assert.equal(result.allowed, false, "refused");
    assert.ok(
        result.denied.some((m) => message.test(m)),
        `a message matching ${message}: ${JSON.stringify(result.denied)}`,
    );
}

/** Pods admitted before the policies existed that break them (the upgrade case). */
const admittedBefore = {
    "an init container with another gMSA": windowsPod({ initContainers: [container("setup", payments)] }),
    "a HostProcess agent outside the allow-list": windowsPod({
        pod: { hostProcess: true, runAsUserName: "NT AUTHORITY\\SYSTEM" },
        containers: [container("agent", { hostProcess: true })],
    }),
    "a Windows pod mounting containerd's pipe": windowsPod({ volumes: [containerdPipe] }),
};

describe("pod updates that cannot change what the rules look at are not refused", () => {
    test("labels and finalizers change on pods admitted before the policies (each policy admits, for each pod)", () => {
        for (const [what, pod] of Object.entries(admittedBefore)) {
            for (const [name, p] of Object.entries(podPolicies)) {
                const result = decide(p, update(pod, relabelled(pod)));
                assert.equal(result.allowed, true, `${name} refuses a label update of ${what}: ${JSON.stringify(result.denied)}`);
            }
        }
    });

    test("the gMSA policy does not even see pod updates; it sees pod creation and ephemeral containers", () => {
        const pod = windowsPod();
        assert.equal(decide(gmsa, update(pod, relabelled(pod))).matched, false);
        assert.equal(decide(gmsa, create(pod)).matched, true);
        assert.equal(decide(gmsa, addEphemeral(pod, windowsPod({ ephemeralContainers: [container("debugger")] }))).matched, true);
    });

    test("an image update of a pod with a host path that could already run on Windows nodes is not refused", () => {
        const pod = admittedBefore["a Windows pod mounting containerd's pipe"];
        const newImage = {
            ...pod,
            spec: { ...pod.spec, containers: [{ ...container("iis", webapp), image: "mcr.microsoft.com/windows/servercore:ltsc2022-amd64" }] },
        };
        assertAdmittedBy(hostAccess, update(pod, newImage));
    });
});

describe("ephemeral containers and pod creation stay covered", () => {
    test("kubectl debug adding a container with another gMSA, or a HostProcess one, is refused", () => {
        const pod = windowsPod();
        assertRefusedBy(gmsa, addEphemeral(pod, windowsPod({ ephemeralContainers: [container("debugger", payments)] })), /ephemeral container/);
        assertRefusedBy(
            hostAccess,
            addEphemeral(pod, windowsPod({ ephemeralContainers: [container("debugger", { hostProcess: true })] })),
            /HostProcess pods in no namespace/,
        );
    });

    test("the same pods are refused when created", () => {
        assertRefusedBy(gmsa, create(admittedBefore["an init container with another gMSA"]), /init container/);
        assertRefusedBy(hostAccess, create(admittedBefore["a HostProcess agent outside the allow-list"]), /HostProcess/);
        assertRefusedBy(hostAccess, create(admittedBefore["a Windows pod mounting containerd's pipe"]), /hostPath volume and can run on a Windows node/);
    });
});

describe("an update that lets a pod with a host path onto Windows nodes is refused", () => {
    test("adding the Windows toleration to a pending pod with a host path (tolerations may be added to any pod)", () => {
        const pending = windowsPod({ volumes: [containerdPipe], tolerations: [] });
        // Created without the toleration: the taint keeps it off the Windows nodes, so it is admitted...
        assertAdmittedBy(hostAccess, create(pending));
        // ...and adding the toleration afterwards is judged like a creation.
        const tolerating = { ...pending, spec: { ...pending.spec, tolerations: [windowsToleration] } };
        assertRefusedBy(hostAccess, update(pending, tolerating), /hostPath volume and can run on a Windows node/);
        // Adding everything-tolerations too.
        assertRefusedBy(hostAccess, update(pending, { ...pending, spec: { ...pending.spec, tolerations: [{ operator: "Exists" }] } }), /hostPath/);
        // A toleration for something else changes nothing.
        assertAdmittedBy(
            hostAccess,
            update(pending, {
                ...pending,
                spec: { ...pending.spec, tolerations: [{ key: "dedicated", operator: "Equal", value: "batch", effect: "NoSchedule" }] },
            }),
        );
    });

    test("the policies' match constraints say so", () => {
        const rules = (p: PolicyLike) => p.spec.matchConstraints.resourceRules.map((r) => [r.apiGroups, r.resources, r.operations]);
        assert.deepEqual(rules(gmsa), [
            [[""], ["pods"], ["CREATE"]],
            [[""], ["pods/ephemeralcontainers"], ["UPDATE"]],
        ]);
        assert.deepEqual(rules(hostAccess), [
            [[""], ["pods"], ["CREATE", "UPDATE"]],
            [[""], ["pods/ephemeralcontainers"], ["UPDATE"]],
        ]);
        assert.deepEqual(rules(policy("windows-host-path-daemonsets")), [[["apps"], ["daemonsets"], ["CREATE", "UPDATE"]]]);
    });
});
