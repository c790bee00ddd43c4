// out/<stack>/manifests: every Kubernetes object the stack creates, one file each, validated
// against the Kubernetes OpenAPI schema (strict about unknown fields) or its CRD's schema.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import YAML from "yaml";
import { toPlan, type Plan } from "../tools/planFile";
import { chartContracts, unavailableGmsaContracts } from "../tools/review/gmsaChart";
import { pointerToPath, validateBuiltIn } from "../tools/review/k8sSchema";
import { typoDistance as editDistance } from "../settings/similar";
import { formatProblems, manifestText, planManifests, writeManifests, type Manifest } from "../tools/review/manifests";
import { runOk } from "./helpers";
import { testChartCache } from "./support/helmRepository";
import { defaultCertManagerVersion } from "../settings/validate";

const schemaLabel = "Kubernetes OpenAPI (test)";

/** The object at a dotted path of a manifest ("spec.containers.0"), to edit in place. */
function objectAt(root: Record<string, unknown>, path: string): Record<string, unknown> {
    return path.split(".").reduce((node, key) => node[key] as Record<string, unknown>, root);
}

function deployment(): Record<string, unknown> {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "iis", namespace: "web", labels: { app: "iis" } },
        spec: {
            replicas: 2,
            selector: { matchLabels: { app: "iis" } },
            template: {
                metadata: { labels: { app: "iis" } },
                spec: {
                    serviceAccountName: "webapp",
                    securityContext: { windowsOptions: { gmsaCredentialSpecName: "webapp01" } },
                    containers: [
                        {
                            name: "iis",
                            image: "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022",
                            ports: [{ containerPort: 80 }],
                            resources: { limits: { cpu: "500m", memory: 1073741824 } },
                        },
                    ],
                    tolerations: [{ key: "os", operator: "Equal", value: "windows", effect: "NoSchedule" }],
                },
            },
        },
    };
}

