// The whole program under Pulumi's mock runtime, for the dev and prod stack files and variants.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { inputs, ofType, one, outputs, runOk, runStack, urnOf, userResources } from "./helpers";
import { pluginsOf } from "../components/corefile";
import { mockAccountId } from "../tools/harness/mocks";
import { dependsOn } from "./support/fixtures";

const dev = runOk({ stack: "dev" });
const prod = runOk({ stack: "prod" });

describe("dev stack: network", () => {
    test("one VPC with DNS support, 2 public and 2 private subnets in distinct AZs, tagged for load balancers", () => {
        const vpc = inputs(one(dev, "aws:ec2/vpc:Vpc"));
        assert.equal(vpc.cidrBlock, "10.20.0.0/16");
        assert.equal(vpc.enableDnsHostnames, true);
        const subnets = ofType(dev, "aws:ec2/subnet:Subnet").map(inputs);
        const pub = subnets.filter((s) => s.tags["kubernetes.io/role/elb"] === "1");
        const priv = subnets.filter((s) => s.tags["kubernetes.io/role/internal-elb"] === "1");
        assert.equal(pub.length, 2);
        assert.equal(priv.length, 2);
        assert.deepEqual(new Set(priv.map((s) => s.availabilityZone)), new Set(["us-west-2a", "us-west-2b"]));
        assert.ok(
            pub.every((s) => s.mapPublicIpOnLaunch === false),
            "public subnets must not hand out public IPs",
        );
    });

    test("dev has a single NAT gateway; every private route table routes to it", () => {
        const nats = ofType(dev, "aws:ec2/natGateway:NatGateway");
        assert.equal(nats.length, 1);
        const privateRoutes = ofType(dev, "aws:ec2/route:Route").filter((r) => r.name.startsWith("private-default-route"));
        assert.equal(privateRoutes.length, 2);
        assert.ok(privateRoutes.every((r) => r.dependencies.includes(nats[0].urn)));
    });
});

