// The portable identity's rotation function (components/scripts/rotation/), executed: the real
// handler in python3 with the real boto3, invoked step by step through the Secrets Manager model's
// rotation driver (test/support/secretsManagerModel.ts), with a stand-in for the management host;
// then its SSM/EC2 host runner against botocore's Stubber, which checks every request against the
// real EC2 and SSM API models.
import assert from "node:assert/strict";
import * as path from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";
import { projectRoot, run } from "./support/ad-cli";
import { lambdaPython, rotationFunction, type RotationFunction } from "./support/rotationFunction";
import { startSecretsManagerModel, type RotationEvent, type SecretsManagerModel } from "./support/secretsManagerModel";

const arn = "arn:aws:secretsmanager:us-west-2:111122223333:secret:eks-gmsa-dev-portable-identity-AbCdEf";
const users = ["gmsa-reader", "gmsa-reader-b"];
const initialPassword = "Initial-P4ss!word";
const initial = { username: "gmsa-reader", password: initialPassword, domainName: "corp.example.com" };

let model: SecretsManagerModel;
let fn: RotationFunction;

async function start(value: object = initial) {
    model = await startSecretsManagerModel({ arn, value: JSON.stringify(value) });
    fn = rotationFunction(model, { SECRET_ARN: arn, IDENTITY_USERS: users.join(",") });
}
afterEach(async () => {
    await model?.close();
    fn?.cleanup();
});

type Identity = { username: string; password: string; domainName: string };
const current = (): Identity => JSON.parse(model.value("AWSCURRENT")!);
const labelsOf = (token: string) => model.stages()[token];

/** Everything every invocation printed, to look for passwords in. */
const allOutput = () => fn.runs.map((r) => r.stdout + r.stderr).join("\n");

