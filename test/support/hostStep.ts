// Runs a management-host SSM Command document (components/directoryDocuments.ts) the way the SSM
// agent runs an aws:runShellScript step: its runCommand lines joined with newlines into an
// executable file, started with `sh -c <file>` (amazon-ssm-agent runshellscript.go and
// runscript.go), with stand-in dpkg-query and apt-get first on PATH (nothing here installs
// anything). Shared by test/ad-host-documents.test.ts (a stand-in package) and
// test/ad-host-documents-dc.test.ts (the real package against a Samba DC).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resultMarker } from "../../components/directoryDocuments";

/** A private scratch directory for one test file; the file removes it in its after(). */
export function makeScratch(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Every Ubuntu package the host step checks for: by default all are already installed. */
const everyPackage = ["python3-samba", "samba-dsdb-modules", "python3-boto3", "krb5-user", "smbclient"];

/** Stand-ins for dpkg-query and apt-get: installed packages from a file, apt-get calls logged. */
function fakeTools(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
        path.join(dir, "dpkg-query"),
        `#!/bin/bash
# dpkg-query -W -f=<format> <package>
package=\${*: -1}
if grep -qx "$package" "$FAKE_INSTALLED"; then echo "install ok installed"; else echo "dpkg-query: no packages found matching $package" >&2; exit 1; fi
`,
        { mode: 0o755 },
    );
    fs.writeFileSync(
        path.join(dir, "apt-get"),
        `#!/bin/bash
echo "DEBIAN_FRONTEND=$DEBIAN_FRONTEND $*" >> "$FAKE_APT_LOG"
if [ -n "$FAKE_APT_FAIL" ]; then echo "Reading package lists..."; echo "$FAKE_APT_FAIL" >&2; exit 100; fi
case " $* " in *" install "*) for p in "$@"; do case "$p" in -*|install) ;; *) echo "$p" >> "$FAKE_INSTALLED" ;; esac; done ;; esac
echo "Done"
`,
        { mode: 0o755 },
    );
}

export interface StepRun {
    status: number | null;
    stdout: string;
    stderr: string;
    aptCalls: string[];
}

/**
 * Runs a document's runCommand as the SSM agent does, with stand-in dpkg-query and apt-get first
 * on PATH; each run gets a directory of its own under `scratch`.
 */
export function runDocument(scratch: string, document: string, opts: { installed?: string[]; aptFail?: string; env?: Record<string, string> } = {}): StepRun {
    const command = documentCommand(scratch, document, opts);
    const run = spawnSync(command.argv[0], command.argv.slice(1), { encoding: "utf8", env: command.env, timeout: 60_000 });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr, aptCalls: command.aptCalls() };
}

/**
 * The command that runs a document's step as the SSM agent does (runDocument's, not yet run), for a
 * caller that runs it itself: the rotation function's local host runner runs it once per step with
 * SSM_Step and SSM_VersionId added to this environment.
 */
export function documentCommand(
    scratch: string,
    document: string,
    opts: { installed?: string[]; aptFail?: string; env?: Record<string, string> } = {},
): { argv: string[]; env: Record<string, string>; aptCalls: () => string[] } {
    const dir = fs.mkdtempSync(path.join(scratch, "run-"));
    const bin = path.join(dir, "bin");
    fakeTools(bin);
    const installed = path.join(dir, "installed");
    fs.writeFileSync(installed, (opts.installed ?? everyPackage).map((p) => `${p}\n`).join(""));
    const aptLog = path.join(dir, "apt.log");
    fs.writeFileSync(aptLog, "");
    const doc = JSON.parse(document);
    const script = path.join(dir, "_script.sh");
    fs.writeFileSync(script, `${doc.mainSteps[0].inputs.runCommand.join("\n")}\n`, { mode: 0o700 });
    return {
        argv: ["sh", "-c", script],
        env: { PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin`, FAKE_INSTALLED: installed, FAKE_APT_LOG: aptLog, FAKE_APT_FAIL: opts.aptFail ?? "", ...opts.env },
        aptCalls: () => fs.readFileSync(aptLog, "utf8").split("\n").filter(Boolean),
    };
}

/** The JSON of a successful run's last line, the result line (its marker cut off). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the stand-in cli.py's JSON: each test reads the fields it made it print
export function reported(run: StepRun): any {
    assert.equal(run.status, 0, run.stderr);
    return JSON.parse(run.stdout.trimEnd().split("\n").pop()!.slice(resultMarker.length));
}
