// The AD management host: a small Ubuntu 24.04 LTS instance in a private subnet, reachable only
// through Systems Manager (no inbound rules, no key pair, IMDSv2 with one hop), that runs the AD
// documents (./directoryDocuments.ts: the Python package components/scripts/ad/ over Samba's
// signed and sealed LDAP) with credentials it reads from Secrets Manager. Not domain-joined: the
// Python authenticates explicitly. It holds no state: the documents bring their code and install
// the Ubuntu packages they need when missing. It is stopped whenever no document runs (the
// provisioning command and the lifecycle runbooks start and stop it). When the stack owns the directory Admin's secret, this host's role and the
// operators are the only principals that may read it: its key policy and resource policy live here,
// where the role is known.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { hostOnlyImds } from "./imds";
import { accountOfArn, managedPolicyArn } from "../lib/aws";
import { readSecretsPolicy, serviceTrustPolicy } from "./iamPolicies";
import type { OwnedSecret } from "./managedDirectory";
import { onlyTheseMayReadPolicy, secretKeyPolicy } from "./secretAccess";
import { managementHostTag } from "./managementHostAccess";

export interface ManagementHostArgs {
    vpcId: pulumi.Input<string>;
    subnetIds: pulumi.Input<string[]>;
    /** Secrets the scripts read: the admin credentials and, in domainless mode, the portable identity. */
    secretArns: pulumi.Input<string>[];
    /** Customer-managed keys those secrets are encrypted with. */
    keyArns: pulumi.Input<string>[];
    /** The directory Admin's secret when this stack owns it (a managed directory). */
    ownedAdminSecret?: OwnedSecret;
    /** The stack's operators (caller.ts): they write the Admin's secret and read it back. */
    operatorArns: readonly string[];
    clusterName: string;
    region: string;
    partition: string;
    tags: Readonly<Record<string, string>>;
}

/**
 * Canonical's public parameter for the current Ubuntu 24.04 LTS server image (amd64, gp3 root
 * volume), whose archive has Samba's Python bindings; Ubuntu's EC2 images come with the SSM agent.
 */
export const managementHostAmiParameter = "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id";

/**
 * The instance's resource name carries the image family. `ami` changes are ignored (the monthly
 * image must not replace the host), so a new family is a new resource: the Windows Server host of
 * earlier versions is replaced by this one (created first, then deleted; it held no state).
 */
export const managementHostInstanceName = "ad-management-host-ubuntu-2404";

/**
 * Burstable, 2 vCPUs and 2 GiB: the host runs one short Python process at a time (LDAP, Kerberos,
 * an SMB listing); 2 GiB leaves room beside the SSM agent for apt's first install of the Samba
 * packages, which 1 GiB (t3.micro) makes tight. It is stopped between runs, so size costs little.
 */
export const managementHostInstanceType = "t3.small";

/**
 * What the plan records about the management host: what it runs on and how much its role may read.
 * Plain values only: an Output among a component's inputs holds back its registration, and with it
 * every child, until that Output is known (and the portable identity's ARN waits for this host's role).
 */
export interface ManagementHostFacts {
    clusterName: string;
    instanceType: string;
    amiParameter: string;
    /** How many secrets its role may read (the directory's credentials and, when it provisions it, the portable identity). */
    secretsRead: number;
    /** Whether the stack owns the directory Admin's secret (then its policies admit only this host and the operators). */
    ownsAdminSecret: boolean;
}

export function managementHostFacts(args: ManagementHostArgs): ManagementHostFacts {
    return {
        clusterName: args.clusterName,
        instanceType: managementHostInstanceType,
        amiParameter: managementHostAmiParameter,
        secretsRead: args.secretArns.length,
        ownsAdminSecret: args.ownedAdminSecret !== undefined,
    };
}

export class ManagementHost extends pulumi.ComponentResource {
    readonly instanceId: pulumi.Output<string>;
    readonly roleName: pulumi.Output<string>;
    /** Whoever may use this role reads the directory's credentials: secret policies name it. */
    readonly roleArn: pulumi.Output<string>;
    readonly securityGroupId: pulumi.Output<string>;
    /** Its private IPv4 address (kept across stops): what an EC2 Instance Connect Endpoint tunnel to it names. */
    readonly privateIp: pulumi.Output<string>;

