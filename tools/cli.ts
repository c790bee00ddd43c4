// The command lines' one convention (npm run plan, plan:app, policy, ad and the benches):
// -h/--help where a flag is expected, or `help` as the first argument, prints the usage on stdout
// (exit 0); a flag's value is never taken for help. An unknown argument is reported before anything
// else is wrong; bad arguments print the message, then the usage, on stderr (exit 2); a file that
// cannot be used prints the message and one line pointing at --help (exit 2); a failure at run time
// prints one line naming what failed (exit 1), never a stack trace.
import * as fs from "fs";
import * as path from "path";

export interface CommandLine {
    /** The npm script, also the messages' prefix: plan, plan:app, policy, ad, bench:scale. */
    script: string;
    usage: string;
}

/** A flag that takes a value says what the value is ("a stack name"); a switch has none. */
export type FlagSpecs = Record<string, { value?: string }>;

export type ReadArgs = { kind: "help" } | { kind: "error"; message: string } | { kind: "args"; flags: Record<string, string | true>; positionals: string[] };

const isHelpFlag = (arg: string) => arg === "-h" || arg === "--help";
const looksLikeFlag = (arg: string) => arg.length > 1 && arg.startsWith("-");

/**
 * Reads argv against the flags (and at most maxPositionals other arguments). `--flag=value` is
 * `--flag value`. A value may not look like a flag (write ./-x for a file of that name).
 */
export function readArgs(argv: string[], flags: FlagSpecs, maxPositionals = 0): ReadArgs {
    if (argv[0] === "help") return { kind: "help" };
    const found: Record<string, string | true> = {};
    const positionals: string[] = [];
    let unknown: string | undefined;
    let other: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (isHelpFlag(arg)) return { kind: "help" };
        if (!looksLikeFlag(arg)) {
            if (positionals.length < maxPositionals) positionals.push(arg);
            else unknown ??= `unknown argument ${JSON.stringify(arg)}`;
            continue;
        }
        const eq = arg.indexOf("=");
        const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
        const spec = flags[name];
        if (!spec) {
            unknown ??= `unknown argument ${JSON.stringify(name)}`;
            continue;
        }
        const inline = name === arg ? undefined : arg.slice(eq + 1);
        if (spec.value === undefined) {
            if (inline !== undefined) other ??= `${name} takes no value`;
            found[name] = true;
            continue;
        }
        let value = inline;
        if (value === undefined) {
            const next = argv[i + 1];
            if (next !== undefined && !looksLikeFlag(next)) {
                value = next;
                i++;
            } else if (next !== undefined && isHelpFlag(next)) {
                i++; // where a value is expected -h is a missing value, not a request for help
            }
        }
        if (value === undefined || value === "") other ??= `${name} needs ${spec.value}`;
        else found[name] = value;
    }
    const problem = unknown ?? other;
    return problem ? { kind: "error", message: problem } : { kind: "args", flags: found, positionals };
}

/** The usage on stdout, exit 0. */
export function printHelp(cli: CommandLine, text = cli.usage): never {
    process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
    process.exit(0);
}

/** Bad arguments: the message, then the usage, on stderr; exit 2. */
export function usageError(cli: CommandLine, message: string, usage = cli.usage): never {
    process.stderr.write(`${cli.script}: ${message}\n\n${usage.trimEnd()}\n`);
    process.exit(2);
}

/** A file or value that cannot be used: the message and where the arguments are explained; exit 2. */
export function badInput(cli: CommandLine, message: string): never {
    process.stderr.write(`${cli.script}: ${message}\n(npm run ${cli.script} -- --help for the arguments)\n`);
    process.exit(2);
}

/** A failure at run time: one line, exit 1. */
export function failure(cli: CommandLine, message: string): never {
    process.stderr.write(`${cli.script}: ${message}\n`);
    process.exit(1);
}

/** readArgs for a process: prints the usage and exits on help or bad arguments. */
export function argsOrExit(
    cli: CommandLine,
    argv: string[],
    flags: FlagSpecs,
    maxPositionals = 0,
): { flags: Record<string, string | true>; positionals: string[] } {
    const read = readArgs(argv, flags, maxPositionals);
    if (read.kind === "help") printHelp(cli);
    if (read.kind === "error") usageError(cli, read.message);
    return read;
}

/** Pulumi stack names as these tools accept them: letters, digits, '-', '_', '.'. */
export function stackNameProblem(value: string): string | undefined {
    return /^[A-Za-z0-9_.-]+$/.test(value) ? undefined : "is not a stack name (letters, digits, '-', '_', '.')";
}

/** A path as the user can use it: relative inside the working directory, absolute outside it. */
export function shownPath(file: string): string {
    const relative = path.relative(process.cwd(), file);
    return relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

/** What failed, for one line: "cannot create /x/y: ENOTDIR (not a directory)" for a file system error. */
export function describeError(e: unknown): string {
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err.code === "string" && typeof err.path === "string") {
        const verb =
            ({ mkdir: "create", open: "write", write: "write", read: "read", scandir: "read", stat: "read" } as Record<string, string>)[err.syscall ?? ""] ??
            err.syscall ??
            "use";
        const reason = /^[A-Z]+: ([^,]+),/.exec(err.message)?.[1];
        return `cannot ${verb} ${err.path}: ${err.code}${reason ? ` (${reason})` : ""}`;
    }
    return e instanceof Error ? e.message : String(e);
}

/**
 * mkdir -p that always ends: Node 20's recursive mkdirSync spins forever when mkdir answers ENOENT
 * under a parent that exists (/proc/x: procfs refuses new entries with ENOENT), so each missing
 * level is made on its own and such an ENOENT is thrown.
 */
export function makeDirectory(dir: string): void {
    const missing: string[] = [];
    let at = path.resolve(dir);
    while (!fs.existsSync(at)) {
        missing.unshift(at);
        const parent = path.dirname(at);
        if (parent === at) break;
        at = parent;
    }
    if (missing.length === 0 && !fs.statSync(at).isDirectory()) {
        throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${at}'`), { code: "ENOTDIR", syscall: "mkdir", path: at });
    }
    for (const level of missing) fs.mkdirSync(level);
}
