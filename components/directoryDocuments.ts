// The AD side run inside the VPC: PowerShell for the management host (provision the readers'
// group, the portable identity and the gMSAs; add a new node's computer account to the group;
// delete a removed node's computer account) and the SSM Command documents that carry it. Pure and
// tested. The runbooks that run the node documents are in ./nodeLifecycleRunbooks.ts.
//
// The PowerShell does what lib/ad does over LDAP (and is checked against the same names: SPNs,
// DNS host name, allowed readers), with the ActiveDirectory module, which works against AWS
// Managed Microsoft AD without LDAPS.

/** The SPNs a gMSA needs (what components/scripts/ad/provision.py gives it). */
function expectedSpns(account: string, dnsName: string): string[] {
    return [`host/${account}`, `host/${account}.${dnsName}`];
}

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

/**
 * What New-ADServiceAccount says when the forest has no KDS root key it may use yet (none, or one
 * younger than its 10-hour replication delay), and the one line the run fails with instead.
 */
export const missingKdsRootKeyError = "Key does not exist";
export const missingKdsRootKeyHint = "creating gMSA $name`$ failed with 'Key does not exist': the forest has no usable KDS root key. AWS Managed Microsoft AD has one; in another forest a Domain Admin runs Add-KdsRootKey once, and gMSAs can be created 10 hours later";

/** Line the provisioning script ends with; the rest of its output is progress. */
export const resultMarker = "EKS-GMSA-RESULT ";

/**
 * Preamble: the ActiveDirectory module (installed on first use), the admin credentials from
 * Secrets Manager (the AWS Tools for PowerShell ship with Windows AMIs), and ONE domain controller
 * for the whole run. Cmdlets sent to the domain name may each land on another DC, and a DC sees
 * another's writes only after replication (a group created on one, its member added on another),
 * so the first candidate that answers on ADWS (the configured DC addresses, then the domain name)
 * is asked for its own name, and that DC serves every cmdlet of the run.
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
        "$server = $null",
        `foreach ($candidate in ${psArray(t.dnsServers)} + @($domain)) {`,
        "    if (-not (Test-NetConnection -ComputerName $candidate -Port 9389 -WarningAction SilentlyContinue).TcpTestSucceeded) { continue }",
        "    try { $dc = (Get-ADRootDSE -Server $candidate -Credential $credential).dnsHostName } catch { continue }",
        // An address is one DC already; the domain name is not, so it is replaced by the DC that answered.
        "    $server = if ($candidate -as [System.Net.IPAddress]) { $candidate } else { $dc }",
        "    break",
        "}",
        "if (-not $server) { throw \"no domain controller of $domain answers on ADWS (TCP 9389) from this host: check DNS and security groups\" }",
        "Write-Output \"eks-gmsa: every AD call of this run goes to domain controller $dc ($server)\"",
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
            // The KDS root key objects are readable by Domain Admins only (a delegated admin sees
            // none), so the script does not look for them: it creates the gMSA and explains the
            // directory's answer when there is no usable key.
            `    try { New-ADServiceAccount -Name $name -DNSHostName $dnsHostName -ServicePrincipalNames $spns -PrincipalsAllowedToRetrieveManagedPassword $group @ad } catch { if ($_.Exception.Message -match ${psQuote(missingKdsRootKeyError)}) { throw "${missingKdsRootKeyHint}" }; throw }`,
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
        // The node joined through whichever DC the join chose: its account may reach the pinned
        // DC only after replication (seconds within a site), so look for it for a few minutes.
        "$computerName = '{{ ComputerName }}'",
        "$computer = $null",
        "foreach ($attempt in 1..20) {",
        "    $computer = Get-ADComputer -Filter \"Name -eq '$computerName'\" @ad",
        "    if ($computer) { break }",
        "    Start-Sleep -Seconds 15",
        "}",
        "if (-not $computer) { throw \"no computer account $computerName on $server after 5 minutes: the node's domain join has not reached this domain controller\" }",
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
