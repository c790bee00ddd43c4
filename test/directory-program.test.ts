// The AD side in the program: the greenfield dev stack creates a managed directory and provisions
// the accounts in it from a management host; a domain-joined config adds the join association and
// the nodes' lifecycle hooks; a domainless config on an existing directory has none of it.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { documentPayload } from "../components/directoryDocuments";
import { lifecycleHookNames } from "../components/nodeLifecycle";
import { mockProvisioningResult } from "../tools/harness/mocks";
import { offlineSecretPlaceholder } from "../tools/harness/stackConfig";
import { inputs, ofType, one, outputs, runOk, type RegisteredResource, type StackRun } from "./helpers";
import { devNetworkToSharedServices, sharedServicesDnsServers } from "./support/fixtures";

const existingDirectory = {
    domainName: "corp.example.com",
    netbiosName: "CORP",
    dnsServers: sharedServicesDnsServers,
    domainSid: "S-1-5-21-1-2-3",
    domainGuid: "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51",
};
const adminSecret = "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/ad-admin-AbCdEf";
const joinedGmsa = {
    mode: "domainJoined",
    accounts: [{ name: "webapp01", account: "WebApp01", allowed: [{ namespace: "web", serviceAccounts: ["webapp"] }] }],
};
const lifecycleTypes = [
    "aws:autoscaling/lifecycleHook:LifecycleHook",
    "aws:cloudwatch/eventRule:EventRule",
    "eks-gmsa:directory:NodeLifecycle",
    "aws:ssm/association:Association",
];

function documentNamed(run: StackRun, name: string): RegisteredResource {
    const doc = ofType(run, "aws:ssm/document:Document").find((r) => inputs(r).name === name);
    assert.ok(doc, `no SSM document ${name}`);
    return doc;
}

