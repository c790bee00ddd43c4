// Pod Security admission on every namespace the stack creates or grants: baseline enforced at least
// (it refuses HostProcess, privileged and host-namespace pods), restricted enforced where the
// workloads there meet it, restricted warned about and audited everywhere, versions pinned to the
// cluster's Kubernetes version; kube-system untouched.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import YAML from "yaml";
import { inputs, ofType, one, runOk, type StackRun } from "./helpers";
import { testChartCache } from "./support/helmRepository";
import { loadProgramConfig } from "../tools/harness";
import { grantedNamespaces, podSecurityLabels } from "../components/podSecurity";
import { certManagerValues, gmsaChartValues } from "../components/webhookValues";

const namespaceType = "kubernetes:core/v1:Namespace";
const patchType = "kubernetes:core/v1:NamespacePatch";
const dev = runOk({ stack: "dev" });
const prod = runOk({ stack: "prod" });

/** Every label an object of the plan puts on a namespace, by namespace name. */
function namespaceLabels(run: StackRun): Record<string, Record<string, string>> {
    const out: Record<string, Record<string, string>> = {};
    for (const r of [...ofType(run, namespaceType), ...ofType(run, patchType)]) {
        const { name, labels } = inputs(r).metadata;
        out[name] = { ...out[name], ...labels };
    }
    return out;
}

const pss = (labels: Record<string, string> | undefined) =>
    Object.fromEntries(Object.entries(labels ?? {}).filter(([k]) => k.startsWith("pod-security.kubernetes.io/")));

const expected = (enforce: string, version: string) => ({
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/audit-version": version,
    "pod-security.kubernetes.io/enforce": enforce,
    "pod-security.kubernetes.io/enforce-version": version,
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/warn-version": version,
});

describe("namespaces the stack creates", () => {
    test("dev: cert-manager enforces restricted; the webhook's and the app namespace enforce baseline; all warn and audit restricted at v1.35", () => {
        const labels = namespaceLabels(dev);
        assert.deepEqual(pss(labels["cert-manager"]), expected("restricted", "v1.35"));
        assert.deepEqual(pss(labels["gmsa-webhook"]), expected("baseline", "v1.35"));
        assert.deepEqual(pss(labels.web), expected("baseline", "v1.35"));
        // The labels that were there stay.
        assert.equal(labels["cert-manager"]["windows.k8s.io/disabled"], "true");
        assert.equal(labels.web["app.kubernetes.io/managed-by"], "eks-gmsa");
        // Every Namespace the stack creates carries an enforced level.
        for (const r of ofType(dev, namespaceType))
            assert.match(inputs(r).metadata.labels["pod-security.kubernetes.io/enforce"], /^(baseline|restricted)$/, r.name);
    });

    test("the version follows cluster.kubernetesVersion (an upgrade updates the labels in the same pulumi up)", () => {
        const older = runOk({ stack: "dev", overrides: { "eks-gmsa:cluster": { kubernetesVersion: "1.33", protect: false } } });
        for (const r of ofType(older, namespaceType)) {
            const labels = inputs(r).metadata.labels;
            for (const mode of ["enforce", "warn", "audit"]) assert.equal(labels[`pod-security.kubernetes.io/${mode}-version`], "v1.33", `${r.name} ${mode}`);
        }
    });

    test("restricted on cert-manager rests on its chart's own security contexts, which the stack leaves alone", () => {
        // cert-manager's chart (v1.19.2 to v1.21) sets runAsNonRoot, seccomp RuntimeDefault,
        // allowPrivilegeEscalation false and drops ALL capabilities by default; overriding any of
        // those values would void the evidence for enforcing restricted.
        const keys = JSON.stringify(certManagerValues());
        assert.doesNotMatch(keys, /securityContext|containerSecurityContext|hostNetwork/);
        // The gmsa chart 0.13.0 renders its webhook with empty security contexts (values.yaml),
        // which restricted refuses: its namespace stays at baseline unless the values change.
        const chartValues = YAML.parse(testChartCache().files.valuesYaml);
        assert.deepEqual([chartValues.podSecurityContext, chartValues.securityContext], [{}, {}]);
        const ours = gmsaChartValues({ releaseName: "gmsa-webhook", replicas: 2, certManagerVersion: "v1.21.2", randomHostname: true }) as Record<
            string,
            unknown
        >;
        assert.equal(ours.podSecurityContext ?? ours.securityContext, undefined);
    });
});

