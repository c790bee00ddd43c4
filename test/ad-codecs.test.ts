// Binary AD formats and the `npm run ad` failure paths that need no domain controller.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import { describe, test } from "node:test";
import { allowedSidsOf, dnToDnsName, escapeFilterValue, gmsaMembershipDescriptor, gmsaRetrieveAccessMask, guidToString, sidToBuffer, sidToString, unicodePwd } from "../lib/ad/codecs";
import { projectRoot } from "../tools/harness";

describe("codecs", () => {
    test("SIDs round-trip between text and binary", () => {
        for (const sid of ["S-1-5-21-2725122404-4129967127-2630707939", "S-1-5-32-544", "S-1-5-21-1-2-3-1105"]) assert.equal(sidToString(sidToBuffer(sid)), sid);
        // Known layout: revision 1, 2 sub-authorities, authority 5 (big-endian), then little-endian 32, 544.
        assert.equal(sidToBuffer("S-1-5-32-544").toString("hex"), "01020000000000052000000020020000");
        assert.throws(() => sidToString(Buffer.from("0102", "hex")), /not a binary SID/);
    });

    test("objectGUID bytes print in registry form (first three fields little-endian)", () => {
        const bytes = Buffer.from("ae184824ca87cd4f92ece79e5252348a", "hex");
        assert.equal(guidToString(bytes), "244818ae-87ca-4fcd-92ec-e79e5252348a");
    });

    test("msDS-GroupMSAMembership: owner Administrators, one allow ACE per reader, parsed back", () => {
        const readers = ["S-1-5-21-1-2-3-1105", "S-1-5-21-1-2-3-1106"];
        const sd = gmsaMembershipDescriptor(readers);
        assert.equal(sd[0], 1);
        assert.equal(sd.readUInt16LE(2) & 0x8004, 0x8004, "self-relative with a DACL");
        assert.equal(sidToString(sd.subarray(20, 36)), "S-1-5-32-544");
        assert.deepEqual(allowedSidsOf(sd), readers);
        const daclOffset = sd.readUInt32LE(16);
        assert.equal(sd.readUInt32LE(daclOffset + 8 + 4), gmsaRetrieveAccessMask);
        assert.deepEqual(allowedSidsOf(gmsaMembershipDescriptor([])), []);
    });

    test("names, passwords and filters", () => {
        assert.equal(dnToDnsName("DC=Corp,DC=Example,DC=com"), "corp.example.com");
        assert.equal(dnToDnsName("CN=Users,DC=samba,DC=test"), "samba.test");
        assert.deepEqual(unicodePwd("Pa$$"), Buffer.from('"Pa$$"', "utf16le"));
        assert.equal(escapeFilterValue("a*b(c)\\"), "a\\2ab\\28c\\29\\5c");
    });
});

const ad = (args: string[], env: Record<string, string> = { AD_PASSWORD: "x" }) =>
    spawnSync(process.execPath, ["--import", "tsx", path.join(projectRoot, "tools", "ad.ts"), ...args], { cwd: projectRoot, encoding: "utf8", timeout: 60_000, env: { ...process.env, AD_PASSWORD: "", ...env } });

describe("npm run ad: usage errors exit 2 with one clear line", () => {
    const cases: [string, string[], Record<string, string> | undefined, RegExp][] = [
        ["no command", [], undefined, /a command is required/],
        ["an unknown command", ["destroy", "--url", "ldap://127.0.0.1", "--user", "S\\a"], undefined, /unknown command "destroy"/],
        ["a bad url", ["discover", "--url", "http://dc", "--user", "S\\a"], undefined, /--url "http:\/\/dc" is not ldap/],
        ["a bad user form", ["discover", "--url", "ldap://127.0.0.1", "--user", "admin"], undefined, /--user "admin" must be DOMAIN\\user or user@domain/],
        ["a password flag", ["discover", "--url", "ldap://127.0.0.1", "--user", "S\\a", "--password", "p"], undefined, /read from AD_PASSWORD, never from a flag/],
        ["no AD_PASSWORD", ["discover", "--url", "ldap://127.0.0.1", "--user", "S\\a"], {}, /AD_PASSWORD is not set/],
        ["a bad format", ["discover", "--url", "ldap://127.0.0.1", "--user", "S\\a", "--format", "xml"], undefined, /--format "xml" must be json, yaml or config/],
        ["yaml without an account", ["discover", "--url", "ldap://127.0.0.1", "--user", "S\\a", "--format", "yaml"], undefined, /--format yaml needs --account/],
        ["verify without --group", ["verify", "--url", "ldap://127.0.0.1", "--user", "S\\a", "--account", "WebApp01"], undefined, /verify needs --group/],
        ["an account with '$'", ["verify", "--url", "ldap://127.0.0.1", "--user", "S\\a", "--account", "WebApp01$", "--group", "g"], undefined, /without '\$'/],
    ];
    for (const [name, args, env, message] of cases) {
        test(name, () => {
            const r = ad(args, env);
            assert.equal(r.status, 2, r.stderr);
            assert.match(r.stderr.split("\n")[0], message);
        });
    }
});

describe("npm run ad: an unreachable server is a one-line error within seconds", () => {
    test("connection refused", () => {
        const started = Date.now();
        const r = ad(["discover", "--url", "ldap://127.0.0.1:1", "--user", "SAMBA\\Administrator"]);
        assert.equal(r.status, 1);
        assert.equal(r.stderr.trim(), "ad: ldap://127.0.0.1:1: cannot connect: connection refused");
        assert.ok(Date.now() - started < 15_000);
    });

    test("a server that accepts but never answers times out after --timeout", async () => {
        const silent = net.createServer(() => undefined);
        await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
        const port = (silent.address() as net.AddressInfo).port;
        const started = Date.now();
        const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
            const child = spawn(process.execPath, ["--import", "tsx", path.join(projectRoot, "tools", "ad.ts"), "discover", "--url", `ldap://127.0.0.1:${port}`, "--user", "SAMBA\\Administrator", "--timeout", "2"], { cwd: projectRoot, env: { ...process.env, AD_PASSWORD: "x" } });
            let stderr = "";
            child.stderr.on("data", (d) => (stderr += d));
            child.on("exit", (status) => resolve({ status, stderr }));
        });
        silent.close();
        assert.equal(r.status, 1);
        assert.match(r.stderr.trim(), /^ad: ldap:\/\/127\.0\.0\.1:\d+: cannot connect: timed out$/);
        assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
    });
});
