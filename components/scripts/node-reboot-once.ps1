# A new Windows node reboots once after its computer account joined the gMSA readers' group, so
# its Kerberos tickets carry the membership (SSM Command document <cluster>-node-reboot-once; no
# parameters). Exit code 3010 asks the SSM agent to reboot the node and run this again; the second
# run finds the marker and succeeds, which ends the command.
$ErrorActionPreference = 'Stop'

$marker = Join-Path $env:ProgramData 'eks-gmsa\readers-group-reboot'
if (Test-Path -LiteralPath $marker) {
    Write-Output 'rebooted once already'
    exit 0
}
New-Item -ItemType File -Force -Path $marker | Out-Null
exit 3010
