// The management host's result line stays whole in what Systems Manager returns (the first 24,000
// characters of stdout), however many gMSAs a stack has: the real SSM document's step
// (components/scripts/ad-host-step.sh with the real package) provisions and checks many gMSAs against
// a Samba DC, with the real boto3 reading secrets from a loopback stand-in for Secrets Manager.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { adCommandDocument, parseAdResult, type AdPayload } from "../components/directoryDocuments";
import { run, type Run } from "./support/ad-cli";
import { startSecretsManager, type SecretsManagerStandIn } from "./support/fake-secrets-manager";
import { startSambaDomain, type SambaDomain } from "./support/samba";
import { secretArn } from "./support/fixtures";

let dc: SambaDomain;
let sm: SecretsManagerStandIn;
let dir: string;
const identityPassword = "Many-Gmsa-Reader-Passw0rd!";
// GetCommandInvocation's StandardOutputContent: "The first 24,000 characters written by the plugin to stdout".
const ssmStdoutChars = 24_000;

before(
    async () => {
        [dc, sm] = await Promise.all([startSambaDomain(), startSecretsManager()]);
        dir = mkdtempSync(path.join(os.tmpdir(), "ad-host-result-"));
        sm.secrets.set(secretArn("admin"), JSON.stringify({ username: dc.delegatedAdmin.user, password: dc.delegatedAdmin.password }));
        sm.secrets.set(secretArn("identity"), JSON.stringify({ username: "ccg-many", password: identityPassword }));
    },
    { timeout: 180_000 },
);
after(async () => {
    await dc?.stop();
    await sm?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the document's one step as the SSM agent would (bash), returning its whole stdout. */
function runStep(payload: AdPayload, timeoutMs: number): Promise<Run> {
    const document = JSON.parse(adCommandDocument({ description: "many gMSAs", payload }));
    const script = path.join(dir, "step.sh");
    writeFileSync(script, `${document.mainSteps[0].inputs.runCommand.join("\n")}\n`, { mode: 0o700 });
    return run(
        "bash",
        [script],
        {
            PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
            AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url,
            AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
            AWS_SECRET_ACCESS_KEY: "stand-in-secret-key",
            AWS_EC2_METADATA_DISABLED: "true",
        },
        timeoutMs,
    );
}

describe("many gMSAs on the management host", () => {
    const accounts = Array.from({ length: 100 }, (_, i) => `ManyApp${String(i + 1).padStart(3, "0")}`);

    test(
        "100 gMSAs (the most a payload may name) provisioned and each chain checked: pulumi up still reads the result line from what Systems Manager returns",
        { timeout: 600_000 },
        async () => {
            const payload: AdPayload = {
                operation: "provision",
                region: "us-west-2",
                domain: { dnsName: dc.dnsName, netbiosName: dc.netbiosName, dcAddresses: [dc.host] },
                adminSecretArn: secretArn("admin"),
                readersGroup: "Many-Readers",
                owner: "many-cluster",
                accountsOu: dc.usersOuDn,
                accounts,
                identity: { username: "ccg-many", secretArn: secretArn("identity") },
                verify: true,
            };
            const r = await runStep(payload, 580_000);
            assert.equal(r.status, 0, r.stderr + r.stdout.slice(-2000));
            const returned = r.stdout.slice(0, ssmStdoutChars);
            const result = parseAdResult(returned, true);
            assert.deepEqual(
                result.chain,
                accounts.map((account) => ({ account, ok: true, links: 9 })),
            );
            // 103 changes (the group, the identity, its membership, 100 gMSAs): the first ones, then how many more.
            const note = /^\.\.\. and (\d+) more changes \(see the progress lines above\)$/.exec(result.changes.at(-1)!);
            assert.ok(note, result.changes.at(-1));
            assert.equal(result.changes.length - 1 + Number(note[1]), 103);
            assert.equal(result.changes[0], `created group Many-Readers (CN=Many-Readers,${dc.usersOuDn})`);
            assert.ok(r.stdout.includes(`created gMSA ManyApp100$ (CN=ManyApp100,${dc.managedServiceAccountsDn})\n`), "every change is a progress line");
            // Every link of every chain was printed as progress before the line.
            assert.ok(r.stdout.includes("checking the chain for ManyApp001$ as ccg-many"), r.stdout.slice(0, 2000));
            console.log(`# 100 gMSAs: provisioned and checked in ${r.ms} ms; stdout ${r.stdout.length} characters`);
        },
    );
});
