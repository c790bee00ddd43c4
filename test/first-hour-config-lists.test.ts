// Issue 14, item 1: `windowsNodes.instanceType: m6i.xlarg` and `aws:region: us-west-9` planned
// successfully. Regions and instance types are now checked against lists in settings/data, made
// from the pinned @pulumi/aws SDK, and a wrong one is refused with the nearest real names.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import * as enums from "@pulumi/aws/types/enums";
import { projectRoot } from "../tools/harness";
import { awsProviderConfigKeys } from "../tools/data/refresh-aws-lists";
import { awsRegions, buildableRegions, ec2InstanceTypes } from "../settings/awsLists";
import { windowsInstanceFamilies } from "../settings/catalog";
import namespaces from "../settings/data/config-namespaces.json";
import { runStack, userResources } from "./helpers";
import { lineFor } from "./support/fixtures";

describe("a region or instance type that does not exist stops the run, with the nearest real ones", () => {
    const run = runStack({
        stack: "dev",
        overrides: {
            "aws:region": "us-west-9",
            "eks-gmsa:windowsNodes": { windowsServerVersion: "2022", instanceType: "m6i.xlarg", minSize: 1, desiredSize: 1, maxSize: 3 },
            "eks-gmsa:linuxNodes": { instanceTypes: ["m6i.large", "t3.medum"], minSize: 2, desiredSize: 2, maxSize: 3 },
        },
    });
    const lines = run.errors
        .join("\n")
        .split("\n")
        .map((l) => l.trim());

    test("aws:region: us-west-9", () => {
        assert.match(
            lineFor(lines, "aws:region"),
            /^aws:region: got "us-west-9"; is not an AWS Region \(settings\/data\/aws-regions\.json lists them\); did you mean us-west-1 or us-west-2\?$/,
        );
    });

    test("windowsNodes.instanceType: m6i.xlarg", () => {
        assert.match(lineFor(lines, "eks-gmsa:windowsNodes.instanceType"), /got "m6i\.xlarg"; is not an EC2 instance type .*; did you mean m6i\.xlarge\?$/);
    });

    test("linuxNodes.instanceTypes[1]: t3.medum", () => {
        assert.match(lineFor(lines, "eks-gmsa:linuxNodes.instanceTypes[1]"), /got "t3\.medum"; is not an EC2 instance type .*; did you mean t3\.medium\?$/);
    });

    test("nothing is registered", () => {
        assert.match(run.errors[0] ?? "", /invalid stack configuration \(3 problems\)/);
        assert.deepEqual(userResources(run), []);
    });
});

describe("what the lists accept", () => {
    test("a Windows typo is answered with a type Windows nodes can use, not a Graviton one", () => {
        const run = runStack({ stack: "dev", overrides: { "eks-gmsa:windowsNodes": { instanceType: "m6.xlarge", minSize: 1, desiredSize: 1, maxSize: 3 } } });
        const line = lineFor(
            run.errors
                .join("\n")
                .split("\n")
                .map((l) => l.trim()),
            "eks-gmsa:windowsNodes.instanceType",
        );
        assert.match(line, /did you mean m5\.xlarge, m6a\.xlarge or m6i\.xlarge\?$/);
    });

    test("regions of partitions the program does not build in are real but refused, with the reason", () => {
        assert.ok(awsRegions.has("us-iso-east-1") && !buildableRegions.includes("us-iso-east-1"));
        for (const region of ["us-west-2", "eu-central-1", "ap-southeast-6", "mx-central-1", "cn-north-1", "us-gov-west-1"])
            assert.ok(buildableRegions.includes(region), region);
    });

    test("every Windows instance family the settings allow has types in the list", () => {
        const families = new Set([...ec2InstanceTypes].map((t) => t.split(".")[0]));
        assert.deepEqual(
            windowsInstanceFamilies.filter((f) => !families.has(f)),
            [],
        );
    });
});

describe("the lists are those of the pinned @pulumi/aws (refresh: tools/data/refresh-aws-lists.ts)", () => {
    const sdkDir = path.join(projectRoot, "node_modules", "@pulumi", "aws");
    const sdkVersion = JSON.parse(fs.readFileSync(path.join(sdkDir, "package.json"), "utf8")).version as string;
    const read = (file: string) => JSON.parse(fs.readFileSync(path.join(projectRoot, "settings", "data", file), "utf8"));

    test("regions", () => {
        const data = read("aws-regions.json");
        assert.match(
            data.source,
            new RegExp(`@pulumi/aws ${sdkVersion.replace(/\./g, "\\.")} `),
            "the list was made from another @pulumi/aws: run the refresh",
        );
        assert.deepEqual(data.regions, [...new Set(Object.values(enums.Region))].sort());
    });

    test("instance types", () => {
        const data = read("ec2-instance-types.json");
        assert.match(data.source, new RegExp(`@pulumi/aws ${sdkVersion.replace(/\./g, "\\.")} `));
        assert.deepEqual(data.instanceTypes, [...new Set(Object.values(enums.ec2.InstanceType))].sort());
    });

    test("the aws provider's config keys and the providers this program uses", () => {
        assert.deepEqual(namespaces.providerKeys.aws.keys, awsProviderConfigKeys(fs.readFileSync(path.join(sdkDir, "config", "vars.js"), "utf8")));
        assert.ok(namespaces.providerKeys.aws.keys.includes("region") && namespaces.providerKeys.aws.keys.includes("profile"));
        const dependencies = Object.keys(JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8")).dependencies);
        const providers = dependencies
            .map((name) => JSON.parse(fs.readFileSync(path.join(projectRoot, "node_modules", name, "package.json"), "utf8")))
            .filter((p) => p.pulumi?.resource)
            .map((p) => p.pulumi.name as string);
        assert.deepEqual(namespaces.providersOfThisProgram.map((p) => p.name).sort(), providers.sort());
    });
});
