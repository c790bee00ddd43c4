// The IAM role a node group's instances run as. Shared by the Linux and Windows node components:
// EKS allows one access entry per role, so each node group gets its own.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { nodeRolePolicies, policyName, serviceTrustPolicy } from "./iamPolicies";

export function createNodeRole(name: string, description: string, partition: string, tags: Readonly<Record<string, string>>, parent: pulumi.Resource) {
    const role = new aws.iam.Role(
        name,
        {
            description,
            assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ec2")),
            tags,
        },
        { parent },
    );
    const attachments = nodeRolePolicies(partition).map(
        (policyArn) => new aws.iam.RolePolicyAttachment(`${name}-${policyName(policyArn)}`, { role: role.name, policyArn }, { parent }),
    );
    return { role, attachments };
}
