// Host paths on Windows nodes: a Windows container mounting containerd's pipe or the host's C:\
// controls the runtime or the node, hence the node's SYSTEM account and every gMSA. The Windows host
// access policies refuse a hostPath volume on any pod (or DaemonSet template) that can run on a
// Windows node outside eks-gmsa:windowsNodes.hostProcessNamespaces, deciding "can run on a Windows
// node" from the configured taint, and leave Linux system DaemonSets (aws-node, kube-proxy) alone.
// Evaluated with the CEL evaluator on the expressions the stack registers.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decide, type AdmissionInput, type PolicyLike } from "./support/admissionCel";
import {
    awsNodeTemplate,
    containerdPipe,
    create,
    createAs,
    createDaemonSet,
    daemonSet,
    daemonSetController,
    daemonSetPod,
    hostCDrive,
    kubeProxyTemplate,
    linuxPod,
    windowsLogShipperTemplate,
    windowsPod,
    windowsToleration,
} from "./support/admissionFixtures";
import { inputs, one, runOk } from "./helpers";
import { run } from "@bufbuild/cel";
import { celLabelString } from "../components/celPaths";
import { canRunOnWindows } from "../components/windowsPlacement";

const policyType = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy";

type WindowsNodes = Record<string, unknown>;
/** The pod and DaemonSet host access policies of dev with eks-gmsa:windowsNodes changed. */
function policies(windowsNodes: WindowsNodes = {}) {
    const run = runOk({ stack: "dev", overrides: { "eks-gmsa:windowsNodes": { windowsServerVersion: "2022", ...windowsNodes } } });
    const policy = (name: string): PolicyLike => inputs(one(run, policyType, `gmsa-admission-${name}`));
    return { pods: policy("windows-host-process"), daemonSets: policy("windows-host-path-daemonsets") };
}

function refused(p: PolicyLike, input: AdmissionInput, message: RegExp) {
    const result = decide(p, input);
    assert.equal(result.matched, true, "the policy sees the request");
    assert.deepEqual(result.errors, [], "refused by a false validation, not an evaluation error");
    assert.equal(result.allowed, false, "refused");
    assert.ok(
        result.denied.some((m) => message.test(m)),
        `a message matching ${message}: ${JSON.stringify(result.denied)}`,
    );
}

function admitted(p: PolicyLike, input: AdmissionInput) {
    const { denied, errors } = decide(p, input);
    assert.deepEqual({ denied, errors }, { denied: [], errors: [] });
}

const refusal =
    /This pod has a hostPath volume and can run on a Windows node: it tolerates the Windows nodes' taint os=windows:NoSchedule .*containerd's pipe \\\\\.\\pipe\\containerd-containerd or C:\\.*host paths on pods that can run on Windows nodes in no namespace; use another volume type, pin the pod to Linux \(nodeSelector kubernetes\.io\/os: linux\), or add the namespace to eks-gmsa:windowsNodes\.hostProcessNamespaces\./;

/** A pod with the given volumes and scheduling fields, no Windows selection of its own. */
function podWith(spec: Record<string, unknown>, ns = "default") {
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "probe", namespace: ns },
        spec: { containers: [{ name: "c", image: "busybox" }], volumes: [containerdPipe], ...spec },
    };
}

