// Namespaces the windows-gmsa webhook never sees, and who may not be given them. Pure.
//
// The chart's webhooks skip the release namespace and every namespace labelled
// windows.k8s.io/disabled=true; the stack puts that label on kube-system and on cert-manager's
// namespace (so system pods never wait on the webhook). A pod in one of them is admitted with no
// RBAC check of its gMSA, and the webhook's own service account, which may `use` every
// credential spec, lives in the first. gMSA users and namespace admins are therefore kept out.
import { projectName, type AccessSettings } from "./types";

/** The namespaces the webhook skips, given where it and cert-manager run. */
export function webhookExemptNamespaces(webhookNamespace: string, certManagerNamespace: string): string[] {
    return [...new Set([webhookNamespace, "kube-system", certManagerNamespace])];
}

/** Why a namespace is exempt from the webhook, for problem lines. */
export function exemptionReason(namespace: string, webhookNamespace: string, certManagerNamespace: string): string {
    if (namespace === webhookNamespace)
        return "the gMSA webhook's own namespace, which the webhook never checks and where its service account (allowed to use every credential spec) runs";
    if (namespace === certManagerNamespace) return "cert-manager's namespace, which the stack exempts from the gMSA webhook";
    return "kube-system, which the stack exempts from the gMSA webhook";
}

/** One problem per namespace admin granted a namespace the webhook skips. */
export function namespaceAdminProblems(
    access: AccessSettings,
    webhookNamespace: string,
    certManagerNamespace: string,
): { key: string; value: string; message: string }[] {
    const exempt = webhookExemptNamespaces(webhookNamespace, certManagerNamespace);
    return access.namespaceAdmins.flatMap((admin, i) =>
        admin.namespaces.flatMap((namespace, j) =>
            exempt.includes(namespace)
                ? [
                      {
                          key: `${projectName}:access.namespaceAdmins[${i}].namespaces[${j}]`,
                          value: namespace,
                          message: `is ${exemptionReason(namespace, webhookNamespace, certManagerNamespace)}: an admin there could run pods as any gMSA; give namespace admins application namespaces only (cluster admins manage this one)`,
                      },
                  ]
                : [],
        ),
    );
}
