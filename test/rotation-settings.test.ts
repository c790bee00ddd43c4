// eks-gmsa:gmsa.portableIdentity.rotation: the schedule (whole days 1-1000 or "off", 30 by
// default where a rotation can run) and the second AD user (`<username>-b` by default). Where no
// management host sets AD passwords, a number is an error naming the key and what is missing;
// every problem is reported at once, before anything is registered.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseSettings } from "../settings/validate";
import { runStack, userResources } from "./helpers";
import { domainlessStackConfig, lineFor } from "./support/fixtures";

const key = "eks-gmsa:gmsa.portableIdentity.rotation";
const adminSecret = "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/ad-admin-AbCdEf";
/** An existing directory the stack provisions accounts in: a management host exists, so a rotation can run. */
const provisioning = { provisionAccounts: true, adminCredentialsSecretArn: adminSecret };

function read(rotation: unknown, activeDirectory: Record<string, unknown> = provisioning, username = "gmsa-ccg-reader") {
    return parseSettings(domainlessStackConfig({ activeDirectory, gmsa: { portableIdentity: { username, ...(rotation === undefined ? {} : { rotation }) } } }));
}
function rotationOf(result: ReturnType<typeof read>) {
    assert.ok(result.ok, result.ok ? "" : result.problems.join("\n"));
    return result.settings.gmsa?.portableIdentity?.rotation;
}
function problems(result: ReturnType<typeof read>): readonly string[] {
    assert.ok(!result.ok, "expected config problems");
    return result.problems;
}

describe("where a rotation can run (the stack provisions accounts)", () => {
    test("unset: every 30 days, alternating with <username>-b", () => {
        assert.deepEqual(rotationOf(read(undefined)), { schedule: 30, alternateUsername: "gmsa-ccg-reader-b" });
    });

    test("a number of days, its digits, or off; another alternate user", () => {
        assert.deepEqual(rotationOf(read({ schedule: 90 })), { schedule: 90, alternateUsername: "gmsa-ccg-reader-b" });
        assert.equal(rotationOf(read({ schedule: "7" }))?.schedule, 7, "pulumi config set --path writes digits as a string");
        assert.equal(rotationOf(read({ schedule: 1000 }))?.schedule, 1000);
        assert.deepEqual(rotationOf(read({ schedule: "off", alternateUsername: "ccg-reader-2" })), { schedule: "off", alternateUsername: "ccg-reader-2" });
    });

    test("a schedule outside Secrets Manager's 1 to 1000 days, or not a number, names the key and the range", () => {
        for (const bad of [0, 1001, -3, 2.5, "weekly", "30d", true]) {
            const line = lineFor(problems(read({ schedule: bad })), `${key}.schedule`);
            assert.match(line, /must be a whole number of days from 1 to 1000 \(Secrets Manager's range\), or "off"$/, String(bad));
        }
    });

    test("the alternate user: not the same user (in any case), a valid AD user name, required when the default would pass 20 characters", () => {
        assert.match(
            lineFor(problems(read({ alternateUsername: "GMSA-CCG-Reader" })), `${key}.alternateUsername`),
            /must differ from portableIdentity\.username/,
        );
        assert.match(lineFor(problems(read({ alternateUsername: "bad/name" })), `${key}.alternateUsername`), /must not contain/);
        assert.match(lineFor(problems(read({ alternateUsername: "Administrator" })), `${key}.alternateUsername`), /built-in or well-known/);
        const long = "a-nineteen-chars-id"; // 19 characters: fine alone, 21 with "-b"
        assert.match(
            lineFor(problems(read(undefined, provisioning, long)), `${key}.alternateUsername`),
            /is required: the default a-nineteen-chars-id-b would be 21 characters, more than AD's 20/,
        );
        assert.equal(rotationOf(read({ alternateUsername: "ccg-b" }, provisioning, long))?.alternateUsername, "ccg-b");
        assert.equal(rotationOf(read(undefined, provisioning, "eighteen-chars-id1"))?.alternateUsername, "eighteen-chars-id1-b", "18 + 2 = 20 fits");
    });

    test("a misspelt key gets did-you-mean, with the other problems", () => {
        const lines = problems(read({ shedule: 30, alternatUsername: "x-b" }));
        assert.match(lineFor(lines, `${key}.shedule`), /did you mean schedule\?$/);
        assert.match(lineFor(lines, `${key}.alternatUsername`), /did you mean alternateUsername\?$/);
    });
});

describe("where no rotation can run", () => {
    test("an existing directory without provisionAccounts: unset or off means no rotation; a number is an error naming what is missing", () => {
        assert.equal(rotationOf(read(undefined, {})), undefined);
        assert.equal(rotationOf(read({ schedule: "off" }, {})), undefined);
        assert.match(
            lineFor(problems(read({ schedule: 30 }, {})), `${key}.schedule`),
            /cannot rotate on this stack: activeDirectory\.provisionAccounts is off/,
        );
        assert.match(lineFor(problems(read({ alternateUsername: "x-b" }, {})), `${key}.alternateUsername`), /is only used where a rotation can run/);
    });

    test("a managed directory provisions accounts: rotation by default", () => {
        const config = domainlessStackConfig({ gmsa: { portableIdentity: { username: "gmsa-ccg-reader" } } });
        const values = {
            ...config.values,
            "eks-gmsa:activeDirectory": JSON.stringify({ domainName: "corp.example.com", netbiosName: "CORP", managedDirectory: {} }),
            "eks-gmsa:directoryAdminPassword": "Adm1n-Pa55word",
        };
        const result = parseSettings({ ...config, values, secretKeys: [...config.secretKeys, "eks-gmsa:directoryAdminPassword"] });
        assert.deepEqual(rotationOf(result), { schedule: 30, alternateUsername: "gmsa-ccg-reader-b" });
    });

    test("a bad schedule stops the program before anything is registered, one line per problem, no stack trace", () => {
        const run = runStack({
            stack: "dev",
            overrides: {
                "eks-gmsa:gmsa": {
                    mode: "domainless",
                    portableIdentity: { username: "gmsa-ccg-reader", rotation: { schedule: 0, alternateUsername: "gmsa-ccg-reader" } },
                    accounts: [],
                },
            },
        });
        assert.equal(run.errors.length, 1, run.errors.join("\n"));
        assert.match(run.errors[0], /invalid stack configuration \(2 problems\)/);
        assert.match(run.errors[0], /eks-gmsa:gmsa\.portableIdentity\.rotation\.schedule: got 0; must be a whole number of days/);
        assert.match(run.errors[0], /eks-gmsa:gmsa\.portableIdentity\.rotation\.alternateUsername: got "gmsa-ccg-reader"; must differ/);
        assert.doesNotMatch(run.errors[0], /\n\s+at /, "no stack trace");
        assert.deepEqual(userResources(run), []);
    });
});
