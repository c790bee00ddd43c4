// Domain-joined mode: Windows nodes join the domain through SSM State Manager. The association
// targets a tag every Windows node launches with, not the auto scaling group's name: it must exist
// before the group's first node, which the launch lifecycle hook holds until it has joined (an
// association created after the group would leave the group's creation waiting on itself).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface DomainJoinArgs {
    directoryId: pulumi.Input<string>;
    /** The directory's DNS name (corp.example.com). */
    directoryName: string;
    joinOu?: string;
    /** The tag (key and value) the Windows nodes carry from launch; see `domainJoinNodeTag`. */
    nodeTag: { key: string; value: string };
    namePrefix: string;
    tags: Readonly<Record<string, string>>;
}

/** The tag each Windows node of a cluster launches with in domain-joined mode. */
export function domainJoinNodeTag(clusterName: string): { key: string; value: string } {
    return { key: "eks-gmsa:domain-join", value: clusterName };
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
        super("eks-gmsa:directory:DomainJoin", name, {}, opts);
        this.association = new aws.ssm.Association("windows-domain-join", {
            name: domainJoinDocument,
            associationName: `${args.namePrefix}-windows-domain-join`,
            targets: [{ key: `tag:${args.nodeTag.key}`, values: [args.nodeTag.value] }],
            parameters: domainJoinParameters(args.directoryId, args.directoryName, args.joinOu),
            complianceSeverity: "HIGH",
            tags: args.tags,
        }, { parent: this });
        this.associationId = this.association.associationId;
        this.registerOutputs({ associationId: this.associationId });
    }
}
