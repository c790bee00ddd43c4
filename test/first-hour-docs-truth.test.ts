// Issue 14, item 9: the docs a new user reads in the first hour tell the truth. These checks read
// the docs as data and compare them with what the code does: counts the README states, the
// walkthrough numbering the deploy-time model uses, commands and flags the CLIs accept, links that
// resolve, dated claims that have not aged, and no leftovers of how the project was built.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { manualWalkthroughFor, manualWalkthroughModel } from "../tools/review/deployTime";
import type { Plan } from "../tools/planFile";
import { policies } from "../policy/policies";
import { ofType, outputs, runOk } from "./helpers";
import { commandLines, dateClaims, duplicateSentences, githubAnchors, markdownLinks, numberWord, parseCommand, proseSentences } from "./support/docText";

const root = path.resolve(__dirname, "..");
const docFiles = [
    "README.md",
    ...fs
        .readdirSync(path.join(root, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`),
    "examples/app/README.md",
];
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");
const docs = new Map(docFiles.map((f) => [f, read(f)]));
const scripts = (dir: string): Record<string, string> => JSON.parse(read(path.join(dir, "package.json"))).scripts ?? {};

describe("the walkthrough the project replaces: one count, one numbering", () => {
    const readme = docs.get("README.md")!;
    const model = manualWalkthroughModel({ createDirectory: false });
    const withDirectory = manualWalkthroughFor({ resources: [{ type: "aws:directoryservice/directory:Directory" }] } as unknown as Plan);

    test("the README's step count, the steps it lists and the plan's walkthrough agree", () => {
        const stated = /\b([a-z]+|\d+)-step\b/i.exec(readme);
        assert.ok(stated, "the README states how many steps the walkthrough has");
        const count = numberWord(stated[1]);
        const after = readme.slice(stated.index);
        const list = /\n\n((?:\d+\. .*\n)+)/.exec(after);
        assert.ok(list, "the README lists the walkthrough's steps after stating their count");
        const numbers = list[1]
            .trim()
            .split("\n")
            .map((line) => Number(/^(\d+)\./.exec(line)![1]));
        assert.equal(numbers.length, count, `the README says ${stated[0]} and lists ${numbers.length}`);
        assert.deepEqual(
            numbers,
            model.steps.map((s) => s.number),
            "the README numbers the steps as the plan's model does",
        );
        assert.equal(
            withDirectory.steps.length,
            count,
            "a plan that creates the directory counts the same walkthrough steps (the directory comes before step 1)",
        );
        assert.deepEqual(
            withDirectory.steps.map((s) => s.number),
            numbers,
        );
    });

    test("the steps active-directory.md says need a domain-joined machine are the model's steps done on one", () => {
        const ad = docs.get("docs/active-directory.md")!;
        const cited = /Steps? ([\d, and]+) of the AWS walkthrough/.exec(ad);
        assert.ok(cited, "active-directory.md names the walkthrough steps npm run ad replaces");
        const numbers = cited[1]
            .split(/,|and/)
            .map((n) => Number(n.trim()))
            .filter((n) => n > 0);
        const onJoinedMachine = model.steps.filter((s) => /domain-joined/.test(s.title)).map((s) => s.number);
        assert.deepEqual(numbers, onJoinedMachine);
    });
});

describe("counts the README states", () => {
    test("the policy pack has as many policies as the README says", () => {
        const stated = /policy pack\b[\s\S]{0,80}?\bwith (\d+) policies/i.exec(docs.get("README.md")!);
        assert.ok(stated, "the README says how many policies the pack has");
        assert.equal(Number(stated[1]), policies.length);
    });
});

describe("what the docs say the dev stack creates and exports", () => {
    let devRun: ReturnType<typeof runOk> | undefined;
    const dev = () => (devRun ??= runOk({ stack: "dev" }));

    test("the outputs the README tells app repositories to read are stack outputs", () => {
        const readme = docs.get("README.md")!;
        const section = readme.slice(readme.indexOf("The platform stack exports"), readme.indexOf("```ts", readme.indexOf("The platform stack exports")));
        const named = section
            .replace(/\n {2,}/g, " ")
            .split("\n")
            .filter((l) => l.startsWith("- "))
            .flatMap((l) => [...l.replace(/\([^)]*\)/g, "").matchAll(/`(\w+)`/g)].map((m) => m[1]));
        assert.ok(named.length >= 10, "the README lists the outputs");
        const exported = Object.keys(outputs(dev()));
        assert.deepEqual(
            named.filter((n) => !exported.includes(n)),
            [],
        );
    });

    test("the number of ValidatingAdmissionPolicies the docs give is the number the dev stack creates", () => {
        const created = ofType(dev(), "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy").length;
        const stated = [...docs].flatMap(([file, text]) =>
            [...text.matchAll(/\b(\w+) ValidatingAdmissionPolicies\b/g)]
                .filter((m) => {
                    try {
                        numberWord(m[1]);
                        return true;
                    } catch {
                        return false;
                    }
                })
                .map((m) => ({ file, said: m[0], count: numberWord(m[1]) })),
        );
        assert.ok(stated.length > 0, "the docs say how many there are");
        assert.deepEqual(
            stated.filter((s) => s.count !== created).map((s) => `${s.file}: ${s.said}`),
            [],
            `the dev stack creates ${created}`,
        );
    });
});

