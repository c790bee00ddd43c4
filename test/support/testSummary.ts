// The test command's summary: node's test runner events (the reporter protocol of `node --test`)
// folded into counts per test file and the failures, then rendered in at most about 60 lines. The
// full log (node's spec reporter) is written beside it by test/support/run-tests.sh.
import * as path from "node:path";

/** One event of node's test runner, as a custom reporter receives it (node:test/reporters). */
export interface RunnerEvent {
    type: string;
    // node's TestEvent union as JSON: SummaryCollector.add reads each event type's own fields after
    // switching on `type`; restating node's event shapes here would add nothing the tests check.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    data?: any;
}

export interface FileResult {
    file: string;
    passed: number;
    failed: number;
    skipped: number;
    todo: number;
    cancelled: number;
    durationMs: number;
}

export interface Failure {
    file: string;
    /** The suites and the test, outermost first. */
    names: string[];
    /** The first lines of the error. */
    lines: string[];
}

export interface RunSummary {
    files: FileResult[];
    failures: Failure[];
    /** Skip reasons with how many tests each. */
    skips: Map<string, number>;
    wallMs: number | undefined;
}

const ERROR_LINES = 3;
/** The summary's table of files has at most this many rows; the failures keep up to FAILURE_LINES. */
const MAX_TABLE_ROWS = 40;
const FAILURE_LINES = 20;
const LINE_WIDTH = 160;

/** Folds a run's events into a summary. Events of several files may interleave. */
export class SummaryCollector {
    private readonly byFile = new Map<string, FileResult>();
    private readonly stacks = new Map<string, string[]>();
    private readonly stderr = new Map<string, string[]>();
    private readonly failures: Failure[] = [];
    private readonly skips = new Map<string, number>();
    private wallMs: number | undefined;

    add(event: RunnerEvent): void {
        const data = event.data ?? {};
        const file: string | undefined = data.file;
        if (event.type === "test:diagnostic" && typeof data.message === "string") {
            const m = /^duration_ms ([\d.]+)$/.exec(data.message);
            if (m && data.nesting === 0) this.wallMs = Number(m[1]);
            return;
        }
        if (!file) return;
        const result = this.fileResult(file);
        switch (event.type) {
            case "test:start": {
                const stack = this.stacks.get(file) ?? [];
                stack.length = data.nesting;
                stack[data.nesting] = data.name;
                this.stacks.set(file, stack);
                return;
            }
            case "test:stderr": {
                const lines = this.stderr.get(file) ?? [];
                if (lines.length < 20)
                    lines.push(
                        ...String(data.message)
                            .split("\n")
                            .filter((l) => l.trim()),
                    );
                this.stderr.set(file, lines);
                return;
            }
            case "test:complete":
                // node 20 reports a test file only as complete (named by its path).
                if (data.name === file) result.durationMs = data.details?.duration_ms ?? 0;
                return;
            case "test:pass":
            case "test:fail":
                break;
            default:
                return;
        }
        const failed = event.type === "test:fail";
        const details = data.details ?? {};
        if (data.name === file) {
            // The file itself failed (it could not load, or its process exited with an error)
            // without a failing test to show for it: its error output says why.
            result.durationMs = details.duration_ms ?? result.durationMs;
            if (failed && result.failed === 0) {
                result.failed++;
                const said = crashLines(this.stderr.get(file) ?? []);
                this.failures.push({ file, names: ["(the file)"], lines: said.length > 0 ? said : errorLines(details.error) });
            }
            return;
        }
        const names = [...(this.stacks.get(file) ?? []).slice(0, data.nesting), data.name];
        if (details.type === "suite") {
            // A suite counts only when it failed by itself (a hook), not through its tests.
            if (failed && details.error?.failureType !== "subtestsFailed") {
                result.failed++;
                this.failures.push({ file, names, lines: errorLines(details.error) });
            }
            return;
        }
        if (data.skip !== undefined) {
            result.skipped++;
            const reason = typeof data.skip === "string" && data.skip ? data.skip : "(no reason given)";
            this.skips.set(reason, (this.skips.get(reason) ?? 0) + 1);
        } else if (data.todo !== undefined) {
            result.todo++;
        } else if (failed && details.error?.failureType === "cancelledByParent") {
            result.cancelled++;
        } else if (failed) {
            result.failed++;
            this.failures.push({ file, names, lines: errorLines(details.error) });
        } else {
            result.passed++;
        }
    }

    summary(): RunSummary {
        return { files: [...this.byFile.values()], failures: this.failures, skips: this.skips, wallMs: this.wallMs };
    }

    private fileResult(file: string): FileResult {
        let result = this.byFile.get(file);
        if (!result) {
            result = { file, passed: 0, failed: 0, skipped: 0, todo: 0, cancelled: 0, durationMs: 0 };
            this.byFile.set(file, result);
        }
        return result;
    }
}

/**
 * The first lines of a test's error: the thrown error's message (node wraps it as the cause; a
 * failed hook's wrapper says which hook), then where in a test file it was thrown.
 */
