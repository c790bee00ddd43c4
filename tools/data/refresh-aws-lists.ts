// Regenerates the AWS lists the settings check config against (settings/data/*.json) from the
// pinned @pulumi/aws SDK in node_modules: its Region and ec2.InstanceType enums and the config
// keys its default provider reads. Entries under "additions" (newer than the SDK, each with its
// source) are kept. Run after bumping @pulumi/aws: npx tsx tools/data/refresh-aws-lists.ts
import * as fs from "fs";
import * as path from "path";
import * as enums from "@pulumi/aws/types/enums";

const root = path.resolve(__dirname, "..", "..");
const dataDir = path.join(root, "settings", "data");
const sdkDir = path.join(root, "node_modules", "@pulumi", "aws");

interface PackageJson {
    name: string;
    version: string;
    pulumi?: { resource?: boolean; name?: string };
    dependencies?: Record<string, string>;
}

function readJson<T>(file: string): T {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}

function writeJson(file: string, value: unknown): void {
    fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
    console.log(`wrote ${path.relative(root, file)}`);
}

function sortedUnique(values: Iterable<string>): string[] {
    return [...new Set(values)].sort();
}

/** The config keys the aws default provider accepts: the getters of the SDK's config/vars.js. */
export function awsProviderConfigKeys(varsJs: string): string[] {
    return sortedUnique([...varsJs.matchAll(/__config\.get[A-Za-z]*\("([A-Za-z0-9]+)"/g)].map((m) => m[1]));
}

function main(): void {
    const sdk = readJson<PackageJson>(path.join(sdkDir, "package.json"));
    const sdkLabel = `${sdk.name} ${sdk.version}`;

    const regionsFile = path.join(dataDir, "aws-regions.json");
    const regions = readJson<{ additions: unknown[] }>(regionsFile);
    writeJson(regionsFile, {
        about: "AWS Regions that aws:region may name. The program builds only in the aws, aws-cn and aws-us-gov partitions (settings/awsLists.ts refuses the regions of other partitions, such as us-iso-east-1, with that reason).",
        source: `${sdkLabel} types/enums/index.js, Region (generated from the provider schema)`,
        refresh: "npx tsx tools/data/refresh-aws-lists.ts after bumping @pulumi/aws; add a Region newer than the SDK to additions as {name, source}",
        regions: sortedUnique(Object.values(enums.Region)),
        additions: regions.additions ?? [],
    });

    const typesFile = path.join(dataDir, "ec2-instance-types.json");
    const types = readJson<{ additions: unknown[] }>(typesFile);
    writeJson(typesFile, {
        about: "EC2 instance types that windowsNodes.instanceType and linuxNodes.instanceTypes may name (before the per-group rules: x86_64, families, sizes).",
        source: `${sdkLabel} types/enums/ec2/index.js, InstanceType (generated from the provider schema)`,
        refresh: "npx tsx tools/data/refresh-aws-lists.ts after bumping @pulumi/aws; add a type newer than the SDK to additions as {name, source}",
        instanceTypes: sortedUnique(Object.values(enums.ec2.InstanceType)),
        additions: types.additions ?? [],
    });

    const namespacesFile = path.join(dataDir, "config-namespaces.json");
    const namespaces = readJson<Record<string, unknown>>(namespacesFile);
    const project = readJson<PackageJson>(path.join(root, "package.json"));
    // The providers this program depends on: their default providers read config in their namespace.
    const providers = Object.keys(project.dependencies ?? {})
        .map((name) => readJson<PackageJson>(path.join(root, "node_modules", name, "package.json")))
        .filter((p) => p.pulumi?.resource && p.pulumi.name)
        .map((p) => ({ name: p.pulumi!.name!, source: `package.json dependency ${p.name} ${p.version}` }));
    writeJson(namespacesFile, {
        ...namespaces,
        providersOfThisProgram: providers,
        providerKeys: {
            aws: {
                source: `${sdkLabel} config/vars.js (the keys its default provider reads)`,
                keys: awsProviderConfigKeys(fs.readFileSync(path.join(sdkDir, "config", "vars.js"), "utf8")),
            },
        },
    });
}

if (require.main === module) main();
