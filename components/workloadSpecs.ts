// Pod specs of the sample gMSA workload and its verification Job. Pure.
import type { Taint, WindowsServerVersion } from "../settings/types";

/** Windows containers must match the host's Windows Server version (process isolation). */
export function servercoreImage(version: WindowsServerVersion): string {
    return `mcr.microsoft.com/windows/servercore:ltsc${version}`;
}

export function iisImage(version: WindowsServerVersion): string {
    return `mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc${version}`;
}

/**
 * PowerShell run by the verification Job: the container's computer account is the gMSA, so
 * the secure channel to the domain verifies and a Kerberos TGT is issued. Exits 1 unless both
 * succeed; every step is logged for `kubectl logs`.
 */
export function verificationScript(domainName: string): string {
    return [
        "$ErrorActionPreference = 'Continue'",
        `Write-Output "gMSA check for domain ${domainName} on $(hostname) at $((Get-Date).ToUniversalTime().ToString('u'))"`,
        `Write-Output "--- nltest /sc_verify:${domainName}"`,
        `nltest /sc_verify:${domainName}`,
        "$secureChannel = $LASTEXITCODE",
        "Write-Output '--- klist get krbtgt'",
        "klist get krbtgt",
        "$kerberos = $LASTEXITCODE",
        "if ($secureChannel -ne 0 -or $kerberos -ne 0) {",
        "  Write-Output \"RESULT: FAILED (nltest exit $secureChannel, klist exit $kerberos)\"",
        "  exit 1",
        "}",
        "Write-Output 'RESULT: PASSED'",
        "exit 0",
    ].join("\n");
}

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