export function errorLines(error: unknown): string[] {
    const wrapper = errorFields(error);
    const thrown = wrapper?.cause ?? error;
    const fields = errorFields(thrown);
    const isError = thrown instanceof Error || typeof fields?.message === "string";
    let text = isError ? `${fields?.name && fields.name !== "Error" ? `${fields.name}: ` : ""}${fields?.message}` : String(thrown ?? "failed");
    if (wrapper?.failureType === "hookFailed" && wrapper.message) text = `${wrapper.message}: ${text}`;
    const lines = text
        .split("\n")
        .map((l) => l.trimEnd())
        .filter((l) => l.trim())
        .slice(0, ERROR_LINES - 1);
    const at = isError && typeof fields?.stack === "string" ? /\(?((?:file:\/\/)?[^\s()]*\.test\.[cm]?[jt]s:\d+):\d+\)?/.exec(fields.stack)?.[1] : undefined;
    if (at) lines.push(`at ${at.replace(/^file:\/\//, "")}`);
    return lines.map(clip);
}

/** The fields errorLines reads of a thrown value or node's wrapper of it, when it is an object. */
function errorFields(value: unknown): { name?: unknown; message?: unknown; stack?: unknown; cause?: unknown; failureType?: unknown } | undefined {
    return typeof value === "object" && value !== null ? value : undefined;
}

