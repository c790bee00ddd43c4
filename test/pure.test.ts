// Unit tests of the pure building blocks: CIDR arithmetic, the CoreDNS Corefile and add-on values,
// the Windows bootstrap user data, the Windows AMI parameter, IAM policy sets and access entries.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
    blockSize,
    cidrProblem,
    contains,
    containsAddress,
    intToIpv4,
    ipv4ToInt,
    isIpv4,
    isPrivate,
    nthAddress,
    overlaps,
    parseCidr,
    subdivide,
} from "../lib/cidr";
import { eksAccessPolicyArn, managedPolicyArn, partitionOf, servicePrincipal } from "../lib/aws";
import { clusterDnsIp } from "../settings/validate";
import { pluginsOf, renderCorefile } from "../components/corefile";
import { corednsConfiguration } from "../components/dns";
import { vpcCniConfiguration } from "../components/cluster";
import { kubeletExtraArgs, psString, renderWindowsUserData, type WindowsBootstrapArgs } from "../components/windowsUserData";
import { windowsAmiParameter, windowsAmiParameterPattern } from "../components/windowsAmi";
import { clusterRolePolicies, nodeRolePolicies, policyName, serviceTrustPolicy } from "../components/iamPolicies";
import { accessEntries, accessEntryKey } from "../components/accessEntries";
import type { AccessSettings } from "../settings/types";

