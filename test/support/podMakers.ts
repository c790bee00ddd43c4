// Every way to make a pod, as plan resources the policy pack is given: built-in kinds, their
// *Patch types, ReplicationController, PodTemplate, and custom resources holding pod templates
// (Argo Rollout, Knative Service, KEDA ScaledJob), also as children of a yaml/v2 ConfigGroup and a
// helm.sh/v4 Chart (which register their objects as resources of their own).
import type { PlanResource } from "../../tools/planFile";
import { binding, credspec, gmsaRelease, resource, saSubject, useRole, useRule } from "../policy-fixtures";

export const WINDOWS_IMAGE = "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022";

/** A Windows pod spec; `pod` and `container` fields are merged into the pod and its one container. */
export function windowsPod(
    o: {
        serviceAccount?: string;
        gmsa?: string;
        initGmsa?: string;
        pod?: Record<string, unknown>;
        container?: Record<string, unknown>;
        initContainer?: Record<string, unknown>;
    } = {},
) {
    const gmsa = (name?: string) => (name ? { securityContext: { windowsOptions: { gmsaCredentialSpecName: name } } } : {});
    return {
        ...(o.serviceAccount ? { serviceAccountName: o.serviceAccount } : {}),
        ...gmsa(o.gmsa),
        nodeSelector: { "kubernetes.io/os": "windows" },
        tolerations: [{ key: "os", operator: "Equal", value: "windows", effect: "NoSchedule" }],
        containers: [{ name: "app", image: WINDOWS_IMAGE, ...(o.container ?? {}) }],
        ...(o.initGmsa || o.initContainer
            ? { initContainers: [{ name: "setup", image: WINDOWS_IMAGE, ...gmsa(o.initGmsa), ...(o.initContainer ?? {}) }] }
            : {}),
        ...(o.pod ?? {}),
    };
}

