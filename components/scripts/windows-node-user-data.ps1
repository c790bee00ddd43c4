# User data of the Windows nodes (components/windowsUserData.ts wraps it in EC2's <powershell>
# tags and ships it without this header). Runs the EKS-optimized AMI's Start-EKSBootstrap.ps1 with
# the parameters the renderer puts in place of the marker (each a PowerShell string literal); streams
# 3-6 are folded into the output so the bootstrap's progress reaches the EC2 console log.

[string]$EKSBootstrapScriptFile = "$env:ProgramFiles\Amazon\EKS\Start-EKSBootstrap.ps1"
& $EKSBootstrapScriptFile __BOOTSTRAP_PARAMETERS__ 3>&1 4>&1 5>&1 6>&1
