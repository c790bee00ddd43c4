// Who may read the stack's secrets, and how long a deleted one lingers. Pure, tested on their own.
//
// The directory Admin's secret (a managed directory's full-directory credentials) is readable by
// exactly two principals: the management host's role, which runs the AD scripts, and whoever
// runs `pulumi up`, because the SecretVersion resource writes the value and reads it back
// (terraform-provider-aws secret_version.go: GetSecretValue after PutSecretValue, on refresh and
// on delete), and that principal holds the password in the stack config anyway.
import type { PolicyDocument } from "./iamPolicies";

/**
 * Days Secrets Manager keeps a deleted secret. Its name stays taken for that long, so a stack
 * that is not protected (dev: destroyed and created again) deletes at once; a protected one
 * keeps the window for recovery.
 */
export function secretRecoveryWindowInDays(protect: boolean, protectedDays: 7 | 30): number {
    return protect ? protectedDays : 0;
}

export interface SecretKeyPolicyArgs {
    partition: string;
    region: string;
    /** The account that owns the key. */
    accountId: string;
    /** May decrypt the secret's values, through Secrets Manager only. */
    readerArns: readonly string[];
    /** May also encrypt new values (Secrets Manager asks KMS for a data key on their behalf). */
    writerArns: readonly string[];
}

/**
 * Actions of the account's key administrators: the AWS console's key-administrator set, without
 * kms:CreateGrant (a grant could hand decryption to anyone) and without any cryptographic use.
 * Granting them to the account root principal lets IAM policies of the account administer the
 * key, so the key can never become unmanageable (the default key policy's reason to exist).
 */
export const keyAdministrationActions = [
    "kms:Describe*",
    "kms:Get*",
    "kms:List*",
    "kms:Enable*",
    "kms:Disable*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Delete*",
    "kms:CreateAlias",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:RotateKeyOnDemand",
];

/**
 * The key policy of a secret's customer-managed key: administration by the account; decryption
 * only for the readers and only when Secrets Manager asks (kms:ViaService); data keys for new
 * values only for the writers, likewise. Secrets Manager needs kms:GenerateDataKey and
 * kms:Decrypt from the principal that writes a value, kms:Decrypt from one that reads it.
 */
export function secretKeyPolicy(a: SecretKeyPolicyArgs): PolicyDocument {
    const throughSecretsManager = { StringEquals: { "kms:ViaService": `secretsmanager.${a.region}.amazonaws.com`, "kms:CallerAccount": a.accountId } };
    const unique = (arns: readonly string[]) => [...new Set(arns)];
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "KeyAdministrationByTheAccount",
                Effect: "Allow",
                Principal: { AWS: `arn:${a.partition}:iam::${a.accountId}:root` },
                Action: [...keyAdministrationActions],
                Resource: "*",
            },
            {
                Sid: "DecryptThroughSecretsManager",
                Effect: "Allow",
                Principal: { AWS: unique([...a.readerArns, ...a.writerArns]) },
                Action: "kms:Decrypt",
                Resource: "*",
                Condition: throughSecretsManager,
            },
            {
                Sid: "EncryptNewValuesThroughSecretsManager",
                Effect: "Allow",
                Principal: { AWS: unique(a.writerArns) },
                Action: "kms:GenerateDataKey",
                Resource: "*",
                Condition: throughSecretsManager,
            },
        ],
    };
}

/**
 * The secret's resource policy: GetSecretValue is denied to every principal but these (an
 * explicit deny wins over any IAM allow in the account). Nothing else is denied, so the account's
 * administrators can still describe, update, re-key and delete the secret, and change this policy.
 */
export function onlyTheseMayReadPolicy(readerArns: readonly string[]): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "OnlyTheseReadTheValue",
                Effect: "Deny",
                Principal: "*",
                Action: "secretsmanager:GetSecretValue",
                Resource: "*",
                Condition: { ArnNotEquals: { "aws:PrincipalArn": [...new Set(readerArns)] } },
            },
        ],
    };
}
