// `npm run ad` (tools/ad.ts): it runs components/scripts/ad/cli.py with a Python that has Samba's
// bindings, passes passwords through the environment only, keeps `discover --format yaml|config`,
// and exits as cli.py does. Usage errors need no DC; the rest runs against a real Samba DC.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import * as YAML from "yaml";
import { asAdmin, cli, projectRoot, run } from "./support/ad-cli";
import { randomBytes } from "node:crypto";
import { startSambaDomain, type SambaDomain, type SambaFacts } from "./support/samba";

const adTs = path.join(projectRoot, "tools", "ad.ts");
const fakePython = path.join(projectRoot, "test", "support", "fake-python.sh");
/** `npm run ad -- <args>` as its script runs it. */
const ad = (args: string[], env: Record<string, string | undefined> = {}, timeoutMs?: number) =>
    run(process.execPath, ["--import", "tsx", adTs, ...args], env, timeoutMs);

describe("without a domain controller", () => {
    test("the AD scripts pass pyflakes", () => {
        const lint = spawnSync("pyflakes3", [path.join(projectRoot, "components", "scripts", "ad")], { encoding: "utf8" });
        assert.ok(!lint.error, "pyflakes3 is missing: apt-get install -y pyflakes3 (test/run-all.sh installs it)");
        assert.equal(lint.status, 0, lint.stdout + lint.stderr);
        const shell = spawnSync("shellcheck", [fakePython], { encoding: "utf8" });
        assert.equal(shell.status, 0, shell.stdout);
    });

    const usage: [string, string[], Record<string, string | undefined>, RegExp][] = [
        ["no command", [], {}, /^ad: the following arguments are required: <command>/],
        ["an unknown command", ["destroy", "--url", "ldap://127.0.0.1", "--user", "S\\a"], {}, /^ad: argument <command>: invalid choice: 'destroy'/],
        [
            "a bad url",
            ["discover", "--url", "http://dc", "--user", "S\\a"],
            { AD_PASSWORD: "x" },
            /^ad: --url 'http:\/\/dc' must be ldap:\/\/host\[:port\] or ldaps:\/\/host\[:port\]$/,
        ],
        [
            "a user without a domain",
            ["discover", "--url", "ldap://127.0.0.1", "--user", "admin"],
            { AD_PASSWORD: "x" },
            /^ad: --user 'admin' must be DOMAIN\\name or name@domain$/,
        ],
        [
            "a password flag",
            ["discover", "--url", "ldap://127.0.0.1", "--user", "S\\a", "--password", "p"],
            { AD_PASSWORD: "x" },
            /^ad: unrecognized arguments: --password p/,
        ],
        ["no AD_PASSWORD", ["discover", "--url", "ldap://127.0.0.1", "--user", "S\\a"], {}, /^ad: AD_PASSWORD is not set \(the password of --user\)/],
        [
            "a format npm run ad does not know",
            ["discover", "--url", "ldap://127.0.0.1", "--user", "S\\a", "--format", "xml"],
            { AD_PASSWORD: "x" },
            /^ad: --format "xml" must be json, yaml or config/,
        ],
        [
            "yaml without the gMSA",
            ["discover", "--url", "ldap://127.0.0.1", "--user", "S\\a", "--format", "yaml"],
            { AD_PASSWORD: "x" },
            /^ad: --format yaml needs --account/,
        ],
        [
            "a gMSA name with '$'",
            ["provision", "--url", "ldap://127.0.0.1", "--user", "S\\a", "--account", "WebApp01$", "--group", "g"],
            { AD_PASSWORD: "x" },
            /^ad: argument --account: --account must be given without the trailing '\$'/,
        ],
        [
            "provision without --identity-user's password",
            ["provision", "--url", "ldap://127.0.0.1", "--user", "S\\a", "--account", "WebApp01", "--group", "g", "--identity-user", "ccg"],
            { AD_PASSWORD: "x" },
            /^ad: AD_IDENTITY_PASSWORD is not set/,
        ],
    ];
    for (const [name, args, env, message] of usage) {
        test(`usage: ${name} exits 2 with the message first, then the usage`, { timeout: 60_000 }, async () => {
            const r = await ad(args, env);
            assert.equal(r.status, 2, r.stderr);
            assert.equal(r.stdout, "");
            const [first, ...rest] = r.stderr.trim().split("\n");
            assert.match(first, message);
            assert.match(rest.join("\n"), new RegExp(`usage: npm run ad -- ${args[0] === "destroy" || args.length === 0 ? "\\[-h\\] <command>" : args[0]} `));
        });
    }

    test("without a Python that imports Samba it says what to install", { timeout: 60_000 }, async () => {
        const r = await ad(["discover", "--url", "ldap://127.0.0.1", "--user", "S\\a"], { AD_PASSWORD: "x", EKS_GMSA_PYTHON: "/nonexistent/python3" });
        assert.equal(r.status, 1);
        assert.match(r.stderr.trim(), /^ad: npm run ad needs Python 3 with Samba's bindings .*apt-get install python3-samba/);
    });

    test("passwords reach cli.py through the environment only, never as arguments", { timeout: 60_000 }, async () => {
        const args = ["provision", "--url", "ldap://127.0.0.1", "--user", "S\\a", "--account", "WebApp01", "--group", "g", "--identity-user", "ccg"];
        const r = await ad(args, { AD_PASSWORD: "Admin-Secret-1!", AD_IDENTITY_PASSWORD: "Identity-Secret-2!", EKS_GMSA_PYTHON: fakePython });
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.stdout.trim().split("\n"), [
            `arg:${path.join(projectRoot, "components", "scripts", "ad", "cli.py")}`,
            ...args.map((a) => `arg:${a}`),
            "env:AD_PASSWORD=set",
            "env:AD_IDENTITY_PASSWORD=set",
        ]);
    });

    test("a refused connection is one line within seconds", { timeout: 60_000 }, async () => {
        const r = await ad(["discover", "--url", "ldap://127.0.0.1:1", "--user", "SAMBA\\Administrator"], { AD_PASSWORD: "x" });
        assert.equal(r.status, 1);
        assert.match(r.stderr.trim(), /^ad: reach: the domain controller at 127\.0\.0\.1:1 cannot be reached \(Connection refused\); /);
        assert.ok(r.ms < 15_000, `${r.ms} ms`);
    });

    test("a server that accepts but never answers is given up on within the run's bound", { timeout: 90_000 }, async () => {
        const silent = net.createServer(() => undefined);
        await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
        try {
            const port = (silent.address() as net.AddressInfo).port;
            const r = await ad(
                ["discover", "--url", `ldap://127.0.0.1:${port}`, "--user", "SAMBA\\Administrator", "--timeout", "2"],
                { AD_PASSWORD: "x" },
                80_000,
            );
            assert.equal(r.status, 1);
            assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
            assert.match(r.stderr.trim(), /^ad: timeout: discover got no complete answer within 30s; /);
            assert.ok(r.ms < 45_000, `${r.ms} ms`);
        } finally {
            silent.close();
        }
    });
});

