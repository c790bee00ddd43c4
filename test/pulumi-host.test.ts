// The Pulumi CLI runs this TypeScript through ts-node with type checking and the project's
// tsconfig.json. Compile the program that way, so `pulumi up` never meets an error tsx skipped.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import * as tsNode from "ts-node";
import { projectRoot } from "../tools/harness";

test("index.ts compiles under ts-node with type checking, as the Pulumi nodejs host does", () => {
    // The project's own ts-node and typescript, which the Pulumi host resolves from the project too.
    const service = tsNode.create({ project: path.join(projectRoot, "tsconfig.json"), transpileOnly: false, cwd: projectRoot });
    const file = path.join(projectRoot, "index.ts");
    const js: string = service.compile(fs.readFileSync(file, "utf8"), file);
    assert.match(js, /loadSettings\)\(\)|loadSettings\(\)/);
});

test("TypeScript is inside the range @pulumi/pulumi supports (TypeScript 7 is a different compiler)", () => {
    const pulumiManifest = JSON.parse(fs.readFileSync(path.join(projectRoot, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8"));
    const typescriptVersion = JSON.parse(fs.readFileSync(path.join(projectRoot, "node_modules", "typescript", "package.json"), "utf8")).version;
    const range = pulumiManifest.peerDependencies.typescript as string; // ">= 3.8.3 < 7"
    const upper = Number(/< *(\d+)/.exec(range)![1]);
    assert.ok(Number(typescriptVersion.split(".")[0]) < upper, `typescript ${typescriptVersion} outside ${range}`);
});
