// Issue 15, item 4: config from one schema. settings/schema declares every key once; the editor
// schema for Pulumi.<stack>.yaml, docs/configuration.md's key tables and Pulumi.yaml's key list
// are generated from it, and the settings read with it. These tests hold the generated files to
// the declarations and check the editor schema the way the YAML language server uses it (ajv,
// JSON Schema draft-07).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import Ajv from "ajv";
import * as YAML from "yaml";
import { projectRoot } from "../tools/harness";
import { readStackConfigFile, toProgramConfig } from "../tools/harness/stackConfig";
import { parseSettings, projectName } from "../settings/validate";
import { stackSchemaText, withGeneratedComment, withGeneratedTables } from "../settings/schema/render";
import { repositoryStackFiles } from "./support/fixtures";

const read = (file: string) => fs.readFileSync(path.join(projectRoot, file), "utf8");
const stackFiles = repositoryStackFiles();
const committedSchema = JSON.parse(read("settings/pulumi-stack.schema.json"));
const validate = new Ajv({ allErrors: true }).compile(committedSchema);

/** The editor schema's verdict on a stack file: the paths and messages of its errors. */
function problems(document: unknown): string[] {
    return validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}
/** Pulumi.dev.yaml's config: each key an object (a section, a secure value) but aws:region. */
type StackConfig = Record<string, Record<string, unknown>>;
const devConfig = () => YAML.parse(read("Pulumi.dev.yaml")) as { config: StackConfig };

describe("the generated files are current (npx tsx settings/schema/generate.ts)", () => {
    test("settings/pulumi-stack.schema.json", () => {
        assert.equal(read("settings/pulumi-stack.schema.json"), stackSchemaText());
    });

    test("docs/configuration.md's key tables", () => {
        const docs = read("docs/configuration.md");
        assert.equal(docs, withGeneratedTables(docs));
    });

    test("Pulumi.yaml's key list", () => {
        const yaml = read("Pulumi.yaml");
        assert.equal(yaml, withGeneratedComment(yaml));
    });
});

