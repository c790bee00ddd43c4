// Stack config validation through parseSettings: every bad input is rejected with a line that
// starts with the exact full key and says what was wrong; good input yields typed, frozen settings.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defaultSubnets, parseSettings, type ParseResult } from "../settings/validate";
import { contains, overlaps, parseCidr } from "../lib/cidr";
import type { Settings } from "../settings/types";
import { lineFor } from "./support/fixtures";

type Obj = Record<string, unknown>;

const adminArn = "arn:aws:iam::123456789012:role/platform-admins";
const viewerArn = "arn:aws:iam::123456789012:user/auditor";
const nsAdminArn = "arn:aws:iam::123456789012:role/team-a";

/** A valid config: one object per `eks-gmsa:` key, plus the region. */
function baseConfig(): { region: string | undefined; sections: Record<string, unknown> } {
    return {
        region: "us-west-2",
        sections: {
            tags: { team: "platform", "cost-center": "42" },
            network: {
                vpcCidr: "10.0.0.0/16",
                availabilityZoneCount: 2,
                natGateways: "single",
                publicSubnetCidrs: ["10.0.192.0/20", "10.0.208.0/20"],
                privateSubnetCidrs: ["10.0.0.0/18", "10.0.64.0/18"],
                transitGateway: { id: "tgw-0123456789abcdef0", routes: ["10.100.0.0/16"] },
            },
            cluster: { kubernetesVersion: "1.35", logRetentionDays: 30 },
            access: {
                clusterAdmins: [adminArn],
                namespaceAdmins: [{ principalArn: nsAdminArn, namespaces: ["team-a"] }],
                viewers: [viewerArn],
            },
            linuxNodes: { instanceTypes: ["m6i.large"], minSize: 2, desiredSize: 2, maxSize: 4 },
            windowsNodes: { instanceType: "m6i.xlarge", windowsServerVersion: "2022", edition: "Core", labels: { workload: "iis" } },
            activeDirectory: { domainName: "corp.example.com", netbiosName: "CORP", dnsServers: ["10.100.0.10", "10.100.64.10"] },
        },
    };
}

/**
 * Raw config as Pulumi passes it, from the base config with `patch` applied. Patch keys:
 * "aws:region" (text, undefined removes it), "section" (whole section; undefined removes it),
 * "section.field" (one field; undefined removes it), or any other full key "eks-gmsa:x" (raw text).
 */
function values(patch: Obj = {}): Record<string, string> {
    const cfg = baseConfig();
    const extra: Record<string, string> = {};
    for (const [key, value] of Object.entries(patch)) {
        if (key === "aws:region") {
            cfg.region = value as string | undefined;
        } else if (key.startsWith("eks-gmsa:")) {
            extra[key] = value as string;
        } else if (!key.includes(".")) {
            if (value === undefined) delete cfg.sections[key];
            else cfg.sections[key] = value;
        } else {
            const dot = key.indexOf(".");
            const section = key.slice(0, dot);
            const field = key.slice(dot + 1);
            const target = { ...((cfg.sections[section] as Obj | undefined) ?? {}) };
            if (value === undefined) delete target[field];
            else target[field] = value;
            cfg.sections[section] = target;
        }
    }
    const out: Record<string, string> = { ...extra };
    if (cfg.region !== undefined) out["aws:region"] = cfg.region;
    // Structured values arrive as JSON text, plain ones as their text.
    for (const [section, value] of Object.entries(cfg.sections)) out[`eks-gmsa:${section}`] = typeof value === "string" ? value : JSON.stringify(value);
    return out;
}

function parse(patch: Obj = {}, stack = "dev"): ParseResult {
    return parseSettings({ stack, values: values(patch) });
}

function ok(patch: Obj = {}, stack = "dev"): Settings {
    const result = parse(patch, stack);
    if (!result.ok) assert.fail(`expected the config to parse, got:\n  ${result.problems.join("\n  ")}`);
    return result.settings;
}

function problems(patch: Obj): readonly string[] {
    const result = parse(patch);
    assert.equal(result.ok, false, "expected the config to be rejected");
    return result.ok ? [] : result.problems;
}

interface BadCase {
    name: string;
    patch: Obj;
    /** Exact full key the problem line starts with. */
    key: string;
    /** What the line must mention: the bad value or what is allowed. */
    mentions: (string | RegExp)[];
    /** Expected number of problem lines (one mistake should give one line). Default 1. */
    lines?: number;
}

