// Whether each workload's service account may use the gMSA it names, as the windows-gmsa webhook
// asks it, judged on a plan: refused (mandatory), or left to the run at deployment because a
// value deciding it is computed then (advisory). A value hidden by a secret is refused: the pull
// request of a fork gets only the offline plan, where a secret is a placeholder, so a secret would
// pass the only check that pull request has. Pure.

import { grantKey } from "./config";
import type { UncertainBinding } from "./rbac";
import type { StackFacts, WorkloadFacts } from "./stack";
import { summarize } from "./values";
import { credentialSpecReferences } from "./workloads";

export interface AuthorizationFinding {
    urn: string;
    message: string;
}

export interface AuthorizationFindings {
    /** For gmsa-workload-authorized (mandatory). */
    refused: AuthorizationFinding[];
    /** For gmsa-authorization-deferred (advisory): decided by values computed at deployment. */
    deferred: AuthorizationFinding[];
}

/** What happens in the cluster: the webhook (v0.13.0) checks the pod level and spec.containers only. */
function consequence(podSpec: unknown, name: string): string {
    const where = credentialSpecReferences(podSpec)
        .filter((r) => r.name === name)
        .map((r) => r.where);
    if (where.some((w) => w === "pod" || w.startsWith("container "))) return "so the gMSA webhook will reject its pods";
    return `and only ${where.join(", ")} names it, which the gMSA webhook v0.13.0 never checks: without the cluster's admission policy the pod would run as that gMSA unchecked`;
}

const useRule = (name: string) => `{apiGroups: ["windows.k8s.io"], resources: ["gmsacredentialspecs"], resourceNames: ["${name}"], verbs: ["use"]}`;

const isAre = (items: string[]) => (items.length === 1 ? "is" : "are");

/** Why a secret is refused and what to do, shared by every message about one. */
export const SECRET_FIX =
    'A pull request\'s preview from a fork sees only the offline plan, where a secret is the placeholder "[secret]", so a secret here would pass the only check it has. ' +
    "These names are not secret; pass them as plain strings (not pulumi.secret(), nor an Output computed from a secret: an apply over a secret is a secret too).";

/** Why a pod template given as a secret is refused and what to do. */
export const POD_TEMPLATE_SECRET_FIX =
    'A pull request\'s preview from a fork sees only the offline plan, where a secret is the placeholder "[secret]", so a secret here would hide the pod spec from the only check it has. ' +
    "A pod template is not secret: give it as plain values, and keep secret values in Kubernetes Secrets (env valueFrom.secretKeyRef).";

/** Where the engine checks again, said by every message about a value not known yet. */
export const DEFERRED_NOTE =
    "The engine runs this check again with the real values at deployment only when the deployment runs this pack too " +
    "(pulumi up --policy-pack <dir> --policy-pack-config <file>, or the pack enabled for the stack in Pulumi Cloud); otherwise only the cluster checks it " +
    "(the gMSA webhook: pod level and containers; the cluster's admission policy: init and ephemeral containers). To have it checked in review, give the value as a plain string.";

function secretMessage(w: WorkloadFacts, parts: string[]): string {
    const structural = parts.some((p) => !/^(serviceAccountName|metadata\.namespace|windowsOptions\.gmsaCredentialSpecName)\b/.test(p));
    return (
        `${w.label} may use a gMSA, but ${parts.join(", ")} ${isAre(parts)} a secret in this plan ("[secret]"), so this pack cannot tell which service account runs as which gMSA, nor in which namespace. ` +
        SECRET_FIX +
        (structural ? " Nor is a securityContext or a container list: keep secret values in Kubernetes Secrets (env valueFrom.secretKeyRef)." : "") +
        ` Fix: give ${parts.length === 1 ? "it" : "them"} as plain values.`
    );
}

function deferredMessage(w: WorkloadFacts, parts: string[]): string {
    return `${w.label} may use a gMSA, but ${parts.join(", ")} ${isAre(parts)} not known until deployment (computed from another resource), so this preview cannot check that its service account may use its gMSA. ${DEFERRED_NOTE}`;
}

const describeUncertain = (bindings: UncertainBinding[]) =>
    summarize(
        bindings.map((b) => `${b.label} (${b.parts.join(", ")})`),
        3,
    );

const memo = new WeakMap<StackFacts, Map<string, AuthorizationFindings>>();

/** Every gMSA authorization in the stack, judged (once per stack and set of external grants). */
export function authorizationFindings(facts: StackFacts, external: Set<string>): AuthorizationFindings {
    const key = [...external].sort().join("\n");
    let byExternal = memo.get(facts);
    if (!byExternal) memo.set(facts, (byExternal = new Map()));
    let found = byExternal.get(key);
    if (!found) byExternal.set(key, (found = judge(facts, external)));
    return found;
}

