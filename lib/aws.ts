// AWS naming facts shared by components. Pure.

/** The ARN partition of a region: aws, aws-cn or aws-us-gov. */
export function partitionOf(region: string): string {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    return "aws";
}

export function managedPolicyArn(partition: string, name: string): string {
    return `arn:${partition}:iam::aws:policy/${name}`;
}

export function eksAccessPolicyArn(partition: string, name: string): string {
    return `arn:${partition}:eks::aws:cluster-access-policy/${name}`;
}

/** The DNS suffix of service principals (ec2.amazonaws.com; China uses the same for EC2 and EKS). */
export function servicePrincipal(service: string): string {
    return `${service}.amazonaws.com`;
}

/** The account of an ARN (`arn:partition:service:region:account:...`). */
export function accountOfArn(arn: string): string {
    const account = arn.split(":")[4];
    if (!/^\d{12}$/.test(account ?? "")) throw new Error(`no account ID in ARN ${arn}`);
    return account;
}

/** An IAM principal as an ARN names it: account, kind and name (a role's path left out). */
export interface IamPrincipal {
    partition: string;
    account: string;
    kind: "role" | "user" | "root";
    name: string;
}

/**
 * Parses IAM role and user ARNs (with or without a path), the account root, and STS assumed-role
 * session ARNs (which name the role, not the session). Undefined for anything else.
 */
export function iamPrincipalOf(arn: string): IamPrincipal | undefined {
    const iam = /^arn:([a-z-]+):iam::(\d{12}):(role|user)\/(?:[^/]+\/)*([^/]+)$/.exec(arn);
    if (iam) return { partition: iam[1], account: iam[2], kind: iam[3] as "role" | "user", name: iam[4] };
    const session = /^arn:([a-z-]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(arn);
    if (session) return { partition: session[1], account: session[2], kind: "role", name: session[3] };
    const root = /^arn:([a-z-]+):iam::(\d{12}):root$/.exec(arn);
    if (root) return { partition: root[1], account: root[2], kind: "root", name: "root" };
    return undefined;
}

/**
 * Whether two ARNs name the same IAM principal. A role's path is not part of its identity (role
 * names are unique in an account), so `role/teams/admins` and `role/admins` are the same role.
 */
export function samePrincipal(a: string, b: string): boolean {
    const x = iamPrincipalOf(a);
    const y = iamPrincipalOf(b);
    if (!x || !y) return a === b;
    // IAM names are case-insensitive for uniqueness ("role names are not distinguished by case").
    return x.partition === y.partition && x.account === y.account && x.kind === y.kind && x.name.toLowerCase() === y.name.toLowerCase();
}

/** The ARN of a principal without a role's or user's path (the identity samePrincipal compares). */
export function principalArnWithoutPath(arn: string): string {
    const p = iamPrincipalOf(arn);
    if (!p) return arn;
    return p.kind === "root" ? `arn:${p.partition}:iam::${p.account}:root` : `arn:${p.partition}:iam::${p.account}:${p.kind}/${p.name}`;
}
