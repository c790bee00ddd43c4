// The AD side run inside the VPC: SSM Command documents for the Linux management host. Pure and
// tested (test/ad-host-documents-dc.test.ts executes a rendered document against a Samba DC).
//
// A document is one aws:runShellScript step: components/scripts/ad-host-step.sh with two base64
// literals put in: the Python package components/scripts/ad/ (every *.py and *.json file, read
// from disk at plan time, as a gzipped tar) and ONE JSON payload that says what to do. The step
// unpacks both into a fresh private directory and runs `cli.py host --payload-file`. No value
// reaches the shell as code: base64 has no quote, `$`, backtick, space or brace, so neither the
// shell nor SSM's `{{ }}` interpolation reads anything in it, and the Python parses the payload.
// The node documents' values (computer name, instance ID, launch time) are SSM parameters with
// `interpolationType: ENV_VAR`: the agent checks each against its `allowedPattern` and hands it to
// the step as $SSM_<name>, never as text.
import * as fs from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { domainFactsFromReport, type DomainFacts, type ReportedDomainFacts } from "../lib/ad/domainFacts";

/** What one run on the management host does; the Python (`cli.py host`) is its only reader. */
export interface AdPayload {
    operation: "provision" | "node-join" | "node-cleanup" | "rotate";
    region: string;
    domain: { dnsName: string; netbiosName: string; dcAddresses: string[] };
    /** Secrets Manager secret {"username","password"} of the AD account the run acts as. */
    adminSecretArn: string;
    readersGroup: string;
    /** The owner mark on what the run creates (the cluster name). */
    owner: string;
    accountsOu?: string;
    /** gMSA sAMAccountNames without '$'. */
    accounts?: string[];
    /**
     * Domainless mode: the portable identity, its password in this secret. With rotation, the
     * secret names either `username` or `alternateUsername`; rotation sets a new password on the one
     * it does not name, then switches the secret to it.
     */
    identity?: { username: string; secretArn: string; alternateUsername?: string };
    joinOu?: string;
    /** After provisioning, run the whole-chain check (and fail the run when a link is broken). */
    verify?: boolean;
}

/** Line a successful run ends with: the marker, then JSON of non-secret facts. */
export const resultMarker = "EKS-GMSA-RESULT ";

export const adPackageDir = path.join(__dirname, "scripts", "ad");
export const hostStepScriptPath = path.join(__dirname, "scripts", "ad-host-step.sh");

/** Markers in ad-host-step.sh that the renderer replaces with base64 (and nothing else). */
export const packageMarker = "@AD_PACKAGE_BASE64@";
export const payloadMarker = "@AD_PAYLOAD_BASE64@";

/**
 * SSM's limit on a document's content: "The content of the document must not exceed 64KB. This
 * quota also includes the content specified for input parameters at runtime" (CreateDocument).
 * Checked against 64,000 bytes (the smaller reading of "KB"), leaving room for the parameter.
 */
export const commandDocumentSizeLimit = 64_000;

/**
 * Every parameter a management-host document may take, each checked by SSM against its pattern
 * before the document runs. Only ComputerName comes from the node; InstanceId comes from the
 * lifecycle event (checked against the group first) and CreatedAfter is EC2's LaunchTime of the
 * instance (node-join refuses an account created before it). host.py reads them as SSM_<name>.
 */
export const nodeParameters = {
    ComputerName: {
        description: "NetBIOS name the node printed after joining (untrusted: node-join checks the account)",
        allowedPattern: "^[A-Za-z0-9-]{1,15}$",
    },
    InstanceId: { description: "The node's EC2 instance ID, an instance of this cluster's Windows auto scaling group", allowedPattern: "^i-[0-9a-f]{8,17}$" },
    CreatedAfter: {
        description: "When EC2 launched the node (UTC, to the second): its computer account cannot be older",
        allowedPattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
    },
} as const;
export type NodeParameterName = keyof typeof nodeParameters;

type NodeOperation = "node-join" | "node-cleanup";

/** Which parameters each management-host node operation takes. */
export const nodeOperationParameters: Record<NodeOperation, readonly NodeParameterName[]> = {
    "node-join": ["ComputerName", "InstanceId", "CreatedAfter"],
    "node-cleanup": ["InstanceId"],
};

/**
 * The rotation document's parameters, sent by the portable identity's rotation function (one
 * Secrets Manager rotation step per run). host.py reads them as SSM_Step and SSM_VersionId.
 */
