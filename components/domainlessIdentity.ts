// Domainless gMSA: the portable AD identity (a plain AD user allowed to retrieve the gMSAs'
// passwords) in Secrets Manager, encrypted with its own KMS key. The AWS CCG plugin on each Windows
// node reads it when a gMSA container starts. Its key policy and resource policy name exactly who
// reads it: the Windows node role, the management host's role when the stack provisions accounts
// (it sets the identity's password and checks the chain with it), and the stack's operators
// (caller.ts: their SecretVersion writes the value and reads it back).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { portableIdentityReadPolicy } from "./iamPolicies";
import { accountOfArn } from "../lib/aws";
import { onlyTheseMayReadPolicy, secretKeyPolicy, secretRecoveryWindowInDays } from "./secretAccess";
import type { SecretValue } from "../lib/secret";
import type { IdentityRotationSchedule } from "./activeDirectory";

export interface DomainlessIdentityArgs {
    clusterName: string;
    username: string;
    password: SecretValue;
    domainName: string;
    region: string;
    partition: string;
    /** The Windows node role, whose CCG plugin reads the secret. */
    windowsNodeRoleName: pulumi.Input<string>;
    windowsNodeRoleArn: pulumi.Input<string>;
    /** The management host's role when the stack provisions accounts: it reads the identity too. */
    managementHostRoleArn?: pulumi.Input<string>;
    /** The stack's operators (caller.ts): they write the value and read it back. */
    operatorArns: readonly string[];
    /**
     * Where the stack rotates the identity (ActiveDirectory.portableIdentityRotation): the function's
     * role reads and writes the secret, and a numeric schedule configures Secrets Manager rotation.
     */
    rotation?: IdentityRotationSchedule;
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

/**
 * What the plan records about the portable identity: who it is and who reads it, never its password.
 * Plain values only (an Output among a component's inputs holds back its children until it is known).
 */
export interface DomainlessIdentityFacts {
    clusterName: string;
    username: string;
    domainName: string;
    /** Besides the Windows nodes' role (and the operators), the management host's role reads it: the host creates the user in AD. */
    readByManagementHost: boolean;
    /** Where the stack rotates it: days between scheduled rotations, or "off" (by hand only). */
    rotationSchedule?: number | "off";
    protect: boolean;
}

export function domainlessIdentityFacts(args: DomainlessIdentityArgs): DomainlessIdentityFacts {
    return {
        clusterName: args.clusterName,
        username: args.username,
        domainName: args.domainName,
        readByManagementHost: args.managementHostRoleArn !== undefined,
        ...(args.rotation ? { rotationSchedule: args.rotation.schedule } : {}),
        protect: args.protect,
    };
}

export class DomainlessIdentity extends pulumi.ComponentResource {
    readonly secretArn: pulumi.Output<string>;
    readonly keyArn: pulumi.Output<string>;
    /** The version this program wrote (with rotation, the first value only). */
    readonly valueVersionId: pulumi.Output<string>;
    /** The key policy and the resource policy: a reader that must see the final ones waits for these. */
    readonly readPolicies: pulumi.Resource[];

    constructor(name: string, args: DomainlessIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-gmsa:gmsa:DomainlessIdentity", name, domainlessIdentityFacts(args), opts);
        const parent = { parent: this };
        const key = new aws.kms.Key(
            "portable-identity-key",
            {
                description: `Encrypts the domainless gMSA identity of EKS cluster ${args.clusterName}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                tags: args.tags,
            },
            { parent: this, protect: args.protect },
        );
        const secret = new aws.secretsmanager.Secret(
            "portable-identity",
            {
                name: `eks-gmsa/${args.clusterName}/portable-identity`,
                description: `AD identity the AWS CCG plugin on Windows nodes of ${args.clusterName} uses to retrieve gMSA passwords`,
                kmsKeyId: key.arn,
                recoveryWindowInDays: secretRecoveryWindowInDays(args.protect, 30),
                tags: args.tags,
            },
            { parent: this, protect: args.protect },
        );
        // The operators write the value and read it back; so does the rotation function.
        const operators = [...args.operatorArns];
        const rotation = args.rotation;
        const readers = pulumi
            .all([args.windowsNodeRoleArn, args.managementHostRoleArn, rotation?.roleArn])
            .apply(([node, host, rotator]) => [node, ...(host ? [host] : []), ...(rotator ? [rotator] : []), ...operators]);
        const writers = pulumi.output(rotation?.roleArn).apply((rotator) => [...(rotator ? [rotator] : []), ...operators]);
        const keyPolicy = new aws.kms.KeyPolicy(
            "portable-identity-key-policy",
            {
                keyId: key.keyId,
                policy: pulumi.all([key.arn, readers, writers]).apply(([keyArn, readerArns, writerArns]) =>
                    JSON.stringify(
                        secretKeyPolicy({
                            partition: args.partition,
                            region: args.region,
                            accountId: accountOfArn(keyArn),
                            readerArns,
                            writerArns,
                        }),
                    ),
                ),
            },
            parent,
        );
        const readPolicy = new aws.secretsmanager.SecretPolicy(
            "portable-identity-read-policy",
            {
                secretArn: secret.arn,
                policy: readers.apply((readerArns) => JSON.stringify(onlyTheseMayReadPolicy(readerArns))),
                // Secrets Manager refuses a policy that would open the secret to broad principals.
                blockPublicPolicy: true,
            },
            parent,
        );
        this.readPolicies = [keyPolicy, readPolicy];
        // After the policies: a new operator writing a new value must already be named in them.
        // With rotation the config's password is the first value only: the function owns it after that,
        // and `pulumi up` must not put the config's user and password back.
        const value = new aws.secretsmanager.SecretVersion(
            "portable-identity-value",
            {
                secretId: secret.id,
                secretString: pulumi.secret(portableIdentityDocument(args.username, args.password.reveal(), args.domainName)),
            },
            { parent: this, dependsOn: this.readPolicies, ...(rotation ? { ignoreChanges: ["secretString"] } : {}) },
        );
        // rotateImmediately false: `pulumi up` changes no AD password; Secrets Manager still runs the
        // function's test step once to check the configuration. It needs the function's role in the
        // policies above, the first value, both users in AD and the right to invoke the function.
        if (rotation && rotation.schedule !== "off") {
            new aws.secretsmanager.SecretRotation(
                "portable-identity-rotation-schedule",
                {
                    secretId: secret.id,
                    rotationLambdaArn: rotation.functionArn,
                    rotationRules: { automaticallyAfterDays: rotation.schedule },
                    rotateImmediately: false,
                },
                { parent: this, dependsOn: [...this.readPolicies, value, ...rotation.after] },
            );
        }
        new aws.iam.RolePolicy(
            "windows-nodes-read-portable-identity",
            {
                role: args.windowsNodeRoleName,
                policy: pulumi
                    .all([secret.arn, key.arn])
                    .apply(([secretArn, keyArn]) => JSON.stringify(portableIdentityReadPolicy([secretArn], keyArn, args.region))),
            },
            parent,
        );
        this.secretArn = secret.arn;
        this.keyArn = key.arn;
        this.valueVersionId = value.versionId;
        this.registerOutputs({ secretArn: this.secretArn });
    }
}
