// Where HostProcess pods may run (eks-gmsa:windowsNodes.hostProcessNamespaces), against the
// namespaces the stack hands to others. Pure.
//
// A HostProcess container runs as the Windows node's SYSTEM account, which can act as every gMSA
// the node retrieves. The namespaces the stack grants to app teams (namespace admins, gMSA users)
// and the gMSA system's own (webhook, cert-manager) carry Pod Security labels that refuse
// HostProcess pods anyway; listing one would give its admins the node, or do nothing.
import { projectName, type AccessSettings, type GmsaSettings } from "./types";

export function hostProcessNamespaceProblems(
    hostProcessNamespaces: readonly string[],
    access: Pick<AccessSettings, "namespaceAdmins">,
    gmsa: Pick<GmsaSettings, "accounts" | "webhook" | "certManager"> | undefined,
): { key: string; value: string; message: string }[] {
    const why = (ns: string): string | undefined => {
        if (access.namespaceAdmins.some((a) => a.namespaces.includes(ns))) return "a namespace admins' namespace (access.namespaceAdmins)";
        if (gmsa?.accounts.some((a) => a.allowed.some((p) => p.namespace === ns))) return "a namespace whose pods may use a gMSA (gmsa.accounts[].allowed)";
        if (gmsa && (ns === gmsa.webhook.namespace || ns === gmsa.certManager.namespace)) return "the gMSA webhook's or cert-manager's namespace";
        return undefined;
    };
    return hostProcessNamespaces.flatMap((ns, i) => {
        const reason = why(ns);
        return reason
            ? [
                  {
                      key: `${projectName}:windowsNodes.hostProcessNamespaces[${i}]`,
                      value: ns,
                      message: `is ${reason}: the stack enforces Pod Security (baseline or stricter) there, which refuses HostProcess pods, and whoever may create pods there would get the node's SYSTEM account and every gMSA; give node agents a namespace of their own`,
                  },
              ]
            : [];
    });
}