export const rotationParameters = {
    Step: {
        description: "The Secrets Manager rotation step to run on the host: set (the new password in AD) or test (the whole chain with it)",
        allowedValues: ["set", "test"],
    },
    VersionId: {
        description: "The AWSPENDING version of the portable identity's secret (the rotation's ClientRequestToken)",
        allowedPattern: "^[A-Za-z0-9-]{32,64}$",
    },
} as const;
export type RotationParameterName = keyof typeof rotationParameters;

/** Which parameters each parameterised management-host operation takes. */
export const operationParameters: Record<NodeOperation | "rotate", readonly (NodeParameterName | RotationParameterName)[]> = {
    ...nodeOperationParameters,
    rotate: ["Step", "VersionId"],
};

/** Every parameter a management-host document may take, by name. */
const documentParameters: Record<NodeParameterName | RotationParameterName, object> = { ...nodeParameters, ...rotationParameters };

export interface PackageFile {
    name: string;
    content: Buffer;
}

const packageFileName = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\.(py|json)$/;
/** Files the step writes next to the package in the same directory. */
const reservedNames = new Set(["payload.json"]);

/** Every *.py and *.json file of the package directory, sorted by name; cli.py must be one. */
export function readAdPackage(dir: string = adPackageDir): PackageFile[] {
    if (!fs.existsSync(dir)) throw new Error(`the AD package ${dir} does not exist`);
    const names = fs
        .readdirSync(dir)
        .filter((n) => /\.(py|json)$/.test(n) && fs.statSync(path.join(dir, n)).isFile())
        .sort();
    for (const name of names) {
        if (!packageFileName.test(name)) throw new Error(`the AD package file name ${JSON.stringify(name)} is not a plain ASCII file name`);
        if (reservedNames.has(name)) throw new Error(`the AD package may not hold ${name}: the step writes the payload under that name`);
    }
    if (!names.includes("cli.py")) throw new Error(`the AD package ${dir} has no cli.py`);
    return names.map((name) => {
        const content = fs.readFileSync(path.join(dir, name));
        return { name, content: name.endsWith(".py") ? Buffer.from(withoutCommentLines(content.toString("utf8")), "utf8") : content };
    });
}

const tripleQuotes = ['"""', "'''"];

/**
 * Python source without its whole-line comments (a `#` line outside a triple-quoted string): the
 * package rides in every document, whose 64 KB limit the comments would otherwise eat into. A
 * comment is not code, so Python parses both to the same tree (test/ad-host-documents.test.ts
 * compares them for every file of the package).
 */
export function withoutCommentLines(source: string): string {
    /** The triple quote of the string the current line is inside, if it is inside one. */
    let open: string | undefined;
    const kept: string[] = [];
    for (const line of source.split("\n")) {
        if (open === undefined && line.trimStart().startsWith("#")) continue;
        kept.push(line);
        for (let at = 0; ;) {
            const hits = (open ? [open] : tripleQuotes).map((quote) => ({ quote, index: line.indexOf(quote, at) })).filter((h) => h.index >= 0);
            if (hits.length === 0) break;
            const first = hits.reduce((a, b) => (b.index < a.index ? b : a));
            open = open ? undefined : first.quote;
            at = first.index + first.quote.length;
        }
    }
    return kept.join("\n");
}

/** One ustar header field: ASCII text or an octal number, NUL-padded to its width. */
function field(header: Buffer, offset: number, width: number, value: string): void {
    if (Buffer.byteLength(value, "ascii") >= width) throw new Error(`tar header field ${JSON.stringify(value)} is too long`);
    header.write(value, offset, width, "ascii");
}

const octal = (n: number, width: number) => n.toString(8).padStart(width - 1, "0");

/** RFC 1952's gzip header OS value "unknown". */
const gzipUnknownOs = 255;

/**
 * A POSIX ustar archive of plain files at its top level, byte for byte the same for the same
 * files: owner root, mode 0600, time 0 (the step extracts with --no-same-owner and -m, so
 * neither matters on the host). gzip level 9, header time 0, header OS 255 ("unknown"). The
 * deflate bytes are Node's bundled zlib's (docs/active-directory.md says when they can differ).
 */