describe("the editor schema for Pulumi.<stack>.yaml", () => {
    for (const file of stackFiles) {
        test(`accepts ${file}, which the settings accept too`, () => {
            assert.deepEqual(problems(YAML.parse(read(file))), []);
            const raw = readStackConfigFile(path.join(projectRoot, file), projectName);
            const parsed = parseSettings({ values: raw.values, stack: "schema", secretKeys: raw.secretKeys });
            assert.ok(parsed.ok, parsed.ok ? "" : parsed.problems.join("\n"));
        });
    }

    test("refuses a misspelt eks-gmsa key, naming it", () => {
        const document = devConfig();
        document.config["eks-gmsa:clusterr"] = document.config["eks-gmsa:cluster"];
        delete document.config["eks-gmsa:cluster"];
        const found = problems(document);
        assert.ok(
            found.some((p) => p.includes('"additionalProperty":"eks-gmsa:clusterr"')),
            found.join("\n"),
        );
    });

    test("refuses a misspelt field inside a section and inside a list item", () => {
        const document = devConfig();
        document.config["eks-gmsa:windowsNodes"].instanceTyp = "m6i.xlarge";
        (document.config["eks-gmsa:gmsa"].accounts as { allowed: Record<string, unknown>[] }[])[0].allowed[0].serviceAcounts = ["webapp"];
        const found = problems(document);
        assert.ok(
            found.some((p) => p.startsWith("/config/eks-gmsa:windowsNodes ") && p.includes('"additionalProperty":"instanceTyp"')),
            found.join("\n"),
        );
        assert.ok(
            found.some((p) => p.startsWith("/config/eks-gmsa:gmsa/accounts/0/allowed/0 ") && p.includes('"additionalProperty":"serviceAcounts"')),
            found.join("\n"),
        );
    });

    test("refuses a value outside what is allowed: a NAT mode, a replica count, a list for a string", () => {
        const document = devConfig();
        document.config["eks-gmsa:network"].natGateways = "perAz";
        document.config["eks-gmsa:gmsa"].webhook = { replicas: 1 };
        document.config["eks-gmsa:windowsNodes"].instanceType = ["m6i.xlarge"];
        const found = problems(document).map((p) => p.split(" ")[0]);
        for (const at of ["/config/eks-gmsa:network/natGateways", "/config/eks-gmsa:gmsa/webhook/replicas", "/config/eks-gmsa:windowsNodes/instanceType"])
            assert.ok(found.includes(at), `${at} in ${found.join(", ")}`);
    });

    test("takes a secret only as {secure: ...}, the form `pulumi config set --secret` writes", () => {
        const document = devConfig();
        assert.deepEqual(Object.keys(document.config["eks-gmsa:portableIdentityPassword"]), ["secure"]);
        (document.config as Record<string, unknown>)["eks-gmsa:portableIdentityPassword"] = "plain-text-password";
        assert.ok(problems(document).some((p) => p.startsWith("/config/eks-gmsa:portableIdentityPassword ")));
    });

    test("leaves other namespaces alone (providers, Pulumi, the user's own)", () => {
        const document = devConfig();
        Object.assign(document.config, {
            "kubernetes:context": "dev",
            "pulumi:tags": { team: "platform" },
            "platform-team:owner": "alice",
            "aws:skipMetadataApiCheck": false,
        });
        assert.deepEqual(problems(document), []);
    });

    test("refuses what the program refuses, at the same key (one declaration behind both)", () => {
        const mistakes: [string, (config: StackConfig) => void, string][] = [
            ["eks-gmsa:network.natGateways", (c) => (c["eks-gmsa:network"].natGateways = "perAz"), "/config/eks-gmsa:network/natGateways"],
            ["eks-gmsa:gmsa.webhook.replicas", (c) => (c["eks-gmsa:gmsa"].webhook = { replicas: 11 }), "/config/eks-gmsa:gmsa/webhook/replicas"],
            ["eks-gmsa:linuxNodes.capacityTyp", (c) => (c["eks-gmsa:linuxNodes"].capacityTyp = "SPOT"), "/config/eks-gmsa:linuxNodes"],
            ["eks-gmsa:cluster.logTypes", (c) => (c["eks-gmsa:cluster"].logTypes = ["api", "api"]), "/config/eks-gmsa:cluster/logTypes"],
            [
                "eks-gmsa:activeDirectory.dnsServers",
                (c) => (c["eks-gmsa:activeDirectory"] = { domainName: "corp.example.com", netbiosName: "CORP", dnsServers: [] }),
                "/config/eks-gmsa:activeDirectory/dnsServers",
            ],
        ];
        for (const [key, mistake, at] of mistakes) {
            const document = devConfig();
            mistake(document.config);
            assert.ok(
                problems(document).some((p) => p.startsWith(`${at} `)),
                `editor schema, ${key}: ${problems(document).join("; ")}`,
            );
            const raw = toProgramConfig(document.config, projectName);
            const parsed = parseSettings({ values: raw.values, stack: "schema", secretKeys: raw.secretKeys });
            assert.ok(
                !parsed.ok && parsed.problems.some((p) => p.startsWith(`${key}:`)),
                `program, ${key}: ${parsed.ok ? "accepted" : parsed.problems.join("; ")}`,
            );
        }
    });

    test("takes the forms the program takes: numbers and flags as strings, unquoted versions", () => {
        // `pulumi config set --path` writes strings; YAML reads an unquoted 2022 or 1.33 as a number.
        const forms: [string, (config: StackConfig) => void][] = [
            ['windowsNodes.minSize: "1"', (c) => (c["eks-gmsa:windowsNodes"].minSize = "1")],
            ['windowsNodes.maxSize: "3"', (c) => (c["eks-gmsa:windowsNodes"].maxSize = "3")],
            ['cluster.protect: "false"', (c) => (c["eks-gmsa:cluster"].protect = "false")],
            ['cluster.protect: "true"', (c) => (c["eks-gmsa:cluster"].protect = "true")],
            ['windowsNodes.taint: "false"', (c) => (c["eks-gmsa:windowsNodes"].taint = "false")],
            ["windowsNodes.windowsServerVersion: 2022", (c) => (c["eks-gmsa:windowsNodes"].windowsServerVersion = 2022)],
            ["cluster.kubernetesVersion: 1.33", (c) => (c["eks-gmsa:cluster"].kubernetesVersion = 1.33)],
        ];
        const disagreements: string[] = [];
        for (const [form, change] of forms) {
            const document = devConfig();
            change(document.config);
            const raw = toProgramConfig(document.config, projectName);
            const parsed = parseSettings({ values: raw.values, stack: "schema", secretKeys: raw.secretKeys });
            if (!parsed.ok) disagreements.push(`program refuses ${form}: ${parsed.problems.join("; ")}`);
            if (problems(document).length > 0) disagreements.push(`editor refuses ${form}: ${problems(document).join("; ")}`);
        }
        assert.deepEqual(disagreements, []);
    });

    test("still refuses what the program refuses in those forms, at the same key", () => {
        const mistakes: [string, (config: StackConfig) => void, string][] = [
            ["eks-gmsa:windowsNodes.minSize", (c) => (c["eks-gmsa:windowsNodes"].minSize = "one"), "/config/eks-gmsa:windowsNodes/minSize"],
            ["eks-gmsa:windowsNodes.minSize", (c) => (c["eks-gmsa:windowsNodes"].minSize = "-1"), "/config/eks-gmsa:windowsNodes/minSize"],
            ["eks-gmsa:cluster.protect", (c) => (c["eks-gmsa:cluster"].protect = "no"), "/config/eks-gmsa:cluster/protect"],
            ["eks-gmsa:windowsNodes.taint", (c) => (c["eks-gmsa:windowsNodes"].taint = "true"), "/config/eks-gmsa:windowsNodes/taint"],
            // 1.30 unquoted reads as 1.3, which is no version.
            ["eks-gmsa:cluster.kubernetesVersion", (c) => (c["eks-gmsa:cluster"].kubernetesVersion = 1.3), "/config/eks-gmsa:cluster/kubernetesVersion"],
            [
                "eks-gmsa:windowsNodes.windowsServerVersion",
                (c) => (c["eks-gmsa:windowsNodes"].windowsServerVersion = 2016),
                "/config/eks-gmsa:windowsNodes/windowsServerVersion",
            ],
        ];
        const missed: string[] = [];
        for (const [key, mistake, at] of mistakes) {
            const document = devConfig();
            mistake(document.config);
            if (!problems(document).some((p) => p.startsWith(`${at} `))) missed.push(`editor accepts ${key}`);
            const raw = toProgramConfig(document.config, projectName);
            const parsed = parseSettings({ values: raw.values, stack: "schema", secretKeys: raw.secretKeys });
            if (parsed.ok || !parsed.problems.some((p) => p.startsWith(`${key}:`))) missed.push(`program accepts ${key}`);
        }
        assert.deepEqual(missed, []);
    });

    test("shows the declared defaults, which are the values the settings use when a key is absent", () => {
        const network = committedSchema.properties.config.properties[`${projectName}:network`].properties;
        const raw = readStackConfigFile(path.join(projectRoot, "Pulumi.dev.yaml"), projectName);
        const parsed = parseSettings({ values: { ...raw.values, [`${projectName}:network`]: "{}" }, stack: "schema", secretKeys: raw.secretKeys });
        assert.ok(parsed.ok && parsed.settings.network.mode === "create");
        assert.equal(parsed.settings.network.vpcCidr, network.vpcCidr.default);
        assert.equal(parsed.settings.network.natGateways, network.natGateways.default);
        assert.equal(parsed.settings.network.availabilityZoneCount, network.availabilityZoneCount.default);
    });
});
