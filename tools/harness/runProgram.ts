// Child-process entry: runs the real program (index.ts) under Pulumi's mock runtime and writes
// every registered resource and the stack outputs to a JSON file. One program run per process,
// as the Pulumi runtime keeps global state.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ProgramMocks } from "./mocks";
import { rootStackType, type AliasSpec } from "./engineUrns";
import type { HarnessRequest, HarnessResult, RegisteredResource } from "./types";
import type { RegisterResourceOutputsRequest, RegisterResourceRequest, RegisterResourceResponse } from "@pulumi/pulumi/proto/resource_pb";

/** The two calls of the mock monitor the harness listens in on (the SDK types it as a gRPC client). */
interface ListenedMonitor {
    registerResource(req: RegisterResourceRequest, callback: (err: unknown, resp: RegisterResourceResponse | undefined) => void): unknown;
    registerResourceOutputs(req: RegisterResourceOutputsRequest, callback: (err: unknown, resp: unknown) => void): unknown;
}

const request: HarnessRequest = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const resources: RegisteredResource[] = [];
let stackOutputs: unknown = {};
const failures: string[] = [];
/** Each registered resource's alias URNs by its URN: what its children inherit. */
const aliasesByUrn = new Map<string, string[]>();
let mocks: ProgramMocks | undefined;

function fail(e: unknown): void {
    failures.push(e instanceof pulumi.RunError || !(e instanceof Error) ? String((e as Error)?.message ?? e) : (e.stack ?? e.message));
}
process.on("unhandledRejection", fail);
process.on("uncaughtException", fail);

async function main(): Promise<void> {
    const region = request.config.values["aws:region"] ?? "us-west-2";
    await pulumi.runtime.setMocks((mocks = new ProgramMocks(region, request.stackReferences, request.aws)), request.project, request.stack, false);
    pulumi.runtime.setAllConfig(request.config.values, request.config.secretKeys);

    // Record each registration as the engine would receive it (parent, dependencies, protect,
    // serialized inputs with secret markers), then let the mock monitor answer it.
    const monitor = pulumi.runtime.getMonitor() as unknown as ListenedMonitor;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
        const record: RegisteredResource = {
            urn: "",
            type: req.getType(),
            name: req.getName(),
            parent: req.getParent() || undefined,
            dependencies: [...req.getDependenciesList()].sort(),
            propertyDependencies: propertyDependencies(req.getPropertydependenciesMap()),
            protect: req.hasProtect() && req.getProtect() === true,
            inputs: req.getObject()?.toJavaScript() ?? {},
            options: {
                custom: req.getCustom(),
                remote: req.getRemote() || undefined,
                provider: req.getProvider() || undefined,
                providers: mapOrUndefined(req.getProvidersMap()),
                ignoreChanges: listOrUndefined(req.getIgnorechangesList()),
                replaceOnChanges: listOrUndefined(req.getReplaceonchangesList()),
                additionalSecretOutputs: listOrUndefined(req.getAdditionalsecretoutputsList()),
                deleteBeforeReplace: req.getDeletebeforereplace() || undefined,
                aliases: listOrUndefined(aliasUrns(req, request.project, request.stack, aliasesByUrn)),
                retainOnDelete: req.hasRetainondelete() ? req.getRetainondelete() : undefined,
            },
            aliasSpecs: listOrUndefined(aliasSpecsOf(req)),
        };
        resources.push(record);
        return register(req, (err, resp) => {
            if (resp) {
                record.urn = resp.getUrn();
                aliasesByUrn.set(record.urn, record.options.aliases ?? []);
            }
            callback(err, resp);
        });
    };
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req, callback) => {
        if (req.getUrn().includes("::pulumi:pulumi:Stack::")) stackOutputs = req.getOutputs()?.toJavaScript() ?? {};
        return registerOutputs(req, callback);
    };

    const program = path.resolve(request.program);
    try {
        // As the Pulumi nodejs host runs a program: an exported function is called and awaited,
        // and what it returns becomes the stack's outputs.
        await pulumi.runtime.runInPulumiStack(async () => {
            // `export = f` (index.ts) is the module namespace's default under import().
            const loaded: { default?: unknown } = await import(program);
            const programExport = loaded.default ?? loaded;
            return programExport instanceof Function ? await programExport() : programExport;
        });
    } catch (e) {
        fail(e);
    }
    await pulumi.runtime.disconnect().catch(fail);
}

/** A remote component's providers by package (protobuf map → object). */
function mapOrUndefined(map: { toArray(): [string, string][] }): Record<string, string> | undefined {
    const entries = map.toArray();
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/** Input key -> URNs its value came from (keys and URNs sorted; keys without URNs left out). */
function propertyDependencies(map: { forEach(callback: (deps: { getUrnsList(): string[] }, key: string) => void): void }): Record<string, string[]> {
    const entries: [string, string[]][] = [];
    map.forEach((deps, key) => {
        const urns = [...new Set(deps.getUrnsList())].sort();
        if (urns.length > 0) entries.push([key, urns]);
    });
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries);
}

