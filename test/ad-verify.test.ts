// `verify`: the whole chain a Windows pod's gMSA depends on, checked against a real Samba AD DC
// (functional level 2016 with a KDS root key, so it computes gMSA passwords, and SYSVOL over SMB)
// as the identity that retrieves the password: a user in the readers' group, a computer account
// in it, and every broken link the issue names, each failing at that link with why and what to do.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { ALL_LINKS, SAMBA_PYTHON, addGmsa, addUser, gmsaPasswordBase64, linkStates, runPython, tool, verify, type Ran } from "./support/ad-verify-run";
import { startDnsStandIn, type DnsStandIn } from "./support/dns-stand-ins";
import { startSambaDomain, type SambaDomain } from "./support/samba";

const GROUP = "EKS-gMSA-Readers";
const READER = { name: "ccg-reader", password: "Reader-Passw0rd-1" };
const OUTSIDER = { name: "outsider", password: "Outsider-Passw0rd-1" };
const NODE = { name: "NODE1", password: "Node1-Passw0rd-1" };

let dc: SambaDomain;
const started = Date.now();
before(
    async () => {
        dc = await startSambaDomain();
        assert.equal(dc.smbUnavailable, undefined, `the DC must serve SYSVOL for the last links: ${dc.smbUnavailable}`);
        await tool(dc, "group", "add", GROUP);
        await addUser(dc, READER.name, READER.password, [GROUP]);
        await addUser(dc, OUTSIDER.name, OUTSIDER.password);
        // As a domain join leaves it (workstation trust account, HOST/ SPNs, in OU=Computers), then
        // added to the readers' group as node-join does.
        await dc.createComputer(NODE.name, { password: NODE.password });
        await tool(dc, "group", "addmembers", GROUP, `${NODE.name}$`);
        await addGmsa(dc, "WebApp01", [GROUP]);
        await addGmsa(dc, "OtherApp01", []); // only its creator, Administrator, may read its password
        await addGmsa(dc, "NoSpn01", [GROUP], { spns: ["host/NoSpn01"] });
        await addGmsa(dc, "Disabled01", [GROUP], { enabled: false });
        console.log(`# DC ready in ${Date.now() - started} ms (provision ${dc.timings.provisionMs} ms, start ${dc.timings.startMs} ms)`);
    },
    { timeout: 240_000 },
);
after(async () => {
    await dc?.stop();
    console.log(`# ad-verify.test.ts wall time ${Date.now() - started} ms`);
});

const as = (user: string) => ["--url", dc.url, "--user", `${dc.netbiosName}\\${user}`];

function assertBrokenAt(r: Ran, link: string, why: RegExp, todo: RegExp): void {
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const states = linkStates(r.stdout);
    const at = ALL_LINKS.indexOf(link);
    assert.deepEqual(states, [...ALL_LINKS.slice(0, at).map((l) => `ok ${l}`), `FAIL ${link}`], r.stdout);
    const lines = r.stdout.split("\n");
    const fail = lines.findIndex((l) => l.startsWith("FAIL"));
    assert.match(lines[fail], why);
    assert.match(lines[fail + 1], /^\s+what to do: /);
    assert.match(lines[fail + 1], todo);
    assert.match(r.stdout, new RegExp(`^verify: the chain is broken at ${link} \\(${at} of 9 links hold\\)$`, "m"));
    assert.equal(r.stderr, "", "a broken link is reported on stdout, never as a traceback");
    assert.deepEqual(r.leftInTmp, [], "verify leaves no file behind");
}

