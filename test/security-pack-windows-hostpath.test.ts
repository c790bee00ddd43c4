// A Windows pod that mounts a host path (C:\, or containerd's named pipe) reaches the node's SYSTEM
// as a HostProcess container does: pod-host-access-allowlist refuses hostPath volumes in pods that
// can run on Windows nodes outside hostProcessNamespaces. Which pods can: they select Windows
// (nodeSelector, spec.os, required node affinity), or are not kept off Windows and tolerate the
// Windows nodes' taints (os=windows:NoSchedule by default; a toleration with operator Exists and no
// key tolerates everything; spec.nodeName skips NoSchedule taints). Linux pods keep their host
// paths. Run as the Pulumi CLI runs the pack.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defaultPackDir, startPolicyPack, type PackSession } from "../tools/policy/analyzer";
import type { PolicyConfig, Violation } from "../tools/policy/types";
import { builtinMakers, newMakers, WINDOWS_IMAGE } from "./support/podMakers";

let pack: PackSession;
before(async () => {
    pack = await startPolicyPack(defaultPackDir);
});
after(async () => {
    await pack?.close();
});

const POLICY = "pod-host-access-allowlist";
const show = (violations: Violation[]) => violations.map((v) => `${v.policyName}: ${v.message}`).join("\n");
const findings = (violations: Violation[]) => violations.filter((v) => v.policyName === POLICY);

const PIPE = "\\\\.\\pipe\\containerd-containerd";
const WINDOWS_TOLERATION = { key: "os", operator: "Equal", value: "windows", effect: "NoSchedule" };

/** A pod mounting `hostPath` (the pipe by default), placed by `placement`. */
function agent(placement: Record<string, unknown>, hostPath = PIPE, image = WINDOWS_IMAGE) {
    return {
        ...placement,
        containers: [{ name: "agent", image, volumeMounts: [{ name: "host", mountPath: hostPath.startsWith("\\\\") ? hostPath : "/host" }] }],
        volumes: [{ name: "host", hostPath: { path: hostPath } }],
    };
}

const daemonSet = (spec: Record<string, unknown>, ns: string, config: PolicyConfig = {}) => pack.analyze(builtinMakers.DaemonSet(spec, ns, "agent"), config);

