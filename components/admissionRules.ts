// The ValidatingAdmissionPolicies (and their bindings) the API server enforces for gMSA, as plain
// objects with their CEL, and what every policy of the stack shares (what they match, the policy
// and binding objects). Pure: components/gmsaAdmission.ts registers them, the tests evaluate these
// very expressions on pod fixtures. The Windows host access rules are in ./hostAccessRules.ts.
//
// Why the cluster needs them besides the windows-gmsa webhook (v0.13.0, admission-webhook/webhook.go):
// the webhook looks at the pod-level and spec.containers windowsOptions on pod CREATE only, never
// at init or ephemeral containers (its webhooks do not match pods/ephemeralcontainers), and it
// skips its own namespace and namespaces labelled windows.k8s.io/disabled=true. A credential
// spec's contents are not secret (the webhook copies them into every admitted pod), so anyone who
// may create a pod could otherwise run as any gMSA from an init container.
//
// CEL rules followed (Kubernetes "Common Expression Language in Kubernetes", Type checking): in a
// ValidatingAdmissionPolicy `object` is dynamically typed, `request` and `namespaceObject` are
// typed. A field of `object` that may be absent is tested with has() before it is read (reading an
// absent field is an evaluation error, and with failurePolicy Fail an error refuses the pod). Each
// expression is a boolean built from has, all, ==, !=, in, !, && and ||.
import { celLabelString, hasPath } from "./celPaths";
import { webhookOptOutLabel } from "./webhookValues";

/** The label that opts a namespace out of the gMSA webhook, as key and value. */
const [optOutKey, optOutValue] = Object.entries(webhookOptOutLabel)[0];

/** Where windowsOptions can be set on a pod, other than the pod level. */
export const containerLists = ["containers", "initContainers", "ephemeralContainers"] as const;
export type ContainerList = (typeof containerLists)[number];

/** The pod-level windowsOptions, as a CEL path. */
const podOptions = "object.spec.securityContext.windowsOptions";

/** windowsOptions.<field> is set on the pod (root "object.spec") or on a container (root: the iteration variable). */
export function windowsOption(root: string, field: string): string {
    return `(${hasPath(root, ["securityContext", "windowsOptions", field])})`;
}

/** The pod-level field is set. */
const podSets = (field: string) => windowsOption("object.spec", field);

/** `pred` holds for every container of a list (a pod without the list passes). */
export function everyContainer(list: ContainerList, pred: string): string {
    return `(!has(object.spec.${list}) || object.spec.${list}.all(c, ${pred}))`;
}

const gmsaName = "gmsaCredentialSpecName";
const gmsaContents = "gmsaCredentialSpec";

/** Contents set without a name at the same place (the pod level or container c). */
function contentsWithoutName(root: string): string {
    return `(${windowsOption(root, gmsaContents)} && !${windowsOption(root, gmsaName)})`;
}

/** Any gMSA field set at the place. */
function anyGmsaField(root: string): string {
    return `(${windowsOption(root, gmsaName)} || ${windowsOption(root, gmsaContents)})`;
}

/** Container c's field is absent, or equals the pod-level one. */
function equalToPodLevel(field: string): string {
    return `(!${windowsOption("c", field)} || (${podSets(field)} && c.securityContext.windowsOptions.${field} == ${podOptions}.${field}))`;
}

/** One validation of a policy: the CEL expression that must be true, and what the user is told when it is false. */
export interface Validation {
    expression: string;
    message: string;
    reason: "Forbidden" | "Invalid";
}

export interface GmsaRulesArgs {
    /** The webhook's release namespace: its webhooks skip it. */
    webhookNamespace: string;
}

/** The namespace the request is in is one the gMSA webhook never sees. */
export function webhookSkipsNamespace(webhookNamespace: string): string {
    const key = celLabelString(optOutKey);
    return `(request.namespace == ${celLabelString(webhookNamespace)} || (has(namespaceObject.metadata.labels) && ${key} in namespaceObject.metadata.labels && namespaceObject.metadata.labels[${key}] == ${celLabelString(optOutValue)}))`;
}

/**
 * Policy 1, gMSA identity. Choice for init and ephemeral containers: a gMSA field there is allowed
 * when it equals the pod-level value (the webhook checked that one, and the container would inherit
 * it anyway); any other value is refused.
 */