const existingVpc = { vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"] };

const badCases: BadCase[] = [
    // --- region and namespace root ---
    { name: "missing aws:region", patch: { "aws:region": undefined }, key: "aws:region", mentions: ["is required"] },
    { name: "aws:region that is not a region", patch: { "aws:region": "us-west" }, key: "aws:region", mentions: ['"us-west"', "us-west-2"] },
    {
        name: "unknown top-level key eks-gmsa:clusterr",
        patch: { "eks-gmsa:clusterr": JSON.stringify({ name: "x" }) },
        key: "eks-gmsa:clusterr",
        mentions: ["unknown key", "did you mean cluster?"],
    },
    {
        name: "section that is not an object",
        patch: { windowsNodes: "m6i.xlarge" },
        key: "eks-gmsa:windowsNodes",
        mentions: ['"m6i.xlarge"', "must be an object"],
    },
    {
        name: "tag key starting with aws:",
        patch: { tags: { "aws:owner": "me" } },
        key: "eks-gmsa:tags.aws:owner",
        mentions: ["aws:owner", "must not start with aws:"],
    },
    { name: "tag value that is not a string", patch: { tags: { replicas: 3 } }, key: "eks-gmsa:tags.replicas", mentions: ["got 3", "must be a string"] },

    // --- network: new VPC ---
    {
        name: "vpcCidr that is not a CIDR",
        patch: { "network.vpcCidr": "10.0.0/16" },
        key: "eks-gmsa:network.vpcCidr",
        mentions: ['"10.0.0/16"', "is not an IPv4 CIDR block"],
    },
    {
        name: "vpcCidr with a prefix over 32",
        patch: { "network.vpcCidr": "10.0.0.0/33" },
        key: "eks-gmsa:network.vpcCidr",
        mentions: ['"10.0.0.0/33"', "over 32"],
    },
    {
        name: "vpcCidr with host bits set",
        patch: { "network.vpcCidr": "10.0.0.1/16" },
        key: "eks-gmsa:network.vpcCidr",
        mentions: ["host bits", "10.0.0.0/16"],
    },
    { name: "vpcCidr too large (/8)", patch: { "network.vpcCidr": "10.0.0.0/8" }, key: "eks-gmsa:network.vpcCidr", mentions: ['"10.0.0.0/8"', "/16 to /24"] },
    {
        name: "vpcCidr in a public range",
        patch: { "network.vpcCidr": "8.8.0.0/16" },
        key: "eks-gmsa:network.vpcCidr",
        mentions: ['"8.8.0.0/16"', "private range"],
    },
    {
        name: "overlapping subnets",
        patch: { "network.privateSubnetCidrs": ["10.0.0.0/18", "10.0.128.0/17"] },
        key: "eks-gmsa:network.privateSubnetCidrs[1]",
        mentions: ['"10.0.128.0/17"', "overlaps network.publicSubnetCidrs[0] (10.0.192.0/20)"],
        lines: 2, // overlaps both public subnets, one line each
    },
    {
        name: "subnet outside the VPC",
        patch: { "network.privateSubnetCidrs": ["10.0.0.0/18", "10.1.0.0/18"] },
        key: "eks-gmsa:network.privateSubnetCidrs[1]",
        mentions: ['"10.1.0.0/18"', "not inside network.vpcCidr (10.0.0.0/16)"],
    },
    {
        name: "subnet smaller than /28",
        patch: { "network.privateSubnetCidrs": ["10.0.0.0/18", "10.0.64.0/29"] },
        key: "eks-gmsa:network.privateSubnetCidrs[1]",
        mentions: ['"10.0.64.0/29"', "/28"],
    },
    {
        name: "subnet entry with host bits set",
        patch: { "network.publicSubnetCidrs": ["10.0.192.0/20", "10.0.208.1/20"] },
        key: "eks-gmsa:network.publicSubnetCidrs[1]",
        mentions: ["host bits", "10.0.208.0/20"],
    },
    {
        name: "subnet count different from AZ count",
        patch: { "network.privateSubnetCidrs": ["10.0.0.0/18", "10.0.64.0/18", "10.0.128.0/18"] },
        key: "eks-gmsa:network.privateSubnetCidrs",
        mentions: ["one CIDR per availability zone (2)"],
    },
    {
        name: "availabilityZoneCount 1",
        patch: { "network.availabilityZoneCount": 1 },
        key: "eks-gmsa:network.availabilityZoneCount",
        mentions: ["got 1", "from 2 to 3"],
    },
    {
        name: "availabilityZoneCount 4",
        patch: { "network.availabilityZoneCount": 4 },
        key: "eks-gmsa:network.availabilityZoneCount",
        mentions: ["got 4", "from 2 to 3"],
    },
    {
        name: "availability zone of another region",
        patch: { "network.availabilityZones": ["us-west-2a", "us-east-1b"] },
        key: "eks-gmsa:network.availabilityZones[1]",
        mentions: ['"us-east-1b"', "us-west-2"],
    },
    {
        name: "availabilityZones not matching the count",
        patch: { "network.availabilityZones": ["us-west-2a", "us-west-2b", "us-west-2c"] },
        key: "eks-gmsa:network.availabilityZones",
        mentions: ["availabilityZoneCount (2)"],
    },
    {
        name: "natGateways bad value",
        patch: { "network.natGateways": "perSubnet" },
        key: "eks-gmsa:network.natGateways",
        mentions: ['"perSubnet"', '"single"', '"onePerAz"'],
    },
    {
        name: "subnet IDs without vpcId",
        patch: { "network.privateSubnetIds": existingVpc.privateSubnetIds },
        key: "eks-gmsa:network.privateSubnetIds",
        mentions: ["subnet-0aaaaaaaaaaaaaaa1", "needs network.vpcId"],
    },

    // --- network: existing VPC ---
    {
        name: "vpcId mixed with vpcCidr",
        patch: { network: { ...existingVpc, vpcCidr: "10.0.0.0/16" } },
        key: "eks-gmsa:network.vpcCidr",
        mentions: ['"10.0.0.0/16"', "cannot be combined with network.vpcId"],
    },
    {
        name: "vpcId mixed with natGateways",
        patch: { network: { ...existingVpc, natGateways: "single" } },
        key: "eks-gmsa:network.natGateways",
        mentions: ["cannot be combined with network.vpcId"],
    },
    {
        name: "bad VPC ID",
        patch: { network: { ...existingVpc, vpcId: "vpc-12345" } },
        key: "eks-gmsa:network.vpcId",
        mentions: ['"vpc-12345"', "vpc-0123456789abcdef0"],
    },
    {
        name: "bad subnet ID",
        patch: { network: { ...existingVpc, privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-xyz"] } },
        key: "eks-gmsa:network.privateSubnetIds[1]",
        mentions: ['"subnet-xyz"', "subnet-0123456789abcdef0"],
    },
    {
        name: "only one private subnet in an existing VPC",
        patch: { network: { ...existingVpc, privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1"] } },
        key: "eks-gmsa:network.privateSubnetIds",
        mentions: ["subnet-0aaaaaaaaaaaaaaa1", "at least 2"],
    },
    {
        name: "subnet listed as public and private",
        patch: { network: { ...existingVpc, publicSubnetIds: ["subnet-0aaaaaaaaaaaaaaa2"] } },
        key: "eks-gmsa:network.publicSubnetIds",
        mentions: ["subnet-0aaaaaaaaaaaaaaa2", "both public and private"],
    },
    {
        name: "existing VPC without private subnets",
        patch: { network: { vpcId: existingVpc.vpcId } },
        key: "eks-gmsa:network.privateSubnetIds",
        mentions: ["is required"],
    },

    // --- cluster ---
    {
        name: "serviceCidr overlapping the VPC",
        patch: { "cluster.serviceCidr": "10.0.128.0/20" },
        key: "eks-gmsa:cluster.serviceCidr",
        mentions: ['"10.0.128.0/20"', "overlaps network.vpcCidr (10.0.0.0/16)"],
    },
    {
        name: "serviceCidr in a public range",
        patch: { "cluster.serviceCidr": "100.64.0.0/16" },
        key: "eks-gmsa:cluster.serviceCidr",
        mentions: ['"100.64.0.0/16"', "10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"],
    },
    { name: "serviceCidr /8", patch: { "cluster.serviceCidr": "10.0.0.0/8" }, key: "eks-gmsa:cluster.serviceCidr", mentions: ['"10.0.0.0/8"', "/12 to /24"] },
    {
        name: "serviceCidr that is not a CIDR",
        patch: { "cluster.serviceCidr": "172.20.0.0" },
        key: "eks-gmsa:cluster.serviceCidr",
        mentions: ['"172.20.0.0"', "not an IPv4 CIDR block"],
    },
    {
        name: "Kubernetes version 1.29",
        patch: { "cluster.kubernetesVersion": "1.29" },
        key: "eks-gmsa:cluster.kubernetesVersion",
        mentions: ['"1.29"', "1.32, 1.33, 1.34, 1.35, 1.36"],
    },
    {
        name: "Kubernetes version as unquoted number 1.3 (YAML 1.30)",
        patch: { "cluster.kubernetesVersion": 1.3 },
        key: "eks-gmsa:cluster.kubernetesVersion",
        mentions: ["got 1.3", "quote it"],
    },
    {
        name: "bad log type",
        patch: { "cluster.logTypes": ["api", "apiserver"] },
        key: "eks-gmsa:cluster.logTypes[1]",
        mentions: ['"apiserver"', "controllerManager"],
    },
    {
        name: "duplicate log type",
        patch: { "cluster.logTypes": ["api", "audit", "api"] },
        key: "eks-gmsa:cluster.logTypes",
        mentions: ['lists "api" more than once'],
    },
    { name: "log retention 45", patch: { "cluster.logRetentionDays": 45 }, key: "eks-gmsa:cluster.logRetentionDays", mentions: ["got 45", "30, 60"] },
    {
        name: "both endpoints false",
        patch: { cluster: { endpointPublicAccess: false, endpointPrivateAccess: false } },
        key: "eks-gmsa:cluster.endpointPrivateAccess",
        mentions: ["at least one of endpointPublicAccess and endpointPrivateAccess"],
        lines: 2,
    },
    {
        name: "publicAccessCidrs restricted while the private endpoint is off",
        patch: { cluster: { endpointPrivateAccess: false, publicAccessCidrs: ["203.0.113.0/24"] } },
        key: "eks-gmsa:cluster.endpointPrivateAccess",
        mentions: ["got false", "publicAccessCidrs restricts the public endpoint"],
    },
    {
        name: "publicAccessCidrs while the public endpoint is off",
        patch: { cluster: { endpointPublicAccess: false, publicAccessCidrs: ["203.0.113.0/24"] } },
        key: "eks-gmsa:cluster.publicAccessCidrs",
        mentions: ["203.0.113.0/24", "only when endpointPublicAccess is true"],
        lines: 2,
    },
    {
        name: "endpoint flag that is not a boolean",
        patch: { "cluster.endpointPublicAccess": "yes" },
        key: "eks-gmsa:cluster.endpointPublicAccess",
        mentions: ['"yes"', "true or false"],
    },
    {
        name: "cluster name with a dot",
        patch: { "cluster.name": "eks.prod" },
        key: "eks-gmsa:cluster.name",
        mentions: ['"eks.prod"', "letters, digits, '-' and '_'"],
    },
    {
        name: "deployRoleArn that is a user",
        patch: { "cluster.deployRoleArn": viewerArn },
        key: "eks-gmsa:cluster.deployRoleArn",
        mentions: [viewerArn, "IAM role ARN"],
    },
    {
        name: "add-on version without eksbuild",
        patch: { "cluster.addonVersions": { vpcCni: "v1.19.2" } },
        key: "eks-gmsa:cluster.addonVersions.vpcCni",
        mentions: ['"v1.19.2"', "v1.19.2-eksbuild.1"],
    },

    // --- access ---
    {
        name: "ARN that is not IAM (S3)",
        patch: { "access.clusterAdmins": ["arn:aws:s3:::my-bucket"] },
        key: "eks-gmsa:access.clusterAdmins[0]",
        mentions: ["arn:aws:s3:::my-bucket", "IAM user or role ARN"],
    },
    {
        name: "STS assumed-role ARN",
        patch: { "access.clusterAdmins": ["arn:aws:sts::123456789012:assumed-role/Admin/alice"] },
        key: "eks-gmsa:access.clusterAdmins[0]",
        mentions: ["assumed-role/Admin/alice", "STS session ARN"],
    },
    {
        name: "IAM group ARN",
        patch: { "access.viewers": ["arn:aws:iam::123456789012:group/admins"] },
        key: "eks-gmsa:access.viewers[0]",
        mentions: ["group/admins", "IAM user or role ARN"],
    },
    {
        name: "account root ARN",
        patch: { "access.viewers": ["arn:aws:iam::123456789012:root"] },
        key: "eks-gmsa:access.viewers[0]",
        mentions: ["123456789012:root", "IAM user or role ARN"],
    },
    {
        name: "same principal as admin and viewer",
        patch: { "access.viewers": [adminArn] },
        key: "eks-gmsa:access.viewers[0]",
        mentions: [adminArn, "access.clusterAdmins[0]", "one access entry per principal"],
    },
    {
        name: "namespace that is not DNS-1123",
        patch: { "access.namespaceAdmins": [{ principalArn: nsAdminArn, namespaces: ["Team_A"] }] },
        key: "eks-gmsa:access.namespaceAdmins[0].namespaces[0]",
        mentions: ['"Team_A"', "DNS-1123"],
    },
    {
        name: "namespace admin without namespaces",
        patch: { "access.namespaceAdmins": [{ principalArn: nsAdminArn }] },
        key: "eks-gmsa:access.namespaceAdmins[0].namespaces",
        mentions: ["is required"],
    },
    {
        name: "namespace admin with a bad ARN",
        patch: { "access.namespaceAdmins": [{ principalArn: "team-a", namespaces: ["team-a"] }] },
        key: "eks-gmsa:access.namespaceAdmins[0].principalArn",
        mentions: ['"team-a"', "IAM user or role ARN"],
    },

    // --- Linux nodes ---
    {
        name: "Linux Graviton type",
        patch: { "linuxNodes.instanceTypes": ["m6g.large"] },
        key: "eks-gmsa:linuxNodes.instanceTypes[0]",
        mentions: ['"m6g.large"', "Graviton"],
    },
    {
        name: "Linux type too small",
        patch: { "linuxNodes.instanceTypes": ["t3.micro"] },
        key: "eks-gmsa:linuxNodes.instanceTypes[0]",
        mentions: ['"t3.micro"', "too small"],
    },
    { name: "Linux minSize 0", patch: { "linuxNodes.minSize": 0 }, key: "eks-gmsa:linuxNodes.minSize", mentions: ["got 0", "from 1 to 1000"] },
    {
        name: "Linux capacity type in lower case",
        patch: { "linuxNodes.capacityType": "spot" },
        key: "eks-gmsa:linuxNodes.capacityType",
        mentions: ['"spot"', '"SPOT"'],
    },
    { name: "Linux disk below 20 GiB", patch: { "linuxNodes.diskSizeGiB": 10 }, key: "eks-gmsa:linuxNodes.diskSizeGiB", mentions: ["got 10", "from 20"] },

    // --- Windows nodes ---
    { name: "minSize above desiredSize", patch: { "windowsNodes.minSize": 3 }, key: "eks-gmsa:windowsNodes.desiredSize", mentions: ["got 2", "minSize (3)"] },
    {
        name: "desiredSize above maxSize",
        patch: { "windowsNodes.desiredSize": 5 },
        key: "eks-gmsa:windowsNodes.maxSize",
        mentions: ["got 4", "desiredSize (5)"],
    },
    { name: "non-integer maxSize", patch: { "windowsNodes.maxSize": 2.5 }, key: "eks-gmsa:windowsNodes.maxSize", mentions: ["got 2.5", "whole number"] },
    { name: "maxSize as a word", patch: { "windowsNodes.maxSize": "three" }, key: "eks-gmsa:windowsNodes.maxSize", mentions: ['"three"', "whole number"] },
    {
        name: "Windows Graviton type m6g.large",
        patch: { "windowsNodes.instanceType": "m6g.large" },
        key: "eks-gmsa:windowsNodes.instanceType",
        mentions: ['"m6g.large"', "Graviton", "x86_64"],
    },
    {
        name: "unsupported Windows family m4.large",
        patch: { "windowsNodes.instanceType": "m4.large" },
        key: "eks-gmsa:windowsNodes.instanceType",
        mentions: ['"m4.large"', "family m4 is not supported", "m6i"],
    },
    {
        name: "Windows type too small t3.micro",
        patch: { "windowsNodes.instanceType": "t3.micro" },
        key: "eks-gmsa:windowsNodes.instanceType",
        mentions: ['"t3.micro"', "too small"],
    },
    {
        name: "instance type with a bad shape",
        patch: { "windowsNodes.instanceType": "M6I.XLARGE" },
        key: "eks-gmsa:windowsNodes.instanceType",
        mentions: ['"M6I.XLARGE"', "m6i.xlarge"],
    },
    {
        name: "Windows Server 2016",
        patch: { "windowsNodes.windowsServerVersion": "2016" },
        key: "eks-gmsa:windowsNodes.windowsServerVersion",
        mentions: ['"2016"', '"2019"', '"2022"', '"2025"'],
    },
    {
        name: "edition Datacenter",
        patch: { "windowsNodes.edition": "Datacenter" },
        key: "eks-gmsa:windowsNodes.edition",
        mentions: ['"Datacenter"', '"Core"', '"Full"'],
    },
    {
        name: "Windows 2025 with Kubernetes 1.33",
        patch: { "windowsNodes.windowsServerVersion": "2025", "cluster.kubernetesVersion": "1.33" },
        key: "eks-gmsa:windowsNodes.windowsServerVersion",
        mentions: ['"2025"', "1.35", "1.33", "amiId"],
    },
    { name: "bad AMI ID", patch: { "windowsNodes.amiId": "ami-123" }, key: "eks-gmsa:windowsNodes.amiId", mentions: ['"ami-123"', "ami-0123456789abcdef0"] },
    {
        name: "root volume below the AMI's 50 GiB",
        patch: { "windowsNodes.rootVolumeSizeGiB": 30 },
        key: "eks-gmsa:windowsNodes.rootVolumeSizeGiB",
        mentions: ["got 30", "from 50"],
    },
    {
        name: "bad label key",
        patch: { "windowsNodes.labels": { "-team": "a" } },
        key: "eks-gmsa:windowsNodes.labels.-team",
        mentions: ['"-team"', "label name"],
    },
    {
        name: "label key with two slashes",
        patch: { "windowsNodes.labels": { "example.com/a/b": "x" } },
        key: "eks-gmsa:windowsNodes.labels.example.com/a/b",
        mentions: ["[prefix/]name"],
    },
    {
        // The kubelet registers these labels itself; labels under kubernetes.io / k8s.io (other than
        // node.kubernetes.io/ and kubelet.kubernetes.io/) are refused and the node never joins.
        name: "node label the kubelet may not set",
        patch: { "windowsNodes.labels": { "node-role.kubernetes.io/windows": "" } },
        key: "eks-gmsa:windowsNodes.labels.node-role.kubernetes.io/windows",
        mentions: ['"node-role.kubernetes.io/windows"', "kubernetes.io"],
    },
    {
        name: "bad label value",
        patch: { "windowsNodes.labels": { team: "a b" } },
        key: "eks-gmsa:windowsNodes.labels.team",
        mentions: ['"a b"', "label value"],
    },
    {
        name: "bad taint effect",
        patch: { "windowsNodes.taint": { key: "os", value: "windows", effect: "NoRun" } },
        key: "eks-gmsa:windowsNodes.taint.effect",
        mentions: ['"NoRun"', '"NoSchedule"', '"PreferNoSchedule"', '"NoExecute"'],
    },
    {
        name: "taint that is not an object",
        patch: { "windowsNodes.taint": "os=windows:NoSchedule" },
        key: "eks-gmsa:windowsNodes.taint",
        mentions: ['"os=windows:NoSchedule"', "{key, value, effect} or false"],
    },
    { name: "taint true", patch: { "windowsNodes.taint": true }, key: "eks-gmsa:windowsNodes.taint", mentions: ["got true", "{key, value, effect} or false"] },
    {
        name: "unknown key inside taint",
        patch: { "windowsNodes.taint": { key: "os", efect: "NoSchedule" } },
        key: "eks-gmsa:windowsNodes.taint.efect",
        mentions: ["did you mean effect?"],
    },
    {
        name: "unknown nested key instanceTyp",
        patch: { "windowsNodes.instanceTyp": "m6i.large" },
        key: "eks-gmsa:windowsNodes.instanceTyp",
        mentions: ["unknown key", "did you mean instanceType?"],
    },
    {
        name: "unknown key far from any known key",
        patch: { "linuxNodes.gpu": true },
        key: "eks-gmsa:linuxNodes.gpu",
        mentions: ["unknown key", "known keys:", "instanceTypes"],
    },

    // --- Active Directory ---
    {
        name: "AD domain with one label",
        patch: { "activeDirectory.domainName": "corp" },
        key: "eks-gmsa:activeDirectory.domainName",
        mentions: ['"corp"', "at least two labels"],
    },
    {
        name: "AD domain label with underscore",
        patch: { "activeDirectory.domainName": "corp_ad.example.com" },
        key: "eks-gmsa:activeDirectory.domainName",
        mentions: ['"corp_ad.example.com"', 'invalid label "corp_ad"'],
    },
    {
        name: "AD domain ending in a number",
        patch: { "activeDirectory.domainName": "corp.10" },
        key: "eks-gmsa:activeDirectory.domainName",
        mentions: ['"corp.10"', "numeric label"],
    },
    {
        name: "NetBIOS name over 15 characters",
        patch: { "activeDirectory.netbiosName": "CORPORATEDOMAIN1" },
        key: "eks-gmsa:activeDirectory.netbiosName",
        mentions: ['"CORPORATEDOMAIN1"', "1 to 15 characters", "has 16"],
    },
    {
        name: "NetBIOS name with a dot",
        patch: { "activeDirectory.netbiosName": "CORP.EXAMPLE" },
        key: "eks-gmsa:activeDirectory.netbiosName",
        mentions: ['"CORP.EXAMPLE"', "letters, digits and '-'"],
    },
    {
        name: "bad DNS server IP",
        patch: { "activeDirectory.dnsServers": ["10.0.0.10", "10.0.0.256"] },
        key: "eks-gmsa:activeDirectory.dnsServers[1]",
        mentions: ['"10.0.0.256"', "IPv4 address"],
    },
    { name: "empty dnsServers", patch: { "activeDirectory.dnsServers": [] }, key: "eks-gmsa:activeDirectory.dnsServers", mentions: ["got []", "at least 1"] },
    {
        name: "dnsServers not a list",
        patch: { "activeDirectory.dnsServers": "10.0.0.10" },
        key: "eks-gmsa:activeDirectory.dnsServers",
        mentions: ['"10.0.0.10"', "must be a list"],
    },
    {
        name: "AD without a domain name",
        patch: { "activeDirectory.domainName": undefined },
        key: "eks-gmsa:activeDirectory.domainName",
        mentions: ["is required"],
    },
];

describe("parseSettings rejects bad input with a line naming the exact key", () => {
    test("the base config used by these cases is valid", () => {
        ok();
    });

    test("at least 30 distinct bad inputs are covered", () => {
        const names = new Set(badCases.map((c) => c.name));
        const text = (patch: Obj) => JSON.stringify(patch, (_, v) => (v === undefined ? "(removed)" : v));
        const patches = new Set(badCases.map((c) => text(c.patch)));
        assert.equal(names.size, badCases.length, "case names are unique");
        const dupes = badCases.filter((c, i) => badCases.findIndex((d) => text(d.patch) === text(c.patch)) !== i).map((c) => c.name);
        assert.deepEqual(dupes, [], "case inputs are distinct");
        assert.equal(patches.size, badCases.length);
        assert.ok(badCases.length >= 30, `only ${badCases.length} cases`);
    });

    for (const c of badCases) {
        test(c.name, () => {
            const lines = problems(c.patch);
            const line = lineFor(lines, c.key);
            for (const m of c.mentions) {
                if (typeof m === "string") assert.ok(line.includes(m), `line should mention ${JSON.stringify(m)}: ${line}`);
                else assert.match(line, m);
            }
            assert.equal(lines.length, c.lines ?? 1, `expected ${c.lines ?? 1} problem line(s), got:\n  ${lines.join("\n  ")}`);
        });
    }
});

describe("parseSettings reports all problems at once", () => {
    test("seven independent mistakes in different sections give seven lines, each naming its key", () => {
        const lines = problems({
            "aws:region": undefined,
            tags: { "aws:team": "x" },
            "network.natGateways": "two",
            "cluster.logRetentionDays": 45,
            "access.clusterAdmins": ["arn:aws:iam::123456789012:group/admins"],
            "linuxNodes.instanceTypes": ["m6g.large"],
            "windowsNodes.edition": "Datacenter",
            "activeDirectory.netbiosName": "CORPORATEDOMAIN1",
        });
        const keys = [
            "aws:region",
            "eks-gmsa:tags.aws:team",
            "eks-gmsa:network.natGateways",
            "eks-gmsa:cluster.logRetentionDays",
            "eks-gmsa:access.clusterAdmins[0]",
            "eks-gmsa:linuxNodes.instanceTypes[0]",
            "eks-gmsa:windowsNodes.edition",
            "eks-gmsa:activeDirectory.netbiosName",
        ];
        for (const key of keys) lineFor(lines, key);
        assert.equal(lines.length, keys.length, lines.join("\n"));
    });

    test("several mistakes in one section are all reported", () => {
        const lines = problems({
            windowsNodes: { instanceType: "m4.large", edition: "Datacenter", rootVolumeSizeGiB: 10, labels: { "-x": "y" }, instanceTyp: "z" },
        });
        for (const key of ["instanceType", "edition", "rootVolumeSizeGiB", "labels.-x", "instanceTyp"]) lineFor(lines, `eks-gmsa:windowsNodes.${key}`);
    });

    test("every bad item of a list is reported, not only the first", () => {
        const lines = problems({ "activeDirectory.dnsServers": ["10.0.0.300", "dc1", "10.0.0.10"] });
        lineFor(lines, "eks-gmsa:activeDirectory.dnsServers[0]");
        lineFor(lines, "eks-gmsa:activeDirectory.dnsServers[1]");
        assert.equal(lines.length, 2);
    });

    // All problems at once: a mistake elsewhere in the other section must not hide a cross check.
    test("a cross-section problem is still reported when the other section has an unrelated error", () => {
        const lines = problems({
            cluster: { kubernetesVersion: "1.33", logTypes: ["apiserver"] },
            "windowsNodes.windowsServerVersion": "2025",
        });
        lineFor(lines, "eks-gmsa:cluster.logTypes[0]");
        lineFor(lines, "eks-gmsa:windowsNodes.windowsServerVersion");
    });

    test("serviceCidr overlapping the VPC is reported even when natGateways is also wrong", () => {
        const lines = problems({ "network.natGateways": "two", "cluster.serviceCidr": "10.0.0.0/16" });
        lineFor(lines, "eks-gmsa:network.natGateways");
        lineFor(lines, "eks-gmsa:cluster.serviceCidr");
    });
});

describe("parseSettings: Arm types the x86_64 Linux AMI cannot run", () => {
    // a1 (first Graviton) has no 'g' after its generation digit; g5g is Graviton2 with a GPU.
    for (const type of ["a1.large", "g5g.xlarge"]) {
        test(`Linux Graviton type ${type} is rejected`, () => {
            const line = lineFor(problems({ "linuxNodes.instanceTypes": [type] }), "eks-gmsa:linuxNodes.instanceTypes[0]");
            assert.ok(line.includes("Graviton"), line);
        });
    }
});

describe("parseSettings: valid input", () => {
    test("the base config parses into the values given", () => {
        const s = ok();
        assert.equal(s.project, "eks-gmsa");
        assert.equal(s.stack, "dev");
        assert.equal(s.region, "us-west-2");
        assert.deepEqual(s.tags, { team: "platform", "cost-center": "42" });
        assert.deepEqual(s.network, {
            mode: "create",
            vpcCidr: "10.0.0.0/16",
            availabilityZoneCount: 2,
            availabilityZones: [],
            publicSubnetCidrs: ["10.0.192.0/20", "10.0.208.0/20"],
            privateSubnetCidrs: ["10.0.0.0/18", "10.0.64.0/18"],
            natGateways: "single",
            transitGateway: { id: "tgw-0123456789abcdef0", routes: ["10.100.0.0/16"] },
        });
        assert.equal(s.cluster.kubernetesVersion, "1.35");
        assert.equal(s.cluster.logRetentionDays, 30);
        assert.deepEqual(s.access, {
            clusterAdmins: [adminArn],
            namespaceAdmins: [{ principalArn: nsAdminArn, namespaces: ["team-a"] }],
            viewers: [viewerArn],
        });
        assert.deepEqual(s.windowsNodes.labels, { workload: "iis" });
        assert.deepEqual(s.activeDirectory, {
            domainName: "corp.example.com",
            netbiosName: "CORP",
            dnsServers: ["10.100.0.10", "10.100.64.10"],
            forestName: "corp.example.com",
            provisionAccounts: false,
            accountsOu: "CN=Users,DC=corp,DC=example,DC=com",
            vpcResolver: { mode: "none" },
        });
    });

    test("defaults are applied when only the region is set", () => {
        const result = parseSettings({ stack: "staging", values: { "aws:region": "eu-central-1" } });
        if (!result.ok) assert.fail(result.problems.join("\n"));
        const s = result.settings;
        assert.deepEqual(s.tags, {});
        assert.equal(s.network.mode, "create");
        if (s.network.mode !== "create") return;
        assert.equal(s.network.vpcCidr, "10.0.0.0/16");
        assert.equal(s.network.availabilityZoneCount, 2);
        assert.deepEqual(s.network.availabilityZones, []);
        assert.equal(s.network.natGateways, "onePerAz");
        assert.deepEqual(s.network.privateSubnetCidrs, ["10.0.0.0/18", "10.0.64.0/18"]);
        assert.deepEqual(s.network.publicSubnetCidrs, ["10.0.192.0/20", "10.0.208.0/20"]);

        assert.equal(s.cluster.name, "eks-gmsa-staging");
        assert.equal(s.cluster.kubernetesVersion, "1.35");
        assert.equal(s.cluster.serviceCidr, "172.20.0.0/16");
        assert.equal(s.cluster.endpointPublicAccess, true);
        assert.equal(s.cluster.endpointPrivateAccess, true);
        assert.deepEqual(s.cluster.publicAccessCidrs, ["0.0.0.0/0"]);
        assert.deepEqual(s.cluster.logTypes, ["api", "audit", "authenticator"]);
        assert.equal(s.cluster.logRetentionDays, 90);
        assert.equal(s.cluster.deployRoleArn, undefined);
        assert.equal(s.cluster.protect, true);
        assert.deepEqual(s.cluster.addonVersions, {});

        assert.deepEqual(s.access, { clusterAdmins: [], namespaceAdmins: [], viewers: [] });

        assert.deepEqual(s.linuxNodes, { instanceTypes: ["m6i.large"], minSize: 2, desiredSize: 2, maxSize: 4, diskSizeGiB: 50, capacityType: "ON_DEMAND" });

        assert.equal(s.windowsNodes.windowsServerVersion, "2022");
        assert.equal(s.windowsNodes.edition, "Core");
        assert.equal(s.windowsNodes.instanceType, "m6i.xlarge");
        assert.equal(s.windowsNodes.minSize, 1);
        assert.equal(s.windowsNodes.desiredSize, 2);
        assert.equal(s.windowsNodes.maxSize, 4);
        assert.equal(s.windowsNodes.rootVolumeSizeGiB, 100);
        assert.equal(s.windowsNodes.amiId, undefined);
        assert.equal(s.windowsNodes.sshKeyName, undefined);
        assert.deepEqual(s.windowsNodes.labels, {});
        assert.deepEqual(s.windowsNodes.taint, { key: "os", value: "windows", effect: "NoSchedule" });

        assert.equal(s.activeDirectory, undefined);
    });

    test("the default VPC layout follows availabilityZoneCount 3", () => {
        const s = ok({ network: { vpcCidr: "10.20.0.0/16", availabilityZoneCount: 3 }, activeDirectory: undefined });
        assert.equal(s.network.mode, "create");
        if (s.network.mode !== "create") return;
        assert.deepEqual(s.network.privateSubnetCidrs, ["10.20.0.0/18", "10.20.64.0/18", "10.20.128.0/18"]);
        assert.deepEqual(s.network.publicSubnetCidrs, ["10.20.192.0/20", "10.20.208.0/20", "10.20.224.0/20"]);
    });

    test('taint: false turns the Windows taint off (also as the text "false")', () => {
        assert.equal(ok({ "windowsNodes.taint": false }).windowsNodes.taint, undefined);
        assert.equal(ok({ "windowsNodes.taint": "false" }).windowsNodes.taint, undefined);
    });

    test("a partial taint keeps the other default fields", () => {
        assert.deepEqual(ok({ "windowsNodes.taint": { effect: "NoExecute" } }).windowsNodes.taint, { key: "os", value: "windows", effect: "NoExecute" });
    });

    test("existing-VPC mode parses", () => {
        const s = ok({ network: { ...existingVpc, publicSubnetIds: ["subnet-0bbbbbbbbbbbbbbb1"] }, "cluster.serviceCidr": "10.0.0.0/16" });
        assert.deepEqual(s.network, {
            mode: "existing",
            vpcId: "vpc-0123456789abcdef0",
            privateSubnetIds: existingVpc.privateSubnetIds,
            publicSubnetIds: ["subnet-0bbbbbbbbbbbbbbb1"],
        });
    });

    test("existing-VPC mode without public subnets gives an empty list", () => {
        const s = ok({ network: existingVpc });
        assert.equal(s.network.mode, "existing");
        if (s.network.mode === "existing") assert.deepEqual(s.network.publicSubnetIds, []);
    });

    test("numeric strings are accepted for integers (pulumi config set --path)", () => {
        const s = ok({ "windowsNodes.maxSize": "6", "windowsNodes.desiredSize": "3", "network.availabilityZoneCount": "2", "cluster.logRetentionDays": "365" });
        assert.equal(s.windowsNodes.maxSize, 6);
        assert.equal(s.windowsNodes.desiredSize, 3);
        assert.equal(s.cluster.logRetentionDays, 365);
        if (s.network.mode === "create") assert.equal(s.network.availabilityZoneCount, 2);
    });

    test("string booleans are accepted", () => {
        // A private-only endpoint needs an existing VPC (the deployer runs inside it).
        const existingVpc = { vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"] };
        const s = ok({ network: existingVpc, cluster: { endpointPublicAccess: "false", endpointPrivateAccess: "true", protect: "false" } });
        assert.equal(s.cluster.endpointPublicAccess, false);
        assert.equal(s.cluster.protect, false);
        assert.deepEqual(s.cluster.publicAccessCidrs, [], "no public CIDRs when the public endpoint is off");
    });

    test("an unquoted Windows Server version number that is valid (2022) is accepted", () => {
        assert.equal(ok({ "windowsNodes.windowsServerVersion": 2022 }).windowsNodes.windowsServerVersion, "2022");
    });

    test("Windows 2025 with Kubernetes 1.33 is accepted when amiId is pinned", () => {
        const s = ok({ "windowsNodes.windowsServerVersion": "2025", "windowsNodes.amiId": "ami-0123456789abcdef0", "cluster.kubernetesVersion": "1.33" });
        assert.equal(s.windowsNodes.windowsServerVersion, "2025");
        assert.equal(s.windowsNodes.amiId, "ami-0123456789abcdef0");
    });

    test("Windows 2025 with Kubernetes 1.35 needs no pinned AMI", () => {
        assert.equal(ok({ "windowsNodes.windowsServerVersion": "2025" }).windowsNodes.windowsServerVersion, "2025");
    });

    test("Windows minSize 0 is allowed (scale to zero)", () => {
        const s = ok({ windowsNodes: { minSize: 0, desiredSize: 0, maxSize: 2 } });
        assert.deepEqual([s.windowsNodes.minSize, s.windowsNodes.desiredSize, s.windowsNodes.maxSize], [0, 0, 2]);
    });

    test("node labels under node.kubernetes.io/ and custom prefixes are accepted", () => {
        const labels = { "node.kubernetes.io/lifecycle": "normal", "example.com/team": "web", tier: "" };
        assert.deepEqual(ok({ "windowsNodes.labels": labels }).windowsNodes.labels, labels);
    });

    test("the AD names are normalized: domain lower-case, NetBIOS upper-case", () => {
        const s = ok({ activeDirectory: { domainName: "Corp.Example.COM", netbiosName: "corp-1", dnsServers: ["10.100.0.10"] } });
        assert.equal(s.activeDirectory?.domainName, "corp.example.com");
        assert.equal(s.activeDirectory?.netbiosName, "CORP-1");
    });

    test("GovCloud and China regions are accepted", () => {
        assert.equal(ok({ "aws:region": "us-gov-west-1", "network.availabilityZones": ["us-gov-west-1a", "us-gov-west-1b"] }).region, "us-gov-west-1");
        assert.equal(ok({ "aws:region": "cn-northwest-1" }).region, "cn-northwest-1");
    });

    test("the settings are deeply frozen", () => {
        "use strict";
        const s = ok();
        for (const o of [
            s,
            s.network,
            s.cluster,
            s.cluster.logTypes,
            s.access,
            s.access.namespaceAdmins[0],
            s.access.namespaceAdmins[0].namespaces,
            s.windowsNodes,
            s.windowsNodes.labels,
            s.windowsNodes.taint,
            s.activeDirectory,
            s.activeDirectory?.dnsServers,
            s.tags,
        ]) {
            assert.ok(Object.isFrozen(o), `not frozen: ${JSON.stringify(o)}`);
        }
        // ES modules compiled by tsx run in strict mode: writes to frozen objects throw.
        assert.throws(() => {
            (s.windowsNodes as { maxSize: number }).maxSize = 100;
        }, TypeError);
        assert.throws(() => {
            (s.cluster.logTypes as string[]).push("scheduler");
        }, TypeError);
        assert.equal(s.windowsNodes.maxSize, 4);
    });

    test("parsing does not share state between calls", () => {
        const a = ok();
        const b = ok({ "windowsNodes.maxSize": 8 });
        assert.equal(a.windowsNodes.maxSize, 4);
        assert.equal(b.windowsNodes.maxSize, 8);
    });
});

describe("defaultSubnets", () => {
    for (const [vpcCidr, azCount] of [
        ["10.0.0.0/16", 2],
        ["10.0.0.0/16", 3],
        ["172.16.0.0/20", 3],
        ["192.168.10.0/24", 2],
        ["192.168.10.0/24", 3],
    ] as const) {
        test(`${vpcCidr} with ${azCount} AZs: one public and one private subnet per AZ, inside the VPC, none overlapping`, () => {
            const { publicSubnetCidrs, privateSubnetCidrs } = defaultSubnets(vpcCidr, azCount);
            assert.equal(publicSubnetCidrs.length, azCount);
            assert.equal(privateSubnetCidrs.length, azCount);
            const vpc = parseCidr(vpcCidr);
            const all = [...publicSubnetCidrs, ...privateSubnetCidrs].map(parseCidr);
            for (const subnet of all) {
                assert.ok(contains(vpc, subnet), `${subnet.text} is outside ${vpcCidr}`);
                assert.ok(subnet.prefix <= 28, `${subnet.text} is smaller than AWS allows`);
            }
            for (let i = 0; i < all.length; i++) {
                for (let j = i + 1; j < all.length; j++) assert.ok(!overlaps(all[i], all[j]), `${all[i].text} overlaps ${all[j].text}`);
            }
            // Private subnets hold the nodes and pod IPs: each is larger than a public one.
            assert.ok(parseCidr(privateSubnetCidrs[0]).prefix < parseCidr(publicSubnetCidrs[0]).prefix);
        });
    }

    test("the layout for 10.0.0.0/16 and 2 AZs is the documented one", () => {
        assert.deepEqual(defaultSubnets("10.0.0.0/16", 2), {
            privateSubnetCidrs: ["10.0.0.0/18", "10.0.64.0/18"],
            publicSubnetCidrs: ["10.0.192.0/20", "10.0.208.0/20"],
        });
    });
});

describe("parseSettings: stack names", () => {
    test("a stack name with a dot still gives a valid default cluster name", () => {
        const result = parseSettings({ stack: "team.prod", values: { "aws:region": "us-west-2" } });
        assert.ok(result.ok, result.ok ? "" : result.problems.join("\n"));
        assert.equal(result.settings.cluster.name, "eks-gmsa-team-prod");
    });
});
