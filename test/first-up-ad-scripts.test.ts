// Issue 11, findings 1 and 6: what the rendered AD scripts do, as the delegated directory Admin.
//
// These are rendered-text checks: there is no PowerShell on this machine (no pwsh) to run the
// scripts, and no Windows DC to run them against. So each script is parsed into its lines and
// its AD cmdlet calls, with string literals taken out, and the tests assert what the calls do:
// which cmdlets run, against which server, and where a failure leads. The next issue moves this
// code to a language the tests can run against a Samba DC.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
    missingKdsRootKeyError, renderComputerCleanupScript, renderNodeMembershipScript, renderProvisioningScript, type ProvisioningScriptArgs,
} from "../components/directoryDocuments";

const target = {
    domainName: "corp.example.com", netbiosName: "CORP", dnsServers: ["10.20.128.10", "10.20.144.10"], region: "us-west-2",
    adminSecretArn: "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/dev/directory-admin-AbCdEf",
};
const accountsOu = "OU=Users,OU=CORP,DC=corp,DC=example,DC=com";
const provisioning: ProvisioningScriptArgs = {
    ...target, readersGroup: "eks-gmsa-readers", accountsOu, accounts: ["WebApp01", "Reports"],
    identity: { username: "gmsa-ccg-reader", secretArn: "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/dev/portable-identity-XyZ123" },
};

/** Every script the management host runs as the directory's delegated account. */
const scripts: Record<string, string> = {
    "provisioning (domainless)": renderProvisioningScript(provisioning),
    "provisioning (domain-joined)": renderProvisioningScript({ ...provisioning, identity: undefined }),
    "node membership": renderNodeMembershipScript({ ...target, readersGroup: "eks-gmsa-readers", joinOu: "OU=EKS,OU=Computers,OU=CORP,DC=corp,DC=example,DC=com" }),
    "computer cleanup": renderComputerCleanupScript({ ...target, readersGroup: "eks-gmsa-readers" }),
};

/** A line with its string literals emptied: what remains is code. */
function code(line: string): string {
    return line.replace(/'(?:[^']|'')*'/g, "''").replace(/"(?:[^"`]|`.)*"/g, '""');
}

interface Call { line: number; cmdlet: string; text: string }

/** The ActiveDirectory and Kds module cmdlets a script calls, in order. */
function adCalls(script: string): Call[] {
    return script.split("\n").flatMap((text, line) =>
        [...code(text).matchAll(/\b([A-Z][a-z]+-(?:AD|Kds)[A-Za-z]+)\b/g)].map((m) => ({ line, cmdlet: m[1], text })));
}

/** What the AWS Managed Microsoft AD Admin may do: AD reads and writes inside its OU, and gMSAs (aws-managed-ad.md). */
const delegatedCmdlets = new Set([
    "Get-ADRootDSE", "Get-ADDomain", "Get-ADGroup", "New-ADGroup", "Get-ADGroupMember", "Add-ADGroupMember", "Get-ADUser", "New-ADUser",
    "Set-ADAccountPassword", "Get-ADServiceAccount", "New-ADServiceAccount", "Set-ADServiceAccount", "Get-ADComputer", "Remove-ADObject",
]);

