// Issue 14, item 9: Pulumi.yaml's key list lacked eight keys the program reads. The documented
// keys (Pulumi.yaml's comment, docs/configuration.md's sections and key tables) are checked
// against the keys the settings themselves read (settings/keysRead.ts records every key
// parseSettings asks for), so a key added on one side only fails here.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { projectRoot } from "../tools/harness";
import { readStackConfigFile, toProgramConfig } from "../tools/harness/stackConfig";
import { keysRead } from "../settings/keysRead";
import { projectName, type RawConfig } from "../settings/validate";
import { fieldListKeys, markdownKeys, pulumiYamlKeys } from "./support/documentedKeys";
import { repositoryStackFiles } from "./support/fixtures";

const stackFiles = repositoryStackFiles();

function rawConfig(file: string, overrides: Record<string, unknown> = {}): RawConfig {
    const base = readStackConfigFile(path.join(projectRoot, file), projectName);
    return { values: { ...base.values, ...toProgramConfig(overrides, projectName).values }, stack: "keys", secretKeys: base.secretKeys };
}

// Sections are read only when present: the repo's stack files have all of them but a taint
// given as an object, so one more config gives the taint's own keys.
const devWindows = JSON.parse(rawConfig("Pulumi.dev.yaml").values[`${projectName}:windowsNodes`]);
const read = keysRead([
    ...stackFiles.map((f) => rawConfig(f)),
    rawConfig("Pulumi.dev.yaml", { [`${projectName}:windowsNodes`]: { ...devWindows, taint: { key: "os", value: "windows", effect: "NoSchedule" } } }),
]);
const topLevel = read.filter((k) => !k.includes("."));

/** `[missing, extra]`: keys read and not documented, keys documented and not read. */
function difference(documented: Iterable<string>, expected: readonly string[]): [string[], string[]] {
    const docs = new Set(documented);
    return [expected.filter((k) => !docs.has(k)), [...docs].filter((k) => !read.includes(k)).sort()];
}

describe("the documented config keys are the keys the settings read", () => {
    test("the settings read the keys a user meets first (sanity check of the recording)", () => {
        for (const key of [
            "aws:region",
            "aws:profile",
            "eks-gmsa:windowsNodes.instanceType",
            "eks-gmsa:gmsa.accounts[].allowed[].namespace",
            "eks-gmsa:directoryAdminPassword",
            "eks-gmsa:windowsNodes.taint.effect",
        ]) {
            assert.ok(read.includes(key), key);
        }
    });

    test("Pulumi.yaml's comment lists exactly those keys", () => {
        const [missing, extra] = difference(pulumiYamlKeys(fs.readFileSync(path.join(projectRoot, "Pulumi.yaml"), "utf8")), read);
        assert.deepEqual({ missing, extra }, { missing: [], extra: [] });
    });

    const docs = markdownKeys(fs.readFileSync(path.join(projectRoot, "docs", "configuration.md"), "utf8"));

    test("docs/configuration.md has a section for each top-level key, and no other", () => {
        const [missing, extra] = difference(docs.sections, topLevel);
        assert.deepEqual({ missing, extra }, { missing: [], extra: [] });
    });

    test("every key in docs/configuration.md's key tables is read", () => {
        assert.deepEqual(difference(docs.tableKeys, [])[1], []);
    });

    test("every key of a section is described in it (in its table or its text)", () => {
        const undocumented = read
            .filter((k) => /^[^.]+\.[A-Za-z]+$/.test(k))
            .filter((k) => {
                const [section, field] = k.split(".");
                return !docs.tableKeys.includes(k) && !(docs.text[section] ?? "").includes(`\`${field}\``);
            });
        assert.deepEqual(undocumented, []);
    });
});

describe("reading the documented lists, on its own", () => {
    test("commentary, item types and nesting", () => {
        assert.deepEqual(fieldListKeys("mode (a|b (c)), operators [arn], accounts [{name, allowed: [{namespace}]}], webhook {replicas}"), [
            "mode",
            "operators",
            "accounts",
            "accounts[].name",
            "accounts[].allowed",
            "accounts[].allowed[].namespace",
            "webhook",
            "webhook.replicas",
        ]);
    });

    test("Pulumi.yaml entries continue on deeper-indented lines", () => {
        const yaml = "#   eks-gmsa:gmsa   mode, webhook {namespace,\n#                   replicas}\n#   aws:region   (required)\nconfig: {}\n";
        assert.deepEqual(pulumiYamlKeys(yaml), [
            "eks-gmsa:gmsa",
            "eks-gmsa:gmsa.mode",
            "eks-gmsa:gmsa.webhook",
            "eks-gmsa:gmsa.webhook.namespace",
            "eks-gmsa:gmsa.webhook.replicas",
            "aws:region",
        ]);
    });

    test("markdown key tables: lists, dotted and relative keys", () => {
        const md =
            "## `eks-gmsa:gmsa`\n\n| key | rules |\n| --- | --- |\n| `accounts[].name` | x |\n| `sampleWorkload.credentialSpec`, `.namespace` | y |\n| `viewers: [arn]` | z |\n\n| creator | how |\n| --- | --- |\n| `not.a.key` | w |\n";
        assert.deepEqual(markdownKeys(md).tableKeys, [
            "eks-gmsa:gmsa.accounts",
            "eks-gmsa:gmsa.accounts[].name",
            "eks-gmsa:gmsa.sampleWorkload",
            "eks-gmsa:gmsa.sampleWorkload.credentialSpec",
            "eks-gmsa:gmsa.sampleWorkload.namespace",
            "eks-gmsa:gmsa.viewers",
        ]);
    });
});
