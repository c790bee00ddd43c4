import assert from "node:assert/strict";

/** The problem line for `key` (the exact full key followed by ':'), failing when there is none. */
export function lineFor(lines: readonly string[], key: string): string {
    const line = lines.find((l) => l.startsWith(`${key}:`));
    if (!line) assert.fail(`no problem line starts with "${key}:"; got:\n  ${lines.join("\n  ")}`);
    return line;
}
