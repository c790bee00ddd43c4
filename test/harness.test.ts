// The harness itself: it must fail loudly where a real deployment would, and keep secrets secret.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadProgramConfig } from "../tools/harness";
import { ProgramMocks } from "../tools/harness/mocks";
import { containsSecret, normalizeValue } from "../tools/harness/normalize";
import { offlineSecretPlaceholder, toProgramConfig } from "../tools/harness/stackConfig";
import { inputs, one, runOk } from "./helpers";

describe("mocks", () => {
    const mocks = new ProgramMocks("us-west-2");

    test("an invoke nobody mocked fails loudly, naming the token", () => {
        assert.throws(() => mocks.call({ token: "aws:ec2/getVpc:getVpc", inputs: {} }), /unmocked invoke aws:ec2\/getVpc:getVpc/);
    });

    test("only well-formed public Windows AMI parameters resolve", () => {
        assert.throws(
            () =>
                mocks.call({
                    token: "aws:ssm/getParameter:getParameter",
                    inputs: { name: "/aws/service/ami-windows-latest/Windows_Server-2022-English-Datacenter-EKS_Optimized-1.35/image_id" },
                }),
            /no public SSM parameter/,
        );
        const ok = mocks.call({
            token: "aws:ssm/getParameter:getParameter",
            inputs: { name: "/aws/service/ami-windows-latest/Windows_Server-2019-English-Full-EKS_Optimized-1.33/image_id" },
        });
        assert.match(String(ok.value), /^ami-[0-9a-f]{17}$/);
    });

    test("getCluster answers only for a cluster the program declared", () => {
        assert.throws(() => mocks.call({ token: "aws:eks/getCluster:getCluster", inputs: { name: "ghost" } }), /before any eks\.Cluster named ghost/);
    });
});

describe("stack config as the Pulumi CLI passes it", () => {
    test("keys get the project namespace, objects become JSON text, scalars text, secure values secret", () => {
        const config = toProgramConfig({ "aws:region": "us-west-2", cluster: { protect: false }, count: 3, password: { secure: "AAABAJ..." } }, "eks-gmsa");
        assert.deepEqual(config.values, {
            "aws:region": "us-west-2",
            "eks-gmsa:cluster": '{"protect":false}',
            "eks-gmsa:count": "3",
            "eks-gmsa:password": offlineSecretPlaceholder,
        });
        assert.deepEqual(config.secretKeys, ["eks-gmsa:password"]);
    });

    test("a secure value nested in an object makes the whole key secret", () => {
        const config = toProgramConfig({ identity: { user: "gmsa-reader", password: { secure: "AAAB" } } }, "eks-gmsa");
        assert.deepEqual(config.secretKeys, ["eks-gmsa:identity"]);
        assert.deepEqual(JSON.parse(config.values["eks-gmsa:identity"]), { user: "gmsa-reader", password: offlineSecretPlaceholder });
    });

    test("overrides replace keys of the stack file; null removes a key", () => {
        const config = loadProgramConfig({ stack: "dev", overrides: { "eks-gmsa:activeDirectory": null, "aws:region": "eu-west-1" } });
        assert.equal(config.values["aws:region"], "eu-west-1");
        assert.equal(config.values["eks-gmsa:activeDirectory"], undefined);
        assert.ok(config.values["eks-gmsa:cluster"]);
    });
});

describe("normalization", () => {
    test("secrets anywhere become [secret]; resource references name their URN; keys are sorted", () => {
        const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "hunter2" };
        const ref = { "4dabf18193072939515e22adb298388d": "5cf8f73096256a8f31e491e813e4eb8e", urn: "urn:pulumi:dev::p::t::n" };
        const value = { b: [secret], a: { ref } };
        assert.ok(containsSecret(value));
        assert.equal(JSON.stringify(normalizeValue(value)), '{"a":{"ref":"[resource urn:pulumi:dev::p::t::n]"},"b":["[secret]"]}');
    });
});

describe("aws:profile", () => {
    test("the deploy-role provider and the kubeconfig use the stack's profile", () => {
        const run = runOk({ stack: "prod", overrides: { "aws:profile": "platform-prod" } });
        assert.equal(inputs(one(run, "pulumi:providers:aws", "deploy-role")).profile, "platform-prod");
        assert.deepEqual(inputs(one(run, "eks:index:Cluster")).providerCredentialOpts, {
            profileName: "platform-prod",
            roleArn: "arn:aws:iam::123456789012:role/eks-gmsa-deploy",
        });
    });
});
