// Issue 14, item 1: a key under a misspelt namespace (eks-gsma:windowsNodes) was ignored and the
// Windows group silently took its defaults. Keys in a namespace one typo away from one the
// program reads, and aws: keys the aws provider does not have, are now config errors with "did
// you mean", reported with the other problems before anything is registered.
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, test } from "node:test";
import { projectRoot } from "../tools/harness";
import { readStackConfigFile, toProgramConfig } from "../tools/harness/stackConfig";
import { parseSettings, projectName } from "../settings/validate";
import { closest, didYouMean, typoDistance } from "../settings/similar";
import { runStack, userResources } from "./helpers";
import { lineFor, repositoryStackFiles } from "./support/fixtures";

/** The repository's stack files, each parsed as the program would (problems, or none). */
const stackFiles = repositoryStackFiles();

/** Problems of Pulumi.dev.yaml with `extra` keys added (full keys, stack-file values). */
function devProblems(extra: Record<string, unknown>): readonly string[] {
    const base = readStackConfigFile(path.join(projectRoot, "Pulumi.dev.yaml"), projectName);
    const added = toProgramConfig(extra, projectName);
    const result = parseSettings({ values: { ...base.values, ...added.values }, stack: "dev", secretKeys: [...base.secretKeys, ...added.secretKeys] });
    return result.ok ? [] : result.problems;
}

describe("a misspelt namespace stops the run, naming the key it was meant to be", () => {
    // One run of the real program with the mistakes a user makes in a stack file.
    const run = runStack({
        stack: "dev",
        overrides: {
            "eks-gsma:windowsNodes": { instanceType: "m6i.2xlarge", minSize: 2, desiredSize: 2, maxSize: 4 },
            "kubernets:context": "dev",
            "aws:regoin": "us-west-2",
        },
    });

    test("eks-gsma:windowsNodes: did you mean eks-gmsa:windowsNodes", () => {
        const line = lineFor(
            run.errors
                .join("\n")
                .split("\n")
                .map((l) => l.trim()),
            "eks-gsma:windowsNodes",
        );
        assert.match(line, /unknown config namespace eks-gsma; did you mean eks-gmsa:windowsNodes\?$/);
    });

    test("a provider's namespace misspelt (kubernets:) and an aws: key the provider lacks (aws:regoin)", () => {
        const lines = run.errors
            .join("\n")
            .split("\n")
            .map((l) => l.trim());
        assert.match(lineFor(lines, "kubernets:context"), /did you mean kubernetes:context\?$/);
        assert.match(lineFor(lines, "aws:regoin"), /is not a config key of the aws provider .*; did you mean aws:region\?$/);
    });

    test("all three are reported at once, as config problems, and nothing is registered", () => {
        assert.equal(run.errors.length, 1, run.errors.join("\n"));
        assert.match(run.errors[0], /invalid stack configuration \(3 problems\)/);
        assert.deepEqual(userResources(run), []);
    });
});

describe("which namespaces are refused", () => {
    test("one of the project's keys in the aws namespace points to the project's", () => {
        assert.match(lineFor(devProblems({ "aws:windowsNodes": { instanceType: "m6i.xlarge" } }), "aws:windowsNodes"), /did you mean eks-gmsa:windowsNodes\?$/);
    });

    test("a namespace differing only in case is a typo (Pulumi keys are case-sensitive)", () => {
        assert.match(lineFor(devProblems({ "AWS:profile": "ops" }), "AWS:profile"), /did you mean aws:profile\?$/);
    });

    test("an unknown aws: key with nothing near is refused and says where such values belong", () => {
        assert.match(
            lineFor(devProblems({ "aws:costCentre": "4711" }), "aws:costCentre"),
            /refuses it at deploy time; keep values of your own in a namespace of your own$/,
        );
    });

    test("a secret under a misspelt namespace is named, never shown", () => {
        const line = lineFor(devProblems({ "eks-gmas:portableIdentityPassword": { secure: "v1:abc" } }), "eks-gmas:portableIdentityPassword");
        assert.doesNotMatch(line, /got|Offline-Placeholder|abc/);
        assert.match(line, /did you mean eks-gmsa:portableIdentityPassword\?$/);
    });

    test("namespaces far from every one the program reads, and common providers near them, stay allowed", () => {
        assert.deepEqual(
            devProblems({
                "platform-team:owner": "alice", // a namespace of the user's own
                "awsx:note": "x", // a real Pulumi package, one letter from aws
                "ec:endpoint": "https://ece.example.com", // Elastic Cloud, one letter from eks
                "gcp:project": "p",
                "azure-native:location": "westeurope",
                "pulumi:tags": { team: "platform" },
                "aws:defaultTags": { tags: { owner: "platform" } },
                "aws:profile": "ops",
            }),
            [],
        );
    });
});

describe("the repository's stack files pass", () => {
    for (const file of stackFiles) {
        test(file, () => {
            const config = readStackConfigFile(path.join(projectRoot, file), projectName);
            const result = parseSettings({ values: config.values, stack: "check", secretKeys: config.secretKeys });
            assert.deepEqual(result.ok ? [] : result.problems, []);
        });
    }
});

describe("did-you-mean, on its own", () => {
    test("a swap of two neighbours is one typo", () => {
        assert.equal(typoDistance("eks-gsma", "eks-gmsa"), 1);
        assert.equal(typoDistance("regoin", "region"), 1);
        assert.equal(typoDistance("aws", "gcp"), 3);
    });

    test("equally near candidates are all offered, nearer ones win, far ones are not offered", () => {
        assert.deepEqual(
            closest("us-west-9", ["us-east-1", "us-west-1", "us-west-2"], () => 2),
            ["us-west-1", "us-west-2"],
        );
        assert.deepEqual(
            closest("m6i.xlarg", ["m6i.large", "m6i.xlarge"], () => 2),
            ["m6i.xlarge"],
        );
        assert.deepEqual(
            closest("platform-team", ["eks-gmsa", "aws"], () => 2),
            [],
        );
        assert.equal(didYouMean(["a", "b", "c"]), "did you mean a, b or c?");
        assert.equal(didYouMean([]), undefined);
    });
});
