// The AD side run inside the VPC: PowerShell for the management host (provision the readers'
// group, the portable identity and the gMSAs; add a new node's computer account to the group;
// delete a removed node's computer account), the SSM Command documents that carry it, and the
// Automation runbooks the Windows auto scaling group's lifecycle hooks start. Pure and tested.
//
// The PowerShell does what lib/ad does over LDAP (and is checked against the same names: SPNs,
// DNS host name, allowed readers), with the ActiveDirectory module, which works against AWS
// Managed Microsoft AD without LDAPS.
import { expectedSpns } from "../lib/ad/directory";
import type { PolicyDocument } from "./iamPolicies";

/** A PowerShell single-quoted string literal: nothing inside is expanded. */
export function psQuote(value: string): string {
    return `'${value.replace(/'/g, "''")}'`;
}

function psArray(values: readonly string[]): string {
    return `@(${values.map(psQuote).join(", ")})`;
}

/** What every directory script needs: where the directory is and whose credentials to use. */
export interface DirectoryTarget {
    domainName: string;
    netbiosName: string;
    /** Domain controllers (or AD DNS servers) to use when the host cannot resolve the domain name. */
    dnsServers: readonly string[];
    region: string;
    /** Secrets Manager secret {"username","password"} of the AD account the scripts act as. */
    adminSecretArn: string;
}

/** Line the provisioning script ends with; the rest of its output is progress. */
export const resultMarker = "EKS-GMSA-RESULT ";

/**
 * Preamble: the ActiveDirectory module (installed on first use), the admin credentials from
 * Secrets Manager (the AWS Tools for PowerShell ship with Windows AMIs), and a reachable server:
 * the domain name when the host resolves it, else the first DC address that answers on ADWS.
 */
function preamble(t: DirectoryTarget): string[] {
    return [
        "$ErrorActionPreference = 'Stop'",
        "$ProgressPreference = 'SilentlyContinue'",
        "if (-not (Get-Module -ListAvailable -Name ActiveDirectory)) { Install-WindowsFeature -Name RSAT-AD-PowerShell | Out-Null }",
        "Import-Module ActiveDirectory",
        `$domain = ${psQuote(t.domainName)}`,
        `$admin = (Get-SECSecretValue -SecretId ${psQuote(t.adminSecretArn)} -Region ${psQuote(t.region)}).SecretString | ConvertFrom-Json`,
        "if (-not $admin.username -or -not $admin.password) { throw 'the admin credentials secret must hold {\"username\",\"password\"}' }",
        `$adminUser = if ($admin.username -match '[\\\\@]') { $admin.username } else { ${psQuote(`${t.netbiosName}\\`)} + $admin.username }`,
        "$credential = New-Object System.Management.Automation.PSCredential ($adminUser, (ConvertTo-SecureString $admin.password -AsPlainText -Force))",
        `$server = $null`,
        `foreach ($candidate in @($domain) + ${psArray(t.dnsServers)}) {`,
        "    if ((Test-NetConnection -ComputerName $candidate -Port 9389 -WarningAction SilentlyContinue).TcpTestSucceeded) { $server = $candidate; break }",
        "}",
        "if (-not $server) { throw \"no domain controller of $domain answers on ADWS (TCP 9389) from this host: check DNS and security groups\" }",
        "$ad = @{ Server = $server; Credential = $credential }",
    ];
}

export interface ProvisioningScriptArgs extends DirectoryTarget {
    readersGroup: string;
    /** Where the group and the portable identity are created. */
    accountsOu: string;
    /** gMSA sAMAccountNames without '$'. */
    accounts: readonly string[];
    /** Domainless mode: the portable identity, its password read from the secret the CCG plugin reads. */
    identity?: { username: string; secretArn: string };
}

/**
 * Creates what is missing and corrects what differs, like lib/ad's provision(); a second run
 * changes nothing. Ends with one line: the marker and JSON of the domain facts and the changes.
 */