describe("verify as the identity in the readers' group", () => {
    test("every link holds, and the output names what each link found", { timeout: 60_000 }, async () => {
        const r = await verify([...as(READER.name), "--account", "WebApp01", "--group", GROUP], READER.password);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.deepEqual(
            linkStates(r.stdout),
            ALL_LINKS.map((l) => `ok ${l}`),
        );
        const host = dc.dcHostName;
        assert.match(r.stdout, new RegExp(`ok\\s+dc\\s+${dc.url} answers as ${host}, a domain controller of ${dc.dnsName}`));
        assert.match(
            r.stdout,
            new RegExp(
                `_ldap\\._tcp\\.dc\\._msdcs\\.${dc.dnsName} -> ${host.toLowerCase()}:389; _kerberos\\._tcp\\.${dc.dnsName} -> ${host.toLowerCase()}:88 \\(asked ${dc.host} over UDP and TCP\\)`,
                "i",
            ),
        );
        assert.match(r.stdout, new RegExp(`may retrieve WebApp01\\$'s password through ${GROUP}, and got it \\(128 UTF-16 units`));
        assert.match(r.stdout, new RegExp(`TGT for WebApp01\\$@${dc.realm} from the KDC at ${dc.host}`));
        assert.match(r.stdout, new RegExp(`service ticket for cifs/${host}@${dc.realm} \\(key version \\d+\\)`));
        assert.match(r.stdout, new RegExp(`\\\\\\\\${host}\\\\SYSVOL lists ${dc.dnsName} over SMB with Kerberos as WebApp01\\$`));
        assert.match(r.stdout, /^verify: every link holds \(9 of 9\)$/m);
        assert.deepEqual(r.leftInTmp, [], "the ticket cache and krb5.conf are removed");
        console.log(`# verify (all links) took ${r.ms} ms`);
    });

    test("neither AD_PASSWORD nor the gMSA's password appears in any output", { timeout: 60_000 }, async () => {
        const r = await verify([...as(READER.name), "--account", "WebApp01", "--group", GROUP], READER.password);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        const utf16 = Buffer.from(await gmsaPasswordBase64(dc, "WebApp01"), "base64");
        const output = r.stdout + r.stderr;
        assert.ok(!output.includes(READER.password));
        for (const form of [utf16.toString("base64"), utf16.toString("hex"), utf16.toString("utf16le").slice(0, 8)]) {
            assert.ok(!output.includes(form), "the gMSA's password in some form is in the output");
        }
    });

    test("the result object the management host uses: ok, links, lines() and a non-secret as_json()", { timeout: 60_000 }, async () => {
        const request = { url: dc.url, user: `${dc.netbiosName}\\${READER.name}`, account: "WebApp01", group: GROUP };
        const r = await runPython([path.join(__dirname, "support", "chain_api.py")], READER.password, JSON.stringify(request));
        assert.equal(r.status, 0, r.stderr);
        const out = JSON.parse(r.stdout);
        assert.equal(out.ok, true);
        assert.deepEqual(
            out.links.map((l: { link: string }) => l.link),
            ALL_LINKS,
        );
        assert.deepEqual(
            out.json,
            out.links.map((l: { link: string; ok: boolean; detail: string }) => ({ link: l.link, ok: l.ok, detail: l.detail })),
        );
        assert.equal(out.lines.length, 10);
        // on_link got each link as it was checked: the same lines, without the summary.
        assert.deepEqual(out.onLink.flat(), out.lines.slice(0, 9));
        assert.equal(out.krb5Config, null, "verify restores KRB5_CONFIG for the rest of the process");
        assert.deepEqual(r.leftInTmp, []);
    });

    test("with --dns naming the DC explicitly, and as user@domain", { timeout: 60_000 }, async () => {
        const r = await verify(["--url", dc.url, "--user", `${READER.name}@${dc.dnsName}`, "--account", "WebApp01", "--dns", dc.host], READER.password);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /through EKS-gMSA-Readers, and got it/);
    });

    test("over ldaps:// (--insecure-tls)", { timeout: 60_000 }, async () => {
        const r = await verify(
            ["--url", dc.ldapsUrl, "--insecure-tls", ...as(READER.name).slice(2), "--account", "WebApp01", "--group", GROUP],
            READER.password,
        );
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, new RegExp(`ok\\s+bind\\s+${dc.netbiosName}\\\\${READER.name} bound to ${dc.ldapsUrl}`));
    });

    test("over ldaps:// with the DC's CA (--ca-file)", { timeout: 60_000 }, async () => {
        const r = await verify(
            ["--url", dc.ldapsUrl, "--ca-file", dc.caCertFile, ...as(READER.name).slice(2), "--account", "WebApp01", "--group", GROUP],
            READER.password,
        );
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, new RegExp(`ok\\s+bind\\s+${dc.netbiosName}\\\\${READER.name} bound to ${dc.ldapsUrl}`));
    });

    test(
        "over ldaps:// with neither --ca-file nor --insecure-tls: the system's CAs, which did not sign the DC's certificate, so one tls line",
        { timeout: 60_000 },
        async () => {
            const r = await verify(["--url", dc.ldapsUrl, ...as(READER.name).slice(2), "--account", "WebApp01", "--group", GROUP], READER.password);
            assert.equal(r.status, 1, r.stdout + r.stderr);
            assert.match(
                r.stdout,
                /^FAIL\s+dc\s+the TLS connection to ldaps:\/\/[0-9.]+:636 failed .*\n\s+what to do: give the CA that signed the DC's certificate with --ca-file/m,
            );
        },
    );
});