describe("lib/cidr", () => {
    test("cidrProblem accepts canonical blocks", () => {
        for (const c of ["10.0.0.0/16", "0.0.0.0/0", "192.168.1.0/24", "172.16.0.0/12", "10.1.2.3/32", "255.255.255.255/32"]) {
            assert.equal(cidrProblem(c), undefined, c);
        }
    });

    test("cidrProblem rejects what is not a CIDR block", () => {
        for (const c of [
            "10.0.0.0",
            "10.0.0/16",
            "10.0.0.0/",
            "/16",
            "10.0.0.256/24",
            "a.b.c.d/8",
            "10.0.0.0/16 ",
            " 10.0.0.0/16",
            "010.0.0.0/8",
            "10.0.0.0/123",
            "::/0",
            "",
        ]) {
            assert.equal(cidrProblem(c), "is not an IPv4 CIDR block such as 10.0.0.0/16", JSON.stringify(c));
        }
        assert.equal(cidrProblem("10.0.0.0/33"), "has a prefix length over 32");
    });

    // A leading zero would reach AWS as written, and "0.0.0.0/00" would not count as "0.0.0.0/0".
    test("cidrProblem rejects a prefix length with a leading zero", () => {
        for (const c of ["10.0.0.0/08", "0.0.0.0/00", "10.0.0.0/016"]) assert.notEqual(cidrProblem(c), undefined, c);
    });

    test("cidrProblem names the right block when host bits are set", () => {
        assert.equal(cidrProblem("10.0.0.1/16"), "has host bits set; the block is 10.0.0.0/16");
        assert.equal(cidrProblem("192.168.1.130/25"), "has host bits set; the block is 192.168.1.128/25");
        assert.equal(cidrProblem("172.31.255.255/12"), "has host bits set; the block is 172.16.0.0/12");
    });

    test("parseCidr gives base, prefix and text, and throws on a bad block", () => {
        const c = parseCidr("10.1.0.0/16");
        assert.equal(c.base, 10 * 2 ** 24 + 1 * 2 ** 16);
        assert.equal(c.prefix, 16);
        assert.equal(c.text, "10.1.0.0/16");
        assert.throws(() => parseCidr("10.1.0.1/16"), /host bits/);
        assert.throws(() => parseCidr("nope"), /not an IPv4 CIDR/);
    });

    test("IPv4 text and integer conversions round-trip, including the top of the range", () => {
        for (const ip of ["0.0.0.0", "10.0.0.1", "172.20.0.10", "192.168.255.254", "255.255.255.255"]) {
            assert.equal(intToIpv4(ipv4ToInt(ip)), ip);
        }
        assert.equal(ipv4ToInt("255.255.255.255"), 2 ** 32 - 1);
        assert.equal(isIpv4("10.0.0.256"), false);
        assert.equal(isIpv4("10.0.0"), false);
        assert.throws(() => ipv4ToInt("10.0.0"), /not an IPv4 address/);
        assert.equal(blockSize(24), 256);
        assert.equal(blockSize(0), 2 ** 32);
    });

    test("contains: inner blocks, the block itself, and not the reverse or neighbours", () => {
        const vpc = parseCidr("10.0.0.0/16");
        assert.equal(contains(vpc, parseCidr("10.0.0.0/24")), true);
        assert.equal(contains(vpc, parseCidr("10.0.255.0/24")), true);
        assert.equal(contains(vpc, vpc), true);
        assert.equal(contains(parseCidr("10.0.0.0/24"), vpc), false);
        assert.equal(contains(vpc, parseCidr("10.1.0.0/24")), false);
        assert.equal(contains(vpc, parseCidr("10.0.0.0/15")), false);
        assert.equal(contains(parseCidr("0.0.0.0/0"), parseCidr("255.255.255.255/32")), true);
    });

    test("overlaps is symmetric, true for nesting, false for adjacent blocks", () => {
        const a = parseCidr("10.0.0.0/24");
        const b = parseCidr("10.0.1.0/24");
        const big = parseCidr("10.0.0.0/16");
        assert.equal(overlaps(a, b), false);
        assert.equal(overlaps(b, a), false);
        assert.equal(overlaps(a, big), true);
        assert.equal(overlaps(big, a), true);
        assert.equal(overlaps(a, a), true);
        assert.equal(overlaps(parseCidr("10.0.0.0/23"), b), true);
        assert.equal(overlaps(parseCidr("172.20.0.0/16"), big), false);
    });

    test("containsAddress covers the block's first and last address only", () => {
        const c = parseCidr("10.0.1.0/24");
        assert.equal(containsAddress(c, "10.0.1.0"), true);
        assert.equal(containsAddress(c, "10.0.1.255"), true);
        assert.equal(containsAddress(c, "10.0.2.0"), false);
        assert.equal(containsAddress(c, "10.0.0.255"), false);
    });

    test("subdivide carves consecutive blocks, with an offset", () => {
        assert.deepEqual(
            subdivide(parseCidr("10.0.0.0/16"), 18, 3).map((c) => c.text),
            ["10.0.0.0/18", "10.0.64.0/18", "10.0.128.0/18"],
        );
        assert.deepEqual(
            subdivide(parseCidr("10.0.0.0/16"), 18, 1, 3).map((c) => c.text),
            ["10.0.192.0/18"],
        );
        assert.deepEqual(
            subdivide(parseCidr("192.168.0.0/24"), 28, 2, 14).map((c) => c.text),
            ["192.168.0.224/28", "192.168.0.240/28"],
        );
        const parts = subdivide(parseCidr("10.0.0.0/16"), 20, 16);
        for (const p of parts) assert.equal(cidrProblem(p.text), undefined);
        assert.equal(parts[15].text, "10.0.240.0/20");
        assert.deepEqual(parts[1], parseCidr("10.0.16.0/20"));
    });

    test("subdivide refuses blocks larger than the parent, smaller than /28, or too many", () => {
        assert.throws(() => subdivide(parseCidr("10.0.0.0/16"), 15, 1), /cannot carve \/15/);
        assert.throws(() => subdivide(parseCidr("10.0.0.0/24"), 29, 1), /cannot carve \/29/);
        assert.throws(() => subdivide(parseCidr("10.0.0.0/16"), 18, 5), /holds only 4 \/18 blocks/);
        assert.throws(() => subdivide(parseCidr("10.0.0.0/16"), 18, 2, 3), /holds only 4/);
    });

    test("nthAddress counts from the network address and stays in the block", () => {
        assert.equal(nthAddress(parseCidr("172.20.0.0/16"), 0), "172.20.0.0");
        assert.equal(nthAddress(parseCidr("172.20.0.0/16"), 10), "172.20.0.10");
        assert.equal(nthAddress(parseCidr("10.0.0.0/24"), 255), "10.0.0.255");
        assert.equal(nthAddress(parseCidr("10.0.0.0/16"), 256), "10.0.1.0");
        assert.throws(() => nthAddress(parseCidr("10.0.0.0/24"), 256), /no address number 256/);
        assert.throws(() => nthAddress(parseCidr("10.0.0.0/24"), -1));
    });

    test("isPrivate: inside the RFC 1918 ranges only", () => {
        for (const c of ["10.0.0.0/8", "10.200.0.0/16", "172.16.0.0/12", "172.31.0.0/16", "192.168.0.0/16", "192.168.10.0/24"])
            assert.equal(isPrivate(parseCidr(c)), true, c);
        for (const c of ["8.8.8.0/24", "172.32.0.0/16", "172.0.0.0/8", "100.64.0.0/10", "192.169.0.0/16", "0.0.0.0/0", "192.168.0.0/15"])
            assert.equal(isPrivate(parseCidr(c)), false, c);
    });

    test("clusterDnsIp is the 10th address of the service CIDR", () => {
        assert.equal(clusterDnsIp("172.20.0.0/16"), "172.20.0.10");
        assert.equal(clusterDnsIp("10.100.0.0/16"), "10.100.0.10");
        assert.equal(clusterDnsIp("192.168.128.0/24"), "192.168.128.10");
    });
});