describe("hostPath volumes in pods that can run on Windows nodes", () => {
    test("containerd's named pipe or C:\\ on a Windows DaemonSet: refused in an app namespace and in kube-system, admitted in hostProcessNamespaces", async () => {
        const windows = { nodeSelector: { "kubernetes.io/os": "windows" }, tolerations: [WINDOWS_TOLERATION] };
        for (const [ns, hostPath] of [
            ["web", PIPE],
            ["kube-system", PIPE],
            ["kube-system", "C:\\"],
        ] as const) {
            const v = await daemonSet(agent(windows, hostPath), ns);
            assert.equal(findings(v).length, 1, `${ns} ${hostPath}:\n${show(v)}`);
            const message = findings(v)[0].message;
            assert.ok(
                message.startsWith(
                    `DaemonSet ${ns}/agent asks for a hostPath volume on a pod that can run on Windows nodes (volume host (hostPath ${hostPath})) in namespace ${ns} ` +
                        "(it can run on Windows nodes: it selects Windows nodes (nodeSelector kubernetes.io/os: windows))",
                ),
                message,
            );
            assert.match(message, /SYSTEM/);
            assert.match(message, /hostProcessNamespaces \(empty\)/);
        }
        const allowed = await daemonSet(agent(windows), "node-agents", { [POLICY]: { hostProcessNamespaces: ["node-agents"] } });
        assert.deepEqual(findings(allowed), []);
    });

    test("each way a pod can land on Windows nodes", async () => {
        for (const [way, placement, why] of [
            ["tolerates the Windows taint, no selector", { tolerations: [WINDOWS_TOLERATION] }, /it tolerates the Windows nodes' taint os=windows:NoSchedule/],
            ["tolerates the taint's key with Exists", { tolerations: [{ key: "os", operator: "Exists" }] }, /it tolerates the Windows nodes' taint/],
            [
                "tolerates everything (operator Exists, no key)",
                { tolerations: [{ operator: "Exists" }] },
                /it tolerates every taint \(a toleration with operator Exists and no key\)/,
            ],
            ["spec.os.name windows", { os: { name: "windows" } }, /it sets spec\.os\.name: windows/],
            [
                "required node affinity kubernetes.io/os In [windows]",
                {
                    affinity: {
                        nodeAffinity: {
                            requiredDuringSchedulingIgnoredDuringExecution: {
                                nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/os", operator: "In", values: ["windows"] }] }],
                            },
                        },
                    },
                },
                /its required node affinity selects kubernetes\.io\/os In \[windows\]/,
            ],
            // The pack cannot see the cluster's real taint (an app stack's config may lag the platform's): selecting Windows is enough.
            [
                "selects Windows without tolerating the configured taint",
                { nodeSelector: { "kubernetes.io/os": "windows" } },
                /it selects Windows nodes \(nodeSelector kubernetes\.io\/os: windows\)/,
            ],
            [
                "spec.nodeName (skips the scheduler, so NoSchedule taints)",
                { nodeName: "ip-10-20-1-5.us-west-2.compute.internal" },
                /it names its node \(spec\.nodeName\)/,
            ],
        ] as const) {
            const v = await daemonSet(agent(placement), "kube-system");
            assert.equal(findings(v).length, 1, `${way}:\n${show(v)}`);
            assert.match(findings(v)[0].message, why, way);
        }
    });

    test("Linux pods keep their host paths: no Windows toleration, or kept off Windows by nodeSelector, spec.os or affinity even when tolerating everything", async () => {
        const linuxHostPath = (placement: Record<string, unknown>) =>
            agent(placement, "/var/log", "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable");
        for (const [way, placement] of [
            ["no toleration, no selector", {}],
            ["a Linux node selector", { nodeSelector: { "kubernetes.io/os": "linux" } }],
            ["tolerates everything, Linux node selector", { nodeSelector: { "kubernetes.io/os": "linux" }, tolerations: [{ operator: "Exists" }] }],
            [
                "tolerates everything, the deprecated beta.kubernetes.io/os: linux selector",
                { nodeSelector: { "beta.kubernetes.io/os": "linux" }, tolerations: [{ operator: "Exists" }] },
            ],
            ["tolerates everything, spec.os.name linux", { os: { name: "linux" }, tolerations: [{ operator: "Exists" }] }],
            [
                "tolerates everything, affinity NotIn [windows]",
                {
                    tolerations: [{ operator: "Exists" }],
                    affinity: {
                        nodeAffinity: {
                            requiredDuringSchedulingIgnoredDuringExecution: {
                                nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/os", operator: "NotIn", values: ["windows"] }] }],
                            },
                        },
                    },
                },
            ],
            ["tolerates another taint", { tolerations: [{ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }] }],
            ["tolerates the Windows taint's key with another value", { tolerations: [{ key: "os", operator: "Equal", value: "linux", effect: "NoSchedule" }] }],
            ["tolerates the Windows taint's key for NoExecute only", { tolerations: [{ key: "os", operator: "Exists", effect: "NoExecute" }] }],
        ] as const) {
            for (const ns of ["kube-system", "logging"]) {
                const v = await daemonSet(linuxHostPath(placement), ns);
                assert.deepEqual(findings(v), [], `${way} in ${ns}:\n${show(v)}`);
            }
        }
        // The boundary: the same log agent tolerating everything without the Linux selector also runs on Windows nodes.
        const everywhere = await daemonSet(linuxHostPath({ tolerations: [{ operator: "Exists" }] }), "kube-system");
        assert.match(findings(everywhere)[0]?.message ?? show(everywhere), /volume host \(hostPath \/var\/log\).*it tolerates every taint/);
        // NotIn and DoesNotExist on the deprecated beta label match a Windows node that lacks it: not kept off.
        for (const operator of ["NotIn", "DoesNotExist"]) {
            const beta = await daemonSet(
                linuxHostPath({
                    tolerations: [{ operator: "Exists" }],
                    affinity: {
                        nodeAffinity: {
                            requiredDuringSchedulingIgnoredDuringExecution: {
                                nodeSelectorTerms: [
                                    {
                                        matchExpressions: [
                                            { key: "beta.kubernetes.io/os", operator, ...(operator === "NotIn" ? { values: ["windows"] } : {}) },
                                        ],
                                    },
                                ],
                            },
                        },
                    },
                }),
                "kube-system",
            );
            assert.equal(findings(beta).length, 1, `beta.kubernetes.io/os ${operator}:\n${show(beta)}`);
        }
    });

    test("windowsNodeTaints: nodes without a taint let every pod not kept off Windows land there; another taint is matched as configured", async () => {
        const noSelector = agent({});
        assert.deepEqual(findings(await daemonSet(noSelector, "kube-system")), []);
        const untainted = await daemonSet(noSelector, "kube-system", { [POLICY]: { windowsNodeTaints: [] } });
        assert.match(findings(untainted)[0]?.message ?? show(untainted), /the Windows nodes have no taint and nothing keeps it off them/);
        assert.deepEqual(
            findings(await daemonSet(agent({ nodeSelector: { "kubernetes.io/os": "linux" } }), "kube-system", { [POLICY]: { windowsNodeTaints: [] } })),
            [],
        );
        const custom = { [POLICY]: { windowsNodeTaints: [{ key: "node.example.com/windows", value: "true", effect: "NoExecute" }] } };
        const tolerates = await daemonSet(agent({ tolerations: [{ key: "node.example.com/windows", operator: "Exists" }] }), "kube-system", custom);
        assert.equal(findings(tolerates).length, 1, show(tolerates));
        assert.deepEqual(findings(await daemonSet(agent({ tolerations: [WINDOWS_TOLERATION] }), "kube-system", custom)), []);
        // A PreferNoSchedule taint keeps no pod off.
        const prefer = await daemonSet(noSelector, "kube-system", {
            [POLICY]: { windowsNodeTaints: [{ key: "os", value: "windows", effect: "PreferNoSchedule" }] },
        });
        assert.equal(findings(prefer).length, 1, show(prefer));
    });

    test("secret tolerations count as tolerating; tolerations computed at deployment are left to that run", async () => {
        const secret = await daemonSet(agent({ tolerations: "[secret]" }), "kube-system");
        assert.match(findings(secret)[0]?.message ?? show(secret), /its tolerations are a secret in this plan/);
        assert.deepEqual(findings(await daemonSet(agent({ tolerations: "[unknown]" }), "kube-system")), []);
        const secretVolume = await daemonSet({ ...agent({ nodeSelector: { "kubernetes.io/os": "windows" } }), volumes: "[secret]" }, "kube-system");
        assert.match(
            findings(secretVolume)[0]?.message ?? show(secretVolume),
            /a hostPath volume hidden by a secret, on a pod that can run on Windows nodes \(volumes \(all\)\)/,
        );
    });

    test("every kind that makes pods is judged", async () => {
        const spec = agent({ nodeSelector: { "kubernetes.io/os": "windows" }, tolerations: [WINDOWS_TOLERATION] });
        for (const [way, make] of Object.entries({ ...builtinMakers, ...newMakers })) {
            if (way === "a DeploymentPatch") continue; // its maker drops containers and tolerations, keeps volumes
            const v = await pack.analyze(make(spec, "web"));
            assert.equal(findings(v).length, 1, `${way}:\n${show(v)}`);
            assert.match(findings(v)[0].message, /hostPath volume on a pod that can run on Windows nodes/, way);
        }
    });
});
