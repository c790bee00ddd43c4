// The one declaration of every config key this program reads: settings/reader validates with it,
// and docs/configuration.md's tables, Pulumi.yaml's key list and the editor schema for
// Pulumi.<stack>.yaml are generated from it (settings/schema/generate.ts).
import { type Static } from "@sinclair/typebox";
import * as check from "../checks";
import { optional, secret, section, stringMap, text } from "./fields";
import { access, cluster, linuxNodes, network, windowsNodes } from "./platform";
import { activeDirectory, gmsa } from "./directory";
import { editorForm } from "./editorForm";

/** The Pulumi project: the namespace of this program's config keys (`eks-gmsa:network`). */
export const projectName = "eks-gmsa";

export const portableIdentityPasswordKey = `${projectName}:portableIdentityPassword`;
export const directoryAdminPasswordKey = `${projectName}:directoryAdminPassword`;

/** The `eks-gmsa:` keys, each a structured value (or a secret). */
export const configSchema = section({
    tags: optional(
        stringMap({
            rules: "`{name: value}` added to every AWS resource (keys 1–128 characters, not starting with `aws:`; values up to 256)",
            default: {},
            key: check.awsTagKey,
            value: check.awsTagValue,
        }),
    ),
    network: optional({ ...network, description: "A new VPC (default) or an existing one (`vpcId`)" }),
    cluster: optional({ ...cluster, description: "The EKS cluster" }),
    access: optional({ ...access, description: "EKS access entries (authentication mode `API`)" }),
    linuxNodes: optional({ ...linuxNodes, description: "The Linux managed node group (system pods)" }),
    windowsNodes: optional({ ...windowsNodes, description: "The self-managed Windows node group" }),
    activeDirectory: optional({ ...activeDirectory, description: "The Active Directory domain the gMSAs live in" }),
    gmsa: optional({ ...gmsa, description: "gMSA in the cluster: webhook, credential specs, sample" }),
    portableIdentityPassword: optional(
        secret({ rules: "secret, set with pulumi config set --secret portableIdentityPassword; gmsa.mode domainless only, required there" }),
    ),
    directoryAdminPassword: optional(
        secret({ rules: "secret, set with pulumi config set --secret directoryAdminPassword; activeDirectory.managedDirectory only, required there" }),
    ),
});

/** The config of the other namespaces that the program reads. */
export const providerKeys = {
    "aws:region": text({ rules: "required; an AWS Region such as us-west-2, one of settings/data/aws-regions.json" }),
    "aws:profile": optional(text({ rules: "optional; a named AWS profile, also passed to the deploy role's provider and the kubeconfig" })),
};

/** The structured config, as the stack file holds it (before defaults). */
export type StackConfig = Static<typeof configSchema>;

/** The top-level keys of the `eks-gmsa:` namespace. */
export const topLevelKeys = Object.keys(configSchema.properties) as readonly (keyof typeof configSchema.properties)[];

/**
 * The JSON Schema (draft-07, what the YAML language server reads) of Pulumi.<stack>.yaml: every
 * `eks-gmsa:` key declared above and nothing else in that namespace; other namespaces are free.
 */
export function stackFileSchema(): Record<string, unknown> {
    const config = {
        type: "object",
        description: "Stack configuration: `<namespace>:<key>`. Keys of other namespaces (kubernetes:, pulumi:, your own) are not checked here.",
        properties: {
            ...providerKeys,
            ...Object.fromEntries(
                // JSON round trip: the editor sees JSON Schema only (symbol-keyed checks dropped).
                Object.entries(configSchema.properties).map(([key, schema]) => [`${projectName}:${key}`, editorForm(JSON.parse(JSON.stringify(schema)))]),
            ),
        },
        // Any other namespace; in eks-gmsa:, only the keys above.
        patternProperties: { [`^(?!${projectName}:)[^:]+:`]: {} },
        additionalProperties: false,
    };
    return {
        $schema: "http://json-schema.org/draft-07/schema#",
        title: `Pulumi.<stack>.yaml of the ${projectName} project`,
        description: "Generated from settings/schema by `npx tsx settings/schema/generate.ts`; docs/configuration.md explains each key.",
        type: "object",
        properties: {
            config,
            secretsprovider: { type: "string" },
            encryptedkey: { type: "string" },
            encryptionsalt: { type: "string" },
            environment: {},
        },
    };
}
