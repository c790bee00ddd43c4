// The portable identity's rotation, its pure parts: the function's IAM policy, the Secrets Manager
// events that mean a rotation failed, who may publish to the failure topic, the function's
// environment and name. Tested on their own (test/rotation-iam.test.ts evaluates the policy).
import { createHash } from "node:crypto";
import type { PolicyDocument } from "./iamPolicies";
import { runOnManagementHostStatements } from "./managementHostAccess";

export interface RotationFunctionPolicyArgs {
    partition: string;
    region: string;
    /** The portable identity's secret: the only secret the function reads or writes. */
    secretArn: string;
    /** The secret's customer-managed key. */
    keyArn: string;
    /** The rotation document: the only document the function sends. */
    documentArn: string;
    /** The management host: the only instance the function starts, stops or sends a command to. */
    managementHostId: string;
    /** The function's own log group (ARN without the trailing ":*"). */
    logGroupArn: string;
}

/**
 * What the rotation function may do, and nothing else: the four Secrets Manager steps on this one
 * secret (a pending version written with a new random password, then its stage moved), this key
 * only through Secrets Manager for this secret, the rotation document on the management host
 * (started for the run and stopped after it), and its own log group. GetRandomPassword and the
 * Describe/List/Get calls that follow the host and its commands have no resource-level
 * permissions (Service Authorization Reference: no resource type for these actions), so they
 * take "*"; none of them reads a secret or changes anything.
 */
export function rotationFunctionPolicy(a: RotationFunctionPolicyArgs): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "RotateThisSecret",
                Effect: "Allow",
                Action: [
                    "secretsmanager:DescribeSecret",
                    "secretsmanager:GetSecretValue",
                    "secretsmanager:PutSecretValue",
                    "secretsmanager:UpdateSecretVersionStage",
                ],
                Resource: a.secretArn,
            },
            { Sid: "NewRandomPasswords", Effect: "Allow", Action: "secretsmanager:GetRandomPassword", Resource: "*" },
            {
                Sid: "ThisKeyForThisSecret",
                Effect: "Allow",
                Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                Resource: a.keyArn,
                Condition: {
                    StringEquals: {
                        "kms:ViaService": `secretsmanager.${a.region}.amazonaws.com`,
                        "kms:EncryptionContext:SecretARN": a.secretArn,
                    },
                },
            },
            ...runOnManagementHostStatements({
                partition: a.partition,
                region: a.region,
                managementHostId: a.managementHostId,
                documentArns: [a.documentArn],
            }),
            { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${a.logGroupArn}:*` },
        ],
    };
}

/**
 * The EventBridge pattern of this secret's failed or abandoned rotations. Secrets Manager records
 * RotationFailed and RotationAbandoned in CloudTrail as service events ("AWS Service Event via
 * CloudTrail"; the User Guide's "AWS CloudTrail entries for Secrets Manager"), naming the secret in
 * additionalEventData.SecretId, as the rotation events users record show. The API-call detail type
 * is matched too: a rule that names one type too few stays silent, one too many costs nothing.
 */
export function rotationFailureEventPattern(secretArn: string): Record<string, unknown> {
    return {
        source: ["aws.secretsmanager"],
        "detail-type": ["AWS Service Event via CloudTrail", "AWS API Call via CloudTrail"],
        detail: {
            eventSource: ["secretsmanager.amazonaws.com"],
            eventName: ["RotationFailed", "RotationAbandoned"],
            additionalEventData: { SecretId: [secretArn] },
        },
    };
}

/** The failure topic's policy: EventBridge may publish to it, and only for this rule. */
export function failureTopicPolicy(topicArn: string, ruleArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "RotationFailureRuleOnly",
                Effect: "Allow",
                Principal: { Service: "events.amazonaws.com" },
                Action: "sns:Publish",
                Resource: topicArn,
                Condition: { ArnEquals: { "aws:SourceArn": ruleArn } },
            },
        ],
    };
}

export interface RotationFunctionEnvironmentArgs {
    secretArn: string;
    username: string;
    alternateUsername: string;
    managementHostId: string;
    documentName: string;
    documentVersion: string;
    /** The secret's version `pulumi up` wrote: the function keeps a label on it so Secrets Manager never deletes it. */
    writtenVersionId: string;
}

/** The function's environment (read by components/scripts/rotation/portable_identity_rotation.py): names and IDs, never a password. */
export function rotationFunctionEnvironment(a: RotationFunctionEnvironmentArgs): Record<string, string> {
    return {
        SECRET_ARN: a.secretArn,
        IDENTITY_USERS: `${a.username},${a.alternateUsername}`,
        HOST_INSTANCE_ID: a.managementHostId,
        DOCUMENT_NAME: a.documentName,
        DOCUMENT_VERSION: a.documentVersion,
        WRITTEN_VERSION_ID: a.writtenVersionId,
    };
}

/** Lambda's limit on a function name. */
export const functionNameLimit = 64;
const functionSuffix = "-identity-rotation";

/**
 * `<cluster>-identity-rotation`; a cluster name too long for Lambda's 64 characters is cut and a
 * short hash of the whole name keeps two such clusters apart.
 */
export function rotationFunctionName(clusterName: string): string {
    const whole = `${clusterName}${functionSuffix}`;
    if (whole.length <= functionNameLimit) return whole;
    const hash = createHash("sha256").update(clusterName).digest("hex").slice(0, 8);
    return `${clusterName.slice(0, functionNameLimit - functionSuffix.length - hash.length - 1)}-${hash}${functionSuffix}`;
}
