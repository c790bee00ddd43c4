// The management host's side of rotating the portable identity, executed: the real rendered
// provision and rotation documents (components/directoryDocuments.ts) run as the SSM agent runs
// them (test/support/hostStep.ts) against a Samba DC with Windows' password policy (complexity,
// history), the identity's secret served by a stand-in boto3 that picks versions by VersionId and
// VersionStage as Secrets Manager does (test/support/versionedSecrets.ts). Each test writes the
// secret's versions a rotation function would have left; the tests run in order, one rotation
// after another, as a stack's life would.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { after, before, describe, test } from "node:test";
import { adCommandDocument, parseAdResult, rotationDocument, type AdPayload, type AdRunResult } from "../components/directoryDocuments";
import { account, addUser, canLogOn, markOf, supportPython } from "./support/ad-cli";
import { makeScratch, runDocument, type StepRun } from "./support/hostStep";
import { startSambaDomain, type SambaDomain } from "./support/samba";
import { VersionedSecrets, type SecretVersion } from "./support/versionedSecrets";

const adminArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:eks-gmsa/rot-test/directory-admin-AbCdEf";
const identityArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:eks-gmsa/rot-test/portable-identity-XyZ123";
const owner = "rot-test";
const group = "Rotation-Readers";
const gmsas = ["RotApp01", "RotApp02"];
const first = "ccg-rot";
const second = "ccg-rot-b";
// Version IDs as Secrets Manager makes them (UUIDs), one per rotation.
const v = (n: number) => `0000000${n}-aaaa-4bbb-8ccc-${String(n).padStart(12, "0")}`;
// Passwords the domain's complexity rules accept, all different (its history refuses reuse).
const passwords = {
    initial: "Initial-Passw0rd-71!",
    rotated: "Rotated-Passw0rd-82#",
    back: "Back-Again-Passw0rd-93$",
    neverSet: "Never-Set-Passw0rd-04%",
    stranger: "Stranger-Passw0rd-15&",
    afterLockout: "After-Lockout-Passw0rd-26*",
};

let dc: SambaDomain;
let scratch: string;
let secrets: VersionedSecrets;

before(
    async () => {
        scratch = makeScratch("rotation-host-dc-");
        secrets = new VersionedSecrets(scratch);
        dc = await startSambaDomain({ relaxPasswordPolicy: false });
        secrets.set(adminArn, [
            { id: v(0), stages: ["AWSCURRENT"], secretString: JSON.stringify({ username: "Admin", password: dc.delegatedAdmin.password }) },
        ]);
        await addUser(dc, "stranger-b", passwords.stranger);
    },
    { timeout: 180_000 },
);
after(async () => {
    try {
        await dc?.stop();
    } finally {
        if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
    }
});

const T = { timeout: 180_000 };

function provisionPayload(alternateUsername = second): AdPayload {
    return {
        operation: "provision",
        region: "eu-west-1",
        domain: { dnsName: dc.dnsName, netbiosName: dc.netbiosName, dcAddresses: [dc.host] },
        adminSecretArn: adminArn,
        readersGroup: group,
        owner,
        accountsOu: dc.usersOuDn,
        accounts: gmsas,
        identity: { username: first, secretArn: identityArn, alternateUsername },
        verify: true,
    };
}

const rotatePayload = (alternateUsername = second): AdPayload & { operation: "rotate" } => ({
    ...provisionPayload(alternateUsername),
    operation: "rotate",
    verify: undefined,
});

/** The identity secret's versions; each entry: [version number, stages, user, password]. */
function identitySecret(...versions: [number, string[], string, string][]): void {
    secrets.set(
        identityArn,
        versions.map(([n, stages, username, password]): SecretVersion => ({
            id: v(n),
            stages,
            secretString: JSON.stringify({ username, password, domainName: dc.dnsName }),
        })),
    );
}

