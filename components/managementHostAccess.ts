// Who may run code as the AD management host. Its role reads the directory's admin credentials
// (and, in domainless mode, the portable identity), and the secrets' resource policies admit that
// role: so whoever can open a session on the host, send it a command, log in over SSH, change what
// it runs at its next start or the documents it runs, reads them. The stack cannot bind such rules
// on principals it does not own (an SCP belongs to the organization, a person's IAM policy to the
// account): it tags the host and renders the statements from its facts, for the guardrail
// (accessGuardrail.ts), and a troubleshooter's policy (docs/active-directory.md). Pure, tested on
// their own.
import type { PolicyDocument } from "./iamPolicies";

/** The instance tag the conditions below target; its value is the cluster's name. */
export const managementHostTagKey = "eks-gmsa:management-host";

export function managementHostTag(clusterName: string): Record<string, string> {
    return { [managementHostTagKey]: clusterName };
}

/** Systems Manager's default Session Manager document (a shell): the one troubleshooters get. */
export const defaultSessionDocument = "SSM-SessionManagerRunShell";

/** The condition every guardrail statement carries: the request is not by one of these principals. */
export function notByThese(principalArns: readonly string[]): Record<string, Record<string, string[]>> {
    return { ArnNotLike: { "aws:PrincipalArn": [...new Set(principalArns)] } };
}

/**
 * Changes to the stack's SSM documents (denied in the guardrail's statement on the stack's
 * policies and roles): EventBridge starts the runbooks at $DEFAULT, and a document deleted and
 * made again under its name starts again at version 1, which `pulumi up` and the runbooks may
 * name; either runs its author's code as the runbooks' role, on the nodes or on the host.
 */
export const documentChangeActions = ["ssm:UpdateDocument", "ssm:UpdateDocumentDefaultVersion", "ssm:DeleteDocument", "ssm:CreateDocument"];

export interface ManagementHostStatementsArgs {
    partition: string;
    clusterName: string;
    /** The host's private IPv4 address: what an EC2 Instance Connect Endpoint tunnel names (it stays with the instance across stops). */
    privateIp: string;
    /**
     * Principals that keep these rights: the operators (launch and tag the host, send the
     * provisioning command, write the documents), the lifecycle runbooks' role (sends the node
     * documents), and the troubleshooters and break-glass roles you add.
     */
    allowedPrincipalArns: readonly string[];
}

/**
 * Guardrail statements (an SCP, or a permissions boundary) denying every way to run code as the
 * management host to all principals but the allowed ones. An explicit deny wins over any allow, so
 * an account administrator's `*` does not get round them; they grant nothing.
 */
