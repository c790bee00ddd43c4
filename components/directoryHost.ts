// The AD management host: a small Windows Server instance in a private subnet, reachable only
// through Systems Manager (no inbound rules, no key pair), that runs the directory documents with
// credentials it reads from Secrets Manager. Not domain-joined: the scripts authenticate explicitly.
// It is stopped whenever no document runs (the provisioning command and the lifecycle runbooks
// start and stop it). When the stack owns the directory Admin's secret, this host's role and the
// operator are the only principals that may read it: its key policy and resource policy live here,
// where the role is known.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { callerPrincipalArn } from "./caller";
import { hostOnlyImds } from "./imds";
import { accountOfArn, managedPolicyArn } from "../lib/aws";
import { readSecretsPolicy, serviceTrustPolicy } from "./iamPolicies";
import type { OwnedSecret } from "./managedDirectory";
import { onlyTheseMayReadPolicy, secretKeyPolicy } from "./secretAccess";

export interface ManagementHostArgs {
    vpcId: pulumi.Input<string>;
    subnetIds: pulumi.Input<string[]>;
    /** Secrets the scripts read: the admin credentials and, in domainless mode, the portable identity. */
    secretArns: pulumi.Input<string>[];
    /** Customer-managed keys those secrets are encrypted with. */
    keyArns: pulumi.Input<string>[];
    /** The directory Admin's secret when this stack owns it (a managed directory). */
    ownedAdminSecret?: OwnedSecret;
    clusterName: string;
    region: string;
    partition: string;
    tags: Readonly<Record<string, string>>;
}

/** AWS's public parameter for the latest Windows Server 2022 Core image (RSAT AD PowerShell installs on Core). */
export const managementHostAmiParameter = "/aws/service/ami-windows-latest/Windows_Server-2022-English-Core-Base";

export class ManagementHost extends pulumi.ComponentResource {
    readonly instanceId: pulumi.Output<string>;
    readonly roleName: pulumi.Output<string>;
    readonly securityGroupId: pulumi.Output<string>;

    constructor(name: string, args: ManagementHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-gmsa:directory:ManagementHost", name, {}, opts);
        const parent = { parent: this };
        const role = new aws.iam.Role("ad-management-host-role", {
            description: `AD management host of EKS cluster ${args.clusterName}: Systems Manager and the directory credentials`,
            assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ec2")),
            tags: args.tags,
        }, parent);
        const ssmCore = new aws.iam.RolePolicyAttachment("ad-management-host-AmazonSSMManagedInstanceCore", {
            role: role.name,
            policyArn: managedPolicyArn(args.partition, "AmazonSSMManagedInstanceCore"),
        }, parent);
        const owned = args.ownedAdminSecret;
        const keyArns = [...args.keyArns, ...(owned ? [owned.keyArn] : [])];
        const secrets = new aws.iam.RolePolicy("ad-management-host-read-credentials", {
            role: role.name,
            policy: pulumi.all([pulumi.all(args.secretArns), pulumi.all(keyArns)]).apply(([secretArns, keys]) =>
                JSON.stringify(readSecretsPolicy("DirectoryCredentials", secretArns, keys, args.region))),
        }, parent);
        if (owned) {
            // Whoever runs `pulumi up`: its SecretVersion writes the Admin's secret and reads it back.
            const operator = pulumi.output(callerPrincipalArn());
            new aws.kms.KeyPolicy("directory-admin-key-policy", {
                keyId: owned.keyId,
                policy: pulumi.all([role.arn, operator, owned.keyArn]).apply(([roleArn, operatorArn, keyArn]) => JSON.stringify(secretKeyPolicy({
                    partition: args.partition, region: args.region, accountId: accountOfArn(keyArn), readerArns: [roleArn], writerArns: [operatorArn],
                }))),
            }, parent);
            new aws.secretsmanager.SecretPolicy("directory-admin-read-policy", {
                secretArn: owned.secretArn,
                policy: pulumi.all([role.arn, operator]).apply(([roleArn, operatorArn]) => JSON.stringify(onlyTheseMayReadPolicy([roleArn, operatorArn]))),
                // Secrets Manager refuses a policy that would open the secret to broad principals.
                blockPublicPolicy: true,
            }, parent);
        }
        const profile = new aws.iam.InstanceProfile("ad-management-host-profile", { role: role.name, tags: args.tags }, parent);
        const securityGroup = new aws.ec2.SecurityGroup("ad-management-host-sg", {
            description: `AD management host of EKS cluster ${args.clusterName}: no inbound; out to AD and AWS APIs`,
            vpcId: args.vpcId,
            egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "AD (ADWS 9389, Kerberos, DNS) and AWS APIs" }],
            tags: { ...args.tags, Name: `${args.clusterName}-ad-management` },
        }, parent);
        const ami = aws.ssm.getParameterOutput({ name: managementHostAmiParameter }, parent).value;
        const instance = new aws.ec2.Instance("ad-management-host", {
            ami,
            instanceType: "t3.medium",
            subnetId: pulumi.output(args.subnetIds).apply((ids) => ids[0]),
            vpcSecurityGroupIds: [securityGroup.id],
            iamInstanceProfile: profile.name,
            metadataOptions: { ...hostOnlyImds },
            rootBlockDevice: { volumeType: "gp3", volumeSize: 50, encrypted: true, deleteOnTermination: true },
            tags: { ...args.tags, Name: `${args.clusterName}-ad-management` },
            volumeTags: { ...args.tags, Name: `${args.clusterName}-ad-management` },
        }, {
            parent: this,
            dependsOn: [ssmCore, secrets],
            // The public parameter moves to a new image every month; patch the host through
            // Systems Manager rather than replace it on every `pulumi up`.
            ignoreChanges: ["ami"],
        });
        this.instanceId = instance.id;
        this.roleName = role.name;
        this.securityGroupId = securityGroup.id;
        this.registerOutputs({ instanceId: this.instanceId });
    }
}
