// The installed packages are the ones the program is written against.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { projectRoot } from "../tools/harness";

function findPackages(dir: string, name: string, found: string[] = []): string[] {
    const modules = path.join(dir, "node_modules");
    if (!fs.existsSync(modules)) return found;
    const candidate = path.join(modules, name, "package.json");
    if (fs.existsSync(candidate)) found.push(candidate);
    for (const entry of fs.readdirSync(modules)) {
        const scoped = entry.startsWith("@") ? fs.readdirSync(path.join(modules, entry)).map((e) => path.join(modules, entry, e)) : [path.join(modules, entry)];
        for (const pkg of scoped) if (fs.statSync(pkg).isDirectory()) findPackages(pkg, name, found);
    }
    return found;
}

test("exactly one copy of @pulumi/pulumi is installed (two copies break mocks and resource identity)", () => {
    const copies = findPackages(projectRoot, "@pulumi/pulumi");
    assert.equal(copies.length, 1, copies.join("\n"));
});

test("every dependency is pinned to an exact version and installed at that version", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8"));
    for (const [name, version] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies }) as [string, string][]) {
        assert.match(version, /^\d+\.\d+\.\d+$/, `${name} must be pinned, not ${version}`);
        const installed = JSON.parse(fs.readFileSync(path.join(projectRoot, "node_modules", name, "package.json"), "utf8")).version.replace(/^v/, "");
        assert.equal(installed, version, `${name}: installed ${installed}, pinned ${version}`);
    }
});

test("@pulumi/command has the documented v1 API (the registry's 4.5.0 is an old build under a wrong number)", () => {
    const command = require("@pulumi/command");
    assert.equal(typeof command.local.Command, "function");
    assert.equal(typeof command.remote.Command, "function");
    assert.equal(typeof command.remote.CopyToRemote, "function", "remote.CopyToRemote arrived in v1");
    const typings = fs.readFileSync(path.join(projectRoot, "node_modules", "@pulumi", "command", "local", "command.d.ts"), "utf8");
    assert.match(typings, /logging\?: pulumi\.Input<enums\.local\.Logging>/, "local.Command takes `logging` from v1");
    assert.match(typings, /addPreviousOutputInEnv\?:/);
});
