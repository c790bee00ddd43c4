// The Windows host access rules the API server enforces, as validations with their CEL. Pure:
// components/gmsaAdmission.ts registers them, the tests evaluate these very expressions.
//
// A Windows node's SYSTEM account holds the portable identity (domainless) or is the computer
// account in the gMSA readers' group (domain-joined): every gMSA of the node. Two ways to it from a
// pod, both refused outside eks-gmsa:windowsNodes.hostProcessNamespaces:
//  - windowsOptions.hostProcess: true runs the container as a process on the node;
//  - a hostPath volume on a pod that can run on a Windows node: containerd's named pipe
//    (\\.\pipe\containerd-containerd) starts any container, HostProcess included, and C:\ holds the
//    node's files. Windows containers support named pipe host mounts.
//
// DaemonSet pods are judged through their DaemonSet: the DaemonSet controller replaces each pod's
// required node affinity with one term naming the node it is for (ReplaceDaemonSetPodNodeNameNodeAffinity),
// so a pod of a Linux-only DaemonSet (aws-node) no longer says it is Linux-only, and a node's OS
// cannot be read from CEL. The DaemonSet policy judges the pod template, where the pinning is, and
// the pod rule admits what the DaemonSet controller creates. HostProcess does not depend on the
// node, so it is judged on every pod, DaemonSet pods included.
import type { Taint } from "../settings/types";
import { containerLists, everyContainer, windowsOption, type Validation } from "./admissionRules";
import { celLabelString, hasAll } from "./celPaths";
import { canRunOnWindows, hasHostPathVolume, windowsPodCriteria } from "./windowsPlacement";

export interface HostAccessRulesArgs {
    /** eks-gmsa:windowsNodes.hostProcessNamespaces: where pods may have host access on Windows nodes. */
    allowedNamespaces: readonly string[];
    /** eks-gmsa:windowsNodes.taint (undefined when turned off): decides which pods can run on a Windows node. */
    windowsTaint: Taint | undefined;
}

/**
 * Who creates DaemonSet pods: kube-controller-manager's DaemonSet controller, with its own service
 * account under --use-service-account-credentials, or with the controller manager's credential.
 */
export const daemonSetControllerUsers = ["system:serviceaccount:kube-system:daemon-set-controller", "system:kube-controller-manager"] as const;

/** windowsOptions.hostProcess is true at the place (root "object.spec", or a container). */
function hostProcessAt(root: string): string {
    return `(${windowsOption(root, "hostProcess")} && ${root}.securityContext.windowsOptions.hostProcess == true)`;
}

/** An UPDATE of the pod itself (not of a subresource): labels, annotations, tolerations, images. */
const podUpdate = "(request.operation == 'UPDATE' && request.subResource == '')";

/** A pod the DaemonSet controller creates for its DaemonSet (judged as the DaemonSet). */
const daemonSetControllerCreates = `(request.operation == 'CREATE' && request.userInfo.username in [${daemonSetControllerUsers.map((u) => `'${u}'`).join(", ")}] && ${hasAll("object.metadata.ownerReferences")} && object.metadata.ownerReferences.exists(r, has(r.controller) && r.controller == true && r.kind == 'DaemonSet' && r.apiVersion == 'apps/v1'))`;

function allowList(a: HostAccessRulesArgs) {
    const allowed = [...a.allowedNamespaces].sort();
    return {
        /** CEL that is true in an allowed namespace ("" when none is). */
        inAllowed: allowed.length > 0 ? `request.namespace in [${allowed.map(celLabelString).join(", ")}]` : "",
        where: allowed.length > 0 ? `only in ${allowed.join(", ")}` : "in no namespace",
    };
}

const either = (...parts: string[]) => parts.filter((p) => p !== "").join(" || ");

const hostPathHarm =
    "On a Windows node a host path, such as containerd's pipe \\\\.\\pipe\\containerd-containerd or C:\\, controls the container runtime or the node's files, and with them the node's SYSTEM account and every gMSA the node retrieves.";
const hostPathFix =
    "use another volume type, pin the pod to Linux (nodeSelector kubernetes.io/os: linux), or add the namespace to eks-gmsa:windowsNodes.hostProcessNamespaces.";

/**
 * Policy 2, Windows host access on pods: HostProcess containers, and host paths on pods that can
 * run on a Windows node. Judged when a pod is created (and, for HostProcess, when an ephemeral
 * container is added); a pod update is refused only when it lets a pod with a host path onto the
 * Windows nodes it could not reach before (an added toleration, a gated pod's new node selector).
 */
export function hostAccessValidations(a: HostAccessRulesArgs): Validation[] {
    const { inAllowed, where } = allowList(a);
    const noHostProcess = `(${[`!${hostProcessAt("object.spec")}`, ...containerLists.map((l) => everyContainer(l, `!${hostProcessAt("c")}`))].join(" && ")})`;
    const reachesWindowsNow = `(request.operation == 'CREATE' || !${canRunOnWindows("oldObject.spec", a.windowsTaint)})`;
    const noHostPathOnWindows = `(!${hasHostPathVolume("object.spec")} || !${canRunOnWindows("object.spec", a.windowsTaint)} || !${reachesWindowsNow})`;
    return [
        {
            expression: either(podUpdate, inAllowed, noHostProcess),
            message:
                "windowsOptions.hostProcess: true runs the container as a process on the Windows node with its SYSTEM account, which can act as every gMSA the node retrieves. " +
                `This cluster allows HostProcess pods ${where}; remove hostProcess, or add the namespace to eks-gmsa:windowsNodes.hostProcessNamespaces.`,
            reason: "Forbidden",
        },
        {
            expression: either(inAllowed, daemonSetControllerCreates, noHostPathOnWindows),
            message:
                `This pod has a hostPath volume and can run on a Windows node: ${windowsPodCriteria(a.windowsTaint)}. ${hostPathHarm} ` +
                `This cluster allows host paths on pods that can run on Windows nodes ${where}; ${hostPathFix}`,
            reason: "Forbidden",
        },
    ];
}

/** Policy 3, Windows host access on DaemonSets: the pod template's host paths, where its OS pinning is still visible. */
export function daemonSetHostPathValidations(a: HostAccessRulesArgs): Validation[] {
    const { inAllowed, where } = allowList(a);
    const template = "object.spec.template.spec";
    // An update that leaves the pod template alone (labels, annotations, the garbage collector
    // removing a finalizer) changes nothing the rule judges: refusing it would strand a DaemonSet
    // created before the policy, even its deletion.
    const templateUnchanged = "(request.operation == 'UPDATE' && object.spec.template == oldObject.spec.template)";
    return [
        {
            expression: either(inAllowed, templateUnchanged, `(!${hasHostPathVolume(template)} || !${canRunOnWindows(template, a.windowsTaint)})`),
            message:
                `This DaemonSet's pods have a hostPath volume and can run on Windows nodes: ${windowsPodCriteria(a.windowsTaint)}. ${hostPathHarm} ` +
                `This cluster allows host paths on pods that can run on Windows nodes ${where}; ${hostPathFix}`,
            reason: "Forbidden",
        },
    ];
}