/** Runs a rendered document on the "host"; no run may print any password the test knows. */
function onHost(document: string, env: Record<string, string> = {}): StepRun {
    const run = runDocument(scratch, document, { env: { ...secrets.env(), ...env } });
    for (const secret of [...Object.values(passwords), dc.delegatedAdmin.password])
        assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), `a password was printed:\n${run.stdout}${run.stderr}`);
    return run;
}

function provision(alternateUsername?: string): StepRun {
    return onHost(adCommandDocument({ description: "eks-gmsa: provision (rotation test)", payload: provisionPayload(alternateUsername) }));
}

function rotate(step: "set" | "test", version: number, alternateUsername?: string): StepRun {
    const document = rotationDocument("eks-gmsa: rotate the portable identity (rotation test)", rotatePayload(alternateUsername));
    return onHost(document, { SSM_Step: step, SSM_VersionId: v(version) });
}

function succeeded(run: StepRun, expectChain = false): AdRunResult {
    assert.equal(run.status, 0, run.stdout + run.stderr);
    return parseAdResult(run.stdout, expectChain);
}

/** The one line a failed run leaves on stderr. */
function failure(run: StepRun): string {
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /^eks-gmsa: [^\n]+\n$/, "exactly one line");
    return run.stderr.trim();
}

const members = async () =>
    (await dc.sambaTool("group", "listmembers", group))
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);

const pwdLastSet = async (name: string) => (await account(dc, name, ["pwdLastSet"]))?.pwdlastset?.[0];

/** Whether the user, bound with this password, gets the gMSA's password from the DC (gmsa_probe.py). */
async function readsGmsaPassword(user: string, password: string, gmsa: string): Promise<boolean> {
    const r = await supportPython("gmsa_probe.py", {
        command: "read-password",
        url: dc.url,
        user: `${dc.netbiosName}\\${user}`,
        password,
        account: `${gmsa}$`,
    });
    return r.readable === true;
}

const chainOfEvery = gmsas.map((a) => ({ account: a, ok: true, links: 9 }));

