// Helm values for the gMSA webhook chart and cert-manager. Pure; every key is checked in tests
// against the chart's values.yaml (a misspelt key is silently ignored by Helm).

/**
 * Namespaces labelled so never reach the webhook (its failurePolicy is Fail for every pod): the gmsa
 * chart's webhook configurations select namespaces with `windows.k8s.io/disabled NotIn ["true"]`
 * (and not the release namespace).
 */
export const webhookOptOutLabel = { "windows.k8s.io/disabled": "true" } as const;

/** Linux system nodes carry this label (LinuxNodes); the chart already adds kubernetes.io/os: linux. */
export const systemNodeSelector = { "eks-gmsa.io/node-role": "system" } as const;

export interface GmsaChartValuesArgs {
    releaseName: string;
    replicas: number;
    certManagerVersion: string;
    /** The chart's randomHostname: the webhook sets a random spec.hostname on gMSA pods that set none. */
    randomHostname: boolean;
}

/**
 * gmsa chart 0.13.0: cert-manager issues the serving certificate and injects the CA into both
 * webhook configurations; replicas spread over nodes, one may be disrupted at a time.
 */
export function gmsaChartValues(a: GmsaChartValuesArgs) {
    return {
        certificates: { certManager: { enabled: true, version: gmsaChartCertManagerVersion(a.certManagerVersion) } },
        // The chart renders credential specs itself when this is on; ours are Pulumi resources.
        credential: { enabled: false },
        replicaCount: a.replicas,
        nodeSelector: { ...systemNodeSelector },
        affinity: {
            podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                    {
                        weight: 100,
                        // The chart labels its pods app: <release name>.
                        podAffinityTerm: {
                            topologyKey: "kubernetes.io/hostname",
                            labelSelector: { matchExpressions: [{ key: "app", operator: "In", values: [a.releaseName] }] },
                        },
                    },
                ],
            },
        },
        podDisruptionBudget: { enabled: true, minAvailable: 1 },
        // The chart passes it to the webhook as RANDOM_HOSTNAME (parsed with strconv.ParseBool).
        randomHostname: a.randomHostname,
    };
}

/** The gmsa chart's cert-manager version value: without the leading "v". Its template takes
 *  `int` of the major part to pick the cert-manager API when the cluster cannot be asked, and
 *  `int "v1"` is 0, which would select the pre-1.0 API. */
export function gmsaChartCertManagerVersion(certManagerVersion: string): string {
    return certManagerVersion.replace(/^v/, "");
}

/**
 * cert-manager chart (v1.19.2 and later): CRDs installed and kept on uninstall (credential specs'
 * webhook certificates depend on them), every component on the Linux system nodes (the chart merges
 * global.nodeSelector into each component's). Checked against the v1.21 chart's values.yaml and
 * values.schema.json (docs/design.md); the schema rejects unknown keys.
 */
export function certManagerValues() {
    return {
        crds: { enabled: true, keep: true },
        global: { nodeSelector: { ...systemNodeSelector } },
        replicaCount: 2,
        podDisruptionBudget: { enabled: true, minAvailable: 1 },
        webhook: { replicaCount: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 } },
        cainjector: { replicaCount: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 } },
    };
}