const eksDefaultPlugins = ["errors", "health", "ready", "kubernetes", "prometheus", "forward", "cache", "loop", "reload", "loadbalance"];

describe("CoreDNS Corefile", () => {
    const ad = [{ domain: "corp.example.com", servers: ["10.0.0.10", "10.0.64.10"] }];

    test("keeps the EKS default block with every plugin, in order", () => {
        for (const corefile of [renderCorefile([]), renderCorefile(ad)]) {
            assert.deepEqual(pluginsOf(corefile, ".:53"), eksDefaultPlugins);
            assert.ok(
                corefile.includes(
                    "    kubernetes cluster.local in-addr.arpa ip6.arpa {\n        pods insecure\n        fallthrough in-addr.arpa ip6.arpa\n    }",
                ),
            );
            assert.ok(corefile.includes("    forward . /etc/resolv.conf\n"));
            assert.ok(corefile.includes("    prometheus :9153\n"));
            assert.ok(corefile.includes("    health {\n        lameduck 5s\n    }"));
        }
    });

    test("forwards the AD domain to exactly the given servers", () => {
        const corefile = renderCorefile(ad);
        assert.deepEqual(pluginsOf(corefile, "corp.example.com:53"), ["errors", "cache", "forward", "reload"]);
        const forwardLines = corefile.split("\n").filter((l) => l.trim().startsWith("forward "));
        assert.deepEqual(
            forwardLines.map((l) => l.trim()),
            ["forward . /etc/resolv.conf", "forward . 10.0.0.10 10.0.64.10"],
        );
        assert.equal(corefile.split("\n").filter((l) => l.trim() === "corp.example.com:53 {").length, 1);
        assert.ok(corefile.endsWith("}\n"));
    });

    test("without AD there is only the default block", () => {
        const corefile = renderCorefile([]);
        const blockStarts = corefile.split("\n").filter((l) => l.endsWith("{") && !l.startsWith(" "));
        assert.deepEqual(blockStarts, [".:53 {"]);
        assert.deepEqual(pluginsOf(corefile, "corp.example.com:53"), []);
    });

    test("braces are balanced", () => {
        const corefile = renderCorefile(ad);
        assert.equal((corefile.match(/{/g) ?? []).length, (corefile.match(/}/g) ?? []).length);
    });

    test("coredns add-on values: JSON with exactly one key, corefile, a string", () => {
        const withAd = JSON.parse(corednsConfiguration({ domainName: "corp.example.com", dnsServers: ["10.0.0.10"] }));
        assert.deepEqual(Object.keys(withAd), ["corefile"]);
        assert.equal(typeof withAd.corefile, "string");
        assert.deepEqual(pluginsOf(withAd.corefile, ".:53"), eksDefaultPlugins);
        assert.deepEqual(pluginsOf(withAd.corefile, "corp.example.com:53"), ["errors", "cache", "forward", "reload"]);
        assert.ok(withAd.corefile.includes("forward . 10.0.0.10\n"));

        const withoutAd = JSON.parse(corednsConfiguration(undefined));
        assert.deepEqual(Object.keys(withoutAd), ["corefile"]);
        assert.equal(withoutAd.corefile, renderCorefile([]));
    });

    test("vpc-cni add-on values turn Windows IPAM on, as the string the schema requires", () => {
        assert.equal(vpcCniConfiguration(), '{"enableWindowsIpam":"true"}');
        assert.equal(typeof JSON.parse(vpcCniConfiguration()).enableWindowsIpam, "string");
    });
});

