// Domain-joined mode: Windows nodes join the domain through SSM State Manager. The association
// targets the Windows auto scaling group by its tag, so every new node is joined when it appears.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { managedPolicyArn } from "../lib/aws";

export interface DomainJoinArgs {
    directoryId: pulumi.Input<string>;
    /** The directory's DNS name (corp.example.com). */
    directoryName: string;
    joinOu?: string;
    windowsNodeRoleName: pulumi.Input<string>;
    autoScalingGroupName: pulumi.Input<string>;
    namePrefix: string;
    partition: string;
    tags: Readonly<Record<string, string>>;
}

export const domainJoinDocument = "AWS-JoinDirectoryServiceDomain";

/**
 * The document's parameters. dnsIpAddresses (a StringList) is left out: the provider sends each
 * parameter as a one-element list, and the document finds the directory's DNS servers itself.
 */
export function domainJoinParameters(directoryId: pulumi.Input<string>, directoryName: string, joinOu?: string): Record<string, pulumi.Input<string>> {
    return { directoryId, directoryName, ...(joinOu ? { directoryOU: joinOu } : {}) };
}

export class DomainJoin extends pulumi.ComponentResource {
    readonly associationId: pulumi.Output<string>;

    constructor(name: string, args: DomainJoinArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-gmsa:directory:DomainJoin", name, {}, opts);
        // Only this mode needs it: the SSM agent reads the directory and joins with its service.
        const policy = new aws.iam.RolePolicyAttachment("windows-node-role-AmazonSSMDirectoryServiceAccess", {
            role: args.windowsNodeRoleName,
            policyArn: managedPolicyArn(args.partition, "AmazonSSMDirectoryServiceAccess"),
        }, { parent: this });
        const association = new aws.ssm.Association("windows-domain-join", {
            name: domainJoinDocument,
            associationName: `${args.namePrefix}-windows-domain-join`,
            targets: [{ key: "tag:aws:autoscaling:groupName", values: [args.autoScalingGroupName] }],
            parameters: domainJoinParameters(args.directoryId, args.directoryName, args.joinOu),
            complianceSeverity: "HIGH",
            tags: args.tags,
        }, { parent: this, dependsOn: [policy] });
        this.associationId = association.associationId;
        this.registerOutputs({ associationId: this.associationId });
    }
}
