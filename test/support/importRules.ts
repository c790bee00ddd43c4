// The direction of imports in this repository (docs/design.md "Packages"), checked over the real
// import statements, `require(...)` calls and `import(...)` expressions that the TypeScript
// parser finds, so a path built in a string or a comment never counts.
import { builtinModules } from "node:module";
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";

export interface ImportRecord {
    /** 1-based line of the import in its file. */
    line: number;
    specifier: string;
    /** `import type`, `export type` or an import whose every name is `type`: gone at run time. */
    typeOnly: boolean;
}

export type RuleName =
    | "program-stays-inward"
    | "config-reader-private"
    | "policy-self-contained"
    | "tooling-through-policy-api"
    | "tooling-not-tests"
    | "declared-dependency"
    | "declared-workspace"
    | "declared-program"
    | "program-runtime-dependency";

export interface Violation {
    /** Relative to the checked root, with "/". */
    file: string;
    line: number;
    rule: RuleName;
    specifier: string;
    message: string;
}

/** Which side of the arrows a file is on, by its place in the tree. */
export type Layer = "program" | "policy" | "tooling" | "test" | "examples" | "other";

export function layerOf(relative: string): Layer {
    const top = relative.split("/")[0];
    if (relative === "index.ts" || top === "components" || top === "settings" || top === "lib") return "program";
    if (top === "policy") return "policy";
    if (top === "tools" || top === "bench") return "tooling";
    if (top === "test") return "test";
    if (top === "examples") return "examples";
    return "other";
}

/** Every import of one source file, from its syntax tree. */
export function importsOf(fileName: string, text: string): ImportRecord[] {
    const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
    const found: ImportRecord[] = [];
    const add = (node: ts.Node, literal: ts.Expression, typeOnly: boolean) => {
        if (!ts.isStringLiteralLike(literal)) return;
        found.push({ line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, specifier: literal.text, typeOnly });
    };
    const visit = (node: ts.Node): void => {
        if (ts.isImportDeclaration(node)) {
            const clause = node.importClause;
            const namedOnlyTypes =
                !!clause &&
                !clause.name &&
                !!clause.namedBindings &&
                ts.isNamedImports(clause.namedBindings) &&
                clause.namedBindings.elements.length > 0 &&
                clause.namedBindings.elements.every((e) => e.isTypeOnly);
            add(node, node.moduleSpecifier, !!clause && (clause.isTypeOnly || namedOnlyTypes));
        } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
            const namedOnlyTypes =
                !!node.exportClause &&
                ts.isNamedExports(node.exportClause) &&
                node.exportClause.elements.length > 0 &&
                node.exportClause.elements.every((e) => e.isTypeOnly);
            add(node, node.moduleSpecifier, node.isTypeOnly || namedOnlyTypes);
        } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
            add(node, node.moduleReference.expression, node.isTypeOnly);
        } else if (ts.isCallExpression(node) && node.arguments.length >= 1) {
            const callee = node.expression;
            const isRequire = ts.isIdentifier(callee) && callee.text === "require";
            const isRequireResolve =
                ts.isPropertyAccessExpression(callee) &&
                ts.isIdentifier(callee.expression) &&
                callee.expression.text === "require" &&
                callee.name.text === "resolve";
            if (isRequire || isRequireResolve || callee.kind === ts.SyntaxKind.ImportKeyword) add(node, node.arguments[0], false);
        } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
            add(node, node.argument.literal as ts.Expression, true);
        }
        ts.forEachChild(node, visit);
    };
    visit(source);
    return found;
}

