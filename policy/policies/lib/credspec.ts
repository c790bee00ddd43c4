// Credential spec documents: well-formed, and holding no secret. Pure.
//
// A GMSACredentialSpec is readable by anyone who may read the CRD; it must name the gMSA and the
// domain the way New-CredentialSpec writes them, and, for the AWS CCG plugin (domainless mode),
// carry in PluginInput nothing but the ARN of the secret that holds the portable identity.

import { get, isOpaque, isSecret, isUnknown, list, obj, str } from "./values";

// The program has its own copy (lib/ad/domainFacts.ts); test/domain-facts.test.ts holds both to the
// same answers. Three 32-bit sub-authorities: at most 10 digits each.
const SID = /^S-1-5-21-[0-9]{1,10}-[0-9]{1,10}-[0-9]{1,10}$/i;
const GUID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\})$/i;
/** A Secrets Manager secret or an SSM parameter, in any AWS partition. */
const CREDENTIAL_ARN = /^arn:aws[a-z-]*:(secretsmanager|ssm):[^:\s]*:[^:\s]*:\S+$/;

export function isDomainSid(v: unknown): boolean {
    return typeof v === "string" && SID.test(v);
}

export function isGuid(v: unknown): boolean {
    return typeof v === "string" && GUID.test(v);
}

export function isCredentialArn(v: unknown): boolean {
    return typeof v === "string" && CREDENTIAL_ARN.test(v);
}

/**
 * What is wrong with a HostAccountConfig.PluginInput: it must be JSON text whose only key is
 * credentialArn, an ARN of a Secrets Manager secret or SSM parameter. Anything else (a password,
 * a user name, extra keys) means the credential spec holds secrets. undefined when fine or unknown.
 */
export function pluginInputProblem(pluginInput: unknown): string | undefined {
    const fix = `PluginInput must be exactly {"credentialArn":"arn:aws:secretsmanager:<region>:<account>:secret:<name>"}: keep the user name, password and domain in that secret, never in the credential spec`;
    if (isUnknown(pluginInput)) return undefined;
    if (isSecret(pluginInput))
        return `HostAccountConfig.PluginInput is a Pulumi secret, so the credential spec holds secrets (a GMSACredentialSpec is stored and served in plain text); ${fix}`;
    if (typeof pluginInput !== "string") return `HostAccountConfig.PluginInput is ${pluginInput === undefined ? "missing" : "not a JSON string"}; ${fix}`;
    let parsed: unknown;
    try {
        parsed = JSON.parse(pluginInput);
    } catch {
        return `HostAccountConfig.PluginInput is not valid JSON (it may hold secrets); ${fix}`;
    }
    const o = obj(parsed);
    if (!o) return `HostAccountConfig.PluginInput is not a JSON object; ${fix}`;
    const keys = Object.keys(o);
    const extra = keys.filter((k) => k !== "credentialArn");
    if (extra.length > 0) return `HostAccountConfig.PluginInput holds secrets or other data (keys ${extra.map((k) => JSON.stringify(k)).join(", ")}); ${fix}`;
    const arn = o.credentialArn;
    if (isUnknown(arn)) return undefined;
    // The value is not echoed: it may be the very secret that must not be here.
    if (!isCredentialArn(arn)) return `HostAccountConfig.PluginInput credentialArn is not a Secrets Manager or SSM ARN (it may hold a secret); ${fix}`;
    return undefined;
}

/**
 * The problems of a GMSACredentialSpec's `credspec` document (empty when well-formed). Values not
 * known yet are not judged.
 */
