// Pod Security admission (the built-in admission controller, Pod Security Standards) on every
// namespace this stack creates or grants: `baseline` enforced at least (it refuses HostProcess,
// privileged and host-namespace pods), `restricted` enforced where the workloads there are known to
// meet it, and `restricted` warned about and audited everywhere.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { principalsToCreate } from "./gmsaRbac";
import type { AccessSettings, GmsaAccountSettings, GmsaSettings } from "../settings/types";

export type PodSecurityLevel = "baseline" | "restricted";

export const podSecurityLabelPrefix = "pod-security.kubernetes.io/";

/**
 * The namespace labels: `level` enforced, `restricted` warned about and audited. Each mode's version
 * is pinned to the cluster's Kubernetes minor version, so the rules change when `pulumi up` moves
 * cluster.kubernetesVersion (the plan shows a label update), never silently when the control plane
 * is upgraded outside the stack (`latest` would follow it).
 */
export function podSecurityLabels(level: PodSecurityLevel, kubernetesVersion: string): Record<string, string> {
    if (!/^1\.[0-9]+$/.test(kubernetesVersion)) throw new Error(`not a Kubernetes minor version: ${kubernetesVersion}`);
    const version = `v${kubernetesVersion}`;
    return {
        [`${podSecurityLabelPrefix}enforce`]: level,
        [`${podSecurityLabelPrefix}enforce-version`]: version,
        [`${podSecurityLabelPrefix}warn`]: "restricted",
        [`${podSecurityLabelPrefix}warn-version`]: version,
        [`${podSecurityLabelPrefix}audit`]: "restricted",
        [`${podSecurityLabelPrefix}audit-version`]: version,
    };
}

/**
 * The levels of the namespaces the stack creates. cert-manager's chart sets restricted-compliant
 * security contexts on every pod it renders (v1.19.2 and later, its README and its
 * verify-pod-security-standards check); the gmsa chart 0.13.0 renders its webhook with empty
 * securityContexts from a scratch image running as root, so only baseline fits there; app
 * namespaces hold Windows workloads that commonly run as ContainerAdministrator.
 */
export const namespaceLevels = {
    certManager: "restricted",
    gmsaWebhook: "baseline",
    application: "baseline",
} as const satisfies Record<string, PodSecurityLevel>;

/** The namespaces GmsaWebhook and CredentialSpecs create (kube-system, when it is the webhook's, is not created). */
export function createdNamespaces(gmsa: Pick<GmsaSettings, "accounts" | "webhook" | "certManager">): string[] {
    return [gmsa.certManager.namespace, gmsa.webhook.namespace, ...principalsToCreate(gmsa.accounts).namespaces];
}

/** Pods in kube-system are privileged (EKS add-ons): it is never labelled here. */
export const neverLabelled = ["kube-system"] as const;

/**
 * Namespaces the stack grants (namespace admins' access entries, credential spec RoleBindings) but
 * does not create: they get the labels by a patch. Sorted, without the ones in `created` (labelled
 * by their Namespace resource) or in `neverLabelled`.
 */
export function grantedNamespaces(a: {
    access: Pick<AccessSettings, "namespaceAdmins">;
    accounts: readonly GmsaAccountSettings[];
    created: readonly string[];
}): string[] {
    const granted = new Set<string>([
        ...a.access.namespaceAdmins.flatMap((n) => n.namespaces),
        ...a.accounts.flatMap((account) => account.allowed.map((p) => p.namespace)),
    ]);
    for (const ns of [...a.created, ...neverLabelled]) granted.delete(ns);
    return [...granted].sort();
}

export interface PodSecurityArgs {
    /** From grantedNamespaces. */
    namespaces: readonly string[];
    kubernetesVersion: string;
    provider: k8s.Provider;
}

/**
 * Pod Security labels on namespaces the stack does not create, by server-side apply
 * (NamespacePatch): only the labels are this stack's; a namespace that does not exist yet is
 * created by the apply and stays when the stack is destroyed (the patch then gives the labels up).
 * Not forced: a label another field manager set to another value (an app team that enforces
 * restricted itself) is a conflict that stops `pulumi up` rather than being lowered.
 */
export class PodSecurity extends pulumi.ComponentResource {
    readonly patches: k8s.core.v1.NamespacePatch[];

    constructor(name: string, args: PodSecurityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-gmsa:cluster:PodSecurity", name, { namespaces: [...args.namespaces], kubernetesVersion: args.kubernetesVersion }, opts);
        this.patches = args.namespaces.map(
            (ns) =>
                new k8s.core.v1.NamespacePatch(
                    `${name}-${ns}`,
                    {
                        metadata: { name: ns, labels: podSecurityLabels(namespaceLevels.application, args.kubernetesVersion) },
                    },
                    { parent: this, provider: args.provider },
                ),
        );
        this.registerOutputs({});
    }
}