describe("greenfield dev: a managed directory and the accounts in it", () => {
    const dev = runOk({ stack: "dev" });

    test("an AWS Managed Microsoft AD Standard in two private subnets, its Admin password a secret", () => {
        const directory = one(dev, "aws:directoryservice/directory:Directory");
        const d = inputs(directory);
        assert.equal(d.type, "MicrosoftAD");
        assert.equal(d.edition, "Standard");
        assert.equal(d.name, "corp.example.com");
        assert.equal(d.shortName, "CORP");
        assert.equal(d.password, "[secret]");
        assert.equal(d.vpcSettings.subnetIds.length, 2);
        assert.deepEqual(d.vpcSettings.subnetIds, outputs(dev).privateSubnetIds.slice(0, 2));
        // A changed password would replace the directory: the program never sends it again.
        assert.deepEqual(directory.options.ignoreChanges, ["password"]);
    });

    test("no plaintext password anywhere in the plan", () => {
        // Every value that holds it is a Pulumi secret ("[secret]" in the plan).
        const text = JSON.stringify(dev.resources.map((r) => inputs(r))) + JSON.stringify(outputs(dev));
        assert.ok(!text.includes(offlineSecretPlaceholder));
        assert.equal(inputs(one(dev, "aws:secretsmanager/secretVersion:SecretVersion", "directory-admin-value")).secretString, "[secret]");
    });

    test("the directory's DNS addresses feed the CoreDNS forwarder and the VPC resolver rule", () => {
        const dnsServers = outputs(dev).adDnsServers;
        assert.equal(dnsServers.length, 2);
        const corefile = JSON.parse(inputs(one(dev, "aws:eks/addon:Addon", "coredns")).configurationValues).corefile;
        assert.match(corefile, new RegExp(`corp\\.example\\.com:53 \\{[\\s\\S]*forward \\. ${dnsServers.join(" ").replace(/\./g, "\\.")}`));
        assert.deepEqual(
            inputs(one(dev, "aws:route53/resolverRule:ResolverRule")).targetIps,
            dnsServers.map((ip: string) => ({ ip, port: 53 })),
        );
        assert.match(outputs(dev).managedDirectoryId, /^d-[0-9a-f]{10}$/);
    });

    test("a small Ubuntu 24.04 management host reachable only through Systems Manager, not replaced when the AMI parameter moves", () => {
        const host = one(dev, "aws:ec2/instance:Instance");
        const h = inputs(host);
        // The image Canonical's public parameter names (the mocks answer each parameter with an ID derived from its name).
        assert.equal(
            h.ami,
            "ami-" +
                createHash("sha256").update("/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id").digest("hex").slice(0, 17),
        );
        assert.equal(h.instanceType, "t3.small");
        assert.deepEqual(h.metadataOptions, { httpEndpoint: "enabled", httpPutResponseHopLimit: 1, httpTokens: "required" });
        assert.equal(h.keyName, undefined);
        assert.equal(h.userData, undefined, "the documents install what they need; nothing depends on a first boot");
        assert.equal(h.associatePublicIpAddress, undefined);
        assert.ok(outputs(dev).privateSubnetIds.includes(h.subnetId));
        assert.equal(h.rootBlockDevice.encrypted, true);
        assert.deepEqual(host.options.ignoreChanges, ["ami"]);
        const sg = inputs(ofType(dev, "aws:ec2/securityGroup:SecurityGroup").find((r) => r.name === "ad-management-host-sg")!);
        assert.equal(sg.ingress, undefined);
        assert.match(outputs(dev).adManagementHostId, /^i-[0-9a-f]{17}$/);
    });

    test("the host may read the Admin's secret and the portable identity, and nothing else", () => {
        const policy = JSON.parse(inputs(one(dev, "aws:iam/rolePolicy:RolePolicy", "ad-management-host-read-credentials")).policy);
        const secrets = policy.Statement.find((s: { Sid?: string }) => s.Sid === "ReadDirectoryCredentials").Resource;
        assert.equal(secrets.length, 2);
        assert.ok(secrets.some((arn: string) => arn.includes(":secret:eks-gmsa/") && arn.includes("/directory-admin-")));
        assert.ok(secrets.some((arn: string) => arn.includes("/portable-identity-")));
        // The portable identity's key and the Admin secret's own key.
        assert.equal(policy.Statement.find((s: { Sid?: string }) => s.Sid === "DecryptDirectoryCredentials").Resource.length, 2);
    });

    test("provisioning: a Command document for the configured accounts, run by @pulumi/command with its output secret", () => {
        const doc = inputs(documentNamed(dev, "eks-gmsa-dev-ad-provision-accounts"));
        assert.equal(doc.documentType, "Command");
        const identitySecret = inputs(one(dev, "aws:secretsmanager/secret:Secret", "portable-identity")).name;
        const adminSecret = inputs(one(dev, "aws:secretsmanager/secret:Secret", "directory-admin")).name;
        const payload = documentPayload(doc.content);
        assert.deepEqual(
            { ...payload, adminSecretArn: undefined, identity: { ...payload.identity, secretArn: undefined } },
            {
                operation: "provision",
                region: "us-west-2",
                domain: { dnsName: "corp.example.com", netbiosName: "CORP", dcAddresses: outputs(dev).adDnsServers },
                adminSecretArn: undefined,
                readersGroup: "eks-gmsa-readers",
                owner: "eks-gmsa-dev",
                accountsOu: "OU=Users,OU=CORP,DC=corp,DC=example,DC=com",
                accounts: ["WebApp01"],
                // dev rotates the identity between two users: provisioning makes both.
                identity: { username: "gmsa-ccg-reader", secretArn: undefined, alternateUsername: "gmsa-ccg-reader-b" },
                verify: true,
            },
        );
        // Secrets by ARN only: the host reads them at run time.
        assert.match(payload.adminSecretArn, new RegExp(`^arn:aws:secretsmanager:us-west-2:123456789012:secret:${adminSecret}-`));
        assert.match(payload.identity!.secretArn, new RegExp(`^arn:aws:secretsmanager:us-west-2:123456789012:secret:${identitySecret}-`));
        const run = one(dev, "command:local:Command");
        assert.equal(inputs(run).logging, "none");
        assert.deepEqual(run.options.additionalSecretOutputs, ["stdout", "stderr"]);
        assert.equal(inputs(run).environment.INSTANCE_ID, outputs(dev).adManagementHostId);
        assert.equal(inputs(run).environment.DOCUMENT_NAME, "eks-gmsa-dev-ad-provision-accounts");
        assert.ok(run.dependencies.includes(one(dev, "aws:ec2/instance:Instance").urn));
        assert.equal(outputs(dev).adProvisioningChanges, "[secret]");
    });

    test("credential specs name the domain as the directory reported it, and wait for the provisioning", () => {
        const credspec = one(dev, "kubernetes:windows.k8s.io/v1:GMSACredentialSpec");
        const join = inputs(credspec).credspec.DomainJoinConfig;
        // The mocked run reports these facts; the program takes them from the run's output.
        assert.equal(join.Sid, mockProvisioningResult.domainSid);
        assert.equal(join.Guid, mockProvisioningResult.domainGuid);
        assert.equal(join.DnsName, "corp.example.com");
        assert.ok(credspec.dependencies.includes(one(dev, "command:local:Command").urn), "the credspec's facts come from the provisioning run");
        const sample = ofType(dev, "kubernetes:apps/v1:Deployment")[0];
        assert.ok(sample.dependencies.includes(one(dev, "command:local:Command").urn), "the sample workload must wait for its gMSA");
    });

    test("domainless: no join association, no lifecycle hooks", () => {
        // The portable identity's rotation has an event rule of its own (its failures), no lifecycle part.
        const rotation = one(dev, "eks-gmsa:directory:PortableIdentityRotation").urn;
        for (const type of lifecycleTypes)
            assert.deepEqual(
                ofType(dev, type).filter((r) => r.parent !== rotation),
                [],
                type,
            );
        assert.equal(inputs(one(dev, "aws:autoscaling/group:Group")).initialLifecycleHooks, undefined);
        assert.equal(outputs(dev).windowsNodeLifecycleRunbooks, undefined);
    });
});

