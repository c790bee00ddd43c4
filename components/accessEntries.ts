// EKS access entries from the access settings, in the shape eks.Cluster takes. Pure.
import { createHash } from "crypto";
import { eksAccessPolicyArn } from "../lib/aws";
import { accessPolicies } from "../settings/catalog";
import type { AccessSettings } from "../settings/types";

export interface AccessPolicySpec {
    policyArn: string;
    accessScope: { type: "cluster" } | { type: "namespace"; namespaces: string[] };
}

export interface AccessEntrySpec {
    principalArn: string;
    type: "STANDARD";
    accessPolicies: Record<string, AccessPolicySpec>;
}

/**
 * Keyed by role and principal (not by list position), so removing one principal from config never
 * replaces the others' entries (which would cut their access mid-update).
 */
export function accessEntryKey(role: "admin" | "ns-admin" | "viewer", principalArn: string): string {
    const name = principalArn
        .slice(principalArn.lastIndexOf("/") + 1)
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, "-")
        .slice(0, 40);
    const digest = createHash("sha256").update(principalArn).digest("hex").slice(0, 8);
    return `${role}-${name}-${digest}`;
}

/**
 * `skipClusterAdmin`: a configured cluster admin that already has its entry (the one EKS made for
 * the cluster's creator, see clusterCreator.ts); a second one would fail.
 */
export function accessEntries(access: AccessSettings, partition: string, skipClusterAdmin?: string): Record<string, AccessEntrySpec> {
    const entries: Record<string, AccessEntrySpec> = {};
    const cluster = { type: "cluster" } as const;
    for (const arn of access.clusterAdmins.filter((a) => a !== skipClusterAdmin)) {
        entries[accessEntryKey("admin", arn)] = {
            principalArn: arn,
            type: "STANDARD",
            accessPolicies: { clusterAdmin: { policyArn: eksAccessPolicyArn(partition, accessPolicies.clusterAdmin), accessScope: cluster } },
        };
    }
    for (const admin of access.namespaceAdmins) {
        entries[accessEntryKey("ns-admin", admin.principalArn)] = {
            principalArn: admin.principalArn,
            type: "STANDARD",
            accessPolicies: {
                namespaceAdmin: {
                    policyArn: eksAccessPolicyArn(partition, accessPolicies.namespaceAdmin),
                    accessScope: { type: "namespace", namespaces: [...admin.namespaces] },
                },
            },
        };
    }
    for (const arn of access.viewers) {
        entries[accessEntryKey("viewer", arn)] = {
            principalArn: arn,
            type: "STANDARD",
            accessPolicies: { viewer: { policyArn: eksAccessPolicyArn(partition, accessPolicies.viewer), accessScope: cluster } },
        };
    }
    return entries;
}