export function packageArchive(files: readonly PackageFile[]): Buffer {
    const blocks: Buffer[] = [];
    for (const file of files) {
        if (!packageFileName.test(file.name)) throw new Error(`cannot archive ${JSON.stringify(file.name)}`);
        const header = Buffer.alloc(512);
        field(header, 0, 100, file.name);
        field(header, 100, 8, octal(0o600, 8));
        field(header, 108, 8, octal(0, 8));
        field(header, 116, 8, octal(0, 8));
        field(header, 124, 12, octal(file.content.length, 12));
        field(header, 136, 12, octal(0, 12));
        header.fill(" ", 148, 156);
        header.write("0", 156, "ascii");
        header.write("ustar\u000000", 257, "ascii");
        let sum = 0;
        for (const byte of header) sum += byte;
        field(header, 148, 8, octal(sum, 7));
        blocks.push(header, file.content, Buffer.alloc((512 - (file.content.length % 512)) % 512));
    }
    blocks.push(Buffer.alloc(1024));
    const gzip = gzipSync(Buffer.concat(blocks), { level: 9 });
    // Byte 9 of the gzip header is the OS zlib was compiled for (3 on Linux, other values on
    // Windows and macOS builds): fixed, so a deploy from any OS renders the same document. zlib
    // sets no header CRC (FHCRC), so nothing else covers the byte.
    if (gzip[3] !== 0) throw new Error(`zlib wrote gzip header flags ${gzip[3]}: the package archive expects none`);
    gzip[9] = gzipUnknownOs;
    return gzip;
}

const base64Literal = /^[A-Za-z0-9+/]*={0,2}$/;

/** The step script with the two base64 literals put in; refuses anything that is not base64. */
export function renderHostStep(packageBase64: string, payloadBase64: string, template: string = fs.readFileSync(hostStepScriptPath, "utf8")): string {
    for (const [name, value] of [
        ["package", packageBase64],
        ["payload", payloadBase64],
    ]) {
        if (value.length === 0 || value.length % 4 !== 0 || !base64Literal.test(value)) throw new Error(`the ${name} literal is not base64`);
    }
    for (const marker of [packageMarker, payloadMarker]) {
        const uses = template.split(marker).length - 1;
        if (uses !== 1) throw new Error(`${hostStepScriptPath} must use ${marker} exactly once (found ${uses})`);
    }
    const script = template.replace(packageMarker, packageBase64).replace(payloadMarker, payloadBase64);
    // SSM replaces {{ name }} in a command's text before the shell sees it: none may be there.
    if (script.includes("{{")) throw new Error(`${hostStepScriptPath} contains "{{", which SSM would interpolate`);
    return script;
}

const nodeOperations: readonly AdPayload["operation"][] = ["node-join", "node-cleanup"];
/** Operations whose values arrive as document parameters: each takes exactly these. */
const parameterisedOperations: readonly AdPayload["operation"][] = [...nodeOperations, "rotate"];

export interface AdCommandDocumentArgs {
    description: string;
    payload: AdPayload;
    /**
     * Node and rotation documents: the SSM parameters the document takes, by name from
     * nodeParameters or rotationParameters (the Python reads each from $SSM_<name>). Required for
     * node operations and rotation, refused for provision.
     */
    parameters?: readonly (NodeParameterName | RotationParameterName)[];
    /** Tests: another package directory. */
    packageDir?: string;
}

