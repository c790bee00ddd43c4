// Runs the AD command line (components/scripts/ad/cli.py) and the Python helpers of the verify
// tests with the interpreter that has Samba's bindings, and makes the AD objects those tests need
// directly with samba-tool as the DC's own administrator (so the tests depend on nothing else of
// the AD code than the chain check they test).
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { SambaDomain } from "./samba";

const projectRoot = path.resolve(__dirname, "..", "..");
export const SAMBA_PYTHON = "/usr/bin/python3";
export const CLI = path.join(projectRoot, "components", "scripts", "ad", "cli.py");

export interface Ran {
    status: number | null;
    stdout: string;
    stderr: string;
    ms: number;
    leftInTmp: string[];
}

/**
 * Runs python with args, AD_PASSWORD in its environment and input on stdin, in a TMPDIR of its
 * own, and reports what it left there (verify's workspace must be gone when it exits).
 */
export function runPython(args: string[], password: string, input = "", timeoutMs = 60_000): Promise<Ran> {
    const tmp = mkdtempSync(path.join(os.tmpdir(), "ad-verify-run-"));
    const started = Date.now();
    return new Promise((resolve) => {
        const env: NodeJS.ProcessEnv = { ...process.env, AD_PASSWORD: password, TMPDIR: tmp, LC_ALL: "C" };
        for (const k of Object.keys(env)) if (k.startsWith("KRB5")) delete env[k];
        const child = spawn(SAMBA_PYTHON, args, { cwd: projectRoot, env, timeout: timeoutMs });
        let stdout = "",
            stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.stdin.end(input);
        child.on("close", (status) => {
            const leftInTmp = readdirSync(tmp);
            rmSync(tmp, { recursive: true, force: true });
            resolve({ status, stdout, stderr, ms: Date.now() - started, leftInTmp });
        });
    });
}

/** `verify` through the command line, as a user runs it. */
export function verify(args: string[], password: string): Promise<Ran> {
    return runPython([CLI, "verify", ...args], password);
}

/** The link names of the printed lines, each with ok/FAIL: ["ok dc", "ok dns", ..., "FAIL password"]. */
export function linkStates(stdout: string): string[] {
    return stdout
        .split("\n")
        .map((l) => /^(ok|FAIL)\s+(\S+(?: ticket)?)\s{2}/.exec(l))
        .filter((m) => m !== null)
        .map((m) => `${m![1]} ${m![2]}`);
}

export const ALL_LINKS = ["dc", "dns", "clock", "bind", "gmsa", "password", "tgt", "service ticket", "sysvol"];

/** samba-tool on the DC's own sam.ldb (as the system, like a domain administrator). */
export async function tool(dc: SambaDomain, ...args: string[]): Promise<string> {
    return dc.sambaTool(...args);
}

export async function addUser(dc: SambaDomain, name: string, password: string, groups: string[] = []): Promise<void> {
    await tool(dc, "user", "add", name, password);
    for (const g of groups) await tool(dc, "group", "addmembers", g, name);
}

/**
 * A gMSA as an administrator makes one: dNSHostName <name>.<domain>, the SPNs host/<name> and
 * host/<name>.<domain> (unless spns says otherwise), enabled (samba-tool creates it disabled,
 * which Windows does not), and `allowed` (groups or users, by sAMAccountName) may retrieve its
 * password besides the creating administrator.
 */
export async function addGmsa(dc: SambaDomain, name: string, allowed: string[], opts: { spns?: string[]; enabled?: boolean } = {}): Promise<void> {
    await tool(dc, "service-account", "create", `--name=${name}`, `--dns-host-name=${name}.${dc.dnsName}`);
    for (const principal of allowed) {
        await tool(dc, "service-account", "group-msa-membership", "add", `--name=${name}`, `--principal=${await dnOf(dc, principal)}`);
    }
    for (const spn of opts.spns ?? [`host/${name}`, `host/${name}.${dc.dnsName}`]) await tool(dc, "spn", "add", spn, `${name}$`);
    if (opts.enabled !== false) await tool(dc, "user", "enable", `${name}$`);
}

async function dnOf(dc: SambaDomain, sam: string): Promise<string> {
    const out = await tool(dc, "group", "show", sam, "--attributes=distinguishedName").catch(() =>
        tool(dc, "user", "show", sam, "--attributes=distinguishedName"),
    );
    const m = /^distinguishedName: (.+)$/m.exec(out);
    if (!m) throw new Error(`no distinguishedName for ${sam}:\n${out}`);
    return m[1].trim();
}

/** The gMSA's current password as the DC keeps it (base64 of UTF-16LE), for leak and decoder checks. */
export async function gmsaPasswordBase64(dc: SambaDomain, name: string): Promise<string> {
    const out = await tool(dc, "user", "getpassword", `${name}$`, "--attributes=virtualClearTextUTF16");
    const m = /^virtualClearTextUTF16:: ((?:.+\n)(?: .+\n)*)/m.exec(out);
    if (!m) throw new Error(`samba-tool printed no virtualClearTextUTF16 for ${name}$`);
    return m[1].replace(/\n ?/g, "");
}
