// The network paths a first `pulumi up` depends on, checked offline: the transit gateway that
// connects a new VPC to the networks elsewhere, the way from the VPC to an existing directory's DNS
// servers, and the way from the deployer to the cluster's API endpoint. Pure.
import { containsAddress, overlaps, parseCidr } from "../lib/cidr";

/** A problem found across sections: the key below `eks-gmsa:`, the value, what is wrong. */
export interface CrossProblem {
    readonly key: string;
    readonly value: unknown;
    readonly message: string;
}

/** What the checks below need to know about the network, even when another part of it is invalid. */
export interface NetworkFacts {
    /** The stack creates the VPC (no network.vpcId). */
    readonly createsVpc: boolean;
    /** The new VPC's CIDR, when valid. */
    readonly vpcCidr?: string;
    /** network.transitGateway.routes when valid; [] without a transit gateway; undefined when invalid. */
    readonly transitRoutes?: readonly string[];
}

/**
 * An existing directory's DNS servers (its domain controllers, as a rule) must be reachable from the
 * VPC: none can be inside a VPC this stack creates (nothing there exists before it), and a new VPC
 * reaches nothing but itself and the internet unless network.transitGateway routes to it. With an
 * existing VPC (network.vpcId) its routes are unknown offline, so nothing is checked.
 */
export function dnsServerReachability(network: NetworkFacts, dnsServers: readonly string[] | undefined): CrossProblem[] {
    if (!network.createsVpc || !dnsServers || !network.vpcCidr || !network.transitRoutes) return [];
    const vpc = parseCidr(network.vpcCidr);
    const routes = network.transitRoutes;
    const problems: CrossProblem[] = [];
    dnsServers.forEach((address, i) => {
        const key = `activeDirectory.dnsServers[${i}]`;
        if (containsAddress(vpc, address)) {
            problems.push({
                key,
                value: address,
                message: `is inside network.vpcCidr (${vpc.text}), the VPC this stack creates: no existing domain controller can have an address in a VPC this stack creates; give the addresses of the directory's DNS servers`,
            });
        } else if (!routes.some((route) => containsAddress(parseCidr(route), address))) {
            const how =
                routes.length === 0
                    ? "add network.transitGateway {id, routes} with its network"
                    : `add its network to network.transitGateway.routes (now ${routes.join(", ")})`;
            problems.push({ key, value: address, message: `is unreachable: a VPC this stack creates reaches only itself and the internet; ${how}` });
        }
    });
    return problems;
}

/**
 * The same `pulumi up` that creates the cluster applies Helm releases and Kubernetes objects to it
 * through its API endpoint. A private-only endpoint answers only inside the cluster's VPC (EKS
 * VpcConfigRequest), and a VPC this stack creates holds no deployer; with network.vpcId the deployer
 * may run inside the existing VPC.
 */
export function endpointReachability(network: NetworkFacts, endpointPublicAccess: boolean | undefined): CrossProblem[] {
    if (!network.createsVpc || endpointPublicAccess !== false) return [];
    return [
        {
            key: "cluster.endpointPublicAccess",
            value: false,
            message:
                "a private-only API endpoint on a VPC this stack creates cannot be reached by the `pulumi up` that must then apply the Helm and Kubernetes resources; keep it true and restrict cluster.publicAccessCidrs to the deployer's egress addresses (README, section Deploying prod from a CI runner), or deploy into an existing VPC (network.vpcId) from inside it",
        },
    ];
}

/**
 * EKS recommends a service CIDR apart from every network connected to the VPC: pods' traffic to an
 * address in it may be taken by a Service's rules instead of reaching the network behind the
 * transit gateway. The service CIDR is fixed at cluster creation, so the route is what to change.
 */
export function routesApartFromServices(network: NetworkFacts, serviceCidr: string | undefined): CrossProblem[] {
    if (!serviceCidr || !network.transitRoutes) return [];
    const services = parseCidr(serviceCidr);
    return network.transitRoutes.flatMap((route, i) =>
        overlaps(parseCidr(route), services)
            ? [
                  {
                      key: `network.transitGateway.routes[${i}]`,
                      value: route,
                      message: `overlaps cluster.serviceCidr (${serviceCidr}), the cluster's Service addresses; EKS recommends keeping connected networks apart from it (the service CIDR cannot change once the cluster exists)`,
                  },
              ]
            : [],
    );
}
