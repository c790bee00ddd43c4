// Active Directory over LDAP: discover the domain facts credential specs need, verify a gMSA, and
// provision or remove the gMSA, its readers' group and the domainless portable identity.
// Idempotent (each operation reports what it changed) and bounded in time.
import { Attribute, Change, Client, InvalidCredentialsError, NoSuchObjectError, type Entry } from "ldapts";
import type { ConnectionOptions } from "tls";
import { allowedSidsOf, dnToDnsName, escapeFilterValue, gmsaMembershipDescriptor, guidToString, sidToString, unicodePwd } from "./codecs";

export interface DomainFacts {
    dnsName: string;
    forestName: string;
    netbiosName: string;
    domainSid: string;
    domainGuid: string;
}

export interface ConnectOptions {
    url: string;
    /** DOMAIN\user or user@domain (AD accepts both for a simple bind). */
    user: string;
    password: string;
    /** Per operation and for connecting, in milliseconds. */
    timeoutMs?: number;
    tls?: ConnectionOptions;
}

export class DirectoryError extends Error {}

const binaryAttributes = ["objectSid", "objectGUID", "msDS-GroupMSAMembership"];

export class Directory {
    private constructor(private readonly client: Client, readonly baseDn: string, readonly configurationDn: string, readonly rootDomainDn: string) {}

    static async connect(o: ConnectOptions): Promise<Directory> {
        const timeout = o.timeoutMs ?? 5000;
        const client = new Client({ url: o.url, timeout, connectTimeout: timeout, ...(o.tls ? { tlsOptions: o.tls } : {}) });
        try {
            await client.bind(o.user, o.password);
        } catch (e) {
            await client.unbind().catch(() => undefined);
            if (e instanceof InvalidCredentialsError) throw new DirectoryError(`${o.url}: the user name or password was refused (${o.user})`);
            // Result code 8 (strongerAuthRequired): DCs that require LDAP signing refuse simple binds in clear text.
            if ((e as { code?: number }).code === 8) throw new DirectoryError(`${o.url}: the server requires an encrypted connection for this bind; use ldaps://`);
            throw new DirectoryError(`${o.url}: cannot connect: ${describe(e)}`);
        }
        try {
            const { searchEntries } = await client.search("", { scope: "base", attributes: ["defaultNamingContext", "configurationNamingContext", "rootDomainNamingContext"] });
            const root = searchEntries[0];
            if (!root?.defaultNamingContext) throw new DirectoryError(`${o.url}: not an Active Directory server (no defaultNamingContext in its rootDSE)`);
            return new Directory(client, String(root.defaultNamingContext), String(root.configurationNamingContext), String(root.rootDomainNamingContext));
        } catch (e) {
            await client.unbind().catch(() => undefined);
            throw e instanceof DirectoryError ? e : new DirectoryError(`${o.url}: ${describe(e)}`);
        }
    }

    async close(): Promise<void> {
        await this.client.unbind().catch(() => undefined);
    }

    get dnsName(): string {
        return dnToDnsName(this.baseDn);
    }

    async discover(): Promise<DomainFacts> {
        const domain = await this.one(this.baseDn, "base", "(objectClass=*)", ["objectSid", "objectGUID"]);
        if (!domain) throw new DirectoryError(`no domain object at ${this.baseDn}`);
        const crossRef = await this.one(`CN=Partitions,${this.configurationDn}`, "one", `(&(objectClass=crossRef)(nCName=${escapeFilterValue(this.baseDn)}))`, ["nETBIOSName", "dnsRoot"]);
        if (!crossRef?.nETBIOSName) throw new DirectoryError(`no NetBIOS name for ${this.baseDn} under CN=Partitions`);
        return {
            dnsName: String(crossRef.dnsRoot || this.dnsName).toLowerCase(),
            forestName: dnToDnsName(this.rootDomainDn),
            netbiosName: String(crossRef.nETBIOSName).toUpperCase(),
            domainSid: sidToString(domain.objectSid as Buffer),
            domainGuid: guidToString(domain.objectGUID as Buffer),
        };
    }

    /** The entry of an account by sAMAccountName, or undefined. */
    async findAccount(samAccountName: string, attributes: string[] = []): Promise<Entry | undefined> {
        return this.one(this.baseDn, "sub", `(sAMAccountName=${escapeFilterValue(samAccountName)})`, ["objectSid", ...attributes]);
    }

    async sidOf(samAccountName: string): Promise<string | undefined> {
        const entry = await this.findAccount(samAccountName);
        return entry ? sidToString(entry.objectSid as Buffer) : undefined;
    }

    async add(dn: string, attributes: Record<string, string | string[] | Buffer>): Promise<void> {
        await this.client.add(dn, Object.entries(attributes).map(([type, v]) => new Attribute({ type, values: Buffer.isBuffer(v) ? [v] : (Array.isArray(v) ? v : [v]) as string[] })));
    }

