// Dependencies point one way (docs/design.md "Packages"): tooling and tests depend on the program,
// the program on nothing around it, the policy pack on nothing outside policy/, and every package a
// file imports is declared by the package.json that owns the file.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { projectRoot } from "../tools/harness";
import { checkImports, formatViolation, importsOf, type RuleName, type Violation } from "./support/importRules";

/**
 * Violations in files other branches own, listed until those branches merge (none now). The test
 * fails on a violation not listed here, and on an entry that no longer occurs: empty the list as they go.
 */
const knownUntilMerged: { file: string; rule: RuleName; specifier: string }[] = [];

/** Writes `files` (path → text) under a fresh directory and returns it. */
function tree(files: Record<string, string>): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "import-rules-"));
    for (const [file, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        fs.writeFileSync(path.join(root, file), text);
    }
    return root;
}

const packageJson = (name: string, extra: Record<string, unknown> = {}) => JSON.stringify({ name, version: "0.1.0", private: true, ...extra });

/** A repository laid out like this one, with every import allowed. */
const cleanTree: Record<string, string> = {
    "package.json": packageJson("app", {
        workspaces: ["tools"],
        dependencies: { "@pulumi/pulumi": "3.270.0" },
        devDependencies: { ldapts: "9.2.0", "app-tools": "0.1.0" },
    }),
    "index.ts": `import * as pulumi from "@pulumi/pulumi";\nimport { loadSettings } from "./settings";\nexport const s = loadSettings(pulumi);\n`,
    "settings/index.ts": `import { read } from "./reader";\nexport const loadSettings = (x: unknown) => read(x);\n`,
    "settings/reader.ts": `export const read = (x: unknown) => x;\n`,
    "settings/keys.ts": `export { projectName } from "./types";\n`,
    "settings/types.ts": `export const projectName = "app";\n`,
    "components/node.ts": `import type { Client } from "ldapts";\nimport { projectName } from "../settings/types";\nexport const n: Client | string = projectName;\n`,
    "policy/package.json": packageJson("pack", { dependencies: { "@pulumi/policy": "1.21.0" } }),
    "policy/api.ts": `export { rules } from "./policies/rules";\n`,
    "policy/policies/rules.ts": `import type { PolicyPack } from "@pulumi/policy";\nexport const rules: PolicyPack[] = [];\n`,
    "tools/package.json": packageJson("app-tools", { programDependency: "app", dependencies: { yaml: "2.9.1" } }),
    "tools/plan.ts": `import * as fs from "fs";\nimport YAML from "yaml";\nimport { rules } from "../policy/api";\nimport { projectName } from "../settings/types";\nexport const x = [fs, YAML, rules, projectName];\n`,
    "test/plan.test.ts": `import { x } from "../tools/plan";\nimport { rules } from "../policy/policies/rules";\nimport { Client } from "ldapts";\nexport const y = [x, rules, Client];\n`,
};

function only(violations: Violation[]): Violation {
    assert.equal(violations.length, 1, violations.map(formatViolation).join("\n"));
    return violations[0];
}

test("a tree whose imports all point the allowed way has no violations", () => {
    assert.deepEqual(checkImports(tree(cleanTree)).map(formatViolation), []);
});