export function renderProvisioningScript(a: ProvisioningScriptArgs): string {
    const lines = [
        ...preamble(a),
        "$changes = New-Object System.Collections.Generic.List[string]",
        "$d = Get-ADDomain @ad",
        // gMSA passwords are derived from the forest's KDS root key; without one New-ADServiceAccount fails obscurely.
        "$kds = Get-ADObject -SearchBase \"CN=Master Root Keys,CN=Group Key Distribution Service,CN=Services,$((Get-ADRootDSE @ad).configurationNamingContext)\" -Filter \"objectClass -eq 'msKds-ProvRootKey'\" @ad",
        "if (-not $kds) { throw \"the forest has no KDS root key: a Domain Admin runs Add-KdsRootKey -EffectiveImmediately once (gMSA passwords derive from it)\" }",
        `$groupName = ${psQuote(a.readersGroup)}`,
        "$group = Get-ADGroup -Filter \"sAMAccountName -eq '$groupName'\" @ad",
        "if (-not $group) {",
        `    $group = New-ADGroup -Name $groupName -SamAccountName $groupName -GroupCategory Security -GroupScope Global -Path ${psQuote(a.accountsOu)} -Description 'May retrieve the passwords of the EKS gMSAs (eks-gmsa)' -PassThru @ad`,
        "    $changes.Add(\"created group $groupName\")",
        "}",
    ];
    if (a.identity) {
        lines.push(
            `$identityName = ${psQuote(a.identity.username)}`,
            `$identity = (Get-SECSecretValue -SecretId ${psQuote(a.identity.secretArn)} -Region ${psQuote(a.region)}).SecretString | ConvertFrom-Json`,
            "$identityPassword = ConvertTo-SecureString $identity.password -AsPlainText -Force",
            "$user = Get-ADUser -Filter \"sAMAccountName -eq '$identityName'\" @ad",
            "if (-not $user) {",
            `    $user = New-ADUser -Name $identityName -SamAccountName $identityName -UserPrincipalName "$identityName@$domain" -Path ${psQuote(a.accountsOu)} -AccountPassword $identityPassword -Enabled $true -PasswordNeverExpires $true -CannotChangePassword $true -Description 'Portable identity of the AWS CCG plugin (eks-gmsa domainless gMSA)' -PassThru @ad`,
            "    $changes.Add(\"created user $identityName\")",
            "} else {",
            // Binding as the identity proves the password in Secrets Manager is the one AD has; reset only if not.
            "    $identityCredential = New-Object System.Management.Automation.PSCredential (\"$identityName@$domain\", $identityPassword)",
            "    try { Get-ADDomain -Server $server -Credential $identityCredential | Out-Null } catch {",
            "        Set-ADAccountPassword -Identity $user -Reset -NewPassword $identityPassword @ad",
            "        $changes.Add(\"reset the password of $identityName to the one in Secrets Manager\")",
            "    }",
            "}",
            "if (-not (Get-ADGroupMember -Identity $group @ad | Where-Object { $_.SID -eq $user.SID })) {",
            "    Add-ADGroupMember -Identity $group -Members $user @ad",
            "    $changes.Add(\"added $identityName to $groupName\")",
            "}",
        );
    }
    for (const account of a.accounts) {
        const dnsHostName = `${account}.${a.domainName}`;
        lines.push(
            `$name = ${psQuote(account)}`,
            `$spns = ${psArray(expectedSpns(account, a.domainName))}`,
            `$dnsHostName = ${psQuote(dnsHostName)}`,
            "$gmsa = Get-ADServiceAccount -Filter \"sAMAccountName -eq '$name`$'\" -Properties ServicePrincipalNames, DNSHostName, PrincipalsAllowedToRetrieveManagedPassword @ad",
            "if (-not $gmsa) {",
            "    New-ADServiceAccount -Name $name -DNSHostName $dnsHostName -ServicePrincipalNames $spns -PrincipalsAllowedToRetrieveManagedPassword $group @ad",
            "    $changes.Add(\"created gMSA $name`$\")",
            "} else {",
            "    $missing = @($spns | Where-Object { $gmsa.ServicePrincipalNames -notcontains $_ })",
            "    if ($missing.Count -gt 0) { Set-ADServiceAccount -Identity $gmsa -ServicePrincipalNames @{ Add = $missing } @ad; $changes.Add(\"added SPNs $($missing -join ', ') to $name`$\") }",
            "    if ($gmsa.DNSHostName -ne $dnsHostName) { Set-ADServiceAccount -Identity $gmsa -DNSHostName $dnsHostName @ad; $changes.Add(\"set dNSHostName of $name`$\") }",
            "    $allowed = @($gmsa.PrincipalsAllowedToRetrieveManagedPassword)",
            "    if ($allowed -notcontains $group.DistinguishedName) { Set-ADServiceAccount -Identity $gmsa -PrincipalsAllowedToRetrieveManagedPassword ($allowed + $group.DistinguishedName) @ad; $changes.Add(\"allowed $groupName to retrieve the password of $name`$\") }",
            "}",
        );
    }
    lines.push(
        "$result = [ordered]@{ dnsName = $d.DNSRoot.ToLower(); forestName = $d.Forest.ToLower(); netbiosName = $d.NetBIOSName.ToUpper(); domainSid = $d.DomainSID.Value; domainGuid = $d.ObjectGUID.ToString(); changes = @($changes) }",
        `Write-Output (${psQuote(resultMarker)} + ($result | ConvertTo-Json -Compress))`,
    );
    return lines.join("\n");
}

