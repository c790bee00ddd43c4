# A new Windows node of the cluster waits here until the domain-join association has joined it
# (SSM Command document <cluster>-node-wait-for-domain-join; no parameters, so nothing reaches
# this script but the script itself). It prints the domain and the computer name it joined with,
# one `key=value` line each, for the launch runbook. Nothing trusts these lines: they only tell
# the AD step which account to examine, and that step refuses every account this node could not
# have been given (outside the join OU, older than the instance, already bound to another node).
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$deadline = (Get-Date).AddMinutes(25)
while (-not (Get-CimInstance -ClassName Win32_ComputerSystem).PartOfDomain) {
    if ((Get-Date) -gt $deadline) {
        throw 'not joined to a domain after 25 minutes: check the domain-join association of this node'
    }
    Start-Sleep -Seconds 15
}
$system = Get-CimInstance -ClassName Win32_ComputerSystem
Write-Output "domain=$($system.Domain)"
Write-Output "computerName=$env:COMPUTERNAME"
