// npm run ad -- discover|verify|provision|remove --url <ldap[s]://host[:port]> --user <DOMAIN\user|user@domain> [options]
// The password comes from AD_PASSWORD (never a flag). Exit 0 done (verify: all good), 1 the
// operation failed or verify found problems, 2 bad usage.
import * as fs from "fs";
import * as YAML from "yaml";
import { renderCredentialSpec } from "../components/credentialSpec";
import { containerDn } from "../settings/checks";
import { Directory, DirectoryError, describe, provision, removeGmsa, verifyGmsa, type DomainFacts } from "../lib/ad/directory";

const usageText = `usage: npm run ad -- <command> --url <ldap[s]://host[:port]> --user <DOMAIN\\user|user@domain> [options]
  discover  [--format json|yaml|config] [--account <gMSA> [--name <credspec name>] for yaml]
  verify    --account <gMSA> --group <readers group>
  provision --account <gMSA> --group <readers group> [--identity-user <user>] [--ou <DN for group and user>]   (identity password: AD_IDENTITY_PASSWORD)
  remove    --account <gMSA> --group <readers group> [--identity-user <user>]
options: --timeout <seconds> (default 5), --ca-file <pem> (LDAPS CA), --insecure-tls (accept any LDAPS certificate; tests only)
the password of --user is read from AD_PASSWORD`;

class UsageError extends Error {}

