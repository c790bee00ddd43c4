// Issue 11, finding 12: the example stacks must be deployable as written. An existing directory's
// DNS servers must be reachable from the VPC (never inside a VPC the stack creates; through
// network.transitGateway otherwise), and the `pulumi up` that applies the Kubernetes resources must
// reach the API endpoint (no private-only endpoint on a VPC the stack creates).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseSettings } from "../settings/validate";
import { inputs, ofType, one, runOk, type StackRun } from "./helpers";
import { lineFor } from "./support/fixtures";

type Sections = Record<string, unknown>;

const directory = { domainName: "corp.example.com", netbiosName: "CORP" };
const existingVpc = { vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"] };
const tgw = "tgw-0a1b2c3d4e5f60718";

function parse(sections: Sections) {
    const values: Record<string, string> = { "aws:region": "us-west-2" };
    for (const [key, value] of Object.entries(sections)) values[`eks-gmsa:${key}`] = JSON.stringify(value);
    return parseSettings({ stack: "prod", values });
}

function problemsOf(sections: Sections): readonly string[] {
    const r = parse(sections);
    assert.equal(r.ok, false, "expected the config to be rejected");
    return r.ok ? [] : r.problems;
}

function parsesOk(sections: Sections) {
    const r = parse(sections);
    assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
    return r.settings;
}

describe("an existing directory's DNS servers must be reachable from the VPC", () => {
    test("today's prod values (10.30.0.10 and 10.30.64.10 in the 10.30.0.0/16 VPC the stack creates) are refused, one line per server", () => {
        const lines = problemsOf({
            network: { vpcCidr: "10.30.0.0/16", availabilityZoneCount: 3 },
            activeDirectory: { ...directory, dnsServers: ["10.30.0.10", "10.30.64.10"] },
        });
        for (const i of [0, 1]) {
            assert.match(
                lineFor(lines, `eks-gmsa:activeDirectory.dnsServers[${i}]`),
                /no existing domain controller can have an address in a VPC this stack creates/,
            );
        }
        assert.equal(lines.length, 2, lines.join("\n"));
    });

    test("outside the VPC but with no route there: unreachable, and the line says which setting routes it", () => {
        const noGateway = problemsOf({ network: { vpcCidr: "10.30.0.0/16" }, activeDirectory: { ...directory, dnsServers: ["10.10.0.10"] } });
        assert.match(lineFor(noGateway, "eks-gmsa:activeDirectory.dnsServers[0]"), /"10\.10\.0\.10"; is unreachable: .*add network\.transitGateway/);
        const otherNetwork = problemsOf({
            network: { vpcCidr: "10.30.0.0/16", transitGateway: { id: tgw, routes: ["10.11.0.0/16"] } },
            activeDirectory: { ...directory, dnsServers: ["10.10.0.10"] },
        });
        assert.match(lineFor(otherNetwork, "eks-gmsa:activeDirectory.dnsServers[0]"), /unreachable: .*add its network to network\.transitGateway\.routes/);
    });

    test("routed through the transit gateway they parse; in an existing VPC nothing can be checked offline", () => {
        const routed = parsesOk({
            network: { vpcCidr: "10.30.0.0/16", transitGateway: { id: tgw, routes: ["10.10.0.0/16"] } },
            activeDirectory: { ...directory, dnsServers: ["10.10.0.10"], domainSid: "S-1-5-21-1-2-3", domainGuid: "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51" },
        });
        assert.deepEqual(routed.network.mode === "create" && routed.network.transitGateway, { id: tgw, routes: ["10.10.0.0/16"] });
        parsesOk({ network: existingVpc, activeDirectory: { ...directory, dnsServers: ["10.30.0.10"] } });
    });
});

describe("network.transitGateway", () => {
    const cases: { name: string; network: Sections; key: string; says: RegExp }[] = [
        {
            name: "an ID that is not a transit gateway's",
            network: { transitGateway: { id: "tgw-123", routes: ["10.10.0.0/16"] } },
            key: "network.transitGateway.id",
            says: /must be a transit gateway ID such as tgw-/,
        },
        { name: "no routes", network: { transitGateway: { id: tgw, routes: [] } }, key: "network.transitGateway.routes", says: /at least 1/ },
        {
            name: "a route inside the VPC",
            network: { vpcCidr: "10.30.0.0/16", transitGateway: { id: tgw, routes: ["10.30.128.0/24"] } },
            key: "network.transitGateway.routes[0]",
            says: /inside network\.vpcCidr \(10\.30\.0\.0\/16\)/,
        },
        {
            name: "the default route",
            network: { transitGateway: { id: tgw, routes: ["0.0.0.0/0"] } },
            key: "network.transitGateway.routes[0]",
            says: /default route.*NAT gateway/,
        },
        {
            name: "two routes that overlap",
            network: { transitGateway: { id: tgw, routes: ["10.10.0.0/16", "10.10.4.0/24"] } },
            key: "network.transitGateway.routes[1]",
            says: /overlaps routes\[0\] \(10\.10\.0\.0\/16\)/,
        },
        {
            name: "a route over the cluster's Service addresses",
            network: { transitGateway: { id: tgw, routes: ["172.20.0.0/16"] } },
            key: "network.transitGateway.routes[0]",
            says: /overlaps cluster\.serviceCidr \(172\.20\.0\.0\/16\)/,
        },
        {
            name: "with an existing VPC",
            network: { ...existingVpc, transitGateway: { id: tgw, routes: ["10.10.0.0/16"] } },
            key: "network.transitGateway",
            says: /cannot be combined with network\.vpcId/,
        },
    ];
    for (const c of cases) {
        test(`${c.name}: one line naming ${c.key}`, () => {
            const lines = problemsOf({ network: c.network });
            assert.match(lineFor(lines, `eks-gmsa:${c.key}`), c.says);
            assert.equal(lines.length, 1, lines.join("\n"));
        });
    }

    test("a summary route that contains the VPC is fine: the VPC's local route wins for its own addresses", () => {
        const s = parsesOk({
            network: { vpcCidr: "10.30.0.0/16", transitGateway: { id: tgw, routes: ["10.0.0.0/8"] } },
            activeDirectory: { ...directory, dnsServers: ["10.10.0.10"], domainSid: "S-1-5-21-1-2-3", domainGuid: "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51" },
        });
        assert.equal(s.network.mode === "create" && s.network.transitGateway?.routes[0], "10.0.0.0/8");
    });
});

describe("the deploying `pulumi up` must reach the API endpoint", () => {
    test("a private-only endpoint on a VPC the stack creates is refused, naming cluster.endpointPublicAccess", () => {
        const lines = problemsOf({ cluster: { endpointPublicAccess: false, endpointPrivateAccess: true } });
        assert.match(
            lineFor(lines, "eks-gmsa:cluster.endpointPublicAccess"),
            /got false; a private-only API endpoint on a VPC this stack creates cannot be reached by the `pulumi up`/,
        );
        assert.equal(lines.length, 1, lines.join("\n"));
        // In an existing VPC the deployer may run inside it.
        assert.equal(
            parsesOk({ network: existingVpc, cluster: { endpointPublicAccess: false, endpointPrivateAccess: true } }).cluster.endpointPublicAccess,
            false,
        );
    });
});

describe("prod and the domain-joined example follow the documented design", () => {
    const prod = runOk({ stack: "prod" });
    const joined = runOk({ stack: "joined", configFile: "examples/stacks/domain-joined.yaml" });

    function checkTransitGateway(run: StackRun) {
        const attachment = one(run, "aws:ec2transitgateway/vpcAttachment:VpcAttachment");
        const a = inputs(attachment);
        const privateSubnets = ofType(run, "aws:ec2/subnet:Subnet").filter((s) => s.name.startsWith("private-subnet-"));
        assert.equal(a.transitGatewayId, tgw);
        assert.equal(a.vpcId, inputs(one(run, "aws:ec2/routeTable:RouteTable", "private-routes-0")).vpcId);
        assert.equal(a.subnetIds.length, 3);
        assert.deepEqual(
            [...attachment.propertyDependencies.subnetIds].sort(),
            privateSubnets.map((x) => x.urn).sort(),
            "one attachment subnet per AZ: the private subnets",
        );
        const privateTables = ofType(run, "aws:ec2/routeTable:RouteTable").filter((t) => t.name.startsWith("private-routes-"));
        assert.equal(privateTables.length, 3);
        const toSharedServices = ofType(run, "aws:ec2/route:Route").filter((r) => inputs(r).destinationCidrBlock === "10.10.0.0/16");
        assert.deepEqual(
            toSharedServices.flatMap((r) => r.propertyDependencies.routeTableId).sort(),
            privateTables.map((t) => t.urn).sort(),
            "every private route table routes the shared-services network",
        );
        for (const r of toSharedServices) {
            assert.equal(inputs(r).transitGatewayId, tgw);
            assert.ok(r.dependencies.includes(attachment.urn), `${r.name} is created after the attachment`);
        }
        // CoreDNS forwards the domain to the DNS servers only once the way to them exists.
        const coredns = ofType(run, "aws:eks/addon:Addon").find((x) => inputs(x).addonName === "coredns")!;
        assert.match(inputs(coredns).configurationValues, /forward \. 10\.10\.0\.10 10\.10\.1\.10/);
        assert.ok(
            toSharedServices.every((r) => coredns.dependencies.includes(r.urn)),
            "the CoreDNS add-on depends on the routes",
        );
    }

    test("prod: the private subnets attach to the transit gateway and route the shared-services network to it", () => {
        checkTransitGateway(prod);
        // Windows hosts resolve the domain through the VPC resolver, whose rule also waits for the routes.
        const rule = one(prod, "aws:route53/resolverRule:ResolverRule");
        assert.deepEqual(
            inputs(rule).targetIps.map((t: { ip: string }) => t.ip),
            ["10.10.0.10", "10.10.1.10"],
        );
        assert.ok(
            ofType(prod, "aws:ec2/route:Route")
                .filter((r) => inputs(r).destinationCidrBlock === "10.10.0.0/16")
                .every((r) => rule.dependencies.includes(r.urn)),
        );
    });
    test("domain-joined example: the same", () => checkTransitGateway(joined));

    test("both: a public endpoint open only to the CI runners' egress range, and the private endpoint for the nodes", () => {
        for (const run of [prod, joined]) {
            const cluster = inputs(one(run, "eks:index:Cluster"));
            assert.equal(cluster.endpointPublicAccess, true);
            assert.equal(cluster.endpointPrivateAccess, true);
            assert.deepEqual(cluster.publicAccessCidrs, ["203.0.113.0/28"]);
        }
    });
});
