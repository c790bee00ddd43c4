// Helm values for the gMSA webhook chart and cert-manager. Pure; every key is checked in tests
// against the chart's values.yaml (a misspelt key is silently ignored by Helm).

/** Linux system nodes carry this label (LinuxNodes); the chart already adds kubernetes.io/os: linux. */
export const systemNodeSelector = { "eks-gmsa.io/node-role": "system" } as const;

export interface GmsaChartValuesArgs {
    releaseName: string;
    replicas: number;
    certManagerVersion: string;
}

/**
 * gmsa chart 0.13.0: cert-manager issues the serving certificate and injects the CA into both
 * webhook configurations; replicas spread over nodes, one may be disrupted at a time.
 */
export function gmsaChartValues(a: GmsaChartValuesArgs) {
    return {
        certificates: { certManager: { enabled: true, version: a.certManagerVersion } },
        // The chart renders credential specs itself when this is on; ours are Pulumi resources.
        credential: { enabled: false },
        replicaCount: a.replicas,
        nodeSelector: { ...systemNodeSelector },
        affinity: {
            podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [{
                    weight: 100,
                    // The chart labels its pods app: <release name>.
                    podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchExpressions: [{ key: "app", operator: "In", values: [a.releaseName] }] } },
                }],
            },
        },
        podDisruptionBudget: { enabled: true, minAvailable: 1 },
    };
}
