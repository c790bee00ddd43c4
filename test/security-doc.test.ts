// docs/security.md names, for every control, the tests that prove it. This keeps that promise
// true: each row of its controls table names at least one test file and one test or suite title
// in it, and each exists (a renamed or deleted test turns the row red here).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";

const root = path.join(__dirname, "..");
const doc = fs.readFileSync(path.join(root, "docs", "security.md"), "utf8");

/** The rows of the table under "## Controls": [control, stops, does not stop, proven by]. */
function controlRows(): string[][] {
    const section = doc.split(/^## /m).find((s) => s.startsWith("Controls"));
    assert.ok(section, 'docs/security.md has a "## Controls" section');
    const rows = section
        .split("\n")
        .filter((l) => l.startsWith("|"))
        .map((l) =>
            l
                .slice(1, -1)
                .split(/(?<!\\)\|/)
                .map((c) => c.trim()),
        );
    assert.ok(rows.length > 2, "the controls table has rows");
    assert.match(rows[0].join("|"), /control.*stops.*does not stop.*proven by/i, "the header");
    return rows.slice(2);
}

/** `test/x.test.ts` followed by one or more "titles" (until the next file). */
function references(cell: string): { file: string; titles: string[] }[] {
    const refs: { file: string; titles: string[] }[] = [];
    for (const part of cell.split(/(?=`test\/)/)) {
        const file = /^`(test\/[\w.-]+\.test\.ts)`/.exec(part)?.[1];
        if (!file) continue;
        refs.push({ file, titles: [...part.matchAll(/"([^"]+)"/g)].map((m) => m[1]) });
    }
    return refs;
}

describe("docs/security.md: every control is named by a test", () => {
    const rows = controlRows();
    test("the table lists the controls of the threat model, each with what it stops and what it does not", () => {
        assert.ok(rows.length >= 8, `${rows.length} controls`);
        for (const r of rows) {
            assert.equal(r.length, 4, `a row of four cells: ${r.join(" | ")}`);
            assert.ok(
                r.every((c) => c.length > 0),
                `no empty cell: ${r[0]}`,
            );
        }
    });

    for (const [control, , , provenBy] of rows) {
        test(`"${control.replace(/\*\*/g, "")}" names tests that exist`, () => {
            const refs = references(provenBy);
            assert.ok(refs.length > 0, `no test file named in: ${provenBy}`);
            for (const { file, titles } of refs) {
                const full = path.join(root, file);
                assert.ok(fs.existsSync(full), `${file} does not exist`);
                assert.ok(titles.length > 0, `${file}: name the test or suite, in double quotes`);
                const text = fs.readFileSync(full, "utf8");
                for (const t of titles) {
                    // A title as written in the file: a string or template literal opening a test or a suite.
                    const escaped = t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
                    assert.match(text, new RegExp(`\\b(test|describe|it)\\(\\s*["'\`]${escaped}["'\`]`), `${file} has no test or suite titled "${t}"`);
                }
            }
        });
    }
});