describe("Windows user data", () => {
    const args: WindowsBootstrapArgs = {
        clusterName: "eks-gmsa-dev",
        apiServerEndpoint: "https://ABCDEF.gr7.us-west-2.eks.amazonaws.com",
        certificateAuthority: "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t",
        serviceCidr: "172.20.0.0/16",
        dnsClusterIp: "172.20.0.10",
        labels: { zone: "b", app: "iis", "example.com/tier": "web" },
        taint: { key: "os", value: "windows", effect: "NoSchedule" },
    };

    test("is one PowerShell block that runs Start-EKSBootstrap.ps1", () => {
        const ud = renderWindowsUserData(args);
        assert.ok(ud.startsWith("<powershell>\n"), ud);
        assert.ok(ud.trimEnd().endsWith("</powershell>"), ud);
        assert.ok(ud.includes(`[string]$EKSBootstrapScriptFile = "$env:ProgramFiles\\Amazon\\EKS\\Start-EKSBootstrap.ps1"`), ud);
        assert.ok(ud.includes("& $EKSBootstrapScriptFile -EKSClusterName"), ud);
    });

    test("passes cluster name, endpoint, CA, service CIDR and DNS IP", () => {
        const ud = renderWindowsUserData(args);
        assert.ok(ud.includes('-EKSClusterName "eks-gmsa-dev"'), ud);
        assert.ok(ud.includes('-APIServerEndpoint "https://ABCDEF.gr7.us-west-2.eks.amazonaws.com"'), ud);
        assert.ok(ud.includes('-Base64ClusterCA "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t"'), ud);
        assert.ok(ud.includes('-ServiceCIDR "172.20.0.0/16"'), ud);
        assert.ok(ud.includes('-DNSClusterIP "172.20.0.10"'), ud);
    });

    test("kubelet gets the labels sorted and the taint", () => {
        const ud = renderWindowsUserData(args);
        assert.ok(ud.includes('-KubeletExtraArgs "--node-labels=app=iis,example.com/tier=web,zone=b --register-with-taints=os=windows:NoSchedule"'), ud);
        assert.equal(kubeletExtraArgs({ b: "2", a: "1" }), "--node-labels=a=1,b=2");
        assert.equal(kubeletExtraArgs({}, { key: "k", value: "", effect: "NoExecute" }), "--register-with-taints=k=:NoExecute");
    });

    test("no -KubeletExtraArgs without labels and taint", () => {
        const ud = renderWindowsUserData({ ...args, labels: {}, taint: undefined });
        assert.ok(!ud.includes("KubeletExtraArgs"), ud);
        assert.ok(!ud.includes("--register-with-taints"), ud);
        assert.ok(ud.includes('-DNSClusterIP "172.20.0.10"'), ud);
    });

    test("only the taint when there are no labels", () => {
        const ud = renderWindowsUserData({ ...args, labels: {} });
        assert.ok(ud.includes('-KubeletExtraArgs "--register-with-taints=os=windows:NoSchedule"'), ud);
        assert.ok(!ud.includes("--node-labels"), ud);
    });

    test("psString escapes $, backtick and double quote, and nothing else", () => {
        assert.equal(psString("plain"), '"plain"');
        assert.equal(psString("$env:X"), '"`$env:X"');
        assert.equal(psString("a`b"), '"a``b"');
        assert.equal(psString('say "hi"'), '"say `"hi`""');
        assert.equal(psString("$(Remove-Item C:\\)"), '"`$(Remove-Item C:\\)"');
        assert.equal(psString("it's"), '"it\'s"');
    });

    test("values with PowerShell metacharacters cannot break out of their argument", () => {
        const ud = renderWindowsUserData({ ...args, clusterName: 'x"; Stop-Computer; "$y`' });
        assert.ok(ud.includes('-EKSClusterName "x`"; Stop-Computer; `"`$y``"'), ud);
    });
});