describe("deploy-time.md's reading of each stack agrees with its table", () => {
    test("a stack the table shows without warnings is not described as having them", () => {
        const doc = docs.get("docs/deploy-time.md")!;
        const totals = doc.slice(doc.indexOf("<!-- generated:totals -->"), doc.indexOf("<!-- /generated:totals -->"));
        const warnings = new Map([...totals.matchAll(/^\| (\w[\w-]*) \|.*\| (\d+) \|$/gm)].map((m) => [m[1], Number(m[2])]));
        assert.ok(warnings.size >= 3, "the totals table lists the documented stacks");
        const bullets = [...doc.matchAll(/^- \*\*(\w[\w-]*)\*\*([\s\S]*?)(?=\n- \*\*|\n\n)/gm)];
        let read = 0;
        for (const [, stack, text] of bullets) {
            if (!warnings.has(stack)) continue;
            read++;
            if (warnings.get(stack)! > 0) continue;
            for (const sentence of proseSentences(text)) {
                assert.ok(
                    !/warning/i.test(sentence) || /\b(no|neither|nor|without|would)\b/i.test(sentence),
                    `${stack} has no warnings in the table, but the text says: ${sentence}`,
                );
            }
        }
        assert.ok(read >= 3, "each documented stack is explained");
    });
});