describe("domain-joined on an existing directory", () => {
    const joined = runOk({
        stack: "dev",
        overrides: {
            "eks-gmsa:gmsa": joinedGmsa,
            "eks-gmsa:portableIdentityPassword": null,
            "eks-gmsa:directoryAdminPassword": null,
            "eks-gmsa:network": devNetworkToSharedServices,
            "eks-gmsa:activeDirectory": {
                ...existingDirectory,
                directoryId: "d-1234567890",
                joinOu: "OU=EKS,DC=corp,DC=example,DC=com",
                adminCredentialsSecretArn: adminSecret,
            },
        },
    });
    const names = lifecycleHookNames("eks-gmsa-dev");

    test("the join association and both lifecycle hooks, on the group from its creation", () => {
        one(joined, "aws:ssm/association:Association");
        const hooks = inputs(one(joined, "aws:autoscaling/group:Group")).initialLifecycleHooks;
        assert.deepEqual(
            hooks.map((h: { name: string; lifecycleTransition: string }) => [h.name, h.lifecycleTransition]),
            [
                [names.launch, "autoscaling:EC2_INSTANCE_LAUNCHING"],
                [names.terminate, "autoscaling:EC2_INSTANCE_TERMINATING"],
            ],
        );
    });

    test("EventBridge rules for both hooks start the runbooks, and exist before the group's first node", () => {
        const rules = ofType(joined, "aws:cloudwatch/eventRule:EventRule").map((r) => JSON.parse(inputs(r).eventPattern).detail.LifecycleHookName[0]);
        assert.deepEqual(rules.sort(), [names.launch, names.terminate].sort());
        const targets = ofType(joined, "aws:cloudwatch/eventTarget:EventTarget");
        assert.equal(targets.length, 2);
        for (const t of targets)
            assert.match(inputs(t).arn, /^arn:aws:ssm:us-west-2:123456789012:automation-definition\/eks-gmsa-dev-windows-node-(launch|termination):\$DEFAULT$/);
        const group = one(joined, "aws:autoscaling/group:Group");
        for (const t of targets) assert.ok(group.dependencies.includes(t.urn), `the group does not wait for ${t.name}`);
    });

    test("the runbooks run the AD part on the management host with the configured admin secret", () => {
        const hostId = outputs(joined).adManagementHostId;
        const launch = JSON.parse(inputs(documentNamed(joined, "eks-gmsa-dev-windows-node-launch")).content);
        assert.deepEqual(launch.mainSteps.find((s: { name: string }) => s.name === "addToReadersGroup").inputs.InstanceIds, [hostId]);
        // The payload the document carries (base64 in its one step) names the admin secret and confines the run to the join OU.
        const step = JSON.parse(inputs(documentNamed(joined, "eks-gmsa-dev-ad-add-node-to-readers")).content).mainSteps[0].inputs.runCommand as string[];
        const encoded = step.find((l) => l.startsWith("payload_base64='"))!;
        const payload = JSON.parse(Buffer.from(encoded.slice("payload_base64='".length, -1), "base64").toString("utf8"));
        assert.deepEqual([payload.operation, payload.adminSecretArn, payload.joinOu], ["node-join", adminSecret, "OU=EKS,DC=corp,DC=example,DC=com"]);
        assert.deepEqual(outputs(joined).windowsNodeLifecycleRunbooks, {
            launch: "eks-gmsa-dev-windows-node-launch",
            termination: "eks-gmsa-dev-windows-node-termination",
        });
    });

    test("no managed directory and no provisioning unless asked; credspecs use the configured facts", () => {
        assert.deepEqual(ofType(joined, "aws:directoryservice/directory:Directory"), []);
        assert.deepEqual(ofType(joined, "command:local:Command"), []);
        assert.equal(inputs(one(joined, "kubernetes:windows.k8s.io/v1:GMSACredentialSpec")).credspec.DomainJoinConfig.Sid, "S-1-5-21-1-2-3");
    });
});