describe("Windows AMI parameter", () => {
    test("exact SSM path for Windows Server 2022 Core on Kubernetes 1.35", () => {
        assert.equal(
            windowsAmiParameter("2022", "Core", "1.35"),
            "/aws/service/ami-windows-latest/Windows_Server-2022-English-Core-EKS_Optimized-1.35/image_id",
        );
    });

    test("the pattern matches every version and edition, and rejects others", () => {
        for (const version of ["2019", "2022", "2025"] as const) {
            for (const edition of ["Core", "Full"] as const) {
                const p = windowsAmiParameter(version, edition, "1.35");
                assert.match(p, windowsAmiParameterPattern);
                assert.ok(p.includes(`Windows_Server-${version}-English-${edition}-EKS_Optimized-1.35`), p);
            }
        }
        assert.doesNotMatch("/aws/service/ami-windows-latest/Windows_Server-2016-English-Core-EKS_Optimized-1.35/image_id", windowsAmiParameterPattern);
        assert.doesNotMatch("/aws/service/ami-windows-latest/Windows_Server-2022-English-Core-EKS_Optimized-1.3/image_id", windowsAmiParameterPattern);
        assert.doesNotMatch("/aws/service/ami-windows-latest/Windows_Server-2022-English-Datacenter-EKS_Optimized-1.35/image_id", windowsAmiParameterPattern);
    });
});

