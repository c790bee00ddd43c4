// The test command's installers wait while another install holds the package manager's lock, and
// then go on, instead of failing. The lock is held on a throw-away dpkg state (EKS_GMSA_DPKG_ADMINDIR,
// a copy of this machine's without Samba) by a process taking the fcntl lock apt and dpkg take
// (F_SETLK on <admindir>/lock-frontend), so this machine's own apt is never blocked; the installer
// only simulates (EKS_GMSA_APT_SIMULATE=1). Nothing is installed.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import * as path from "node:path";
import { editStatus, realStatus, throwawayAdminDir } from "./support/dpkgStatus";

const root = path.join(__dirname, "..");
const onDebian = existsSync("/var/lib/dpkg/status") && spawnSync("apt-get", ["--version"]).status === 0;
const hasPython = spawnSync("python3", ["--version"]).status === 0;
const skip = (!onDebian && "needs Debian's apt") || (!hasPython && "needs python3 (to hold an fcntl lock)");

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function adminDirWithoutSamba(): string {
    const dir = throwawayAdminDir(editStatus(realStatus(), { remove: ["samba", "samba-ad-dc", "krb5-user"] }).text);
    dirs.push(dir);
    return dir;
}

/** A process holding the fcntl write lock on the file until it is killed; resolves once it holds it. */
async function holdLock(file: string): Promise<ChildProcess> {
    const holder = spawn(
        "python3",
        ["-c", "import fcntl, sys, time\nf = open(sys.argv[1], 'w')\nfcntl.lockf(f, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(600)", file],
        { stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve, reject) => {
        holder.stdout!.on("data", (d) => {
            if (String(d).includes("held")) resolve();
        });
        holder.on("exit", (code) => reject(new Error(`the lock holder exited (${code})`)));
    });
    return holder;
}

interface Run {
    out: string;
    exited: Promise<number | null>;
    child: ChildProcess;
}

function runInstaller(script: string, adminDir: string, lockSeconds: number): Run {
    const child = spawn("bash", [path.join(root, "test/support", script)], {
        env: { ...process.env, EKS_GMSA_APT_SIMULATE: "1", EKS_GMSA_DPKG_ADMINDIR: adminDir, EKS_GMSA_APT_LOCK_SECONDS: String(lockSeconds) },
    });
    const run: Run = { out: "", child, exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))) };
    child.stdout.on("data", (d) => {
        run.out += d;
    });
    child.stderr.on("data", (d) => {
        run.out += d;
    });
    return run;
}

async function until(what: string, ms: number, check: () => boolean): Promise<void> {
    const end = Date.now() + ms;
    while (!check()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
    }
}

test("install-samba.sh waits while another install holds the lock, says so, and goes on when it is released", { skip, timeout: 240_000 }, async () => {
    const dir = adminDirWithoutSamba();
    const holder = await holdLock(path.join(dir, "lock-frontend"));
    let run: Run | undefined;
    try {
        run = runInstaller("install-samba.sh", dir, 120);
        let exitedEarly = false;
        void run.exited.then(() => {
            exitedEarly = true;
        });
        await until("the waiting line", 60_000, () => /waiting up to 120s for the package manager's lock/.test(run!.out) || exitedEarly);
        assert.match(
            run.out,
            /^install-samba\.sh: waiting up to 120s for the package manager's lock \(another install is running, held by process \d+ \(python3\)\)$/m,
        );
        await new Promise((r) => setTimeout(r, 3000));
        assert.equal(exitedEarly, false, `it stopped while the lock was held:\n${run.out}`);
        assert.doesNotMatch(run.out, /^Inst /m, "it planned while another install held the lock");
    } finally {
        holder.kill();
    }
    assert.equal(await run.exited, 0, run.out);
    assert.match(run.out, /^install-samba\.sh: got the package manager's lock after \d+s$/m);
    assert.match(run.out, /^Inst samba /m, "it went on to plan the install");
});

test("an installer gives up with a clear message when the lock stays held", { skip, timeout: 120_000 }, async () => {
    const dir = adminDirWithoutSamba();
    const holder = await holdLock(path.join(dir, "lock-frontend"));
    try {
        const run = runInstaller("install-samba.sh", dir, 2);
        assert.equal(await run.exited, 1, run.out);
        assert.match(
            run.out,
            /^install-samba\.sh: the package manager's lock is still held after 2s, held by process \d+ \(python3\); try again when that install is done$/m,
        );
        assert.doesNotMatch(run.out, /^Inst /m);
    } finally {
        holder.kill();
    }
});
