// The stack's access guardrail: one service control policy (or permissions boundary) that denies,
// to every principal but the allowed ones, the ways around the key policies and the secrets'
// resource policies: rewriting a key's policy or a secret's resource policy (the account root
// administers the keys through IAM, so any holder of kms:* may put a new key policy naming itself),
// disabling or deleting a key, granting use of it or revoking EKS's grant, handing out or changing the roles the policies
// admit or the guardrail spares, changing the code of a function that runs as one of them (the
// rotation function), and running code as the management host (managementHostAccess.ts).
// The stack renders it from its facts (stack output accessGuardrail); your organization attaches
// it. accessGuardrail is pure and tested on its own; stackAccessGuardrail feeds it the stack's outputs.
import * as pulumi from "@pulumi/pulumi";
import type { PolicyDocument } from "./iamPolicies";
import { documentChangeActions, managementHostStatements, notByThese } from "./managementHostAccess";

/** AWS Organizations' limit on a service control policy's size, in characters, whitespace included. */
export const scpSizeLimit = 5120;

/** The size Organizations counts for a policy saved as this program renders it (no whitespace). */
export function scpSize(policy: PolicyDocument): number {
    return JSON.stringify(policy).length;
}

/** What to do when the guardrail is too big for one SCP; undefined when it fits. */
export function scpSizeWarning(policy: PolicyDocument): string | undefined {
    const size = scpSize(policy);
    if (size <= scpSizeLimit) return undefined;
    return `the access guardrail (stack output accessGuardrail) has ${size} characters, more than the ${scpSizeLimit} a service control policy may have: attach its statements as two SCPs (each statement stands on its own), or list fewer principals in eks-gmsa:access.operators`;
}

export interface AccessGuardrailArgs {
    partition: string;
    clusterName: string;
    /**
     * Principals that keep every right below: the stack's operators, its automation roles (the
     * lifecycle runbooks' role, and the EventBridge role that passes it to the runbooks), and the
     * troubleshooters and break-glass roles you add.
     */
    allowedPrincipalArns: readonly string[];
    /** Who calls EKS for the cluster when that is not an allowed principal (the deploy role): EKS's grant on the secrets key is created with its rights. */
    clusterCallerArns: readonly string[];
    /** Every KMS key the stack creates. */
    keyArns: readonly string[];
    /** Every secret whose resource policy the stack writes. */
    secretArns: readonly string[];
    /** Roles a stack secret admits (the host's; the Windows nodes' in domainless mode). */
    secretReaderRoleArns: readonly string[];
    /** The management host, when the stack has one. */
    managementHost?: { privateIp: string; documentArns: readonly string[] };
    /**
     * Lambda functions that run as one of the allowed roles (the portable identity's rotation): who
     * changes their code or configuration runs code as that role, which reads the identity and sends
     * the host its rotation document.
     */
    functionArns?: readonly string[];
}

/** Changing what a function runs, or deleting it so one of the same name (and ARN) takes its place. */
const functionChangeActions = ["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:DeleteFunction"];

/** Rewriting a key or secret policy, or breaking a key (a disabled key, or EKS's grant revoked, leaves the cluster degraded or unrecoverable). */
const keyAndSecretPolicyActions = [
    "kms:PutKeyPolicy",
    "kms:DisableKey",
    "kms:ScheduleKeyDeletion",
    "kms:RevokeGrant",
    "secretsmanager:PutResourcePolicy",
    "secretsmanager:DeleteResourcePolicy",
];

/** Making a role act for someone else, or giving it more rights. */
const roleActions = ["iam:PassRole", "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy"];
/** The same for an IAM user: new credentials, or more rights. */
const userActions = ["iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:PutUserPolicy", "iam:AttachUserPolicy"];

const isUser = (arn: string) => /^arn:[^:]+:iam::\d{12}:user\//.test(arn);

