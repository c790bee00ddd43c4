// What a KMS key policy ALLOWS a principal, evaluated the way KMS documents it: a statement that
// names the principal allows by itself; a statement that names the account (its root principal)
// lets the account's IAM policies allow, so the principal's own IAM policy must allow too. An
// explicit deny would win; this evaluator refuses key policies that have one. (AWS KMS Developer Guide, "Key policies": "Allows access to the
// AWS account and enables IAM policies".) Built on ./iam.ts.
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
const without = (statements: Statement[]): PolicyDocument => ({ Version: "2012-10-17", Statement: statements.map(({ Principal: _, ...rest }) => rest) });

export interface KeyRequest {
    /** The principal as aws:PrincipalArn has it (a role's ARN, not its session's). */
    principal: string;
    action: string;
    /** The principal's IAM policies (default: none). */
    iam?: readonly PolicyDocument[];
    context?: Readonly<Record<string, string | readonly string[]>>;
}

export function keyAllows(keyPolicy: PolicyDocument, r: KeyRequest): boolean {
    const request = { action: r.action, resource: "arn:aws:kms:us-west-2:123456789012:key/k", context: r.context };
    const naming = (p: string) => keyPolicy.Statement.filter((s) => principalsOf(s).includes(p) || principalsOf(s).includes("*"));
    if (keyPolicy.Statement.some((s) => s.Effect === "Deny")) throw new Error("kms evaluator: key policies with Deny statements are not supported");
    if (allows(without(naming(r.principal)), request)) return true;
    return allows(without(naming(accountRoot(r.principal))), request) && allows([...(r.iam ?? [])], request);
}

/** An IAM policy granting every KMS action on every key: what a broad administrator holds. */
export const everyKmsAction: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }] };
