// Greenfield: an AWS Managed Microsoft AD in the cluster's VPC, its Admin password from a Pulumi
// secret, and that Admin's credentials in Secrets Manager for the management host's scripts,
// encrypted with a key of their own. Who may read them is decided where the reader is known: the
// ManagementHost puts the key policy and the secret's resource policy on them.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { SecretValue } from "../lib/secret";
import { secretRecoveryWindowInDays } from "./secretAccess";

export interface ManagedDirectoryArgs {
    domainName: string;
    netbiosName: string;
    edition: "Standard" | "Enterprise";
    adminPassword: SecretValue;
    vpcId: pulumi.Input<string>;
    /** Private subnets; the directory's two domain controllers go in the first two (two AZs). */
    subnetIds: pulumi.Input<string[]>;
    clusterName: string;
    protect: boolean;
    tags: Readonly<Record<string, string>>;
}

/** A secret this stack owns, with the customer-managed key it is encrypted with. */
export interface OwnedSecret {
    secretArn: pulumi.Input<string>;
    keyArn: pulumi.Input<string>;
    /** The key's ID (what KMS reads back as a key policy's key). */
    keyId: pulumi.Input<string>;
}

/** The secret's JSON: what the management host's scripts read (AWS Managed AD's admin is `Admin`). */
export function directoryAdminDocument(password: string, domainName: string): string {
    return JSON.stringify({ username: "Admin", password, domainName });
}

/** What the plan records about the managed directory: everything but the Admin password. */
export interface ManagedDirectoryFacts {
    domainName: string;
    netbiosName: string;
    edition: ManagedDirectoryArgs["edition"];
    clusterName: string;
    protect: boolean;
}

export class ManagedDirectory extends pulumi.ComponentResource {
    readonly directoryId: pulumi.Output<string>;
    /** The domain controllers' addresses: the AD DNS servers. */
    readonly dnsIpAddresses: pulumi.Output<string[]>;
    readonly adminSecretArn: pulumi.Output<string>;
    /** The Admin's secret and its customer-managed key. */
    readonly adminSecret: OwnedSecret;

    constructor(name: string, args: ManagedDirectoryArgs, opts?: pulumi.ComponentResourceOptions) {
        super(
            "eks-gmsa:directory:ManagedDirectory",
            name,
            {
                domainName: args.domainName,
                netbiosName: args.netbiosName,
                edition: args.edition,
                clusterName: args.clusterName,
                protect: args.protect,
            } satisfies ManagedDirectoryFacts,
            opts,
        );
        const directory = new aws.directoryservice.Directory(
            "managed-ad",
            {
                type: "MicrosoftAD",
                edition: args.edition,
                name: args.domainName,
                shortName: args.netbiosName,
                description: `Active Directory of EKS cluster ${args.clusterName} (eks-gmsa)`,
                password: pulumi.secret(args.adminPassword.reveal()),
                vpcSettings: { vpcId: args.vpcId, subnetIds: pulumi.output(args.subnetIds).apply((ids) => ids.slice(0, 2)) },
                tags: args.tags,
            },
            {
                parent: this,
                protect: args.protect,
                // The API replaces a directory whose password changes. Rotate it in AD instead
                // (aws ds reset-user-password), then update the config so the secret follows.
                ignoreChanges: ["password"],
            },
        );
        // Its key policy is replaced by the ManagementHost's (aws.kms.KeyPolicy) once the host's role
        // exists: until then the default one (the account administers and uses it through IAM).
        const key = new aws.kms.Key(
            "directory-admin-key",
            {
                description: `Encrypts the Admin credentials of the managed directory ${args.domainName} (EKS cluster ${args.clusterName})`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                tags: args.tags,
            },
            { parent: this, protect: args.protect },
        );
        const secret = new aws.secretsmanager.Secret(
            "directory-admin",
            {
                name: `eks-gmsa/${args.clusterName}/directory-admin`,
                description: `Admin of the managed directory ${args.domainName}: used by the AD management host of ${args.clusterName}`,
                kmsKeyId: key.arn,
                recoveryWindowInDays: secretRecoveryWindowInDays(args.protect, 7),
                tags: args.tags,
            },
            { parent: this },
        );
        new aws.secretsmanager.SecretVersion(
            "directory-admin-value",
            {
                secretId: secret.id,
                secretString: pulumi.secret(directoryAdminDocument(args.adminPassword.reveal(), args.domainName)),
            },
            { parent: this },
        );
        this.directoryId = directory.id;
        this.dnsIpAddresses = directory.dnsIpAddresses;
        this.adminSecretArn = secret.arn;
        this.adminSecret = { secretArn: secret.arn, keyArn: key.arn, keyId: key.keyId };
        this.registerOutputs({ directoryId: this.directoryId, dnsIpAddresses: this.dnsIpAddresses, adminSecretArn: this.adminSecretArn });
    }
}