describe("IAM policies", () => {
    test("trust policies name the service principal", () => {
        const ec2 = serviceTrustPolicy("ec2");
        assert.equal(ec2.Version, "2012-10-17");
        assert.equal(ec2.Statement.length, 1);
        assert.deepEqual(ec2.Statement[0], { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" });
        const eks = serviceTrustPolicy("eks", ["sts:AssumeRole", "sts:TagSession"]);
        assert.deepEqual(eks.Statement[0], { Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] });
        assert.equal(servicePrincipal("eks"), "eks.amazonaws.com");
    });

    test("cluster role: exactly AmazonEKSClusterPolicy and AmazonEKSVPCResourceController", () => {
        assert.deepEqual(clusterRolePolicies("aws"), [
            "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
            "arn:aws:iam::aws:policy/AmazonEKSVPCResourceController",
        ]);
    });

    test("node role: exactly worker node, CNI, ECR read-only and SSM", () => {
        assert.deepEqual(nodeRolePolicies("aws"), [
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
            "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        ]);
        assert.deepEqual(nodeRolePolicies("aws").map(policyName), [
            "AmazonEKSWorkerNodePolicy",
            "AmazonEKS_CNI_Policy",
            "AmazonEC2ContainerRegistryReadOnly",
            "AmazonSSMManagedInstanceCore",
        ]);
    });

    test("the partition follows the region", () => {
        assert.equal(partitionOf("us-west-2"), "aws");
        assert.equal(partitionOf("eu-central-1"), "aws");
        assert.equal(partitionOf("cn-north-1"), "aws-cn");
        assert.equal(partitionOf("cn-northwest-1"), "aws-cn");
        assert.equal(partitionOf("us-gov-west-1"), "aws-us-gov");
        assert.equal(partitionOf("us-gov-east-1"), "aws-us-gov");
    });

    test("policy ARNs in China and GovCloud use their partition", () => {
        const cn = partitionOf("cn-north-1");
        const gov = partitionOf("us-gov-west-1");
        assert.deepEqual(clusterRolePolicies(cn), [
            "arn:aws-cn:iam::aws:policy/AmazonEKSClusterPolicy",
            "arn:aws-cn:iam::aws:policy/AmazonEKSVPCResourceController",
        ]);
        assert.ok(
            nodeRolePolicies(gov).every((arn) => arn.startsWith("arn:aws-us-gov:iam::aws:policy/")),
            nodeRolePolicies(gov).join(),
        );
        assert.equal(nodeRolePolicies(gov).length, 4);
        assert.equal(managedPolicyArn(gov, "X"), "arn:aws-us-gov:iam::aws:policy/X");
        assert.equal(eksAccessPolicyArn(cn, "AmazonEKSViewPolicy"), "arn:aws-cn:eks::aws:cluster-access-policy/AmazonEKSViewPolicy");
    });
});

describe("EKS access entries", () => {
    const admin = "arn:aws:iam::123456789012:role/platform-admins";
    const nsAdmin = "arn:aws:iam::123456789012:role/team-a";
    const viewer = "arn:aws:iam::123456789012:user/auditor";
    const access: AccessSettings = {
        clusterAdmins: [admin],
        namespaceAdmins: [{ principalArn: nsAdmin, namespaces: ["team-a", "team-a-dev"] }],
        viewers: [viewer],
    };

    function entryFor(entries: ReturnType<typeof accessEntries>, principalArn: string) {
        const found = Object.values(entries).filter((e) => e.principalArn === principalArn);
        assert.equal(found.length, 1, `one entry for ${principalArn}`);
        return found[0];
    }

    test("one STANDARD entry per principal", () => {
        const entries = accessEntries(access, "aws");
        assert.equal(Object.keys(entries).length, 3);
        for (const e of Object.values(entries)) assert.equal(e.type, "STANDARD");
    });

    test("cluster admin: AmazonEKSClusterAdminPolicy on the cluster", () => {
        assert.deepEqual(entryFor(accessEntries(access, "aws"), admin).accessPolicies, {
            clusterAdmin: { policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", accessScope: { type: "cluster" } },
        });
    });

    test("namespace admin: AmazonEKSAdminPolicy on its namespaces only", () => {
        assert.deepEqual(entryFor(accessEntries(access, "aws"), nsAdmin).accessPolicies, {
            namespaceAdmin: {
                policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy",
                accessScope: { type: "namespace", namespaces: ["team-a", "team-a-dev"] },
            },
        });
    });

    test("viewer: AmazonEKSViewPolicy on the cluster", () => {
        assert.deepEqual(entryFor(accessEntries(access, "aws"), viewer).accessPolicies, {
            viewer: { policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", accessScope: { type: "cluster" } },
        });
    });

    test("access policy ARNs follow the partition", () => {
        const entries = accessEntries(access, "aws-us-gov");
        assert.equal(
            entryFor(entries, admin).accessPolicies.clusterAdmin.policyArn,
            "arn:aws-us-gov:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
        );
    });

    test("no principals, no entries", () => {
        assert.deepEqual(accessEntries({ clusterAdmins: [], namespaceAdmins: [], viewers: [] }, "aws"), {});
    });

    test("keys are stable: removing one principal keeps the others' keys", () => {
        const second = "arn:aws:iam::123456789012:role/break-glass";
        const before = accessEntries({ ...access, clusterAdmins: [admin, second] }, "aws");
        const after = accessEntries({ ...access, clusterAdmins: [second] }, "aws");
        const keyOf = (entries: ReturnType<typeof accessEntries>, arn: string) => Object.keys(entries).find((k) => entries[k].principalArn === arn);
        for (const arn of [second, nsAdmin, viewer]) assert.equal(keyOf(after, arn), keyOf(before, arn), arn);
        assert.equal(keyOf(after, admin), undefined);
        // Reordering does not change keys either.
        const reordered = accessEntries({ ...access, clusterAdmins: [second, admin] }, "aws");
        assert.deepEqual(Object.keys(reordered).sort(), Object.keys(before).sort());
    });

    test("keys differ for roles with the same name in other paths or accounts", () => {
        const a = "arn:aws:iam::123456789012:role/admins";
        const b = "arn:aws:iam::123456789012:role/teams/admins";
        const c = "arn:aws:iam::210987654321:role/admins";
        const keys = [a, b, c].map((arn) => accessEntryKey("admin", arn));
        assert.equal(new Set(keys).size, 3, keys.join(", "));
        const entries = accessEntries({ clusterAdmins: [a, b, c], namespaceAdmins: [], viewers: [] }, "aws");
        assert.equal(Object.keys(entries).length, 3);
    });

    test("keys are readable resource names: role, lower-case principal name, short digest", () => {
        assert.match(accessEntryKey("viewer", "arn:aws:iam::123456789012:user/Alice.Smith@corp"), /^viewer-alice-smith-corp-[0-9a-f]{8}$/);
        assert.match(accessEntryKey("ns-admin", nsAdmin), /^ns-admin-team-a-[0-9a-f]{8}$/);
    });
});
