// How the management host asks Secrets Manager for the portable identity's versions, checked with
// the real boto3 client and botocore's Stubber (test/support/ad_units.py, call "read_secret"): the
// Stubber validates each GetSecretValue request against the service model and expects exactly the
// parameters named here, so a misspelt or missing VersionId/VersionStage fails. No DC needed; the
// rotation's runs against a DC are test/rotation-host-dc.test.ts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, test } from "node:test";
import { python } from "./support/ad-cli";

const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:eks-gmsa/rot/portable-identity-XyZ123";
const version = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const password = "Pending-Passw0rd-26!";

function readSecret(request: { version?: string; stage?: string; answer: { SecretString: string } | { error: string } }): {
    username?: string;
    error?: string;
} {
    const r = spawnSync(python, [path.join(__dirname, "support", "ad_units.py")], {
        input: JSON.stringify({ call: "read_secret", arn, ...request }),
        encoding: "utf8",
        timeout: 30_000,
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
}

const pending = { SecretString: JSON.stringify({ username: "CORP\\ccg-rot-b", password, domainName: "corp.example.com" }) };

describe("reading the identity secret's versions (host.read_secret)", () => {
    test("the rotation's pending version is asked for by its VersionId and the AWSPENDING stage; the username comes back bare", () => {
        assert.deepEqual(readSecret({ version, stage: "AWSPENDING", answer: pending }), { username: "ccg-rot-b" });
    });

    test("the current version by its stage alone; provisioning's read names the secret only (Secrets Manager's AWSCURRENT)", () => {
        assert.deepEqual(readSecret({ stage: "AWSCURRENT", answer: pending }), { username: "ccg-rot-b" });
        assert.deepEqual(readSecret({ answer: pending }), { username: "ccg-rot-b" });
    });

    test("a version without the stage is Secrets Manager's ResourceNotFoundException: one line with the code and the version, no secret", () => {
        const { error } = readSecret({ version, stage: "AWSPENDING", answer: { error: "ResourceNotFoundException" } });
        assert.equal(
            error,
            `secrets: cannot read the identity.secretArn secret ${arn} version ${version} as AWSPENDING (ResourceNotFoundException); start a new rotation`,
        );
    });

    test("a version the host may not read keeps the advice about its role", () => {
        const { error } = readSecret({ version, stage: "AWSPENDING", answer: { error: "AccessDeniedException" } });
        assert.match(error ?? "", /\(AccessDeniedException\); let the management host's role call secretsmanager:GetSecretValue/);
        assert.ok(!(error ?? "").includes(password));
    });
});