function judge(facts: StackFacts, external: Set<string>): AuthorizationFindings {
    const out: AuthorizationFindings = { refused: [], deferred: [] };
    const refuse = (urn: string, message: string) => out.refused.push({ urn, message });
    const defer = (urn: string, message: string) => out.deferred.push({ urn, message });
    const rbac = facts.rbac;
    for (const w of facts.gmsa.workloads) {
        if (!w.usesGmsa && w.opaqueParts.length === 0 && !w.opaquePodSpec) continue;
        if (w.opaquePodSpec) {
            const part = `its pod spec (${w.opaquePodSpec.at})`;
            if (w.opaquePodSpec.kind === "secret")
                refuse(
                    w.urn,
                    `${w.label} gives ${part} as a secret ("[secret]" in this plan): it may name a gMSA for any service account, unseen. ${POD_TEMPLATE_SECRET_FIX}`,
                );
            else defer(w.urn, deferredMessage(w, [part]));
            continue;
        }
        // A patch that names a gMSA but no service account keeps the live object's, which the
        // pack cannot see: it is refused rather than assumed.
        if (w.patch && w.usesGmsa && w.serviceAccountDefaulted) {
            refuse(
                w.urn,
                `${w.label} sets a gMSA (windowsOptions at ${w.at}) but no serviceAccountName. A patch leaves the service account of the live object in place, ` +
                    `which this pack cannot see, so it cannot tell whether that service account may use the credential spec. ` +
                    `Fix: set serviceAccountName in the same patch, to a service account that RBAC allows to use the credential spec.`,
            );
            continue;
        }
        const secrets = [
            ...(w.serviceAccountSecret ? ["serviceAccountName"] : []),
            ...(w.namespaceSecret ? ["metadata.namespace"] : []),
            ...w.opaqueParts.filter((p) => p.kind === "secret").map((p) => p.what),
        ];
        const unknowns = [
            ...(w.serviceAccountUnknown && !w.serviceAccountSecret ? ["serviceAccountName"] : []),
            ...(w.namespaceUnknown && !w.namespaceSecret ? ["metadata.namespace"] : []),
            ...w.opaqueParts.filter((p) => p.kind === "unknown").map((p) => p.what),
        ];
        if (secrets.length > 0) refuse(w.urn, secretMessage(w, secrets));
        else if (unknowns.length > 0) defer(w.urn, deferredMessage(w, unknowns));
        // Without the service account or namespace, no name can be judged.
        if (w.serviceAccountUnknown || w.namespaceUnknown) continue;
        const ns = w.namespace;
        const sa = w.serviceAccount;
        for (const name of w.credentialSpecs) {
            if (rbac.authorizes(ns, sa, name) || external.has(grantKey(name, ns, sa))) continue;
            const uncertain = rbac.uncertainGrantors(ns, sa, name);
            const computed = uncertain.filter((u) => !u.secret);
            if (computed.length > 0) {
                defer(
                    w.urn,
                    `${w.label} runs as service account ${ns}/${sa} and names GMSACredentialSpec "${name}": no binding in this plan grants it "use", ` +
                        `but ${describeUncertain(computed)} might, and ${computed.length === 1 ? "its" : "their"} parts listed are not known until deployment. ${DEFERRED_NOTE}`,
                );
                continue;
            }
            const hidden =
                uncertain.length > 0
                    ? ` ${describeUncertain(uncertain)} might grant it, but the parts listed are secrets in this plan, which this pack does not count as a grant: bindings' subjects, role names and rules are not secret; pass them as plain strings.`
                    : "";
            const elsewhere = rbac.bindingsElsewhere(ns, sa, name);
            const elsewhereNote =
                elsewhere.length > 0
                    ? ` (${summarize(
                          elsewhere.map((b) => b.label),
                          3,
                      )} ${elsewhere.length === 1 ? "binds" : "bind"} it, but a RoleBinding counts only for pods in its own namespace.)`
                    : "";
            const defaultNote = w.serviceAccountDefaulted
                ? ` The pod spec sets no serviceAccountName, so it runs as "default": set serviceAccountName to the service account allowed to use "${name}", or`
                : "";
            refuse(
                w.urn,
                `${w.label} runs as service account ${ns}/${sa}, which may not use GMSACredentialSpec "${name}": ` +
                    `no RoleBinding in namespace ${ns} and no ClusterRoleBinding grants it "use" on gmsacredentialspecs "${name}", ${consequence(w.podSpec, name)}.${elsewhereNote}${hidden}` +
                    ` Fix:${defaultNote} add a RoleBinding in namespace ${ns} that binds ServiceAccount ${ns}/${sa} to a ClusterRole (or a Role in ${ns}) with the rule ${useRule(name)}` +
                    ` (with eks-gmsa: add namespace ${ns}, service account ${sa} to the "${name}" entry's allowed list in eks-gmsa:gmsa.accounts);` +
                    ` if that binding is managed by another stack, list it in this policy's externalGrants config.`,
            );
        }
    }
    for (const u of facts.gmsa.unjudged) {
        if (u.strays.length > 0) {
            refuse(
                u.urn,
                `${u.label} sets ${u.strays.map((s) => `windowsOptions.${s.field} at ${s.at}`).join(", ")}, outside any pod spec this pack can read ` +
                    `(an object with a containers list, or a template's spec), so it cannot tell which service account its pods run as, nor check that it may use the credential spec. ` +
                    `Fix: give the gMSA in a pod template (a template's spec) with its serviceAccountName, or run this kind of workload from a built-in kind (Deployment, Job, …).`,
            );
        }
        const secretHidden = u.hidden.filter((h) => h.kind === "secret").map((h) => h.at);
        const computedHidden = u.hidden.filter((h) => h.kind === "unknown").map((h) => h.at);
        if (secretHidden.length > 0) {
            refuse(
                u.urn,
                `${u.label} gives ${secretHidden.join(", ")} as a secret ("[secret]" in this plan): a pod template or its security context there may name a gMSA for any service account, unseen. ` +
                    POD_TEMPLATE_SECRET_FIX,
            );
        }
        if (computedHidden.length > 0) {
            defer(
                u.urn,
                `${u.label}: ${computedHidden.join(", ")} ${isAre(computedHidden)} not known until deployment, so a gMSA in a pod template there is not checked in this preview. ${DEFERRED_NOTE}`,
            );
        }
        if (u.incomplete) {
            refuse(
                u.urn,
                `${u.label} could not be inspected in full: ${u.incomplete}. Pod specs past that point could use a gMSA unseen. ` +
                    `Fix: split the resource; no Kubernetes object needs that size or depth.`,
            );
        }
    }
    return out;
}