/** What the provisioning run reports: the domain facts every credential spec names, and what it changed. */
export interface ProvisioningResult {
    dnsName: string;
    forestName: string;
    netbiosName: string;
    domainSid: string;
    domainGuid: string;
    changes: string[];
}

export function parseProvisioningOutput(stdout: string): ProvisioningResult {
    const line = stdout.split(/\r?\n/).reverse().find((l) => l.startsWith(resultMarker));
    if (!line) throw new Error(`the AD provisioning run printed no ${resultMarker.trim()} line; its output ends with: ${stdout.trim().slice(-300)}`);
    const r = JSON.parse(line.slice(resultMarker.length)) as Partial<ProvisioningResult>;
    const ok = typeof r.dnsName === "string" && typeof r.forestName === "string" && typeof r.netbiosName === "string"
        && /^S-1-5-21-\d+-\d+-\d+$/.test(String(r.domainSid)) && /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(String(r.domainGuid));
    if (!ok) throw new Error(`the AD provisioning run reported malformed domain facts: ${line.slice(resultMarker.length, 400)}`);
    return { dnsName: r.dnsName!, forestName: r.forestName!, netbiosName: r.netbiosName!, domainSid: r.domainSid!, domainGuid: r.domainGuid!.toLowerCase(), changes: ([] as string[]).concat(r.changes ?? []) };
}

/** SSM parameter carrying a computer name: validated by SSM before it reaches any script. */
const computerNameParameter = {
    type: "String",
    description: "NetBIOS computer name of the node (what the launch runbook recorded in the eks-gmsa:computer-name tag)",
    allowedPattern: "^[A-Za-z0-9-]{1,15}$",
};

export interface NodeAccountScriptArgs extends DirectoryTarget {
    readersGroup: string;
    /** When set, only computers in this OU are touched. */
    joinOu?: string;
}

function ouGuard(joinOu: string | undefined): string[] {
    return joinOu
        ? [`if (-not $computer.DistinguishedName.ToLower().EndsWith(${psQuote(`,${joinOu}`.toLowerCase())})) { throw "refusing: $($computer.DistinguishedName) is not in the join OU" }`]
        : [];
}