describe("dev stack: cluster", () => {
    const cluster = inputs(one(dev, "eks:index:Cluster"));

    test("authentication mode API with access entries for admins, namespace admins and viewers", () => {
        assert.equal(cluster.authenticationMode, "API");
        const entries = Object.values(cluster.accessEntries) as { principalArn: string; accessPolicies: Record<string, unknown> }[];
        const byArn = Object.fromEntries(entries.map((e) => [e.principalArn, e]));
        const admin = byArn[`arn:aws:iam::${mockAccountId}:role/platform-admins`];
        assert.deepEqual(Object.values(admin.accessPolicies), [
            { policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", accessScope: { type: "cluster" } },
        ]);
        const web = byArn[`arn:aws:iam::${mockAccountId}:role/app-team-web`];
        assert.deepEqual(Object.values(web.accessPolicies), [
            { policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy", accessScope: { type: "namespace", namespaces: ["web"] } },
        ]);
        const viewer = byArn[`arn:aws:iam::${mockAccountId}:role/developers-readonly`];
        assert.deepEqual(Object.values(viewer.accessPolicies), [
            { policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", accessScope: { type: "cluster" } },
        ]);
        assert.equal(entries.length, 3);
    });

    test("secrets are envelope-encrypted with the stack's own rotating KMS key", () => {
        const key = one(dev, "aws:kms/key:Key", "secrets-key");
        assert.equal(inputs(key).enableKeyRotation, true);
        assert.match(cluster.encryptionConfigKeyArn, /^arn:aws:kms:us-west-2:\d{12}:key\//);
        assert.ok(one(dev, "eks:index:Cluster").dependencies.includes(key.urn));
    });

    test("control-plane logging to a log group with retention, created before the cluster", () => {
        assert.deepEqual(cluster.enabledClusterLogTypes, ["api", "audit", "authenticator"]);
        const logGroup = one(dev, "aws:cloudwatch/logGroup:LogGroup", "control-plane-logs");
        assert.equal(inputs(logGroup).name, "/aws/eks/eks-gmsa-dev/cluster");
        assert.equal(inputs(logGroup).retentionInDays, 30);
        assert.ok(one(dev, "eks:index:Cluster").dependencies.includes(logGroup.urn));
    });

    test("the cluster role carries the VPC resource controller policy Windows pod IPs need", () => {
        const attached = ofType(dev, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            .filter((r) => r.name.startsWith("cluster-role-"))
            .map((r) => inputs(r).policyArn)
            .sort();
        assert.deepEqual(attached, ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy", "arn:aws:iam::aws:policy/AmazonEKSVPCResourceController"]);
        assert.match(String(cluster.serviceRole), /^\[resource .*aws:iam\/role:Role::cluster-role\]$/);
    });

    test("no default node group or security groups; add-ons are explicit resources", () => {
        assert.equal(cluster.skipDefaultNodeGroup, true);
        assert.equal(cluster.skipDefaultSecurityGroups, true);
        assert.equal(cluster.useDefaultVpcCni, true);
        assert.equal(cluster.kubeProxyAddonOptions.enabled, false);
        assert.equal(cluster.corednsAddonOptions.enabled, false);
        assert.equal(cluster.kubernetesServiceIpAddressRange, "172.20.0.0/16");
        assert.equal(cluster.version, "1.35");
        assert.equal(cluster.endpointPublicAccess, true);
        assert.equal(cluster.endpointPrivateAccess, true);
    });

    test("the vpc-cni add-on turns on Windows IPAM and keeps the software if the resource goes", () => {
        const cni = inputs(one(dev, "aws:eks/addon:Addon", "vpc-cni"));
        assert.deepEqual(JSON.parse(cni.configurationValues), { enableWindowsIpam: "true" });
        assert.equal(cni.preserve, true);
        assert.equal(cni.clusterName, "eks-gmsa-dev");
    });

    test("CoreDNS: EKS default plugins plus a forwarder for the AD domain, after the Linux nodes", () => {
        const coredns = one(dev, "aws:eks/addon:Addon", "coredns");
        const corefile = JSON.parse(inputs(coredns).configurationValues).corefile as string;
        assert.deepEqual(pluginsOf(corefile, ".:53 {".slice(0, -2)), [
            "errors",
            "health",
            "ready",
            "kubernetes",
            "prometheus",
            "forward",
            "cache",
            "loop",
            "reload",
            "loadbalance",
        ]);
        // dev creates its directory: the forwarder sends to the directory's DNS addresses.
        const dnsServers = outputs(dev).adDnsServers as string[];
        assert.equal(dnsServers.length, 2);
        assert.match(corefile, new RegExp(`corp\\.example\\.com:53 \\{[^}]*forward \\. ${dnsServers.join(" ").replace(/\./g, "\\.")}`));
        // The add-on itself (children do not inherit a component's dependsOn).
        assert.ok(coredns.dependencies.includes(urnOf(dev, "aws:eks/nodeGroup:NodeGroup", "linux-nodes")), "CoreDNS must wait for nodes to schedule on");
    });
});

describe("dev stack: Linux nodes", () => {
    test("managed AL2023 node group, 2 nodes, in private subnets, following the cluster version", () => {
        const group = inputs(one(dev, "aws:eks/nodeGroup:NodeGroup"));
        assert.equal(group.amiType, "AL2023_x86_64_STANDARD");
        assert.deepEqual(group.scalingConfig, { desiredSize: 2, maxSize: 3, minSize: 2 });
        assert.equal(group.version, "1.35");
        const privateIds = ofType(dev, "aws:ec2/subnet:Subnet").filter((s) => s.name.startsWith("private")).length;
        assert.equal(group.subnetIds.length, privateIds);
        assert.ok(group.subnetIds.every((id: string) => outputs(dev).privateSubnetIds.includes(id)));
    });
});

describe("dev stack: Windows nodes", () => {
    const template = inputs(one(dev, "aws:ec2/launchTemplate:LaunchTemplate", "windows-nodes"));
    const userData = Buffer.from(template.userData, "base64").toString("utf8");

    test("launch template: IMDSv2 required with one hop, encrypted gp3 root, no SSH key", () => {
        assert.deepEqual(template.metadataOptions, { httpEndpoint: "enabled", httpPutResponseHopLimit: 1, httpTokens: "required" });
        assert.deepEqual(template.blockDeviceMappings, [
            { deviceName: "/dev/sda1", ebs: { deleteOnTermination: "true", encrypted: "true", volumeSize: 100, volumeType: "gp3" } },
        ]);
        assert.equal(template.keyName, undefined);
        assert.equal(template.instanceType, "m6i.xlarge");
    });

    test("the AMI comes from AWS's public SSM parameter for Windows Server 2022 Core and the cluster's version", () => {
        assert.match(template.imageId, /^ami-[0-9a-f]{17}$/);
        // The mock answers only well-formed Windows EKS AMI parameters, with an ID derived from the name.
        const expected =
            "ami-" +
            createHash("sha256")
                .update("/aws/service/ami-windows-latest/Windows_Server-2022-English-Core-EKS_Optimized-1.35/image_id")
                .digest("hex")
                .slice(0, 17);
        assert.equal(template.imageId, expected);
    });

    test("user data bootstraps into this cluster with its endpoint, CA, service CIDR, labels and taint", () => {
        assert.match(userData, /^<powershell>\n/);
        assert.match(userData, /-EKSClusterName "eks-gmsa-dev"/);
        assert.match(userData, new RegExp(`-APIServerEndpoint "${outputs(dev).clusterEndpoint}"`));
        assert.match(userData, /-Base64ClusterCA "[A-Za-z0-9+/=]+"/);
        assert.match(userData, /-ServiceCIDR "172\.20\.0\.0\/16" -DNSClusterIP "172\.20\.0\.10"/);
        assert.match(userData, /--node-labels=eks-gmsa\.io\/node-role=windows/);
        assert.match(userData, /--register-with-taints=os=windows:NoSchedule/);
    });

    test("security groups: the EKS cluster group (control plane, Linux nodes) and the nodes' own", () => {
        assert.equal(template.vpcSecurityGroupIds.length, 2);
        assert.equal(template.vpcSecurityGroupIds[0], outputs(dev).clusterSecurityGroupId);
        assert.equal(template.vpcSecurityGroupIds[1], outputs(dev).windowsNodeSecurityGroupId);
    });

    test("auto scaling group in private subnets, owned by the cluster, refreshed when the template changes", () => {
        const asg = inputs(one(dev, "aws:autoscaling/group:Group"));
        assert.deepEqual(asg.vpcZoneIdentifiers, outputs(dev).privateSubnetIds);
        assert.deepEqual({ min: asg.minSize, desired: asg.desiredCapacity, max: asg.maxSize }, { min: 1, desired: 1, max: 3 });
        const owned = asg.tags.find((t: { key: string }) => t.key === "kubernetes.io/cluster/eks-gmsa-dev");
        assert.deepEqual(owned, { key: "kubernetes.io/cluster/eks-gmsa-dev", propagateAtLaunch: true, value: "owned" });
        assert.equal(asg.instanceRefresh.strategy, "Rolling");
        assert.equal(asg.launchTemplate.version, "1");
    });

    test("node role: worker, CNI, ECR read-only and SSM core, nothing else; EC2_WINDOWS access entry", () => {
        const attached = ofType(dev, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            .filter((r) => r.name.startsWith("windows-node-role-"))
            .map((r) => inputs(r).policyArn.split("/").pop())
            .sort();
        assert.deepEqual(attached, ["AmazonEC2ContainerRegistryReadOnly", "AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonSSMManagedInstanceCore"]);
        const entry = inputs(one(dev, "aws:eks/accessEntry:AccessEntry", "windows-node-access"));
        assert.equal(entry.type, "EC2_WINDOWS");
        assert.equal(entry.principalArn, outputs(dev).windowsNodeRoleArn);
        assert.equal(entry.kubernetesGroups, undefined, "EC2_WINDOWS entries take no groups");
    });

    test("Windows instances wait for the vpc-cni add-on (Windows IPAM), or their pods get no IPs", () => {
        const asg = one(dev, "aws:autoscaling/group:Group");
        assert.ok(asg.dependencies.includes(urnOf(dev, "aws:eks/addon:Addon", "vpc-cni")));
    });
});

describe("creation order matches what AWS requires", () => {
    for (const [stackName, run] of [
        ["dev", dev],
        ["prod", prod],
    ] as const) {
        test(`${stackName}: everything that needs a live cluster waits for it`, () => {
            const eks = urnOf(run, "eks:index:Cluster", "eks");
            const needsCluster = [
                "aws:eks/accessEntry:AccessEntry",
                "aws:eks/addon:Addon",
                "aws:eks/nodeGroup:NodeGroup",
                "aws:ec2/launchTemplate:LaunchTemplate",
                "aws:autoscaling/group:Group",
            ];
            // A launch template needs the cluster only when its user data bootstraps against it (the
            // Windows nodes'); the Linux nodes' template leaves the bootstrap to EKS.
            const bootstraps = (r: (typeof run.resources)[number]) => r.type !== "aws:ec2/launchTemplate:LaunchTemplate" || r.inputs.userData !== undefined;
            const racing = run.resources
                .filter((r) => needsCluster.includes(r.type) && bootstraps(r) && !dependsOn(run, r.urn, eks))
                .map((r) => `${r.type} ${r.name}`);
            assert.deepEqual(racing, []);
        });
    }

    test("Windows instances launch only after their access entry exists (or they cannot register)", () => {
        const asg = one(dev, "aws:autoscaling/group:Group");
        assert.ok(dependsOn(dev, asg.urn, urnOf(dev, "aws:eks/accessEntry:AccessEntry", "windows-node-access")));
    });
});

describe("outputs for app repositories", () => {
    test("cluster, network and Windows scheduling facts; the kubeconfig is a secret", () => {
        const out = outputs(dev);
        for (const key of [
            "clusterName",
            "clusterEndpoint",
            "oidcProviderArn",
            "oidcProviderUrl",
            "vpcId",
            "publicSubnetIds",
            "privateSubnetIds",
            "windowsNodeSelector",
            "windowsTolerations",
        ]) {
            assert.ok(out[key] !== undefined && out[key] !== "", `output ${key} missing`);
        }
        assert.equal(out.kubeconfig, "[secret]");
        assert.deepEqual(out.windowsNodeSelector, { "kubernetes.io/os": "windows" });
        assert.deepEqual(out.windowsTolerations, [{ effect: "NoSchedule", key: "os", operator: "Equal", value: "windows" }]);
        assert.ok(!JSON.stringify(out).includes("apiVersion"), "kubeconfig text must not appear in outputs");
    });
});

describe("prod stack", () => {
    test("one NAT gateway per AZ across three AZs", () => {
        assert.equal(ofType(prod, "aws:ec2/natGateway:NatGateway").length, 3);
        assert.equal(ofType(prod, "aws:ec2/subnet:Subnet").length, 6);
        const routes = ofType(prod, "aws:ec2/route:Route").filter((r) => r.name.startsWith("private-default-route"));
        const natUrns = ofType(prod, "aws:ec2/natGateway:NatGateway").map((n) => n.urn);
        routes.forEach((route, i) =>
            assert.ok(route.dependencies.includes(natUrns.find((u) => u.endsWith(`nat-gateway-${route.name.slice(-1)}`))!), `route ${i}`),
        );
    });

    test("API endpoint public only to the CI runners' addresses, private for the nodes", () => {
        const cluster = inputs(one(prod, "eks:index:Cluster"));
        assert.equal(cluster.endpointPublicAccess, true);
        assert.equal(cluster.endpointPrivateAccess, true);
        assert.deepEqual(cluster.publicAccessCidrs, ["203.0.113.0/28"]);
    });

    test("the cluster and its secrets key are protected, with EKS deletion protection too", () => {
        assert.equal(one(prod, "eks:index:Cluster").protect, true);
        assert.equal(one(prod, "aws:kms/key:Key", "secrets-key").protect, true);
        assert.equal(inputs(one(prod, "eks:index:Cluster")).deletionProtection, true);
        assert.deepEqual(
            dev.resources.filter((r) => r.protect),
            [],
            "dev protects nothing",
        );
    });

    test("the deploy role creates the cluster and signs the kubeconfig", () => {
        const cluster = one(prod, "eks:index:Cluster");
        const provider = one(prod, "pulumi:providers:aws", "deploy-role");
        assert.deepEqual(JSON.parse(inputs(provider).assumeRoles), [
            { roleArn: "arn:aws:iam::123456789012:role/eks-gmsa-deploy", sessionName: "eks-gmsa-deploy" },
        ]);
        // A provider reference is "<urn>::<id>".
        assert.ok(cluster.options.providers?.aws?.startsWith(`${provider.urn}::`), "eks.Cluster must be created through the deploy-role provider");
        assert.deepEqual(inputs(cluster).providerCredentialOpts, { roleArn: "arn:aws:iam::123456789012:role/eks-gmsa-deploy" });
        assert.equal(ofType(dev, "pulumi:providers:aws").length, 0, "dev uses the default credentials");
    });

    test("all five control-plane log types, kept a year", () => {
        assert.deepEqual(inputs(one(prod, "eks:index:Cluster")).enabledClusterLogTypes, ["api", "audit", "authenticator", "controllerManager", "scheduler"]);
        assert.equal(inputs(one(prod, "aws:cloudwatch/logGroup:LogGroup")).retentionInDays, 365);
    });
});

describe("variants", () => {
    test("an existing VPC: no network resources, the cluster and nodes use the given subnets", () => {
        const run = runOk({
            stack: "dev",
            overrides: {
                "eks-gmsa:network": {
                    vpcId: "vpc-0123456789abcdef0",
                    privateSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
                    publicSubnetIds: ["subnet-0123456789abcdef2"],
                },
            },
        });
        assert.equal(ofType(run, "aws:ec2/vpc:Vpc").length, 0);
        assert.equal(ofType(run, "aws:ec2/subnet:Subnet").length, 0);
        assert.equal(ofType(run, "aws:ec2/natGateway:NatGateway").length, 0);
        assert.deepEqual(inputs(one(run, "eks:index:Cluster")).privateSubnetIds, ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]);
        assert.deepEqual(inputs(one(run, "aws:autoscaling/group:Group")).vpcZoneIdentifiers, ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]);
        assert.equal(inputs(one(run, "aws:ec2/securityGroup:SecurityGroup", "windows-node-sg")).vpcId, "vpc-0123456789abcdef0");
    });

    test("a pinned AMI, an SSH key, custom labels, no taint and no AD: all reach the launch template", () => {
        const run = runOk({
            stack: "dev",
            overrides: {
                "eks-gmsa:windowsNodes": {
                    amiId: "ami-0123456789abcdef0",
                    sshKeyName: "ops-break-glass",
                    labels: { team: "web" },
                    taint: false,
                    windowsServerVersion: "2025",
                },
                "eks-gmsa:activeDirectory": null,
                "eks-gmsa:gmsa": null,
                "eks-gmsa:portableIdentityPassword": null,
                "eks-gmsa:directoryAdminPassword": null,
            },
        });
        const template = inputs(one(run, "aws:ec2/launchTemplate:LaunchTemplate", "windows-nodes"));
        assert.equal(template.imageId, "ami-0123456789abcdef0");
        assert.equal(template.keyName, "ops-break-glass");
        const userData = Buffer.from(template.userData, "base64").toString("utf8");
        assert.match(userData, /--node-labels=eks-gmsa\.io\/node-role=windows,team=web"/);
        assert.doesNotMatch(userData, /register-with-taints/);
        assert.deepEqual(outputs(run).windowsTolerations, []);
        const corefile = JSON.parse(inputs(one(run, "aws:eks/addon:Addon", "coredns")).configurationValues).corefile;
        assert.doesNotMatch(corefile, /corp\.example\.com/);
    });

    test("a China region uses the aws-cn partition in policy ARNs", () => {
        const run = runOk({ stack: "dev", overrides: { "aws:region": "cn-north-1" } });
        const arns = ofType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((r) => inputs(r).policyArn);
        assert.ok(
            arns.every((a) => a.startsWith("arn:aws-cn:iam::aws:policy/")),
            arns.join(", "),
        );
    });
});

describe("bad config stops the program before any resource is registered", () => {
    const run = runStack({
        stack: "dev",
        overrides: {
            "eks-gmsa:windowsNodes": { instanceType: "m6g.xlarge", minSize: 3, desiredSize: 2 },
            "eks-gmsa:cluster": { kubernetesVersion: "1.20", protect: false },
            "eks-gmsa:clusterr": { name: "x" },
        },
    });

    test("every problem is reported, each naming its key", () => {
        const message = run.errors.join("\n");
        assert.match(message, /eks-gmsa:windowsNodes\.instanceType: got "m6g\.xlarge"; is a Graviton/);
        assert.match(message, /eks-gmsa:windowsNodes\.desiredSize: got 2; must be at least minSize \(3\)/);
        assert.match(message, /eks-gmsa:cluster\.kubernetesVersion: got "1\.20"; must be a Kubernetes version EKS supports/);
        assert.match(message, /eks-gmsa:clusterr: unknown key; did you mean cluster\?/);
        assert.match(message, /invalid stack configuration \(4 problems\)/);
    });

    test("no stack trace, and nothing but the stack itself registered", () => {
        assert.doesNotMatch(run.errors.join("\n"), /\n\s+at /);
        assert.deepEqual(userResources(run), []);
    });
});

describe("day-2 config changes keep every existing resource (no deletes by renaming)", () => {
    const urns = (run: typeof dev) => new Set(run.resources.map((r) => r.urn));
    const before = urns(dev);

    test("resizing and retyping Windows nodes, adding an admin and a label, and a new Kubernetes version keep all URNs", () => {
        const run = runOk({
            stack: "dev",
            overrides: {
                "eks-gmsa:windowsNodes": {
                    windowsServerVersion: "2022",
                    edition: "Core",
                    instanceType: "m6i.2xlarge",
                    minSize: 2,
                    desiredSize: 3,
                    maxSize: 6,
                    labels: { team: "web" },
                },
                "eks-gmsa:cluster": { kubernetesVersion: "1.36", protect: false, logRetentionDays: 30, logTypes: ["api", "audit", "authenticator"] },
                "eks-gmsa:access": {
                    clusterAdmins: ["arn:aws:iam::123456789012:role/platform-admins", "arn:aws:iam::123456789012:role/break-glass"],
                    namespaceAdmins: [{ principalArn: "arn:aws:iam::123456789012:role/app-team-web", namespaces: ["web"] }],
                    viewers: ["arn:aws:iam::123456789012:role/developers-readonly"],
                },
            },
        });
        assert.deepEqual(
            [...before].filter((u) => !urns(run).has(u)),
            [],
        );
        assert.deepEqual(
            [...urns(run)].filter((u) => !before.has(u)),
            [],
        );
        // The existing principals keep their access-entry keys (eks.Cluster names entries by key).
        const keys = (r: typeof dev) => Object.keys(inputs(one(r, "eks:index:Cluster")).accessEntries);
        assert.deepEqual(
            keys(dev).filter((k) => !keys(run).includes(k)),
            [],
        );
        assert.equal(keys(run).length, keys(dev).length + 1);
    });

    test("going from one NAT gateway to one per AZ only adds gateways and addresses", () => {
        const run = runOk({ stack: "dev", overrides: { "eks-gmsa:network": { vpcCidr: "10.20.0.0/16", availabilityZoneCount: 2, natGateways: "onePerAz" } } });
        assert.deepEqual(
            [...before].filter((u) => !urns(run).has(u)),
            [],
        );
        const added = [...urns(run)]
            .filter((u) => !before.has(u))
            .map((u) => u.split("::").slice(-2).join("::"))
            .sort();
        assert.deepEqual(added, [
            "eks-gmsa:network:Network$aws:ec2/eip:Eip::nat-address-1",
            "eks-gmsa:network:Network$aws:ec2/natGateway:NatGateway::nat-gateway-1",
        ]);
    });
});
