# The sample workload's verification Job runs this in a Windows container whose computer account
# is the gMSA (components/workloadSpecs.ts passes it to powershell.exe -Command without this header,
# with the domain's DNS name in place of the marker). The secure channel to the domain must verify
# and a Kerberos TGT must be issued: exits 1 unless both succeed, logging every step for
# `kubectl logs`.

$ErrorActionPreference = 'Continue'
Write-Output "gMSA check for domain __DOMAIN_NAME__ on $(hostname) at $((Get-Date).ToUniversalTime().ToString('u'))"
Write-Output "--- nltest /sc_verify:__DOMAIN_NAME__"
nltest /sc_verify:__DOMAIN_NAME__
$secureChannel = $LASTEXITCODE
Write-Output '--- klist get krbtgt'
klist get krbtgt
$kerberos = $LASTEXITCODE
if ($secureChannel -ne 0 -or $kerberos -ne 0) {
  Write-Output "RESULT: FAILED (nltest exit $secureChannel, klist exit $kerberos)"
  exit 1
}
Write-Output 'RESULT: PASSED'
exit 0
