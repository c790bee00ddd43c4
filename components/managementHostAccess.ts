// Who may run code as the AD management host. Its role reads the directory's admin credentials
// (and, in domainless mode, the portable identity), and the secrets' resource policies admit that
// role: so whoever can open a session on the host, send it a command, change the user data it
// runs at its next start, hand its role to another instance or change who may assume the role,
// reads them. The stack cannot bind such rules on its own principals (an SCP belongs to the
// organization, a person's IAM policy to the account): it tags the host and renders both documents
// from its facts (stack output adManagementHostAccess; docs/active-directory.md). Pure, tested on
// their own.
import type { PolicyDocument } from "./iamPolicies";

/** The instance tag the conditions below target; its value is the cluster's name. */
export const managementHostTagKey = "eks-gmsa:management-host";

export function managementHostTag(clusterName: string): Record<string, string> {
    return { [managementHostTagKey]: clusterName };
}

/** Systems Manager's default Session Manager document (a shell): the one troubleshooters get. */
export const defaultSessionDocument = "SSM-SessionManagerRunShell";

export interface ManagementHostGuardrailArgs {
    partition: string;
    clusterName: string;
    /** Roles a stack secret admits (the host's; the Windows nodes' in domainless mode): no one else may pass them or change their trust. */
    secretReaderRoleArns: readonly string[];
    /**
     * Principals that keep these rights: whoever runs `pulumi up` (launches the host with its role,
     * tags it, sends the provisioning command), the node lifecycle runbooks' role (sends the node
     * documents), and the troubleshooters and break-glass roles you add.
     */
    allowedPrincipalArns: readonly string[];
}

/**
 * A service control policy (or a permissions boundary) denying every way to run code as the
 * management host to all principals but the allowed ones. An explicit deny wins over any allow, so
 * an account administrator's `*` does not get round it; it grants nothing.
 */
export function managementHostGuardrail(a: ManagementHostGuardrailArgs): PolicyDocument {
    const instances = `arn:${a.partition}:ec2:*:*:instance/*`;
    const notAllowed = { ArnNotLike: { "aws:PrincipalArn": [...new Set(a.allowedPrincipalArns)] } };
    return {
        Version: "2012-10-17",
        Statement: [
            {
                // Session Manager and Run Command authorize against the instance's tags through ssm:resourceTag.
                Sid: "OnlyTheseOpenSessionsOrSendCommandsToTheHost", Effect: "Deny",
                Action: ["ssm:StartSession", "ssm:SendCommand"], Resource: instances,
                Condition: { StringEquals: { [`ssm:resourceTag/${managementHostTagKey}`]: a.clusterName }, ...notAllowed },
            },
            {
                // The host is stopped between runs; a stopped instance's user data can be replaced, and cloud-init runs it at the next start, as root.
                Sid: "OnlyTheseChangeWhatTheHostRuns", Effect: "Deny",
                Action: "ec2:ModifyInstanceAttribute", Resource: instances,
                Condition: { StringEquals: { [`aws:ResourceTag/${managementHostTagKey}`]: a.clusterName }, ...notAllowed },
            },
            {
                // Without this, removing or changing the tag would take the host out of the two statements above.
                Sid: "OnlyTheseTagTheHost", Effect: "Deny",
                Action: ["ec2:CreateTags", "ec2:DeleteTags"], Resource: instances,
                Condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": [managementHostTagKey] }, ...notAllowed },
            },
            {
                // An instance launched with the role, or a trust policy opened to someone, reads the secrets without the host.
                Sid: "OnlyTheseHandOutTheSecretReadersRoles", Effect: "Deny",
                Action: ["iam:PassRole", "iam:UpdateAssumeRolePolicy"], Resource: [...new Set(a.secretReaderRoleArns)],
                Condition: notAllowed,
            },
        ],
    };
}

/**
 * An identity policy for a troubleshooter (who must also be allowed by the guardrail): a shell on
 * this stack's host through the default session document only (no port forwarding, no other
 * document), and starting the host, which is stopped between runs. A shell on the host is root
 * there, so this person can read the directory's admin credentials: grant it as sparingly.
 */
export function managementHostSessionPolicy(a: { partition: string; clusterName: string }): PolicyDocument {
    const instances = `arn:${a.partition}:ec2:*:*:instance/*`;
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "SessionsOnThisStacksHost", Effect: "Allow", Action: "ssm:StartSession", Resource: instances,
                Condition: { StringEquals: { [`ssm:resourceTag/${managementHostTagKey}`]: a.clusterName }, BoolIfExists: { "ssm:SessionDocumentAccessCheck": "true" } },
            },
            { Sid: "WithTheDefaultShellDocumentOnly", Effect: "Allow", Action: "ssm:StartSession", Resource: `arn:${a.partition}:ssm:*:*:document/${defaultSessionDocument}` },
            {
                Sid: "StartTheStoppedHost", Effect: "Allow", Action: "ec2:StartInstances", Resource: instances,
                Condition: { StringEquals: { [`aws:ResourceTag/${managementHostTagKey}`]: a.clusterName } },
            },
        ],
    };
}