describe("default taint os=windows:NoSchedule", () => {
    const { pods, daemonSets } = policies();

    test("a Windows pod mounting containerd's pipe or C:\\ is refused in default, with what to do", () => {
        refused(pods, create(windowsPod({ pod: null, volumes: [containerdPipe] }), "default"), refusal);
        refused(pods, create(windowsPod({ pod: null, volumes: [{ name: "scratch", emptyDir: {} }, hostCDrive] }), "default"), refusal);
        // kube-system is no exception unless listed.
        refused(pods, create(windowsPod({ pod: null, volumes: [containerdPipe] }), "kube-system"), refusal);
    });

    test("a pod tolerating every taint (operator Exists, no key) with a host path is refused", () => {
        refused(pods, create(podWith({ tolerations: [{ operator: "Exists" }] })), refusal);
        // Other forms of the same toleration: key with Exists, no effect.
        refused(pods, create(podWith({ tolerations: [{ key: "os", operator: "Exists" }] })), refusal);
        refused(pods, create(podWith({ tolerations: [{ key: "os", value: "windows" }] })), refusal);
    });

    test("a pod naming its node skips the scheduler and the NoSchedule taint: refused unless pinned to Linux", () => {
        refused(pods, create(podWith({ nodeName: "ip-10-20-3-17.eu-west-1.compute.internal" })), /or names its node/);
        admitted(pods, create(podWith({ nodeName: "ip-10-20-3-17.eu-west-1.compute.internal", nodeSelector: { "kubernetes.io/os": "linux" } })));
    });

    test("a Linux DaemonSet's pod with host paths and no Windows toleration is admitted, from anyone", () => {
        const fluentBit = podWith(
            { volumes: [{ name: "varlog", hostPath: { path: "/var/log" } }], tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }] },
            "logging",
        );
        admitted(pods, create(fluentBit, "logging"));
        // Pinned to Linux, tolerating everything: kube-proxy's template, created as a plain pod.
        admitted(pods, create(podWith(kubeProxyTemplate.spec, "kube-system"), "kube-system"));
        admitted(pods, create(podWith(awsNodeTemplate.spec, "kube-system"), "kube-system"));
    });

    test("aws-node and kube-proxy: their DaemonSets are admitted, and so are the pods the DaemonSet controller makes of them", () => {
        for (const [name, template] of [
            ["aws-node", awsNodeTemplate],
            ["kube-proxy", kubeProxyTemplate],
        ] as const) {
            const ds = daemonSet(name, "kube-system", template);
            admitted(daemonSets, createDaemonSet(ds));
            // The controller's pod tolerates everything and its node affinity names only the node.
            admitted(pods, createAs(daemonSetPod(ds, "ip-10-20-1-5.eu-west-1.compute.internal"), daemonSetController));
            // Without --use-service-account-credentials the controller manager asks as itself.
            admitted(
                pods,
                createAs(daemonSetPod(ds, "ip-10-20-1-5.eu-west-1.compute.internal"), {
                    username: "system:kube-controller-manager",
                    groups: ["system:authenticated"],
                }),
            );
        }
    });

    test("a pod that only looks like a DaemonSet's pod, created by anyone else, is judged: refused", () => {
        const ds = daemonSet("aws-node", "kube-system", awsNodeTemplate);
        refused(
            pods,
            createAs(daemonSetPod(ds, "ip-10-20-1-5.eu-west-1.compute.internal"), { username: "alice@example.com", groups: ["system:authenticated"] }),
            /hostPath volume/,
        );
        refused(
            pods,
            createAs(daemonSetPod(ds, "ip-10-20-1-5.eu-west-1.compute.internal"), {
                username: "system:serviceaccount:kube-system:replicaset-controller",
                groups: ["system:serviceaccounts:kube-system"],
            }),
            /hostPath volume/,
        );
    });

    test("a Windows DaemonSet with a host path made before the policies: metadata updates and its deletion's finalizer removal pass, a template change is judged", () => {
        const { daemonSets } = policies();
        const before = daemonSet("log-shipper", "logging", windowsLogShipperTemplate);
        const updateDaemonSet = (after: typeof before) => ({
            object: after,
            oldObject: before,
            request: { namespace: "logging", operation: "UPDATE" as const, resource: { group: "apps", resource: "daemonsets" } },
            namespaceObject: { metadata: { name: "logging", labels: { "kubernetes.io/metadata.name": "logging" } } },
        });
        // kubectl label, a GitOps annotation, the garbage collector removing foregroundDeletion.
        admitted(
            daemonSets,
            updateDaemonSet({ ...before, metadata: { ...before.metadata, labels: { team: "obs" }, finalizers: [] } as typeof before.metadata }),
        );
        const retemplated = {
            ...before,
            spec: { ...before.spec, template: { ...before.spec.template, metadata: { labels: { app: "log-shipper", rev: "2" } } } },
        };
        refused(daemonSets, updateDaemonSet(retemplated), /This DaemonSet's pods have a hostPath volume and can run on Windows nodes/);
    });

    test("a Windows DaemonSet with a host path is refused where it is created; in a listed namespace it is admitted", () => {
        refused(
            daemonSets,
            createDaemonSet(daemonSet("log-shipper", "logging", windowsLogShipperTemplate)),
            /This DaemonSet's pods have a hostPath volume and can run on Windows nodes/,
        );
        const listed = policies({ hostProcessNamespaces: ["windows-agents"] });
        admitted(listed.daemonSets, createDaemonSet(daemonSet("log-shipper", "windows-agents", windowsLogShipperTemplate)));
        refused(listed.daemonSets, createDaemonSet(daemonSet("log-shipper", "logging", windowsLogShipperTemplate)), /only in windows-agents/);
    });

    test("admitted: the same Windows pod in an allowed namespace; Windows pods without host paths; Linux pods", () => {
        const listed = policies({ hostProcessNamespaces: ["windows-agents"] });
        admitted(listed.pods, create(windowsPod({ pod: null, volumes: [containerdPipe] }), "windows-agents"));
        refused(listed.pods, create(windowsPod({ pod: null, volumes: [containerdPipe] }), "default"), /only in windows-agents/);
        admitted(
            pods,
            create(
                windowsPod({
                    volumes: [
                        { name: "scratch", emptyDir: {} },
                        { name: "config", configMap: { name: "web" } },
                    ],
                }),
            ),
        );
        admitted(pods, create(windowsPod()));
        admitted(pods, create(linuxPod, "kube-system"));
    });

    test("pinning to Linux by nodeSelector, spec.os.name or a required node affinity (every term) keeps a pod off Windows", () => {
        const everything = [{ operator: "Exists" }];
        admitted(pods, create(podWith({ tolerations: everything, nodeSelector: { "kubernetes.io/os": "linux" } })));
        admitted(pods, create(podWith({ tolerations: everything, nodeSelector: { "beta.kubernetes.io/os": "linux" } })));
        admitted(pods, create(podWith({ tolerations: everything, os: { name: "linux" } })));
        const affinity = (...terms: object[]) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } });
        const os = (operator: string, values: string[]) => ({ matchExpressions: [{ key: "kubernetes.io/os", operator, values }] });
        admitted(pods, create(podWith({ tolerations: everything, affinity: affinity(os("In", ["linux"])) })));
        admitted(pods, create(podWith({ tolerations: everything, affinity: affinity(os("NotIn", ["windows"]), os("In", ["linux"])) })));
        // One term that allows Windows is enough to reach it (terms are ORed).
        refused(
            pods,
            create(
                podWith({
                    tolerations: everything,
                    affinity: affinity(os("In", ["linux"]), { matchExpressions: [{ key: "kubernetes.io/arch", operator: "In", values: ["amd64"] }] }),
                }),
            ),
            /hostPath/,
        );
        refused(pods, create(podWith({ tolerations: everything, affinity: affinity(os("In", ["linux", "windows"])) })), /hostPath/);
        // Selecting Windows is not pinning away from it.
        refused(pods, create(podWith({ tolerations: everything, nodeSelector: { "kubernetes.io/os": "windows" } })), /hostPath/);
    });
});

