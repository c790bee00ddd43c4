// Scripts the program ships to hosts (components/scripts/): every file is checked by its language's
// tool (shellcheck, pyflakes3, a PowerShell parser: test/support/powershellSyntax.ts says which and
// why no PowerShell linter runs here), and the PowerShell also as rendered.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import type { Node } from "web-tree-sitter";
import { scriptsDir } from "../components/scriptFiles";
import { renderWindowsUserData, type WindowsBootstrapArgs } from "../components/windowsUserData";
import { verificationScript } from "../components/workloadSpecs";
import { nodeScripts } from "../components/nodeLifecycleRunbooks";
import { formatProblems, parsePowerShell } from "./support/powershellSyntax";

const userDataArgs: WindowsBootstrapArgs = {
    clusterName: "eks-gmsa-dev",
    apiServerEndpoint: "https://ABCDEF.gr7.us-west-2.eks.amazonaws.com",
    certificateAuthority: "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t",
    serviceCidr: "172.20.0.0/16",
    dnsClusterIp: "172.20.0.10",
    labels: { app: "iis", "example.com/tier": "web" },
    taint: { key: "os", value: "windows", effect: "NoSchedule" },
};

/** The PowerShell between EC2's <powershell> tags. */
function userDataScript(args: WindowsBootstrapArgs): string {
    const userData = renderWindowsUserData(args);
    const match = /^<powershell>\n([\s\S]*)\n<\/powershell>\n$/.exec(userData);
    assert.ok(match, `not one <powershell> block:\n${userData}`);
    return match[1];
}

async function assertParses(name: string, source: string): Promise<Node> {
    const { tree, problems } = await parsePowerShell(source);
    assert.deepEqual(problems, [], `${formatProblems(name, problems)}\n--- ${name}:\n${source}`);
    return tree.rootNode;
}

/**
 * Every file under components/scripts/, relative to it, sorted. Python's bytecode caches are left
 * out: tests that run the AD package write them, git ignores them and no document ships them.
 */
function scriptFiles(dir = scriptsDir): string[] {
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => !(e.isDirectory() && e.name === "__pycache__"))
        .flatMap((e) => (e.isDirectory() ? scriptFiles(path.join(dir, e.name)).map((f) => path.join(e.name, f)) : [e.name]))
        .sort();
}

function lint(tool: string, file: string): string | undefined {
    const run = spawnSync(tool, [file], { encoding: "utf8" });
    assert.ok(!run.error, `${tool} is missing: apt-get install -y ${tool} (test/run-all.sh installs it)`);
    return run.status === 0 ? undefined : `${tool} ${file}:\n${run.stdout}${run.stderr}`;
}

describe("every script in components/scripts is checked by its language's tool", () => {
    test("bash by shellcheck, Python by pyflakes3, PowerShell by the parser, JSON by JSON.parse; nothing else is there", async () => {
        const findings: string[] = [];
        for (const file of scriptFiles()) {
            const full = path.join(scriptsDir, file);
            const ext = path.extname(file);
            if (ext === ".sh") findings.push(lint("shellcheck", full) ?? "");
            else if (ext === ".py") findings.push(lint("pyflakes3", full) ?? "");
            else if (ext === ".ps1") findings.push(formatProblems(file, (await parsePowerShell(fs.readFileSync(full, "utf8"))).problems));
            else if (ext === ".json") JSON.parse(fs.readFileSync(full, "utf8"));
            else findings.push(`${file}: no checker for ${ext || "a file without extension"} (add one here)`);
        }
        assert.deepEqual(findings.filter(Boolean), []);
    });
});

describe("PowerShell shipped to Windows hosts", () => {
    const files = fs.readdirSync(scriptsDir).filter((f) => f.endsWith(".ps1"));

    test("components/scripts has the .ps1 files the renderers and runbooks read", () => {
        for (const f of ["windows-node-user-data.ps1", "gmsa-verification.ps1", "node-wait-for-domain-join.ps1", "node-reboot-once.ps1"]) {
            assert.ok(files.includes(f), `${f} is not in ${scriptsDir}: ${files.join(", ")}`);
        }
    });

    test("every .ps1 file parses", async () => {
        for (const f of files) await assertParses(f, fs.readFileSync(path.join(scriptsDir, f), "utf8"));
    });

    test("the node documents' scripts parse as shipped", async () => {
        for (const [name, script] of Object.entries(nodeScripts)) await assertParses(name, script);
    });

    test("the rendered user data parses, with and without kubelet arguments", async () => {
        await assertParses("user data", userDataScript(userDataArgs));
        await assertParses("user data without labels and taint", userDataScript({ ...userDataArgs, labels: {}, taint: undefined }));
    });

    test("a cluster name with PowerShell metacharacters stays one string argument of the one command", async () => {
        const clusterName = 'x"; Stop-Computer; "$(Remove-Item C:\\)`';
        const root = await assertParses("user data", userDataScript({ ...userDataArgs, clusterName }));
        const commands = root.descendantsOfType("command").filter((c): c is Node => c !== null);
        assert.equal(commands.length, 1, `more than one command:\n${root.toString()}`);
        const elements = commands[0].childForFieldName("command_elements");
        assert.ok(elements, root.toString());
        const named = elements.namedChildren.filter((n): n is Node => n !== null && n.type !== "command_argument_sep");
        const at = named.findIndex((n) => n.type === "command_parameter" && n.text === "-EKSClusterName");
        assert.ok(at >= 0, elements.text);
        const argument = named[at + 1];
        assert.equal(argument.descendantsOfType("string_literal").length, 1, argument.toString());
        assert.equal(named[at + 2].text, "-APIServerEndpoint", "the cluster name ended early");
    });

    test("the rendered verification script parses", async () => {
        await assertParses("verification script", verificationScript("corp.example.com"));
    });

    test("the check finds a broken script", async () => {
        const { problems } = await parsePowerShell("if ($ready {\n    Write-Output 'joined'\n");
        assert.ok(problems.length > 0, "an unclosed if parsed without problems");
        assert.match(formatProblems("broken.ps1", problems), /^broken\.ps1:\d+:\d+: (missing|unexpected) /m);
    });
});