test("each rule reports the breaking import with its file, line and rule", () => {
    const cases: { file: string; text: string; line: number; rule: RuleName; mentions: string }[] = [
        {
            file: "components/node.ts",
            text: `// a comment\nimport { x } from "../tools/plan";\n`,
            line: 2,
            rule: "program-stays-inward",
            mentions: "tools/plan.ts",
        },
        {
            file: "lib/helper.ts",
            text: `export const t = require("../test/plan.test");\n`,
            line: 1,
            rule: "program-stays-inward",
            mentions: "test/plan.test.ts",
        },
        {
            file: "components/node.ts",
            text: `import { read } from "../settings/reader";\nexport const r = read;\n`,
            line: 1,
            rule: "config-reader-private",
            mentions: "settings/reader.ts",
        },
        {
            file: "tools/plan.ts",
            text: `\n\nexport async function f() { return import("../settings/reader"); }\n`,
            line: 3,
            rule: "config-reader-private",
            mentions: "settings/reader.ts",
        },
        {
            file: "policy/policies/rules.ts",
            text: `import { projectName } from "../../settings/types";\nexport const rules = [projectName];\n`,
            line: 1,
            rule: "policy-self-contained",
            mentions: "settings/types.ts",
        },
        {
            file: "tools/plan.ts",
            text: `import { rules } from "../policy/policies/rules";\nexport const x = rules;\n`,
            line: 1,
            rule: "tooling-through-policy-api",
            mentions: "policy/policies/rules.ts",
        },
        { file: "tools/plan.ts", text: `export { y } from "../test/plan.test";\n`, line: 1, rule: "tooling-not-tests", mentions: "test/plan.test.ts" },
        {
            file: "tools/plan.ts",
            text: `import Ajv from "ajv";\nexport const a = Ajv;\n`,
            line: 1,
            rule: "declared-dependency",
            mentions: "tools/package.json does not declare",
        },
        {
            file: "policy/policies/rules.ts",
            text: `import YAML = require("yaml");\nexport const rules = [YAML];\n`,
            line: 1,
            rule: "declared-dependency",
            mentions: "policy/package.json does not declare",
        },
        {
            file: "components/node.ts",
            text: `import { Client } from "ldapts";\nexport const c = new Client({ url: "ldap://dc" });\n`,
            line: 1,
            rule: "program-runtime-dependency",
            mentions: "ldapts",
        },
    ];
    for (const c of cases) {
        const v = only(checkImports(tree({ ...cleanTree, [c.file]: c.text })));
        assert.deepEqual([v.file, v.line, v.rule], [c.file, c.line, c.rule], formatViolation(v));
        assert.ok(v.message.includes(c.mentions), formatViolation(v));
    }
    // An import of another workspace package's file needs that package declared.
    const undeclared = JSON.parse(cleanTree["package.json"]);
    delete undeclared.devDependencies["app-tools"];
    const v = only(checkImports(tree({ ...cleanTree, "package.json": JSON.stringify(undeclared) })));
    assert.deepEqual([v.file, v.line, v.rule], ["test/plan.test.ts", 1, "declared-workspace"], formatViolation(v));
    assert.match(formatViolation(v), /^test\/plan\.test\.ts:1 \[declared-workspace\] .*tools\/plan\.ts.*app-tools/);
});

