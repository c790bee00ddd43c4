// Runs the policy pack the way `pulumi preview --policy-pack` does: as its own process, spoken to
// over the Pulumi analyzer gRPC protocol (GetAnalyzerInfo, Configure, Analyze per resource,
// AnalyzeStack), and returns what it reports.
import { spawn, type ChildProcess } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import * as structProto from "google-protobuf/google/protobuf/struct_pb";
import * as emptyProto from "google-protobuf/google/protobuf/empty_pb";
import type { PlanResource } from "../planFile";
import { resolvePolicyConfig } from "./inputs";
import { buildReport, type PolicyReport } from "./report";
import type { EnforcementLevel, PackInfo, PolicyConfig, ResolvedPolicyConfig, Violation } from "./types";

const levels: EnforcementLevel[] = ["advisory", "mandatory", "disabled", "remediate"];
const levelCode = (level: EnforcementLevel) => levels.indexOf(level);

/** How many Analyze calls are in flight at once (the engine also analyzes resources concurrently). */
const analyzeConcurrency = 64;

export interface PackSession {
    readonly info: PackInfo;
    /** Configures the pack, analyzes every resource, then the stack; returns all diagnostics. */
    analyze(resources: readonly PlanResource[], config?: PolicyConfig): Promise<Violation[]>;
    close(): Promise<void>;
}

export class PolicyPackError extends Error {}

/** Starts the pack in `packDir` (its cwd: @pulumi/policy reads the version from its package.json). */
export async function startPolicyPack(packDir: string, timeoutMs = 60_000): Promise<PackSession> {
    const child = spawn(process.execPath, ["--import", "tsx", "index.ts"], { cwd: packDir, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const port = await new Promise<number>((resolve, reject) => {
        let stdout = "";
        const timer = setTimeout(() => {
            child.kill();
            reject(new PolicyPackError(`policy pack in ${packDir} did not start within ${timeoutMs / 1000} s\n${stderr}`));
        }, timeoutMs);
        child.stdout!.on("data", (d) => {
            stdout += d;
            const line = stdout.split("\n")[0];
            if (stdout.includes("\n") && /^[0-9]+$/.test(line.trim())) {
                clearTimeout(timer);
                resolve(Number(line.trim()));
            }
        });
        child.on("exit", (code) => {
            clearTimeout(timer);
            reject(new PolicyPackError(`policy pack in ${packDir} exited (${code}) before serving:\n${stderr}${stdout}`));
        });
    });
    const client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
        "grpc.max_receive_message_length": 1 << 30,
        "grpc.max_send_message_length": 1 << 30,
    });
    const info = await getInfo(client);
    return {
        info,
        analyze: (resources, config = {}) => analyzeAll(client, info, resources, config),
        close: () => close(client, child),
    };
}

/** One of the generated client's unary methods, in its callback form. */
type UnaryMethod<Req, Res> = (request: Req, callback: (err: grpc.ServiceError | null, response: Res) => void) => void;

function call<Req, Res>(client: analyzerGrpc.AnalyzerClient, method: string, request: Req): Promise<Res> {
    const unary = (client as unknown as Record<string, UnaryMethod<Req, Res>>)[method].bind(client);
    return new Promise((resolve, reject) => {
        unary(request, (err, response) => (err ? reject(new PolicyPackError(`${method}: ${err.details || err.message}`)) : resolve(response)));
    });
}

