// Two test domain controllers started at the same moment on one machine, as two DC-backed test
// files running in parallel do: each answers on its own address with its own domain, keeps its pid
// files and sockets in its own directory (Samba 4.22 would otherwise share /run/samba), and serves
// its own SYSVOL over SMB with Kerberos.
// Needs Samba (bash test/support/install-samba.sh, which test/run-all.sh runs): without it they fail, saying so.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { connects } from "./support/loopback";
import { ldapRootDse, startSambaDomain, type SambaDomain } from "./support/samba";

const execFileAsync = promisify(execFile);

function pidAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** kinit as the domain's Administrator with its krb5ConfFile, then `smbclient -c ls` on SYSVOL with that ticket. */
async function listSysvol(dc: SambaDomain): Promise<string> {
    const env = { ...process.env, KRB5_CONFIG: dc.krb5ConfFile, KRB5CCNAME: `FILE:${path.join(dc.baseDir, "admin.ccache")}` };
    const kinit = execFileAsync("kinit", [`Administrator@${dc.realm}`], { env, timeout: 15_000 });
    kinit.child.stdin?.end(`${dc.adminPassword}\n`);
    await kinit;
    const { stdout } = await execFileAsync("smbclient", [`//${dc.dcHostName}/sysvol`, "--use-kerberos=required", "-I", dc.host, "-c", "ls"], {
        env,
        timeout: 15_000,
    });
    return stdout;
}

describe("two domain controllers started concurrently", () => {
    let a: SambaDomain;
    let b: SambaDomain;
    let startedMs = 0;

    before(
        async () => {
            const t0 = Date.now();
            const started = await Promise.allSettled([
                startSambaDomain({ realm: "ALPHA.TEST", domain: "ALPHA" }),
                startSambaDomain({ realm: "BRAVO.TEST", domain: "BRAVO" }),
            ]);
            startedMs = Date.now() - t0;
            const [first, second] = started;
            if (first.status === "fulfilled") a = first.value;
            if (second.status === "fulfilled") b = second.value;
            for (const s of started) if (s.status === "rejected") throw s.reason; // after() stops the other
            console.log(
                `two domains provisioned and started side by side in ${startedMs} ms ` +
                    `(${a.realm}: ${a.timings.provisionMs} + ${a.timings.startMs} ms, ${b.realm}: ${b.timings.provisionMs} + ${b.timings.startMs} ms)`,
            );
        },
        { timeout: 240_000 },
    );

    after(async () => {
        await Promise.all([a?.stop(), b?.stop()]);
    });

    test("each answers LDAP on its own address with its own domain", { timeout: 30_000 }, async () => {
        assert.notEqual(a.host, b.host);
        for (const dc of [a, b]) {
            const rootDse = await ldapRootDse({ host: dc.host, port: 389 });
            assert.deepEqual(rootDse.defaultNamingContext, [dc.baseDn]);
        }
        assert.notEqual(a.baseDn, b.baseDn);
    });

    test("each keeps its pid files in its own directory, none in /run/samba", { timeout: 30_000 }, () => {
        const pids: number[] = [];
        for (const dc of [a, b]) {
            for (const daemon of ["samba", "smbd", "winbindd"]) {
                const file = path.join(dc.baseDir, "run", `${daemon}.pid`);
                assert.ok(existsSync(file), `${file} exists`);
                const pid = Number.parseInt(readFileSync(file, "utf8"), 10);
                assert.ok(pidAlive(pid), `${daemon} of ${dc.realm} (pid ${pid}) runs`);
                pids.push(pid);
            }
        }
        assert.equal(new Set(pids).size, pids.length, "six different processes");
        for (const daemon of ["samba", "smbd", "winbindd"]) {
            const shared = `/run/samba/${daemon}.pid`;
            if (existsSync(shared)) assert.ok(!pids.includes(Number.parseInt(readFileSync(shared, "utf8"), 10)), `${shared} is not one of ours`);
        }
    });

    test("each serves its own SYSVOL over SMB to a Kerberos client at the same time", { timeout: 60_000 }, async () => {
        assert.equal(a.smbUnavailable, undefined, `SMB: ${a.smbUnavailable}`);
        assert.equal(b.smbUnavailable, undefined, `SMB: ${b.smbUnavailable}`);
        const [listA, listB] = await Promise.all([listSysvol(a), listSysvol(b)]);
        assert.match(listA, /^\s+alpha\.test\s+D\s/m);
        assert.doesNotMatch(listA, /bravo\.test/);
        assert.match(listB, /^\s+bravo\.test\s+D\s/m);
        assert.doesNotMatch(listB, /alpha\.test/);
    });

    test("stopping one leaves the other serving", { timeout: 60_000 }, async () => {
        await a.stop();
        assert.equal(await connects(a.host, 389, 2_000), false, "first DC's 389 closed");
        assert.equal(await connects(a.host, 445, 2_000), false, "first DC's 445 closed");
        const rootDse = await ldapRootDse({ host: b.host, port: 389 });
        assert.deepEqual(rootDse.defaultNamingContext, [b.baseDn]);
        assert.match(await listSysvol(b), /bravo\.test/);
    });
});
