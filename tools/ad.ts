// npm run ad -- <command> [flags]: eks-gmsa's Active Directory operations from a laptop. It runs
// components/scripts/ad/cli.py (the code the management host runs and the tests execute against a
// Samba DC) with a Python that can import Samba's bindings; passwords travel in the environment
// only (AD_PASSWORD, AD_IDENTITY_PASSWORD), never as arguments. `discover --format yaml|config`
// formats cli.py's JSON here with the program's own renderers. `help`, -h and --help print cli.py's
// usage and need no Samba. Exit codes are cli.py's: 0 done, 1 failed, 2 bad usage (with the usage).
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import * as YAML from "yaml";
import { renderCredentialSpec, type DomainFacts } from "../components/credentialSpec";
import { dns1123Subdomain, gmsaAccountName } from "../settings/checks";
import adHelp from "../components/scripts/ad-help.json";

const cli = path.join(__dirname, "..", "components", "scripts", "ad", "cli.py");

// The help's prose, shared with cli.py (kept outside the package the management host gets).
const installHint = adHelp.installHint;

/**
 * The first of EKS_GMSA_PYTHON (when set), /usr/bin/python3 and python3 that imports `module`:
 * Samba's bindings to run a command; any Python 3 for the help, which needs no Samba.
 */
export function findPython(env: NodeJS.ProcessEnv = process.env, module = "samba.samdb"): string | undefined {
    const candidates = env.EKS_GMSA_PYTHON ? [env.EKS_GMSA_PYTHON] : ["/usr/bin/python3", "python3"];
    return candidates.find((python) => spawnSync(python, ["-c", `import ${module}`], { stdio: "ignore", timeout: 30_000 }).status === 0);
}

/** `help`, `help <command>`, or -h/--help anywhere: cli.py prints the usage (argparse). */
export function isHelpRequest(argv: string[]): boolean {
    return argv[0] === "help" || argv.includes("-h") || argv.includes("--help");
}

/** The usage lines of one command, from cli.py's own parser (shown after a usage error found here). */
function commandUsage(python: string, command: string): string {
    const r = spawnSync(python, [cli, "help", command], { encoding: "utf8", timeout: 30_000 });
    return r.status === 0 ? r.stdout.split("\n\n")[0] : "";
}

class UsageError extends Error {}

/** Takes `--format yaml|config` (and yaml's --account/--name) out of discover's arguments. */
function formatRequest(args: string[]): { format: "yaml" | "config"; account?: string; name?: string; rest: string[] } | undefined {
    if (args[0] !== "discover") return undefined;
    const at = args.indexOf("--format");
    const format = at >= 0 ? args[at + 1] : undefined;
    if (format !== undefined && !["json", "yaml", "config"].includes(format)) throw new UsageError(`--format ${JSON.stringify(format)} must be json, yaml or config`);
    if (format !== "yaml" && format !== "config") return undefined;
    const rest = [...args];
    rest.splice(at, 2);
    const take = (flag: string): string | undefined => {
        const i = rest.indexOf(flag);
        if (i < 0) return undefined;
        const value = rest[i + 1];
        if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value`);
        rest.splice(i, 2);
        return value;
    };
    const account = take("--account");
    const name = take("--name");
    if (format === "yaml") {
        if (!account) throw new UsageError("--format yaml needs --account (the gMSA the credential spec is for)");
        const accountProblem = gmsaAccountName(account);
        if (accountProblem) throw new UsageError(`--account ${JSON.stringify(account)} ${accountProblem}`);
        const nameProblem = name === undefined ? undefined : dns1123Subdomain(name);
        if (nameProblem) throw new UsageError(`--name ${JSON.stringify(name)} ${nameProblem}`);
    } else if (account !== undefined || name !== undefined) {
        throw new UsageError("--account and --name go with --format yaml only");
    }
    return { format, account, name, rest: [...rest, "--format", "json"] };
}

function render(facts: DomainFacts, format: "yaml" | "config", account?: string, name?: string): string {
    if (format === "yaml") {
        return YAML.stringify(renderCredentialSpec({ name: name ?? account!.toLowerCase(), account: account!, domain: facts })).trimEnd();
    }
    return [
        "  eks-gmsa:activeDirectory:",
        `    domainName: ${facts.dnsName}`,
        `    netbiosName: ${facts.netbiosName}`,
        `    forestName: ${facts.forestName}`,
        `    domainSid: ${facts.sid}`,
        `    domainGuid: ${facts.guid}`,
        "    dnsServers: []   # the domain controllers' IP addresses",
    ].join("\n");
}

function main(argv: string[]): number {
    if (isHelpRequest(argv)) {
        const python = findPython(process.env, "argparse");
        if (!python) {
            console.error(`ad: ${installHint}`);
            return 1;
        }
        return spawnSync(python, [cli, ...argv], { stdio: "inherit" }).status ?? 1;
    }
    let request;
    try {
        request = formatRequest(argv);
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        const python = findPython(process.env, "argparse");
        const usage = python ? commandUsage(python, "discover") : "";
        console.error(`ad: ${e.message}${usage ? `\n\n${usage}` : ""}\n(npm run ad -- help: every command; npm run ad -- <command> --help: its flags)`);
        return 2;
    }
    // Without Samba's bindings cli.py still checks the arguments (exit 2 with the usage), then says
    // what to install (exit 1).
    const python = findPython() ?? findPython(process.env, "argparse");
    if (!python) {
        console.error(`ad: ${installHint}`);
        return 1;
    }
    if (!request) {
        const r = spawnSync(python, [cli, ...argv], { stdio: "inherit" });
        return r.status ?? 1;
    }
    const r = spawnSync(python, [cli, ...request.rest], { stdio: ["inherit", "pipe", "inherit"], encoding: "utf8" });
    if (r.status !== 0) {
        process.stdout.write(r.stdout ?? "");
        return r.status ?? 1;
    }
    const raw = JSON.parse(r.stdout) as { dnsName: string; forestName: string; netbiosName: string; domainSid: string; domainGuid: string };
    const facts: DomainFacts = { dnsName: raw.dnsName, forestName: raw.forestName, netbiosName: raw.netbiosName, sid: raw.domainSid, guid: raw.domainGuid };
    console.log(render(facts, request.format, request.account, request.name));
    return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