export function credspecProblems(credspec: unknown): string[] {
    if (isUnknown(credspec)) return [];
    if (isSecret(credspec)) {
        return [
            "credspec is a Pulumi secret, so it holds secrets (a GMSACredentialSpec is stored and served in plain text); build it from non-secret values and keep credentials in Secrets Manager, naming the secret's ARN in HostAccountConfig.PluginInput",
        ];
    }
    if (!obj(credspec))
        return ["credspec is missing or not an object; render it the way New-CredentialSpec writes it (DomainJoinConfig, ActiveDirectoryConfig, CmsPlugins)"];
    const problems: string[] = [];
    const dj = get(credspec, "DomainJoinConfig");
    if (!obj(dj) && !isUnknown(dj)) {
        problems.push("DomainJoinConfig is missing; set Sid, Guid, DnsName, DnsTreeName, NetBiosName and MachineAccountName from (Get-ADDomain) and the gMSA");
    }
    const field = (key: string) => get(dj, key);
    const known = (v: unknown) => obj(dj) !== undefined && !isUnknown(v);

    const sid = field("Sid");
    if (known(sid) && !isDomainSid(sid)) {
        problems.push(
            `DomainJoinConfig.Sid ${describe(sid)} is not a domain SID; set it to (Get-ADDomain).DomainSID, e.g. S-1-5-21-1234567890-1234567890-1234567890`,
        );
    }
    const guid = field("Guid");
    if (known(guid) && !isGuid(guid)) {
        problems.push(`DomainJoinConfig.Guid ${describe(guid)} is not a GUID; set it to (Get-ADDomain).ObjectGUID, e.g. 244818ae-87ca-4fcd-92ec-e79e5252348a`);
    }
    const netbios = field("NetBiosName");
    if (known(netbios) && !(typeof netbios === "string" && netbios.length >= 1 && netbios.length <= 15 && !isSecret(netbios))) {
        problems.push(
            `DomainJoinConfig.NetBiosName ${describe(netbios)} must be the domain's NetBIOS name, 1 to 15 characters; set it to (Get-ADDomain).NetBIOSName`,
        );
    }
    const account = field("MachineAccountName");
    let accountName: string | undefined;
    if (known(account)) {
        if (typeof account !== "string" || account.length === 0 || isSecret(account)) {
            problems.push(`DomainJoinConfig.MachineAccountName ${describe(account)} must name the gMSA (its sAMAccountName without the trailing '$')`);
        } else if (account.includes("$")) {
            problems.push(
                `DomainJoinConfig.MachineAccountName "${account}" contains '$'; give the gMSA's sAMAccountName without it ("${account.replace(/\$/g, "")}")`,
            );
        } else {
            accountName = account;
        }
    }
    const dnsName = field("DnsName");
    if (known(dnsName) && str(dnsName) === undefined) {
        problems.push(`DomainJoinConfig.DnsName ${describe(dnsName)} must be the domain's DNS name; set it to (Get-ADDomain).DNSRoot`);
    }

    const ad = get(credspec, "ActiveDirectoryConfig");
    if (!obj(ad) && !isUnknown(ad)) {
        problems.push(
            "ActiveDirectoryConfig is missing; list the gMSA in ActiveDirectoryConfig.GroupManagedServiceAccounts under the domain's DNS name and under its NetBIOS name",
        );
    } else if (obj(ad)) {
        const gmsas = get(ad, "GroupManagedServiceAccounts");
        if (accountName !== undefined && !isUnknown(gmsas)) {
            const listed = list(gmsas);
            const opaqueEntry = listed.some((e) => isOpaque(e) || isUnknown(get(e, "Name")) || isUnknown(get(e, "Scope")));
            const scopes: [string, unknown][] = [
                ["DnsName", dnsName],
                ["NetBiosName", netbios],
            ];
            for (const [scopeField, scope] of scopes) {
                const scopeName = str(scope);
                if (scopeName === undefined || opaqueEntry) continue;
                const found = listed.some((e) => sameName(get(e, "Name"), accountName!) && sameName(get(e, "Scope"), scopeName));
                if (!found) {
                    problems.push(
                        `ActiveDirectoryConfig.GroupManagedServiceAccounts does not list {Name: "${accountName}", Scope: "${scopeName}"} (the ${scopeField} scope); list the gMSA under both the DNS and the NetBIOS domain name, as New-CredentialSpec does`,
                    );
                }
            }
        }
        const host = get(ad, "HostAccountConfig");
        if (host !== undefined && host !== null) {
            if (isSecret(host)) {
                problems.push(pluginInputProblem(host)!.replace("HostAccountConfig.PluginInput", "HostAccountConfig"));
            } else if (!isUnknown(host)) {
                const p = pluginInputProblem(get(host, "PluginInput"));
                if (p) problems.push(p);
            }
        }
    }
    return problems;
}

/** AD names compare case-insensitively. */
function sameName(a: unknown, b: string): boolean {
    return typeof a === "string" && a.toLowerCase() === b.toLowerCase();
}

function describe(v: unknown): string {
    if (v === undefined) return "(missing)";
    if (isSecret(v)) return "(a secret)";
    if (typeof v === "string") return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);
    return `(${v === null ? "null" : typeof v})`;
}