describe("other taints", () => {
    test("taint turned off (taint: false): every pod with a host path not pinned to Linux is refused; pinned ones are admitted", () => {
        const { pods, daemonSets } = policies({ taint: false });
        refused(
            pods,
            create(windowsPod({ pod: null, volumes: [containerdPipe], tolerations: [] }), "default"),
            /can run on a Windows node: it is not pinned to Linux .*the Windows nodes carry no taint/,
        );
        refused(pods, create(podWith({ volumes: [{ name: "varlog", hostPath: { path: "/var/log" } }] })), /carry no taint/);
        admitted(pods, create(podWith({ nodeSelector: { "kubernetes.io/os": "linux" } })));
        admitted(daemonSets, createDaemonSet(daemonSet("aws-node", "kube-system", awsNodeTemplate)));
        admitted(daemonSets, createDaemonSet(daemonSet("kube-proxy", "kube-system", kubeProxyTemplate)));
        refused(
            daemonSets,
            createDaemonSet(
                daemonSet("fluent-bit", "logging", {
                    metadata: { labels: { app: "fluent-bit" } },
                    spec: { containers: [{ name: "c", image: "fluent-bit" }], volumes: [{ name: "varlog", hostPath: { path: "/var/log" } }] },
                }),
            ),
            /carry no taint/,
        );
    });

    test("PreferNoSchedule keeps nobody off: judged like no taint", () => {
        const { pods } = policies({ taint: { key: "os", value: "windows", effect: "PreferNoSchedule" } });
        refused(pods, create(podWith({})), /taint os=windows:PreferNoSchedule keeps nobody off/);
    });

    test("a custom taint: only tolerations of that taint count", () => {
        const { pods } = policies({ taint: { key: "example.com/windows", value: "true", effect: "NoExecute" } });
        admitted(pods, create(windowsPod({ pod: null, volumes: [containerdPipe], tolerations: [windowsToleration] }), "default"));
        refused(
            pods,
            create(
                windowsPod({
                    pod: null,
                    volumes: [containerdPipe],
                    tolerations: [{ key: "example.com/windows", operator: "Equal", value: "true", effect: "NoExecute" }],
                }),
                "default",
            ),
            /example\.com\/windows=true:NoExecute/,
        );
        refused(
            pods,
            create(
                windowsPod({ pod: null, volumes: [containerdPipe], tolerations: [{ key: "example.com/windows", operator: "Equal", value: "true" }] }),
                "default",
            ),
            /hostPath/,
        );
        admitted(
            pods,
            create(
                windowsPod({ pod: null, volumes: [containerdPipe], tolerations: [{ key: "example.com/windows", operator: "Equal", value: "false" }] }),
                "default",
            ),
        );
        admitted(
            pods,
            create(
                windowsPod({ pod: null, volumes: [containerdPipe], tolerations: [{ key: "example.com/windows", operator: "Exists", effect: "NoSchedule" }] }),
                "default",
            ),
        );
    });
});

