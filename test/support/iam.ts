// A small evaluator of IAM identity policies, for tests that ask what a policy ALLOWS rather than
// what it says. It follows the documented evaluation logic for one principal's identity policy:
// an explicit Deny wins, otherwise some Allow must match action, resource and every condition.
// Action names match case-insensitively with * and ? wildcards, resources case-sensitively;
// condition keys are case-insensitive. Supported operators: StringEquals, StringLike, ArnEquals,
// ArnLike and their Not forms (StringNotEquals, ...), Bool, IpAddress and NotIpAddress (IPv4 CIDR),
// each with an IfExists suffix and optionally under ForAllValues:/ForAnyValue:; an operator it does
// not know fails the test rather than guessing. A service control policy is evaluated the same way, as one more policy whose
// Deny wins (the request's context then carries aws:PrincipalArn).
// (IAM User Guide: "Policy evaluation logic", "IAM JSON policy elements: Condition operators".)
import type { PolicyDocument } from "../../components/iamPolicies";
import { containsAddress, parseCidr } from "../../lib/cidr";

/** One request as IAM authorizes it: an action on one resource, with the request's context keys. */
export interface IamRequest {
    action: string;
    resource: string;
    /** Condition context (for example ssm:resourceTag/<key> of the resource); absent keys are absent. */
    context?: Readonly<Record<string, string | readonly string[]>>;
}

function wildcard(pattern: string, flags = ""): RegExp {
    return new RegExp(
        `^${pattern
            .split("")
            .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
            .join("")}$`,
        flags,
    );
}

const list = <T>(v: T | readonly T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? [...v] : [v as T]);

function contextValue(context: IamRequest["context"], key: string): string[] | undefined {
    const found = Object.entries(context ?? {}).find(([k]) => k.toLowerCase() === key.toLowerCase());
    return found ? list(found[1] as string | string[]) : undefined;
}

function matchOne(operator: string, actual: string, expected: string): boolean {
    switch (operator) {
        case "StringEquals":
        case "ArnEquals":
            return actual === expected;
        case "StringLike":
        case "ArnLike":
            return wildcard(expected).test(actual);
        case "Bool":
            return actual.toLowerCase() === expected.toLowerCase();
        case "IpAddress":
            return containsAddress(parseCidr(expected.includes("/") ? expected : `${expected}/32`), actual);
        default:
            throw new Error(`iam evaluator: unsupported condition operator ${operator}`);
    }
}

function conditionHolds(qualifiedOperator: string, key: string, expected: string[], context: IamRequest["context"]): boolean {
    const [qualifier, qualified] = qualifiedOperator.includes(":") ? qualifiedOperator.split(":") : [undefined, qualifiedOperator];
    // ...IfExists: true when the key is absent, the operator otherwise.
    const ifExists = qualified.endsWith("IfExists");
    const operator = ifExists ? qualified.slice(0, -"IfExists".length) : qualified;
    const negated = /^(String|Arn)Not|^NotIpAddress$/.test(operator);
    const base = negated ? operator.replace("Not", "") : operator;
    const actual = contextValue(context, key);
    if (ifExists && actual === undefined) return true;
    if (qualifier === "ForAllValues") return (actual ?? []).every((a) => expected.some((e) => matchOne(base, a, e)) !== negated);
    if (qualifier === "ForAnyValue") return (actual ?? []).some((a) => expected.some((e) => matchOne(base, a, e)) !== negated);
    if (qualifier !== undefined) throw new Error(`iam evaluator: unsupported qualifier ${qualifier}`);
    // A missing key fails a positive operator; a negated one matches when the key is absent.
    if (actual === undefined) return negated;
    const hit = actual.some((a) => expected.some((e) => matchOne(base, a, e)));
    return negated ? !hit : hit;
}

type Statement = PolicyDocument["Statement"][number];

function statementMatches(s: Statement, r: IamRequest): boolean {
    if (!list(s.Action).some((a) => wildcard(a, "i").test(r.action))) return false;
    if (!list(s.Resource).some((p) => wildcard(p).test(r.resource))) return false;
    return Object.entries(s.Condition ?? {}).every(([operator, keys]) =>
        Object.entries(keys).every(([key, expected]) => conditionHolds(operator, key, list(expected), r.context)),
    );
}

/** Whether the policies (of one principal) allow this one request. */
export function allows(policies: PolicyDocument | readonly PolicyDocument[], r: IamRequest): boolean {
    const statements = list(policies as PolicyDocument | PolicyDocument[]).flatMap((p) => p.Statement);
    if (statements.some((s) => s.Effect === "Deny" && statementMatches(s, r))) return false;
    return statements.some((s) => s.Effect === "Allow" && statementMatches(s, r));
}

/** A request naming several resources (SendCommand: the document and each instance) needs every one allowed. */
export function allowsAll(policies: PolicyDocument | readonly PolicyDocument[], action: string, resources: readonly Omit<IamRequest, "action">[]): boolean {
    return resources.every((resource) => allows(policies, { action, ...resource }));
}
