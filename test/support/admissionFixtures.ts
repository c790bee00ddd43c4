// Pods, DaemonSets and admission requests as kube-apiserver hands them to a ValidatingAdmissionPolicy
// (unstructured JSON, after the gMSA webhook's mutation), for the admission tests.
import { renderCredentialSpec } from "../../components/credentialSpec";
import type { AdmissionInput } from "./admissionCel";
import { corpDomain } from "./fixtures";

/** What the webhook writes into gmsaCredentialSpec: the GMSACredentialSpec's credspec as JSON. */
const contentsOf = (name: string, account: string) => JSON.stringify(renderCredentialSpec({ name, account, domain: corpDomain }).credspec);
export const webapp = { gmsaCredentialSpecName: "webapp01", gmsaCredentialSpec: contentsOf("webapp01", "WebApp01") };
export const payments = { gmsaCredentialSpecName: "payments", gmsaCredentialSpec: contentsOf("payments", "PaymentsSvc") };

export type Options = Record<string, unknown>;
const withOptions = (windowsOptions: Options | undefined) => (windowsOptions ? { securityContext: { windowsOptions } } : {});
export const container = (name: string, windowsOptions?: Options) => ({
    name,
    image: "mcr.microsoft.com/windows/servercore:ltsc2022",
    ...withOptions(windowsOptions),
});

/** The toleration the stack's own Windows pods carry for the default taint os=windows:NoSchedule. */
export const windowsToleration = { key: "os", operator: "Equal", value: "windows", effect: "NoSchedule" };

export interface WindowsPodParts {
    pod?: Options | null;
    containers?: object[];
    initContainers?: object[];
    ephemeralContainers?: object[];
    volumes?: object[];
    tolerations?: object[];
}

/** A Windows pod in `web`; by default the normal gMSA pod: the name at pod level and on its container, contents filled in by the webhook. */
export function windowsPod(p: WindowsPodParts = {}) {
    const podOptions = p.pod === undefined ? webapp : (p.pod ?? undefined);
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "webapp-7d9f8b6c5-x2k4q", namespace: "web", labels: { app: "webapp" } as Record<string, string> },
        spec: {
            serviceAccountName: "webapp",
            ...withOptions(podOptions),
            containers: p.containers ?? [container("iis", webapp)],
            ...(p.initContainers ? { initContainers: p.initContainers } : {}),
            ...(p.ephemeralContainers ? { ephemeralContainers: p.ephemeralContainers } : {}),
            ...(p.volumes ? { volumes: p.volumes } : {}),
            nodeSelector: { "kubernetes.io/os": "windows" },
            os: { name: "windows" },
            tolerations: p.tolerations ?? [windowsToleration],
        },
    };
}
export type Pod = { metadata: Record<string, unknown>; spec: Record<string, unknown> };

export const linuxPod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "coredns-5d78c9869d-abcde", namespace: "kube-system" },
    spec: {
        containers: [{ name: "coredns", image: "coredns:1.11", securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true } }],
        priorityClassName: "system-cluster-critical",
    },
};

/** containerd's named pipe on a Windows node: whoever talks to it starts containers, HostProcess ones included. */
export const containerdPipe = { name: "containerd", hostPath: { path: "\\\\.\\pipe\\containerd-containerd", type: "" } };
export const hostCDrive = { name: "host-c", hostPath: { path: "C:\\", type: "Directory" } };

/** A namespace as namespaceObject shows it: every namespace has kubernetes.io/metadata.name. */
export const namespace = (name: string, labels: Record<string, string> = {}) => ({
    metadata: { name, labels: { "kubernetes.io/metadata.name": name, ...labels } },
});

export function create(object: unknown, ns = "web", labels: Record<string, string> = {}): AdmissionInput {
    return { object, request: { namespace: ns, operation: "CREATE" }, namespaceObject: namespace(ns, labels) };
}

/** An UPDATE of the pod itself (kubectl label, annotate, patch). */
export function update(before: unknown, after: unknown, ns = "web"): AdmissionInput {
    return { object: after, oldObject: before, request: { namespace: ns, operation: "UPDATE" }, namespaceObject: namespace(ns) };
}

/** Adding an ephemeral container (kubectl debug): an UPDATE of pods/ephemeralcontainers, whose object is the whole pod. */
export function addEphemeral(before: unknown, after: unknown, ns = "web"): AdmissionInput {
    return {
        object: after,
        oldObject: before,
        request: { namespace: ns, operation: "UPDATE", subResource: "ephemeralcontainers" },
        namespaceObject: namespace(ns),
    };
}

/** The same object with labels added: what `kubectl label` or a controller adding a finalizer sends. */
export function relabelled<T extends Pod>(pod: T): T {
    return { ...pod, metadata: { ...pod.metadata, labels: { ...(pod.metadata.labels as object), audited: "2025-q3" }, finalizers: ["example.com/audit"] } };
}