describe("domain-joined on a managed directory", () => {
    const run = runOk({
        stack: "dev",
        overrides: {
            "eks-gmsa:gmsa": joinedGmsa,
            "eks-gmsa:portableIdentityPassword": null,
        },
    });

    test("nodes join the directory the stack created; one management host serves provisioning and the hooks", () => {
        const association = inputs(one(run, "aws:ssm/association:Association"));
        assert.equal(association.parameters.directoryId, outputs(run).managedDirectoryId);
        one(run, "aws:ec2/instance:Instance");
        const content = inputs(documentNamed(run, "eks-gmsa-dev-ad-provision-accounts")).content;
        assert.equal(documentPayload(content).identity, undefined, "no portable identity in domain-joined mode");
        assert.equal(documentPayload(content).verify, true, "the chain is checked as a probe computer account");
        // The document says what it does: no portable identity in this mode.
        assert.equal(
            JSON.parse(content).description,
            "eks-gmsa: create or correct the gMSA readers' group and the gMSAs of eks-gmsa-dev, then check the whole chain",
        );
        assert.equal(ofType(run, "eks-gmsa:directory:NodeLifecycle").length, 1);
    });
});

describe("domainless on an existing directory (prod)", () => {
    const prod = runOk({ stack: "prod" });

    test("neither join association, lifecycle hooks, directory, host nor provisioning", () => {
        for (const type of [...lifecycleTypes, "aws:directoryservice/directory:Directory", "aws:ec2/instance:Instance", "command:local:Command"])
            assert.deepEqual(ofType(prod, type), [], type);
        assert.equal(inputs(one(prod, "aws:autoscaling/group:Group")).initialLifecycleHooks, undefined);
        assert.deepEqual(outputs(prod).adDnsServers, ["10.10.0.10", "10.10.1.10"]);
    });
});

describe("the domain-joined example stack (examples/stacks/domain-joined.yaml)", () => {
    const run = runOk({ stack: "joined", configFile: "examples/stacks/domain-joined.yaml" });

    test("plans the join association, both hooks, the runbooks and the provisioning on the existing directory", () => {
        assert.equal(inputs(one(run, "aws:ssm/association:Association")).parameters.directoryOU, "OU=EKS,OU=Computers,OU=CORP,DC=corp,DC=example,DC=com");
        assert.equal(inputs(one(run, "aws:autoscaling/group:Group")).initialLifecycleHooks.length, 2);
        assert.equal(ofType(run, "aws:cloudwatch/eventTarget:EventTarget").length, 2);
        assert.deepEqual(ofType(run, "aws:directoryservice/directory:Directory"), []);
        const payload = documentPayload(inputs(documentNamed(run, "eks-gmsa-joined-ad-provision-accounts")).content);
        assert.equal(payload.readersGroup, "eks-prod-gmsa-readers");
        assert.equal(payload.accountsOu, "OU=EKS,OU=Groups,OU=CORP,DC=corp,DC=example,DC=com");
        assert.equal(payload.joinOu, "OU=EKS,OU=Computers,OU=CORP,DC=corp,DC=example,DC=com");
    });
});
