// The management host's SSM Command documents (components/directoryDocuments.ts) with a stand-in
// package that reports what it received, each run the way the SSM agent runs an
// aws:runShellScript step (test/support/hostStep.ts: the runCommand lines in an executable file
// started with `sh -c`, stand-in dpkg-query and apt-get first on PATH): the host step itself,
// rendering, the real package's size and file list, and reading the result line. The real package
// run against a Samba DC is in test/ad-host-documents-dc.test.ts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import {
    adCommandDocument,
    documentPayload,
    hostStepScriptPath,
    nodeOperationParameters,
    packageArchive,
    packageMarker,
    parseAdResult,
    payloadMarker,
    readAdPackage,
    renderHostStep,
    resultMarker,
    rotationDocument,
    rotationParameters,
    withoutCommentLines,
    type AdPayload,
} from "../components/directoryDocuments";
import { provisionPayload } from "./support/fixtures";
import { makeScratch, reported, runDocument } from "./support/hostStep";
import type { SsmParameter } from "./support/ssmDocument";

const scratch = makeScratch("ad-host-documents-");
const rotationParametersText = { Step: rotationParameters.Step.description, VersionId: rotationParameters.VersionId.description };
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const payload = provisionPayload;

/**
 * A stand-in for the Python package: cli.py reports, as its result line, its arguments, the
 * payload file's bytes, a digest of every file next to it, its environment and its directory's
 * mode. Like host.py it writes progress, then the result or one `eks-gmsa: ...` failure line, to
 * stdout. Owner "fail": a failed run (with noise on stderr); "crash": it dies before printing a
 * failure line; "chatty": thousands of progress lines before the result.
 */
const standInCli = `import hashlib, json, os, stat, sys
here = os.path.dirname(os.path.abspath(__file__))
args = sys.argv[1:]
with open(args[2], "rb") as f:
    raw = f.read()
files = {}
for name in sorted(os.listdir(here)):
    with open(os.path.join(here, name), "rb") as f:
        files[name] = hashlib.sha256(f.read()).hexdigest()
payload = json.loads(raw)
print("progress: connected")
if payload["owner"] == "fail":
    sys.stderr.write("WARNING: library noise password=Hunter2-Secret\\n")
    print("eks-gmsa: payload: readersGroup 'Domain Computers' is a built-in group; choose a group of your own")
    print("progress after the failure line")
    sys.exit(1)
if payload["owner"] == "crash":
    sys.stderr.write("Traceback (most recent call last):\\n  File cli.py\\nModuleNotFoundError: No module named 'samba'\\n\\n")
    sys.exit(1)
if payload["owner"] == "chatty":
    for i in range(3000):
        print("progress line %04d %s" % (i, "x" * 30))
print("${resultMarker}" + json.dumps({
    "args": args, "payload": raw.decode("utf-8"), "files": files, "here": here,
    "mode": oct(stat.S_IMODE(os.stat(here).st_mode)), "computerName": os.environ.get("SSM_ComputerName"),
    "tmpdir": os.environ.get("TMPDIR"), "tmpmode": oct(stat.S_IMODE(os.stat(os.environ["TMPDIR"]).st_mode)),
    "krb5ccname": os.environ.get("KRB5CCNAME"),
}))
`;

/** Package files with content no shell may see: quotes, command substitution, braces, binary. */
function writeStandInPackage(dir: string): Record<string, Buffer> {
    fs.mkdirSync(dir, { recursive: true });
    const files: Record<string, Buffer> = {
        "cli.py": Buffer.from(standInCli),
        "names.py": Buffer.from(
            "# a comment line, left out\nNOT_CODE = \"'$(touch /tmp/never)' `id` {{ ComputerName }} \u2019 ${IFS}\"\nBUILT_IN = ['Domain Computers']\n",
        ),
        "well-known-names.json": Buffer.from(JSON.stringify({ reserved: ["Administrator", "krbtgt"], note: "é ü \u2018x\u2019" })),
        "empty.py": Buffer.alloc(0),
        "block.json": Buffer.alloc(512, 0x41),
        "blob.json": randomBytes(3000),
    };
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
    // Not shipped: neither other file types nor directories.
    fs.writeFileSync(path.join(dir, "README.md"), "not shipped");
    fs.mkdirSync(path.join(dir, "__pycache__"), { recursive: true });
    fs.writeFileSync(path.join(dir, "__pycache__", "cli.cpython-312.pyc"), "not shipped");
    return files;
}

