// Admission rules the API server itself enforces (ValidatingAdmissionPolicy, GA from Kubernetes
// 1.30): gMSA fields only where the gMSA webhook checks them, and host access on Windows nodes
// (HostProcess, host paths) only in the namespaces config allows. In-process, so they hold whether
// or not the webhook is running; they depend on nothing but the cluster and exist before any workload.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Taint } from "../settings/types";
import {
    daemonSetHostPathPolicyName,
    gmsaPolicyName,
    gmsaValidations,
    hostProcessPolicyName,
    matchConstraints,
    validatingAdmissionPolicy,
    validatingAdmissionPolicyBinding,
    type MatchConstraints,
    type Validation,
} from "./admissionRules";
import { daemonSetHostPathValidations, hostAccessValidations } from "./hostAccessRules";

export interface GmsaAdmissionArgs {
    /** The gMSA webhook's release namespace (its webhooks skip it). */
    webhookNamespace: string;
    /** eks-gmsa:windowsNodes.hostProcessNamespaces. */
    hostProcessNamespaces: readonly string[];
    /** eks-gmsa:windowsNodes.taint (undefined when turned off): which pods can run on a Windows node. */
    windowsTaint?: Taint;
    provider: k8s.Provider;
}

export class GmsaAdmission extends pulumi.ComponentResource {
    /** The policies and bindings: a workload that must be checked waits for them. */
    readonly resources: pulumi.Resource[] = [];

    constructor(name: string, args: GmsaAdmissionArgs, opts?: pulumi.ComponentResourceOptions) {
        super(
            "eks-gmsa:gmsa:GmsaAdmission",
            name,
            {
                webhookNamespace: args.webhookNamespace,
                hostProcessNamespaces: [...args.hostProcessNamespaces],
                windowsTaint: args.windowsTaint ? { ...args.windowsTaint } : undefined,
            },
            opts,
        );
        const k8sOpts = { parent: this, provider: args.provider };

        const enforce = (suffix: string, policyName: string, match: MatchConstraints, validations: Validation[]) => {
            const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
                `${name}-${suffix}`,
                validatingAdmissionPolicy(policyName, match, validations),
                k8sOpts,
            );
            // A binding to a policy that does not exist yet matches nothing; create it after.
            const binding = new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
                `${name}-${suffix}-binding`,
                validatingAdmissionPolicyBinding(policyName),
                { ...k8sOpts, dependsOn: [policy] },
            );
            this.resources.push(policy, binding);
        };
        const hostAccess = { allowedNamespaces: args.hostProcessNamespaces, windowsTaint: args.windowsTaint };
        enforce("credential-spec-use", gmsaPolicyName, matchConstraints.podCreation, gmsaValidations({ webhookNamespace: args.webhookNamespace }));
        enforce("windows-host-process", hostProcessPolicyName, matchConstraints.podPlacement, hostAccessValidations(hostAccess));
        enforce("windows-host-path-daemonsets", daemonSetHostPathPolicyName, matchConstraints.daemonSets, daemonSetHostPathValidations(hostAccess));
        this.registerOutputs({});
    }
}