/** Adds a new node's computer account to the readers' group (run on the management host). */
export function renderNodeMembershipScript(a: NodeAccountScriptArgs): string {
    return [
        ...preamble(a),
        "$computer = Get-ADComputer -Identity '{{ ComputerName }}' @ad",
        ...ouGuard(a.joinOu),
        `$group = Get-ADGroup -Identity ${psQuote(a.readersGroup)} @ad`,
        "if (Get-ADGroupMember -Identity $group @ad | Where-Object { $_.SID -eq $computer.SID }) { Write-Output \"$($computer.Name) is already a member of $($group.Name)\" }",
        "else { Add-ADGroupMember -Identity $group -Members $computer @ad; Write-Output \"added $($computer.Name) to $($group.Name)\" }",
    ].join("\n");
}

/**
 * Deletes a removed node's computer account (run on the management host). Only accounts this
 * stack put in the readers' group are deleted, so a name clash can never remove another machine.
 */
export function renderComputerCleanupScript(a: NodeAccountScriptArgs): string {
    return [
        ...preamble(a),
        "$computer = Get-ADComputer -Filter \"Name -eq '{{ ComputerName }}'\" -Properties MemberOf @ad",
        "if (-not $computer) { Write-Output 'no computer account {{ ComputerName }}: nothing to delete'; exit 0 }",
        ...ouGuard(a.joinOu),
        `$group = Get-ADGroup -Identity ${psQuote(a.readersGroup)} @ad`,
        "if ($computer.MemberOf -notcontains $group.DistinguishedName) { throw \"refusing to delete $($computer.DistinguishedName): it is not in $($group.Name), so this cluster did not add it\" }",
        "Remove-ADObject -Identity $computer.DistinguishedName -Recursive -Confirm:$false @ad",
        "Write-Output \"deleted $($computer.DistinguishedName)\"",
    ].join("\n");
}

/** An SSM Command document (schema 2.2) running one PowerShell script. */
export function commandDocument(description: string, script: string, parameters: Record<string, object> = {}): string {
    return JSON.stringify({
        schemaVersion: "2.2",
        description,
        ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
        mainSteps: [{
            action: "aws:runPowerShellScript",
            name: "run",
            precondition: { StringEquals: ["platformType", "Windows"] },
            inputs: { runCommand: script.split("\n"), timeoutSeconds: "900" },
        }],
    }, null, 2);
}

export const nodeAccountParameters = { ComputerName: computerNameParameter };

/** Tag the launch runbook puts on each node: its computer name, for the termination runbook. */
export const computerNameTag = "eks-gmsa:computer-name";

/** Marker file that makes the membership reboot happen once per node. */
const rebootMarker = "C:\\ProgramData\\eks-gmsa\\readers-group-reboot";

export interface LaunchRunbookArgs {
    domainName: string;
    automationRoleArn: string;
    managementHostId: string;
    membershipDocument: string;
}

const runbookParameters = (roleArn: string) => ({
    InstanceId: { type: "String", description: "The launching or terminating node", allowedPattern: "^i-[0-9a-f]{8,17}$" },
    AutoScalingGroupName: { type: "String", description: "Its auto scaling group" },
    LifecycleHookName: { type: "String", description: "The lifecycle hook that holds it" },
    AutomationAssumeRole: { type: "String", description: "Role the runbook acts as", default: roleArn },
});

function completeLifecycle(name: string, result: "CONTINUE" | "ABANDON"): object {
    return {
        name,
        action: "aws:executeAwsApi",
        isEnd: true,
        inputs: {
            Service: "autoscaling",
            Api: "CompleteLifecycleAction",
            AutoScalingGroupName: "{{ AutoScalingGroupName }}",
            LifecycleHookName: "{{ LifecycleHookName }}",
            InstanceId: "{{ InstanceId }}",
            LifecycleActionResult: result,
        },
    };
}

/** Python (aws:executeScript): validates the computer name the node printed and tags the node with it. */
const recordComputerNameScript = [
    "import re",
    "import boto3",
    "",
    "def handler(events, context):",
    "    match = re.search(r'computerName=([A-Za-z0-9-]{1,15})\\s*$', events['Output'].strip(), re.M)",
    "    if not match:",
    "        raise Exception('the node did not report its computer name: ' + events['Output'][-300:])",
    "    name = match.group(1).upper()",
    `    boto3.client('ec2').create_tags(Resources=[events['InstanceId']], Tags=[{'Key': '${computerNameTag}', 'Value': name}])`,
    "    return {'computerName': name}",
].join("\n");