function parse(argv: string[]) {
    const [command, ...rest] = argv;
    if (!command || !["discover", "verify", "provision", "remove"].includes(command)) throw new UsageError(command ? `unknown command ${JSON.stringify(command)}` : "a command is required");
    const flags: Record<string, string | true> = {};
    const valued = ["--url", "--user", "--format", "--account", "--name", "--group", "--identity-user", "--ou", "--timeout", "--ca-file"];
    for (let i = 0; i < rest.length; i++) {
        const arg = rest[i];
        if (arg === "--insecure-tls") flags[arg] = true;
        else if (valued.includes(arg)) {
            const value = rest[++i];
            if (value === undefined || value.startsWith("--")) throw new UsageError(`${arg} needs a value`);
            flags[arg] = value;
        } else if (arg === "--password") throw new UsageError("the password is read from AD_PASSWORD, never from a flag");
        else throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
    const get = (name: string) => (typeof flags[name] === "string" ? (flags[name] as string) : undefined);
    const url = get("--url");
    if (!url || !/^ldaps?:\/\/[^\s/:]+(:\d{1,5})?\/?$/.test(url)) throw new UsageError(url ? `--url ${JSON.stringify(url)} is not ldap://host[:port] or ldaps://host[:port]` : "--url is required");
    const user = get("--user");
    if (!user || !/^[^\\@\s]+\\[^\\@\s]+$|^[^\\@\s]+@[^\\@\s]+$/.test(user)) throw new UsageError(user ? `--user ${JSON.stringify(user)} must be DOMAIN\\user or user@domain` : "--user is required");
    const format = get("--format") ?? "json";
    if (!["json", "yaml", "config"].includes(format)) throw new UsageError(`--format ${JSON.stringify(format)} must be json, yaml or config`);
    const timeout = Number(get("--timeout") ?? "5");
    if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 120) throw new UsageError("--timeout must be a number of seconds from 1 to 120");
    const account = get("--account");
    if (account !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]{0,14}$/.test(account)) throw new UsageError(`--account ${JSON.stringify(account)} must be a gMSA name without '$', at most 15 characters`);
    const group = get("--group");
    if (command !== "discover" && !account) throw new UsageError(`${command} needs --account`);
    if (command !== "discover" && !group) throw new UsageError(`${command} needs --group`);
    if (command === "discover" && format === "yaml" && !account) throw new UsageError("--format yaml needs --account (the gMSA the credential spec is for)");
    const password = process.env.AD_PASSWORD;
    if (!password) throw new UsageError("AD_PASSWORD is not set (the password of --user)");
    const identityUser = get("--identity-user");
    const identityPassword = process.env.AD_IDENTITY_PASSWORD;
    if (command === "provision" && identityUser && !identityPassword) throw new UsageError("AD_IDENTITY_PASSWORD is not set (the password for --identity-user)");
    const ou = get("--ou");
    const ouProblem = ou === undefined ? undefined : containerDn(ou);
    if (ouProblem) throw new UsageError(`--ou ${JSON.stringify(ou)} ${ouProblem}`);
    const caFile = get("--ca-file");
    let ca: string | undefined;
    if (caFile) {
        try {
            ca = fs.readFileSync(caFile, "utf8");
        } catch (e) {
            throw new UsageError(`--ca-file ${caFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
    }
    return {
        command, url, user, password, format, account, group, timeoutMs: timeout * 1000,
        name: get("--name"),
        accountsOu: ou,
        identity: identityUser ? { user: identityUser, password: identityPassword ?? "" } : undefined,
        tls: flags["--insecure-tls"] ? { rejectUnauthorized: false } : ca ? { ca } : undefined,
    };
}

function formatFacts(facts: DomainFacts, format: string, account?: string, name?: string): string {
    if (format === "json") return JSON.stringify({ dnsName: facts.dnsName, forestName: facts.forestName, netbiosName: facts.netbiosName, domainSid: facts.domainSid, domainGuid: facts.domainGuid });
    if (format === "yaml") {
        const doc = renderCredentialSpec({ name: name ?? account!.toLowerCase(), account: account!, domain: { dnsName: facts.dnsName, forestName: facts.forestName, netbiosName: facts.netbiosName, sid: facts.domainSid, guid: facts.domainGuid } });
        return YAML.stringify(doc).trimEnd();
    }
    return [
        "  eks-gmsa:activeDirectory:",
        `    domainName: ${facts.dnsName}`,
        `    netbiosName: ${facts.netbiosName}`,
        `    forestName: ${facts.forestName}`,
        `    domainSid: ${facts.domainSid}`,
        `    domainGuid: ${facts.domainGuid}`,
        "    dnsServers: []   # the domain controllers' IP addresses",
    ].join("\n");
}

async function main(): Promise<number> {
    let args;
    try {
        args = parse(process.argv.slice(2));
    } catch (e) {
        if (e instanceof UsageError) {
            console.error(`ad: ${e.message}\n${usageText}`);
            return 2;
        }
        throw e;
    }
    const directory = await Directory.connect({ url: args.url, user: args.user, password: args.password, timeoutMs: args.timeoutMs, tls: args.tls });
    try {
        switch (args.command) {
            case "discover":
                console.log(formatFacts(await directory.discover(), args.format, args.account, args.name));
                return 0;
            case "verify": {
                const result = await verifyGmsa(directory, { account: args.account!, readersGroup: args.group! });
                if (result.ok) console.log(`gMSA ${args.account}$ is ready: SPNs, DNS host name, and ${args.group} may retrieve its password`);
                for (const p of result.problems) console.log(`problem: ${p}`);
                return result.ok ? 0 : 1;
            }
            case "provision": {
                const changes = await provision(directory, { account: args.account!, readersGroup: args.group!, identity: args.identity, ...(args.accountsOu ? { accountsOu: args.accountsOu } : {}) });
                console.log(changes.length === 0 ? "nothing to change" : changes.join("\n"));
                return 0;
            }
            default: {
                const removed = await removeGmsa(directory, { account: args.account!, readersGroup: args.group!, identity: args.identity });
                console.log(removed.length === 0 ? "nothing to remove" : removed.join("\n"));
                return 0;
            }
        }
    } finally {
        await directory.close();
    }
}

main().then((code) => process.exit(code)).catch((e) => {
    console.error(`ad: ${e instanceof DirectoryError ? e.message : describe(e)}`);
    process.exit(1);
});