// ---------------------------------------------------------------------------------------------
// DaemonSets and their pods

/** aws-node as the VPC CNI chart (v1.15.1 values) renders it: tolerates every taint, pinned to Linux by a required node affinity, host paths. */
export const awsNodeTemplate = {
    metadata: { labels: { "k8s-app": "aws-node" } },
    spec: {
        serviceAccountName: "aws-node",
        hostNetwork: true,
        priorityClassName: "system-node-critical",
        containers: [
            {
                name: "aws-node",
                image: "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.15.1",
                securityContext: { capabilities: { add: ["NET_ADMIN", "NET_RAW"] } },
                volumeMounts: [{ mountPath: "/host/opt/cni/bin", name: "cni-bin-dir" }],
            },
        ],
        volumes: [
            { name: "cni-bin-dir", hostPath: { path: "/opt/cni/bin" } },
            { name: "xtables-lock", hostPath: { path: "/run/xtables.lock" } },
        ],
        tolerations: [{ operator: "Exists" }],
        affinity: {
            nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [
                        {
                            matchExpressions: [
                                { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
                                { key: "kubernetes.io/arch", operator: "In", values: ["amd64", "arm64"] },
                                { key: "eks.amazonaws.com/compute-type", operator: "NotIn", values: ["fargate"] },
                            ],
                        },
                    ],
                },
            },
        },
    },
};

/** kube-proxy as kubeadm renders it: tolerates every taint, pinned to Linux by nodeSelector, host paths. */
export const kubeProxyTemplate = {
    metadata: { labels: { "k8s-app": "kube-proxy" } },
    spec: {
        serviceAccountName: "kube-proxy",
        hostNetwork: true,
        containers: [
            { name: "kube-proxy", image: "registry.k8s.io/kube-proxy:v1.33.0", securityContext: { capabilities: { add: ["NET_ADMIN", "SYS_MODULE"] } } },
        ],
        volumes: [
            { name: "xtables-lock", hostPath: { path: "/run/xtables.lock", type: "FileOrCreate" } },
            { name: "lib-modules", hostPath: { path: "/lib/modules" } },
        ],
        tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }, { operator: "Exists" }],
        nodeSelector: { "kubernetes.io/os": "linux" },
    },
};

/** A Windows log shipper: tolerates the Windows taint, selects Windows, mounts the host's C:\. */
export const windowsLogShipperTemplate = {
    metadata: { labels: { app: "log-shipper" } },
    spec: {
        containers: [{ name: "shipper", image: "fluent/fluent-bit:windows-2022" }],
        volumes: [hostCDrive],
        nodeSelector: { "kubernetes.io/os": "windows" },
        tolerations: [windowsToleration],
    },
};

export function daemonSet(name: string, ns: string, template: { metadata: object; spec: object }) {
    return {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name, namespace: ns, uid: "5b8b7c8e-4f0e-4b9a-9a51-0c6f2a7d1e10" },
        spec: { selector: { matchLabels: (template.metadata as { labels: object }).labels }, template },
    };
}

export function createDaemonSet(ds: ReturnType<typeof daemonSet>): AdmissionInput {
    const ns = ds.metadata.namespace;
    return { object: ds, request: { namespace: ns, operation: "CREATE", resource: { group: "apps", resource: "daemonsets" } }, namespaceObject: namespace(ns) };
}

/**
 * The pod the DaemonSet controller creates for `ds` on `node`: the template, an owner reference to
 * the DaemonSet, and the required node affinity replaced by one term naming the node
 * (ReplaceDaemonSetPodNodeNameNodeAffinity), which drops the template's OS terms.
 */
export function daemonSetPod(ds: ReturnType<typeof daemonSet>, node: string) {
    const template = ds.spec.template as { metadata: object; spec: Record<string, unknown> };
    const affinity = {
        ...(template.spec.affinity as object | undefined),
        nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [node] }] }],
            },
        },
    };
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
            ...template.metadata,
            name: `${ds.metadata.name}-x7k2p`,
            namespace: ds.metadata.namespace,
            ownerReferences: [
                { apiVersion: "apps/v1", kind: "DaemonSet", name: ds.metadata.name, uid: ds.metadata.uid, controller: true, blockOwnerDeletion: true },
            ],
        },
        spec: { ...template.spec, affinity },
    };
}

/** The DaemonSet controller's identity when kube-controller-manager runs with --use-service-account-credentials. */
export const daemonSetController = {
    username: "system:serviceaccount:kube-system:daemon-set-controller",
    groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
};

export function createAs(object: { metadata: Record<string, unknown> }, user: { username: string; groups: string[] }): AdmissionInput {
    const ns = object.metadata.namespace as string;
    return { object, request: { namespace: ns, operation: "CREATE", userInfo: user }, namespaceObject: namespace(ns) };
}
