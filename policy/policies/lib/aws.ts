// AWS checks: IAM statements that read secrets, instance metadata, EKS cluster-admin access. Pure.

import { entries, get, isOpaque, isUnknown, list, obj, str, type Obj } from "./values";

// ---------------------------------------------------------------------------------------------
// IAM policy documents

/** An IAM policy document from a `policy` input: JSON text (or, from some SDKs, an object). */
export function parsePolicyDocument(policy: unknown): { document?: Obj; opaque?: boolean; problem?: string } {
    if (isOpaque(policy)) return { opaque: true };
    if (typeof policy === "string") {
        try {
            const document = obj(JSON.parse(policy));
            return document ? { document } : { problem: "the policy document is not a JSON object" };
        } catch {
            return { problem: "the policy document is not valid JSON" };
        }
    }
    const document = obj(policy);
    return document ? { document } : { problem: "the policy document is missing" };
}

/** IAM wildcard match (`*` any run, `?` one character), case-insensitive as IAM matches actions. */
const patternCache = new Map<string, RegExp>();

export function iamPatternMatches(pattern: string, value: string): boolean {
    let re = patternCache.get(pattern);
    if (!re) {
        const body = pattern
            .split("")
            .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
            .join("");
        re = new RegExp(`^${body}$`, "is");
        if (patternCache.size < 10_000) patternCache.set(pattern, re);
    }
    return re.test(value);
}

export const GET_SECRET_VALUE = "secretsmanager:GetSecretValue";

/** The Action pattern by which an Allow statement grants secretsmanager:GetSecretValue, or undefined if it does not. */
export function grantsGetSecretValue(statement: unknown): string | undefined {
    if (get(statement, "Effect") !== "Allow") return undefined;
    const action = get(statement, "Action");
    if (action !== undefined) {
        for (const a of list(action)) {
            if (typeof a === "string" && !isOpaque(a) && iamPatternMatches(a, GET_SECRET_VALUE)) return a;
        }
        return undefined;
    }
    const notAction = get(statement, "NotAction");
    if (notAction === undefined || isUnknown(notAction)) return undefined;
    const excluded = list(notAction).some((a) => typeof a === "string" && (isOpaque(a) || iamPatternMatches(a, GET_SECRET_VALUE)));
    return excluded ? undefined : `NotAction ${JSON.stringify(notAction)}`;
}

/** The secret-name part of a Secrets Manager ARN may end in `-??????` (the random suffix) and hold no other wildcard. */
function secretNameHasWildcard(name: string): boolean {
    const withoutSuffix = /-\?{6}$/.test(name) ? name.slice(0, -7) : name;
    return /[*?]/.test(withoutSuffix) || withoutSuffix.length === 0;
}

/**
 * Why a Resource entry is not an explicit secret ARN (undefined when it is, when it cannot cover a
 * Secrets Manager secret at all, or when it is not known yet).
 */
export function secretResourceProblem(resource: unknown): string | undefined {
    if (typeof resource !== "string" || isOpaque(resource)) return undefined;
    if (resource === "*") return `Resource "*" (every secret in the account)`;
    const parts = resource.split(":");
    if (parts.length < 6 || parts[0] !== "arn") {
        return /[*?]/.test(resource) ? `Resource ${JSON.stringify(resource)} (a wildcard)` : undefined;
    }
    const service = parts[2];
    if (!iamPatternMatches(service, "secretsmanager")) return undefined;
    const rest = parts.slice(5).join(":");
    if (/^secret:/i.test(rest)) {
        const name = rest.slice("secret:".length);
        return secretNameHasWildcard(name) ? `Resource ${JSON.stringify(resource)} (a wildcard in the secret name)` : undefined;
    }
    // `*`, `sec*`, `*:*`: a wildcard that reaches secret names.
    return /[*?]/.test(rest) || /[*?]/.test(service) ? `Resource ${JSON.stringify(resource)} (a wildcard reaching every secret)` : undefined;
}

export interface StatementProblem {
    /** `statement 1 (Sid ReadPortableIdentity)`. */
    statement: string;
    action: string;
    problems: string[];
}

/** Allow statements granting secretsmanager:GetSecretValue without naming the secrets' ARNs. */
export function secretStatementProblems(document: unknown): StatementProblem[] {
    const out: StatementProblem[] = [];
    list(get(document, "Statement")).forEach((statement, i) => {
        const action = grantsGetSecretValue(statement);
        if (action === undefined) return;
        const sid = str(get(statement, "Sid"));
        const label = `statement ${i + 1}${sid ? ` (Sid ${sid})` : ""}`;
        const problems: string[] = [];
        if (get(statement, "NotResource") !== undefined) problems.push("NotResource (every secret but some)");
        const resource = get(statement, "Resource");
        if (resource === undefined && get(statement, "NotResource") === undefined) problems.push("no Resource");
        for (const r of list(resource)) {
            const p = secretResourceProblem(r);
            if (p) problems.push(p);
        }
        if (problems.length > 0) out.push({ statement: label, action, problems });
    });
    return out;
}

// ---------------------------------------------------------------------------------------------
// EC2 launch templates

/** Why a launch template does not require IMDSv2 (undefined when it does, or when not known yet). */
export function imdsv2Problem(props: unknown): string | undefined {
    const options = get(props, "metadataOptions");
    if (isUnknown(options)) return undefined;
    const tokens = get(options, "httpTokens");
    if (isUnknown(tokens)) return undefined;
    if (tokens === "required") return undefined;
    if (tokens === undefined) return "metadataOptions.httpTokens is not set, so instances also accept IMDSv1 requests";
    return `metadataOptions.httpTokens is ${JSON.stringify(tokens)}, so instances also accept IMDSv1 requests`;
}

// ---------------------------------------------------------------------------------------------
// EKS access

export const CLUSTER_ADMIN_POLICY_SUFFIX = ":cluster-access-policy/AmazonEKSClusterAdminPolicy";

export function isClusterAdminPolicy(policyArn: unknown): boolean {
    return typeof policyArn === "string" && policyArn.endsWith(CLUSTER_ADMIN_POLICY_SUFFIX);
}

export interface ClusterAdminGrant {
    /** The access entry's key in accessEntries. */
    entry: string;
    /** The accessPolicies key that carries the admin policy. */
    policy: string;
    /** undefined when not known yet. */
    principalArn?: string;
}

/** The access entries of an eks:index:Cluster that carry AmazonEKSClusterAdminPolicy. */
export function clusterAdminGrants(accessEntries: unknown): ClusterAdminGrant[] {
    const out: ClusterAdminGrant[] = [];
    for (const [entry, value] of entries(accessEntries)) {
        for (const [policy, association] of entries(get(value, "accessPolicies"))) {
            if (!isClusterAdminPolicy(get(association, "policyArn"))) continue;
            out.push({ entry, policy, principalArn: str(get(value, "principalArn")) });
        }
    }
    return out;
}
