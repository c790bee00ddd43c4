// The "done when": against a Samba domain the project never saw (a realm, NetBIOS name and
// DC host name made up for this run), verify exits 0 for an identity in the readers' group and 1
// for a domain user outside it, each within 30 seconds.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { ALL_LINKS, addGmsa, addUser, linkStates, tool, verify } from "./support/ad-verify-run";
import { startSambaDomain, type SambaDomain } from "./support/samba";

const tag = randomBytes(3).toString("hex").toUpperCase();
const REALM = `CORP${tag}.EXAMPLE.ORG`;
const NETBIOS = `NB${tag}`;
const GROUP = `gMSA-Readers-${tag}`;
const ACCOUNT = `Svc${tag}`;
const MEMBER = { name: `ccg-${tag.toLowerCase()}`, password: `Member-${tag}-Passw0rd` };
const STRANGER = { name: `user-${tag.toLowerCase()}`, password: `Stranger-${tag}-Passw0rd` };
const LIMIT_MS = 30_000;

let dc: SambaDomain;
const started = Date.now();
before(
    async () => {
        dc = await startSambaDomain({ realm: REALM, domain: NETBIOS, hostName: `DC${tag}` });
        assert.equal(dc.smbUnavailable, undefined, String(dc.smbUnavailable));
        await tool(dc, "group", "add", GROUP);
        await addUser(dc, MEMBER.name, MEMBER.password, [GROUP]);
        await addUser(dc, STRANGER.name, STRANGER.password);
        await addGmsa(dc, ACCOUNT, [GROUP]);
    },
    { timeout: 240_000 },
);
after(async () => {
    await dc?.stop();
    console.log(`# ad-verify-fresh.test.ts wall time ${Date.now() - started} ms`);
});

const args = (user: string) => ["--url", dc.url, "--user", `${NETBIOS}\\${user}`, "--account", ACCOUNT, "--group", GROUP];

test(`an identity in the readers' group: exit 0 within ${LIMIT_MS / 1000} s`, { timeout: 60_000 }, async () => {
    const r = await verify(args(MEMBER.name), MEMBER.password);
    console.log(`# ${REALM}: verify as the member took ${r.ms} ms`);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(
        linkStates(r.stdout),
        ALL_LINKS.map((l) => `ok ${l}`),
    );
    assert.match(r.stdout, new RegExp(`TGT for ${ACCOUNT}\\$@${REALM.replace(/\./g, "\\.")} `));
    assert.match(
        r.stdout,
        new RegExp(`\\\\\\\\DC${tag}\\.${REALM.toLowerCase().replace(/\./g, "\\.")}\\\\SYSVOL lists ${REALM.toLowerCase().replace(/\./g, "\\.")} `),
    );
    assert.ok(r.ms < LIMIT_MS, `took ${r.ms} ms`);
});

test(`a domain user outside it: exit 1 at the password link within ${LIMIT_MS / 1000} s`, { timeout: 60_000 }, async () => {
    const r = await verify(args(STRANGER.name), STRANGER.password);
    console.log(`# ${REALM}: verify as the stranger took ${r.ms} ms`);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.deepEqual(linkStates(r.stdout), [...ALL_LINKS.slice(0, 5).map((l) => `ok ${l}`), "FAIL password"]);
    assert.match(r.stdout, new RegExp(`${NETBIOS}\\\\${STRANGER.name} is not a member of ${GROUP}`));
    assert.ok(r.ms < LIMIT_MS, `took ${r.ms} ms`);
});
