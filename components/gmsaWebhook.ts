// cert-manager, then the kubernetes-sigs/windows-gmsa admission webhook (chart `gmsa`), both by
// Helm on the Linux system nodes. The chart's crds/ owns the GMSACredentialSpec CRD
// (docs/decisions/crd-ownership.md): Helm installs it once and never upgrades or deletes it.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { namespaceLevels, podSecurityLabels } from "./podSecurity";
import { certManagerValues, gmsaChartValues, webhookOptOutLabel } from "./webhookValues";
import type { GmsaSettings } from "../settings/types";

export const gmsaChartRepository = "https://raw.githubusercontent.com/kubernetes-sigs/windows-gmsa/master/charts/repo";
export const certManagerChartRepository = "https://charts.jetstack.io";
export { webhookOptOutLabel };

export interface GmsaWebhookArgs {
    settings: GmsaSettings;
    provider: k8s.Provider;
    /** The Linux node group the webhook and cert-manager run on. */
    linuxNodes: pulumi.Resource;
    protect: boolean;
    /** cluster.kubernetesVersion: the Pod Security labels' version. */
    kubernetesVersion: string;
}

/** What the plan records about the webhook and cert-manager releases. */
export interface GmsaWebhookFacts {
    namespace: string;
    releaseName: string;
    chartVersion: string;
    replicas: number;
    randomHostname: boolean;
    certManager: { namespace: string; releaseName: string; version: string };
}

export function gmsaWebhookFacts(s: GmsaSettings): GmsaWebhookFacts {
    return { ...s.webhook, certManager: { ...s.certManager } };
}

export class GmsaWebhook extends pulumi.ComponentResource {
    /** The gmsa release: the CRD exists, and the webhook admits pods, once it is ready. */
    readonly release: k8s.helm.v3.Release;
    readonly namespace: string;

    constructor(name: string, args: GmsaWebhookArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-gmsa:gmsa:GmsaWebhook", name, gmsaWebhookFacts(args.settings), opts);
        const s = args.settings;
        const k8sOpts = { parent: this, provider: args.provider };

        // cert-manager must keep running when the gMSA webhook is down: it renews the webhook's
        // certificate. Its namespace opts out of the webhook.
        const certManagerNamespace = new k8s.core.v1.Namespace(
            "cert-manager-namespace",
            {
                metadata: {
                    name: s.certManager.namespace,
                    labels: { ...webhookOptOutLabel, ...podSecurityLabels(namespaceLevels.certManager, args.kubernetesVersion) },
                },
            },
            k8sOpts,
        );
        const certManager = new k8s.helm.v3.Release(
            "cert-manager",
            {
                name: s.certManager.releaseName,
                namespace: certManagerNamespace.metadata.name,
                chart: "cert-manager",
                version: s.certManager.version,
                repositoryOpts: { repo: certManagerChartRepository },
                values: certManagerValues(),
                // Wait for cert-manager's own webhook: the gmsa chart creates a Certificate and an Issuer.
                skipAwait: false,
                timeout: 600,
            },
            { ...k8sOpts, dependsOn: [args.linuxNodes], protect: args.protect },
        );

        const webhookNamespace =
            s.webhook.namespace === "kube-system"
                ? undefined
                : new k8s.core.v1.Namespace(
                      "gmsa-webhook-namespace",
                      {
                          metadata: { name: s.webhook.namespace, labels: podSecurityLabels(namespaceLevels.gmsaWebhook, args.kubernetesVersion) },
                      },
                      k8sOpts,
                  );
        this.namespace = s.webhook.namespace;

        // System pods must never wait on the webhook: kube-system opts out (before the webhook
        // exists) when the webhook lives elsewhere.
        const kubeSystemOptOut =
            s.webhook.namespace === "kube-system"
                ? []
                : [
                      new k8s.core.v1.NamespacePatch(
                          "kube-system-opt-out",
                          {
                              metadata: { name: "kube-system", labels: { ...webhookOptOutLabel } },
                          },
                          { ...k8sOpts, dependsOn: [args.linuxNodes] },
                      ),
                  ];

        this.release = new k8s.helm.v3.Release(
            "gmsa-webhook",
            {
                name: s.webhook.releaseName,
                namespace: webhookNamespace ? webhookNamespace.metadata.name : "kube-system",
                chart: "gmsa",
                version: s.webhook.chartVersion,
                repositoryOpts: { repo: gmsaChartRepository },
                values: gmsaChartValues({
                    releaseName: s.webhook.releaseName,
                    replicas: s.webhook.replicas,
                    certManagerVersion: s.certManager.version,
                    randomHostname: s.webhook.randomHostname,
                }),
                skipCrds: false,
                skipAwait: false,
                timeout: 600,
            },
            { ...k8sOpts, dependsOn: [certManager, args.linuxNodes, ...kubeSystemOptOut], protect: args.protect },
        );

        this.registerOutputs({ namespace: this.namespace });
    }
}
