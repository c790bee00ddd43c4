// The Secrets Manager model (test/support/secretsManagerModel.ts) against the API Reference's rules for
// versions and staging labels, first directly, then over the wire with the real boto3 (the
// rotation function's client), so the rotation tests stand on documented behaviour.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { run } from "./support/ad-cli";
import { lambdaPython } from "./support/rotationFunction";
import { SecretModel, ServiceError, randomPassword, startSecretsManagerModel, type RotationEvent } from "./support/secretsManagerModel";

const arn = "arn:aws:secretsmanager:us-west-2:111122223333:secret:model-AbCdEf";
const initial = JSON.stringify({ username: "gmsa-reader", password: "Initial-P4ss!", domainName: "corp.example.com" });

function fresh(): { m: SecretModel; first: string } {
    const m = new SecretModel(arn, "model", initial);
    m.rotationLambdaArn = "arn:aws:lambda:us-west-2:111122223333:function:rotation";
    return { m, first: Object.keys(m.describeSecret({ SecretId: arn }).VersionIdsToStages)[0] };
}

function rejects(type: string, call: () => unknown, message?: RegExp) {
    assert.throws(call, (e: unknown) => {
        assert.ok(e instanceof ServiceError, String(e));
        assert.equal(e.type, type, e.message);
        if (message) assert.match(e.message, message);
        return true;
    });
}