describe("the portable identity's pair on a Samba DC with Windows' password policy", () => {
    test(
        "provisioning with the pair creates both users in the readers' group, the secret's with the secret's password; a second run changes nothing",
        T,
        async () => {
            identitySecret([1, ["AWSCURRENT"], first, passwords.initial]);
            const result = succeeded(provision(), true);
            assert.deepEqual(result.chain, chainOfEvery, "the chain holds as the secret's user");
            for (const name of [first, second]) {
                assert.ok(
                    result.changes.some((c) => c.startsWith(`created user ${name} `)),
                    `${name} created: ${result.changes.join("; ")}`,
                );
                assert.deepEqual((await account(dc, name))?.description, [markOf(owner)], `${name} carries the owner mark`);
            }
            assert.deepEqual((await members()).filter((m) => m.startsWith("ccg-")).sort(), [first, second]);
            assert.ok(await canLogOn(dc, first, passwords.initial));

            assert.deepEqual(succeeded(provision(), true).changes, [], "the second run changes nothing");
        },
    );

    test(
        "set gives the pending user the new password; the current user keeps its own and still reads every gMSA's password; set again changes nothing",
        T,
        async () => {
            const currentSetAt = await pwdLastSet(first);
            identitySecret([1, ["AWSCURRENT"], first, passwords.initial], [2, ["AWSPENDING"], second, passwords.rotated]);
            secrets.takeReads();
            const result = succeeded(rotate("set", 2));
            assert.deepEqual(
                result.changes.map((c) => c.replace(/:.*/, "")),
                [`reset the password of user ${second}`],
            );
            assert.deepEqual(
                secrets.takeReads().filter((r) => r.SecretId === identityArn),
                [
                    { region: "eu-west-1", SecretId: identityArn, VersionId: v(2), VersionStage: "AWSPENDING" },
                    { region: "eu-west-1", SecretId: identityArn, VersionStage: "AWSCURRENT" },
                ],
                "the pending version by its ID and stage, then the current one",
            );
            assert.ok(await canLogOn(dc, second, passwords.rotated), "the pending user logs on with the new password");
            assert.ok(await canLogOn(dc, first, passwords.initial), "the current user still logs on with its own");
            assert.equal(await pwdLastSet(first), currentSetAt, "the current user's password was not set again");
            for (const gmsa of gmsas) assert.ok(await readsGmsaPassword(first, passwords.initial, gmsa), `${first} reads ${gmsa}'s password`);

            assert.deepEqual(succeeded(rotate("set", 2)).changes, [], "the second set changes nothing");
        },
    );

    test("test checks the whole chain as the pending user for every gMSA, without the admin's credentials", T, () => {
        secrets.takeReads();
        const result = succeeded(rotate("test", 2), true);
        assert.deepEqual(result.chain, chainOfEvery);
        assert.deepEqual(result.changes, []);
        assert.equal(result.domain.dnsName, dc.dnsName, "the result line carries the domain's facts");
        assert.deepEqual(
            secrets.takeReads().map((r) => [r.SecretId, r.VersionStage]),
            [[identityArn, "AWSPENDING"]],
            "only the pending version is read",
        );
    });

    test("test fails at the bind, in one line, when the pending password is not the user's (set did not run)", T, async () => {
        identitySecret([1, ["AWSCURRENT"], first, passwords.initial], [3, ["AWSPENDING"], second, passwords.neverSet]);
        const line = failure(rotate("test", 3));
        assert.match(line, /^eks-gmsa: bind: .*ccg-rot-b.*run the set step first$/);
        assert.ok(await canLogOn(dc, second, passwords.rotated), "test changed nothing");
    });

    test("after the rotation finished (AWSCURRENT names the alternate), provisioning changes nothing and resets neither user", T, async () => {
        identitySecret([1, ["AWSPREVIOUS"], first, passwords.initial], [2, ["AWSCURRENT"], second, passwords.rotated]);
        const before = [await pwdLastSet(first), await pwdLastSet(second)];
        const result = succeeded(provision(), true);
        assert.deepEqual(result.changes, []);
        assert.deepEqual(result.chain, chainOfEvery, "the chain holds as the alternate, the secret's user now");
        assert.deepEqual([await pwdLastSet(first), await pwdLastSet(second)], before);
        assert.ok(await canLogOn(dc, first, passwords.initial), "the previous user keeps its password");
        assert.ok(await canLogOn(dc, second, passwords.rotated));
    });

    test("the next rotation switches back: the first user gets a new password and passes the test; the alternate keeps its own", T, async () => {
        identitySecret(
            [1, ["AWSPREVIOUS"], first, passwords.initial],
            [2, ["AWSCURRENT"], second, passwords.rotated],
            [4, ["AWSPENDING"], first, passwords.back],
        );
        assert.deepEqual(
            succeeded(rotate("set", 4)).changes.map((c) => c.replace(/:.*/, "")),
            [`reset the password of user ${first}`],
        );
        assert.deepEqual(succeeded(rotate("test", 4), true).chain, chainOfEvery);
        assert.ok(await canLogOn(dc, first, passwords.back));
        assert.ok(await canLogOn(dc, second, passwords.rotated), "the current user (the alternate) is unaffected");
        for (const gmsa of gmsas) assert.ok(await readsGmsaPassword(second, passwords.rotated, gmsa));
    });
});

describe("a locked-out pending user", () => {
    test("set resets its password and unlocks it (a reset alone does not), so the test step passes", T, async () => {
        // The domain locks an account after 2 bad passwords; the pending user (the alternate, next) gets them.
        await dc.sambaTool(
            "domain",
            "passwordsettings",
            "set",
            "--account-lockout-threshold=2",
            "--account-lockout-duration=30",
            "--reset-account-lockout-after=30",
        );
        try {
            for (let i = 0; i < 3; i++) await canLogOn(dc, second, "Not-Its-Passw0rd-1!");
            assert.equal(await canLogOn(dc, second, passwords.rotated), false, "locked out: even its own password fails");
            identitySecret(
                [2, ["AWSPREVIOUS"], second, passwords.rotated],
                [4, ["AWSCURRENT"], first, passwords.back],
                [5, ["AWSPENDING"], second, passwords.afterLockout],
            );
            assert.deepEqual(
                succeeded(rotate("set", 5)).changes.map((c) => c.replace(/:.*/, "")),
                [`reset the password of user ${second}`, `unlocked user ${second}`],
            );
            assert.deepEqual(succeeded(rotate("test", 5), true).chain, chainOfEvery, "the chain holds as the unlocked user");
        } finally {
            await dc.sambaTool("domain", "passwordsettings", "set", "--account-lockout-threshold=0");
        }
    });
});

