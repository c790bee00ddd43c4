// npm run ad -- <command> [flags]: eks-gmsa's Active Directory operations from a laptop. It runs
// components/scripts/ad/cli.py (the code the management host runs and the tests execute against a
// Samba DC) with a Python that can import Samba's bindings; passwords travel in the environment
// only (AD_PASSWORD, AD_IDENTITY_PASSWORD), never as arguments. First tools/ad/front.py (any Python
// 3, no Samba) checks the arguments against cli.py's own parser and answers help, with the prose of
// tools/ad/help.json: nothing of the help lives in components/scripts/ad/, which is shipped in the
// management host's SSM documents. `discover --format yaml|config` formats cli.py's JSON here with
// the program's own renderers. Exit 0 done, 1 failed, 2 bad usage (the message, then the usage).
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import * as YAML from "yaml";
import { renderCredentialSpec } from "../components/credentialSpec";
import { domainFactsFromReport, type DomainFacts } from "../lib/ad/domainFacts";
import { dns1123Subdomain, gmsaAccountName } from "../settings/checks";
import { printHelp, usageError, type CommandLine } from "./cli";
import adHelp from "./ad/help.json";

const cli = path.join(__dirname, "..", "components", "scripts", "ad", "cli.py");
const front = path.join(__dirname, "ad", "front.py");
const installHint = adHelp.installHint;

/**
 * The first of EKS_GMSA_PYTHON (when set), /usr/bin/python3 and python3 that imports `module`:
 * Samba's bindings to run a command; any Python 3 for the help, which needs no Samba.
 */
export function findPython(env: NodeJS.ProcessEnv = process.env, module = "samba.samdb"): string | undefined {
    const candidates = env.EKS_GMSA_PYTHON ? [env.EKS_GMSA_PYTHON] : ["/usr/bin/python3", "python3"];
    return candidates.find((python) => spawnSync(python, ["-c", `import ${module}`], { stdio: "ignore", timeout: 30_000 }).status === 0);
}

type FrontVerdict = { kind: "help"; text: string } | { kind: "error"; message: string; usage: string } | { kind: "ok"; command: string; usage: string };

/** front.py's verdict on the arguments (help, bad arguments, or which command runs). */
export function checkArgs(python: string, argv: string[]): FrontVerdict {
    const r = spawnSync(python, [front, ...argv], { encoding: "utf8", timeout: 30_000 });
    try {
        return JSON.parse(r.stdout) as FrontVerdict;
    } catch {
        throw new Error(`${python} ${front} answered no verdict (exit ${r.status}): ${(r.stderr || r.stdout || String(r.error)).trim().split("\n").pop()}`);
    }
}

/** A command's usage, then where its flags are explained. */
const withPointer = (usage: string, command?: string) =>
    `${usage.trimEnd()}\n(npm run ad -- ${command ? `${command} --help: its flags` : "help: every command; npm run ad -- <command> --help: its flags"})`;

class UsageError extends Error {}

/** Takes `--format yaml|config` (and yaml's --account/--name) out of discover's arguments. */
function formatRequest(args: string[]): { format: "yaml" | "config"; account?: string; name?: string; rest: string[] } | undefined {
    if (args[0] !== "discover") return undefined;
    // --flag=value as argparse reads it
    args = args.flatMap((a) => (/^--(format|account|name)=/.test(a) ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a]));
    const at = args.indexOf("--format");
    const format = at >= 0 ? args[at + 1] : undefined;
    if (format !== undefined && !["json", "yaml", "config"].includes(format))
        throw new UsageError(`--format ${JSON.stringify(format)} must be json, yaml or config`);
    if (format !== "yaml" && format !== "config") {
        if (args.includes("--account") || args.includes("--name")) throw new UsageError("--account and --name go with --format yaml only");
        return undefined;
    }
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

const adCli: CommandLine = { script: "ad", usage: "" };

function main(argv: string[]): number {
    const anyPython = findPython(process.env, "argparse");
    if (!anyPython) {
        console.error(`ad: ${installHint}`);
        return 1;
    }
    const verdict = checkArgs(anyPython, argv);
    if (verdict.kind === "help") printHelp(adCli, verdict.text);
    if (verdict.kind === "error") usageError(adCli, verdict.message, withPointer(verdict.usage, /^usage: npm run ad -- ([a-z-]+) /.exec(verdict.usage)?.[1]));
    const usage = withPointer(verdict.usage, verdict.command);
    let request;
    try {
        request = formatRequest(argv);
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        usageError(adCli, e.message, usage);
    }
    const python = findPython();
    if (!python) {
        console.error(`ad: ${installHint}`);
        return 1;
    }
    if (verdict.command === "host") return spawnSync(python, [cli, ...argv], { stdio: "inherit" }).status ?? 1;
    // cli.py's own refusals (a value checked at run time, a password variable not set) exit 2 with
    // one line: here that line, then the command's usage.
    const r = spawnSync(python, [cli, ...(request?.rest ?? argv)], { stdio: ["inherit", request ? "pipe" : "inherit", "pipe"], encoding: "utf8" });
    const stderr = r.stderr ?? "";
    if (r.status === 2)
        usageError(
            adCli,
            stderr
                .trim()
                .replace(/^ad: /, "")
                .replace(/ \(npm run ad -- <command> --help\)$/, ""),
            usage,
        );
    process.stderr.write(stderr);
    if (!request || r.status !== 0) {
        process.stdout.write(r.stdout ?? "");
        return r.status ?? 1;
    }
    const facts = domainFactsFromReport(JSON.parse(r.stdout));
    if (!facts) {
        console.error(`ad: discover printed no well-formed domain facts (dnsName, forestName, netbiosName, domainSid, domainGuid):\n${r.stdout.trim()}`);
        return 1;
    }
    console.log(render(facts, request.format, request.account, request.name));
    return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