const sourceExtensions = [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs"];
const skippedDirectories = new Set(["node_modules", "out", "bin", "test-results"]);

/** The source files under `root`, relative with "/", skipping installed and generated trees. */
export function sourceFiles(root: string, dir = ""): string[] {
    const files: string[] = [];
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
        const relative = dir ? `${dir}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
            if (!entry.name.startsWith(".") && !skippedDirectories.has(entry.name)) files.push(...sourceFiles(root, relative));
        } else if (sourceExtensions.some((ext) => entry.name.endsWith(ext))) {
            files.push(relative);
        }
    }
    return files.sort();
}

/** The file a relative specifier names, as Node and TypeScript resolve it (relative with "/"). */
function resolveRelative(root: string, fromFile: string, specifier: string): string {
    const base = path.join(path.dirname(path.join(root, fromFile)), specifier);
    const candidates = [base, ...sourceExtensions.map((ext) => base + ext), base + ".json", ...sourceExtensions.map((ext) => path.join(base, "index" + ext))];
    const hit = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile()) ?? base;
    return path.relative(root, hit).split(path.sep).join("/");
}

/** "@scope/name/deep/path" → "@scope/name"; "name/deep" → "name". */
export function packageName(specifier: string): string {
    const parts = specifier.split("/");
    return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

const builtins = new Set(builtinModules);
function isBuiltin(specifier: string): boolean {
    return specifier.startsWith("node:") || builtins.has(packageName(specifier));
}

interface Manifest {
    /** Directory of the package.json, relative with "/" ("" for the root). */
    dir: string;
    name: string;
    runtime: Set<string>;
    all: Set<string>;
    /**
     * `"programDependency"`: the root package a workspace package imports by relative path. npm has
     * no field for it (a peerDependency on the root's name makes npm fetch that name from the registry).
     */
    programDependency?: string;
}

function readManifests(root: string, files: string[]): Map<string, Manifest> {
    const manifests = new Map<string, Manifest>();
    const dirs = new Set([""]);
    for (const file of files) for (let d = path.posix.dirname(file); d !== "."; d = path.posix.dirname(d)) dirs.add(d);
    for (const dir of dirs) {
        const file = path.join(root, dir, "package.json");
        if (!fs.existsSync(file)) continue;
        const json = JSON.parse(fs.readFileSync(file, "utf8"));
        const runtime = new Set(Object.keys(json.dependencies ?? {}));
        const all = new Set([
            ...runtime,
            ...Object.keys(json.devDependencies ?? {}),
            ...Object.keys(json.peerDependencies ?? {}),
            ...Object.keys(json.optionalDependencies ?? {}),
        ]);
        manifests.set(dir, { dir, name: json.name, runtime, all, programDependency: json.programDependency });
    }
    return manifests;
}

/** The package that owns a file: the nearest package.json above it. */
function ownerOf(manifests: Map<string, Manifest>, file: string): Manifest {
    for (let d = path.posix.dirname(file); ; d = path.posix.dirname(d)) {
        const dir = d === "." ? "" : d;
        const manifest = manifests.get(dir);
        if (manifest) return manifest;
        if (dir === "") throw new Error(`no package.json above ${file}`);
    }
}

function manifestName(manifest: Manifest): string {
    return manifest.dir ? `${manifest.dir}/package.json` : "package.json";
}

/** The parser of stack config: importing it (or a module that loads it) reads config outside settings/. */
const readerModule = "settings/reader.ts";
/** The one entry to the reader from outside settings/: index.ts calls loadSettings() from here. */
const settingsEntry = "settings/index.ts";

/**
 * The settings/ modules that load the reader when they load: the reader and every settings/
 * module that imports one of them at run time, directly or through others. Type-only imports
 * load nothing, so settings/types.ts and pure helpers stay importable.
 */
export function configReaderModules(root: string, files: readonly string[]): Set<string> {
    const settingsFiles = files.filter((f) => f.startsWith("settings/"));
    const loads = new Map<string, string[]>();
    for (const file of settingsFiles) {
        const targets = importsOf(file, fs.readFileSync(path.join(root, file), "utf8"))
            .filter((i) => !i.typeOnly && i.specifier.startsWith("."))
            .map((i) => resolveRelative(root, file, i.specifier));
        loads.set(file, targets);
    }
    const reader = new Set(settingsFiles.includes(readerModule) ? [readerModule] : []);
    for (let grew = true; grew;) {
        grew = false;
        for (const [file, targets] of loads) {
            if (!reader.has(file) && targets.some((t) => reader.has(t))) {
                reader.add(file);
                grew = true;
            }
        }
    }
    return reader;
}

/** The import rules for one file's imports of this repository's files; undefined when allowed. */
function directionRule(from: string, target: string, configReader: ReadonlySet<string>): { rule: RuleName; message: string } | undefined {
    const fromLayer = layerOf(from);
    const toLayer = layerOf(target);
    if (fromLayer === "program" && toLayer !== "program") {
        return {
            rule: "program-stays-inward",
            message: `the program (index.ts, components/, settings/, lib/) must not import ${toLayer} code (${target}): tooling, tests and the pack depend on the program, never the other way`,
        };
    }
    const fromTop = from.split("/")[0];
    const isEntry = from === "index.ts" && target === settingsEntry;
    if (configReader.has(target) && fromTop !== "settings" && fromTop !== "test" && !isEntry) {
        return {
            rule: "config-reader-private",
            message: `only settings/ reads config: ${fromTop === "index.ts" ? from : `${fromTop}/`} must not import ${target}, which loads the config reader (${readerModule}); take typed settings, or the value from a lib/ module, settings/types or settings/keys`,
        };
    }
    if (fromLayer === "policy" && toLayer !== "policy") {
        return { rule: "policy-self-contained", message: `the policy pack runs in app repositories too: it must not import ${target} from outside policy/` };
    }
    if (fromLayer === "tooling" && toLayer === "policy" && target !== "policy/api.ts") {
        return { rule: "tooling-through-policy-api", message: `tooling must use the pack through policy/api.ts, not ${target}` };
    }
    if (fromLayer === "tooling" && (toLayer === "test" || toLayer === "examples")) {
        return { rule: "tooling-not-tests", message: `tooling may import the program and policy/api.ts, not ${toLayer} code (${target})` };
    }
    return undefined;
}

/** The file a bare specifier names when it is a package of this repository ("eks-gmsa-tools/planFile" → tools/planFile.ts). */
function resolveLocalPackage(root: string, manifests: Map<string, Manifest>, specifier: string): string | undefined {
    const name = packageName(specifier);
    const local = [...manifests.values()].find((m) => m.name === name);
    if (!local) return undefined;
    const subpath = specifier.slice(name.length).replace(/^\//, "");
    const dir = local.dir || ".";
    // The package's own directory, as a relative specifier from a file at its top.
    return resolveRelative(root, path.posix.join(dir, "package.json"), "./" + (subpath || "."));
}

/** Every import in the tree under `root` that breaks a rule, in file and line order. */
export function checkImports(root: string): Violation[] {
    const files = sourceFiles(root);
    const manifests = readManifests(root, files);
    const rootManifest = manifests.get("")!;
    const workspaces = new Set<string>(JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).workspaces ?? []);
    const configReader = configReaderModules(root, files);
    const violations: Violation[] = [];
    for (const file of files) {
        const owner = ownerOf(manifests, file);
        for (const { line, specifier, typeOnly } of importsOf(file, fs.readFileSync(path.join(root, file), "utf8"))) {
            const at = { file, line, specifier };
            if (specifier.startsWith(".")) {
                const target = resolveRelative(root, file, specifier);
                const broken = directionRule(file, target, configReader);
                if (broken) violations.push({ ...at, ...broken });
                const targetOwner = target.startsWith("../") ? undefined : ownerOf(manifests, target);
                if (broken || !targetOwner || targetOwner === owner) continue;
                // A file of another workspace package is that package's: the importer declares it,
                // so npm links it and the arrow between the packages is written down.
                if (workspaces.has(targetOwner.dir) && !owner.all.has(targetOwner.name)) {
                    violations.push({
                        ...at,
                        rule: "declared-workspace",
                        message: `imports ${target} from the workspace package ${targetOwner.name}, which ${manifestName(owner)} does not declare`,
                    });
                } else if (targetOwner === rootManifest && workspaces.has(owner.dir) && owner.programDependency !== rootManifest.name) {
                    // npm cannot declare the root, so the arrow is written as "programDependency".
                    violations.push({
                        ...at,
                        rule: "declared-program",
                        message: `imports ${target} from the program (${rootManifest.name}), but ${manifestName(owner)} does not say "programDependency": "${rootManifest.name}"`,
                    });
                }
                continue;
            }
            if (isBuiltin(specifier)) continue;
            const name = packageName(specifier);
            // A bare name of a package in this repository points at its files: the arrows hold for
            // it as for a relative path, type-only or not (a type import is still a dependency).
            const localTarget = resolveLocalPackage(root, manifests, specifier);
            const broken = localTarget === undefined ? undefined : directionRule(file, localTarget, configReader);
            if (broken) {
                violations.push({ ...at, ...broken });
            } else if (!owner.all.has(name)) {
                violations.push({ ...at, rule: "declared-dependency", message: `imports ${name}, which ${manifestName(owner)} does not declare` });
            } else if (layerOf(file) === "program" && !typeOnly && !owner.runtime.has(name)) {
                violations.push({
                    ...at,
                    rule: "program-runtime-dependency",
                    message: `the program loads ${name} on every \`pulumi up\`, but ${manifestName(owner)} lists it only for development`,
                });
            }
        }
    }
    return violations;
}

export function formatViolation(v: Violation): string {
    return `${v.file}:${v.line} [${v.rule}] ${v.message}`;
}