/**
 * The URNs a resource may have had before: those its `aliases` option names, and those it inherits
 * from its parent's aliases. The SDK sends alias specs (name, type, project, stack, parent, each
 * defaulting to the resource's own) and leaves inheritance to the engine, which multiplies out the
 * parent's aliases (pulumi/pulumi pkg/resource/deploy/step_generator.go generateAliases): the child
 * under each old parent URN, with its own name and with each of its own aliases' names and types; a
 * child name that starts with the parent's name takes the old parent's name in its place. So a
 * component moved under a new parent with an alias keeps its whole subtree. These are mock URNs, in
 * which a moved component's descendants keep their URN; tools/harness/engineUrns.ts replays the
 * engine's matching on its full-chain URNs from the alias specs recorded beside them.
 */
function aliasUrns(req: RegisterResourceRequest, project: string, stack: string, aliasesOfParents: ReadonlyMap<string, readonly string[]>): string[] {
    const type = req.getType();
    const name = req.getName();
    const parent = req.getParent() || "";
    const own = req.getAliasesList().map((alias): string => {
        const spec = alias.getSpec();
        if (alias.hasUrn() || !spec) return alias.getUrn();
        // No parent (`{ parent: pulumi.rootStackResource }`) is a top-level resource: the stack's child.
        const aliasParentType = spec.getNoparent() ? rootStackType : typeOf(spec.getParenturn() || parent);
        return mockUrn(spec.getStack() || stack, spec.getProject() || project, aliasParentType, spec.getType() || type, spec.getName() || name);
    });
    const inherited = (aliasesOfParents.get(parent) ?? []).flatMap((oldParent) =>
        [{ type, name }, ...own.map(typeAndName)].map((child) =>
            mockUrn(stack, project, typeOf(oldParent), child.type, inheritedChildName(child.name, nameOf(parent), nameOf(oldParent))),
        ),
    );
    return [...new Set([...own, ...inherited])].sort();
}

/** The aliases as sent, unset parts left out (they default to the resource's own). */
function aliasSpecsOf(req: RegisterResourceRequest): AliasSpec[] {
    return req.getAliasesList().map((alias): AliasSpec => {
        const spec = alias.getSpec();
        if (alias.hasUrn() || !spec) return { urn: alias.getUrn() };
        const fields: AliasSpec = {
            name: spec.getName() || undefined,
            type: spec.getType() || undefined,
            parent: spec.getParenturn() || undefined,
            noParent: spec.getNoparent() || undefined,
            project: spec.getProject() || undefined,
            stack: spec.getStack() || undefined,
        };
        return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as AliasSpec;
    });
}

/**
 * A URN as the harness's monitor (Pulumi's MockMonitor.newUrn) makes it, so that alias URNs match
 * the URNs plans record: the parent's own type (pulumi:pulumi:Stack for a top-level resource), "$",
 * then the type. The engine writes the parent's whole type chain and leaves out the stack; each
 * scheme names a moved resource and its old self consistently.
 */
function mockUrn(stack: string, project: string, parentType: string, type: string, name: string): string {
    return `urn:pulumi:${stack}::${project}::${parentType ? `${parentType}$${type}` : type}::${name}`;
}

/** A URN's own type (the last of its type chain); "" for no URN. */
function typeOf(urn: string): string {
    return urn ? ((urn.split("::")[2] ?? "").split("$").pop() ?? "") : "";
}

/** The engine's inheritedChildAlias naming: `${parent}-x` under a renamed parent was `${oldParent}-x`. */
function inheritedChildName(childName: string, parentName: string, oldParentName: string): string {
    return parentName && childName.startsWith(parentName) ? oldParentName + childName.slice(parentName.length) : childName;
}

function nameOf(urn: string): string {
    return urn ? urn.slice(urn.lastIndexOf("::") + 2) : "";
}

function typeAndName(urn: string): { type: string; name: string } {
    return { type: typeOf(urn), name: nameOf(urn) };
}

function listOrUndefined<T>(list: T[]): T[] | undefined {
    return list.length > 0 ? [...list] : undefined;
}

main()
    .catch(fail)
    .finally(() => {
        const result: HarnessResult = {
            resources,
            outputs: stackOutputs as Record<string, unknown>,
            errors: failures,
            invented: Object.fromEntries(mocks?.invented ?? []),
        };
        fs.writeFileSync(request.resultFile, JSON.stringify(result));
        process.exit(0);
    });