describe("the component passes the taint", () => {
    test("GmsaAdmission's arguments carry the Windows nodes' taint (none when turned off)", () => {
        const component = (windowsNodes: WindowsNodes) =>
            inputs(
                one(
                    runOk({ stack: "dev", overrides: { "eks-gmsa:windowsNodes": { windowsServerVersion: "2022", ...windowsNodes } } }),
                    "eks-gmsa:gmsa:GmsaAdmission",
                    "gmsa-admission",
                ),
            );
        assert.deepEqual(component({}).windowsTaint, { key: "os", value: "windows", effect: "NoSchedule" });
        assert.equal(component({ taint: false }).windowsTaint, undefined);
    });
});

describe("canRunOnWindows on its own", () => {
    const taint = { key: "os", value: "windows", effect: "NoSchedule" as const };
    const evaluate = (spec: object, t: typeof taint | "no taint" = taint) =>
        run(canRunOnWindows("object.spec", t === "no taint" ? undefined : t), { object: { spec } as never });

    test("decides from tolerations, nodeName and pinning, never erring on absent fields", () => {
        assert.equal(evaluate({}), false, "no toleration, no node name");
        assert.equal(evaluate({}, "no taint"), true, "no taint: anything not pinned");
        assert.equal(evaluate({ tolerations: [windowsToleration] }), true);
        assert.equal(evaluate({ tolerations: [{ operator: "Exists", effect: "NoExecute" }] }), false, "an effect that is not the taint's");
        assert.equal(evaluate({ nodeName: "ip-10-20-3-17" }), true);
        assert.equal(evaluate({ nodeName: "ip-10-20-3-17", os: { name: "linux" } }), false);
        assert.equal(
            evaluate({ tolerations: [{ operator: "Exists" }], affinity: { nodeAffinity: {} } }),
            true,
            "an affinity without required terms pins nothing",
        );
        assert.equal(
            evaluate({
                tolerations: [{ operator: "Exists" }],
                affinity: {
                    nodeAffinity: {
                        requiredDuringSchedulingIgnoredDuringExecution: {
                            nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }] }],
                        },
                    },
                },
            }),
            true,
            "a DaemonSet pod's affinity names the node, not its OS",
        );
        const requiring = (key: string, operator: string, values?: string[]) =>
            evaluate({
                tolerations: [{ operator: "Exists" }],
                affinity: {
                    nodeAffinity: {
                        requiredDuringSchedulingIgnoredDuringExecution: {
                            nodeSelectorTerms: [{ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] }],
                        },
                    },
                },
            });
        assert.equal(requiring("kubernetes.io/os", "NotIn", ["windows"]), false, "kubernetes.io/os NotIn [windows]: every node has the label");
        assert.equal(requiring("kubernetes.io/os", "DoesNotExist"), false, "kubernetes.io/os DoesNotExist: no node qualifies");
        assert.equal(requiring("beta.kubernetes.io/os", "In", ["linux"]), false, "the beta label In [linux]");
        assert.equal(requiring("beta.kubernetes.io/os", "NotIn", ["windows"]), true, "the beta label NotIn [windows] matches a Windows node without it");
        assert.equal(requiring("beta.kubernetes.io/os", "DoesNotExist"), true, "the beta label DoesNotExist likewise");
    });

    test("quotes only label-shaped strings into CEL", () => {
        assert.equal(celLabelString("example.com/windows"), "'example.com/windows'");
        assert.throws(() => celLabelString("a' || true || '"), /not a label key or value/);
    });
});