describe("verify as a domain-joined node's computer account", () => {
    test("NODE1$ in the readers' group retrieves the password and gets tickets as the gMSA", { timeout: 60_000 }, async () => {
        const r = await verify([...as(`${NODE.name}$`), "--account", "WebApp01", "--group", GROUP], NODE.password);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.deepEqual(
            linkStates(r.stdout),
            ALL_LINKS.map((l) => `ok ${l}`),
        );
        assert.match(r.stdout, new RegExp(`${dc.netbiosName}\\\\NODE1\\$ may retrieve WebApp01\\$'s password through ${GROUP}`));
    });
});

describe("each broken link is named, with why and what to do", () => {
    test("the identity is not in the readers' group", { timeout: 60_000 }, async () => {
        const r = await verify([...as(OUTSIDER.name), "--account", "WebApp01", "--group", GROUP], OUTSIDER.password);
        assertBrokenAt(
            r,
            "password",
            new RegExp(`FAIL\\s+password\\s+${dc.netbiosName}\\\\outsider is not a member of ${GROUP}, the group WebApp01\\$ allows to retrieve its password`),
            new RegExp(`Add-ADGroupMember ${GROUP} outsider`),
        );
    });

    test("the identity is not in the group, without --group: the allowed principals are listed", { timeout: 60_000 }, async () => {
        const r = await verify([...as(OUTSIDER.name), "--account", "WebApp01"], OUTSIDER.password);
        assertBrokenAt(
            r,
            "password",
            new RegExp(`none of the principals WebApp01\\$ allows to retrieve its password \\(Administrator, ${GROUP}\\) is ${dc.netbiosName}\\\\outsider`),
            /add outsider to one of them/,
        );
    });

    test("the gMSA's allowed principals do not include the group", { timeout: 60_000 }, async () => {
        const r = await verify([...as(READER.name), "--account", "OtherApp01", "--group", GROUP], READER.password);
        assertBrokenAt(
            r,
            "password",
            new RegExp(`is in ${GROUP}, but OtherApp01\\$ does not allow ${GROUP} to retrieve its password \\(it allows: Administrator\\)`),
            new RegExp(`PrincipalsAllowedToRetrieveManagedPassword ${GROUP}`),
        );
    });

    test("a computer account outside the group is told to join it and renew its tickets", { timeout: 60_000 }, async () => {
        await dc.createComputer("NODE2", { password: NODE.password });
        const r = await verify([...as("NODE2$"), "--account", "WebApp01", "--group", GROUP], NODE.password);
        assertBrokenAt(r, "password", /NODE2\$ is not a member of/, new RegExp(`node-join --group ${GROUP} --computer NODE2, then renew the node's tickets`));
    });

    test("the identity's password is wrong", { timeout: 60_000 }, async () => {
        const r = await verify([...as(READER.name), "--account", "WebApp01", "--group", GROUP], "Not-The-Passw0rd");
        assertBrokenAt(r, "bind", new RegExp(`the user name or password was refused for ${dc.netbiosName}\\\\${READER.name}`), /check AD_PASSWORD/);
        assert.ok(!r.stdout.includes("Not-The-Passw0rd"));
    });

    test("the gMSA does not exist", { timeout: 60_000 }, async () => {
        const r = await verify([...as(READER.name), "--account", "Missing01", "--group", GROUP], READER.password);
        assertBrokenAt(r, "gmsa", new RegExp(`there is no account Missing01\\$ in ${dc.dnsName}`), /provision --account Missing01/);
    });

    test("an SPN is missing", { timeout: 60_000 }, async () => {
        const r = await verify([...as(READER.name), "--account", "NoSpn01", "--group", GROUP], READER.password);
        assertBrokenAt(
            r,
            "gmsa",
            new RegExp(`NoSpn01\\$ lacks the SPN host/NoSpn01\\.${dc.dnsName} \\(it has: host/NoSpn01\\)`),
            new RegExp(`setspn -S host/NoSpn01\\.${dc.dnsName} NoSpn01\\$`),
        );
    });

    test("the gMSA is disabled (the KDC would refuse it)", { timeout: 60_000 }, async () => {
        const r = await verify([...as(READER.name), "--account", "Disabled01", "--group", GROUP], READER.password);
        assertBrokenAt(r, "gmsa", /Disabled01\$ is disabled/, /Set-ADServiceAccount Disabled01 -Enabled \$true/);
    });

    test("the host's clock is 10 minutes ahead of the DC's", { timeout: 60_000 }, async () => {
        const request = { url: dc.url, user: `${dc.netbiosName}\\${READER.name}`, account: "WebApp01", group: GROUP, clockOffsetSeconds: 600 };
        const r = await runPython([path.join(__dirname, "support", "chain_api.py")], READER.password, JSON.stringify(request));
        assert.equal(r.status, 0, r.stderr);
        const out = JSON.parse(r.stdout);
        assert.equal(out.ok, false);
        assert.deepEqual(
            out.links.map((l: { link: string; ok: boolean }) => `${l.ok ? "ok" : "FAIL"} ${l.link}`),
            ["ok dc", "ok dns", "FAIL clock"],
        );
        assert.match(out.links[2].why, /^this host's clock is (599|600|601) s ahead of the DC's \(Kerberos allows 300 s\)$/);
        assert.match(out.links[2].todo, /chrony\/NTP/);
        assert.deepEqual(out.json[2], { link: "clock", ok: false, detail: out.links[2].why, todo: out.links[2].todo });
        assert.deepEqual(out.onLink.flat(), out.lines.slice(0, -1), "on_link saw the broken link and its advice too");
    });
});

