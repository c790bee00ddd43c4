// The installed packages are the ones the program is written against.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import * as command from "@pulumi/command";
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

/** What these tests read of a package.json. */
interface PackageManifest {
    name: string;
    workspaces?: string[];
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
}

/**
 * The program's package.json, each workspace's (tools/, bench/), and the policy pack's and the example
 * app's: those two are not workspaces (each also stands alone) but here resolve from the root's node_modules.
 */
function manifests(): { file: string; json: PackageManifest }[] {
    const root = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8"));
    const dirs = [".", ...(root.workspaces ?? []), "policy", "examples/app"];
    return dirs.map((dir) => {
        const file = path.join(dir, "package.json");
        return { file, json: JSON.parse(fs.readFileSync(path.join(projectRoot, file), "utf8")) };
    });
}

/** The version Node would load for `name` from `dir`: the nearest node_modules/<name> above it. */
function installedVersion(dir: string, name: string): string | undefined {
    for (let d = dir; ; d = path.dirname(d)) {
        const manifest = path.join(d, "node_modules", name, "package.json");
        if (fs.existsSync(manifest)) return JSON.parse(fs.readFileSync(manifest, "utf8")).version.replace(/^v/, "");
        if (d === path.dirname(d)) return undefined;
    }
}

test("the root declares its workspaces, tools and bench, and each is installed as a link to its folder", () => {
    const root = manifests()[0].json;
    assert.deepEqual(root.workspaces, ["tools", "bench"]);
    for (const dir of root.workspaces as string[]) {
        const name = JSON.parse(fs.readFileSync(path.join(projectRoot, dir, "package.json"), "utf8")).name;
        assert.equal(
            fs.realpathSync(path.join(projectRoot, "node_modules", name)),
            fs.realpathSync(path.join(projectRoot, dir)),
            `${name} is not linked to ${dir}/ (run npm ci)`,
        );
    }
});

test("every dependency of every package is pinned to an exact version and installed at that version", () => {
    for (const { file, json } of manifests()) {
        for (const [name, version] of Object.entries({ ...json.dependencies, ...json.devDependencies }) as [string, string][]) {
            assert.match(version, /^\d+\.\d+\.\d+$/, `${file}: ${name} must be pinned, not ${version}`);
            const installed = installedVersion(path.join(projectRoot, path.dirname(file)), name);
            assert.equal(installed, version, `${file}: ${name}: installed ${installed}, pinned ${version}`);
        }
    }
});

test("a package two manifests declare is pinned to the same version in both (npm keeps one copy)", () => {
    const pins = new Map<string, { version: string; file: string }>();
    for (const { file, json } of manifests()) {
        for (const [name, version] of Object.entries({ ...json.dependencies, ...json.devDependencies }) as [string, string][]) {
            const earlier = pins.get(name);
            if (earlier) assert.equal(version, earlier.version, `${name}: ${file} pins ${version}, ${earlier.file} pins ${earlier.version}`);
            else pins.set(name, { version, file });
        }
    }
});

test("@pulumi/command has the documented v1 API (the registry's 4.5.0 is an old build under a wrong number)", () => {
    assert.equal(typeof command.local.Command, "function");
    assert.equal(typeof command.remote.Command, "function");
    assert.equal(typeof command.remote.CopyToRemote, "function", "remote.CopyToRemote arrived in v1");
    const typings = fs.readFileSync(path.join(projectRoot, "node_modules", "@pulumi", "command", "local", "command.d.ts"), "utf8");
    assert.match(typings, /logging\?: pulumi\.Input<enums\.local\.Logging>/, "local.Command takes `logging` from v1");
    assert.match(typings, /addPreviousOutputInEnv\?:/);
});
