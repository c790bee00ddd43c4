// Child-process entry: runs the real program (index.ts) under Pulumi's mock runtime and writes
// every registered resource and the stack outputs to a JSON file. One program run per process,
// as the Pulumi runtime keeps global state.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ProgramMocks } from "./mocks";
import type { HarnessRequest, HarnessResult, RegisteredResource } from "./types";

const request: HarnessRequest = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const resources: RegisteredResource[] = [];
let stackOutputs: unknown = {};
const failures: string[] = [];
let mocks: ProgramMocks | undefined;

function fail(e: unknown): void {
    failures.push(e instanceof pulumi.RunError || !(e instanceof Error) ? String((e as Error)?.message ?? e) : e.stack ?? e.message);
}
process.on("unhandledRejection", fail);
process.on("uncaughtException", fail);

async function main(): Promise<void> {
    const region = request.config.values["aws:region"] ?? "us-west-2";
    await pulumi.runtime.setMocks(mocks = new ProgramMocks(region, request.stackReferences, request.aws), request.project, request.stack, false);
    pulumi.runtime.setAllConfig(request.config.values, request.config.secretKeys);

    // Record each registration as the engine would receive it (parent, dependencies, protect,
    // serialized inputs with secret markers), then let the mock monitor answer it.
    const monitor = pulumi.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: unknown, resp: any) => void) => {
        const record: RegisteredResource = {
            urn: "",
            type: req.getType(),
            name: req.getName(),
            parent: req.getParent() || undefined,
            dependencies: [...req.getDependenciesList()].sort(),
            propertyDependencies: propertyDependencies(req.getPropertydependenciesMap()),
            protect: req.hasProtect() ? req.getProtect() : false,
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
                aliases: listOrUndefined(aliasUrns(req, request.project, request.stack)),
                retainOnDelete: req.hasRetainondelete() ? req.getRetainondelete() : undefined,
            },
        };
        resources.push(record);
        return register(req, (err: unknown, resp: any) => {
            if (resp) record.urn = resp.getUrn();
            callback(err, resp);
        });
    };
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req: any, callback: (err: unknown, resp: unknown) => void) => {
        if (req.getUrn().includes("::pulumi:pulumi:Stack::")) stackOutputs = req.getOutputs()?.toJavaScript() ?? {};
        return registerOutputs(req, callback);
    };

    const program = path.resolve(request.program);
    try {
        // As the Pulumi nodejs host runs a program: an exported function is called and awaited,
        // and what it returns becomes the stack's outputs.
        await pulumi.runtime.runInPulumiStack(async () => {
            const programExport = require(program);
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
 * The URNs an `aliases` option names. The SDK sends either URNs or specs (name, type, project,
 * stack, parent, each defaulting to the resource's own); a spec resolves as the engine resolves it:
 * the parent's type chain, then the type, then the name.
 */
function aliasUrns(req: any, project: string, stack: string): string[] {
    const urns = (req.getAliasesList() as any[]).map((alias): string => {
        if (alias.hasUrn && alias.hasUrn()) return alias.getUrn();
        const spec = alias.getSpec();
        const type: string = spec.getType() || req.getType();
        const name: string = spec.getName() || req.getName();
        const parent: string = spec.getNoparent() ? "" : spec.getParenturn() || req.getParent() || "";
        const parentChain = parent.split("::")[2] ?? "";
        const chain = parentChain && parentChain !== "pulumi:pulumi:Stack" ? `${parentChain}$${type}` : type;
        return `urn:pulumi:${spec.getStack() || stack}::${spec.getProject() || project}::${chain}::${name}`;
    });
    return [...new Set(urns)].sort();
}

function listOrUndefined(list: string[]): string[] | undefined {
    return list.length > 0 ? [...list] : undefined;
}

main().catch(fail).finally(() => {
    const result: HarnessResult = { resources, outputs: stackOutputs as Record<string, unknown>, errors: failures, invented: Object.fromEntries(mocks?.invented ?? []) };
    fs.writeFileSync(request.resultFile, JSON.stringify(result));
    process.exit(0);
});
