// The cluster's own admission rules (ValidatingAdmissionPolicies), evaluated with a CEL evaluator
// on pod fixtures: the very expressions the dev stack registers, bound as kube-apiserver binds
// them (test/support/admissionCel.ts). A pod is refused when a validation is false or errors
// (failurePolicy Fail), so "admitted" also proves the expression does not fail on that pod.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { admit, type AdmissionInput, type ValidationLike } from "./support/admissionCel";
import { addEphemeral, container, create, linuxPod, payments, webapp, windowsPod } from "./support/admissionFixtures";
import { one, inputs, runOk } from "./helpers";

const policyType = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy";
const dev = runOk({ stack: "dev" });
const devWithHostProcess = runOk({
    stack: "dev",
    overrides: { "eks-gmsa:windowsNodes": { windowsServerVersion: "2022", hostProcessNamespaces: ["windows-monitoring"] } },
});

/** The validations of a policy as the stack registers it. */
function validationsOf(run: typeof dev, name: string): ValidationLike[] {
    return inputs(one(run, policyType, name)).spec.validations;
}
const gmsaPolicy = validationsOf(dev, "gmsa-admission-credential-spec-use");
const hostProcessPolicy = validationsOf(dev, "gmsa-admission-windows-host-process");
const hostProcessPolicyWithAllowList = validationsOf(devWithHostProcess, "gmsa-admission-windows-host-process");

function assertRefused(validations: ValidationLike[], input: AdmissionInput, messagePart: RegExp) {
    const result = admit(validations, input);
    assert.deepEqual(result.errors, [], "refused by a false validation, not by an evaluation error");
    assert.equal(result.allowed, false, "refused");
    assert.ok(
        result.denied.some((m) => messagePart.test(m)),
        `a message matching ${messagePart}: ${JSON.stringify(result.denied)}`,
    );
}

function assertAdmitted(validations: ValidationLike[], input: AdmissionInput) {
    assert.deepEqual(admit(validations, input), { allowed: true, denied: [], errors: [] });
}

