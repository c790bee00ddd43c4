// The Samba AD fixture (test/support/samba.ts): a real domain controller on a loopback address,
// answering LDAP and LDAPS, telling its own SID and GUID, and leaving nothing behind.
// Needs Samba (bash test/support/install-samba.sh, which test/run-all.sh runs); without it these
// tests fail, saying what to install. The fixture's Python and
// bash scripts are linted here too (pyflakes3, shellcheck; test/run-all.sh installs both).
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as tls from "node:tls";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { connects } from "./support/loopback";
import { ldapRootDse, startSambaDomain, type SambaDomain } from "./support/samba";

const execFileAsync = promisify(execFile);

function tlsHandshake(host: string, port: number, ca: Buffer): Promise<tls.PeerCertificate> {
    return new Promise((resolve, reject) => {
        const s = tls.connect({ host, port, ca, timeout: 5_000 });
        s.once("secureConnect", () => {
            const cert = s.getPeerCertificate();
            s.destroy();
            resolve(cert);
        });
        s.once("timeout", () => {
            s.destroy();
            reject(new Error("TLS handshake timed out"));
        });
        s.once("error", reject);
    });
}

/** test/support's files ending in `ext`, by path; never none (the lint below must lint something). */
function supportScripts(ext: string): string[] {
    const dir = path.join(__dirname, "support");
    const files = readdirSync(dir)
        .filter((n) => n.endsWith(ext))
        .sort()
        .map((n) => path.join(dir, n));
    assert.ok(files.length > 0, `no ${ext} files in ${dir}`);
    return files;
}

describe("the fixture's scripts (test/support/*.py, *.sh) lint clean", () => {
    test("pyflakes3 finds nothing in the Python scripts", () => {
        const lint = spawnSync("pyflakes3", supportScripts(".py"), { encoding: "utf8" });
        assert.ok(!lint.error, "pyflakes3 is missing: apt-get install -y pyflakes3 (test/run-all.sh installs it)");
        assert.equal(lint.status, 0, lint.stdout + lint.stderr);
    });

    test("shellcheck finds nothing in the bash scripts", () => {
        const lint = spawnSync("shellcheck", supportScripts(".sh"), { encoding: "utf8" });
        assert.ok(!lint.error, "shellcheck is missing: apt-get install -y shellcheck (test/run-all.sh installs it)");
        assert.equal(lint.status, 0, lint.stdout + lint.stderr);
    });
});

describe("Samba AD domain controller fixture", () => {
    let dc: SambaDomain;

    before(
        async () => {
            dc = await startSambaDomain();
            console.log(`samba: ${dc.url} provisioned in ${dc.timings.provisionMs} ms, answered in ${dc.timings.startMs} ms`);
        },
        { timeout: 180_000 },
    );

    // Cleanup on any outcome; stop() is idempotent, so the last test's own stop() is fine too.
    after(async () => {
        await dc?.stop();
    });

    test("binds a loopback address of its own, with the domain's names", () => {
        assert.match(dc.host, /^127\.\d+\.\d+\.\d+$/);
        assert.notEqual(dc.host, "127.0.0.1");
        assert.equal(dc.url, `ldap://${dc.host}:389`);
        assert.equal(dc.ldapsUrl, `ldaps://${dc.host}:636`);
        assert.equal(dc.realm, "SAMBA.TEST");
        assert.equal(dc.netbiosName, "SAMBA");
        assert.equal(dc.baseDn, "DC=samba,DC=test");
        assert.equal(dc.adminUser, "Administrator@samba.test");
        assert.ok(existsSync(dc.smbConf));
    });

    test("LDAP (389) and LDAPS (636) accept connections and serve the rootDSE; SMB (445) accepts", async () => {
        assert.ok(await connects(dc.host, 389, 2_000), "389 accepts");
        assert.equal(dc.smbUnavailable, undefined, `SMB: ${dc.smbUnavailable}`);
        assert.ok(await connects(dc.host, 445, 2_000), "445 accepts");
        // The certificate verifies against caCertFile for the address itself.
        const cert = await tlsHandshake(dc.host, 636, readFileSync(dc.caCertFile));
        assert.equal(String(cert.subject?.CN).toLowerCase(), dc.dcHostName.toLowerCase());
        const plain = await ldapRootDse({ host: dc.host, port: 389 });
        const secure = await ldapRootDse({ host: dc.host, port: 636, tls: true });
        for (const rootDse of [plain, secure]) {
            assert.deepEqual(rootDse.defaultNamingContext, [dc.baseDn]);
            assert.deepEqual(rootDse.rootDomainNamingContext, [dc.baseDn]);
            assert.equal(rootDse.dnsHostName?.[0]?.toLowerCase(), dc.dcHostName.toLowerCase());
        }
    });

    test("the administrator's credentials: simple bind over ldaps://; plain ldap:// refuses it (Samba's default)", async () => {
        const search = (url: string) =>
            execFileAsync("ldbsearch", [
                `--configfile=${dc.smbConf}`,
                "--option=tls verify peer=no_check",
                "-H",
                url,
                `--simple-bind-dn=${dc.adminUser}`,
                `--password=${dc.adminPassword}`,
                "-b",
                dc.adminDn,
                "-s",
                "base",
                "sAMAccountName",
            ]);
        const { stdout } = await search(dc.ldapsUrl);
        assert.match(stdout, /^sAMAccountName: Administrator$/m);
        await assert.rejects(search(dc.url), /STRONG_AUTH_REQUIRED/);
    });

    test("facts() are Samba's own records: names, domain SID and GUID", async () => {
        const facts = await dc.facts();
        assert.equal(facts.dnsName, "samba.test");
        assert.equal(facts.forestName, "samba.test");
        assert.equal(facts.netbiosName, "SAMBA");
        assert.match(facts.domainSid, /^S-1-5-21-\d+-\d+-\d+$/);
        assert.match(facts.domainGuid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        // Stable: the same records when asked again.
        assert.deepEqual(await dc.facts(), facts);
    });

    test("stop() ends samba, closes its ports and removes its directory", async () => {
        const { baseDir, host } = dc;
        await dc.stop();
        assert.equal(existsSync(baseDir), false, `${baseDir} removed`);
        assert.equal(await connects(host, 389, 2_000), false, "389 closed");
        assert.equal(await connects(host, 636, 2_000), false, "636 closed");
        assert.equal(await connects(host, 445, 2_000), false, "445 closed");
        await dc.stop(); // idempotent
    });
});