describe("an unreachable DC fails within seconds", () => {
    let blackhole: ChildProcess | undefined;
    after(() => {
        blackhole?.stdin?.end();
        blackhole?.kill();
    });

    test("an unused loopback address: refused at once", { timeout: 30_000 }, async () => {
        const r = await verify(["--url", "ldap://127.1.2.3", "--user", `${dc.netbiosName}\\${READER.name}`, "--account", "WebApp01"], READER.password);
        assertBrokenAt(r, "dc", /the domain controller at 127\.1\.2\.3:389 cannot be reached \(Connection refused\)/, /reach TCP 389/);
        assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
    });

    test("a port that drops every packet: gives up after --timeout", { timeout: 30_000 }, async () => {
        blackhole = spawn(SAMBA_PYTHON, [path.join(__dirname, "support", "tcp_blackhole.py"), "127.1.2.4"], { stdio: ["pipe", "pipe", "inherit"] });
        const port = await new Promise<string>((resolve) => blackhole!.stdout!.once("data", (d) => resolve(String(d).trim())));
        assert.match(port, /^\d+$/);
        const r = await verify(
            ["--url", `ldap://127.1.2.4:${port}`, "--user", `${dc.netbiosName}\\${READER.name}`, "--account", "WebApp01", "--timeout", "2"],
            READER.password,
        );
        assertBrokenAt(r, "dc", new RegExp(`the domain controller at 127\\.1\\.2\\.4:${port} did not answer within 2s`), new RegExp(`reach TCP ${port}`));
        assert.ok(r.ms >= 2_000 && r.ms < 10_000, `took ${r.ms} ms`);
        console.log(`# blackholed DC: verify gave up after ${r.ms} ms`);
    });
});

