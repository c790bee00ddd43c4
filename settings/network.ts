// Reads eks-gmsa:network: a new VPC (its CIDR, AZs, subnets, NAT gateways and an optional transit
// gateway) or an existing one (its IDs). Pure; part of settings/validate.
import { contains, overlaps, parseCidr, subdivide } from "../lib/cidr";
import type { NetworkFacts } from "./reachability";
import type { Section } from "./reader";
import type { NetworkSettings, TransitGatewaySettings } from "./types";

/** The network settings, and what the cross-section checks need to know even when they are invalid. */
export function readNetwork(s: Section, region: string | undefined): { network?: NetworkSettings; vpcCidr?: string; facts: NetworkFacts } {
    const existing = s.has("vpcId");
    if (existing) {
        for (const field of ["vpcCidr", "availabilityZoneCount", "availabilityZones", "publicSubnetCidrs", "privateSubnetCidrs", "natGateways"]) {
            if (s.has(field))
                s.problems.add(s.path(field), s.raw(field), "cannot be combined with network.vpcId (an existing VPC keeps its own subnets and NAT gateways)");
        }
        if (s.has("transitGateway"))
            s.problems.add(s.path("transitGateway"), undefined, "cannot be combined with network.vpcId (an existing VPC keeps its own routes and attachments)");
        const vpcId = s.string("vpcId");
        const privateSubnetIds = s.stringList("privateSubnetIds");
        const publicSubnetIds = s.stringList("publicSubnetIds");
        if (privateSubnetIds && publicSubnetIds) {
            const shared = privateSubnetIds.find((id) => publicSubnetIds.includes(id));
            if (shared) s.problems.add(s.path("publicSubnetIds"), shared, "is listed as both public and private");
        }
        s.finish();
        const facts = { createsVpc: false };
        if (!vpcId || !privateSubnetIds || !publicSubnetIds) return { facts };
        return { network: { mode: "existing", vpcId, privateSubnetIds, publicSubnetIds }, facts };
    }
    for (const field of ["publicSubnetIds", "privateSubnetIds"]) {
        if (s.has(field)) s.problems.add(s.path(field), s.raw(field), "needs network.vpcId (subnet IDs describe an existing VPC)");
    }

    const vpcCidr = s.string("vpcCidr");
    const azCount = s.integer("availabilityZoneCount");
    const availabilityZones = s.stringList("availabilityZones", {
        item: (v) => (region && !new RegExp(`^${region}[a-z]$`).test(v) ? `is not an availability zone of ${region} (such as ${region}a)` : undefined),
    });
    const natGateways = s.string("natGateways") as "single" | "onePerAz" | undefined;
    const publicGiven = s.has("publicSubnetCidrs");
    const privateGiven = s.has("privateSubnetCidrs");
    let publicSubnetCidrs = s.stringList("publicSubnetCidrs");
    let privateSubnetCidrs = s.stringList("privateSubnetCidrs");
    const transitGateway = s.has("transitGateway") ? readTransitGateway(s.section("transitGateway"), vpcCidr) : undefined;
    s.finish();
    const facts: NetworkFacts = { createsVpc: true, vpcCidr, transitRoutes: s.has("transitGateway") ? transitGateway?.routes : [] };
    if (!vpcCidr || !azCount || !availabilityZones || !natGateways || !publicSubnetCidrs || !privateSubnetCidrs) return { vpcCidr, facts };
    if (s.has("transitGateway") && !transitGateway) return { vpcCidr, facts };

    if (availabilityZones.length > 0 && availabilityZones.length !== azCount) {
        s.problems.add(s.path("availabilityZones"), availabilityZones, `must list exactly availabilityZoneCount (${azCount}) zones`);
        return { vpcCidr, facts };
    }
    const vpc = parseCidr(vpcCidr);
    if (!publicGiven && !privateGiven) {
        ({ publicSubnetCidrs, privateSubnetCidrs } = defaultSubnets(vpc.text, azCount));
    } else {
        let ok = true;
        for (const [field, list] of [
            ["publicSubnetCidrs", publicSubnetCidrs],
            ["privateSubnetCidrs", privateSubnetCidrs],
        ] as const) {
            if (list.length !== azCount) {
                s.problems.add(s.path(field), list, `must list one CIDR per availability zone (${azCount}); give both subnet lists or neither`);
                ok = false;
                continue;
            }
            for (const [i, text] of list.entries()) {
                const subnet = parseCidr(text);
                if (!contains(vpc, subnet)) {
                    s.problems.add(`${s.path(field)}[${i}]`, text, `is not inside network.vpcCidr (${vpc.text})`);
                    ok = false;
                }
                if (subnet.prefix > 28) {
                    s.problems.add(`${s.path(field)}[${i}]`, text, "is smaller than /28, the smallest subnet AWS allows");
                    ok = false;
                }
            }
        }
        if (!ok) return { vpcCidr, facts };
        const all = [...publicSubnetCidrs.map((c, i) => [`publicSubnetCidrs[${i}]`, c]), ...privateSubnetCidrs.map((c, i) => [`privateSubnetCidrs[${i}]`, c])];
        for (let i = 0; i < all.length; i++) {
            for (let j = i + 1; j < all.length; j++) {
                if (overlaps(parseCidr(all[i][1]), parseCidr(all[j][1]))) {
                    s.problems.add(s.path(all[j][0]), all[j][1], `overlaps network.${all[i][0]} (${all[i][1]})`);
                    ok = false;
                }
            }
        }
        if (!ok) return { vpcCidr, facts };
    }
    return {
        vpcCidr,
        facts,
        network: {
            mode: "create",
            vpcCidr,
            availabilityZoneCount: azCount,
            availabilityZones,
            publicSubnetCidrs,
            privateSubnetCidrs,
            natGateways,
            ...(transitGateway ? { transitGateway } : {}),
        },
    };
}

