// The AD CLI's credentials come from its flags and AD_PASSWORD alone, never from Samba's own
// environment variables (USER, PASSWD, PASSWD_FILE, PASSWD_FD, KRB5CCNAME, which Samba's
// Credentials.guess() reads): executed against a real Samba DC with those variables set to
// something else, discover, provision (which checks an existing identity's password by logging it
// on) and verify behave as without them, and print nothing extra.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { addUser, asAdmin, cli } from "./support/ad-cli";
import { startSambaDomain, type SambaDomain } from "./support/samba";

let dc: SambaDomain;
const readerPassword = "Env-Reader-Passw0rd!";

before(
    async () => {
        dc = await startSambaDomain();
        await addUser(dc, "env-reader", readerPassword);
    },
    { timeout: 180_000 },
);
after(async () => {
    await dc?.stop();
});

const T = { timeout: 60_000 };
// What a shell that used smbclient or kinit before may hold.
const sambaEnvironment = {
    USER: "someone-else",
    LOGNAME: "someone-else",
    PASSWD: "Wrong-From-The-Environment-1!",
    PASSWD_FILE: "/nonexistent/eks-gmsa-password",
    KRB5CCNAME: "FILE:/nonexistent/krb5cc",
};

describe("Samba's environment variables do not reach the credentials", () => {
    test("discover prints the facts and nothing on stderr", T, async () => {
        const admin = asAdmin(dc);
        const r = await cli(["discover", ...admin.args], { ...admin.env, ...sambaEnvironment });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stderr, "");
        assert.equal(JSON.parse(r.stdout).netbiosName, dc.netbiosName);
    });

    test("provision logs an existing identity on with the password given, and prints only its changes", T, async () => {
        const admin = asAdmin(dc);
        const r = await cli(
            [
                "provision",
                ...admin.args,
                "--account",
                "Env01",
                "--group",
                "Env-Readers",
                "--identity-user",
                "env-reader",
                "--ou",
                dc.usersOuDn,
                "--owner",
                "cluster-e",
            ],
            { ...admin.env, AD_IDENTITY_PASSWORD: readerPassword, ...sambaEnvironment },
        );
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stderr, "");
        assert.deepEqual(r.stdout.trim().split("\n"), [
            `created group Env-Readers (CN=Env-Readers,${dc.usersOuDn})`,
            "added user env-reader to Env-Readers",
            `created gMSA Env01$ (CN=Env01,${dc.managedServiceAccountsDn})`,
        ]);
    });

    test("verify as that identity: every link holds, nothing on stderr", T, async () => {
        const r = await cli(["verify", "--url", dc.url, "--user", `${dc.netbiosName}\\env-reader`, "--account", "Env01", "--group", "Env-Readers"], {
            AD_PASSWORD: readerPassword,
            ...sambaEnvironment,
        });
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.equal(r.stderr, "");
        assert.match(r.stdout, /^verify: every link holds \(9 of 9\)$/m);
    });
});
