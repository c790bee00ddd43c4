// The AWS Regions and EC2 instance types config may name: lists in settings/data, generated from
// the pinned @pulumi/aws SDK (tools/data/refresh-aws-lists.ts; docs/configuration.md says how to
// refresh them). A name outside them is refused with the nearest names. Pure.
import regionsData from "./data/aws-regions.json";
import instanceTypesData from "./data/ec2-instance-types.json";
import { regionPattern } from "./catalog";
import { closest, didYouMean } from "./similar";

interface Addition {
    name: string;
    source: string;
}

function listed(names: readonly string[], additions: readonly Addition[]): ReadonlySet<string> {
    return new Set([...names, ...additions.map((a) => a.name)]);
}

export const awsRegions = listed(regionsData.regions, regionsData.additions as Addition[]);
export const ec2InstanceTypes = listed(instanceTypesData.instanceTypes, instanceTypesData.additions as Addition[]);

/** Regions of the partitions the program builds in: its ARNs are aws, aws-cn or aws-us-gov (lib/aws.ts). */
export const buildableRegions: readonly string[] = [...awsRegions].filter((r) => regionPattern.test(r)).sort();

/** What is wrong with an aws:region value, or undefined. */
export function regionProblem(region: string): string | undefined {
    if (buildableRegions.includes(region)) return undefined;
    if (awsRegions.has(region))
        return "is a Region of a partition this program does not build in (it builds in aws, aws-cn and aws-us-gov: the partitions its ARNs name)";
    const hint = didYouMean(closest(region, buildableRegions, () => 2));
    return `is not an AWS Region (settings/data/aws-regions.json lists them)${hint ? `; ${hint}` : "; for example us-west-2"}`;
}

/**
 * Whether `type` is an EC2 instance type; if not, the nearest of those `usable` (the types the
 * caller's own rules accept, so a Windows typo is not answered with a Graviton type).
 */
export function instanceTypeProblem(type: string, usable: (t: string) => boolean): string | undefined {
    if (ec2InstanceTypes.has(type)) return undefined;
    const hint = didYouMean(closest(type, [...ec2InstanceTypes].filter(usable), () => 2));
    return `is not an EC2 instance type (settings/data/ec2-instance-types.json lists them)${hint ? `; ${hint}` : ""}`;
}