    async replace(dn: string, type: string, values: string[] | Buffer[]): Promise<void> {
        await this.client.modify(dn, new Change({ operation: "replace", modification: new Attribute({ type, values }) }));
    }

    async addValues(dn: string, type: string, values: string[]): Promise<void> {
        await this.client.modify(dn, new Change({ operation: "add", modification: new Attribute({ type, values }) }));
    }

    async remove(dn: string): Promise<boolean> {
        try {
            await this.client.del(dn);
            return true;
        } catch (e) {
            if (e instanceof NoSuchObjectError) return false;
            throw e;
        }
    }

    async setPassword(dn: string, password: string): Promise<void> {
        await this.client.modify(dn, new Change({ operation: "replace", modification: new Attribute({ type: "unicodePwd", values: [unicodePwd(password)] }) }));
    }

    private async one(base: string, scope: "base" | "one" | "sub", filter: string, attributes: string[]): Promise<Entry | undefined> {
        try {
            const { searchEntries } = await this.client.search(base, { scope, filter, attributes, explicitBufferAttributes: binaryAttributes.filter((a) => attributes.includes(a)), sizeLimit: 2 });
            return searchEntries[0];
        } catch (e) {
            if (e instanceof NoSuchObjectError) return undefined;
            throw e;
        }
    }
}

export function describe(e: unknown): string {
    const err = e as NodeJS.ErrnoException & { code?: string | number };
    if (err?.code === "ECONNREFUSED") return "connection refused";
    if (err?.code === "ENOTFOUND") return "host not found";
    if (err?.code === "ETIMEDOUT" || /time(d)? ?out/i.test(String(err?.message))) return "timed out";
    return String(err?.message ?? e).split("\n")[0];
}

// ---- gMSA: verify, provision, remove -------------------------------------------------------

export interface GmsaSpec {
    /** sAMAccountName without '$'. */
    account: string;
    /** The security group whose members may retrieve the password. */
    readersGroup: string;
}

export interface VerifyResult {
    ok: boolean;
    problems: string[];
}

export function gmsaDn(directory: Directory, account: string): string {
    return `CN=${account},CN=Managed Service Accounts,${directory.baseDn}`;
}

export function expectedSpns(account: string, dnsName: string): string[] {
    return [`host/${account}`, `host/${account}.${dnsName}`];
}

/** Checks a gMSA as credential specs need it: exists, SPNs, DNS host name, allowed readers. */
export async function verifyGmsa(directory: Directory, spec: GmsaSpec): Promise<VerifyResult> {
    const problems: string[] = [];
    const dns = directory.dnsName;
    const entry = await directory.findAccount(`${spec.account}$`, ["objectClass", "servicePrincipalName", "dNSHostName", "msDS-GroupMSAMembership"]);
    if (!entry) return { ok: false, problems: [`gMSA ${spec.account}$ does not exist in ${dns}`] };
    const classes = ([] as string[]).concat(entry.objectClass as string[]).map((c) => c.toLowerCase());
    if (!classes.includes("msds-groupmanagedserviceaccount")) problems.push(`${spec.account}$ is not a group managed service account (objectClass ${classes.join(", ")})`);
    const spns = ([] as string[]).concat((entry.servicePrincipalName as string[]) ?? []).map((s) => s.toLowerCase());
    for (const spn of expectedSpns(spec.account, dns)) if (!spns.includes(spn.toLowerCase())) problems.push(`${spec.account}$ lacks the SPN ${spn}`);
    const host = String(entry.dNSHostName ?? "");
    if (host.toLowerCase() !== `${spec.account}.${dns}`.toLowerCase()) problems.push(`${spec.account}$ has dNSHostName ${JSON.stringify(host)}, expected ${spec.account}.${dns}`);
    const groupSid = await directory.sidOf(spec.readersGroup);
    if (!groupSid) problems.push(`group ${spec.readersGroup} does not exist`);
    const descriptor = entry["msDS-GroupMSAMembership"];
    const allowed = Buffer.isBuffer(descriptor) ? allowedSidsOf(descriptor) : [];
    if (groupSid && !allowed.includes(groupSid)) problems.push(`${spec.readersGroup} is not allowed to retrieve the password of ${spec.account}$ (msDS-GroupMSAMembership)`);
    return { ok: problems.length === 0, problems };
}

export interface ProvisionSpec extends GmsaSpec {
    /** Domainless mode: the portable identity user, made a member of the readers' group. */
    identity?: { user: string; password: string };
    /** Where the group and the user are created (default CN=Users of the domain). */
    accountsOu?: string;
}

