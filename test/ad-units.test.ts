// Single functions of the AD package (components/scripts/ad), executed in-process through
// test/support/ad_units.py on inputs a test DC cannot easily produce: the management host's result
// line for a hundred gMSAs, the usernames a secret may hold, a Windows DC's error text, a secret an
// error's length limit would cut. No DC needed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, test } from "node:test";
import { parseAdResult, resultMarker } from "../components/directoryDocuments";
import { python } from "./support/ad-cli";

/** Runs one unit of the AD command line in ad_units.py; `Answer`: what that unit gives back. */
function call<Answer>(request: Record<string, unknown>): Answer {
    const r = spawnSync(python, [path.join(__dirname, "support", "ad_units.py")], { input: JSON.stringify(request), encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as Answer;
}

const facts = {
    dnsName: "corp.example.com",
    forestName: "corp.example.com",
    netbiosName: "CORP",
    domainSid: "S-1-5-21-1004336348-1177238915-682003330",
    domainGuid: "5b5e8f3c-2f0a-4b8e-9c41-6f0d2a7b9e11",
};
// Systems Manager returns only the first 24,000 characters of stdout; ad-host-step.sh keeps the
// result line whole by cutting the progress before it to 23,000 minus the line's length; the line
// itself is at most 12,000, so at least 11,000 characters of progress are kept whatever happens.
const resultMaxChars = 12_000;

describe("the management host's result line (host.result_line)", () => {
    test("100 gMSAs with 400 long change lines: one compact entry per gMSA, the line far below what Systems Manager returns", () => {
        const accounts = Array.from({ length: 100 }, (_, i) => `WebApplication${String(i).padStart(2, "0")}`.slice(0, 15));
        const ou = "OU=Managed Service Accounts of the platform team,OU=Kubernetes,OU=CORP,DC=corp,DC=example,DC=com";
        const changes = accounts.flatMap((a) => [
            `created gMSA ${a}$ (CN=${a},${ou})`,
            `gave gMSA ${a}$ the SPNs host/${a}, host/${a}.corp.example.com`,
            `gave gMSA ${a}$ the readers' group's right to read its password`,
            `gave gMSA ${a}$ AES Kerberos keys (msDS-SupportedEncryptionTypes)`,
        ]);
        const { line } = call<{ line: string }>({ call: "result_line", facts, changes, accounts });
        assert.ok(line.length <= resultMaxChars, `the result line is ${line.length} characters`);
        const r = parseAdResult(`progress\n${line}\n`, true);
        assert.deepEqual(
            r.chain,
            accounts.map((account) => ({ account, ok: true, links: 9 })),
        );
        const note = r.changes.at(-1)!;
        const kept = r.changes.slice(0, -1);
        assert.deepEqual(kept, changes.slice(0, kept.length), "the first changes, in order");
        assert.ok(kept.length > 10, `only ${kept.length} changes kept`);
        assert.equal(note, `... and ${changes.length - kept.length} more changes (see the progress lines above)`);
    });

    test("a few gMSAs: every change is in the line, nothing summarised", () => {
        const changes = ["created group eks-gmsa-readers (CN=eks-gmsa-readers,OU=Users,OU=CORP,DC=corp,DC=example,DC=com)", "created gMSA WebApp01$"];
        const { line } = call<{ line: string }>({ call: "result_line", facts, changes, accounts: ["WebApp01", "WebApp02"] });
        assert.ok(line.startsWith(resultMarker));
        const r = parseAdResult(line, true);
        assert.deepEqual(r.changes, changes);
        assert.deepEqual(r.chain, [
            { account: "WebApp01", ok: true, links: 9 },
            { account: "WebApp02", ok: true, links: 9 },
        ]);
        assert.deepEqual(r.domain, {
            dnsName: facts.dnsName,
            forestName: facts.forestName,
            netbiosName: facts.netbiosName,
            sid: facts.domainSid,
            guid: facts.domainGuid,
        });
    });
});

describe("the username in a Secrets Manager secret (host mode)", () => {
    test("name, DOMAIN\\name and name@domain give the bare name; anything else is refused without quoting it", () => {
        const refused =
            'secrets: the username in the adminSecretArn secret must be name, DOMAIN\\name or name@domain in printable ASCII; store the secret as JSON {"username": ..., "password": ...}';
        const { names } = call<{ names: string[] }>({
            call: "secret_usernames",
            usernames: ["Admin", "CORP\\Admin", "Admin@corp.example.com", "CORP\\a\\b", "a@b@c", "Ad min", "Admín", ""],
        });
        assert.deepEqual(names, ["Admin", "Admin", "Admin", refused, refused, refused, refused, refused]);
    });
});

describe("a forest without a usable KDS root key (accounts.Writer)", () => {
    const kds =
        "kds: the forest has no KDS root key the DC can use yet, so it cannot create gMSA App01$; a Domain Admin runs Add-KdsRootKey -EffectiveImmediately " +
        "on a Windows DC and waits 10 hours for it to become usable (Samba: samba-tool domain kds root-key create); AWS Managed Microsoft AD has one already";
    // Samba 4.22's text (seen, test/ad-provision.test.ts); Windows' text for 0x8009000D (NTE_NO_KEY), in either case.
    for (const [code, message] of [
        [1, "8009000D: failed to find a suitable root key"],
        [80, "Key does not exist."],
        [1, "key does not exist"],
    ] as const) {
        test(`${JSON.stringify(message)} is the one kds line`, () => {
            assert.equal(call<{ line: string }>({ call: "write_failure", code, message, action: "create gMSA App01$" }).line, kds);
        });
    }

    test("another refusal is not", () => {
        const { line } = call<{ line: string }>({
            call: "write_failure",
            code: 80,
            message: "00000057: LdapErr: DSID-0C090D8A, comment: Error in attribute conversion operation",
            action: "create gMSA App01$",
        });
        assert.ok(line.startsWith("provision: cannot create gMSA App01$ (CN=x): 00000057"), line);
    });
});

describe("an unforeseen failure on the management host", () => {
    test("its one line masks a secret even where the 300-character limit cuts through it", () => {
        const secret = "Sup3r-Secret-Passw0rd-For-The-Admin";
        const payload = {
            operation: "provision",
            region: "us-west-2",
            domain: { dnsName: "corp.example.com", netbiosName: "CORP", dcAddresses: ["10.0.0.10"] },
            adminSecretArn: "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/admin-AbCdEf",
            readersGroup: "eks-gmsa-readers",
            owner: "dev",
            accounts: ["WebApp01"],
        };
        const r = call<{ code: number; output: string }>({ call: "internal_failure", payload, secret, error: `${"x".repeat(290)}${secret} and more` });
        assert.equal(r.code, 1);
        const lines = r.output.trim().split("\n");
        assert.equal(lines.length, 1, r.output);
        // Cut at 300 characters after masking: the x, the mask, the start of what followed.
        assert.match(lines[0], /^eks-gmsa: internal: RuntimeError: x{290}\*\*\* and mo; report this with the line above it$/);
        assert.ok(!r.output.includes(secret.slice(0, 5)), r.output);
    });
});