describe("gMSA identity policy: refused", () => {
    test("an init container naming another credential spec (the webhook never looks at init containers)", () => {
        assertRefused(
            gmsaPolicy,
            create(windowsPod({ initContainers: [container("setup", payments)] })),
            /init container .*pod-level value.*Set the gMSA at the pod level/,
        );
        // Name only, no contents: still another identity.
        assertRefused(gmsaPolicy, create(windowsPod({ initContainers: [container("setup", { gmsaCredentialSpecName: "payments" })] })), /init container/);
        // A pod with no pod-level gMSA at all.
        assertRefused(gmsaPolicy, create(windowsPod({ pod: null, initContainers: [container("setup", payments)] })), /init container/);
    });

    test("an init container with the pod's name but another credential spec's contents", () => {
        assertRefused(
            gmsaPolicy,
            create(windowsPod({ initContainers: [container("setup", { ...webapp, gmsaCredentialSpec: payments.gmsaCredentialSpec })] })),
            /init container/,
        );
    });

    test("an ephemeral container with a credential spec, added with kubectl debug", () => {
        const before = windowsPod();
        assertRefused(
            gmsaPolicy,
            addEphemeral(before, windowsPod({ ephemeralContainers: [container("debugger", payments)] })),
            /ephemeral container .*Remove the gMSA fields/,
        );
        const noGmsa = windowsPod({ pod: null, containers: [container("iis")] });
        assertRefused(
            gmsaPolicy,
            addEphemeral(noGmsa, windowsPod({ pod: null, containers: [container("iis")], ephemeralContainers: [container("debugger", webapp)] })),
            /ephemeral container/,
        );
    });

    test("contents without a name, wherever they are: pod level, container, init container, ephemeral container", () => {
        const inline = { gmsaCredentialSpec: payments.gmsaCredentialSpec };
        const fix = /without gmsaCredentialSpecName.*Set only gmsaCredentialSpecName/;
        assertRefused(gmsaPolicy, create(windowsPod({ pod: inline, containers: [container("iis")] })), fix);
        assertRefused(gmsaPolicy, create(windowsPod({ pod: null, containers: [container("iis", inline)] })), fix);
        assertRefused(gmsaPolicy, create(windowsPod({ initContainers: [container("setup", inline)] })), fix);
        assertRefused(gmsaPolicy, addEphemeral(windowsPod(), windowsPod({ ephemeralContainers: [container("debugger", inline)] })), fix);
    });

    test("a gMSA pod in the webhook's own namespace, which the webhook skips", () => {
        const pod = windowsPod();
        assertRefused(gmsaPolicy, create(pod, "gmsa-webhook"), /skipped by the gMSA webhook \(its own namespace gmsa-webhook/);
        // Any gMSA field counts, even a name alone on a container.
        assertRefused(
            gmsaPolicy,
            create(windowsPod({ pod: null, containers: [container("iis", { gmsaCredentialSpecName: "webapp01" })] }), "gmsa-webhook"),
            /skipped by the gMSA webhook/,
        );
    });

    test("a gMSA pod in a namespace labelled windows.k8s.io/disabled=true (kube-system, cert-manager's)", () => {
        for (const ns of ["kube-system", "cert-manager", "team-x"]) {
            assertRefused(
                gmsaPolicy,
                create(windowsPod(), ns, { "windows.k8s.io/disabled": "true" }),
                /labelled windows\.k8s\.io\/disabled=true.*Run gMSA workloads in an application namespace/,
            );
        }
        assertRefused(
            gmsaPolicy,
            create(windowsPod({ pod: null, containers: [container("iis")], initContainers: [container("setup", webapp)] }), "kube-system", {
                "windows.k8s.io/disabled": "true",
            }),
            /skipped by the gMSA webhook/,
        );
    });
});

describe("gMSA identity policy: admitted", () => {
    test("a normal gMSA pod: the name at pod level and on the container, contents filled in as the webhook fills them", () => {
        assertAdmitted(gmsaPolicy, create(windowsPod()));
        // Pod level only, and container level only.
        assertAdmitted(gmsaPolicy, create(windowsPod({ containers: [container("iis")] })));
        assertAdmitted(gmsaPolicy, create(windowsPod({ pod: null })));
    });

    test("an init container whose gMSA equals the pod level's (name, contents, or both)", () => {
        assertAdmitted(gmsaPolicy, create(windowsPod({ initContainers: [container("setup", webapp)] })));
        assertAdmitted(gmsaPolicy, create(windowsPod({ initContainers: [container("setup", { gmsaCredentialSpecName: "webapp01" })] })));
        assertAdmitted(gmsaPolicy, create(windowsPod({ initContainers: [container("setup"), container("migrate", webapp)] })));
    });

    test("an ephemeral container without gMSA fields (it inherits the pod's), or with the pod's own", () => {
        assertAdmitted(gmsaPolicy, addEphemeral(windowsPod(), windowsPod({ ephemeralContainers: [container("debugger")] })));
        assertAdmitted(gmsaPolicy, addEphemeral(windowsPod(), windowsPod({ ephemeralContainers: [container("debugger", webapp)] })));
    });

    test("a plain Linux pod, and system pods without gMSA in skipped namespaces", () => {
        assertAdmitted(gmsaPolicy, create(linuxPod, "kube-system", { "windows.k8s.io/disabled": "true" }));
        assertAdmitted(gmsaPolicy, create({ ...linuxPod, spec: { containers: [{ name: "c", image: "busybox" }] } }, "default"));
        assertAdmitted(gmsaPolicy, create(windowsPod({ pod: null, containers: [container("webhook")] }), "gmsa-webhook"));
        // A windowsOptions without gMSA fields.
        assertAdmitted(
            gmsaPolicy,
            create(windowsPod({ pod: { runAsUserName: "ContainerUser" }, containers: [container("iis", { runAsUserName: "ContainerUser" })] }), "kube-system", {
                "windows.k8s.io/disabled": "true",
            }),
        );
    });

    test("the opt-out label must say true, as the webhook's namespaceSelector does", () => {
        assertAdmitted(gmsaPolicy, create(windowsPod(), "web", { "windows.k8s.io/disabled": "false" }));
    });
});

describe("Windows host access policy", () => {
    const hostProcess = { hostProcess: true, runAsUserName: "NT AUTHORITY\\SYSTEM" };

    test("hostProcess: true is refused at the pod level and on any container, init or ephemeral, outside the allow-list", () => {
        const fix = /SYSTEM account.*in no namespace; remove hostProcess, or add the namespace to eks-gmsa:windowsNodes\.hostProcessNamespaces/;
        assertRefused(hostProcessPolicy, create(windowsPod({ pod: hostProcess, containers: [container("agent", { hostProcess: true })] }), "monitoring"), fix);
        assertRefused(hostProcessPolicy, create(windowsPod({ pod: null, containers: [container("agent", hostProcess)] }), "monitoring"), fix);
        assertRefused(
            hostProcessPolicy,
            create(windowsPod({ pod: null, containers: [container("iis")], initContainers: [container("setup", hostProcess)] }), "web"),
            fix,
        );
        assertRefused(hostProcessPolicy, addEphemeral(windowsPod(), windowsPod({ ephemeralContainers: [container("debugger", hostProcess)] })), fix);
        // Not even kube-system, unless listed.
        assertRefused(
            hostProcessPolicy,
            create(windowsPod({ pod: hostProcess, containers: [container("csi-proxy", { hostProcess: true })] }), "kube-system", {
                "windows.k8s.io/disabled": "true",
            }),
            fix,
        );
    });

    test("with an allow-list, refused elsewhere and the message names the allowed namespaces", () => {
        assertRefused(
            hostProcessPolicyWithAllowList,
            create(windowsPod({ pod: hostProcess, containers: [container("agent", { hostProcess: true })] }), "web"),
            /allows HostProcess pods only in windows-monitoring/,
        );
    });

    test("admitted: hostProcess in an allowed namespace; hostProcess false or absent anywhere; Linux pods", () => {
        assertAdmitted(
            hostProcessPolicyWithAllowList,
            create(windowsPod({ pod: hostProcess, containers: [container("agent", { hostProcess: true })] }), "windows-monitoring"),
        );
        assertAdmitted(hostProcessPolicy, create(windowsPod({ pod: { ...webapp, hostProcess: false } })));
        assertAdmitted(hostProcessPolicy, create(windowsPod()));
        assertAdmitted(hostProcessPolicy, create(linuxPod, "kube-system", { "windows.k8s.io/disabled": "true" }));
        assertAdmitted(hostProcessPolicy, addEphemeral(windowsPod(), windowsPod({ ephemeralContainers: [container("debugger")] })));
    });
});