/** Creates what is missing and corrects what differs; returns what it changed (empty: nothing). */
export async function provision(directory: Directory, spec: ProvisionSpec): Promise<string[]> {
    const changes: string[] = [];
    const dns = directory.dnsName;
    const users = spec.accountsOu ?? `CN=Users,${directory.baseDn}`;

    let group = await directory.findAccount(spec.readersGroup, ["distinguishedName", "member"]);
    if (!group) {
        await directory.add(`CN=${spec.readersGroup},${users}`, { objectClass: ["top", "group"], sAMAccountName: spec.readersGroup, groupType: String(-2147483646) });
        changes.push(`created group ${spec.readersGroup}`);
        group = await directory.findAccount(spec.readersGroup, ["distinguishedName", "member"]);
    }
    const groupDn = String(group!.dn);
    const groupSid = sidToString(group!.objectSid as Buffer);

    if (spec.identity) {
        let user = await directory.findAccount(spec.identity.user, ["distinguishedName", "userAccountControl"]);
        if (!user) {
            // Created disabled, given its password (LDAPS only), then enabled: AD refuses an enabled account without one.
            await directory.add(`CN=${spec.identity.user},${users}`, { objectClass: ["top", "person", "organizationalPerson", "user"], sAMAccountName: spec.identity.user, userPrincipalName: `${spec.identity.user}@${dns}`, userAccountControl: "514" });
            await directory.setPassword(`CN=${spec.identity.user},${users}`, spec.identity.password);
            await directory.replace(`CN=${spec.identity.user},${users}`, "userAccountControl", ["66048"]); // NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD
            changes.push(`created user ${spec.identity.user}`);
            user = await directory.findAccount(spec.identity.user, ["distinguishedName"]);
        }
        const members = ([] as string[]).concat((group!.member as string[]) ?? []).map((m) => m.toLowerCase());
        if (!members.includes(String(user!.dn).toLowerCase())) {
            await directory.addValues(groupDn, "member", [String(user!.dn)]);
            changes.push(`added ${spec.identity.user} to ${spec.readersGroup}`);
        }
    }

    const dn = gmsaDn(directory, spec.account);
    const existing = await directory.findAccount(`${spec.account}$`, ["servicePrincipalName", "dNSHostName", "msDS-GroupMSAMembership"]);
    if (!existing) {
        await directory.add(dn, {
            objectClass: ["top", "person", "organizationalPerson", "user", "computer", "msDS-GroupManagedServiceAccount"],
            sAMAccountName: `${spec.account}$`,
            dNSHostName: `${spec.account}.${dns}`,
            servicePrincipalName: expectedSpns(spec.account, dns),
            userAccountControl: "4096", // WORKSTATION_TRUST_ACCOUNT
            "msDS-ManagedPasswordInterval": "30",
            "msDS-GroupMSAMembership": gmsaMembershipDescriptor([groupSid]),
        });
        changes.push(`created gMSA ${spec.account}$`);
        return changes;
    }
    const spns = ([] as string[]).concat((existing.servicePrincipalName as string[]) ?? []);
    const missingSpns = expectedSpns(spec.account, dns).filter((s) => !spns.map((x) => x.toLowerCase()).includes(s.toLowerCase()));
    if (missingSpns.length > 0) {
        await directory.addValues(String(existing.dn), "servicePrincipalName", missingSpns);
        changes.push(`added SPNs ${missingSpns.join(", ")} to ${spec.account}$`);
    }
    if (String(existing.dNSHostName ?? "").toLowerCase() !== `${spec.account}.${dns}`.toLowerCase()) {
        await directory.replace(String(existing.dn), "dNSHostName", [`${spec.account}.${dns}`]);
        changes.push(`set dNSHostName of ${spec.account}$`);
    }
    const descriptor = existing["msDS-GroupMSAMembership"];
    const allowed = Buffer.isBuffer(descriptor) ? allowedSidsOf(descriptor) : [];
    if (!allowed.includes(groupSid)) {
        await directory.replace(String(existing.dn), "msDS-GroupMSAMembership", [gmsaMembershipDescriptor([...allowed, groupSid])]);
        changes.push(`allowed ${spec.readersGroup} to retrieve the password of ${spec.account}$`);
    }
    return changes;
}

/** Removes the gMSA, the identity user and the group (when asked); returns what it removed. */
export async function removeGmsa(directory: Directory, spec: ProvisionSpec): Promise<string[]> {
    const removed: string[] = [];
    const gmsa = await directory.findAccount(`${spec.account}$`);
    if (gmsa && (await directory.remove(String(gmsa.dn)))) removed.push(`removed gMSA ${spec.account}$`);
    if (spec.identity) {
        const user = await directory.findAccount(spec.identity.user);
        if (user && (await directory.remove(String(user.dn)))) removed.push(`removed user ${spec.identity.user}`);
    }
    const group = await directory.findAccount(spec.readersGroup);
    if (group && (await directory.remove(String(group.dn)))) removed.push(`removed group ${spec.readersGroup}`);
    return removed;
}
