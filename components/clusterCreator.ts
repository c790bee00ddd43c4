// The cluster's creator. EKS gives the principal that creates a cluster an access entry with cluster
// admin (@pulumi/eks 4.3.0 always sets bootstrapClusterCreatorAdminPermissions), so an entry of
// ours for the same principal fails with ResourceInUseException. The creator is resolved before
// anything is registered: the deploy role when configured; otherwise the principal a tag on the
// existing cluster recorded when it was created; otherwise (first `pulumi up`) the caller, through
// STS and the IAM session context (the role behind an assumed-role session).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { principalArnWithoutPath, samePrincipal } from "../lib/aws";
import { callerPrincipalArn } from "./caller";
import { accessPrincipals } from "../settings/access";
import type { AccessSettings, ClusterSettings } from "../settings/types";

/** Tag on the EKS cluster naming its creator, so later runs, by anyone, know whose entry EKS made. */
export const clusterCreatorTag = "eks-gmsa:cluster-creator";

/**
 * The tag's value: the principal without its path (its identity; a path could pass the 256
 * characters a tag value may have). IAM names may hold a comma, which tag values may not.
 */
export function creatorTagValue(principalArn: string): string {
    const value = principalArnWithoutPath(principalArn);
    if (!/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u.test(value))
        throw new pulumi.RunError(
            `cannot record the cluster's creator ${value} in the ${clusterCreatorTag} tag (tag values allow letters, digits, spaces and _ . : / = + - @): set eks-gmsa:cluster.deployRoleArn to a role whose name has none of the others`,
        );
    return value;
}

export interface ClusterCreator {
    principalArn: string;
    /** How it is known: the configured deploy role, the cluster's tag, or the caller of this first run. */
    source: "deployRole" | "clusterTag" | "caller";
}

/** Where the creator comes from; injected by tests. */
export interface CreatorLookups {
    clusterNames(): Promise<string[]>;
    clusterTags(name: string): Promise<Record<string, string>>;
    /** The caller's IAM principal: the role behind an assumed-role session, or the user. */
    callerPrincipal(): Promise<string>;
}

export const awsCreatorLookups: CreatorLookups = {
    clusterNames: async () => (await aws.eks.getClusters()).names,
    clusterTags: async (name) => (await aws.eks.getCluster({ name })).tags ?? {},
    callerPrincipal: callerPrincipalArn,
};

/**
 * The creator, or undefined when the cluster exists without the tag (created before it was
 * recorded: its creator cannot be known, so nothing is left to EKS's entry).
 */
export async function resolveClusterCreator(
    clusterName: string,
    deployRoleArn: string | undefined,
    lookups: CreatorLookups = awsCreatorLookups,
): Promise<ClusterCreator | undefined> {
    if (deployRoleArn) return { principalArn: deployRoleArn, source: "deployRole" };
    if ((await lookups.clusterNames()).includes(clusterName)) {
        const recorded = (await lookups.clusterTags(clusterName))[clusterCreatorTag];
        return recorded ? { principalArn: recorded, source: "clusterTag" } : undefined;
    }
    return { principalArn: await lookups.callerPrincipal(), source: "caller" };
}

export interface CreatorAccess {
    /** The configured cluster admin whose entry EKS made at creation: no entry of ours for it. */
    skippedClusterAdmin?: string;
    /** One line each: the creator configured with less than cluster admin. */
    problems: string[];
}

/**
 * How the access lists meet the creator's entry. As a cluster admin, the creator already has what
 * config asks, so its entry is left to EKS. As a namespace admin or viewer it would have more than
 * config says, and EKS's entry is not ours to change: that is an error.
 */
export function creatorAccess(access: AccessSettings, creator: ClusterCreator | undefined): CreatorAccess {
    if (!creator) return { problems: [] };
    const listed = accessPrincipals(access).filter((p) => samePrincipal(p.arn, creator.principalArn));
    const who = {
        deployRole: "the deploy role (eks-gmsa:cluster.deployRoleArn), which creates the cluster",
        clusterTag: `the cluster's creator (its ${clusterCreatorTag} tag)`,
        caller: "the principal running this `pulumi up`, which creates the cluster",
    }[creator.source];
    const problems = listed
        .filter((p) => p.role !== "clusterAdmins")
        .map(
            (p) =>
                `${p.key}: ${p.arn} is ${who}; EKS gives a cluster's creator an access entry with cluster admin, so it cannot also be one of access.${p.role}: ` +
                (creator.source === "caller"
                    ? "remove it, run `pulumi up` as another principal, or set eks-gmsa:cluster.deployRoleArn"
                    : "remove it from the list"),
        );
    const admin = listed.find((p) => p.role === "clusterAdmins");
    return { problems, ...(admin ? { skippedClusterAdmin: admin.arn } : {}) };
}

/** What the Cluster component needs: the creator, its tag value, and the configured entry EKS already made. */
export type CreatorOfCluster = ClusterCreator & Pick<CreatorAccess, "skippedClusterAdmin"> & { tagValue: string };

/**
 * Resolves the creator and meets it with the access lists. Run before anything is registered: a
 * conflict throws, naming the config key, and the stack is left untouched.
 */
export async function clusterCreatorAccess(
    cluster: ClusterSettings,
    access: AccessSettings,
    lookups: CreatorLookups = awsCreatorLookups,
): Promise<CreatorOfCluster | undefined> {
    const creator = await resolveClusterCreator(cluster.name, cluster.deployRoleArn, lookups);
    const { problems, skippedClusterAdmin } = creatorAccess(access, creator);
    if (problems.length > 0)
        throw new pulumi.RunError(
            `the cluster's creator is in the access lists (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  ${problems.join("\n  ")}`,
        );
    if (!creator) {
        pulumi.log.info(
            `EKS cluster ${cluster.name} exists without a ${clusterCreatorTag} tag, so its creator is unknown; if that principal is in eks-gmsa:access, tag the cluster with it (aws eks tag-resource) or the entry fails with ResourceInUseException`,
        );
        return undefined;
    }
    if (skippedClusterAdmin)
        pulumi.log.info(`${skippedClusterAdmin} created the EKS cluster ${cluster.name}: its cluster-admin access entry is the one EKS made for the creator`);
    return { ...creator, tagValue: creatorTagValue(creator.principalArn), ...(skippedClusterAdmin ? { skippedClusterAdmin } : {}) };
}