/**
 * Default subnet layout: the VPC is cut in 4 quarters per AZ slot; private subnets (nodes and pod
 * IPs, the big consumers) get a quarter each, public subnets (NAT, load balancers) a sixteenth each
 * from the last quarter.
 */
export function defaultSubnets(vpcCidr: string, azCount: number): { publicSubnetCidrs: string[]; privateSubnetCidrs: string[] } {
    const vpc = parseCidr(vpcCidr);
    const privateSubnets = subdivide(vpc, vpc.prefix + 2, azCount);
    const lastQuarter = subdivide(vpc, vpc.prefix + 2, 1, 3)[0];
    const publicSubnets = subdivide(lastQuarter, lastQuarter.prefix + 2, azCount);
    return { privateSubnetCidrs: privateSubnets.map((c) => c.text), publicSubnetCidrs: publicSubnets.map((c) => c.text) };
}

/**
 * network.transitGateway of a new VPC: {id, routes}. A route inside the VPC's own CIDR would never
 * be used (the local route wins for the VPC's addresses), 0.0.0.0/0 is the NAT gateway's route in
 * every private route table, and one network listed twice is a mistake. A route containing the VPC
 * (a summary such as 10.0.0.0/8) is fine: the longest prefix wins.
 */
function readTransitGateway(s: Section, vpcCidr: string | undefined): TransitGatewaySettings | undefined {
    const id = s.string("id");
    const routes = s.stringList("routes");
    s.finish();
    if (!id || !routes) return undefined;
    let ok = true;
    const problem = (i: number, message: string) => {
        s.problems.add(`${s.path("routes")}[${i}]`, routes[i], message);
        ok = false;
    };
    const vpc = vpcCidr ? parseCidr(vpcCidr) : undefined;
    routes.forEach((route, i) => {
        const block = parseCidr(route);
        if (block.prefix === 0)
            return problem(
                i,
                "is the default route, which every private route table already sends to the NAT gateway; list the networks behind the transit gateway",
            );
        if (vpc && contains(vpc, block))
            return problem(i, `is inside network.vpcCidr (${vpc.text}): the VPC routes its own addresses locally, so nothing would reach the transit gateway`);
        const earlier = routes.findIndex((other, j) => j < i && overlaps(parseCidr(other), block));
        if (earlier >= 0) problem(i, `overlaps routes[${earlier}] (${routes[earlier]}); list each network once`);
    });
    return ok ? { id, routes } : undefined;
}