test("the holes of the first rules: the reader through other settings modules, bare names of local packages, the undeclared program", () => {
    const cases: { name: string; files: Record<string, string>; file: string; text: string; line: number; rule: RuleName; mentions: string }[] = [
        {
            name: "settings/index.ts re-exports the reader: only index.ts may import it",
            files: {
                "settings/index.ts": `import { read } from "./reader";\nexport { read as parseSettings };\nexport const loadSettings = (x: unknown) => read(x);\n`,
            },
            file: "components/cluster.ts",
            text: `import { parseSettings } from "../settings";\nexport const p = parseSettings;\n`,
            line: 1,
            rule: "config-reader-private",
            mentions: "settings/index.ts",
        },
        {
            name: "tooling must not take loadSettings either",
            files: {},
            file: "tools/plan.ts",
            text: `import { loadSettings } from "../settings";\nexport const l = loadSettings;\n`,
            line: 1,
            rule: "config-reader-private",
            mentions: "settings/index.ts",
        },
        {
            name: "a settings module that runs the parser two imports away is the reader",
            files: {
                "settings/validate.ts": `import { read } from "./reader";\nexport const parse = (x: unknown) => read(x);\n`,
                "settings/keys.ts": `import { parse } from "./validate";\nexport const keysRead = (x: unknown) => parse(x);\n`,
            },
            file: "components/dns.ts",
            text: `import { keysRead } from "../settings/keys";\nexport const k = keysRead;\n`,
            line: 1,
            rule: "config-reader-private",
            mentions: "settings/keys.ts",
        },
        {
            name: "a type-only import of a local package by its name keeps the direction",
            files: {},
            file: "components/network.ts",
            text: `import type { Plan } from "app-tools/planFile";\nexport type P = Plan;\n`,
            line: 1,
            rule: "program-stays-inward",
            mentions: "tools/planFile.ts",
        },
        {
            name: "tooling reaches the pack by its name only through policy/api.ts",
            files: { "tools/package.json": packageJson("app-tools", { programDependency: "app", dependencies: { yaml: "2.9.1", pack: "0.1.0" } }) },
            file: "tools/plan.ts",
            text: `import { rules } from "pack/policies/rules";\nexport const x = rules;\n`,
            line: 1,
            rule: "tooling-through-policy-api",
            mentions: "policy/policies/rules.ts",
        },
    ];
    const missed: string[] = [];
    for (const c of cases) {
        const files = { ...cleanTree, "tools/planFile.ts": `export interface Plan { project: string }\n`, ...c.files, [c.file]: c.text };
        const found = checkImports(tree(files));
        const [v] = found;
        const caught = found.length === 1 && v.file === c.file && v.line === c.line && v.rule === c.rule && v.message.includes(c.mentions);
        if (!caught) missed.push(`${c.name}: ${found.map(formatViolation).join("; ") || "no violation"}`);
    }
    assert.deepEqual(missed, [], "each case must be exactly one violation of its rule");
    // The same keys.ts without the parser is a pure module any layer may import.
    const pure = { ...cleanTree, "components/dns.ts": `import { projectName } from "../settings/keys";\nexport const k = projectName;\n` };
    assert.deepEqual(checkImports(tree(pure)).map(formatViolation), []);
});

test("a workspace package that imports the program by relative path writes the arrow down", () => {
    const undeclared = JSON.parse(cleanTree["tools/package.json"]);
    delete undeclared.programDependency;
    const v = only(checkImports(tree({ ...cleanTree, "tools/package.json": JSON.stringify(undeclared) })));
    assert.deepEqual([v.file, v.line, v.rule], ["tools/plan.ts", 4, "declared-program"], formatViolation(v));
    assert.match(v.message, /settings\/types\.ts.*"programDependency": "app"/);
    // Naming another package is no declaration either.
    const wrong = { ...cleanTree, "tools/package.json": packageJson("app-tools", { programDependency: "other", dependencies: { yaml: "2.9.1" } }) };
    assert.equal(only(checkImports(tree(wrong))).rule, "declared-program");
});

test("imports are read from the syntax, so strings and comments that look like imports do not count", () => {
    const text = [
        `// import { x } from "../tools/plan";`,
        `const hint = 'require("../tools/plan")';`,
        `import type { T } from "@pulumi/pulumi";`,
        `const lazy = () => import("yaml");`,
        `export type { U } from "./other";`,
    ].join("\n");
    assert.deepEqual(importsOf("f.ts", text), [
        { line: 3, specifier: "@pulumi/pulumi", typeOnly: true },
        { line: 4, specifier: "yaml", typeOnly: false },
        { line: 5, specifier: "./other", typeOnly: true },
    ]);
});

test("the repository's imports point the allowed way", (t) => {
    const key = (v: { file: string; rule: string; specifier: string }) => `${v.file} [${v.rule}] ${v.specifier}`;
    const found = checkImports(projectRoot);
    const known = new Set(knownUntilMerged.map(key));
    const unexpected = found.filter((v) => !known.has(key(v)));
    assert.deepEqual(unexpected.map(formatViolation), [], 'imports that break the direction (docs/design.md "Packages")');
    for (const v of found) t.diagnostic(`known (knownUntilMerged): ${formatViolation(v)}`);
    const stale = [...known].filter((k) => !found.some((v) => key(v) === k));
    assert.deepEqual(stale, [], "fixed: remove these from knownUntilMerged");
});