/**
 * Launch: wait until the node has joined the domain (the join association does it), record its
 * computer name, add it to the readers' group on the management host, reboot the node once so its
 * Kerberos tickets carry the new membership, then let it into service. A node that cannot
 * retrieve gMSA passwords is abandoned (the group replaces it) rather than serving broken pods.
 */
export function nodeLaunchRunbook(a: LaunchRunbookArgs): string {
    const waitForJoin = [
        "$deadline = (Get-Date).AddMinutes(25)",
        "while (-not (Get-CimInstance Win32_ComputerSystem).PartOfDomain) {",
        `    if ((Get-Date) -gt $deadline) { throw ${psQuote(`not joined to ${a.domainName} after 25 minutes: check the domain-join association`)} }`,
        "    Start-Sleep -Seconds 15",
        "}",
        "$joined = (Get-CimInstance Win32_ComputerSystem).Domain",
        `if ($joined -ne ${psQuote(a.domainName)}) { throw "joined to $joined, expected ${a.domainName}" }`,
        "Write-Output \"computerName=$env:COMPUTERNAME\"",
    ];
    const rebootOnce = [
        `if (Test-Path ${psQuote(rebootMarker)}) { Write-Output 'rebooted once already'; exit 0 }`,
        `New-Item -ItemType File -Force -Path ${psQuote(rebootMarker)} | Out-Null`,
        // 3010: the SSM agent reboots the node and runs this again, which then finds the marker.
        "exit 3010",
    ];
    return JSON.stringify({
        schemaVersion: "0.3",
        description: "eks-gmsa: a new Windows node joins the gMSA readers' group before it serves pods",
        assumeRole: "{{ AutomationAssumeRole }}",
        parameters: runbookParameters(a.automationRoleArn),
        mainSteps: [
            {
                name: "waitForDomainJoin", action: "aws:runCommand", maxAttempts: 3, timeoutSeconds: 1800, onFailure: "step:abandon",
                inputs: { DocumentName: "AWS-RunPowerShellScript", InstanceIds: ["{{ InstanceId }}"], Parameters: { commands: waitForJoin, executionTimeout: "1700" } },
            },
            {
                name: "recordComputerName", action: "aws:executeScript", onFailure: "step:abandon",
                inputs: { Runtime: "python3.11", Handler: "handler", Script: recordComputerNameScript, InputPayload: { InstanceId: "{{ InstanceId }}", Output: "{{ waitForDomainJoin.Output }}" } },
                outputs: [{ Name: "ComputerName", Selector: "$.Payload.computerName", Type: "String" }],
            },
            {
                name: "addToReadersGroup", action: "aws:runCommand", maxAttempts: 3, timeoutSeconds: 900, onFailure: "step:abandon",
                inputs: { DocumentName: a.membershipDocument, InstanceIds: [a.managementHostId], Parameters: { ComputerName: ["{{ recordComputerName.ComputerName }}"] } },
            },
            {
                name: "rebootOnce", action: "aws:runCommand", maxAttempts: 2, timeoutSeconds: 1200, onFailure: "step:abandon",
                inputs: { DocumentName: "AWS-RunPowerShellScript", InstanceIds: ["{{ InstanceId }}"], Parameters: { commands: rebootOnce, executionTimeout: "1100" } },
                nextStep: "continue",
            },
            completeLifecycle("continue", "CONTINUE"),
            completeLifecycle("abandon", "ABANDON"),
        ],
    }, null, 2);
}

export interface TerminationRunbookArgs {
    automationRoleArn: string;
    managementHostId: string;
    cleanupDocument: string;
}

/**
 * Termination: read the computer name the launch runbook recorded, delete the account on the
 * management host, and always complete the lifecycle action (a cleanup failure must not hold a
 * node, and the hook's timeout would continue anyway).
 */
