// Small plan fixtures for the policy pack: a compliant gMSA stack, and builders to break it.
import type { PlanResource } from "../tools/planFile";
import { credspecBody } from "./support/fixtures";

let counter = 0;
export function resource(type: string, name: string, inputs: Record<string, unknown>, extra: Partial<PlanResource> = {}): PlanResource {
    counter++;
    return { urn: `urn:pulumi:test::app::${type}::${name}`, type, name, dependencies: [], protect: false, inputs, options: { custom: true }, ...extra };
}

export const gmsaRelease = () => resource("kubernetes:helm.sh/v3:Release", "gmsa-webhook", { chart: "gmsa", version: "0.13.0", name: "gmsa-webhook", namespace: "gmsa-webhook" });

export function credspec(name = "webapp01", overrides: { credspec?: Record<string, unknown> } = {}) {
    return resource("kubernetes:windows.k8s.io/v1:GMSACredentialSpec", `credspec-${name}`, {
        apiVersion: "windows.k8s.io/v1",
        kind: "GMSACredentialSpec",
        metadata: { name },
        credspec: overrides.credspec ?? credspecBody(),
    });
}

export function useRole(kind: "ClusterRole" | "Role", name: string, rule: Record<string, unknown>, namespace?: string) {
    return resource(`kubernetes:rbac.authorization.k8s.io/v1:${kind}`, `${kind.toLowerCase()}-${name}-${counter}`, { metadata: { name, ...(namespace ? { namespace } : {}) }, rules: [rule] });
}

/** `use` on the named credential specs; null: on all of them (no resourceNames). */
export const useRule = (names: string[] | null = ["webapp01"]) => ({ apiGroups: ["windows.k8s.io"], resources: ["gmsacredentialspecs"], verbs: ["use"], ...(names ? { resourceNames: names } : {}) });

export function binding(kind: "RoleBinding" | "ClusterRoleBinding", name: string, roleRef: { kind: string; name: string }, subjects: Record<string, unknown>[], namespace?: string) {
    return resource(`kubernetes:rbac.authorization.k8s.io/v1:${kind}`, `${kind.toLowerCase()}-${name}-${counter}`, {
        metadata: { name, ...(namespace ? { namespace } : {}) },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", ...roleRef },
        subjects,
    });
}

export const saSubject = (name: string, namespace?: string) => ({ kind: "ServiceAccount", name, ...(namespace ? { namespace } : {}) });

export interface PodOptions {
    serviceAccount?: string;
    podCredspec?: string;
    containerCredspec?: string;
    initCredspec?: string;
    inline?: boolean;
    nodeSelector?: Record<string, string> | null;
    os?: string;
}

export function podSpec(o: PodOptions = {}) {
    const windowsOptions = (credspec?: string) => (credspec ? { securityContext: { windowsOptions: { gmsaCredentialSpecName: credspec, ...(o.inline ? { gmsaCredentialSpec: "{\"CmsPlugins\":[\"ActiveDirectory\"]}" } : {}) } } } : {});
    return {
        ...(o.serviceAccount ? { serviceAccountName: o.serviceAccount } : {}),
        ...windowsOptions(o.podCredspec ?? (o.containerCredspec || o.initCredspec ? undefined : "webapp01")),
        ...(o.nodeSelector === null ? {} : { nodeSelector: o.nodeSelector ?? { "kubernetes.io/os": "windows" } }),
        ...(o.os ? { os: { name: o.os } } : {}),
        tolerations: [{ key: "os", operator: "Equal", value: "windows", effect: "NoSchedule" }],
        containers: [{ name: "app", image: "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022", ...windowsOptions(o.containerCredspec) }],
        ...(o.initCredspec ? { initContainers: [{ name: "init", image: "mcr.microsoft.com/windows/servercore:ltsc2022", ...windowsOptions(o.initCredspec) }] } : {}),
    };
}

export function workload(kind: string, name: string, namespace: string | undefined, o: PodOptions = {}) {
    const group = kind === "Pod" ? "core/v1" : kind === "Job" || kind === "CronJob" ? "batch/v1" : "apps/v1";
    const metadata = { name, ...(namespace ? { namespace } : {}) };
    const spec = podSpec(o);
    const body = kind === "Pod" ? { spec }
        : kind === "CronJob" ? { spec: { schedule: "0 * * * *", jobTemplate: { spec: { template: { spec } } } } }
            : { spec: { ...(kind === "Job" ? {} : { selector: { matchLabels: { app: name } } }), template: { metadata: { labels: { app: name } }, spec } } };
    return resource(`kubernetes:${group}:${kind}`, `${kind.toLowerCase()}-${name}`, { metadata, ...body });
}

/** A compliant stack: the webhook, a credential spec, its role and binding, and a Deployment using it. */
export function compliantStack(): PlanResource[] {
    return [
        gmsaRelease(),
        credspec("webapp01"),
        useRole("ClusterRole", "gmsa-use-webapp01", useRule()),
        binding("RoleBinding", "gmsa-use-webapp01", { kind: "ClusterRole", name: "gmsa-use-webapp01" }, [saSubject("webapp", "web")], "web"),
        workload("Deployment", "web", "web", { serviceAccount: "webapp" }),
    ];
}