describe("commands the docs give exist", () => {
    const rootScripts = scripts(".");
    const appScripts = scripts("examples/app");
    const commands = [...docs].flatMap(([file, text]) => commandLines(text).map((line) => ({ file, line })));

    test("every npm run script the docs name is in package.json", () => {
        const missing: string[] = [];
        for (const { file, line } of commands) {
            for (const { script } of parseCommand(line)) {
                const known = file === "examples/app/README.md" ? { ...rootScripts, ...appScripts } : rootScripts;
                if (!(script in known)) missing.push(`${file}: npm run ${script} (${line.trim()})`);
            }
        }
        assert.deepEqual(missing, []);
    });

    const helpOf = (...args: string[]) => {
        const run = spawnSync(process.execPath, ["--import", "tsx", ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
        return `${run.stdout}\n${run.stderr}`;
    };
    const flagsIn = (help: string) => new Set(help.match(/--[a-z][a-z-]*/g) ?? []);

    test("the flags documented for npm run plan and npm run policy are ones they accept", () => {
        const accepted = { plan: flagsIn(helpOf("tools/plan.ts", "--help")), policy: flagsIn(helpOf("tools/policy/cli.ts", "--help")) };
        const unknown: string[] = [];
        for (const { file, line } of commands) {
            for (const { script, args } of parseCommand(line)) {
                if (script !== "plan" && script !== "policy") continue;
                for (const flag of args.filter((a) => a.startsWith("--"))) if (!accepted[script].has(flag)) unknown.push(`${file}: npm run ${script} ${flag}`);
            }
        }
        assert.deepEqual(unknown, []);
    });

    test("the npm run ad commands and flags the docs give are ones it accepts", () => {
        // The help needs no Samba bindings (tools/ad/front.py), so it runs on any machine.
        const top = helpOf("tools/ad.ts", "--help");
        assert.match(top, /^\s+discover\b/m, top);
        const wrong: string[] = [];
        const subHelp = new Map<string, Set<string>>();
        for (const { file, line } of commands) {
            for (const { script, args } of parseCommand(line)) {
                if (script !== "ad" || args.length === 0 || args[0].startsWith("-")) continue;
                const [command, ...rest] = args;
                if (!new RegExp(`^\\s+${command}\\b`, "m").test(top)) {
                    wrong.push(`${file}: npm run ad -- ${command} (no such command)`);
                    continue;
                }
                if (!subHelp.has(command)) subHelp.set(command, flagsIn(helpOf("tools/ad.ts", command, "--help")));
                // `discover --format yaml|config` and its --name are handled in tools/ad.ts before cli.py.
                const flags = new Set([...subHelp.get(command)!, ...(command === "discover" ? ["--name", "--account"] : [])]);
                for (const flag of rest.filter((a) => a.startsWith("--"))) if (!flags.has(flag)) wrong.push(`${file}: npm run ad -- ${command} ${flag}`);
            }
        }
        assert.deepEqual(wrong, []);
    });
});

describe("links between the docs resolve", () => {
    test("every relative link names an existing file, and every anchor a heading in it", () => {
        const broken: string[] = [];
        for (const [file, text] of docs) {
            for (const target of markdownLinks(text)) {
                if (/^[a-z][a-z+.-]*:/i.test(target)) continue;
                const [pathPart, anchor] = target.split("#", 2);
                const resolved = pathPart === "" ? path.join(root, file) : path.resolve(path.dirname(path.join(root, file)), decodeURIComponent(pathPart));
                if (!fs.existsSync(resolved)) {
                    broken.push(`${file}: ${target} (no such file)`);
                    continue;
                }
                if (anchor !== undefined && resolved.endsWith(".md") && !githubAnchors(fs.readFileSync(resolved, "utf8")).has(anchor)) {
                    broken.push(`${file}: ${target} (no such heading)`);
                }
            }
        }
        assert.deepEqual(broken, []);
    });
});

describe("files the docs name exist", () => {
    test("every path into this repository a doc names in code is there", () => {
        const missing: string[] = [];
        for (const [file, text] of docs) {
            if (file === "docs/upstream-facts.md") continue; // quotes paths in upstream repositories
            for (const m of text.matchAll(/`((?:\.github|\.ci|components|tools|test|settings|policy|lib|docs|bench|examples)\/[\w./-]+)`/g)) {
                if (!fs.existsSync(path.join(root, m[1]))) missing.push(`${file}: ${m[1]}`);
            }
        }
        assert.deepEqual(missing, []);
    });
});

describe("no leftovers", () => {
    const withConfigComments = new Map([...docs, ["Pulumi.yaml", read("Pulumi.yaml")]]);

    test("no doc speaks of the project's own issues or of work to come next", () => {
        const found: string[] = [];
        for (const [file, text] of withConfigComments) {
            for (const m of text.matchAll(/\bissue\s+#?\d+\b|\(next\)|\bthe next issue\b|\bin the issue\b|\bthe issue's\b/gi)) found.push(`${file}: ${m[0]}`);
        }
        assert.deepEqual(found, []);
    });

    test("no sentence is said twice in one doc", () => {
        const found = [...docs].flatMap(([file, text]) => duplicateSentences(text).map((s) => `${file}: ${s}`));
        assert.deepEqual(found, []);
    });

    test("a support date that has passed is not told as still to come", () => {
        const today = new Date().toISOString().slice(0, 10);
        const found = [...docs].flatMap(([file, text]) =>
            dateClaims(text)
                .filter(
                    (c) =>
                        c.date < today &&
                        /support/i.test(c.sentence) &&
                        /\b(ends|end of|leaves|expires|until|will)\b/i.test(c.sentence) &&
                        !/\b(ended|left|expired|was|were|reached|since|had)\b/i.test(c.sentence),
                )
                .map((c) => `${file}: ${c.date}: ${c.sentence}`),
        );
        assert.deepEqual(found, []);
    });
});

describe("the doc readers find what they look for", () => {
    test("links and anchors", () => {
        const doc =
            '# Isolation between apps\n## `eks-gmsa:access`\n## Isolation between apps\nSee [a](other.md#x "t"), ![p](pic.svg) and `[not](code.md)`.\n```\n[nor](block.md)\n```\n';
        assert.deepEqual(markdownLinks(doc), ["other.md#x", "pic.svg"]);
        assert.deepEqual([...githubAnchors(doc)], ["isolation-between-apps", "eks-gmsaaccess", "isolation-between-apps-1"]);
    });
    test("commands, their scripts and flags", () => {
        const doc =
            "Run `npm run ad -- remove`.\n\n```sh\nnpm run plan -- --stack prod \\\n    --against x.json   # a comment --not-a-flag\n(cd d && npm run -s bench:scale -- --sizes 1,2)\n```\n";
        const parsed = commandLines(doc).flatMap(parseCommand);
        assert.deepEqual(parsed, [
            { script: "plan", args: ["--stack", "prod", "--against", "x.json"] },
            { script: "bench:scale", args: ["--sizes", "1,2"] },
            { script: "ad", args: ["remove"] },
        ]);
        assert.deepEqual(parseCommand("npm run plan: the review artifacts"), [{ script: "plan", args: [] }]);
    });
    test("repeated sentences, dates and number words", () => {
        assert.deepEqual(duplicateSentences("All of them come from the plan alone. All of them come from the plan alone (no cloud)."), [
            "all of them come from the plan alone",
        ]);
        assert.deepEqual(duplicateSentences("Six words are in this sentence. Six words are in that sentence."), []);
        assert.deepEqual(dateClaims("| `1.31` | ends on November 26, 2026 |\n\nIt left on 2026-11-26."), [
            { date: "2026-11-26", sentence: "ends on November 26, 2026" },
            { date: "2026-11-26", sentence: "It left on 2026-11-26." },
        ]);
        assert.deepEqual(dateClaims('The source says "it ends on 2025-01-01".'), [], "a quotation is the source's");
        assert.equal(numberWord("eleven"), 11);
        assert.equal(numberWord("12"), 12);
    });
});
