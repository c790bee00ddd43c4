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