/** A crashed file's own error output, from its error line on (node prints the source line first). */
export function crashLines(stderr: string[]): string[] {
    const start = stderr.findIndex((l) => /^\s*(\w*Error|Error)\b.*:/.test(l) || /^\s*\w*Error \[/.test(l));
    return stderr
        .slice(start < 0 ? 0 : start)
        .filter((l) => (!/^\s+at /.test(l) || /\.test\.[cm]?[jt]s/.test(l)) && !/^Node\.js v/.test(l))
        .slice(0, ERROR_LINES)
        .map((l) => clip(l.trimEnd()));
}

function clip(line: string): string {
    return line.length > LINE_WIDTH ? `${line.slice(0, LINE_WIDTH - 1)}…` : line;
}

function plural(n: number, word: string): string {
    return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function formatDuration(ms: number): string {
    const s = Math.round(ms / 1000);
    if (s < 60) return ms < 1000 ? `${Math.round(ms)}ms` : `${s}s`;
    return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
}

/** A file's name without ".test.ts", split at "-": ["ad", "cli"] for test/ad-cli.test.ts. */
function nameWords(file: string): string[] {
    return path
        .basename(file)
        .replace(/\.test\.[cm]?[jt]s$/, "")
        .split("-");
}

/**
 * The files grouped by name in at most maxGroups groups (when there are fewer first words than
 * that), keyed by directory and the words they share ("test/ad" for test/ad-cli.test.ts and
 * test/ad-host.test.ts). Files start grouped by their name's first word; then the largest group
 * is split by the next word while the groups still fit (first the split that names the most
 * files per row it adds), so that "first-*" (27 files) becomes "first-hour-*", "first-up-*", ...;
 * a group of one is its file.
 */
export function groupFiles(files: string[], maxGroups: number): Map<string, string[]> {
    const keyOf = (file: string, depth: number) => path.join(path.dirname(file), nameWords(file).slice(0, depth).join("-"));
    const split = (group: { depth: number; files: string[] }) => {
        const parts = new Map<string, { depth: number; files: string[] }>();
        for (const f of group.files) {
            const key = keyOf(f, group.depth + 1);
            parts.set(key, { depth: group.depth + 1, files: [...(parts.get(key)?.files ?? []), f] });
        }
        return parts;
    };
    let groups = split({ depth: 0, files });
    for (;;) {
        // The split that names the most files per row it adds, among those that fit.
        const candidates = [...groups.entries()]
            .filter(([, g]) => g.files.length > 1 && g.files.some((f) => nameWords(f).length > g.depth))
            .map(([key, g]) => ({ key, g, parts: split(g) }))
            .filter((c) => groups.size - 1 + c.parts.size <= maxGroups)
            .sort((a, b) => b.g.files.length / (b.parts.size - 1) - a.g.files.length / (a.parts.size - 1) || a.key.localeCompare(b.key));
        if (candidates.length === 0) break;
        const { key, parts } = candidates[0];
        groups = new Map([...[...groups].filter(([k]) => k !== key), ...parts]);
    }
    return new Map([...groups.entries()].map(([key, g]) => [key, g.files]));
}

/** What tells a group's files apart: the word after the group's, with how many share it ("cli, host ×4"). */
function nextWords(key: string, files: string[]): string {
    const depth = path.basename(key).split("-").length;
    const counts = new Map<string, number>();
    for (const f of files) {
        const word = nameWords(f)[depth] ?? path.basename(f);
        counts.set(word, (counts.get(word) ?? 0) + 1);
    }
    return [...counts.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([w, n]) => (n > 1 ? `${w} ×${n}` : w))
        .join(", ");
}

interface RenderOptions {
    /** Paths are shown relative to this directory when inside it. */
    cwd: string;
    /** Where the full log is, for the last line. */
    logFile?: string;
    maxLines?: number;
}

/** The summary, at most options.maxLines (60) lines. */
export function renderSummary(summary: RunSummary, options: RenderOptions): string[] {
    const maxLines = options.maxLines ?? 60;
    const show = (file: string) => {
        const rel = path.relative(options.cwd, file);
        return rel.startsWith("..") || path.isAbsolute(rel) ? file : rel;
    };
    const sum = (files: FileResult[], key: keyof Omit<FileResult, "file">) => files.reduce((n, f) => n + (f[key] as number), 0);
    const all = summary.files;
    const skips = [...summary.skips.entries()].sort((a, b) => b[1] - a[1]);
    // The table gets what the other parts leave, keeping up to FAILURE_LINES for the failures.
    const failureNeed = summary.failures.length === 0 ? 0 : Math.min(FAILURE_LINES, 2 + summary.failures.reduce((n, f) => n + 1 + f.lines.length, 0));
    const tableRows = Math.min(MAX_TABLE_ROWS, maxLines - 4 - (skips.length > 0 ? 1 : 0) - failureNeed);
    const byFile = new Map(all.map((f) => [show(f.file), f]));
    const groups = [...groupFiles([...byFile.keys()], tableRows).entries()].map(
        ([key, files]) => [key, files.map((f) => byFile.get(f) as FileResult)] as const,
    );
    const rows = groups
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, files]) => [
            files.length === 1 ? show(files[0].file) : `${key}-*.test (${files.length} files)`,
            plural(sum(files, "passed") + sum(files, "failed") + sum(files, "skipped") + sum(files, "todo") + sum(files, "cancelled"), "test"),
            `${sum(files, "passed")} passed`,
            sum(files, "failed") > 0 ? `${sum(files, "failed")} FAILED` : "",
            sum(files, "skipped") > 0 ? `${sum(files, "skipped")} skipped` : "",
            sum(files, "cancelled") > 0 ? `${sum(files, "cancelled")} cancelled` : "",
            formatDuration(sum(files, "durationMs")),
            files.length === 1
                ? ""
                : nextWords(
                      key,
                      files.map((f) => f.file),
                  ),
        ]);
    const widths = rows.reduce((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), [] as number[]);
    const total = {
        passed: sum(all, "passed"),
        failed: sum(all, "failed"),
        skipped: sum(all, "skipped"),
        todo: sum(all, "todo"),
        cancelled: sum(all, "cancelled"),
    };
    const count = total.passed + total.failed + total.skipped + total.todo + total.cancelled;
    const wall = summary.wallMs ?? Math.max(0, ...all.map((f) => f.durationMs));

    const head = [`test files (${all.length}), grouped by name; time: the files' own, summed (they run side by side):`];
    // A group's names that would not fit on its row go on a line of their own below it.
    const table = rows.flatMap((r) => {
        const line = `  ${r
            .map((c, i) => c.padEnd(widths[i]))
            .join("  ")
            .trimEnd()}`;
        if (line.length <= LINE_WIDTH) return [line];
        const names = r[r.length - 1];
        return [
            `  ${r
                .slice(0, -1)
                .map((c, i) => c.padEnd(widths[i]))
                .join("  ")
                .trimEnd()}`,
            clip(`      ${names}`),
        ];
    });
    const totals = [
        `${total.failed > 0 ? "FAILED" : "passed"}: ${plural(count, "test")} in ${plural(all.length, "file")}, ${formatDuration(wall)}: ` +
            [
                `${total.passed} passed`,
                `${total.failed} failed`,
                `${total.skipped} skipped`,
                ...(total.todo > 0 ? [`${total.todo} todo`] : []),
                ...(total.cancelled > 0 ? [`${total.cancelled} cancelled`] : []),
            ].join(", "),
    ];
    const tail = options.logFile ? [`full log: ${show(options.logFile)}`] : [];
    const skipLines =
        skips.length === 0
            ? []
            : [
                  `skipped (${total.skipped}): ${skips
                      .slice(0, 3)
                      .map(([reason, n]) => `${n}× ${clip(reason)}`)
                      .join("; ")}${skips.length > 3 ? `; ${skips.length - 3} more reasons in the log` : ""}`,
              ];

    // Failures get what is left of the budget; those that do not fit are counted, the log has them.
    let budget = maxLines - head.length - table.length - totals.length - skipLines.length - tail.length - 1;
    const failLines: string[] = [];
    let shown = 0;
    for (const f of summary.failures) {
        const block = [`  ✗ ${show(f.file)} › ${f.names.join(" › ")}`, ...f.lines.map((l) => `      ${l.split(`${options.cwd}${path.sep}`).join("")}`)];
        const reserve = shown < summary.failures.length - 1 ? 1 : 0;
        if (block.length + reserve > budget) break;
        failLines.push(...block);
        budget -= block.length;
        shown++;
    }
    if (shown < summary.failures.length) failLines.push(`  … and ${summary.failures.length - shown} more failures: see the full log`);
    const failures = summary.failures.length === 0 ? [] : [`failures (${summary.failures.length}):`, ...failLines];
    return [...head, ...table, ...totals, ...failures, ...skipLines, ...tail];
}
