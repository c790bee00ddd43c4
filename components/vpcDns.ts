// Host-level name resolution of the AD domain. In domainless mode ccg.exe runs on the Windows
// host and looks up domain controllers through the VPC resolver (CoreDNS only serves pods), and
// the VPC resolver does not know the directory's domain: a Route 53 Resolver outbound endpoint
// and a forwarding rule send the domain to the AD DNS servers. Or an existing (shared) rule.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface VpcDnsForwardingArgs {
    vpcId: pulumi.Input<string>;
    /** Private subnets in two AZs for the endpoint's addresses. */
    subnetIds: pulumi.Input<string[]>;
    domainName: string;
    dnsServers: pulumi.Input<string[]>;
    /** Associate this existing rule instead of creating an endpoint and a rule. */
    existingRuleId?: string;
    namePrefix: string;
    tags: Readonly<Record<string, string>>;
}

/**
 * What the plan records about the VPC resolver's forwarding to the domain. Plain values only: the
 * directory's DNS addresses, an Output, would hold back the endpoint until the directory exists.
 */
export interface VpcDnsForwardingFacts {
    domainName: string;
    /** "create" an outbound endpoint and rule, or associate an "existing" rule. */
    mode: "create" | "existing";
    existingRuleId?: string;
}

export function vpcDnsForwardingFacts(args: VpcDnsForwardingArgs): VpcDnsForwardingFacts {
    return {
        domainName: args.domainName,
        mode: args.existingRuleId ? "existing" : "create",
        ...(args.existingRuleId ? { existingRuleId: args.existingRuleId } : {}),
    };
}

export class VpcDnsForwarding extends pulumi.ComponentResource {
    readonly ruleId: pulumi.Output<string>;
    /** Windows hosts resolve the domain once this exists: gMSA pods wait for it (ccg.exe looks up the DCs). */
    readonly association: aws.route53.ResolverRuleAssociation;

    constructor(name: string, args: VpcDnsForwardingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-gmsa:dns:VpcDnsForwarding", name, vpcDnsForwardingFacts(args), opts);
        const parent = { parent: this };
        let ruleId: pulumi.Output<string>;
        if (args.existingRuleId) {
            ruleId = pulumi.output(args.existingRuleId);
        } else {
            const securityGroup = new aws.ec2.SecurityGroup(
                "resolver-endpoint-sg",
                {
                    description: `Route 53 Resolver outbound endpoint: DNS to the AD DNS servers of ${args.domainName}`,
                    vpcId: args.vpcId,
                    egress: pulumi.output(args.dnsServers).apply((ips) =>
                        ips.flatMap((ip) =>
                            ["udp", "tcp"].map((protocol) => ({
                                protocol,
                                fromPort: 53,
                                toPort: 53,
                                cidrBlocks: [`${ip}/32`],
                                description: `DNS to ${ip}`,
                            })),
                        ),
                    ),
                    tags: { ...args.tags, Name: `${args.namePrefix}-ad-dns-forwarding` },
                },
                parent,
            );
            const endpoint = new aws.route53.ResolverEndpoint(
                "ad-dns-outbound",
                {
                    direction: "OUTBOUND",
                    securityGroupIds: [securityGroup.id],
                    // Two addresses in two AZs, the minimum Route 53 Resolver allows.
                    ipAddresses: pulumi.output(args.subnetIds).apply((ids) => ids.slice(0, 2).map((subnetId) => ({ subnetId }))),
                    tags: { ...args.tags, Name: `${args.namePrefix}-ad-dns` },
                },
                parent,
            );
            const rule = new aws.route53.ResolverRule(
                "ad-domain-forward",
                {
                    domainName: args.domainName,
                    ruleType: "FORWARD",
                    resolverEndpointId: endpoint.id,
                    targetIps: pulumi.output(args.dnsServers).apply((ips) => ips.map((ip) => ({ ip, port: 53 }))),
                    tags: { ...args.tags, Name: `${args.namePrefix}-${args.domainName}` },
                },
                parent,
            );
            ruleId = rule.id;
        }
        this.association = new aws.route53.ResolverRuleAssociation("ad-domain-forward-vpc", { resolverRuleId: ruleId, vpcId: args.vpcId }, parent);
        this.ruleId = ruleId;
        this.registerOutputs({ ruleId: this.ruleId });
    }
}
