// Mocks for every provider call the program makes. An unknown invoke fails loudly: a new
// AWS lookup must be mocked (and its contract checked) on purpose.
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { managementHostAmiParameter } from "../../components/directoryHost";
import { resultMarker } from "../../components/directoryDocuments";
import { windowsAmiParameterPattern } from "../../components/windowsAmi";
import { reportOf, type DomainFacts } from "../../lib/ad/domainFacts";
import type { AwsAccountState, StackReferenceAnswer } from "./types";

export const mockAccountId = "123456789012";

/**
 * Who runs `pulumi up` in an offline plan: a stand-in named for what it stands for, since the real
 * principal is known only at deploy time.
 */
export const offlineCaller = `arn:aws:sts::${mockAccountId}:assumed-role/the-principal-running-pulumi-up/offline-plan`;

/** The dev stack's directory (corp.example.com), as a provisioning run reports it. */
export const mockDomainFacts: DomainFacts = {
    dnsName: "corp.example.com",
    forestName: "corp.example.com",
    netbiosName: "CORP",
    sid: "S-1-5-21-1004336348-1177238915-682003330",
    guid: "5b5e8f3c-2f0a-4b8e-9c41-6f0d2a7b9e11",
};

/** What a provisioning run against the dev stack's directory reports (its result line). */
export const mockProvisioningResult = {
    ...reportOf(mockDomainFacts),
    changes: ["created group eks-gmsa-readers"],
    // The whole-chain check the provisioning payload asks for (verify: true): one summary per gMSA.
    chain: [{ account: "WebApp01", ok: true, links: 9 }],
};

/** Every string inside a value (the program's own inputs are facts, not made up). */
function stringsIn(value: unknown, into = new Set<string>()): Set<string> {
    if (typeof value === "string") into.add(value);
    else if (Array.isArray(value)) for (const v of value) stringsIn(v, into);
    else if (typeof value === "object" && value !== null) for (const v of Object.values(value)) stringsIn(v, into);
    return into;
}