describe("validateBuiltIn: the Kubernetes OpenAPI schema, strict", () => {
    test("a valid Deployment has no problems (quantities may be strings or numbers)", () => {
        assert.deepEqual(validateBuiltIn(deployment()), []);
    });

    test("a misspelt field is refused with its path and the field it probably meant", () => {
        const d = deployment();
        const windowsOptions = objectAt(d, "spec.template.spec.securityContext.windowsOptions");
        windowsOptions.gmsaCredentialSpecNmae = "webapp01";
        delete windowsOptions.gmsaCredentialSpecName;
        assert.deepEqual(validateBuiltIn(d), [
            {
                path: "spec.template.spec.securityContext.windowsOptions.gmsaCredentialSpecNmae",
                message: 'unknown field "gmsaCredentialSpecNmae" in WindowsSecurityContextOptions (did you mean "gmsaCredentialSpecName"?)',
            },
        ]);
    });

    test("a field at the wrong level is refused (nodeSelector on the Deployment spec)", () => {
        const d = deployment();
        objectAt(d, "spec").nodeSelector = { "kubernetes.io/os": "windows" };
        const problems = validateBuiltIn(d);
        assert.equal(problems.length, 1);
        assert.equal(problems[0].path, "spec.nodeSelector");
        assert.match(problems[0].message, /^unknown field "nodeSelector" in DeploymentSpec \(it has minReadySeconds, paused, .*template\)$/);
    });

    test("wrong types, enums and missing required fields are reported with their paths", () => {
        const d = deployment();
        objectAt(d, "spec.template.spec.containers.0.ports.0").containerPort = "80";
        objectAt(d, "spec.template.spec.tolerations.0").operator = "Equals";
        delete objectAt(d, "spec").selector;
        objectAt(d, "metadata.labels").tier = 3;
        const byPath = new Map(validateBuiltIn(d).map((p) => [p.path, p.message]));
        assert.equal(byPath.get("spec.template.spec.containers[0].ports[0].containerPort"), "must be integer");
        assert.match(byPath.get("spec.template.spec.tolerations[0].operator") ?? "", /must be equal to one of the allowed values/);
        assert.equal(byPath.get("spec.selector"), "is required");
        assert.equal(byPath.get("metadata.labels.tier"), "must be string");
    });

    test("unknown keys inside free-form maps (labels, resource limits) are fine; inside list items they are not", () => {
        const d = deployment();
        objectAt(d, "metadata.labels")["anything.example.com/goes"] = "yes";
        objectAt(d, "spec.template.spec.containers.0.resources.limits")["hugepages-2Mi"] = "1Gi";
        assert.deepEqual(validateBuiltIn(d), []);
        objectAt(d, "spec.template.spec.containers.0.ports.0").hostIP = "0.0.0.0";
        objectAt(d, "spec.template.spec.containers.0.ports.0").hostIp = "0.0.0.0";
        assert.deepEqual(
            validateBuiltIn(d).map((p) => p.path),
            ["spec.template.spec.containers[0].ports[0].hostIp"],
        );
    });

    test("a patch (server-side apply of a partial object) is not held to required fields, but is to field names", () => {
        const patch = { apiVersion: "v1", kind: "Namespace", metadata: { name: "kube-system", labels: { "windows.k8s.io/disabled": "true" } } };
        assert.deepEqual(validateBuiltIn(patch, { partial: true }), []);
        const roleBinding = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "x" }, subjects: [] };
        assert.deepEqual(validateBuiltIn(roleBinding, { partial: true }), []);
        assert.deepEqual(validateBuiltIn(roleBinding), [{ path: "roleRef", message: "is required" }]);
        assert.deepEqual(
            validateBuiltIn({ ...patch, metadata: { ...patch.metadata, label: {} } }, { partial: true }).map((p) => p.path),
            ["metadata.label"],
        );
    });

    test("RBAC: a misspelt rule field is caught (resourceName instead of resourceNames widens nothing but grants nothing)", () => {
        const role = {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: { name: "gmsa-use-webapp01" },
            rules: [{ apiGroups: ["windows.k8s.io"], resources: ["gmsacredentialspecs"], verbs: ["use"], resourceName: ["webapp01"] }],
        };
        const problems = validateBuiltIn(role);
        assert.deepEqual(
            problems.map((p) => p.path),
            ["rules[0].resourceName"],
        );
        assert.match(problems[0].message, /did you mean "resourceNames"/);
    });

    test("pointerToPath and editDistance", () => {
        assert.equal(pointerToPath("/spec/template/spec/containers/0/ports/1/containerPort"), "spec.template.spec.containers[0].ports[1].containerPort");
        assert.equal(pointerToPath("/metadata/labels/app.kubernetes.io~1name"), 'metadata.labels["app.kubernetes.io/name"]');
        assert.equal(pointerToPath(""), "");
        assert.equal(editDistance("resourceName", "resourceNames"), 1);
        assert.equal(editDistance("kitten", "sitting"), 3);
    });
});

