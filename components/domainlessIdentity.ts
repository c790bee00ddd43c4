// Domainless gMSA: the portable AD identity (a plain AD user allowed to retrieve the gMSAs'
// passwords) in Secrets Manager, encrypted with its own KMS key, readable by the Windows node role
// alone. The AWS CCG plugin on each node reads it when a gMSA container starts.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { portableIdentityReadPolicy } from "./iamPolicies";
import { secretRecoveryWindowInDays } from "./secretAccess";
import type { SecretValue } from "../lib/secret";

export interface DomainlessIdentityArgs {
    clusterName: string;
    username: string;
    password: SecretValue;
    domainName: string;
    region: string;
    /** The Windows node role that may read the secret. */
    windowsNodeRoleName: pulumi.Input<string>;
    /**
     * Credential specs name this secret's ARN: it must not be deleted under them. Also decides
     * whether a deleted secret is kept 30 days for recovery or deleted at once (dev).
     */
    protect: boolean;
    tags: Readonly<Record<string, string>>;
}

/** The secret's JSON, in the shape the AWS CCG plugin reads. */
export function portableIdentityDocument(username: string, password: string, domainName: string): string {
    return JSON.stringify({ username, password, domainName });
}

export class DomainlessIdentity extends pulumi.ComponentResource {
    readonly secretArn: pulumi.Output<string>;
    readonly keyArn: pulumi.Output<string>;

    constructor(name: string, args: DomainlessIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-gmsa:gmsa:DomainlessIdentity", name, {}, opts);
        const parent = { parent: this };
        const key = new aws.kms.Key("portable-identity-key", {
            description: `Encrypts the domainless gMSA identity of EKS cluster ${args.clusterName}`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            tags: args.tags,
        }, { parent: this, protect: args.protect });
        const secret = new aws.secretsmanager.Secret("portable-identity", {
            name: `eks-gmsa/${args.clusterName}/portable-identity`,
            description: `AD identity the AWS CCG plugin on Windows nodes of ${args.clusterName} uses to retrieve gMSA passwords`,
            kmsKeyId: key.arn,
            recoveryWindowInDays: secretRecoveryWindowInDays(args.protect, 30),
            tags: args.tags,
        }, { parent: this, protect: args.protect });
        new aws.secretsmanager.SecretVersion("portable-identity-value", {
            secretId: secret.id,
            secretString: pulumi.secret(portableIdentityDocument(args.username, args.password.reveal(), args.domainName)),
        }, parent);
        new aws.iam.RolePolicy("windows-nodes-read-portable-identity", {
            role: args.windowsNodeRoleName,
            policy: pulumi.all([secret.arn, key.arn]).apply(([secretArn, keyArn]) => JSON.stringify(portableIdentityReadPolicy([secretArn], keyArn, args.region))),
        }, parent);
        this.secretArn = secret.arn;
        this.keyArn = key.arn;
        this.registerOutputs({ secretArn: this.secretArn });
    }
}
