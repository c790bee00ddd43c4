// Admission rules the API server itself enforces (ValidatingAdmissionPolicy, GA from Kubernetes
// 1.30): gMSA fields only where the gMSA webhook checks them, and HostProcess pods only in the
// namespaces config allows. In-process, so they hold whether or not the webhook is running; they
// depend on nothing but the cluster and exist before any workload.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    gmsaPolicyName, gmsaValidations, hostProcessPolicyName, hostProcessValidations,
    validatingAdmissionPolicy, validatingAdmissionPolicyBinding, type Validation,
} from "./admissionRules";

export interface GmsaAdmissionArgs {
    /** The gMSA webhook's release namespace (its webhooks skip it). */
    webhookNamespace: string;
    /** eks-gmsa:windowsNodes.hostProcessNamespaces. */
    hostProcessNamespaces: readonly string[];
    provider: k8s.Provider;
}

export class GmsaAdmission extends pulumi.ComponentResource {
    /** The policies and bindings: a workload that must be checked waits for them. */
    readonly resources: pulumi.Resource[] = [];

    constructor(name: string, args: GmsaAdmissionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-gmsa:gmsa:GmsaAdmission", name, { webhookNamespace: args.webhookNamespace, hostProcessNamespaces: [...args.hostProcessNamespaces] }, opts);
        const k8sOpts = { parent: this, provider: args.provider };

        const enforce = (suffix: string, policyName: string, validations: Validation[]) => {
            const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(`${name}-${suffix}`, validatingAdmissionPolicy(policyName, validations), k8sOpts);
            // A binding to a policy that does not exist yet matches nothing; create it after.
            const binding = new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(`${name}-${suffix}-binding`, validatingAdmissionPolicyBinding(policyName), { ...k8sOpts, dependsOn: [policy] });
            this.resources.push(policy, binding);
        };
        enforce("credential-spec-use", gmsaPolicyName, gmsaValidations({ webhookNamespace: args.webhookNamespace }));
        enforce("windows-host-process", hostProcessPolicyName, hostProcessValidations({ allowedNamespaces: args.hostProcessNamespaces }));
        this.registerOutputs({});
    }
}