const standInDir = path.join(scratch, "package");
const standInFiles = writeStandInPackage(standInDir);
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

const provisionDocument = (p: AdPayload = payload) => adCommandDocument({ description: "test", payload: p, packageDir: standInDir });
const nodeDocument = (operation: "node-join" | "node-cleanup") =>
    adCommandDocument({
        description: "test",
        payload: { ...payload, operation, joinOu: "OU=EKS,OU=CORP,DC=corp,DC=example,DC=com" },
        parameters: nodeOperationParameters[operation],
        packageDir: standInDir,
    });

describe("the host step (components/scripts/ad-host-step.sh)", () => {
    test("passes shellcheck", () => {
        const lint = spawnSync("shellcheck", [hostStepScriptPath], { encoding: "utf8" });
        assert.ok(!lint.error, "shellcheck is missing: apt-get install -y shellcheck (test/run-all.sh installs it)");
        assert.equal(lint.status, 0, lint.stdout);
    });

    test("runs cli.py host with the payload, both written byte for byte to fresh private directories that are gone afterwards", () => {
        const r = reported(runDocument(scratch, provisionDocument()));
        assert.deepEqual(r.args.slice(0, 2), ["host", "--payload-file"]);
        assert.equal(r.args[2], path.join(r.here, "payload.json"));
        assert.equal(r.payload, JSON.stringify(payload));
        // Python files ship without their whole-line comments (withoutCommentLines), the rest byte for byte.
        const shipped = Object.fromEntries(
            Object.entries(standInFiles).map(([name, content]) => [
                name,
                sha256(name.endsWith(".py") ? Buffer.from(withoutCommentLines(content.toString("utf8"))) : content),
            ]),
        );
        assert.deepEqual(r.files, { ...shipped, "payload.json": sha256(Buffer.from(JSON.stringify(payload))) }, "every *.py and *.json file, nothing else");
        assert.equal(r.mode, "0o700");
        // The Python's temporary files and any Kerberos ticket cache go to a second private directory.
        assert.notEqual(r.tmpdir, r.here);
        assert.equal(r.tmpmode, "0o700");
        assert.equal(r.krb5ccname, `FILE:${r.tmpdir}/krb5cc`);
        assert.ok(!fs.existsSync(r.here) && !fs.existsSync(r.tmpdir), "both directories are removed on exit");
    });

    test("a payload value full of shell syntax is data: it arrives unchanged and runs nothing", () => {
        const marker = path.join(scratch, "pwned");
        const hostile = `x'$(touch ${marker})\`touch ${marker}\`"; touch ${marker}; echo \u2019$(touch ${marker})\u2019 {{ ComputerName }} \${IFS}\n$(touch ${marker})`;
        const p: AdPayload = {
            ...payload,
            readersGroup: hostile,
            accountsOu: hostile,
            identity: { username: hostile, secretArn: hostile },
            owner: `o'; touch ${marker}`,
        };
        const document = provisionDocument(p);
        const r = reported(runDocument(scratch, document));
        assert.equal(r.payload, JSON.stringify(p));
        assert.deepEqual(JSON.parse(r.payload), p);
        assert.deepEqual(documentPayload(document), p, "documentPayload (what plan reviews read) reads what the step hands the Python");
        assert.ok(!fs.existsSync(marker), "a command in the payload ran");
    });

    test("node documents hand the computer name to the Python as SSM_ComputerName", () => {
        const r = reported(runDocument(scratch, nodeDocument("node-join"), { env: { SSM_ComputerName: "EC2AMAZ-4F2KQ1B" } }));
        assert.equal(r.computerName, "EC2AMAZ-4F2KQ1B");
        assert.equal(JSON.parse(r.payload).operation, "node-join");
    });

    test("a failed run exits with the Python's status; its stderr is the one failure line, nothing of the Python's own stderr", () => {
        const run = runDocument(scratch, provisionDocument({ ...payload, owner: "fail" }));
        assert.equal(run.status, 1);
        assert.equal(run.stderr, "eks-gmsa: payload: readersGroup 'Domain Computers' is a built-in group; choose a group of your own\n");
        assert.ok(run.stdout.startsWith("progress: connected\n"), "the progress stays in the run's output");
        const crashed = runDocument(scratch, provisionDocument({ ...payload, owner: "crash" }));
        assert.equal(crashed.status, 1);
        assert.equal(crashed.stderr, "ModuleNotFoundError: No module named 'samba'\n", "no failure line: the last line of its stderr");
    });

    test("a long run's progress is cut so the result line stays within the 24,000 characters Systems Manager returns", () => {
        const run = runDocument(scratch, provisionDocument({ ...payload, owner: "chatty" }));
        assert.equal(run.status, 0, run.stderr);
        assert.ok(run.stdout.length <= 24_000, `${run.stdout.length} characters`);
        assert.ok(run.stdout.startsWith("progress: connected\nprogress line 0000 "));
        assert.equal(JSON.parse(reported(run).payload).owner, "chatty", "the result line is the last, whole");
    });

    test("missing Ubuntu packages are installed, non-interactively and waiting for apt's lock; present ones are not", () => {
        const run = runDocument(scratch, provisionDocument(), { installed: ["python3-samba", "smbclient"] });
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(run.aptCalls, [
            "DEBIAN_FRONTEND=noninteractive -q -o DPkg::Lock::Timeout=600 update",
            "DEBIAN_FRONTEND=noninteractive -q -y -o DPkg::Lock::Timeout=600 install --no-install-recommends samba-dsdb-modules python3-boto3 krb5-user",
        ]);
        assert.equal(run.stderr, "eks-gmsa-host: installing samba-dsdb-modules python3-boto3 krb5-user from the Ubuntu archive\n");
        assert.ok(!run.stdout.includes("Done"), "apt's output stays out of the run's output");
        assert.deepEqual(runDocument(scratch, provisionDocument()).aptCalls, [], "nothing to install, no apt call");
    });

    test("when apt cannot reach the archive the run fails with one line: what, apt's last word, what to do", () => {
        const run = runDocument(scratch, provisionDocument(), {
            installed: ["python3-samba", "samba-dsdb-modules", "python3-boto3", "smbclient"],
            aptFail: "E: Failed to fetch http://us-west-2.ec2.archive.ubuntu.com/ubuntu/dists/noble/InRelease",
        });
        assert.equal(run.status, 1);
        assert.equal(run.stdout, "");
        assert.match(
            run.stderr,
            /^eks-gmsa-host: installing krb5-user from the Ubuntu archive\neks-gmsa-host: could not install krb5-user: E: Failed to fetch http:\/\/us-west-2\.ec2\.archive\.ubuntu\.com\/ubuntu\/dists\/noble\/InRelease \(the host needs a route to the Ubuntu archive: a NAT gateway or an HTTP proxy\)\n$/,
        );
    });
});