export function nodeTerminationRunbook(a: TerminationRunbookArgs): string {
    return JSON.stringify({
        schemaVersion: "0.3",
        description: "eks-gmsa: delete the AD computer account of a Windows node that is being terminated",
        assumeRole: "{{ AutomationAssumeRole }}",
        parameters: runbookParameters(a.automationRoleArn),
        mainSteps: [
            {
                name: "readComputerName", action: "aws:executeAwsApi", onFailure: "step:continue", isCritical: false,
                inputs: { Service: "ec2", Api: "DescribeTags", Filters: [{ Name: "resource-id", Values: ["{{ InstanceId }}"] }, { Name: "key", Values: [computerNameTag] }] },
                outputs: [{ Name: "ComputerName", Selector: "$.Tags[0].Value", Type: "String" }],
            },
            {
                name: "deleteComputerAccount", action: "aws:runCommand", maxAttempts: 2, timeoutSeconds: 900, onFailure: "step:continue", isCritical: false,
                inputs: { DocumentName: a.cleanupDocument, InstanceIds: [a.managementHostId], Parameters: { ComputerName: ["{{ readComputerName.ComputerName }}"] } },
                nextStep: "continue",
            },
            completeLifecycle("continue", "CONTINUE"),
        ],
    }, null, 2);
}

/** EventBridge → Automation: the runbook's parameters from a lifecycle-action event. */
export const lifecycleEventInput = {
    inputPaths: { instance: "$.detail.EC2InstanceId", group: "$.detail.AutoScalingGroupName", hook: "$.detail.LifecycleHookName" },
    inputTemplate: '{"InstanceId":[<instance>],"AutoScalingGroupName":[<group>],"LifecycleHookName":[<hook>]}',
};

export function lifecycleEventPattern(transition: "launch" | "terminate", hookName: string): string {
    return JSON.stringify({
        source: ["aws.autoscaling"],
        "detail-type": [transition === "launch" ? "EC2 Instance-launch Lifecycle Action" : "EC2 Instance-terminate Lifecycle Action"],
        detail: { LifecycleHookName: [hookName] },
    });
}

/** `arn:…:document/name` → the ARN EventBridge and IAM use to start it as an automation. */
export function automationDefinitionArn(documentArn: string, version = "$DEFAULT"): string {
    if (!/:document\/[^/]+$/.test(documentArn)) throw new Error(`not an SSM document ARN: ${documentArn}`);
    return `${documentArn.replace(":document/", ":automation-definition/")}:${version}`;
}

export interface AutomationPolicyArgs {
    partition: string;
    region: string;
    clusterName: string;
    managementHostId: string;
    /** ARNs of the Command documents the runbooks run on the management host. */
    documentArns: readonly string[];
}

/**
 * What the runbooks may do: run commands on this cluster's Windows nodes (by their ownership tag)
 * and on the management host, tag nodes with their computer name, and complete lifecycle actions
 * of this cluster's groups.
 */
export function nodeLifecycleAutomationPolicy(a: AutomationPolicyArgs): PolicyDocument {
    const owned = { [`aws:ResourceTag/kubernetes.io/cluster/${a.clusterName}`]: "owned" };
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "RunDocuments", Effect: "Allow", Action: "ssm:SendCommand", Resource: [`arn:${a.partition}:ssm:${a.region}::document/AWS-RunPowerShellScript`, ...a.documentArns] },
            { Sid: "OnClusterNodes", Effect: "Allow", Action: "ssm:SendCommand", Resource: `arn:${a.partition}:ec2:${a.region}:*:instance/*`, Condition: { StringEquals: { [`ssm:resourceTag/kubernetes.io/cluster/${a.clusterName}`]: "owned" } } },
            { Sid: "OnManagementHost", Effect: "Allow", Action: "ssm:SendCommand", Resource: `arn:${a.partition}:ec2:${a.region}:*:instance/${a.managementHostId}` },
            { Sid: "FollowCommands", Effect: "Allow", Action: ["ssm:GetCommandInvocation", "ssm:ListCommands", "ssm:ListCommandInvocations", "ssm:DescribeInstanceInformation", "ec2:DescribeTags", "ec2:DescribeInstances"], Resource: "*" },
            { Sid: "TagComputerName", Effect: "Allow", Action: "ec2:CreateTags", Resource: `arn:${a.partition}:ec2:${a.region}:*:instance/*`, Condition: { StringEquals: owned, "ForAllValues:StringEquals": { "aws:TagKeys": [computerNameTag] } } },
            { Sid: "CompleteLifecycleActions", Effect: "Allow", Action: "autoscaling:CompleteLifecycleAction", Resource: "*", Condition: { StringEquals: { [`autoscaling:ResourceTag/kubernetes.io/cluster/${a.clusterName}`]: "owned" } } },
        ],
    };
}

