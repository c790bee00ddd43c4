// Pod specs of the sample gMSA workload and its verification Job. Pure apart from reading the
// Job's script.
import type { Taint, WindowsServerVersion } from "../settings/types";
import { fillMarkers, shippedScript } from "./scriptFiles";

/** Windows containers must match the host's Windows Server version (process isolation). */
export function servercoreImage(version: WindowsServerVersion): string {
    return `mcr.microsoft.com/windows/servercore:ltsc${version}`;
}

export function iisImage(version: WindowsServerVersion): string {
    return `mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc${version}`;
}

/**
 * PowerShell run by the verification Job (./scripts/gmsa-verification.ps1): the container's
 * computer account is the gMSA, so the secure channel to the domain verifies and a Kerberos TGT is
 * issued. Exits 1 unless both succeed; every step is logged for `kubectl logs`.
 */
export function verificationScript(domainName: string): string {
    return fillMarkers(verificationScriptFile, shippedScript(verificationScriptFile), { __DOMAIN_NAME__: domainName });
}

const verificationScriptFile = "gmsa-verification.ps1";

export interface GmsaPodArgs {
    credentialSpec: string;
    serviceAccount: string;
    taint?: Taint;
}

/** The scheduling and identity part every gMSA pod needs. */
export function gmsaPodBasics(a: GmsaPodArgs) {
    return {
        serviceAccountName: a.serviceAccount,
        securityContext: { windowsOptions: { gmsaCredentialSpecName: a.credentialSpec } },
        nodeSelector: { "kubernetes.io/os": "windows" },
        tolerations: a.taint ? [{ key: a.taint.key, operator: "Equal", value: a.taint.value, effect: a.taint.effect }] : [],
    };
}