function digest(text: string, length: number): string {
    return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** AWS-shaped IDs, deterministic per resource so plans are byte-identical across runs. */
const idPrefixes: Record<string, string> = {
    "aws:ec2/vpc:Vpc": "vpc-",
    "aws:ec2/subnet:Subnet": "subnet-",
    "aws:ec2/internetGateway:InternetGateway": "igw-",
    "aws:ec2/natGateway:NatGateway": "nat-",
    "aws:ec2/eip:Eip": "eipalloc-",
    "aws:ec2/routeTable:RouteTable": "rtb-",
    "aws:ec2/securityGroup:SecurityGroup": "sg-",
    "aws:ec2/launchTemplate:LaunchTemplate": "lt-",
    "aws:ec2/instance:Instance": "i-",
    "aws:ec2transitgateway/vpcAttachment:VpcAttachment": "tgw-attach-",
};

/** How review artifacts show a made-up output that matters to a reviewer (else a generic phrase), as shown. */
const deployTimeLabels: Record<string, Record<string, string>> = {
    "aws:directoryservice/directory:Directory": {
        id: "(the directory's ID, from AWS at deploy time)",
        dnsIpAddresses: "(from the directory at deploy time)",
    },
    "aws:ec2/instance:Instance": { privateIp: "(the host's address, assigned at deploy time)" },
};

/**
 * The lookups' answers that are made up here (an AMI ID, another cluster's endpoint); the rest
 * (availability zones, who runs the deploy) are the stack's own facts or named stand-ins.
 */
const inventedByCall: Record<string, string[]> = {
    "aws:ssm/getParameter:getParameter": ["value"],
    "aws:eks/getCluster:getCluster": ["arn", "endpoint", "certificateAuthorities", "vpcConfig"],
    "aws:index/getCallerIdentity:getCallerIdentity": ["userId"],
    "aws:iam/getSessionContext:getSessionContext": ["issuerId"],
};

export class ProgramMocks implements pulumi.runtime.Mocks {
    /** Physical names of the EKS clusters the program declared (for getCluster). */
    private readonly clusters = new Set<string>();

    constructor(
        private readonly region: string,
        private readonly stackReferences: Record<string, StackReferenceAnswer> = {},
        private readonly account: AwsAccountState = {},
    ) {}

    /**
     * Every value this mock made up (IDs, ARNs, addresses, endpoints, what a run reports), with the
     * text review artifacts show instead: the real one is known only at deploy time, so it must not
     * appear as a fact (tools/review/deployTimeValues.ts).
     */
    readonly invented = new Map<string, string>();
    /** Values a lookup labelled: a resource that makes the same value relabels it (see invent). */
    private readonly labelledByCall = new Set<string>();

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
        const answer = this.answerResource(args);
        const inputs = args.inputs as Record<string, unknown>;
        const autoName = `${args.name}-${digest(`${args.type}::${args.name}`, 7)}`;
        const what = (key: string, value: unknown) =>
            deployTimeLabels[args.type]?.[key] ??
            // Pulumi names a resource without a name input <logical name>-<7 random characters>.
            (value === autoName ? `${args.name}-… (named at deploy time)` : `(${key} of ${args.type.split(":").pop()} ${args.name}: known at deploy time)`);
        const given = stringsIn(inputs);
        // Named outputs first (a secret's ID is its ARN: shown as its ARN).
        for (const [key, value] of Object.entries(answer.state)) this.invent(value, what(key, value), given, "resource");
        if (answer.id !== undefined) this.invent(answer.id, what("id", answer.id), given, "resource");
        if (args.type === "command:local:Command") {
            // The program reads the domain's SID and GUID out of the run's (made-up) report.
            this.invent(mockProvisioningResult.domainSid, "(the domain SID the directory reports at deploy time)", given, "resource");
            this.invent(mockProvisioningResult.domainGuid, "(the domain GUID the directory reports at deploy time)", given, "resource");
        }
        return answer;
    }

    /**
     * Records the strings of a made-up value, except what the program gave (a name passed through)
     * and short ones ("1", "v1"), which would match facts elsewhere. A value made up twice keeps the
     * label of the resource that makes it over a lookup's (getCluster reads back the endpoint of
     * the cluster the program declares, and runs before it when the cluster already exists: with
     * --against), so the label does not depend on which came first.
     */
    private invent(value: unknown, what: string, given: ReadonlySet<string>, by: "resource" | "call"): void {
        if (typeof value === "string") {
            if (value.length < 8 || given.has(value)) return;
            const relabel = by === "resource" && this.labelledByCall.has(value);
            if (this.invented.has(value) && !relabel) return;
            this.invented.set(value, what);
            if (by === "call") this.labelledByCall.add(value);
            else this.labelledByCall.delete(value);
        } else if (Array.isArray(value)) {
            for (const v of value) this.invent(v, what, given, by);
        } else if (typeof value === "object" && value !== null) {
            for (const v of Object.values(value)) this.invent(v, what, given, by);
        }
    }

    private answerResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
        const inputs = args.inputs as Record<string, unknown>;
        const key = `${args.type}::${args.name}`;
        const id = (idPrefixes[args.type] ?? `${args.name}-`) + digest(key, 17);
        const physicalName = typeof inputs.name === "string" ? inputs.name : `${args.name}-${digest(key, 7)}`;
        const arn = `arn:aws:${args.type.split(":")[1].split("/")[0]}:${this.region}:${mockAccountId}:${args.name}/${physicalName}`;
        switch (args.type) {
            case "pulumi:pulumi:StackReference": {
                // "*" answers any stack name (npm run plan:app: the app's one platform stack).
                const answer = this.stackReferences[String(inputs.name)] ?? this.stackReferences["*"];
                if (!answer) throw new Error(`mock: no stack ${String(inputs.name)} to reference; pass it in stackReferences`);
                return { id: String(inputs.name), state: { name: inputs.name, outputs: answer.outputs, secretOutputNames: answer.secretOutputNames } };
            }
            case "eks:index:Cluster": {
                const name = String(inputs.name);
                this.clusters.add(name);
                const issuer = `oidc.eks.${this.region}.amazonaws.com/id/${digest(name, 32).toUpperCase()}`;
                const kubeconfig = { apiVersion: "v1", kind: "Config", clusters: [{ name, cluster: { server: this.endpoint(name) } }] };
                return {
                    id: undefined,
                    state: {
                        kubeconfig,
                        kubeconfigJson: JSON.stringify(kubeconfig),
                        oidcIssuer: issuer,
                        oidcProviderUrl: `https://${issuer}`,
                        oidcProviderArn: `arn:aws:iam::${mockAccountId}:oidc-provider/${issuer}`,
                    },
                };
            }
            case "aws:ec2/instance:Instance": {
                // The provider reports the primary private IPv4 address (privateIp); the mock does not know the subnet's range.
                const octets = [0, 2, 4].map((i) => parseInt(digest(key, 6).slice(i, i + 2), 16));
                return {
                    id,
                    state: {
                        ...inputs,
                        arn,
                        ...(inputs.name === undefined ? { name: physicalName } : {}),
                        privateIp: `10.${octets[0]}.${octets[1]}.${Math.max(4, octets[2])}`,
                    },
                };
            }
            case "aws:iam/role:Role":
                return { id: physicalName, state: { ...inputs, name: physicalName, arn: `arn:aws:iam::${mockAccountId}:role/${physicalName}` } };
            case "aws:iam/instanceProfile:InstanceProfile":
                return { id: physicalName, state: { ...inputs, name: physicalName, arn: `arn:aws:iam::${mockAccountId}:instance-profile/${physicalName}` } };
            case "aws:kms/key:Key":
                return {
                    id: digest(key, 32),
                    state: { ...inputs, keyId: digest(key, 32), arn: `arn:aws:kms:${this.region}:${mockAccountId}:key/${digest(key, 32)}` },
                };
            case "aws:ec2/launchTemplate:LaunchTemplate":
                return { id, state: { ...inputs, latestVersion: 1, arn } };
            case "aws:eks/nodeGroup:NodeGroup":
                return { id: `${inputs.clusterName}:${physicalName}`, state: { ...inputs, nodeGroupName: physicalName, arn } };
            case "aws:secretsmanager/secret:Secret": {
                // Secrets Manager appends a dash and six random characters to the name.
                const secretArn = `arn:aws:secretsmanager:${this.region}:${mockAccountId}:secret:${physicalName}-${digest(key, 6)}`;
                return { id: secretArn, state: { ...inputs, name: physicalName, arn: secretArn } };
            }
            case "aws:directoryservice/directory:Directory": {
                // Two domain controllers in the first two subnets given; addresses from a fixed pool.
                const directoryId = `d-${digest(key, 10)}`;
                return {
                    id: directoryId,
                    state: {
                        ...inputs,
                        dnsIpAddresses: ["10.20.128.10", "10.20.144.10"],
                        accessUrl: `${directoryId}.awsapps.com`,
                        securityGroupId: `sg-${digest(`${key}-sg`, 17)}`,
                    },
                };
            }
            case "aws:ssm/document:Document": {
                const documentArn = `arn:aws:ssm:${this.region}:${mockAccountId}:document/${physicalName}`;
                return {
                    id: physicalName,
                    state: { ...inputs, name: physicalName, arn: documentArn, latestVersion: "1", defaultVersion: "1", documentVersion: "1" },
                };
            }
            case "command:local:Command": {
                // What the provisioning document prints on the host: progress, then the result line.
                return {
                    id: `command-${digest(key, 8)}`,
                    state: { ...inputs, stdout: `connecting\n${resultMarker}${JSON.stringify(mockProvisioningResult)}`, stderr: "" },
                };
            }
            case "aws:autoscaling/group:Group":
                return { id: physicalName, state: { ...inputs, name: physicalName, arn } };
            default:
                if (!args.custom) return { id: undefined, state: {} };
                return { id, state: { ...inputs, arn, ...(inputs.name === undefined ? { name: physicalName } : {}) } };
        }
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        const answer = this.answerCall(args);
        const inputs = args.inputs as Record<string, unknown>;
        const given = stringsIn(inputs);
        for (const key of inventedByCall[args.token] ?? [])
            this.invent(answer[key], `(the ${key} ${args.token.split(":").pop()} answers at deploy time)`, given, "call");
        return answer;
    }

    private answerCall(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        const inputs = args.inputs as Record<string, unknown>;
        switch (args.token) {
            case "aws:index/getAvailabilityZones:getAvailabilityZones": {
                const names = ["a", "b", "c", "d"].map((z) => `${this.region}${z}`);
                return { id: this.region, names, zoneIds: names.map((_, i) => `usw2-az${i + 1}`), groupNames: [this.region] };
            }
            case "aws:ssm/getParameter:getParameter": {
                const name = String(inputs.name);
                if (!windowsAmiParameterPattern.test(name) && name !== managementHostAmiParameter) throw new Error(`mock: no public SSM parameter ${name}`);
                return { id: name, name, type: "String", value: `ami-${digest(name, 17)}`, version: 1, arn: `arn:aws:ssm:${this.region}::parameter${name}` };
            }
            case "aws:index/getCallerIdentity:getCallerIdentity": {
                const arn = this.account.caller ?? offlineCaller;
                return { id: mockAccountId, accountId: arn.split(":")[4], arn, userId: `AROA${digest(arn, 17).toUpperCase()}:session` };
            }
            case "aws:iam/getSessionContext:getSessionContext": {
                // As the provider documents it: an assumed-role session gives its role; any other ARN passes through.
                const arn = String(inputs.arn);
                const session = /^arn:([a-z-]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(arn);
                if (!session) return { id: arn, arn, issuerArn: arn, issuerId: "", issuerName: "", sessionName: "" };
                const issuerArn = `arn:${session[1]}:iam::${session[2]}:role/${session[3]}`;
                return { id: arn, arn, issuerArn, issuerId: `AROA${digest(issuerArn, 17).toUpperCase()}`, issuerName: session[3], sessionName: session[4] };
            }
            case "aws:eks/getClusters:getClusters":
                return { id: this.region, names: Object.keys(this.account.existingClusters ?? {}), region: this.region };
            case "aws:eks/getCluster:getCluster": {
                const name = String(inputs.name);
                const existing = this.account.existingClusters?.[name];
                if (!this.clusters.has(name) && !existing) throw new Error(`mock: getCluster(${name}) before any eks.Cluster named ${name} was declared`);
                return {
                    id: name,
                    name,
                    arn: `arn:aws:eks:${this.region}:${mockAccountId}:cluster/${name}`,
                    endpoint: this.endpoint(name),
                    certificateAuthorities: [
                        { data: Buffer.from(`-----BEGIN CERTIFICATE-----\nmock-ca-of-${name}\n-----END CERTIFICATE-----\n`).toString("base64") },
                    ],
                    vpcConfig: { clusterSecurityGroupId: `sg-${digest(`cluster-sg-${name}`, 17)}` },
                    status: "ACTIVE",
                    tags: existing?.tags ?? {},
                };
            }
            default:
                throw new Error(`mock: unmocked invoke ${args.token}; add it to tools/harness/mocks.ts with a contract check`);
        }
    }

    private endpoint(name: string): string {
        return `https://${digest(name, 32).toUpperCase()}.gr7.${this.region}.eks.amazonaws.com`;
    }
}