describe("rendering", () => {
    test("only base64 is put into the step, once per marker", () => {
        const template = fs.readFileSync(hostStepScriptPath, "utf8");
        assert.doesNotThrow(() => renderHostStep("QUJD", "e30=", template));
        for (const bad of ["", "QUJ", "a'b=", "$(id)", "QUJD\n", "QU JD", "{{x}}"]) {
            assert.throws(() => renderHostStep(bad, "e30=", template), /the package literal is not base64/, JSON.stringify(bad));
            assert.throws(() => renderHostStep("QUJD", bad, template), /the payload literal is not base64/, JSON.stringify(bad));
        }
        assert.throws(() => renderHostStep("QUJD", "e30=", template.replace(payloadMarker, "")), /must use @AD_PAYLOAD_BASE64@ exactly once \(found 0\)/);
        assert.throws(() => renderHostStep("QUJD", "e30=", `${template}\n# ${packageMarker}`), /must use @AD_PACKAGE_BASE64@ exactly once \(found 2\)/);
        assert.throws(() => renderHostStep("QUJD", "e30=", `${template}\necho "{{ ComputerName }}"`), /contains "\{\{", which SSM would interpolate/);
    });

    test("documents are Command documents (schema 2.2) with one shell step for Linux; node documents take the node's values as pattern-checked environment variables", () => {
        const provision = JSON.parse(provisionDocument());
        assert.equal(provision.schemaVersion, "2.2");
        assert.equal(provision.parameters, undefined);
        assert.equal(provision.mainSteps.length, 1);
        assert.equal(provision.mainSteps[0].action, "aws:runShellScript");
        assert.deepEqual(provision.mainSteps[0].precondition, { StringEquals: ["platformType", "Linux"] });
        const expected = { "node-join": ["ComputerName", "InstanceId", "CreatedAfter"], "node-cleanup": ["InstanceId"] };
        for (const operation of ["node-join", "node-cleanup"] as const) {
            const doc = JSON.parse(nodeDocument(operation));
            assert.deepEqual(Object.keys(doc.parameters), expected[operation], operation);
            for (const [name, parameter] of Object.entries<SsmParameter>(doc.parameters)) {
                assert.deepEqual([parameter.type, parameter.interpolationType, parameter.default], ["String", "ENV_VAR", undefined], name);
                assert.ok(parameter.description.length > 0, `${name} says what it is`);
            }
            const instance = new RegExp(doc.parameters.InstanceId.allowedPattern);
            assert.ok(instance.test("i-0a1b2c3d4e5f60718"));
            for (const bad of ["i-0A1B2C3D", "$(id)", "i-0a1b2c3d; id"]) assert.ok(!instance.test(bad), bad);
            assert.ok(!doc.mainSteps[0].inputs.runCommand.join("\n").includes("{{"), "no parameter is interpolated into the commands");
        }
        const computer = new RegExp(JSON.parse(nodeDocument("node-join")).parameters.ComputerName.allowedPattern);
        for (const good of ["EC2AMAZ-4F2KQ1B", "web-1"]) assert.ok(computer.test(good), good);
        for (const bad of ["EC2AMAZ-4F2KQ1BXX", "x'; rm -rf /", "a b", "", "$(id)", "n\u2019"]) assert.ok(!computer.test(bad), bad);
    });

    test("parameters go with node operations only, each a known name, once", () => {
        const join = { ...payload, operation: "node-join" as const };
        assert.throws(() => adCommandDocument({ description: "d", payload: join, packageDir: standInDir }), /AdPayload\.operation node-join needs parameters/);
        assert.throws(
            () => adCommandDocument({ description: "d", payload: join, parameters: [], packageDir: standInDir }),
            /AdPayload\.operation node-join needs parameters/,
        );
        assert.throws(
            () => adCommandDocument({ description: "d", payload, parameters: ["InstanceId"], packageDir: standInDir }),
            /AdPayload\.operation provision takes no parameters/,
        );
        assert.throws(
            () => adCommandDocument({ description: "d", payload: join, parameters: ["InstanceId", "Script" as never], packageDir: standInDir }),
            /parameters: "Script" is not one of ComputerName, InstanceId, CreatedAfter/,
        );
        assert.throws(
            () => adCommandDocument({ description: "d", payload: join, parameters: ["InstanceId", "InstanceId"], packageDir: standInDir }),
            /parameters: InstanceId is listed twice/,
        );
        assert.deepEqual(
            Object.keys(JSON.parse(adCommandDocument({ description: "d", payload: join, parameters: ["CreatedAfter"], packageDir: standInDir })).parameters),
            ["CreatedAfter"],
            "only what is asked for",
        );
        const rotate = { ...payload, operation: "rotate" as const, identity: { ...payload.identity!, alternateUsername: "gmsa-ccg-reader-b" } };
        assert.throws(
            () => adCommandDocument({ description: "d", payload: rotate, parameters: ["Step", "InstanceId"], packageDir: standInDir }),
            /parameters: "InstanceId" is not one of Step, VersionId/,
            "a rotation takes no node value",
        );
        assert.throws(
            () => adCommandDocument({ description: "d", payload: join, parameters: ["Step"], packageDir: standInDir }),
            /parameters: "Step" is not one of/,
        );
        assert.throws(
            () => rotationDocument("d", { ...rotate, identity: payload.identity! }, standInDir),
            /names the portable identity and its alternate/,
            "a rotation needs both users",
        );
        assert.deepEqual(JSON.parse(rotationDocument("d", rotate, standInDir)).parameters, {
            Step: { type: "String", description: rotationParametersText.Step, allowedValues: ["set", "test"], interpolationType: "ENV_VAR" },
            VersionId: { type: "String", description: rotationParametersText.VersionId, allowedPattern: "^[A-Za-z0-9-]{32,64}$", interpolationType: "ENV_VAR" },
        });
        assert.throws(
            () => adCommandDocument({ description: "d", payload: { ...payload, operation: "remove" as never }, packageDir: standInDir }),
            /AdPayload\.operation "remove" is not provision, node-join, node-cleanup or rotate/,
        );
    });

    test("the package must have cli.py, plain file names, and no payload.json of its own", () => {
        const dir = fs.mkdtempSync(path.join(scratch, "bad-package-"));
        fs.writeFileSync(path.join(dir, "names.py"), "");
        assert.throws(() => readAdPackage(dir), /has no cli\.py/);
        fs.writeFileSync(path.join(dir, "cli.py"), "");
        fs.writeFileSync(path.join(dir, "payload.json"), "{}");
        assert.throws(() => readAdPackage(dir), /may not hold payload\.json/);
        fs.rmSync(path.join(dir, "payload.json"));
        fs.writeFileSync(path.join(dir, "a b.py"), "");
        assert.throws(() => readAdPackage(dir), /"a b\.py" is not a plain ASCII file name/);
        assert.throws(() => readAdPackage(path.join(scratch, "nowhere")), /does not exist/);
    });

    test("the archive is what GNU tar reads back, byte for byte, with no time of rendering in it", () => {
        const files = readAdPackage(standInDir);
        const archive = packageArchive(files);
        // An unchanged package must not change the document on a later deploy: nothing of the time
        // of rendering is in the archive (gzip MTIME and every tar entry's mtime are 0).
        assert.equal(archive.readUInt32LE(4), 0, "gzip MTIME");
        const listing = spawnSync("tar", ["--utc", "-tvzf", "-"], { input: archive, encoding: "utf8" });
        assert.equal(listing.status, 0, listing.stderr);
        const listed = listing.stdout.trim().split("\n");
        assert.equal(listed.length, files.length);
        for (const line of listed) assert.match(line, / 1970-01-01 00:00 /, line);
        const out = fs.mkdtempSync(path.join(scratch, "untar-"));
        const untar = spawnSync("tar", ["-xzmf", "-", "--no-same-owner", "-C", out], { input: archive });
        assert.equal(untar.status, 0, String(untar.stderr));
        assert.equal(String(untar.stderr), "", "tar says nothing (no warnings about the headers)");
        assert.deepEqual(
            fs.readdirSync(out).sort(),
            files.map((f) => f.name),
        );
        for (const f of files) assert.ok(fs.readFileSync(path.join(out, f.name)).equals(f.content), f.name);
    });

    test("the gzip header names no time and no OS, so a deploy from Linux, Windows or macOS renders the same document", () => {
        const archive = packageArchive(readAdPackage(standInDir));
        // RFC 1952: ID1 ID2 CM FLG MTIME(4) XFL OS. zlib writes its compile-time OS (3 on Linux, 10 on Windows, 19 on macOS).
        assert.deepEqual([...archive.subarray(0, 4)], [0x1f, 0x8b, 8, 0], "gzip, deflate, no optional fields (no header CRC covers the OS byte)");
        assert.equal(archive.readUInt32LE(4), 0, "no modification time");
        assert.equal(archive[9], 255, "OS 255, unknown");
        const check = spawnSync("gzip", ["-t"], { input: archive });
        assert.equal(check.status, 0, `gzip -t refuses the archive: ${check.stderr}`);
        // The document carries that archive: the step's package literal starts with the same header.
        const lines: string[] = JSON.parse(provisionDocument()).mainSteps[0].inputs.runCommand;
        const literal = lines.map((l) => /^package_base64='([A-Za-z0-9+/]*={0,2})'$/.exec(l)?.[1]).find((v) => v !== undefined);
        assert.ok(literal, "the document carries a package_base64 literal");
        assert.ok(Buffer.from(literal, "base64").equals(archive));
    });

    test("a document over SSM's 64 KB limit is refused when rendered, naming its size", () => {
        const dir = fs.mkdtempSync(path.join(scratch, "big-package-"));
        fs.writeFileSync(path.join(dir, "cli.py"), "");
        fs.writeFileSync(path.join(dir, "big.json"), randomBytes(60_000)); // does not compress
        assert.throws(
            () => adCommandDocument({ description: "big", payload, packageDir: dir }),
            /the SSM document "big" is \d{5,} bytes; SSM accepts at most 64 KB \(checked against 64000\)/,
        );
    });
});

