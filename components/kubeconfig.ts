// The kubeconfig the Kubernetes provider deploys with. Pure.
//
// @pulumi/eks 4.3.0 builds its `kubeconfigJson` output without the AWS profile (only the provider it
// keeps to itself gets one), so a provider fed from that output runs `aws eks get-token` with
// whatever credentials are ambient. This one names the profile and the deploy role explicitly.
// Its cluster entry (name, server, CA) is the one @pulumi/eks writes: the Kubernetes provider
// replaces itself, and every object it manages, only when the active cluster entry changes.

export interface KubeconfigArgs {
    clusterName: string;
    endpoint: string;
    /** Base64 PEM, as EKS returns it. */
    certificateAuthority: string;
    region: string;
    /** Role `aws eks get-token` assumes: the deploy role that created the cluster. */
    roleArn?: string;
    /** `aws:profile`: as --profile, which ambient AWS_* variables cannot override (AWS_PROFILE can be). */
    profile?: string;
}

export function renderKubeconfig(a: KubeconfigArgs): string {
    const args = ["--region", a.region, "eks", "get-token", "--cluster-name", a.clusterName, "--output", "json"];
    if (a.roleArn) args.push("--role-arn", a.roleArn);
    if (a.profile) args.push("--profile", a.profile);
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "kubernetes", cluster: { server: a.endpoint, "certificate-authority-data": a.certificateAuthority } }],
        contexts: [{ name: "aws", context: { cluster: "kubernetes", user: "aws" } }],
        "current-context": "aws",
        users: [
            {
                name: "aws",
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args,
                        env: [{ name: "KUBERNETES_EXEC_INFO", value: '{"apiVersion": "client.authentication.k8s.io/v1beta1"}' }],
                    },
                },
            },
        ],
    });
}
