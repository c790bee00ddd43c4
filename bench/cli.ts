// The benches' command line, alike for all three: `--help`/`-h`/`help` print what the bench
// measures and its flags (exit 0); an unknown flag or a bad value prints the message and the usage
// on stderr (exit 2). Progress goes to stderr, one line per step, so the figures alone are on stdout.

import { printHelp, readArgs, usageError } from "../tools/cli";

export interface BenchFlag {
    /** What the value is, for the usage line: `<name>`, `<n>`, `<n,n,...>`. */
    placeholder: string;
    fallback: string;
    help: string;
    /** Why the value is wrong, or undefined when it is fine. */
    check: (value: string) => string | undefined;
}

export interface BenchCommand {
    /** The npm script: bench, bench:scale, bench:policy. */
    script: string;
    /** What the bench measures, a few lines. */
    about: string;
    flags: Record<string, BenchFlag>;
}

export type BenchArgs = { kind: "run"; values: Record<string, string> } | { kind: "help" } | { kind: "error"; message: string };

export function benchUsage(command: BenchCommand): string {
    const synopsis = Object.entries(command.flags)
        .map(([flag, f]) => `[${flag} ${f.placeholder}]`)
        .join(" ");
    const width = Math.max(...Object.entries(command.flags).map(([flag, f]) => flag.length + f.placeholder.length + 1), 10);
    const rows = Object.entries(command.flags).map(([flag, f]) => `  ${`${flag} ${f.placeholder}`.padEnd(width)}  ${f.help} (default ${f.fallback})`);
    return [
        `usage: npm run ${command.script} -- ${synopsis}`,
        "",
        command.about,
        "",
        ...rows,
        "",
        "Progress goes to stderr; the figures, one line each, to stdout.",
    ].join("\n");
}

/** Reads the bench's flags (tools/cli.ts's convention); every flag takes a value. */
export function parseBenchArgs(argv: string[], command: BenchCommand): BenchArgs {
    const read = readArgs(argv, Object.fromEntries(Object.entries(command.flags).map(([flag, f]) => [flag, { value: `a value (${f.placeholder})` }])));
    if (read.kind !== "args") return read;
    const values = Object.fromEntries(Object.entries(command.flags).map(([flag, f]) => [flag, f.fallback]));
    for (const [flag, value] of Object.entries(read.flags) as [string, string][]) {
        const problem = command.flags[flag].check(value);
        if (problem) return { kind: "error", message: `${flag} ${JSON.stringify(value)}: ${problem}` };
        values[flag] = value;
    }
    return { kind: "run", values };
}

/** parseBenchArgs for a process: prints the usage and exits on help or a bad argument. */
export function benchArgs(command: BenchCommand, argv = process.argv.slice(2)): Record<string, string> {
    const parsed = parseBenchArgs(argv, command);
    const cli = { script: command.script, usage: benchUsage(command) };
    if (parsed.kind === "help") printHelp(cli);
    if (parsed.kind === "error") usageError(cli, parsed.message);
    return parsed.values;
}

export const positiveInteger = (value: string): string | undefined => (/^[1-9]\d*$/.test(value) ? undefined : "must be a whole number of at least 1");

export const positiveIntegers = (value: string): string | undefined =>
    value.split(",").every((v) => positiveInteger(v) === undefined) ? undefined : "must be whole numbers of at least 1, separated by commas";

/** One progress line on stderr, with the seconds since the bench started. */
export function progressReporter(script: string): (message: string) => void {
    const started = process.hrtime.bigint();
    return (message) => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        process.stderr.write(`${script} [${seconds.toFixed(1)} s]: ${message}\n`);
    };
}
