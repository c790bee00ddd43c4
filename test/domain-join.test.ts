// Domain-joined mode: Windows nodes join the domain through an SSM association; domainless
// configs have none of it.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseSettings } from "../settings/validate";
import { domainJoinParameters } from "../components/domainJoin";
import { inputs, ofType, one, outputs, runOk } from "./helpers";
import { devNetworkToSharedServices, lineFor, sharedServicesDnsServers } from "./support/fixtures";

const activeDirectory = {
    domainName: "corp.example.com",
    netbiosName: "CORP",
    dnsServers: sharedServicesDnsServers,
    domainSid: "S-1-5-21-1-2-3",
    domainGuid: "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51",
};
const domainJoinedGmsa = {
    mode: "domainJoined",
    accounts: [{ name: "webapp01", account: "WebApp01", allowed: [{ namespace: "web", serviceAccounts: ["webapp"] }] }],
};

describe("domain-joined mode", () => {
    const joined = runOk({
        stack: "dev",
        overrides: {
            "eks-gmsa:network": devNetworkToSharedServices,
            "eks-gmsa:gmsa": domainJoinedGmsa,
            "eks-gmsa:portableIdentityPassword": null,
            "eks-gmsa:directoryAdminPassword": null,
            "eks-gmsa:activeDirectory": {
                ...activeDirectory,
                directoryId: "d-1234567890",
                joinOu: "OU=EKS,DC=corp,DC=example,DC=com",
                adminCredentialsSecretArn: "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/ad-admin-AbCdEf",
            },
        },
    });

    test("an SSM association of AWS-JoinDirectoryServiceDomain targets the Windows group's instances by the tag EC2 Auto Scaling sets", () => {
        const association = inputs(one(joined, "aws:ssm/association:Association"));
        assert.equal(association.name, "AWS-JoinDirectoryServiceDomain");
        const group = inputs(one(joined, "aws:autoscaling/group:Group")).name;
        assert.equal(group, "eks-gmsa-dev-windows-nodes");
        assert.deepEqual(association.targets, [{ key: "tag:aws:autoscaling:groupName", values: [group] }]);
        assert.deepEqual(association.parameters, {
            directoryId: "d-1234567890",
            directoryName: "corp.example.com",
            directoryOU: "OU=EKS,DC=corp,DC=example,DC=com",
        });
        // No tag of the nodes' own chooses them any more (anyone allowed to tag an instance could set it).
        const instanceTags = inputs(one(joined, "aws:ec2/launchTemplate:LaunchTemplate", "windows-nodes")).tagSpecifications.find(
            (t: { resourceType: string }) => t.resourceType === "instance",
        ).tags;
        assert.equal(instanceTags["eks-gmsa:domain-join"], undefined);
    });

    test("the association and the directory-service policy exist before the group's first node (no wait on itself)", () => {
        const group = one(joined, "aws:autoscaling/group:Group");
        const association = one(joined, "aws:ssm/association:Association");
        const policy = ofType(joined, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").find((r) =>
            inputs(r).policyArn.endsWith("/AmazonSSMDirectoryServiceAccess"),
        )!;
        assert.ok(group.dependencies.includes(association.urn), "the group waits for the association");
        assert.ok(group.dependencies.includes(policy.urn), "the group waits for the policy");
        // It names the group by its fixed name, so it does not wait for the group resource.
        assert.ok(!association.dependencies.includes(group.urn), "the association does not wait for the group");
        // Held nodes take longer than the provider's 10-minute default to be InService.
        assert.equal(inputs(group).waitForCapacityTimeout, "30m");
    });

    test("the Windows node role gets the directory-service policy in this mode only (kept under its old name)", () => {
        const attached = ofType(joined, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((r) =>
            inputs(r).policyArn.endsWith("/AmazonSSMDirectoryServiceAccess"),
        );
        assert.equal(attached.length, 1);
        assert.equal(inputs(attached[0]).role, outputs(joined).windowsNodeRoleArn.split("/").pop());
        assert.equal(attached[0].name, "windows-node-role-AmazonSSMDirectoryServiceAccess");
        assert.match(attached[0].parent ?? "", /eks-gmsa:nodes:WindowsNodes::windows-nodes$/);
        // Its URN under the DomainJoin component, where earlier versions created it: an update, not a re-create.
        assert.deepEqual(attached[0].options.aliases, [
            "urn:pulumi:dev::eks-gmsa::eks-gmsa:directory:DomainJoin$aws:iam/rolePolicyAttachment:RolePolicyAttachment::windows-node-role-AmazonSSMDirectoryServiceAccess",
        ]);
    });

    test("domainless configs join nothing", () => {
        const dev = runOk({ stack: "dev" });
        assert.deepEqual(ofType(dev, "aws:ssm/association:Association"), []);
        assert.equal(inputs(one(dev, "aws:autoscaling/group:Group")).waitForCapacityTimeout, undefined, "no hooks: the provider's default wait");
        assert.ok(!JSON.stringify(dev.resources.map((r) => r.inputs)).includes("AmazonSSMDirectoryServiceAccess"));
    });

    test("parameters leave out dnsIpAddresses (the provider sends each parameter as one string)", () => {
        assert.deepEqual(domainJoinParameters("d-1234567890", "corp.example.com"), { directoryId: "d-1234567890", directoryName: "corp.example.com" });
    });
});

describe("domain-joined settings", () => {
    const parse = (ad: Record<string, unknown>, gmsa: Record<string, unknown> = domainJoinedGmsa) =>
        parseSettings({
            stack: "dev",
            values: {
                "aws:region": "us-west-2",
                "eks-gmsa:network": JSON.stringify(devNetworkToSharedServices),
                "eks-gmsa:activeDirectory": JSON.stringify(ad),
                "eks-gmsa:gmsa": JSON.stringify(gmsa),
            },
        });

    test("a directory ID is required in domainJoined mode", () => {
        const r = parse(activeDirectory);
        assert.equal(r.ok, false);
        assert.match(lineFor(r.ok ? [] : r.problems, "eks-gmsa:activeDirectory.directoryId"), /is required in gmsa\.mode domainJoined/);
    });

    test("a malformed directory ID or OU names its key", () => {
        const r = parse({ ...activeDirectory, directoryId: "dir-123", joinOu: "CN=Computers" });
        assert.equal(r.ok, false);
        const problems = r.ok ? [] : r.problems;
        assert.match(lineFor(problems, "eks-gmsa:activeDirectory.directoryId"), /"dir-123"; must be an AWS Directory Service ID/);
        assert.match(lineFor(problems, "eks-gmsa:activeDirectory.joinOu"), /"CN=Computers"; must be an OU distinguished name/);
    });

    test("with a directory ID and a join OU it parses", () => {
        const r = parse({
            ...activeDirectory,
            directoryId: "d-1234567890",
            joinOu: "OU=EKS,DC=corp,DC=example,DC=com",
            adminCredentialsSecretArn: "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/ad-admin-AbCdEf",
        });
        assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
        assert.equal(r.settings.activeDirectory?.directoryId, "d-1234567890");
    });
});