describe("what the host refuses, leaving every password as it was", () => {
    test("set refuses a pending version naming the user AWSCURRENT names", T, async () => {
        identitySecret([4, ["AWSCURRENT"], first, passwords.back], [5, ["AWSPENDING"], first, passwords.neverSet]);
        assert.match(failure(rotate("set", 5)), new RegExp(`^eks-gmsa: rotate: the AWSPENDING version ${v(5)} names ${first}, as AWSCURRENT does`));
        assert.ok(await canLogOn(dc, first, passwords.back));
    });

    test("set and test refuse a pending version naming a user outside the pair", T, () => {
        identitySecret([4, ["AWSCURRENT"], first, passwords.back], [6, ["AWSPENDING"], "stranger-b", passwords.neverSet]);
        for (const step of ["set", "test"] as const)
            assert.match(failure(rotate(step, 6)), /^eks-gmsa: rotate: the AWSPENDING version \S+ names the user stranger-b, not ccg-rot or ccg-rot-b;/);
    });

    test("set refuses to set the password of a pending user eks-gmsa did not create", T, async () => {
        identitySecret([4, ["AWSCURRENT"], first, passwords.back], [7, ["AWSPENDING"], "stranger-b", passwords.neverSet]);
        assert.match(failure(rotate("set", 7, "stranger-b")), /^eks-gmsa: provision: .*stranger-b exists and was not created by eks-gmsa/);
        assert.ok(await canLogOn(dc, "stranger-b", passwords.stranger), "its password is unchanged");
    });

    test("a version that is not AWSPENDING is refused with Secrets Manager's error code", T, () => {
        identitySecret([4, ["AWSCURRENT"], first, passwords.back], [5, ["AWSPENDING"], second, passwords.neverSet]);
        for (const [step, version] of [
            ["set", 4],
            ["test", 4],
            ["set", 9],
        ] as const)
            assert.match(
                failure(rotate(step, version)),
                new RegExp(
                    `^eks-gmsa: secrets: cannot read the identity.secretArn secret \\S+ version ${v(version)} as AWSPENDING \\(ResourceNotFoundException\\); .*start a new rotation$`,
                ),
            );
    });

    test("a missing or malformed Step or VersionId is refused by name before anything is read", T, () => {
        const document = rotationDocument("eks-gmsa: rotate (rotation test)", rotatePayload());
        secrets.takeReads();
        for (const [env, name] of [
            [{ SSM_VersionId: v(5) }, "SSM_Step is not set"],
            [{ SSM_Step: "finish", SSM_VersionId: v(5) }, "SSM_Step 'finish' must be set or test"],
            [{ SSM_Step: "set", SSM_VersionId: "short" }, "SSM_VersionId 'short' must be"],
        ] as const)
            assert.ok(failure(onHost(document, env)).startsWith(`eks-gmsa: payload: ${name}`));
        assert.deepEqual(secrets.takeReads(), []);
    });

    test("provisioning refuses a secret naming a user outside the pair, and an alternate eks-gmsa did not create", T, () => {
        identitySecret([8, ["AWSCURRENT"], "stranger-b", passwords.stranger]);
        assert.match(failure(provision()), /^eks-gmsa: secrets: the identity.secretArn secret names the user stranger-b, the payload ccg-rot or ccg-rot-b;/);
        identitySecret([4, ["AWSCURRENT"], first, passwords.back]);
        assert.match(failure(provision("stranger-b")), /^eks-gmsa: provision: the rotation's other user stranger-b exists and was not created by eks-gmsa/);
    });
});
