// Plan resources for the policy pack, built the way tools/planFile.ts writes them: the pack's tests
// and bench:policy (which times the pack on plans of thousands of them) build their plans from these.
import { renderCredentialSpec, type CredentialSpecDocument } from "../../components/credentialSpec";
import type { DomainFacts } from "../../lib/ad/domainFacts";
import type { PlanResource } from "../planFile";

/** corp.example.com, a forest root domain (the directory the example stacks name). */
export const corpDomain: DomainFacts = {
    dnsName: "corp.example.com",
    forestName: "corp.example.com",
    netbiosName: "CORP",
    sid: "S-1-5-21-2725122404-4129967127-2630707939",
    guid: "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51",
};

/** A Secrets Manager secret's ARN in the test account (us-west-2), with the random suffix AWS appends. */
export const secretArn = (name: string): string => `arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/${name}-AbCdEf`;

/**
 * WebApp01@corp's credential spec body, domainless (with HostAccountConfig naming the portable
 * identity's secret), as the program renders it; a fresh object each call, free to edit.
 */
export function credspecBody(): CredentialSpecDocument["credspec"] {
    return renderCredentialSpec({ name: "webapp01", account: "WebApp01", domain: corpDomain, portableIdentitySecretArn: secretArn("dev/portable-identity") })
        .credspec;
}

let counter = 0;
export function resource(type: string, name: string, inputs: Record<string, unknown>, extra: Partial<PlanResource> = {}): PlanResource {
    counter++;
    return { urn: `urn:pulumi:test::app::${type}::${name}`, type, name, dependencies: [], protect: false, inputs, options: { custom: true }, ...extra };
}

export const gmsaRelease = () =>
    resource("kubernetes:helm.sh/v3:Release", "gmsa-webhook", { chart: "gmsa", version: "0.13.0", name: "gmsa-webhook", namespace: "gmsa-webhook" });

export function credspec(name = "webapp01", overrides: { credspec?: Record<string, unknown> } = {}) {
    return resource("kubernetes:windows.k8s.io/v1:GMSACredentialSpec", `credspec-${name}`, {
        apiVersion: "windows.k8s.io/v1",
        kind: "GMSACredentialSpec",
        metadata: { name },
        credspec: overrides.credspec ?? credspecBody(),
    });
}

export function useRole(kind: "ClusterRole" | "Role", name: string, rule: Record<string, unknown>, namespace?: string) {
    return resource(`kubernetes:rbac.authorization.k8s.io/v1:${kind}`, `${kind.toLowerCase()}-${name}-${counter}`, {
        metadata: { name, ...(namespace ? { namespace } : {}) },
        rules: [rule],
    });
}

/** `use` on the named credential specs; null: on all of them (no resourceNames). */
export const useRule = (names: string[] | null = ["webapp01"]) => ({
    apiGroups: ["windows.k8s.io"],
    resources: ["gmsacredentialspecs"],
    verbs: ["use"],
    ...(names ? { resourceNames: names } : {}),
});

export function binding(
    kind: "RoleBinding" | "ClusterRoleBinding",
    name: string,
    roleRef: { kind: string; name: string },
    subjects: Record<string, unknown>[],
    namespace?: string,
) {
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
    const windowsOptions = (credspec?: string) =>
        credspec
            ? {
                  securityContext: {
                      windowsOptions: { gmsaCredentialSpecName: credspec, ...(o.inline ? { gmsaCredentialSpec: '{"CmsPlugins":["ActiveDirectory"]}' } : {}) },
                  },
              }
            : {};
    return {
        ...(o.serviceAccount ? { serviceAccountName: o.serviceAccount } : {}),
        ...windowsOptions(o.podCredspec ?? (o.containerCredspec || o.initCredspec ? undefined : "webapp01")),
        ...(o.nodeSelector === null ? {} : { nodeSelector: o.nodeSelector ?? { "kubernetes.io/os": "windows" } }),
        ...(o.os ? { os: { name: o.os } } : {}),
        tolerations: [{ key: "os", operator: "Equal", value: "windows", effect: "NoSchedule" }],
        containers: [{ name: "app", image: "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022", ...windowsOptions(o.containerCredspec) }],
        ...(o.initCredspec
            ? { initContainers: [{ name: "init", image: "mcr.microsoft.com/windows/servercore:ltsc2022", ...windowsOptions(o.initCredspec) }] }
            : {}),
    };
}

export function workload(kind: string, name: string, namespace: string | undefined, o: PodOptions = {}) {
    const group = kind === "Pod" ? "core/v1" : kind === "Job" || kind === "CronJob" ? "batch/v1" : "apps/v1";
    const metadata = { name, ...(namespace ? { namespace } : {}) };
    const spec = podSpec(o);
    const body =
        kind === "Pod"
            ? { spec }
            : kind === "CronJob"
              ? { spec: { schedule: "0 * * * *", jobTemplate: { spec: { template: { spec } } } } }
              : { spec: { ...(kind === "Job" ? {} : { selector: { matchLabels: { app: name } } }), template: { metadata: { labels: { app: name } }, spec } } };
    return resource(`kubernetes:${group}:${kind}`, `${kind.toLowerCase()}-${name}`, { metadata, ...body });
}
