// The samba process of a test DC (see samba.ts) and the commands the fixture runs.
//
// Instance starts `samba -i` in a process group of its own, waits until it serves, and kills it as
// a group; a process 'exit' hook (and SIGINT/SIGTERM/SIGHUP) kills every live one and removes its
// directory, and sweepStaleDirs removes what a SIGKILLed test process left. namespaceUnavailable
// says whether samba-namespaced.sh can give samba a mount namespace (so smbd can run). runCommand
// and runPython run samba-tool, ldbsearch and this directory's Python scripts in an
// environment without inherited Kerberos/Samba settings.

import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ldapRootDse } from "./ldapWire";
import { connects } from "./loopback";

/** The interpreter with Samba's bindings (a python3 earlier on PATH, say pyenv's, may lack them). */
export const SAMBA_PYTHON = "/usr/bin/python3";
export const SUPPORT_DIR = __dirname;

const live = new Set<Instance>();
let hooked = false;

function hookProcessExit(): void {
    if (hooked) return;
    hooked = true;
    process.on("exit", () => {
        for (const i of live) i.killNow();
    });
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
        process.once(sig, () => {
            for (const i of live) i.killNow();
            // With our listener gone, the default action (ending the process) applies again.
            if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
        });
    }
}

export class Instance {
    private child?: ChildProcess;
    private logFile: string;
    private done?: Promise<void>;
    exited?: string;
    private stopped = false;

    constructor(readonly baseDir: string) {
        this.logFile = path.join(baseDir, "samba.log");
        live.add(this);
        hookProcessExit();
    }

    start(command: string, args: string[]): void {
        const fd = openSync(this.logFile, "a");
        try {
            // detached: its own process group (killed as a group); stdin stays a pipe from us, so that
            // samba -i ends by itself ("EOF on stdin") if this process dies without stop().
            this.child = spawn(command, args, { detached: true, stdio: ["pipe", fd, fd], env: sambaEnv() });
        } finally {
            closeSync(fd);
        }
        const child = this.child;
        this.done = new Promise((resolve) => {
            child.once("exit", (code, signal) => {
                this.exited = signal ? `signal ${signal}` : `code ${code}`;
                resolve();
            });
            child.once("error", (err) => {
                this.exited = `spawn error ${err.message}`;
                resolve();
            });
        });
        // Neither the child nor its stdin pipe keeps this process alive.
        child.unref();
        (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    }

    /**
     * Waits until samba answers the rootDSE on LDAP (389, naming baseDn) and LDAPS (636) and, with
     * fileServer, accepts on SMB (445); throws with its log when it exits first or timeoutMs passes.
     */
    async waitServing(host: string, baseDn: string, fileServer: boolean, timeoutMs: number): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        let lastError: unknown;
        for (;;) {
            if (this.exited) {
                throw new Error(`samba exited (${this.exited}) before LDAP answered; log:\n${tail(this.log())}`);
            }
            try {
                const plain = await ldapRootDse({ host, port: 389, timeoutMs: 2_000 });
                const secure = await ldapRootDse({ host, port: 636, tls: true, timeoutMs: 2_000 });
                if (plain.defaultNamingContext?.[0]?.toUpperCase() !== baseDn.toUpperCase() || !secure.defaultNamingContext) {
                    lastError = new Error(`unexpected rootDSE ${JSON.stringify(plain)}`);
                } else if (fileServer && !(await connects(host, 445, 2_000))) {
                    lastError = new Error("smbd does not accept connections on 445 yet");
                } else {
                    break;
                }
            } catch (e) {
                lastError = e;
            }
            if (Date.now() > deadline) {
                throw new Error(
                    `samba did not answer LDAP, LDAPS${fileServer ? " and SMB" : ""} on ${host} ` +
                        `within ${timeoutMs} ms (last error: ${String(lastError)}); log:\n${tail(this.log())}`,
                );
            }
            await sleep(200);
        }
    }

    log(): string {
        try {
            return readFileSync(this.logFile, "utf8");
        } catch {
            return "(no samba.log)";
        }
    }

    private signal(sig: NodeJS.Signals): void {
        const pid = this.child?.pid;
        if (!pid || this.exited) return;
        try {
            process.kill(-pid, sig);
        } catch {
            try {
                process.kill(pid, sig);
            } catch {
                /* already gone */
            }
        }
    }

    async stop(): Promise<void> {
        if (this.stopped) return;
        this.stopped = true;
        if (this.child && !this.exited) {
            this.signal("SIGTERM");
            if (!(await within(this.done!, 10_000))) {
                this.signal("SIGKILL");
                await within(this.done!, 5_000);
            }
        }
        this.child?.stdin?.destroy();
        this.removeDir();
        live.delete(this);
    }