describe("against a domain controller", () => {
    let dc: SambaDomain;
    let facts: SambaFacts;
    before(
        async () => {
            // A domain the project never saw: a realm, NetBIOS and DC name made up for this run.
            const tag = randomBytes(3).toString("hex").toUpperCase();
            dc = await startSambaDomain({ realm: `CLI${tag}.EXAMPLE.NET`, domain: `CLI${tag}`, hostName: `DC${tag}` });
            facts = await dc.facts();
        },
        { timeout: 180_000 },
    );
    after(async () => {
        await dc?.stop();
    });
    const T = { timeout: 60_000 };
    const admin = () => asAdmin(dc);

    test("discover prints the domain facts as one JSON line", T, async () => {
        const r = await ad(["discover", ...admin().args], admin().env);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(JSON.parse(r.stdout), {
            dnsName: facts.dnsName,
            forestName: facts.forestName,
            netbiosName: facts.netbiosName,
            domainSid: facts.domainSid,
            domainGuid: facts.domainGuid,
        });
        assert.equal(r.stdout.trim().split("\n").length, 1);
    });

    test("--format yaml prints the GMSACredentialSpec of the named gMSA", T, async () => {
        const r = await ad(["discover", ...admin().args, "--format", "yaml", "--account", "WebApp01"], admin().env);
        assert.equal(r.status, 0, r.stderr);
        const doc = YAML.parse(r.stdout);
        assert.equal(doc.kind, "GMSACredentialSpec");
        assert.equal(doc.metadata.name, "webapp01");
        assert.deepEqual(doc.credspec.DomainJoinConfig, {
            Sid: facts.domainSid,
            MachineAccountName: "WebApp01",
            Guid: facts.domainGuid,
            DnsTreeName: facts.forestName,
            DnsName: facts.dnsName,
            NetBiosName: facts.netbiosName,
        });
    });

    test("--format config prints the stack's activeDirectory lines", T, async () => {
        const r = await ad(["discover", ...admin().args, "--format", "config"], admin().env);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(
            r.stdout,
            [
                "  eks-gmsa:activeDirectory:",
                `    domainName: ${facts.dnsName}`,
                `    netbiosName: ${facts.netbiosName}`,
                `    forestName: ${facts.forestName}`,
                `    domainSid: ${facts.domainSid}`,
                `    domainGuid: ${facts.domainGuid}`,
                "    dnsServers: []   # the domain controllers' IP addresses",
                "",
            ].join("\n"),
        );
    });

    test("a wrong password is one line and exit 1, for every format", T, async () => {
        for (const format of ["json", "yaml", "config"]) {
            const r = await ad(["discover", ...admin().args, "--format", format, ...(format === "yaml" ? ["--account", "WebApp01"] : [])], {
                AD_PASSWORD: "not-the-password",
            });
            assert.equal(r.status, 1, format);
            assert.equal(r.stdout, "");
            assert.equal(
                r.stderr.trim(),
                `ad: bind: the user name or password was refused for ${dc.delegatedAdmin.user}; check AD_PASSWORD and the account name`,
            );
        }
    });

    test(
        "after provision, verify exits 0 for the identity in the readers' group and 1 for a user outside it, each within 30 seconds",
        { timeout: 120_000 },
        async () => {
            const made = await ad(
                ["provision", ...admin().args, "--account", "WebApp01", "--group", "CLI-Readers", "--identity-user", "cli-reader", "--ou", dc.usersOuDn],
                { ...admin().env, AD_IDENTITY_PASSWORD: "Cli-Reader-Passw0rd!" },
            );
            assert.equal(made.status, 0, made.stderr);
            const outsider = await cli(
                ["provision", ...admin().args, "--account", "Other01", "--group", "Other-Readers", "--identity-user", "outsider", "--ou", dc.usersOuDn],
                { ...admin().env, AD_IDENTITY_PASSWORD: "Outsider-Passw0rd!" },
            );
            assert.equal(outsider.status, 0, outsider.stderr);
            const good = await ad(["verify", "--url", dc.url, "--user", `${dc.netbiosName}\\cli-reader`, "--account", "WebApp01", "--group", "CLI-Readers"], {
                AD_PASSWORD: "Cli-Reader-Passw0rd!",
            });
            assert.equal(good.status, 0, good.stdout + good.stderr);
            assert.ok(good.ms < 30_000, `${good.ms} ms`);
            const bad = await ad(["verify", "--url", dc.url, "--user", `${dc.netbiosName}\\outsider`, "--account", "WebApp01"], {
                AD_PASSWORD: "Outsider-Passw0rd!",
            });
            assert.equal(bad.status, 1, bad.stdout + bad.stderr);
            assert.match(bad.stdout, /^FAIL\s+password\s/m);
            assert.ok(bad.ms < 30_000, `${bad.ms} ms`);
        },
    );
});
