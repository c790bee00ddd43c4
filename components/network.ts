// The VPC: a new one (public and private subnets per AZ, NAT per AZ or one shared) or an existing one.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ExistingVpcSettings, NetworkSettings, NewVpcSettings } from "../settings/types";

export interface NetworkArgs {
    settings: NetworkSettings;
    /** Prefix for Name tags. */
    namePrefix: string;
    tags: Readonly<Record<string, string>>;
}

export class Network extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly publicSubnetIds: pulumi.Output<string[]>;
    readonly privateSubnetIds: pulumi.Output<string[]>;
    readonly availabilityZones: pulumi.Output<string[]>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-gmsa:network:Network", name, {}, opts);
        const built = args.settings.mode === "create" ? this.createVpc(args.settings, args) : useExisting(args.settings);
        this.vpcId = built.vpcId;
        this.publicSubnetIds = built.publicSubnetIds;
        this.privateSubnetIds = built.privateSubnetIds;
        this.availabilityZones = built.availabilityZones;
        this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: this.publicSubnetIds, privateSubnetIds: this.privateSubnetIds });
    }

    private createVpc(s: NewVpcSettings, args: NetworkArgs) {
        const parent = { parent: this };
        const tags = (name: string, extra: Record<string, string> = {}) => ({ ...args.tags, Name: `${args.namePrefix}-${name}`, ...extra });
        const count = s.availabilityZoneCount;
        const zones: pulumi.Output<string[]> = s.availabilityZones.length > 0
            ? pulumi.output([...s.availabilityZones])
            : aws.getAvailabilityZonesOutput({ state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] }, parent).names.apply((names) => {
                if (names.length < count) throw new Error(`eks-gmsa:network.availabilityZoneCount: the region has only ${names.length} available zones, ${count} asked`);
                return names.slice(0, count);
            });

        const vpc = new aws.ec2.Vpc("vpc", { cidrBlock: s.vpcCidr, enableDnsSupport: true, enableDnsHostnames: true, tags: tags("vpc") }, parent);
        const internetGateway = new aws.ec2.InternetGateway("internet-gateway", { vpcId: vpc.id, tags: tags("igw") }, parent);

        const publicRouteTable = new aws.ec2.RouteTable("public-routes", { vpcId: vpc.id, tags: tags("public") }, parent);
        new aws.ec2.Route("public-default-route", { routeTableId: publicRouteTable.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: internetGateway.id }, parent);

        const publicSubnets = s.publicSubnetCidrs.map((cidr, i) => {
            // Public subnets hold NAT gateways and internet-facing load balancers, never nodes.
            const subnet = new aws.ec2.Subnet(`public-subnet-${i}`, {
                vpcId: vpc.id, cidrBlock: cidr, availabilityZone: zones[i], mapPublicIpOnLaunch: false,
                tags: tags(`public-${i}`, { "kubernetes.io/role/elb": "1" }),
            }, parent);
            new aws.ec2.RouteTableAssociation(`public-subnet-${i}-routes`, { subnetId: subnet.id, routeTableId: publicRouteTable.id }, parent);
            return subnet;
        });

        const natCount = s.natGateways === "onePerAz" ? count : 1;
        const natGateways = Array.from({ length: natCount }, (_, i) => {
            const address = new aws.ec2.Eip(`nat-address-${i}`, { domain: "vpc", tags: tags(`nat-${i}`) }, parent);
            return new aws.ec2.NatGateway(`nat-gateway-${i}`, { allocationId: address.id, subnetId: publicSubnets[i].id, tags: tags(`nat-${i}`) }, { parent: this, dependsOn: [internetGateway] });
        });

        const privateSubnets = s.privateSubnetCidrs.map((cidr, i) => {
            const subnet = new aws.ec2.Subnet(`private-subnet-${i}`, {
                vpcId: vpc.id, cidrBlock: cidr, availabilityZone: zones[i],
                tags: tags(`private-${i}`, { "kubernetes.io/role/internal-elb": "1" }),
            }, parent);
            // One route table per AZ in both NAT modes, so switching modes only changes routes.
            const routeTable = new aws.ec2.RouteTable(`private-routes-${i}`, { vpcId: vpc.id, tags: tags(`private-${i}`) }, parent);
            new aws.ec2.Route(`private-default-route-${i}`, { routeTableId: routeTable.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: natGateways[i % natCount].id }, parent);
            new aws.ec2.RouteTableAssociation(`private-subnet-${i}-routes`, { subnetId: subnet.id, routeTableId: routeTable.id }, parent);
            return subnet;
        });

        return {
            vpcId: vpc.id,
            publicSubnetIds: pulumi.all(publicSubnets.map((x) => x.id)),
            privateSubnetIds: pulumi.all(privateSubnets.map((x) => x.id)),
            availabilityZones: zones,
        };
    }
}

function useExisting(s: ExistingVpcSettings) {
    return {
        vpcId: pulumi.output(s.vpcId),
        publicSubnetIds: pulumi.output([...s.publicSubnetIds]),
        privateSubnetIds: pulumi.output([...s.privateSubnetIds]),
        availabilityZones: pulumi.output<string[]>([]),
    };
}
