// Domain-joined mode: Windows nodes join the domain through SSM State Manager. The association
// targets the tag EC2 Auto Scaling puts on each instance of the Windows group
// (aws:autoscaling:groupName, which no user may set), by the group's fixed name: it must exist
// before the group's first node, which the launch lifecycle hook holds until it has joined (an
// association that waited for the group would leave the group's creation waiting on itself).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface DomainJoinArgs {
    directoryId: pulumi.Input<string>;
    /** The directory's DNS name (corp.example.com). */
    directoryName: string;
    /** The OU dedicated to this cluster's nodes (required in domain-joined mode). */
    joinOu: string;
    /** The Windows auto scaling group's name (fixed before the group exists: windowsGroupName). */
    groupName: string;
    namePrefix: string;
    tags: Readonly<Record<string, string>>;
}

/** What the association targets: the instances of one auto scaling group, by the tag EC2 Auto Scaling sets. */
export function domainJoinTargets(groupName: string): { key: string; values: string[] }[] {
    return [{ key: "tag:aws:autoscaling:groupName", values: [groupName] }];
}

/**
 * What the node role needs for the SSM agent to read the directory and join it. Earlier versions
 * attached it under this component; the alias keeps that attachment instead of re-creating it.
 */
export function domainJoinPolicyAttachment(componentName: string): { policy: string; formerParent: pulumi.Output<string> } {
    return { policy: "AmazonSSMDirectoryServiceAccess", formerParent: pulumi.createUrn(componentName, "eks-gmsa:directory:DomainJoin") };
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
    /** Created before the Windows node group (the group depends on it). */
    readonly association: aws.ssm.Association;

    constructor(name: string, args: DomainJoinArgs, opts?: pulumi.ComponentResourceOptions) {
        // Plain values only (a managed directory's ID is an Output, which would hold back the association).
        super(
            "eks-gmsa:directory:DomainJoin",
            name,
            {
                ...(typeof args.directoryId === "string" ? { directoryId: args.directoryId } : {}),
                directoryName: args.directoryName,
                joinOu: args.joinOu,
                groupName: args.groupName,
                document: domainJoinDocument,
            },
            opts,
        );
        this.association = new aws.ssm.Association(
            "windows-domain-join",
            {
                name: domainJoinDocument,
                associationName: `${args.namePrefix}-windows-domain-join`,
                targets: domainJoinTargets(args.groupName),
                parameters: domainJoinParameters(args.directoryId, args.directoryName, args.joinOu),
                complianceSeverity: "HIGH",
                tags: args.tags,
            },
            { parent: this },
        );
        this.associationId = this.association.associationId;
        this.registerOutputs({ associationId: this.associationId });
    }
}