async function getInfo(client: analyzerGrpc.AnalyzerClient): Promise<PackInfo> {
    const response = await call<emptyProto.Empty, analyzerProto.AnalyzerInfo>(client, "getAnalyzerInfo", new emptyProto.Empty());
    return {
        name: response.getName(),
        version: response.getVersion(),
        policies: response.getPoliciesList().map((p) => {
            const schema = p.getConfigschema();
            return {
                name: p.getName(),
                displayName: p.getDisplayname(),
                description: p.getDescription(),
                enforcementLevel: levels[p.getEnforcementlevel()],
                ...(schema
                    ? {
                          configSchema: {
                              properties: (schema.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown>,
                              required: schema.getRequiredList(),
                          },
                      }
                    : {}),
            };
        }),
    };
}

/** The Configure request the CLI sends: every policy with its level and its properties. */
function configureRequest(resolved: ResolvedPolicyConfig): analyzerProto.ConfigureAnalyzerRequest {
    const request = new analyzerProto.ConfigureAnalyzerRequest();
    for (const [name, { enforcementLevel, properties }] of Object.entries(resolved)) {
        const entry = new analyzerProto.PolicyConfig();
        entry.setEnforcementlevel(levelCode(enforcementLevel));
        entry.setProperties(structProto.Struct.fromJavaScript(properties as Record<string, structProto.JavaScriptValue>));
        request.getPolicyconfigMap().set(name, entry);
    }
    return request;
}

function options(r: PlanResource): analyzerProto.AnalyzerResourceOptions {
    const o = new analyzerProto.AnalyzerResourceOptions();
    o.setProtect(r.protect);
    if (r.parent) o.setParent(r.parent);
    const ignore = r.options.ignoreChanges;
    if (Array.isArray(ignore)) o.setIgnorechangesList(ignore as string[]);
    if (r.options.deleteBeforeReplace === true) o.setDeletebeforereplace(true);
    return o;
}

/** The fields an Analyze request and a stack's resource share. */
function describeResource<M extends analyzerProto.AnalyzeRequest | analyzerProto.AnalyzerResource>(message: M, r: PlanResource, props: structProto.Struct): M {
    message.setType(r.type);
    message.setName(r.name);
    message.setUrn(r.urn);
    message.setProperties(props);
    message.setOptions(options(r));
    return message;
}

function properties(r: PlanResource): structProto.Struct {
    return structProto.Struct.fromJavaScript(r.inputs as Record<string, structProto.JavaScriptValue>);
}

async function analyzeAll(client: analyzerGrpc.AnalyzerClient, info: PackInfo, resources: readonly PlanResource[], config: PolicyConfig): Promise<Violation[]> {
    await call(client, "configure", configureRequest(resolvePolicyConfig(info.policies, config)));
    // The stack resource itself is not a resource the engine asks analyzers about.
    const analyzed = resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
    const diagnostics: analyzerProto.AnalyzeDiagnostic[] = [];
    // Each resource's properties are converted once, for Analyze and AnalyzeStack alike.
    const structs = analyzed.map(properties);

    let next = 0;
    const worker = async () => {
        while (next < analyzed.length) {
            const index = next++;
            const r = analyzed[index];
            const request = describeResource(new analyzerProto.AnalyzeRequest(), r, structs[index]);
            const response = await call<analyzerProto.AnalyzeRequest, analyzerProto.AnalyzeResponse>(client, "analyze", request);
            // The engine attributes a resource policy's findings to the resource it asked about.
            for (const d of response.getDiagnosticsList()) {
                if (!d.getUrn()) d.setUrn(r.urn);
                diagnostics.push(d);
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(analyzeConcurrency, analyzed.length) }, worker));

    const stackRequest = new analyzerProto.AnalyzeStackRequest();
    stackRequest.setResourcesList(
        analyzed.map((r, index) => {
            const resource = describeResource(new analyzerProto.AnalyzerResource(), r, structs[index]);
            if (r.parent) resource.setParent(r.parent);
            resource.setDependenciesList([...r.dependencies]);
            return resource;
        }),
    );
    const stackResponse = await call<analyzerProto.AnalyzeStackRequest, analyzerProto.AnalyzeResponse>(client, "analyzeStack", stackRequest);

    diagnostics.push(...stackResponse.getDiagnosticsList());

    return diagnostics
        .map((d) => ({
            policyName: d.getPolicyname(),
            policyPackName: d.getPolicypackname(),
            description: d.getDescription(),
            // @pulumi/policy prefixes each message with the policy's description; keep the finding.
            message: d.getMessage().startsWith(`${d.getDescription()}\n`) ? d.getMessage().slice(d.getDescription().length + 1) : d.getMessage(),
            enforcementLevel: levels[d.getEnforcementlevel()],
            ...(d.getUrn() ? { urn: d.getUrn() } : {}),
        }))
        .sort((a, b) => a.policyName.localeCompare(b.policyName) || (a.urn ?? "").localeCompare(b.urn ?? "") || a.message.localeCompare(b.message));
}

async function close(client: analyzerGrpc.AnalyzerClient, child: ChildProcess): Promise<void> {
    client.close();
    if (child.exitCode === null) {
        child.kill();
        await new Promise((resolve) => child.once("exit", resolve));
    }
}

export const defaultPackDir = path.resolve(__dirname, "..", "..", "policy");

/**
 * The pack's verdict on a plan, as `pulumi preview --policy-pack` gives it: starts the pack, reads
 * the config (a function when it is checked against the pack's schemas, `info`), analyzes every
 * resource and the stack, and stops the pack, also when reading the config throws.
 */
export async function judgePlan(
    plan: { project: string; stack: string; resources: readonly PlanResource[] },
    config: PolicyConfig | ((info: PackInfo) => PolicyConfig),
): Promise<PolicyReport> {
    const pack = await startPolicyPack(defaultPackDir);
    try {
        const resolved = typeof config === "function" ? config(pack.info) : config;
        const violations = await pack.analyze(plan.resources, resolved);
        return buildReport(pack.info, { project: plan.project, stack: plan.stack, resources: plan.resources.length }, violations, resolved);
    } finally {
        await pack.close();
    }
}