describe("namespaces the stack grants but does not create", () => {
    test("prod: the namespace admins' and the credential specs' namespaces get the same labels by server-side apply", () => {
        const patches = ofType(prod, patchType).filter((r) => r.name.startsWith("pod-security-"));
        assert.deepEqual(patches.map((r) => inputs(r).metadata.name).sort(), ["reporting", "web", "web-staging"]);
        for (const r of patches) {
            assert.deepEqual(inputs(r).metadata.labels, expected("baseline", "v1.35"), r.name);
            assert.equal(r.parent, one(prod, "eks-gmsa:cluster:PodSecurity", "pod-security").urn);
        }
    });

    test("dev: web is created by the stack, so it is labelled there and not patched", () => {
        assert.deepEqual(
            ofType(dev, patchType).map((r) => inputs(r).metadata.name),
            ["kube-system"],
        );
    });

    test("without gMSA in the cluster, namespace admins' namespaces are still labelled", () => {
        const run = runOk({ stack: "prod", overrides: { "eks-gmsa:gmsa": null, "eks-gmsa:portableIdentityPassword": null } });
        assert.deepEqual(
            ofType(run, patchType)
                .map((r) => inputs(r).metadata.name)
                .sort(),
            ["web", "web-staging"],
        );
    });

    test("kube-system is never given Pod Security labels: only the webhook opt-out it had", () => {
        for (const run of [dev, prod]) assert.deepEqual(namespaceLabels(run)["kube-system"], { "windows.k8s.io/disabled": "true" });
        const inKubeSystem = runOk({
            stack: "dev",
            overrides: {
                "eks-gmsa:gmsa": { ...JSON.parse(loadProgramConfig({ stack: "dev" }).values["eks-gmsa:gmsa"]), webhook: { namespace: "kube-system" } },
            },
        });
        assert.equal(namespaceLabels(inKubeSystem)["kube-system"], undefined, "the webhook in kube-system: no patch, no labels");
        assert.deepEqual(
            grantedNamespaces({
                access: { namespaceAdmins: [{ principalArn: "arn:aws:iam::123456789012:role/x", namespaces: ["kube-system", "team-a"] }] },
                accounts: [],
                created: [],
            }),
            ["team-a"],
        );
    });
});

describe("pure functions", () => {
    test("podSecurityLabels: enforce the level, warn and audit restricted, all at the cluster's minor version", () => {
        assert.deepEqual(podSecurityLabels("baseline", "1.32"), expected("baseline", "v1.32"));
        assert.deepEqual(podSecurityLabels("restricted", "1.36"), expected("restricted", "v1.36"));
        assert.throws(() => podSecurityLabels("baseline", "latest"), /not a Kubernetes minor version/);
    });

    test("grantedNamespaces: admins' and credential specs' namespaces, once each, sorted, without created ones", () => {
        const accounts = [
            {
                name: "a",
                account: "A",
                allowed: [
                    { namespace: "web", serviceAccounts: ["x"], create: true },
                    { namespace: "batch", serviceAccounts: ["y"], create: false },
                ],
            },
            { name: "b", account: "B", allowed: [{ namespace: "reporting", serviceAccounts: ["z"], create: false }] },
        ];
        const namespaceAdmins = [{ principalArn: "arn:aws:iam::123456789012:role/t", namespaces: ["web", "reporting", "tools"] }];
        assert.deepEqual(grantedNamespaces({ access: { namespaceAdmins }, accounts, created: ["web"] }), ["batch", "reporting", "tools"]);
        assert.deepEqual(grantedNamespaces({ access: { namespaceAdmins: [] }, accounts: [], created: [] }), []);
    });
});
