// What a KMS key policy ALLOWS a principal, evaluated the way KMS documents it: a statement that
// names the principal allows by itself; a statement that names the account (its root principal)
// lets the account's IAM policies allow, so the principal's own IAM policy must allow too. An
// explicit deny would win; this evaluator refuses key policies that have one. A service control
// policy's Deny wins over both. keyReachable adds the two-step ways round a key policy: put a new
// one, or grant yourself the operation. (AWS KMS Developer Guide, "Key policies": "Allows access
// to the AWS account and enables IAM policies"; "Grants in AWS KMS".) Built on ./iam.ts.
import type { PolicyDocument } from "../../components/iamPolicies";
import { allows } from "./iam";

type Statement = PolicyDocument["Statement"][number];

/** The AWS principals a statement names ("*" for everyone). */
export function principalsOf(s: Statement): string[] {
    if (s.Principal === "*") return ["*"];
    if (!s.Principal || !("AWS" in s.Principal)) return [];
    return [s.Principal.AWS].flat();
}

const accountRoot = (principalArn: string) => `arn:${principalArn.split(":")[1]}:iam::${principalArn.split(":")[4]}:root`;
/** The statements without their principals. */
const without = (statements: Statement[]): PolicyDocument => ({
    Version: "2012-10-17",
    Statement: statements.map((statement) => {
        const rest = { ...statement };
        delete rest.Principal;
        return rest;
    }),
});

export interface KeyRequest {
    /** The principal as aws:PrincipalArn has it (a role's ARN, not its session's). */
    principal: string;
    action: string;
    /** The principal's IAM policies (default: none). */
    iam?: readonly PolicyDocument[];
    /** Service control policies over the principal's account: a Deny there wins over any key policy or grant. */
    scp?: readonly PolicyDocument[];
    /** The key's ARN, which an SCP's Resource names (default: a placeholder). */
    key?: string;
    context?: Readonly<Record<string, string | readonly string[]>>;
}

const everything: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

/** Whether an SCP denies the request (SCPs are evaluated with the principal's ARN in aws:PrincipalArn). */
function scpDenies(r: KeyRequest): boolean {
    if (!r.scp || r.scp.length === 0) return false;
    return !allows([...r.scp, everything], { action: r.action, resource: r.key ?? placeholderKey, context: { ...r.context, "aws:PrincipalArn": r.principal } });
}

const placeholderKey = "arn:aws:kms:us-west-2:123456789012:key/k";

/** What the key policy (with the principal's IAM policies, under the SCPs) allows in one request. */
export function keyAllows(keyPolicy: PolicyDocument, r: KeyRequest): boolean {
    const request = { action: r.action, resource: r.key ?? placeholderKey, context: r.context };
    const naming = (p: string) => keyPolicy.Statement.filter((s) => principalsOf(s).includes(p) || principalsOf(s).includes("*"));
    if (keyPolicy.Statement.some((s) => s.Effect === "Deny")) throw new Error("kms evaluator: key policies with Deny statements are not supported");
    if (scpDenies(r)) return false;
    if (allows(without(naming(r.principal)), request)) return true;
    return allows(without(naming(accountRoot(r.principal))), request) && allows([...(r.iam ?? [])], request);
}

/**
 * The operations a grant can allow (AWS KMS Developer Guide, "Grants in AWS KMS", grant
 * operations). Whoever may kms:CreateGrant without a kms:GrantOperations condition can give itself
 * any of them, beside the key policy.
 */
export const grantOperations = [
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyPair",
    "kms:GenerateDataKeyPairWithoutPlaintext",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GenerateMac",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:Sign",
    "kms:Verify",
    "kms:VerifyMac",
    "kms:CreateGrant",
    "kms:DescribeKey",
    "kms:GetPublicKey",
    "kms:RetireGrant",
    "kms:DeriveSharedSecret",
];

export type KeyPath = "directly" | "after putting a key policy naming itself" | "through a grant to itself";

/**
 * What the principal can end up doing with the key, and how: directly; or first replacing the key
 * policy (kms:PutKeyPolicy; the new policy can name it for anything, so only an SCP stops the
 * action then); or first granting itself the operation (kms:CreateGrant; grants are honoured beside
 * the key policy). Each step is a request of its own, under the same SCPs. Undefined: no way.
 */
export function keyReachable(keyPolicy: PolicyDocument, r: KeyRequest): KeyPath | undefined {
    if (keyAllows(keyPolicy, r)) return "directly";
    const stepThen = (action: string) => keyAllows(keyPolicy, { ...r, action, context: {} }) && !scpDenies(r);
    if (stepThen("kms:PutKeyPolicy")) return "after putting a key policy naming itself";
    if (grantOperations.some((op) => op.toLowerCase() === r.action.toLowerCase()) && stepThen("kms:CreateGrant")) return "through a grant to itself";
    return undefined;
}

/** An IAM policy granting every KMS action on every key: what a broad administrator holds. */
export const everyKmsAction: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }] };