export function accessGuardrail(a: AccessGuardrailArgs): PolicyDocument {
    const allowed = [...new Set(a.allowedPrincipalArns)];
    const callers = [...new Set(a.clusterCallerArns)].filter((arn) => !allowed.includes(arn));
    const roles = [...new Set([...a.secretReaderRoleArns, ...allowed, ...callers])].filter((arn) => !isUser(arn));
    const users = allowed.filter(isUser);
    const documents = a.managementHost?.documentArns ?? [];
    const functions = [...new Set(a.functionArns ?? [])];
    return {
        Version: "2012-10-17",
        Statement: [
            ...(a.managementHost
                ? managementHostStatements({
                      partition: a.partition,
                      clusterName: a.clusterName,
                      privateIp: a.managementHost.privateIp,
                      allowedPrincipalArns: allowed,
                  })
                : []),
            {
                // The ways round the key and secret policies, the guardrail and the host's documents:
                // replace a policy with one naming yourself; hand one of the roles they admit or spare
                // to a service (an instance, an automation), assume it, or widen it; change what the
                // stack's runbooks and commands run. One statement: an SCP has 5,120 characters.
                Sid: "OnlyTheseChangeTheStacksPoliciesRolesAndDocuments",
                Effect: "Deny",
                Action: [
                    ...keyAndSecretPolicyActions,
                    ...(callers.length === 0 ? ["kms:CreateGrant"] : []),
                    ...roleActions,
                    ...(users.length > 0 ? userActions : []),
                    ...(documents.length > 0 ? documentChangeActions : []),
                    ...(functions.length > 0 ? functionChangeActions : []),
                ],
                Resource: [...a.keyArns, ...a.secretArns, ...roles, ...users, ...documents, ...functions],
                Condition: notByThese(allowed),
            },
            // The EKS caller needs kms:CreateGrant (its CreateCluster makes EKS's grant); no one else does.
            ...(callers.length === 0
                ? []
                : [
                      {
                          Sid: "OnlyTheseGrantUseOfTheKeys",
                          Effect: "Deny" as const,
                          Action: "kms:CreateGrant",
                          Resource: [...a.keyArns],
                          Condition: notByThese([...allowed, ...callers]),
                      },
                  ]),
        ],
    };
}

/** The stack's facts, as its resources give them. */
export interface StackGuardrailFacts {
    partition: string;
    clusterName: string;
    /** The stack's operators (caller.ts). */
    operatorArns: readonly string[];
    /** cluster.deployRoleArn: the principal calling EKS for the cluster. */
    deployRoleArn?: string;
    keyArns: pulumi.Input<string>[];
    secretArns: pulumi.Input<string>[];
    secretReaderRoleArns: pulumi.Input<string>[];
    /** The lifecycle runbooks' role and the EventBridge role that starts them (domain-joined mode), the rotation function's role (domainless). */
    automationRoleArns: pulumi.Input<string>[];
    managementHost?: { privateIp: pulumi.Input<string>; documentArns: pulumi.Input<string>[] };
    /** Functions that run as an automation role (the rotation function). */
    functionArns?: pulumi.Input<string>[];
}

/** The guardrail once the stack's resources are known; warns when it no longer fits one SCP. */
export function stackAccessGuardrail(f: StackGuardrailFacts): pulumi.Output<PolicyDocument> {
    const host = f.managementHost;
    return pulumi
        .all([
            pulumi.all(f.keyArns),
            pulumi.all(f.secretArns),
            pulumi.all(f.secretReaderRoleArns),
            pulumi.all(f.automationRoleArns),
            pulumi.output(host?.privateIp),
            pulumi.all(host?.documentArns ?? []),
            pulumi.all(f.functionArns ?? []),
        ])
        .apply(([keyArns, secretArns, readers, automation, privateIp, documentArns, functionArns]) => {
            if (host && !privateIp) throw new Error("the management host reported no private IP address");
            const policy = accessGuardrail({
                partition: f.partition,
                clusterName: f.clusterName,
                allowedPrincipalArns: [...f.operatorArns, ...automation],
                clusterCallerArns: f.deployRoleArn ? [f.deployRoleArn] : [],
                keyArns,
                secretArns,
                secretReaderRoleArns: readers,
                ...(host && privateIp ? { managementHost: { privateIp, documentArns } } : {}),
                ...(functionArns.length > 0 ? { functionArns } : {}),
            });
            const warning = scpSizeWarning(policy);
            if (warning) pulumi.log.warn(warning);
            return policy;
        });
}