describe("the result line", () => {
    const facts = {
        dnsName: "corp.example.com",
        forestName: "corp.example.com",
        netbiosName: "CORP",
        domainSid: "s-1-5-21-1-2-3",
        domainGuid: "0E4D3E1A-6D2B-4C6E-9A2F-3F1C2B8E7D51",
    };

    test("the last result line wins; the SID is upper-cased and the GUID lower-cased; changes and chain come through", () => {
        const out = `progress\n${resultMarker}{"dnsName":"old"}\n${resultMarker}${JSON.stringify({ ...facts, changes: ["created group eks-gmsa-readers"], chain: { ok: true } })}\n`;
        const r = parseAdResult(out, true);
        assert.deepEqual(r.domain, {
            dnsName: "corp.example.com",
            forestName: "corp.example.com",
            netbiosName: "CORP",
            sid: "S-1-5-21-1-2-3",
            guid: "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51",
        });
        assert.deepEqual(r.changes, ["created group eks-gmsa-readers"]);
        assert.deepEqual(r.chain, { ok: true });
    });

    test("a missing line, bad JSON, malformed facts or a missing chain are errors that quote nothing of the output", () => {
        assert.throws(
            () => parseAdResult("password=Hunter2-Secret"),
            (e: Error) => /printed no EKS-GMSA-RESULT line/.test(e.message) && !e.message.includes("Hunter2"),
        );
        assert.throws(
            () => parseAdResult(`${resultMarker}{"password":"Hunter2-Secret"`),
            (e: Error) => /is not JSON/.test(e.message) && !e.message.includes("Hunter2"),
        );
        assert.throws(
            () => parseAdResult(`${resultMarker}${JSON.stringify({ ...facts, domainSid: "Hunter2-Secret" })}`),
            (e: Error) => /malformed domain facts/.test(e.message) && !e.message.includes("Hunter2"),
        );
        for (const notAnObject of ["null", '"Hunter2-Secret"', '["Hunter2-Secret"]']) {
            assert.throws(
                () => parseAdResult(`${resultMarker}${notAnObject}`),
                (e: Error) => /line is not a JSON object/.test(e.message) && !e.message.includes("Hunter2"),
                notAnObject,
            );
        }
        assert.throws(
            () => parseAdResult(`${resultMarker}${JSON.stringify(facts)}`, true),
            /asked to verify the chain but its EKS-GMSA-RESULT line has no "chain"/,
        );
        assert.deepEqual(parseAdResult(`${resultMarker}${JSON.stringify(facts)}`).changes, []);
    });
});