/** EventBridge may start exactly these runbooks, passing exactly the automation role. */
export function startAutomationPolicy(automationDefinitionArns: readonly string[], automationRoleArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "StartRunbooks", Effect: "Allow", Action: "ssm:StartAutomationExecution", Resource: [...automationDefinitionArns] },
            { Sid: "PassAutomationRole", Effect: "Allow", Action: "iam:PassRole", Resource: automationRoleArn, Condition: { StringEquals: { "iam:PassedToService": "ssm.amazonaws.com" } } },
        ],
    };
}

/**
 * Runs on the machine running `pulumi up` (through @pulumi/command): waits for the management host
 * to come online in Systems Manager, runs the provisioning document on it, waits, and prints the
 * run's output (which the resource keeps secret). Needs the AWS CLI v2 and the deployer's credentials.
 */
export const runDocumentScript = `set -euo pipefail
: "\${INSTANCE_ID:?}" "\${DOCUMENT_NAME:?}" "\${DOCUMENT_VERSION:?}"
online_tries=\${ONLINE_TRIES:-120}; poll_seconds=\${POLL_SECONDS:-10}; run_tries=\${RUN_TRIES:-120}
ping=""
for _ in $(seq 1 "$online_tries"); do
  ping=$(aws ssm describe-instance-information --filters "Key=InstanceIds,Values=$INSTANCE_ID" --query 'InstanceInformationList[0].PingStatus' --output text 2>/dev/null || true)
  [ "$ping" = "Online" ] && break
  sleep "$poll_seconds"
done
if [ "$ping" != "Online" ]; then
  echo "eks-gmsa: the AD management host $INSTANCE_ID is not online in Systems Manager (last status: \${ping:-none}); check its instance profile and its route to the SSM endpoints" >&2
  exit 1
fi
command_id=$(aws ssm send-command --instance-ids "$INSTANCE_ID" --document-name "$DOCUMENT_NAME" --document-version "$DOCUMENT_VERSION" --comment "eks-gmsa AD provisioning" --query Command.CommandId --output text)
status=Pending
for _ in $(seq 1 "$run_tries"); do
  sleep "$poll_seconds"
  status=$(aws ssm get-command-invocation --command-id "$command_id" --instance-id "$INSTANCE_ID" --query Status --output text 2>/dev/null || echo Pending)
  case "$status" in
    Success) break ;;
    Failed|Cancelled|TimedOut|Cancelling)
      echo "eks-gmsa: AD provisioning $status on $INSTANCE_ID (command $command_id):" >&2
      aws ssm get-command-invocation --command-id "$command_id" --instance-id "$INSTANCE_ID" --query StandardErrorContent --output text >&2 || true
      exit 1 ;;
  esac
done
if [ "$status" != "Success" ]; then
  echo "eks-gmsa: AD provisioning did not finish in time on $INSTANCE_ID (command $command_id, status $status)" >&2
  exit 1
fi
aws ssm get-command-invocation --command-id "$command_id" --instance-id "$INSTANCE_ID" --query StandardOutputContent --output text
`;