describe("the Secrets Manager model: versions and staging labels as the API Reference states them", () => {
    test("beyond 100 versions the oldest unlabelled ones older than 24 hours are removed; labelled and young ones never", () => {
        const { m, first } = fresh();
        const put = (labels: string[]) => m.putSecretValue({ SecretId: arn, SecretString: String(Math.random()), VersionStages: labels }).VersionId;
        const kept = put(["kept-by-a-label"]);
        const oldest = put([]);
        m.advanceHours(25);
        const young = Array.from({ length: 99 }, () => put([]));
        assert.equal(m.versions.size, 101, "a version under 24 hours old is not removed: the oldest outdated one goes only when it is");
        assert.ok(!m.versions.has(oldest), "the oldest unlabelled version older than 24 hours is gone");
        assert.ok(m.versions.has(first) && m.versions.has(kept), "labelled versions stay");
        assert.ok(young.every((id) => m.versions.has(id)));
    });

    test("a new secret has one AWSCURRENT version, no RotationEnabled, and GetSecretValue without a version reads it", () => {
        const { m, first } = fresh();
        const d = m.describeSecret({ SecretId: arn });
        assert.deepEqual(d.VersionIdsToStages, { [first]: ["AWSCURRENT"] });
        assert.ok(!("RotationEnabled" in d));
        assert.equal(m.getSecretValue({ SecretId: "model" }).SecretString, initial, "a name finds the secret too");
        rejects("ResourceNotFoundException", () => m.describeSecret({ SecretId: arn + "x" }));
    });

    test("RotateSecret labels a new version AWSPENDING with no value yet, and turns rotation on", () => {
        const { m, first } = fresh();
        const { VersionId } = m.rotateSecret({ SecretId: arn, ClientRequestToken: "token-1" });
        assert.equal(VersionId, "token-1");
        assert.deepEqual(m.describeSecret({ SecretId: arn }), {
            ARN: arn,
            Name: "model",
            RotationEnabled: true,
            RotationLambdaARN: m.rotationLambdaArn,
            VersionIdsToStages: { [first]: ["AWSCURRENT"], "token-1": ["AWSPENDING"] },
        });
        rejects("ResourceNotFoundException", () => m.getSecretValue({ SecretId: arn, VersionId: "token-1", VersionStage: "AWSPENDING" }));
    });

    test("RotateSecret refuses while AWSPENDING is on a version that is not AWSCURRENT, and starts once it is gone", () => {
        const { m } = fresh();
        m.rotateSecret({ SecretId: arn, ClientRequestToken: "token-1" });
        rejects("InvalidRequestException", () => m.rotateSecret({ SecretId: arn, ClientRequestToken: "token-2" }), /previous rotation isn't complete/);
        assert.equal(m.pendingToken(), "token-1");
        m.updateSecretVersionStage({ SecretId: arn, VersionStage: "AWSPENDING", RemoveFromVersionId: "token-1" });
        assert.equal(m.rotateSecret({ SecretId: arn, ClientRequestToken: "token-2" }).VersionId, "token-2");
    });

    test("PutSecretValue with a token: fills RotateSecret's empty version; the same value again is ignored; another value is ResourceExistsException", () => {
        const { m, first } = fresh();
        m.rotateSecret({ SecretId: arn, ClientRequestToken: "token-1" });
        const put = { SecretId: arn, ClientRequestToken: "token-1", SecretString: "pending", VersionStages: ["AWSPENDING"] };
        m.putSecretValue(put);
        assert.equal(m.getSecretValue({ SecretId: arn, VersionId: "token-1", VersionStage: "AWSPENDING" }).SecretString, "pending");
        m.putSecretValue(put);
        rejects("ResourceExistsException", () => m.putSecretValue({ ...put, SecretString: "another" }));
        assert.equal(m.getSecretValue({ SecretId: arn, VersionId: "token-1" }).SecretString, "pending");
        assert.deepEqual(m.describeSecret({ SecretId: arn }).VersionIdsToStages, { [first]: ["AWSCURRENT"], "token-1": ["AWSPENDING"] });
        rejects("InvalidParameterException", () => m.putSecretValue({ SecretId: arn, ClientRequestToken: "token-2" }));
    });

    test("PutSecretValue without VersionStages makes the new version AWSCURRENT and the old one AWSPREVIOUS", () => {
        const { m, first } = fresh();
        m.putSecretValue({ SecretId: arn, ClientRequestToken: "v2", SecretString: "two" });
        m.putSecretValue({ SecretId: arn, ClientRequestToken: "v3", SecretString: "three" });
        assert.deepEqual(m.describeSecret({ SecretId: arn }).VersionIdsToStages, { v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT"] }, `${first} lost its last label`);
    });

    test("GetSecretValue: VersionId and VersionStage must name the same version", () => {
        const { m, first } = fresh();
        assert.equal(m.getSecretValue({ SecretId: arn, VersionId: first, VersionStage: "AWSCURRENT" }).SecretString, initial);
        rejects("ResourceNotFoundException", () => m.getSecretValue({ SecretId: arn, VersionId: first, VersionStage: "AWSPENDING" }));
        rejects("ResourceNotFoundException", () => m.getSecretValue({ SecretId: arn, VersionId: "no-such-version" }));
        assert.deepEqual(m.getSecretValue({ SecretId: arn, VersionStage: "AWSCURRENT" }).VersionStages, ["AWSCURRENT"]);
    });

    test("UpdateSecretVersionStage: a label on another version moves only with RemoveFromVersionId naming it; AWSCURRENT drags AWSPREVIOUS", () => {
        const { m, first } = fresh();
        m.rotateSecret({ SecretId: arn, ClientRequestToken: "token-1" });
        m.putSecretValue({ SecretId: arn, ClientRequestToken: "token-1", SecretString: "pending", VersionStages: ["AWSPENDING"] });
        rejects("InvalidParameterException", () => m.updateSecretVersionStage({ SecretId: arn, VersionStage: "AWSCURRENT", MoveToVersionId: "token-1" }));
        rejects("InvalidParameterException", () =>
            m.updateSecretVersionStage({ SecretId: arn, VersionStage: "AWSCURRENT", MoveToVersionId: "token-1", RemoveFromVersionId: "token-1" }),
        );
        rejects("ResourceNotFoundException", () =>
            m.updateSecretVersionStage({ SecretId: arn, VersionStage: "AWSCURRENT", MoveToVersionId: "nope", RemoveFromVersionId: first }),
        );
        m.updateSecretVersionStage({ SecretId: arn, VersionStage: "AWSCURRENT", MoveToVersionId: "token-1", RemoveFromVersionId: first });
        assert.deepEqual(m.describeSecret({ SecretId: arn }).VersionIdsToStages, { [first]: ["AWSPREVIOUS"], "token-1": ["AWSPENDING", "AWSCURRENT"] });
        rejects(
            "InvalidParameterException",
            () => m.updateSecretVersionStage({ SecretId: arn, VersionStage: "AWSCURRENT", RemoveFromVersionId: "token-1" }),
            /can't be completely removed/,
        );
        m.updateSecretVersionStage({ SecretId: arn, VersionStage: "AWSPENDING", RemoveFromVersionId: "token-1" });
        assert.deepEqual(m.describeSecret({ SecretId: arn }).VersionIdsToStages, { [first]: ["AWSPREVIOUS"], "token-1": ["AWSCURRENT"] });
        // Moving back: the version AWSCURRENT leaves becomes AWSPREVIOUS, taking it from the older one.
        m.updateSecretVersionStage({ SecretId: arn, VersionStage: "AWSCURRENT", MoveToVersionId: first, RemoveFromVersionId: "token-1" });
        assert.deepEqual(m.describeSecret({ SecretId: arn }).VersionIdsToStages, { [first]: ["AWSCURRENT"], "token-1": ["AWSPREVIOUS"] });
    });

    test("GetRandomPassword: the length asked, none of the excluded characters, one of every included kind", () => {
        for (let i = 0; i < 200; i++) {
            const p = randomPassword({ PasswordLength: 12, ExcludeCharacters: "\"\\'`$%abc" });
            assert.equal(p.length, 12);
            assert.doesNotMatch(p, /["\\'`$%abc]/);
            for (const kind of [/[a-z]/, /[A-Z]/, /[0-9]/, /[!#&()*+,\-./:;<=>?@[\]^_{|}~]/]) assert.match(p, kind, p);
        }
        assert.equal(randomPassword({}).length, 32);
        assert.match(randomPassword({ ExcludePunctuation: true, ExcludeNumbers: true, ExcludeUppercase: true, PasswordLength: 40 }), /^[a-z]{40}$/);
        assert.match(randomPassword({ IncludeSpace: true, PasswordLength: 5 }), / /);
        assert.throws(() => randomPassword({ PasswordLength: 0 }), ServiceError);
    });
});

describe("the model's rotation driver: the four steps in order, stopping at the first failure", () => {
    test("rotate() invokes createSecret..finishSecret with the secret and the new token; a failure stops it with the labels as they were", async () => {
        const model = await startSecretsManagerModel({ arn, value: initial });
        try {
            const seen: RotationEvent[] = [];
            const run = await model.rotate(async (e) => {
                seen.push(e);
                if (e.Step === "testSecret") throw new Error("eks-gmsa: chain: no TGT");
            });
            assert.deepEqual(
                seen.map((e) => [e.Step, e.SecretId, e.ClientRequestToken]),
                ["createSecret", "setSecret", "testSecret"].map((s) => [s, arn, run.token]),
            );
            assert.deepEqual(run.failed, { step: "testSecret", error: "eks-gmsa: chain: no TGT" });
            assert.deepEqual(model.stages()[run.token], ["AWSPENDING"]);
            await assert.rejects(
                model.rotate(async () => {}),
                /previous rotation isn't complete/,
            );
            const again = await model.retry(async (e) => void seen.push(e));
            assert.equal(again.token, run.token);
            assert.deepEqual(again.completed, ["createSecret", "setSecret", "testSecret", "finishSecret"]);
        } finally {
            await model.close();
        }
    });

    test("configure() (RotateImmediately=false) runs testSecret alone on an empty AWSPENDING version, then removes the label", async () => {
        const model = await startSecretsManagerModel({ arn, value: initial });
        try {
            const seen: string[] = [];
            const run = await model.configure(async (e) => {
                seen.push(e.Step);
                assert.deepEqual(model.stages()[e.ClientRequestToken], ["AWSPENDING"]);
                assert.equal(model.value(e.ClientRequestToken), undefined);
            });
            assert.deepEqual(seen, ["testSecret"]);
            assert.deepEqual(run.completed, ["testSecret"]);
            assert.equal(model.stages()[run.token], undefined, "the version has no label left");
            assert.equal(model.model.rotationEnabled, true);
        } finally {
            await model.close();
        }
    });

    test("retry() with no incomplete rotation is an error of the test, not a silent pass", async () => {
        const model = await startSecretsManagerModel({ arn, value: initial });
        try {
            await assert.rejects(
                model.retry(async () => {}),
                /no incomplete rotation/,
            );
        } finally {
            await model.close();
        }
    });
});

describe("the model over the wire: the real boto3 gets its answers and its modelled errors", () => {
    test("DescribeSecret, RotateSecret, GetSecretValue (ResourceNotFoundException), PutSecretValue (ResourceExistsException), GetRandomPassword", async () => {
        const model = await startSecretsManagerModel({ arn, value: initial });
        try {
            const script = [
                "import boto3, json, sys",
                "sm = boto3.client('secretsmanager')",
                "out = {}",
                "arn = sys.argv[1]",
                "out['rotate'] = sm.rotate_secret(SecretId=arn, ClientRequestToken='a' * 32)['VersionId']",
                "out['stages'] = sm.describe_secret(SecretId=arn)['VersionIdsToStages']",
                "try:\n    sm.get_secret_value(SecretId=arn, VersionId='a' * 32, VersionStage='AWSPENDING')\nexcept sm.exceptions.ResourceNotFoundException:\n    out['empty'] = 'ResourceNotFoundException'",
                "sm.put_secret_value(SecretId=arn, ClientRequestToken='a' * 32, SecretString='x' * 40, VersionStages=['AWSPENDING'])",
                "try:\n    sm.put_secret_value(SecretId=arn, ClientRequestToken='a' * 32, SecretString='y' * 40, VersionStages=['AWSPENDING'])\nexcept sm.exceptions.ResourceExistsException:\n    out['changed'] = 'ResourceExistsException'",
                "out['password'] = len(sm.get_random_password(PasswordLength=20, RequireEachIncludedType=True)['RandomPassword'])",
                "print(json.dumps(out))",
            ].join("\n");
            const r = await run(lambdaPython, ["-c", script, arn], {
                AWS_ENDPOINT_URL_SECRETS_MANAGER: model.url,
                AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
                AWS_SECRET_ACCESS_KEY: "not-a-real-key",
                AWS_DEFAULT_REGION: "us-west-2",
                AWS_CONFIG_FILE: "/dev/null",
            });
            assert.equal(r.status, 0, r.stderr);
            const out = JSON.parse(r.stdout);
            assert.equal(out.rotate, "a".repeat(32));
            assert.deepEqual(out.stages["a".repeat(32)], ["AWSPENDING"]);
            assert.equal(out.empty, "ResourceNotFoundException");
            assert.equal(out.changed, "ResourceExistsException");
            assert.equal(out.password, 20);
            assert.deepEqual(
                model.requests.map((q) => q.op),
                ["RotateSecret", "DescribeSecret", "GetSecretValue", "PutSecretValue", "PutSecretValue", "GetRandomPassword"],
            );
        } finally {
            await model.close();
        }
    });
});
