// PowerShell user data that joins an EKS-optimized Windows AMI instance to the cluster
// (./scripts/windows-node-user-data.ps1). Pure apart from reading that file.
import type { Taint } from "../settings/types";
import { fillMarkers, shippedScript } from "./scriptFiles";

export interface WindowsBootstrapArgs {
    clusterName: string;
    apiServerEndpoint: string;
    /** Base64 PEM of the cluster CA, as EKS returns it. */
    certificateAuthority: string;
    serviceCidr: string;
    dnsClusterIp: string;
    labels: Readonly<Record<string, string>>;
    taint?: Taint;
}

const userDataScript = "windows-node-user-data.ps1";

/** Where the AMI keeps its bootstrap script (the user data script names it). */
export const bootstrapScriptPath = "$env:ProgramFiles\\Amazon\\EKS\\Start-EKSBootstrap.ps1";

/** A PowerShell double-quoted string literal: escapes the backtick, '$' and '"'. */
export function psString(value: string): string {
    return `"${value.replace(/[`$"]/g, (c) => "`" + c)}"`;
}

/** The node's labels as the kubelet's --node-labels takes them: "key=value", sorted by key. */
export function kubeletNodeLabels(labels: Readonly<Record<string, string>>): string[] {
    return Object.keys(labels)
        .sort()
        .map((k) => `${k}=${labels[k]}`);
}

/** The node's taints as the kubelet's --register-with-taints takes them: "key=value:Effect". */
export function kubeletTaints(taint?: Taint): string[] {
    return taint ? [`${taint.key}=${taint.value}:${taint.effect}`] : [];
}

/** Kubelet flags for the node's labels and taint (the kubelet applies both at registration). */
export function kubeletExtraArgs(labels: Readonly<Record<string, string>>, taint?: Taint): string {
    const args: string[] = [];
    const pairs = kubeletNodeLabels(labels);
    if (pairs.length > 0) args.push(`--node-labels=${pairs.join(",")}`);
    const taints = kubeletTaints(taint);
    if (taints.length > 0) args.push(`--register-with-taints=${taints.join(",")}`);
    return args.join(" ");
}

/**
 * Runs Start-EKSBootstrap.ps1 with the endpoint and CA given (so the node never calls
 * eks:DescribeCluster) and with -ServiceCIDR and -DNSClusterIP (without them the script guesses
 * the service range from the node's own IP, wrong for a custom serviceCidr). Streams 3-6 are folded
 * into the output so the bootstrap's progress reaches the EC2 console log.
 */
export function renderWindowsUserData(a: WindowsBootstrapArgs): string {
    const params = [
        `-EKSClusterName ${psString(a.clusterName)}`,
        `-APIServerEndpoint ${psString(a.apiServerEndpoint)}`,
        `-Base64ClusterCA ${psString(a.certificateAuthority)}`,
        `-ServiceCIDR ${psString(a.serviceCidr)}`,
        `-DNSClusterIP ${psString(a.dnsClusterIp)}`,
    ];
    const kubelet = kubeletExtraArgs(a.labels, a.taint);
    if (kubelet) params.push(`-KubeletExtraArgs ${psString(kubelet)}`);
    const script = fillMarkers(userDataScript, shippedScript(userDataScript), { __BOOTSTRAP_PARAMETERS__: params.join(" ") });
    return ["<powershell>", script, "</powershell>", ""].join("\n");
}
