// Helpers for the tests that execute components/scripts/ad/cli.py against a Samba DC
// (test/support/samba.ts): run the CLI as a user would, and read or arrange the DC's state with
// Samba's own tools on its sam.ldb (as the system, independent of the code under test).
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { SambaDomain } from "./samba";

export const projectRoot = path.resolve(__dirname, "..", "..");
export const cliPy = path.join(projectRoot, "components", "scripts", "ad", "cli.py");
/** The Python with Samba's bindings (the pyenv python3 on PATH has none). */
export const python = "/usr/bin/python3";

export interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
    ms: number;
}

/** Runs a program with extra environment; stdin closed; killed after timeoutMs. */
export function run(file: string, args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 90_000): Promise<Run> {
    const started = Date.now();
    return new Promise((resolve) => {
        const merged: NodeJS.ProcessEnv = { ...process.env };
        for (const k of Object.keys(merged)) if (k.startsWith("KRB5") || k.startsWith("AD_") || k.startsWith("SSM_") || k.startsWith("AWS_")) delete merged[k];
        for (const [k, v] of Object.entries(env))
            if (v === undefined) delete merged[k];
            else merged[k] = v;
        const child = spawn(file, args, { cwd: projectRoot, env: merged, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "",
            stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.on("close", (status) => {
            clearTimeout(timer);
            resolve({ status, stdout, stderr, ms: Date.now() - started });
        });
    });
}

/** `cli.py <args>` with the given environment (AD_PASSWORD, AD_IDENTITY_PASSWORD, ...). */
export function cli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs?: number): Promise<Run> {
    return run(python, [cliPy, ...args], env, timeoutMs);
}

/** --url and --user for the DC's delegated Admin (not a Domain Admin), and its password. */
export function asAdmin(dc: SambaDomain): { args: string[]; env: Record<string, string> } {
    return { args: ["--url", dc.url, "--user", dc.delegatedAdmin.user], env: { AD_PASSWORD: dc.delegatedAdmin.password } };
}

function exec(file: string, args: string[], input?: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = execFile(file, args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, LC_ALL: "C" } }, (err, stdout, stderr) => {
            if (err) reject(new Error(`${file} ${args.join(" ")}: ${err.message}\n${stderr}`));
            else resolve(String(stdout));
        });
        if (input !== undefined) child.stdin!.end(input);
    });
}

export type Entry = Record<string, string[]> & { dn: string[] };

/** The DC's own records (ldbsearch on sam.ldb as the system), attribute names lower-cased. */
export async function search(dc: SambaDomain, filter: string, attrs: string[] = [], base = dc.baseDn): Promise<Entry[]> {
    const ldif = await exec("ldbsearch", ["-H", path.join(dc.baseDir, "private", "sam.ldb"), "-b", base, "-s", "sub", filter, ...attrs]);
    const entries: Entry[] = [];
    let current: Entry | undefined;
    for (const line of ldif.replace(/\r?\n /g, "").split(/\r?\n/)) {
        if (line.startsWith("#")) continue;
        if (line.trim() === "") {
            current = undefined;
            continue;
        }
        const m = /^([^:]+)(::?) ?(.*)$/.exec(line);
        if (!m) continue;
        const value = m[2] === "::" ? Buffer.from(m[3], "base64").toString("latin1") : m[3];
        if (m[1] === "dn") {
            current = { dn: [value] } as Entry;
            entries.push(current);
        } else if (current) {
            (current[m[1].toLowerCase()] ??= []).push(value);
        }
    }
    return entries;
}

/** The one object with this sAMAccountName, or undefined. */
export async function account(dc: SambaDomain, samAccountName: string, attrs: string[] = []): Promise<Entry | undefined> {
    const found = await search(dc, `(sAMAccountName=${samAccountName})`, ["sAMAccountName", "description", "info", ...attrs]);
    return found[0];
}

/** Applies LDIF to sam.ldb as the system: what a Domain Admin arranges before a test. */
export async function asSystem(dc: SambaDomain, ldif: string): Promise<void> {
    await exec("ldbmodify", ["-H", path.join(dc.baseDir, "private", "sam.ldb")], ldif);
}

/** Adds a user as the system (not marked by eks-gmsa); returns its DN. */
export async function addUser(dc: SambaDomain, name: string, password: string, ou = dc.usersOuDn): Promise<string> {
    await dc.sambaTool(
        "user",
        "add",
        name,
        password,
        `--userou=${ou.slice(0, ou.length - dc.baseDn.length - 1)}`,
        "-H",
        path.join(dc.baseDir, "private", "sam.ldb"),
    );
    return `CN=${name},${ou}`;
}

/** Whether MIT kinit gets a TGT for name@REALM with this password from the DC's KDC. */
export async function canLogOn(dc: SambaDomain, name: string, password: string): Promise<boolean> {
    const dir = mkdtempSync(path.join(os.tmpdir(), "adcli-kinit-"));
    try {
        const r = await new Promise<number | null>((resolve) => {
            const child = spawn("kinit", [`${name}@${dc.realm}`], {
                env: { ...process.env, KRB5_CONFIG: dc.krb5ConfFile, KRB5CCNAME: `FILE:${path.join(dir, "cc")}`, LC_ALL: "C" },
                stdio: ["pipe", "ignore", "ignore"],
            });
            const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
            child.on("close", (code) => {
                clearTimeout(timer);
                resolve(code);
            });
            child.stdin.end(`${password}\n`);
        });
        return r === 0;
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

/** The eks-gmsa owner mark a created object carries (its description). */
export function markOf(owner: string): string {
    return `eks-gmsa-owner: ${owner}`;
}

/**
 * A test/support Python script with Samba's Python: the request as JSON on stdin (passwords never
 * in argv), one JSON line out. Its shape is the script's: each caller reads the fields its request
 * makes the script print, so the result stays untyped rather than restating every script in TS.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function supportPython(script: string, request: Record<string, unknown>): Promise<any> {
    return JSON.parse(await exec(python, [path.join(__dirname, script)], JSON.stringify(request)));
}

/** test/support/ad_arrange.py: directory state arranged or read independently of the code under test. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ad_arrange.py's JSON, as supportPython's
export function arrange(request: Record<string, unknown>): Promise<any> {
    return supportPython("ad_arrange.py", request);
}
