// Reads eks-gmsa:activeDirectory (and the managed directory's Admin password) against its
// declaration (settings/schema/directory.ts); here the rules between keys. Pure; part of settings/validate.
import { domainRdns, formatDn } from "../lib/ad/dn";
import { normalizeDomainSid, normalizeGuid } from "../lib/ad/domainFacts";
import { SecretValue } from "../lib/secret";
import * as check from "./checks";
import type { Section } from "./reader";
import { directoryAdminPasswordKey } from "./schema";
import type { ActiveDirectorySettings } from "./types";

/** activeDirectory before the VPC resolver default is known (it depends on the gMSA mode). */
export type ActiveDirectoryDraft = Omit<ActiveDirectorySettings, "vpcResolver"> & { vpcResolver?: ActiveDirectorySettings["vpcResolver"] };

export function readActiveDirectory(
    s: Section,
    values: Readonly<Record<string, string>>,
    secretKeys: readonly string[],
): { draft?: ActiveDirectoryDraft; dnsServers?: readonly string[] } {
    const problems = s.problems;
    const domainName = s.string("domainName");
    const netbiosName = s.string("netbiosName");

    // Greenfield: the stack creates an AWS Managed Microsoft AD, so its DNS addresses, ID and
    // domain SID/GUID are outputs, not config.
    const managed = s.has("managedDirectory") ? s.section("managedDirectory") : undefined;
    const edition = managed?.string("edition") as "Standard" | "Enterprise" | undefined;
    managed?.finish();
    let managedDirectory: ActiveDirectorySettings["managedDirectory"];
    const adminPassword = values[directoryAdminPasswordKey];
    if (managed) {
        for (const key of ["dnsServers", "directoryId", "domainSid", "domainGuid", "adminCredentialsSecretArn"]) {
            if (s.has(key)) problems.add(s.path(key), undefined, `is read from the directory this stack creates (activeDirectory.managedDirectory); remove it`);
        }
        if (s.has("forestName") && domainName && String(s.raw("forestName")).toLowerCase() !== domainName.toLowerCase())
            problems.add(s.path("forestName"), s.raw("forestName"), "must equal domainName: a managed directory is a new forest");
        if (adminPassword === undefined)
            problems.add(
                directoryAdminPasswordKey,
                undefined,
                "is required with activeDirectory.managedDirectory (pulumi config set --secret directoryAdminPassword): the directory's Admin password",
            );
        else if (!secretKeys.includes(directoryAdminPasswordKey))
            problems.add(directoryAdminPasswordKey, undefined, "must be a secret: set it again with pulumi config set --secret directoryAdminPassword");
        else {
            const problem = check.managedDirectoryPassword(adminPassword);
            if (problem) problems.add(directoryAdminPasswordKey, undefined, problem);
            else if (edition) managedDirectory = { edition, adminPassword: new SecretValue(adminPassword) };
        }
    } else if (adminPassword !== undefined) {
        problems.add(
            directoryAdminPasswordKey,
            undefined,
            "is only used with activeDirectory.managedDirectory; remove it with pulumi config rm directoryAdminPassword",
        );
    }

    const dnsServers = managed ? undefined : s.stringList("dnsServers");
    const forestName = s.has("forestName") ? s.string("forestName") : domainName;
    const domainSid = !managed && s.has("domainSid") ? s.string("domainSid") : undefined;
    const domainGuid = !managed && s.has("domainGuid") ? s.string("domainGuid") : undefined;
    const directoryId = !managed && s.has("directoryId") ? s.string("directoryId") : undefined;
    const joinOu = s.has("joinOu") ? s.string("joinOu") : undefined;
    const adminCredentialsSecretArn = !managed && s.has("adminCredentialsSecretArn") ? s.string("adminCredentialsSecretArn") : undefined;
    const provisionAccounts = s.boolean("provisionAccounts", managed !== undefined);
    if (managed && s.has("provisionAccounts") && !provisionAccounts)
        problems.add(
            s.path("provisionAccounts"),
            false,
            "must be true with managedDirectory: nothing else creates the readers' group and the gMSAs in a new directory",
        );
    if (provisionAccounts && !managed && !s.has("adminCredentialsSecretArn"))
        problems.add(
            s.path("adminCredentialsSecretArn"),
            undefined,
            'is required with provisionAccounts: the Secrets Manager secret ({"username","password"}) of the AD account that creates the group, the gMSAs and the portable identity',
        );
    const accountsOu = s.has("accountsOu") ? s.string("accountsOu") : undefined;
    if (s.has("accountsOu") && provisionAccounts === false)
        problems.add(
            s.path("accountsOu"),
            s.raw("accountsOu"),
            "is only used with activeDirectory.provisionAccounts (the stack creates nothing in AD otherwise); remove it or set provisionAccounts: true",
        );
    // Each OU must lie in the domain; with a managed directory, in the OU AWS delegates to its Admin.
    const delegatedOu = managed && domainName && netbiosName ? check.managedDirectoryOu(domainName, netbiosName) : undefined;
    let placesOk = true;
    for (const [field, dn] of [
        ["joinOu", joinOu],
        ["accountsOu", accountsOu],
    ] as const) {
        const problem = dn && domainName && (delegatedOu || !managed) ? check.placeInDomain(dn, domainName, delegatedOu) : undefined;
        if (problem) problems.add(s.path(field), dn, problem);
        placesOk &&= !problem;
    }
    const resolver = s.has("vpcResolver") ? s.string("vpcResolver") : undefined;
    s.finish();
    if (s.has("vpcResolver") && !resolver) return { dnsServers };
    if ((s.has("directoryId") && !managed && !directoryId) || (s.has("joinOu") && !joinOu)) return { dnsServers };
    if ((s.has("adminCredentialsSecretArn") && !managed && !adminCredentialsSecretArn) || (s.has("accountsOu") && !accountsOu) || !placesOk)
        return { dnsServers };
    if (managed && !managedDirectory) return { dnsServers };
    if (!domainName || !netbiosName || (!managed && !dnsServers) || !forestName || provisionAccounts === undefined) return { dnsServers };
    if ((s.has("domainSid") && !managed && !domainSid) || (s.has("domainGuid") && !managed && !domainGuid)) return { dnsServers };
    const domain = domainName.toLowerCase();
    const forest = forestName.toLowerCase();
    if (domain !== forest && !domain.endsWith(`.${forest}`)) {
        s.problems.add(s.path("forestName"), forestName, `must be the forest root of domainName (${domainName}): the same name or a parent of it`);
        return { dnsServers };
    }
    // AWS Managed AD delegates OU=<NetBIOS name> to its Admin; CN=Users is the AD default elsewhere.
    const defaultAccountsOu = delegatedOu ? `OU=Users,${formatDn(delegatedOu)}` : `CN=Users,${formatDn(domainRdns(domain))}`;
    return {
        dnsServers,
        draft: {
            domainName: domain,
            netbiosName: netbiosName.toUpperCase(),
            forestName: forest,
            ...(dnsServers ? { dnsServers } : {}),
            ...(managedDirectory ? { managedDirectory } : {}),
            ...(domainSid ? { domainSid: normalizeDomainSid(domainSid) } : {}),
            ...(domainGuid ? { domainGuid: normalizeGuid(domainGuid) } : {}),
            ...(directoryId ? { directoryId } : {}),
            ...(joinOu ? { joinOu: check.canonicalDn(joinOu) } : {}),
            ...(adminCredentialsSecretArn ? { adminCredentialsSecretArn } : {}),
            provisionAccounts,
            accountsOu: accountsOu ? check.canonicalDn(accountsOu) : defaultAccountsOu,
            ...(resolver
                ? { vpcResolver: resolver === "create" || resolver === "none" ? { mode: resolver } : { mode: "existing" as const, ruleId: resolver } }
                : {}),
        },
    };
}

/** A managed directory's Computers OU (OU=Computers,OU=<NetBIOS>,DC=…), which AWS creates in the OU it delegates. */
export function managedDirectoryJoinOu(domainName: string, netbiosName: string): string {
    return formatDn([{ type: "OU", value: "Computers" }, ...check.managedDirectoryOu(domainName, netbiosName)]);
}