/** An SSM Command document (schema 2.2) that runs the AD package on the Linux management host. */
export function adCommandDocument(args: AdCommandDocumentArgs): string {
    const { payload } = args;
    const isParameterised = parameterisedOperations.includes(payload.operation);
    if (!isParameterised && payload.operation !== "provision")
        throw new Error(`AdPayload.operation ${JSON.stringify(payload.operation)} is not provision, node-join, node-cleanup or rotate`);
    const parameters = args.parameters ?? [];
    if (isParameterised !== parameters.length > 0) {
        throw new Error(
            `AdPayload.operation ${payload.operation} ${isParameterised ? "needs" : "takes no"} parameters: a node's or a rotation's values reach the host only as document parameters, and provisioning has none`,
        );
    }
    // Each operation takes only its own parameters: a node's values never reach a rotation, nor the reverse.
    const allowed: readonly string[] = payload.operation === "provision" ? [] : operationParameters[payload.operation];
    for (const [index, name] of parameters.entries()) {
        if (!allowed.includes(name)) throw new Error(`parameters: ${JSON.stringify(name)} is not one of ${allowed.join(", ")}`);
        if (parameters.indexOf(name) !== index) throw new Error(`parameters: ${name} is listed twice`);
    }
    const packageBase64 = packageArchive(readAdPackage(args.packageDir)).toString("base64");
    const payloadBase64 = Buffer.from(JSON.stringify(payload), "utf8").toString("base64");
    const script = renderHostStep(packageBase64, payloadBase64);
    const content = JSON.stringify(
        {
            schemaVersion: "2.2",
            description: args.description,
            // ENV_VAR: SSM Agent 3.3.2746.0 and later set SSM_<name>; the step never uses {{ name }}.
            ...(isParameterised
                ? {
                      parameters: Object.fromEntries(
                          parameters.map((name) => [name, { type: "String", ...documentParameters[name], interpolationType: "ENV_VAR" }]),
                      ),
                  }
                : {}),
            mainSteps: [
                {
                    action: "aws:runShellScript",
                    name: "run",
                    precondition: { StringEquals: ["platformType", "Linux"] },
                    inputs: { runCommand: script.replace(/\n$/, "").split("\n"), timeoutSeconds: "900" },
                },
            ],
        },
        null,
        2,
    );
    const size = Buffer.byteLength(content, "utf8");
    if (size > commandDocumentSizeLimit) {
        throw new Error(
            `the SSM document "${args.description}" is ${size} bytes; SSM accepts at most 64 KB (checked against ${commandDocumentSizeLimit}): shrink components/scripts/ad`,
        );
    }
    return content;
}

/**
 * The portable identity's rotation document: a fixed payload (the directory, the readers' group,
 * the gMSAs, both identities and their secret) and the two parameters the rotation function sends.
 */
export function rotationDocument(description: string, payload: AdPayload & { operation: "rotate" }, packageDir?: string): string {
    if (!payload.identity?.alternateUsername) throw new Error("a rotation payload names the portable identity and its alternate (identity.alternateUsername)");
    return adCommandDocument({ description, payload, parameters: operationParameters.rotate, ...(packageDir ? { packageDir } : {}) });
}

/** The payload a rendered document carries (for tests and reviews of a plan): its base64 literal, decoded. */
export function documentPayload(content: string): AdPayload {
    const lines: string[] = JSON.parse(content).mainSteps[0].inputs.runCommand;
    const literal = lines.map((l) => /^payload_base64='([A-Za-z0-9+/]*={0,2})'$/.exec(l)?.[1]).find((v) => v !== undefined);
    if (literal === undefined) throw new Error("the document carries no payload_base64 literal");
    return JSON.parse(Buffer.from(literal, "base64").toString("utf8")) as AdPayload;
}

/** What a successful run reports: the domain facts every credential spec names, what it changed, and the chain check. */
export interface AdRunResult {
    domain: DomainFacts;
    changes: string[];
    /** The whole-chain check's result, when the payload asked for it. */
    chain?: unknown;
}

/** The last result line of a run's output. Errors quote at most the line's start: the output is secret. */
export function parseAdResult(stdout: string, expectChain = false): AdRunResult {
    const line = stdout
        .split(/\r?\n/)
        .reverse()
        .find((l) => l.startsWith(resultMarker));
    if (!line) throw new Error(`the AD run on the management host printed no ${resultMarker.trim()} line`);
    let r: Partial<ReportedDomainFacts & { changes: unknown; chain: unknown }>;
    try {
        r = JSON.parse(line.slice(resultMarker.length)) as typeof r;
    } catch {
        throw new Error(`the AD run's ${resultMarker.trim()} line is not JSON`);
    }
    if (typeof r !== "object" || r === null || Array.isArray(r)) throw new Error(`the AD run's ${resultMarker.trim()} line is not a JSON object`);
    const domain = domainFactsFromReport(r);
    const changesOk = r.changes === undefined || (Array.isArray(r.changes) && r.changes.every((c) => typeof c === "string"));
    if (!domain || !changesOk) throw new Error(`the AD run reported malformed domain facts (keys: ${Object.keys(r).join(", ")})`);
    if (expectChain && r.chain === undefined) throw new Error(`the AD run was asked to verify the chain but its ${resultMarker.trim()} line has no "chain"`);
    return {
        domain,
        changes: (r.changes as string[] | undefined) ?? [],
        ...(r.chain !== undefined ? { chain: r.chain } : {}),
    };
}