export function gmsaValidations(a: GmsaRulesArgs): Validation[] {
    return [
        {
            expression: [`!${contentsWithoutName("object.spec")}`, ...containerLists.map((l) => everyContainer(l, `!${contentsWithoutName("c")}`))].join(
                " && ",
            ),
            message:
                "windowsOptions.gmsaCredentialSpec (a credential spec's contents) is set without gmsaCredentialSpecName at the same place (pod, container, init container or ephemeral container). " +
                "Set only gmsaCredentialSpecName, the name of a GMSACredentialSpec: the gMSA webhook fills in the contents after checking that the pod's service account may use it.",
            reason: "Invalid",
        },
        {
            expression: everyContainer("initContainers", `${equalToPodLevel(gmsaName)} && ${equalToPodLevel(gmsaContents)}`),
            message:
                "An init container sets gmsaCredentialSpecName or gmsaCredentialSpec to something other than the pod-level value, and the gMSA webhook does not check init containers. " +
                "Set the gMSA at the pod level (spec.securityContext.windowsOptions) and remove it from the init container, which inherits it.",
            reason: "Forbidden",
        },
        {
            expression: everyContainer("ephemeralContainers", `${equalToPodLevel(gmsaName)} && ${equalToPodLevel(gmsaContents)}`),
            message:
                "An ephemeral container sets gmsaCredentialSpecName or gmsaCredentialSpec to something other than the pod-level value, and the gMSA webhook does not check ephemeral containers. " +
                "Remove the gMSA fields from the ephemeral container: it inherits the pod's gMSA.",
            reason: "Forbidden",
        },
        {
            expression: `!${webhookSkipsNamespace(a.webhookNamespace)} || (!${anyGmsaField("object.spec")} && ${containerLists.map((l) => everyContainer(l, `!${anyGmsaField("c")}`)).join(" && ")})`,
            message:
                `This namespace is skipped by the gMSA webhook (its own namespace ${a.webhookNamespace}, or a namespace labelled ${optOutKey}=${optOutValue}), so nothing checks here that the pod's service account may use a credential spec. ` +
                "Run gMSA workloads in an application namespace, or remove gmsaCredentialSpecName and gmsaCredentialSpec from this pod.",
            reason: "Forbidden",
        },
    ];
}

/** The ValidatingAdmissionPolicy and binding names (cluster-scoped). */
export const gmsaPolicyName = "eks-gmsa-credential-spec-use";
export const hostProcessPolicyName = "eks-gmsa-windows-host-process";
export const daemonSetHostPathPolicyName = "eks-gmsa-windows-host-path-daemonsets";

type Operation = "CREATE" | "UPDATE";

function rules(...r: [group: string, resource: string, operations: Operation[]][]) {
    return {
        matchPolicy: "Equivalent",
        namespaceSelector: {},
        objectSelector: {},
        resourceRules: r.map(([group, resource, operations]) => ({
            apiGroups: [group],
            apiVersions: ["v1"],
            operations,
            resources: [resource],
            scope: "Namespaced",
        })),
    };
}

/**
 * What the policies match. A pod's windowsOptions, volumes and container lists cannot change after
 * creation (ValidatePodUpdate lets an update change only images, activeDeadlineSeconds,
 * terminationGracePeriodSeconds, add tolerations, remove scheduling gates, and add to a gated
 * pod's node selector and affinity), so the gMSA rules judge pods at CREATE and ephemeral
 * containers when they are added (an UPDATE of pods/ephemeralcontainers, whose object is the
 * whole Pod); matching every pod UPDATE would only refuse label or finalizer changes on pods
 * admitted before the policy. The host access rules also match pod UPDATE, because an added
 * toleration (or a gated pod's new node selector) can let a pod that has a host path onto a Windows
 * node; they judge only such a change.
 */
export const matchConstraints = {
    podCreation: rules(["", "pods", ["CREATE"]], ["", "pods/ephemeralcontainers", ["UPDATE"]]),
    podPlacement: rules(["", "pods", ["CREATE", "UPDATE"]], ["", "pods/ephemeralcontainers", ["UPDATE"]]),
    daemonSets: rules(["apps", "daemonsets", ["CREATE", "UPDATE"]]),
};
export type MatchConstraints = (typeof matchConstraints)[keyof typeof matchConstraints];

const managedBy = { "app.kubernetes.io/managed-by": "eks-gmsa" };

/** A policy object (admissionregistration.k8s.io/v1): refuse on a false validation or an evaluation error. */
export function validatingAdmissionPolicy(name: string, match: MatchConstraints, validations: readonly Validation[]) {
    return {
        apiVersion: "admissionregistration.k8s.io/v1" as const,
        kind: "ValidatingAdmissionPolicy" as const,
        metadata: { name, labels: { ...managedBy } },
        spec: {
            failurePolicy: "Fail",
            matchConstraints: match,
            validations: validations.map((v) => ({ expression: v.expression, message: v.message, reason: v.reason })),
        },
    };
}

/** The binding that puts a policy in force everywhere its constraints match, denying (not warning). */
export function validatingAdmissionPolicyBinding(policyName: string) {
    return {
        apiVersion: "admissionregistration.k8s.io/v1" as const,
        kind: "ValidatingAdmissionPolicyBinding" as const,
        metadata: { name: policyName, labels: { ...managedBy } },
        spec: { policyName, validationActions: ["Deny"] },
    };
}