describe("a DNS server without the domain's SRV records", () => {
    const standIns: DnsStandIn[] = [];
    after(async () => {
        for (const s of standIns) await s.close();
    });

    test("--dns names a server that answers NXDOMAIN (no forwarder to the DCs)", { timeout: 30_000 }, async () => {
        const dns = await startDnsStandIn("nxdomain");
        standIns.push(dns);
        const r = await verify([...as(READER.name), "--account", "WebApp01", "--dns", dns.address], READER.password);
        assertBrokenAt(
            r,
            "dns",
            new RegExp(`${dns.address} answered no SRV record over UDP for _ldap\\._tcp\\.dc\\._msdcs\\.${dc.dnsName} \\(NXDOMAIN`),
            new RegExp(`forward ${dc.dnsName} to the domain controllers \\(a conditional forwarder, or a Route 53 Resolver outbound rule\\)`),
        );
    });

    test("--dns names a server that answers REFUSED", { timeout: 30_000 }, async () => {
        const dns = await startDnsStandIn("refused");
        standIns.push(dns);
        const r = await verify([...as(READER.name), "--account", "WebApp01", "--dns", dns.address], READER.password);
        assertBrokenAt(
            r,
            "dns",
            new RegExp(`${dns.address} answered no SRV record over UDP for _ldap\\._tcp\\.dc\\._msdcs\\.${dc.dnsName} \\(REFUSED\\)`),
            new RegExp(`${dns.address} must resolve ${dc.dnsName}`),
        );
    });

    test("--dns names a server that never answers", { timeout: 30_000 }, async () => {
        const dns = await startDnsStandIn("silent");
        standIns.push(dns);
        const r = await verify([...as(READER.name), "--account", "WebApp01", "--dns", dns.address, "--timeout", "2"], READER.password);
        assertBrokenAt(
            r,
            "dns",
            new RegExp(`no answer from ${dns.address} port 53 over UDP within 2s`),
            new RegExp(`reach UDP and TCP port 53 of ${dns.address}`),
        );
        assert.ok(r.ms < 15_000, `took ${r.ms} ms`);
    });

    test("--dns names a server that answers over UDP but not over TCP", { timeout: 30_000 }, async () => {
        const dns = await startDnsStandIn("udpOnly", dc.host);
        standIns.push(dns);
        const r = await verify([...as(READER.name), "--account", "WebApp01", "--dns", dns.address], READER.password);
        assertBrokenAt(r, "dns", new RegExp(`${dns.address} port 53 over TCP: Connection refused`), /reach UDP and TCP port 53/);
    });
});

describe("the MSDS-MANAGEDPASSWORD_BLOB decoder", () => {
    test("decodes what the DC returns exactly as Samba's own NDR does, to the password the DC keeps", { timeout: 60_000 }, async () => {
        const request = {
            url: dc.url,
            user: `${dc.netbiosName}\\${READER.name}`,
            account: "WebApp01",
            expectedUtf16Base64: await gmsaPasswordBase64(dc, "WebApp01"),
        };
        const r = await runPython([path.join(__dirname, "support", "gmsa_blob_check.py")], READER.password, JSON.stringify(request));
        assert.equal(r.status, 0, r.stderr);
        const out = JSON.parse(r.stdout);
        const allEqual = { current: true, previous: true, queryInterval: true, unchangedInterval: true };
        assert.deepEqual(out.dc, {
            ...allEqual,
            matchesDcPassword: true,
            currentBytes: 256,
            hasPrevious: false,
            queryIntervalDays: out.dc.queryIntervalDays,
            queryMinusUnchangedSeconds: 300,
        });
        assert.ok(out.dc.queryIntervalDays > 29 && out.dc.queryIntervalDays <= 30, `${out.dc.queryIntervalDays} days`);
        assert.deepEqual(out.ndrWithPrevious, allEqual);
        assert.deepEqual(out.ndrWithoutPrevious, { ...allEqual, previousIsNone: true });
        // Samba packs the intervals unaligned, as Windows does (MS-ADTS says 8-byte aligned): offsets are followed, not assumed.
        assert.deepEqual(out.ndrOffsets, [16, 274, 532, 540]);
        assert.deepEqual(out.damaged, {
            version2: "version 2, reserved 0: not a version 1 blob",
            lengthMismatch: "the blob says it is 548 bytes but is 547",
            shorterThanHeader: "the blob is 10 bytes, shorter than its header",
            currentOffsetOutside: "current password offset 65520 lies outside the blob",
            noTerminator: "a password has no terminating NUL within the blob",
        });
        assert.equal(out.repr, "<ManagedPassword current=256 bytes previous=256 bytes>");
    });
});
