// The analyzer client's view of policies and their findings.

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

/**
 * Policy config, in the format of `pulumi preview --policy-pack-config`: per policy, its level and
 * properties, or just its level; `all` sets the level of every policy not named.
 */
export type PolicyConfig = Record<string, EnforcementLevel | { enforcementLevel?: EnforcementLevel; [property: string]: unknown }>;

/** What each policy runs with once the config is applied to the pack's defaults. */
export type ResolvedPolicyConfig = Record<string, { enforcementLevel: EnforcementLevel; properties: Record<string, unknown> }>;

export interface Violation {
    policyName: string;
    policyPackName: string;
    description: string;
    message: string;
    enforcementLevel: EnforcementLevel;
    /** The resource the violation is about (absent for stack-wide findings without one). */
    urn?: string;
}

export interface PolicyInfo {
    name: string;
    displayName: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    configSchema?: { properties: Record<string, unknown>; required?: string[] };
}

export interface PackInfo {
    name: string;
    version: string;
    policies: PolicyInfo[];
}