describe("a rotation through Secrets Manager's four steps (real handler, model, stand-in host)", () => {
    beforeEach(() => start());

    test("a full rotation switches the secret to the other user, with a new AD-complex password; the old version stays as AWSPREVIOUS", async () => {
        const first = Object.keys(model.stages())[0];
        const r = await model.rotate(fn.invoke);
        assert.equal(r.failed, undefined, r.failed?.error);
        const now = current();
        assert.equal(now.username, "gmsa-reader-b");
        assert.equal(now.domainName, "corp.example.com");
        assert.notEqual(now.password, initialPassword);
        // AD's complexity rule (three of the kinds; here all four) and no character that breaks quoting.
        assert.equal(now.password.length, 32);
        for (const kind of [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/]) assert.match(now.password, kind);
        assert.doesNotMatch(now.password, /["\\'`$%\s]/);
        assert.ok(!now.password.toLowerCase().includes("gmsa-reader"));
        assert.deepEqual(labelsOf(r.token), ["eks-gmsa-tested", "AWSCURRENT"], "AWSPENDING is gone, so the next rotation can start");
        assert.deepEqual(labelsOf(first), ["AWSPREVIOUS"]);
        assert.deepEqual(JSON.parse(model.value("AWSPREVIOUS")!), initial, "the previous user's version is untouched");
        assert.deepEqual(fn.hostSteps(), [
            { step: "set", token: r.token },
            { step: "test", token: r.token },
        ]);
    });

    test("a second rotation switches back to the first user, with another new password", async () => {
        const one = await model.rotate(fn.invoke);
        const afterOne = current();
        const two = await model.rotate(fn.invoke);
        assert.equal(two.failed, undefined, two.failed?.error);
        assert.equal(current().username, "gmsa-reader");
        assert.ok(![initialPassword, afterOne.password].includes(current().password));
        assert.deepEqual(labelsOf(one.token), ["AWSPREVIOUS"]);
        assert.deepEqual(labelsOf(two.token), ["eks-gmsa-tested", "AWSCURRENT"], "the tested label moved to the new version");
    });

    test("each step run twice changes nothing more: one pending version, one password, one switch", async () => {
        const snapshots: string[] = [];
        const twice = async (e: RotationEvent) => {
            await fn.invoke(e);
            const once = JSON.stringify([model.stages(), model.value("AWSPENDING") ?? null, model.value("AWSCURRENT")]);
            await fn.invoke(e);
            snapshots.push(once);
            assert.equal(
                JSON.stringify([model.stages(), model.value("AWSPENDING") ?? null, model.value("AWSCURRENT")]),
                once,
                `${e.Step} run again changed the secret`,
            );
        };
        const r = await model.rotate(twice);
        assert.equal(r.failed, undefined, r.failed?.error);
        assert.equal(Object.keys(model.stages()).length, 2);
        assert.equal(current().username, "gmsa-reader-b");
        assert.equal(model.requests.filter((q) => q.op === "PutSecretValue").length, 1, "the second createSecret put nothing");
        // The host steps are repeated as such (setting the same password again is harmless).
        assert.deepEqual(
            fn.hostSteps().map((s) => s.step),
            ["set", "set", "test", "test"],
        );
        // After finishSecret the version is AWSCURRENT: any step for it does nothing.
        for (const Step of ["createSecret", "setSecret", "testSecret", "finishSecret"] as const)
            await fn.invoke({ Step, SecretId: arn, ClientRequestToken: r.token });
        assert.equal(fn.hostSteps().length, 4);
        assert.equal(current().username, "gmsa-reader-b");
    });

    test("a failed testSecret leaves AWSCURRENT on the old version; the reattempt resumes the same pending version and password", async () => {
        fn.failHostSteps({ test: "eks-gmsa: chain: gmsa-reader-b cannot read msDS-ManagedPassword of web01$; add it to the readers' group" });
        const failed = await model.rotate(fn.invoke);
        assert.deepEqual(failed.completed, ["createSecret", "setSecret"]);
        assert.equal(failed.failed?.step, "testSecret");
        assert.match(failed.failed!.error, /^Step=test Failed .*: eks-gmsa: chain: gmsa-reader-b cannot read msDS-ManagedPassword of web01\$/);
        assert.deepEqual(current(), initial, "AWSCURRENT still names the old user and password");
        const pending = JSON.parse(model.value(failed.token)!);
        assert.equal(pending.username, "gmsa-reader-b");
        await assert.rejects(model.rotate(fn.invoke), /previous rotation isn't complete/);

        fn.failHostSteps({});
        const resumed = await model.retry(fn.invoke);
        assert.equal(resumed.failed, undefined, resumed.failed?.error);
        assert.equal(resumed.token, failed.token);
        assert.equal(Object.keys(model.stages()).length, 2, "no second pending version");
        assert.deepEqual(current(), pending, "the same user and password that were set in AD");
        assert.deepEqual(
            fn.hostSteps().map((s) => [s.step, s.token]),
            ["set", "test", "set", "test"].map((s) => [s, failed.token]),
        );
    });

    test("a crash between setSecret and finishSecret (the function died in testSecret) resumes with the same token", async () => {
        let crash = true;
        const crashing = async (e: RotationEvent) => {
            if (e.Step === "testSecret" && crash) throw new Error("Task timed out after 900.00 seconds");
            await fn.invoke(e);
        };
        const first = await model.rotate(crashing);
        assert.equal(first.failed?.step, "testSecret");
        const pending = model.value(first.token);
        assert.deepEqual(current(), initial);
        crash = false;
        const resumed = await model.retry(crashing);
        assert.deepEqual(resumed.completed, ["createSecret", "setSecret", "testSecret", "finishSecret"]);
        assert.equal(model.value("AWSCURRENT"), pending);
        assert.equal(Object.keys(model.stages()).length, 2);
    });

    test("the version `pulumi up` wrote keeps a label of its own, so Secrets Manager never removes it and `pulumi refresh` never loses it", async () => {
        const written = Object.keys(model.stages())[0];
        const withLabel = rotationFunction(model, { SECRET_ARN: arn, IDENTITY_USERS: users.join(","), WRITTEN_VERSION_ID: written });
        try {
            for (let i = 0; i < 2; i++) assert.equal((await model.rotate(withLabel.invoke)).failed, undefined);
            assert.deepEqual(labelsOf(written), ["eks-gmsa-written-by-pulumi"], "after two rotations its only label is ours");
            // A hundred more versions a day later: Secrets Manager removes outdated ones, never this one.
            model.model.advanceHours(25);
            for (let i = 0; i < 100; i++) model.model.putSecretValue({ SecretId: arn, SecretString: `v${i}`, VersionStages: [] });
            assert.ok(model.model.versions.has(written), "the version the program's SecretVersion names is still there");
        } finally {
            withLabel.cleanup();
        }
    });

    test("without WRITTEN_VERSION_ID the first version loses its last label and would be removed", async () => {
        const written = Object.keys(model.stages())[0];
        for (let i = 0; i < 2; i++) assert.equal((await model.rotate(fn.invoke)).failed, undefined);
        assert.equal(labelsOf(written), undefined, "no label: deprecated");
        model.model.advanceHours(25);
        for (let i = 0; i < 100; i++) model.model.putSecretValue({ SecretId: arn, SecretString: `v${i}`, VersionStages: [] });
        assert.ok(!model.model.versions.has(written));
    });

    test("a SecretId other than SECRET_ARN is refused before any call to Secrets Manager", async () => {
        const other = arn.replace("portable-identity", "someone-else");
        await assert.rejects(
            fn.invoke({ Step: "createSecret", SecretId: other, ClientRequestToken: "a".repeat(36) }),
            (e: Error) => e.message === `this function rotates only ${arn}, not ${other}`,
        );
        assert.deepEqual(model.requests, []);
        assert.match(fn.runs[0].stdout, /step=createSecret token=a{36} user=-: failed: this function rotates only /);
    });

    test("no password ever shows in the function's output, in success or failure", async () => {
        fn.failHostSteps({ set: "eks-gmsa: set: the DC refused the password of gmsa-reader-b" });
        await model.rotate(fn.invoke);
        fn.failHostSteps({});
        await model.retry(fn.invoke);
        await model.rotate(fn.invoke);
        const output = allOutput();
        assert.match(output, /step=finishSecret token=\S+ user=gmsa-reader: AWSCURRENT moved/, "the function does log");
        const passwords = [...model.model.versions.values()].map((v) => JSON.parse(v.value!).password as string);
        assert.equal(passwords.length, 3);
        for (const p of passwords) assert.ok(!output.includes(p), "a password is in the output");
    });
});

describe("turning rotation on without rotating (RotateSecret with RotateImmediately=false)", () => {
    test("testSecret on the empty pending version checks the configuration only: no host step, the secret unchanged", async () => {
        await start();
        const r = await model.configure(fn.invoke);
        assert.equal(r.failed, undefined, r.failed?.error);
        assert.deepEqual(fn.hostSteps(), []);
        assert.deepEqual(current(), initial);
        assert.equal(model.model.pendingToken(), undefined, "the next rotation can start");
        assert.equal((await model.rotate(fn.invoke)).failed, undefined);
        assert.equal(current().username, "gmsa-reader-b");
    });

    test("the configuration test fails when the secret names neither user", async () => {
        await start({ ...initial, username: "someone" });
        const r = await model.configure(fn.invoke);
        assert.match(r.failed?.error ?? "", /neither of this rotation's users/);
    });
});

describe("the Lambda entry point, handler(event, context), configured from its environment", () => {
    test("runs createSecret with the program's environment alone", async () => {
        await start();
        fn = rotationFunction(model, { SECRET_ARN: arn, IDENTITY_USERS: "gmsa-reader, gmsa-reader-b" }, "lambda-entry");
        const { VersionId } = model.model.rotateSecret({ SecretId: arn });
        await fn.invoke({ Step: "createSecret", SecretId: arn, ClientRequestToken: VersionId });
        assert.equal(JSON.parse(model.value(VersionId)!).username, "gmsa-reader-b");
    });

    test("a host step without HOST_INSTANCE_ID, DOCUMENT_NAME and DOCUMENT_VERSION fails naming them; IDENTITY_USERS must name two users", async () => {
        await start();
        fn = rotationFunction(model, { SECRET_ARN: arn, IDENTITY_USERS: users.join(",") }, "lambda-entry");
        const r = await model.rotate(fn.invoke);
        assert.deepEqual(r.completed, ["createSecret"]);
        assert.equal(
            r.failed?.error,
            "the rotation function's environment lacks HOST_INSTANCE_ID, DOCUMENT_NAME, DOCUMENT_VERSION (set by the eks-gmsa program)",
        );
        for (const bad of ["gmsa-reader", "gmsa-reader,GMSA-READER", "a,b,c"]) {
            const one = rotationFunction(model, { SECRET_ARN: arn, IDENTITY_USERS: bad }, "lambda-entry");
            await assert.rejects(
                one.invoke({ Step: "createSecret", SecretId: arn, ClientRequestToken: r.token }),
                /IDENTITY_USERS must name two different AD users/,
                bad,
            );
            one.cleanup();
        }
    });
});

describe("the host steps run as a command, as the SSM agent runs the rotation document (for the end-to-end test)", () => {
    test("the command gets SSM_Step and SSM_VersionId; its failure is its last eks-gmsa line", async () => {
        await start();
        const host = [
            "/bin/sh",
            "-c",
            'echo "ran $SSM_Step $SSM_VersionId"; [ "$SSM_Step" = set ] && exit 0; echo "noise" >&2; echo "eks-gmsa: chain: no TGT for web01$" >&2; exit 1',
        ];
        fn = rotationFunction(model, { SECRET_ARN: arn, IDENTITY_USERS: users.join(",") }, host);
        const r = await model.rotate(fn.invoke);
        assert.deepEqual(r.completed, ["createSecret", "setSecret"]);
        assert.match(r.failed!.error, /: eks-gmsa: chain: no TGT for web01\$$/);
        assert.match(allOutput(), new RegExp(`ran set ${r.token}`));
        assert.deepEqual(current(), initial);
    });
});

describe("the function refuses what it cannot rotate safely", () => {
    test("AWSCURRENT naming neither of the two users: createSecret fails naming both, and no pending value is written", async () => {
        await start({ ...initial, username: "someone" });
        const r = await model.rotate(fn.invoke);
        assert.equal(r.failed?.step, "createSecret");
        assert.match(r.failed!.error, /AWSCURRENT names 'someone', which is neither of this rotation's users \(gmsa-reader, gmsa-reader-b\)/);
        assert.equal(model.value(r.token), undefined);
    });

    test("a token that is not a version of the secret, or a version that is not AWSPENDING, is refused (the rotation template's checks)", async () => {
        await start();
        const done = await model.rotate(fn.invoke);
        await assert.rejects(fn.invoke({ Step: "setSecret", SecretId: arn, ClientRequestToken: "b".repeat(36) }), /has no stage for rotation/);
        const previous = Object.entries(model.stages()).find(([, s]) => s.includes("AWSPREVIOUS"))![0];
        await assert.rejects(fn.invoke({ Step: "finishSecret", SecretId: arn, ClientRequestToken: previous }), /is not AWSPENDING/);
        assert.deepEqual(labelsOf(done.token), ["eks-gmsa-tested", "AWSCURRENT"]);
    });

    test("finishSecret on a version whose testSecret failed is refused: invoking the function by hand cannot put an untested password in front of pods", async () => {
        await start();
        fn.failHostSteps({ test: "eks-gmsa: tgt: RotApp01$: the KDC refused the password" });
        const failed = await model.rotate(fn.invoke);
        assert.equal(failed.failed?.step, "testSecret");
        const before = model.value("AWSCURRENT");
        await assert.rejects(fn.invoke({ Step: "finishSecret", SecretId: arn, ClientRequestToken: failed.token }), /has not passed testSecret/);
        assert.equal(model.value("AWSCURRENT"), before, "AWSCURRENT did not move");
        fn.failHostSteps({});
        const retried = await model.retry(fn.invoke);
        assert.equal(retried.failed, undefined, "the reattempt tests it, then finishes");
        assert.equal(current().username, "gmsa-reader-b");
    });

    test("finishSecret on a pending version with no value (createSecret never ran) is refused: AWSCURRENT stays", async () => {
        await start();
        const { VersionId } = model.model.rotateSecret({ SecretId: arn });
        await assert.rejects(fn.invoke({ Step: "finishSecret", SecretId: arn, ClientRequestToken: VersionId }), /has no value: it cannot become AWSCURRENT/);
        await assert.rejects(fn.invoke({ Step: "setSecret", SecretId: arn, ClientRequestToken: VersionId }), /has no value: createSecret has not run/);
        assert.deepEqual(current(), initial);
        assert.deepEqual(fn.hostSteps(), []);
    });

    test("a secret with rotation not enabled is refused", async () => {
        await start();
        await assert.rejects(fn.invoke({ Step: "createSecret", SecretId: arn, ClientRequestToken: "c".repeat(36) }), /rotation is not enabled/);
    });
});

/** One scenario of test/support/ssm_runner_cases.py: the runner's outcome, log and simulated wait. */
async function runnerCase(name: string): Promise<{ ok: boolean; error?: string; log: string[]; waited: number; deadline: number; leftovers: number }> {
    const r = await run(lambdaPython, [path.join(projectRoot, "test", "support", "ssm_runner_cases.py"), name]);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

describe("the SSM/EC2 host runner, against botocore's Stubber (requests checked against the real API models)", () => {
    test("starts a stopped host, waits for it and for SSM Online, sends the pinned document version with Step and VersionId, then stops the host", async () => {
        const r = await runnerCase("starts-a-stopped-host");
        assert.deepEqual(r, {
            ok: true,
            log: ["started the AD management host i-0123456789abcdef0", "stopped the AD management host i-0123456789abcdef0"],
            waited: 25,
            deadline: 600,
            leftovers: 0,
        });
    });

    test("after a set step that succeeded the host stays up for the test step that follows (one boot per rotation, not two)", async () => {
        const r = await runnerCase("keeps-the-host-for-the-test-step");
        assert.equal(r.ok, true, r.error);
        assert.deepEqual(r.log, ["left the AD management host i-0123456789abcdef0 running for the test step"]);
        assert.equal(r.leftovers, 0, "no look for other users and no stop");
    });

    test("a host another run stops while this step waits for it (pulumi up's provisioning releasing it) is started again, not given up on", async () => {
        const r = await runnerCase("starts-the-host-again-when-another-run-stopped-it");
        assert.equal(r.ok, true, r.error);
        assert.equal(r.log[0], "the AD management host i-0123456789abcdef0 was stopped while this step waited for it: starting it again");
        assert.equal(r.leftovers, 0);
    });

    test("a host that is stopping is waited for, then started", async () => {
        const r = await runnerCase("waits-for-a-stopping-host");
        assert.equal(r.ok, true, r.error);
        assert.equal(r.leftovers, 0);
    });

    test("a failed run is one line, the run's last eks-gmsa line and nothing else of its output; a runbook using the host keeps it up", async () => {
        const r = await runnerCase("failed-run-while-a-runbook-uses-the-host");
        assert.equal(r.ok, false);
        assert.equal(
            r.error,
            "Step=test Failed on i-0123456789abcdef0 (command 9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d): eks-gmsa: set: the pending user gmsa-reader-b does not exist; run `pulumi up`",
        );
        assert.deepEqual(r.log, ["left the AD management host i-0123456789abcdef0 running for: runbook execution 7e6d5c4b-3a29-4817-a6f5-e4d3c2b1a098"]);
        assert.equal(r.leftovers, 0, "the host was not stopped");
    });

    test("a run still going at the Lambda's deadline fails cleanly before it, and its own command does not keep the host up", async () => {
        const r = await runnerCase("times-out-before-the-deadline");
        assert.equal(r.ok, false);
        assert.match(r.error!, /did not finish Step=test \(command 9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d\) in time \(last: InProgress\)/);
        assert.ok(r.waited <= r.deadline, `waited ${r.waited}s past the deadline ${r.deadline}s`);
        assert.deepEqual(r.log, ["stopped the AD management host i-0123456789abcdef0"]);
        assert.equal(r.leftovers, 0);
    });

    test("another command or an open Session Manager session keeps the host running", async () => {
        const r = await runnerCase("leaves-the-host-to-an-open-session");
        assert.equal(r.ok, true);
        assert.deepEqual(r.log, [
            "left the AD management host i-0123456789abcdef0 running for: command 0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0, session admin-0a1b",
        ]);
        assert.equal(r.leftovers, 0);
    });
});