describe("finding 1: nothing the delegated account runs needs Domain Admin rights", () => {
    test("no AD call reads the configuration partition or the KDS root keys, and no Kds cmdlet runs", () => {
        for (const [name, script] of Object.entries(scripts)) {
            for (const call of adCalls(script)) {
                assert.doesNotMatch(call.cmdlet, /Kds/, `${name}: ${call.text}`);
                assert.doesNotMatch(call.text, /Master Root Keys|Group Key Distribution Service|CN=Configuration|configurationNamingContext|msKds/i, `${name} reads outside the domain partition: ${call.text}`);
                assert.doesNotMatch(code(call.text), /-SearchBase|-SearchScope/, `${name} searches a chosen subtree: ${call.text}`);
            }
        }
    });

    test("every cmdlet is one the delegated Admin may run, and new users and groups go to the configured OU", () => {
        for (const [name, script] of Object.entries(scripts)) {
            const calls = adCalls(script);
            assert.ok(calls.length > 0, name);
            for (const call of calls) assert.ok(delegatedCmdlets.has(call.cmdlet), `${name}: ${call.cmdlet} is not in the delegated set: ${call.text}`);
            for (const call of calls.filter((c) => c.cmdlet === "New-ADGroup" || c.cmdlet === "New-ADUser")) {
                assert.ok(call.text.includes(`-Path '${accountsOu}'`), `${name}: ${call.text}`);
            }
            // gMSAs go to the default Managed Service Accounts container, where AWS delegates their creation.
            for (const call of calls.filter((c) => c.cmdlet === "New-ADServiceAccount")) assert.doesNotMatch(code(call.text), /-Path/, call.text);
        }
    });

    test("a New-ADServiceAccount that fails with 'Key does not exist' ends the run with a one-line hint; other failures are rethrown", () => {
        const script = scripts["provisioning (domainless)"];
        const creations = adCalls(script).filter((c) => c.cmdlet === "New-ADServiceAccount");
        assert.equal(creations.length, 2, "one per gMSA");
        for (const { text } of creations) {
            const handled = /^\s*try \{ New-ADServiceAccount [^}]*\} catch \{ if \(\$_\.Exception\.Message -match '([^']+)'\) \{ throw "([^"]+)" \}; throw \}$/.exec(text);
            assert.ok(handled, `not wrapped in the KDS handler: ${text}`);
            const [, pattern, hint] = handled;
            // PowerShell's -match is a case-insensitive regex match against the exception message.
            const matches = (message: string) => new RegExp(pattern, "i").test(message);
            assert.ok(matches("Key does not exist"), "the Windows error for a missing KDS root key");
            assert.equal(pattern, missingKdsRootKeyError);
            for (const other of ["Access is denied", "The specified account already exists", "Unable to contact the server"]) assert.ok(!matches(other), other);
            assert.doesNotMatch(hint, /\n/);
            assert.match(hint, /creating gMSA \$name`\$ failed with 'Key does not exist': the forest has no usable KDS root key/);
            assert.match(hint, /Add-KdsRootKey/);
            assert.match(hint, /10 hours/);
        }
    });
});

describe("finding 6: one domain controller for the whole run", () => {
    for (const [name, script] of Object.entries(scripts)) {
        test(`${name}: every AD call after the pin goes to the pinned DC, and the pin is one DC, never the domain name`, () => {
            const lines = script.split("\n");
            const pinned = lines.findIndex((l) => l === "$ad = @{ Server = $server; Credential = $credential }");
            assert.ok(pinned > 0, "the splat every cmdlet uses");
            const calls = adCalls(script);
            // Before the pin: only asking each candidate for its own name.
            for (const call of calls.filter((c) => c.line < pinned)) assert.match(call.text, /Get-ADRootDSE -Server \$candidate -Credential \$credential\)\.dnsHostName/, call.text);
            for (const call of calls.filter((c) => c.line > pinned)) {
                assert.ok(/@ad\b/.test(code(call.text)) || /-Server \$server\b/.test(code(call.text)), `${call.cmdlet} does not use the pinned DC: ${call.text}`);
            }
            // $server is set once, in the candidate loop, and never from the domain name itself.
            const assignments = lines.filter((l) => /^\s*\$server = /.test(l));
            assert.deepEqual(assignments.map((l) => l.trim()), ["$server = $null", "$server = if ($candidate -as [System.Net.IPAddress]) { $candidate } else { $dc }"]);
            assert.ok(lines.includes("foreach ($candidate in @('10.20.128.10', '10.20.144.10') + @($domain)) {"), "the configured addresses first, then the domain name");
            assert.ok(lines.some((l) => /Write-Output .*domain controller \$dc \(\$server\)/.test(l)), "the run says which DC it pinned");
        });
    }

    test("a node's computer account is waited for on the pinned DC: the join may have written it on another", () => {
        const membership = scripts["node membership"];
        assert.match(membership, /foreach \(\$attempt in 1\.\.20\) \{\n\s+\$computer = Get-ADComputer -Filter "Name -eq '\$computerName'" @ad\n\s+if \(\$computer\) \{ break \}\n\s+Start-Sleep -Seconds 15\n\}/);
        assert.match(membership, /throw "no computer account \$computerName on \$server after 5 minutes/);
    });
});
