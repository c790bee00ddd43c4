// The real AD package (components/scripts/ad) as the documents ship it: what it holds, that it
// ships without whole-line comments yet parses to the same code, that every document the stacks
// render (provisioning, node operations, rotation) stays under SSM's size limit with the most gMSAs
// a stack may have, and that the rotation document's parameter rules agree with the host's checks.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import {
    adCommandDocument,
    adPackageDir,
    commandDocumentSizeLimit,
    nodeOperationParameters,
    readAdPackage,
    rotationDocument,
    rotationParameters,
    withoutCommentLines,
    type AdPayload,
} from "../components/directoryDocuments";
import { provisionPayload } from "./support/fixtures";

const payload = provisionPayload;

describe("the real package (components/scripts/ad)", () => {
    test("every document the stacks render stays under SSM's 64 KB limit for Command documents", () => {
        const many: AdPayload = { ...payload, accounts: Array.from({ length: 50 }, (_, i) => `WebApp${String(i).padStart(2, "0")}`) };
        for (const doc of [
            adCommandDocument({
                description:
                    "eks-gmsa: create or correct the gMSA readers' group, the gMSAs and the portable identity of a-cluster-name, then check the whole chain",
                payload: many,
            }),
            adCommandDocument({ description: "node", payload: { ...payload, operation: "node-join" }, parameters: nodeOperationParameters["node-join"] }),
        ]) {
            const size = Buffer.byteLength(doc, "utf8");
            assert.ok(size <= commandDocumentSizeLimit, `${size} bytes`);
        }
    });

    test("every document stays under SSM's 64 KB limit with 100 gMSAs of 15 characters, the rotation document too", () => {
        const most: AdPayload = {
            ...payload,
            accounts: Array.from({ length: 100 }, (_, i) => `WebApplicat${String(i).padStart(4, "0")}`),
            identity: { ...payload.identity!, alternateUsername: "gmsa-ccg-reader-b" },
        };
        const provision = adCommandDocument({
            description:
                "eks-gmsa: create or correct the gMSA readers' group, the gMSAs and the portable identity of a-cluster-name, then check the whole chain",
            payload: most,
        });
        const rotate = rotationDocument("eks-gmsa: rotate the portable identity of a-cluster-name (one Secrets Manager rotation step)", {
            ...most,
            operation: "rotate",
        });
        for (const doc of [provision, rotate]) assert.ok(Buffer.byteLength(doc, "utf8") <= commandDocumentSizeLimit, `${Buffer.byteLength(doc, "utf8")} bytes`);
    });

    test("the package ships without whole-line comments, and Python reads every file to the same tree as on disk", () => {
        const shipped = readAdPackage().filter((f) => f.name.endsWith(".py"));
        const onDisk = shipped.map((f) => fs.readFileSync(path.join(adPackageDir, f.name), "utf8"));
        assert.ok(
            shipped.some((f, i) => f.content.length < Buffer.byteLength(onDisk[i])),
            "comments are left out",
        );
        // ast.dump has no comments: equal trees mean the same program, docstrings included.
        const compare = spawnSync(
            "python3",
            ["-c", "import ast, json, sys\nfor name, a, b in json.load(sys.stdin):\n    if ast.dump(ast.parse(a)) != ast.dump(ast.parse(b)): print(name)"],
            { input: JSON.stringify(shipped.map((f, i) => [f.name, onDisk[i], f.content.toString("utf8")])), encoding: "utf8" },
        );
        assert.equal(compare.status, 0, compare.stderr);
        assert.equal(compare.stdout, "", `files whose code changed: ${compare.stdout}`);
    });

    test("the rotation document's parameter rules (SSM checks them) and the host's own checks of $SSM_Step and $SSM_VersionId agree", () => {
        const samples = [
            "set",
            "test",
            "Set",
            "verify",
            "3f2c1a0e-8b7d-4c6e-9a5f-0d1e2f3a4b5c",
            "a".repeat(31),
            "a".repeat(32),
            "a".repeat(64),
            "a".repeat(65),
            `${"a".repeat(32)}_`,
            `${"a".repeat(32)} x`,
        ];
        const ssm = samples.map((v) => ({
            step: (rotationParameters.Step.allowedValues as readonly string[]).includes(v),
            version: new RegExp(rotationParameters.VersionId.allowedPattern).test(v),
        }));
        const host = spawnSync(
            "python3",
            [
                "-c",
                "import json, sys\nsys.path.insert(0, sys.argv[1])\nimport names\ndef ok(check, v):\n    try:\n        check('x', v)\n        return True\n    except names.BadName:\n        return False\nprint(json.dumps([{'step': ok(names.rotation_step, v), 'version': ok(names.version_id, v)} for v in json.load(sys.stdin)]))",
                adPackageDir,
            ],
            { input: JSON.stringify(samples), encoding: "utf8" },
        );
        assert.equal(host.status, 0, host.stderr);
        assert.deepEqual(JSON.parse(host.stdout), ssm);
        assert.ok(ssm.some((r) => r.version) && ssm.some((r) => !r.version), "the samples cover both answers");
    });

    test("a comment line inside a triple-quoted string is text, and stays", () => {
        const source = ["# gone", "x = 1  # stays", 'doc = """', "# kept: inside the string", '"""', "    # gone too", "y = '''one line'''", "# gone"].join(
            "\n",
        );
        assert.equal(withoutCommentLines(source), ["x = 1  # stays", 'doc = """', "# kept: inside the string", '"""', "y = '''one line'''"].join("\n"));
    });

    test("ships every *.py and *.json file of components/scripts/ad", () => {
        const onDisk = fs
            .readdirSync(adPackageDir)
            .filter((n) => /\.(py|json)$/.test(n))
            .sort();
        assert.deepEqual(
            readAdPackage().map((f) => f.name),
            onDisk,
        );
        assert.ok(onDisk.includes("cli.py"));
    });
});
