// One GMSACredentialSpec per configured gMSA, and RBAC so that exactly the configured service
// accounts may use it (the question the webhook asks on every pod). Namespaces and service
// accounts are created where config says `create: true`.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { credentialSpecMetadata, renderCredentialSpec, type DomainFacts } from "./credentialSpec";
import { credentialSpecRoleName, principalsToCreate, roleBindingsFor, useCredentialSpecRule } from "./gmsaRbac";
import { namespaceLevels, podSecurityLabels } from "./podSecurity";
import type { GmsaAccountSettings } from "../settings/types";

export interface CredentialSpecsArgs {
    accounts: readonly GmsaAccountSettings[];
    /** From config, or (when the stack provisions the accounts) as the directory reported them. */
    domain: pulumi.Input<DomainFacts>;
    /** Domainless mode: the secret the AWS CCG plugin reads the portable identity from. */
    portableIdentitySecretArn?: pulumi.Input<string>;
    provider: k8s.Provider;
    /** The webhook release: it installs the CRD the credential specs are instances of. */
    crd: pulumi.Resource;
    /** Credential specs in use must survive a mistaken `pulumi destroy` in production. */
    protect: boolean;
    /** cluster.kubernetesVersion: the Pod Security labels' version on the namespaces created here. */
    kubernetesVersion: string;
    /** Who in AD may retrieve the gMSAs' passwords: the readers' group and, domainless, the portable identity in it. */
    readers: { group: string; portableIdentity?: string };
}

export class CredentialSpecs extends pulumi.ComponentResource {
    /** RBAC objects per credential spec name: workloads using one wait for its bindings. */
    readonly rbac: Record<string, pulumi.Resource[]> = {};
    /** The GMSACredentialSpec objects by name: the webhook must find a pod's spec when it admits the pod. */
    readonly specs: Record<string, pulumi.Resource> = {};
    /** Created service accounts by "namespace/name". */
    readonly serviceAccounts: Record<string, k8s.core.v1.ServiceAccount> = {};

    constructor(name: string, args: CredentialSpecsArgs, opts?: pulumi.ComponentResourceOptions) {
        // The AD side these specs rely on, as inputs of the component: the plan (and the reviewer's
        // summary) then says what must exist in the directory, even where the stack creates none of it.
        super(
            "eks-gmsa:gmsa:CredentialSpecs",
            name,
            {
                readersGroup: args.readers.group,
                ...(args.readers.portableIdentity ? { portableIdentity: args.readers.portableIdentity } : {}),
                // Each spec, its gMSA, and the service accounts allowed to use it.
                credentialSpecs: args.accounts.map((a) => ({
                    name: a.name,
                    account: a.account,
                    allowed: a.allowed.map((p) => ({ namespace: p.namespace, serviceAccounts: [...p.serviceAccounts] })),
                })),
            },
            opts,
        );
        const k8sOpts = { parent: this, provider: args.provider };

        const toCreate = principalsToCreate(args.accounts);
        const namespaces = Object.fromEntries(
            toCreate.namespaces.map((ns) => [
                ns,
                new k8s.core.v1.Namespace(
                    `namespace-${ns}`,
                    {
                        metadata: {
                            name: ns,
                            labels: { "app.kubernetes.io/managed-by": "eks-gmsa", ...podSecurityLabels(namespaceLevels.application, args.kubernetesVersion) },
                        },
                    },
                    k8sOpts,
                ),
            ]),
        );
        for (const sa of toCreate.serviceAccounts) {
            this.serviceAccounts[`${sa.namespace}/${sa.name}`] = new k8s.core.v1.ServiceAccount(
                `serviceaccount-${sa.namespace}-${sa.name}`,
                {
                    metadata: { name: sa.name, namespace: sa.namespace, labels: { "app.kubernetes.io/managed-by": "eks-gmsa" } },
                },
                { ...k8sOpts, dependsOn: [namespaces[sa.namespace]] },
            );
        }

        for (const account of args.accounts) {
            const specArgs = { name: account.name, account: account.account };
            // Only the credspec body waits for the secret's ARN; the name is known at preview.
            const credspec = pulumi
                .all([args.portableIdentitySecretArn, args.domain])
                .apply(
                    ([secretArn, domain]) =>
                        renderCredentialSpec({ ...specArgs, domain, ...(secretArn ? { portableIdentitySecretArn: secretArn } : {}) }).credspec,
                );
            this.specs[account.name] = new k8s.apiextensions.CustomResource(
                `credspec-${account.name}`,
                {
                    apiVersion: "windows.k8s.io/v1",
                    kind: "GMSACredentialSpec",
                    metadata: credentialSpecMetadata(account.name),
                    credspec,
                },
                { ...k8sOpts, dependsOn: [args.crd], protect: args.protect },
            );

            const roleName = credentialSpecRoleName(account.name);
            const role = new k8s.rbac.v1.ClusterRole(
                `role-${account.name}`,
                {
                    metadata: { name: roleName, labels: { "app.kubernetes.io/managed-by": "eks-gmsa" } },
                    rules: [useCredentialSpecRule(account.name)],
                },
                k8sOpts,
            );
            const bindings = roleBindingsFor(account).map(
                (b) =>
                    new k8s.rbac.v1.RoleBinding(
                        `binding-${account.name}-${b.namespace}`,
                        {
                            metadata: { name: b.name, namespace: b.namespace, labels: { "app.kubernetes.io/managed-by": "eks-gmsa" } },
                            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: b.roleName },
                            subjects: b.subjects,
                        },
                        { ...k8sOpts, dependsOn: [role, ...(namespaces[b.namespace] ? [namespaces[b.namespace]] : [])] },
                    ),
            );
            this.rbac[account.name] = [role, ...bindings];
        }
        this.registerOutputs({});
    }
}