    constructor(name: string, args: ManagementHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-gmsa:directory:ManagementHost", name, managementHostFacts(args), opts);
        const parent = { parent: this };
        const role = new aws.iam.Role(
            "ad-management-host-role",
            {
                description: `AD management host of EKS cluster ${args.clusterName}: Systems Manager and the directory credentials`,
                assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ec2")),
                tags: args.tags,
            },
            parent,
        );
        const ssmCore = new aws.iam.RolePolicyAttachment(
            "ad-management-host-AmazonSSMManagedInstanceCore",
            {
                role: role.name,
                policyArn: managedPolicyArn(args.partition, "AmazonSSMManagedInstanceCore"),
            },
            parent,
        );
        const owned = args.ownedAdminSecret;
        const keyArns = [...args.keyArns, ...(owned ? [owned.keyArn] : [])];
        const secrets = new aws.iam.RolePolicy(
            "ad-management-host-read-credentials",
            {
                role: role.name,
                policy: pulumi
                    .all([pulumi.all(args.secretArns), pulumi.all(keyArns)])
                    .apply(([secretArns, keys]) => JSON.stringify(readSecretsPolicy("DirectoryCredentials", secretArns, keys, args.region))),
            },
            parent,
        );
        if (owned) {
            // The operators: their SecretVersion writes the Admin's secret and reads it back.
            const operators = [...args.operatorArns];
            new aws.kms.KeyPolicy(
                "directory-admin-key-policy",
                {
                    keyId: owned.keyId,
                    policy: pulumi.all([role.arn, owned.keyArn]).apply(([roleArn, keyArn]) =>
                        JSON.stringify(
                            secretKeyPolicy({
                                partition: args.partition,
                                region: args.region,
                                accountId: accountOfArn(keyArn),
                                readerArns: [roleArn],
                                writerArns: operators,
                            }),
                        ),
                    ),
                },
                parent,
            );
            new aws.secretsmanager.SecretPolicy(
                "directory-admin-read-policy",
                {
                    secretArn: owned.secretArn,
                    policy: role.arn.apply((roleArn) => JSON.stringify(onlyTheseMayReadPolicy([roleArn, ...operators]))),
                    // Secrets Manager refuses a policy that would open the secret to broad principals.
                    blockPublicPolicy: true,
                },
                parent,
            );
        }
        const profile = new aws.iam.InstanceProfile("ad-management-host-profile", { role: role.name, tags: args.tags }, parent);
        const securityGroup = new aws.ec2.SecurityGroup(
            "ad-management-host-sg",
            {
                description: `AD management host of EKS cluster ${args.clusterName}: no inbound; out to AD and AWS APIs`,
                vpcId: args.vpcId,
                egress: [
                    {
                        protocol: "-1",
                        fromPort: 0,
                        toPort: 0,
                        cidrBlocks: ["0.0.0.0/0"],
                        description: "AD (LDAP, Kerberos, DNS, SMB), AWS APIs, the Ubuntu archive",
                    },
                ],
                tags: { ...args.tags, Name: `${args.clusterName}-ad-management` },
            },
            parent,
        );
        const ami = aws.ssm.getParameterOutput({ name: managementHostAmiParameter }, parent).value;
        const instance = new aws.ec2.Instance(
            managementHostInstanceName,
            {
                ami,
                instanceType: managementHostInstanceType,
                subnetId: pulumi.output(args.subnetIds).apply((ids) => ids[0]),
                vpcSecurityGroupIds: [securityGroup.id],
                iamInstanceProfile: profile.name,
                metadataOptions: { ...hostOnlyImds },
                // The image's 8 GiB plus room for the packages and apt's cache; encrypted with the account's EBS key.
                rootBlockDevice: { volumeType: "gp3", volumeSize: 16, encrypted: true, deleteOnTermination: true },
                // The tag an IAM condition or SCP targets to say who may run code here (managementHostAccess.ts).
                tags: { ...args.tags, Name: `${args.clusterName}-ad-management`, ...managementHostTag(args.clusterName) },
                volumeTags: { ...args.tags, Name: `${args.clusterName}-ad-management` },
            },
            {
                parent: this,
                dependsOn: [ssmCore, secrets],
                // The public parameter moves to a new image every month; patch the host through
                // Systems Manager rather than replace it on every `pulumi up`.
                ignoreChanges: ["ami"],
            },
        );
        this.instanceId = instance.id;
        this.roleName = role.name;
        this.roleArn = role.arn;
        this.securityGroupId = securityGroup.id;
        this.privateIp = instance.privateIp;
        this.registerOutputs({ instanceId: this.instanceId });
    }
}