const meta = (name: string, namespace: string) => ({ name, namespace });
const omit = (o: Record<string, unknown>, ...keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
const template = (name: string, spec: unknown) => ({ metadata: { labels: { app: name } }, spec });

/** A resource of `kind` making pods from `spec`, in `namespace`. */
export type PodMaker = (spec: Record<string, unknown>, namespace: string, name?: string) => PlanResource[];

export const builtinMakers: Record<string, PodMaker> = {
    Pod: (spec, ns, name = "pod") => [
        resource("kubernetes:core/v1:Pod", `pod-${name}-${ns}`, { apiVersion: "v1", kind: "Pod", metadata: meta(name, ns), spec }),
    ],
    Deployment: (spec, ns, name = "deploy") => [
        resource("kubernetes:apps/v1:Deployment", `deployment-${name}-${ns}`, {
            metadata: meta(name, ns),
            spec: { selector: { matchLabels: { app: name } }, template: template(name, spec) },
        }),
    ],
    StatefulSet: (spec, ns, name = "sts") => [
        resource("kubernetes:apps/v1:StatefulSet", `sts-${name}-${ns}`, {
            metadata: meta(name, ns),
            spec: { serviceName: name, selector: { matchLabels: { app: name } }, template: template(name, spec) },
        }),
    ],
    DaemonSet: (spec, ns, name = "ds") => [
        resource("kubernetes:apps/v1:DaemonSet", `ds-${name}-${ns}`, {
            metadata: meta(name, ns),
            spec: { selector: { matchLabels: { app: name } }, template: template(name, spec) },
        }),
    ],
    Job: (spec, ns, name = "job") => [
        resource("kubernetes:batch/v1:Job", `job-${name}-${ns}`, { metadata: meta(name, ns), spec: { template: template(name, spec) } }),
    ],
    CronJob: (spec, ns, name = "cron") => [
        resource("kubernetes:batch/v1:CronJob", `cron-${name}-${ns}`, {
            metadata: meta(name, ns),
            spec: { schedule: "0 * * * *", jobTemplate: { spec: { template: template(name, spec) } } },
        }),
    ],
};

/** The ways the pack did not see before issue 13. */
export const newMakers: Record<string, PodMaker> = {
    "a DeploymentPatch": (spec, ns, name = "existing-app") =>
        // A patch carries only the fields it sets: here the pod template's gMSA, service account and placement.
        [
            resource("kubernetes:apps/v1:DeploymentPatch", `patch-${name}-${ns}`, {
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: meta(name, ns),
                spec: { template: { spec: omit(spec, "containers", "tolerations") } },
            }),
        ],
    "a DaemonSetPatch": (spec, ns, name = "existing-agent") => [
        resource("kubernetes:apps/v1:DaemonSetPatch", `dspatch-${name}-${ns}`, {
            apiVersion: "apps/v1",
            kind: "DaemonSet",
            metadata: meta(name, ns),
            spec: { template: { spec } },
        }),
    ],
    "a ReplicationController": (spec, ns, name = "rc") => [
        resource("kubernetes:core/v1:ReplicationController", `rc-${name}-${ns}`, {
            apiVersion: "v1",
            kind: "ReplicationController",
            metadata: meta(name, ns),
            spec: { replicas: 1, selector: { app: name }, template: template(name, spec) },
        }),
    ],
    "a PodTemplate": (spec, ns, name = "tmpl") => [
        resource("kubernetes:core/v1:PodTemplate", `podtemplate-${name}-${ns}`, {
            apiVersion: "v1",
            kind: "PodTemplate",
            metadata: meta(name, ns),
            template: template(name, spec),
        }),
    ],
    "a PodPatch": (spec, ns, name = "existing-pod") => [
        resource("kubernetes:core/v1:PodPatch", `podpatch-${name}-${ns}`, { apiVersion: "v1", kind: "Pod", metadata: meta(name, ns), spec }),
    ],
    "an Argo Rollout (custom resource)": (spec, ns, name = "canary") => [rollout(spec, ns, name)],
    "a Knative Service (custom resource)": (spec, ns, name = "kn") => [
        resource("kubernetes:serving.knative.dev/v1:Service", `kn-${name}-${ns}`, {
            apiVersion: "serving.knative.dev/v1",
            kind: "Service",
            metadata: meta(name, ns),
            spec: { template: { spec } },
        }),
    ],
    "a KEDA ScaledJob (custom resource)": (spec, ns, name = "scaled") => [
        resource("kubernetes:keda.sh/v1alpha1:ScaledJob", `scaledjob-${name}-${ns}`, {
            apiVersion: "keda.sh/v1alpha1",
            kind: "ScaledJob",
            metadata: meta(name, ns),
            spec: { jobTargetRef: { parallelism: 1, template: { spec } }, triggers: [{ type: "cron", metadata: { start: "0 * * * *" } }] },
        }),
    ],
    "a Rollout in a yaml/v2 ConfigGroup": (spec, ns, name = "from-yaml") => {
        const obj = rolloutObject(spec, ns, name);
        const group = resource("kubernetes:yaml/v2:ConfigGroup", `group-${name}-${ns}`, { objs: [obj] }, { options: { custom: false, remote: true } });
        return [group, resource("kubernetes:argoproj.io/v1alpha1:Rollout", `group-${name}-${ns}:${ns}/${name}`, obj, { parent: group.urn })];
    },
    "a Rollout in a helm.sh/v4 Chart": (spec, ns, name = "from-chart") => {
        const chart = resource(
            "kubernetes:helm.sh/v4:Chart",
            `chart-${name}-${ns}`,
            { chart: "oci://registry.example.com/charts/web", namespace: ns, values: { podSpec: spec } },
            { options: { custom: false, remote: true } },
        );
        return [
            chart,
            resource("kubernetes:argoproj.io/v1alpha1:Rollout", `chart-${name}-${ns}:${ns}/${name}`, rolloutObject(spec, ns, name), { parent: chart.urn }),
        ];
    },
};

function rolloutObject(spec: unknown, ns: string, name: string) {
    return {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Rollout",
        metadata: meta(name, ns),
        spec: {
            replicas: 2,
            selector: { matchLabels: { app: name } },
            template: template(name, spec),
            strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } },
        },
    };
}

export const rollout = (spec: unknown, ns: string, name = "canary") =>
    resource("kubernetes:argoproj.io/v1alpha1:Rollout", `rollout-${name}-${ns}`, rolloutObject(spec, ns, name));

/** The webhook, credential specs `names`, a ClusterRole per name and one RoleBinding granting them to `namespace`/`serviceAccount`. */
export function grantedStack(namespace = "web", serviceAccount = "webapp", names = ["webapp01"]): PlanResource[] {
    return [
        gmsaRelease(),
        ...names.map((n) => credspec(n)),
        ...names.map((n) => useRole("ClusterRole", `gmsa-use-${n}`, useRule([n]))),
        ...names.map((n) =>
            binding("RoleBinding", `gmsa-use-${n}`, { kind: "ClusterRole", name: `gmsa-use-${n}` }, [saSubject(serviceAccount, namespace)], namespace),
        ),
    ];
}