export function managementHostStatements(a: ManagementHostStatementsArgs): PolicyDocument["Statement"] {
    const instances = `arn:${a.partition}:ec2:*:*:instance/*`;
    const notAllowed = notByThese(a.allowedPrincipalArns);
    const tagged = (key: "ssm:resourceTag" | "aws:ResourceTag") => ({ StringEquals: { [`${key}/${managementHostTagKey}`]: a.clusterName } });
    return [
        {
            // Session Manager and Run Command authorize against the instance's tags through ssm:resourceTag.
            Sid: "OnlyTheseOpenSessionsOrSendCommandsToTheHost",
            Effect: "Deny",
            Action: ["ssm:StartSession", "ssm:SendCommand"],
            Resource: instances,
            Condition: { ...tagged("ssm:resourceTag"), ...notAllowed },
        },
        {
            // The host is stopped between runs: new user data runs at its next start as root, and so
            // does a root volume swapped or attached from elsewhere. Ubuntu's images run EC2 Instance
            // Connect: a pushed key is an SSH (or serial console) login, with sudo.
            Sid: "OnlyTheseChangeWhatTheHostRunsOrLogIn",
            Effect: "Deny",
            Action: [
                "ec2:ModifyInstanceAttribute",
                "ec2:AttachVolume",
                "ec2:CreateReplaceRootVolumeTask",
                "ec2-instance-connect:SendSSHPublicKey",
                "ec2-instance-connect:SendSerialConsoleSSHPublicKey",
            ],
            Resource: instances,
            Condition: { ...tagged("aws:ResourceTag"), ...notAllowed },
        },
        {
            // Without this, removing or changing the tag would take the host out of the statements above.
            Sid: "OnlyTheseTagTheHost",
            Effect: "Deny",
            Action: ["ec2:CreateTags", "ec2:DeleteTags"],
            Resource: instances,
            Condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": [managementHostTagKey] }, ...notAllowed },
        },
        {
            // An Instance Connect Endpoint's tunnel is authorized on the endpoint, by the target's address.
            Sid: "OnlyTheseTunnelToTheHost",
            Effect: "Deny",
            Action: "ec2-instance-connect:OpenTunnel",
            Resource: `arn:${a.partition}:ec2:*:*:instance-connect-endpoint/*`,
            Condition: { IpAddress: { "ec2-instance-connect:privateIpAddress": `${a.privateIp}/32` }, ...notAllowed },
        },
    ];
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
                Sid: "SessionsOnThisStacksHost",
                Effect: "Allow",
                Action: "ssm:StartSession",
                Resource: instances,
                Condition: {
                    StringEquals: { [`ssm:resourceTag/${managementHostTagKey}`]: a.clusterName },
                    BoolIfExists: { "ssm:SessionDocumentAccessCheck": "true" },
                },
            },
            {
                Sid: "WithTheDefaultShellDocumentOnly",
                Effect: "Allow",
                Action: "ssm:StartSession",
                Resource: `arn:${a.partition}:ssm:*:*:document/${defaultSessionDocument}`,
            },
            {
                Sid: "StartTheStoppedHost",
                Effect: "Allow",
                Action: "ec2:StartInstances",
                Resource: instances,
                Condition: { StringEquals: { [`aws:ResourceTag/${managementHostTagKey}`]: a.clusterName } },
            },
        ],
    };
}

export interface RunOnManagementHostArgs {
    partition: string;
    region: string;
    managementHostId: string;
    /** The stack's own Command documents the role runs on the host (never an AWS-owned one). */
    documentArns: readonly string[];
    /** Read-only calls the role needs besides following the host and its commands. */
    alsoFollow?: readonly string[];
}

/**
 * What a role needs to run the stack's host documents (the lifecycle runbooks' role, the rotation
 * function's): send exactly those documents to exactly that instance, start and stop it (it is
 * stopped between runs), and follow it, its commands and its sessions before stopping it again. The
 * Describe/List/Get calls have no resource-level permissions (Service Authorization Reference), so
 * they take "*"; none of them changes anything or reads a secret.
 */
export function runOnManagementHostStatements(a: RunOnManagementHostArgs): PolicyDocument["Statement"] {
    const host = `arn:${a.partition}:ec2:${a.region}:*:instance/${a.managementHostId}`;
    return [
        { Sid: "RunHostDocuments", Effect: "Allow", Action: "ssm:SendCommand", Resource: [...a.documentArns] },
        { Sid: "OnManagementHost", Effect: "Allow", Action: "ssm:SendCommand", Resource: host },
        { Sid: "StartAndStopManagementHost", Effect: "Allow", Action: ["ec2:StartInstances", "ec2:StopInstances"], Resource: host },
        {
            Sid: "FollowCommands",
            Effect: "Allow",
            Action: [
                "ssm:GetCommandInvocation",
                "ssm:ListCommands",
                "ssm:ListCommandInvocations",
                "ssm:DescribeInstanceInformation",
                "ssm:DescribeAutomationExecutions",
                "ssm:DescribeSessions",
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceStatus",
                ...(a.alsoFollow ?? []),
            ],
            Resource: "*",
        },
    ];
}
