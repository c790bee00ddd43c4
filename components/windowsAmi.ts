// Where AWS publishes the EKS-optimized Windows AMI ID. Pure.
import type { WindowsEdition, WindowsServerVersion } from "../settings/types";

/** e.g. /aws/service/ami-windows-latest/Windows_Server-2022-English-Core-EKS_Optimized-1.35/image_id */
export function windowsAmiParameter(version: WindowsServerVersion, edition: WindowsEdition, kubernetesVersion: string): string {
    return `/aws/service/ami-windows-latest/Windows_Server-${version}-English-${edition}-EKS_Optimized-${kubernetesVersion}/image_id`;
}

export const windowsAmiParameterPattern =
    /^\/aws\/service\/ami-windows-latest\/Windows_Server-(2019|2022|2025)-English-(Core|Full)-EKS_Optimized-1\.[0-9]{2}\/image_id$/;
