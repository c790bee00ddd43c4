// The VPC: a new one (public and private subnets per AZ, NAT per AZ or one shared, optionally attached
// to an existing transit gateway) or an existing one.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ExistingVpcSettings, NetworkSettings, NewVpcSettings, TransitGatewaySettings } from "../settings/types";

export interface NetworkArgs {
    settings: NetworkSettings;
    /** Prefix for Name tags. */
    namePrefix: string;
    tags: Readonly<Record<string, string>>;
}

/** What the plan records about the network: the config (IDs and CIDRs, nothing secret). */
export function networkFacts(args: NetworkArgs): NetworkSettings & { namePrefix: string } {
    return { ...args.settings, namePrefix: args.namePrefix };
}

export class Network extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly publicSubnetIds: pulumi.Output<string[]>;
    readonly privateSubnetIds: pulumi.Output<string[]>;
    readonly availabilityZones: pulumi.Output<string[]>;
    /** Routes from the private route tables to the transit gateway (none without one). */
    private readonly transitRoutes: aws.ec2.Route[] = [];

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-gmsa:network:Network", name, networkFacts(args), opts);
        const built = args.settings.mode === "create" ? this.createVpc(args.settings, args) : useExisting(args.settings);
        this.vpcId = built.vpcId;
        this.publicSubnetIds = built.publicSubnetIds;
        this.privateSubnetIds = built.privateSubnetIds;
        this.availabilityZones = built.availabilityZones;
        this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: this.publicSubnetIds, privateSubnetIds: this.privateSubnetIds });
    }

    /**
     * `value` (addresses in the networks behind the transit gateway, such as an existing directory's
     * DNS servers) as an output that resolves once the routes to them exist, so what uses it (the
     * DNS forwarders, the management host's scripts) waits for the way there. Unchanged without a
     * transit gateway.
     */
    behindTransitGateway<T>(value: pulumi.Input<T>): pulumi.Input<T> {
        if (this.transitRoutes.length === 0) return value;
        return pulumi.all([value, ...this.transitRoutes.map((r) => r.id)]).apply(([v]) => v as pulumi.Unwrap<T>) as pulumi.Output<T>;
    }

    private createVpc(s: NewVpcSettings, args: NetworkArgs) {
        const parent = { parent: this };
        const tags = (name: string, extra: Record<string, string> = {}) => ({ ...args.tags, Name: `${args.namePrefix}-${name}`, ...extra });
        const count = s.availabilityZoneCount;
        const zones: pulumi.Output<string[]> =
            s.availabilityZones.length > 0
                ? pulumi.output([...s.availabilityZones])
                : aws
                      .getAvailabilityZonesOutput({ state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] }, parent)
                      .names.apply((names) => {
                          if (names.length < count)
                              throw new Error(`eks-gmsa:network.availabilityZoneCount: the region has only ${names.length} available zones, ${count} asked`);
                          return names.slice(0, count);
                      });

        const vpc = new aws.ec2.Vpc("vpc", { cidrBlock: s.vpcCidr, enableDnsSupport: true, enableDnsHostnames: true, tags: tags("vpc") }, parent);
        const internetGateway = new aws.ec2.InternetGateway("internet-gateway", { vpcId: vpc.id, tags: tags("igw") }, parent);

        const publicRouteTable = new aws.ec2.RouteTable("public-routes", { vpcId: vpc.id, tags: tags("public") }, parent);
        new aws.ec2.Route(
            "public-default-route",
            { routeTableId: publicRouteTable.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: internetGateway.id },
            parent,
        );

        const publicSubnets = s.publicSubnetCidrs.map((cidr, i) => {
            // Public subnets hold NAT gateways and internet-facing load balancers, never nodes.
            const subnet = new aws.ec2.Subnet(
                `public-subnet-${i}`,
                {
                    vpcId: vpc.id,
                    cidrBlock: cidr,
                    availabilityZone: zones[i],
                    mapPublicIpOnLaunch: false,
                    tags: tags(`public-${i}`, { "kubernetes.io/role/elb": "1" }),
                },
                parent,
            );
            new aws.ec2.RouteTableAssociation(`public-subnet-${i}-routes`, { subnetId: subnet.id, routeTableId: publicRouteTable.id }, parent);
            return subnet;
        });

        const natCount = s.natGateways === "onePerAz" ? count : 1;
        const natGateways = Array.from({ length: natCount }, (_, i) => {
            const address = new aws.ec2.Eip(`nat-address-${i}`, { domain: "vpc", tags: tags(`nat-${i}`) }, parent);
            return new aws.ec2.NatGateway(
                `nat-gateway-${i}`,
                { allocationId: address.id, subnetId: publicSubnets[i].id, tags: tags(`nat-${i}`) },
                { parent: this, dependsOn: [internetGateway] },
            );
        });

        const privateRouteTables: aws.ec2.RouteTable[] = [];
        const privateSubnets = s.privateSubnetCidrs.map((cidr, i) => {
            const subnet = new aws.ec2.Subnet(
                `private-subnet-${i}`,
                {
                    vpcId: vpc.id,
                    cidrBlock: cidr,
                    availabilityZone: zones[i],
                    tags: tags(`private-${i}`, { "kubernetes.io/role/internal-elb": "1" }),
                },
                parent,
            );
            // One route table per AZ in both NAT modes, so switching modes only changes routes.
            const routeTable = new aws.ec2.RouteTable(`private-routes-${i}`, { vpcId: vpc.id, tags: tags(`private-${i}`) }, parent);
            new aws.ec2.Route(
                `private-default-route-${i}`,
                { routeTableId: routeTable.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: natGateways[i % natCount].id },
                parent,
            );
            new aws.ec2.RouteTableAssociation(`private-subnet-${i}-routes`, { subnetId: subnet.id, routeTableId: routeTable.id }, parent);
            privateRouteTables.push(routeTable);
            return subnet;
        });
        if (s.transitGateway) this.attachTransitGateway(s.transitGateway, vpc, privateSubnets, privateRouteTables, tags("tgw"));

        return {
            vpcId: vpc.id,
            publicSubnetIds: pulumi.all(publicSubnets.map((x) => x.id)),
            privateSubnetIds: pulumi.all(privateSubnets.map((x) => x.id)),
            availabilityZones: zones,
        };
    }

    /**
     * Attaches the private subnets (one per AZ) to an existing transit gateway and routes each of
     * its networks there from every private route table. The routes take the gateway ID from the
     * attachment, so none is created before the attachment exists (CreateRoute fails with
     * InvalidTransitGatewayID.NotFound otherwise).
     */
    private attachTransitGateway(
        t: TransitGatewaySettings,
        vpc: aws.ec2.Vpc,
        subnets: aws.ec2.Subnet[],
        routeTables: aws.ec2.RouteTable[],
        tags: Record<string, string>,
    ) {
        const parent = { parent: this };
        const attachment = new aws.ec2transitgateway.VpcAttachment(
            "transit-gateway-attachment",
            {
                transitGatewayId: t.id,
                vpcId: vpc.id,
                subnetIds: subnets.map((x) => x.id),
                tags,
            },
            parent,
        );
        routeTables.forEach((table, i) => {
            for (const cidr of t.routes) {
                this.transitRoutes.push(
                    new aws.ec2.Route(
                        transitRouteName(i, cidr),
                        { routeTableId: table.id, destinationCidrBlock: cidr, transitGatewayId: attachment.transitGatewayId },
                        parent,
                    ),
                );
            }
        });
    }
}

/** Named by route table and destination, so adding or removing one network leaves the other routes alone. */
export function transitRouteName(routeTableIndex: number, cidr: string): string {
    return `private-routes-${routeTableIndex}-to-${cidr.replace(/[./]/g, "-")}`;
}

function useExisting(s: ExistingVpcSettings) {
    return {
        vpcId: pulumi.output(s.vpcId),
        publicSubnetIds: pulumi.output([...s.publicSubnetIds]),
        privateSubnetIds: pulumi.output([...s.privateSubnetIds]),
        availabilityZones: pulumi.output<string[]>([]),
    };
}