    /** Synchronous last resort (process exit or signal). */
    killNow(): void {
        if (this.stopped) return;
        this.stopped = true;
        this.signal("SIGKILL");
        this.removeDir();
        live.delete(this);
    }

    private removeDir(): void {
        if (process.env.SAMBA_FIXTURE_KEEP === "1") return;
        rmSync(this.baseDir, { recursive: true, force: true, maxRetries: 3 });
    }
}

/** Names the test process that made a domain's directory. */
export const OWNER_FILE = "owner.pid";

/**
 * Removes the directories of domains whose test process died without cleaning up (SIGKILL, say;
 * samba itself ends then, on EOF on its stdin): those whose owner and samba are both gone.
 */
export function sweepStaleDirs(): void {
    let names: string[];
    try {
        names = readdirSync(os.tmpdir()).filter((n) => n.startsWith("samba-"));
    } catch {
        return;
    }
    for (const name of names) {
        const dir = path.join(os.tmpdir(), name);
        const owner = readPid(path.join(dir, OWNER_FILE));
        if (owner === undefined || pidAlive(owner)) continue;
        const samba = readPid(path.join(dir, "run", "samba.pid"));
        if (samba !== undefined && pidAlive(samba)) continue;
        rmSync(dir, { recursive: true, force: true });
    }
}

function readPid(file: string): number | undefined {
    try {
        const pid = Number.parseInt(readFileSync(file, "utf8").trim(), 10);
        return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
        return undefined;
    }
}

function pidAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}

let namespaceProbe: { result: string | undefined } | undefined;

/**
 * Why samba-namespaced.sh cannot run samba in a mount namespace of its own here (so the DC gets no
 * file server), or undefined when it can. Probed once per process, with `true` as the command.
 */
export function namespaceUnavailable(runDir: string): string | undefined {
    if (!namespaceProbe) {
        const probe = spawnSync("bash", [path.join(SUPPORT_DIR, "samba-namespaced.sh"), runDir, "true"], { encoding: "utf8", timeout: 10_000 });
        namespaceProbe = {
            result:
                probe.status === 0
                    ? undefined
                    : `no mount namespace for smbd's winbindd socket (unshare --mount and mount --bind need root with CAP_SYS_ADMIN): ` +
                      `${(probe.stderr || probe.error?.message || `exit ${probe.status}`).trim()}`,
        };
    }
    return namespaceProbe.result;
}

/**
 * Runs one of this directory's Python scripts with the interpreter that has Samba's bindings; the
 * request goes in as JSON on stdin (passwords stay out of process lists), one JSON line comes out.
 */
export function runPython(script: string, request: unknown, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
        const child = execFile(
            SAMBA_PYTHON,
            [path.join(SUPPORT_DIR, script)],
            { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env: sambaEnv() },
            (err, stdout, stderr) => {
                if (err) {
                    const why = String(stderr).trim() ? tail(String(stderr).trim()) : err.message;
                    reject(new Error(`${script} failed (${err.code ?? err.signal ?? "error"}): ${why}`));
                    return;
                }
                try {
                    resolve(JSON.parse(String(stdout).trim().split("\n").pop() ?? ""));
                } catch {
                    reject(new Error(`${script} printed no JSON: ${tail(String(stdout) + String(stderr))}`));
                }
            },
        );
        child.stdin?.end(JSON.stringify(request));
    });
}

export function sambaEnv(): NodeJS.ProcessEnv {
    // No inherited Kerberos/Samba settings pointing elsewhere.
    const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: "C", LANG: "C" };
    for (const k of Object.keys(env)) if (k.startsWith("KRB5") || k.startsWith("SMB_")) delete env[k];
    return env;
}

export function runCommand(cmd: string, args: string[], timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(findOnPath(cmd) ?? cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: sambaEnv() }, (err, stdout, stderr) => {
            if (err) {
                const shown = args.map((a) => (a.startsWith("--adminpass=") ? "--adminpass=***" : a)).join(" ");
                reject(new Error(`${cmd} ${shown} failed: ${err.message}\n${tail(String(stdout) + String(stderr))}`));
            } else resolve(String(stdout));
        });
    });
}

export function findOnPath(bin: string): string | undefined {
    const dirs = (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/usr/bin", "/sbin", "/bin"]);
    for (const d of dirs) {
        const p = path.join(d, bin);
        if (d && existsSync(p)) return p;
    }
    return undefined;
}

export function tail(text: string, lines = 60): string {
    return text.split("\n").slice(-lines).join("\n");
}

async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
    try {
        return await Promise.race([p.then(() => true as const), timeout]);
    } finally {
        clearTimeout(timer);
    }
}

function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}