describe("planManifests on the dev stack", () => {
    const run = runOk({ stack: "dev" });
    const plan = toPlan("eks-gmsa", run);
    // The gmsa chart's CRD and values.yaml, from a chart cache filled from the loopback repository.
    const { customResources: validators, helmValues } = chartContracts(testChartCache().files);
    const manifests = planManifests(plan, validators, schemaLabel, helmValues);

    test("one file per Kubernetes object and per Helm release, named by kind, namespace and name", () => {
        assert.deepEqual(manifests.map((m) => m.file).sort(), [
            "clusterrole.gmsa-use-webapp01.yaml",
            "deployment.web.gmsa-sample-iis.yaml",
            "gmsacredentialspec.webapp01.yaml",
            "helm-release.cert-manager.cert-manager.yaml",
            "helm-release.gmsa-webhook.gmsa-webhook.yaml",
            "job.web.gmsa-verify.yaml",
            "namespace.cert-manager.yaml",
            "namespace.gmsa-webhook.yaml",
            "namespace.kube-system.patch.yaml",
            "namespace.web.yaml",
            "rolebinding.web.gmsa-use-webapp01.yaml",
            "serviceaccount.web.webapp.yaml",
            "validatingadmissionpolicy.eks-gmsa-credential-spec-use.yaml",
            "validatingadmissionpolicy.eks-gmsa-windows-host-path-daemonsets.yaml",
            "validatingadmissionpolicy.eks-gmsa-windows-host-process.yaml",
            "validatingadmissionpolicybinding.eks-gmsa-credential-spec-use.yaml",
            "validatingadmissionpolicybinding.eks-gmsa-windows-host-path-daemonsets.yaml",
            "validatingadmissionpolicybinding.eks-gmsa-windows-host-process.yaml",
        ]);
        const kubernetesUrns = plan.resources
            .filter((r) => r.type.startsWith("kubernetes:") && r.options.custom)
            .map((r) => r.urn)
            .sort();
        assert.deepEqual(manifests.map((m) => m.urn).sort(), kubernetesUrns, "every Kubernetes resource, and only those");
    });

    test("every object validates; the credspec against the CRD, the others against the OpenAPI schema", () => {
        assert.deepEqual(formatProblems(manifests), []);
        const credspec = manifests.find((m) => m.file === "gmsacredentialspec.webapp01.yaml")!;
        assert.equal(credspec.checkedAgainst, "the GMSACredentialSpec CRD v1 schema (strict) of the gmsa chart 0.13.0");
        assert.equal(manifests.find((m) => m.file === "deployment.web.gmsa-sample-iis.yaml")!.checkedAgainst, schemaLabel);
        assert.equal(manifests.filter((m) => m.unchecked).length, 0);
    });

    test("a file holds the object as the provider receives it, after a header naming its source", () => {
        const rb = manifests.find((m) => m.file === "rolebinding.web.gmsa-use-webapp01.yaml")!;
        const text = manifestText(rb);
        assert.match(text, /^# RoleBinding web\/gmsa-use-webapp01\n# from urn:pulumi:dev::eks-gmsa::.*RoleBinding::binding-webapp01-web\n# checked against: /);
        const parsed = YAML.parse(text);
        assert.deepEqual(parsed.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "gmsa-use-webapp01" });
        assert.deepEqual(parsed.subjects, [{ kind: "ServiceAccount", name: "webapp", namespace: "web" }]);
    });

    test("a Helm release file holds chart, version, repository, namespace and values, with the command to render it", () => {
        const release = manifests.find((m) => m.file === "helm-release.gmsa-webhook.gmsa-webhook.yaml")!;
        const parsed = YAML.parse(manifestText(release));
        assert.equal(parsed.chart, "gmsa");
        assert.equal(parsed.version, "0.13.0");
        assert.equal(parsed.repository, "https://raw.githubusercontent.com/kubernetes-sigs/windows-gmsa/master/charts/repo");
        assert.equal(parsed.namespace, "gmsa-webhook");
        assert.equal(parsed.values.certificates.certManager.enabled, true);
        assert.match(
            manifestText(release),
            /# render: yq \.values helm-release\.gmsa-webhook\.gmsa-webhook\.yaml > values\.yaml && helm template gmsa-webhook gmsa --repo https:\/\/\S+ --version 0\.13\.0 --namespace gmsa-webhook --values values\.yaml/,
        );
    });

    test("the gmsa release's value keys are checked against the chart's values.yaml; cert-manager's cannot be here", () => {
        const gmsa = manifests.find((m) => m.file === "helm-release.gmsa-webhook.gmsa-webhook.yaml")!;
        assert.equal(gmsa.checkedAgainst, "value keys checked against the gmsa chart 0.13.0 values.yaml");
        assert.deepEqual(gmsa.problems, []);
        const certManager = manifests.find((m) => m.file === "helm-release.cert-manager.cert-manager.yaml")!;
        assert.match(
            certManager.checkedAgainst,
            new RegExp(`^nothing: no values\\.yaml of chart cert-manager ${defaultCertManagerVersion.replace(/\./g, "\\.")} on this machine`),
        );
        const broken = structuredClone(plan) as Plan;
        const release = broken.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "gmsa")!;
        const values = release.inputs.values as { podDisruptionBudget: Record<string, unknown>; replicaCount: unknown };
        values.podDisruptionBudget.minAvaliable = 1;
        values.replicaCount = "2";
        assert.deepEqual(formatProblems(planManifests(broken, validators, schemaLabel, helmValues)), [
            "Helm release gmsa-webhook/gmsa-webhook (chart gmsa 0.13.0) [helm-release.gmsa-webhook.gmsa-webhook.yaml]: values.podDisruptionBudget.minAvaliable: not a value of the chart",
            "Helm release gmsa-webhook/gmsa-webhook (chart gmsa 0.13.0) [helm-release.gmsa-webhook.gmsa-webhook.yaml]: values.replicaCount: is string, the chart's default is number",
        ]);
    });

    test("a credspec with a misplaced field fails with the object and the field", () => {
        const broken = structuredClone(plan) as Plan;
        const credspec = broken.resources.find((r) => r.type === "kubernetes:windows.k8s.io/v1:GMSACredentialSpec")!;
        const c = credspec.inputs.credspec as { HostAccountConfig?: unknown; ActiveDirectoryConfig: { HostAccountConfig?: unknown } };
        c.HostAccountConfig = c.ActiveDirectoryConfig.HostAccountConfig;
        delete c.ActiveDirectoryConfig.HostAccountConfig;
        assert.deepEqual(formatProblems(planManifests(broken, validators, schemaLabel)), [
            'GMSACredentialSpec webapp01 [gmsacredentialspec.webapp01.yaml]: credspec.HostAccountConfig: unknown field "HostAccountConfig" (the CRD schema does not have it; the API server would prune it)',
        ]);
    });

    test("a Deployment with a misspelt field fails with the object and the field", () => {
        const broken = structuredClone(plan) as Plan;
        const podSpec = objectAt(broken.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment")!.inputs, "spec.template.spec");
        podSpec.nodeSelecter = podSpec.nodeSelector;
        const lines = formatProblems(planManifests(broken, validators, schemaLabel));
        assert.equal(lines.length, 1);
        assert.match(
            lines[0],
            /^Deployment web\/gmsa-sample-iis \[deployment\.web\.gmsa-sample-iis\.yaml\]: spec\.template\.spec\.nodeSelecter: unknown field "nodeSelecter" in PodSpec \(did you mean "nodeSelector"\?\)$/,
        );
    });

    test("without the chart (not cached, repository unreachable), the credspec and the gmsa values are reported unchecked, never passed", () => {
        const missing = unavailableGmsaContracts("0.13.0", "the gmsa chart 0.13.0 is not cached and its repository cannot be reached");
        const unchecked = planManifests(plan, missing.customResources, schemaLabel, missing.helmValues);
        const credspec = unchecked.find((m) => m.form === "object" && m.document.kind === "GMSACredentialSpec")!;
        assert.equal(credspec.unchecked, "the gmsa chart 0.13.0 is not cached and its repository cannot be reached");
        assert.match(credspec.checkedAgainst, /^nothing: /);
        const release = unchecked.find((m) => m.file === "helm-release.gmsa-webhook.gmsa-webhook.yaml")!;
        assert.equal(release.unchecked, "the gmsa chart 0.13.0 is not cached and its repository cannot be reached");
        assert.equal(
            release.checkedAgainst,
            "nothing: no values.yaml of chart gmsa 0.13.0 (the gmsa chart 0.13.0 is not cached and its repository cannot be reached)",
        );
    });

    test("a custom resource of unknown kind is a problem, not silently accepted", () => {
        const extra = structuredClone(plan) as Plan;
        extra.resources.push({
            urn: "urn:pulumi:dev::eks-gmsa::kubernetes:example.com/v1:Widget::w",
            type: "kubernetes:example.com/v1:Widget",
            name: "w",
            dependencies: [],
            protect: false,
            inputs: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } },
            options: { custom: true },
        });
        assert.deepEqual(
            formatProblems(planManifests(extra, validators, schemaLabel)).filter((l) => l.includes("Widget")),
            ["Widget w [widget.w.yaml]: (object): no schema for example.com/v1 Widget: neither a built-in kind nor a CRD the plan knows"],
        );
    });

    test("writeManifests replaces the directory: an object removed from the stack leaves no stale file", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "manifests-"));
        fs.writeFileSync(path.join(dir, "rolebinding.old.gmsa-use-gone.yaml"), "stale");
        writeManifests(dir, manifests);
        assert.deepEqual(fs.readdirSync(dir).sort(), manifests.map((m: Manifest) => m.file).sort());
        fs.rmSync(dir, { recursive: true, force: true });
    });
});
