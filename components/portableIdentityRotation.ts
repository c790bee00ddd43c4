// Rotation of the portable identity (domainless mode, where the stack provisions AD accounts): a
// Secrets Manager rotation function that alternates the secret between two AD users. It reaches
// the domain controllers only through the management host: it starts the host, sends the rotation
// document (./directoryDocuments.ts rotationDocument: the tested Python AD package, a fixed
// payload, and the step as a parameter), waits for the result and releases the host. It runs
// outside the VPC. A failed or abandoned rotation is published to an SNS topic users subscribe to.
// The schedule itself (SecretRotation) lives with the secret (domainlessIdentity.ts): it must wait
// for the secret's key and resource policies, which admit this function's role.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { rotationDocument, type AdPayload } from "./directoryDocuments";
import { serviceTrustPolicy } from "./iamPolicies";
import { accountOfArn } from "../lib/aws";
import {
    failureTopicPolicy,
    rotationFailureEventPattern,
    rotationFunctionEnvironment,
    rotationFunctionName,
    rotationFunctionPolicy,
} from "./portableIdentityRotationPolicies";

/** The rotation function's own Python (every *.py here goes into its archive). */
export const rotationFunctionDir = path.join(__dirname, "scripts", "rotation");
/** Zipped beside it as release_management_host.py: the lifecycle runbooks' rule for stopping the host (not while a command or session uses it). */
export const releaseHostScript = path.join(__dirname, "scripts", "release-management-host.py");

/** Archive name → file: the function's *.py files and the host release script. */
export function rotationFunctionFiles(dir: string = rotationFunctionDir): Record<string, string> {
    if (!fs.existsSync(dir)) throw new Error(`the portable identity's rotation function needs ${dir}, which does not exist`);
    const own = fs
        .readdirSync(dir)
        .filter((n) => n.endsWith(".py"))
        .sort();
    return { ...Object.fromEntries(own.map((n) => [n, path.join(dir, n)])), "release_management_host.py": releaseHostScript };
}
export const rotationFunctionHandler = "portable_identity_rotation.handler";
export const rotationFunctionRuntime = "python3.12";
/** Lambda's longest timeout: a stopped host takes minutes to start and register with SSM before the step runs. */
export const rotationFunctionTimeoutSeconds = 900;

/** The function's files as the archive holds them, read at plan time (a missing file stops the plan). */
export function readRotationFunctionFiles(files: Readonly<Record<string, string>> = rotationFunctionFiles()): Record<string, string> {
    if (!Object.hasOwn(files, `${rotationFunctionHandler.split(".")[0]}.py`))
        throw new Error(`the rotation function's archive has no module for its handler ${rotationFunctionHandler}`);
    return Object.fromEntries(
        Object.entries(files).map(([name, file]) => {
            if (!fs.existsSync(file)) throw new Error(`the portable identity's rotation function needs ${file}, which does not exist`);
            return [name, fs.readFileSync(file, "utf8")];
        }),
    );
}

/** SHA-256 of the files by name: in the plan, a changed function shows as a changed fact. */
export function codeDigest(files: Readonly<Record<string, string>>): string {
    const hash = createHash("sha256");
    for (const name of Object.keys(files).sort()) hash.update(`${name}\0${files[name]}\0`);
    return hash.digest("hex");
}

export interface PortableIdentityRotationArgs {
    /** Where the rotation runs find the directory, the readers' group and the owner mark (ActiveDirectory's payload base). */
    payloadBase: pulumi.Input<Omit<AdPayload, "operation">>;
    accountsOu: string;
    /** gMSA sAMAccountNames without '$': the test step checks the chain for each. */
    accounts: readonly string[];
    username: string;
    alternateUsername: string;
    /** Days between scheduled rotations, or "off" (the function exists; nothing schedules it). */
    schedule: number | "off";
    /** The identity's secret and key (made later: Outputs resolved then). */
    secretArn: pulumi.Input<string>;
    keyArn: pulumi.Input<string>;
    /** The secret's version `pulumi up` wrote (DomainlessIdentity.valueVersionId). */
    writtenVersionId: pulumi.Input<string>;
    managementHostId: pulumi.Input<string>;
    /** The function's log group keeps its logs as long as the cluster's (cluster.logRetentionDays). */
    logRetentionDays: number;
    clusterName: string;
    region: string;
    partition: string;
    tags: Readonly<Record<string, string>>;
}

/** What the plan records about the rotation: plain facts, never a password. */
export interface PortableIdentityRotationFacts {
    clusterName: string;
    functionName: string;
    runtime: string;
    schedule: number | "off";
    users: [string, string];
    /** The path a rotation takes to the directory. */
    path: string;
    codeSha256: string;
}

export class PortableIdentityRotation extends pulumi.ComponentResource {
    readonly functionName: pulumi.Output<string>;
    readonly functionArn: pulumi.Output<string>;
    /** The function's role: the identity's key policy and resource policy admit it as reader and writer. */
    readonly roleArn: pulumi.Output<string>;
    readonly documentArn: pulumi.Output<string>;
    readonly failureTopicArn: pulumi.Output<string>;
    /** Secrets Manager may invoke the function: a schedule waits for this. */
    readonly invokePermission: aws.lambda.Permission;
    readonly schedule: number | "off";

    constructor(name: string, args: PortableIdentityRotationArgs, opts?: pulumi.ComponentResourceOptions) {
        const files = readRotationFunctionFiles();
        const functionName = rotationFunctionName(args.clusterName);
        const facts: PortableIdentityRotationFacts = {
            clusterName: args.clusterName,
            functionName,
            runtime: rotationFunctionRuntime,
            schedule: args.schedule,
            users: [args.username, args.alternateUsername],
            path: "Secrets Manager -> Lambda (outside the VPC) -> SSM Run Command -> management host -> domain controllers",
            codeSha256: codeDigest(files),
        };
        super("eks-gmsa:directory:PortableIdentityRotation", name, facts, opts);
        const parent = { parent: this };
        const { tags } = args;

        const payload = pulumi.all([args.payloadBase, args.secretArn]).apply(([base, secretArn]): AdPayload & { operation: "rotate" } => ({
            operation: "rotate",
            region: base.region,
            domain: base.domain,
            adminSecretArn: base.adminSecretArn,
            readersGroup: base.readersGroup,
            owner: base.owner,
            accountsOu: args.accountsOu,
            accounts: [...args.accounts],
            identity: { username: args.username, secretArn, alternateUsername: args.alternateUsername },
        }));
        const document = new aws.ssm.Document(
            "ad-rotate-portable-identity",
            {
                name: `${args.clusterName}-ad-rotate-portable-identity`,
                documentType: "Command",
                documentFormat: "JSON",
                content: payload.apply((p) =>
                    rotationDocument(
                        `eks-gmsa: one step of a rotation of the portable identity of ${args.clusterName} (${args.username} / ${args.alternateUsername}): set the pending user's new password, or check the whole chain with it`,
                        p,
                    ),
                ),
                tags,
            },
            parent,
        );

        const logGroup = new aws.cloudwatch.LogGroup(
            "portable-identity-rotation-logs",
            { name: `/aws/lambda/${functionName}`, retentionInDays: args.logRetentionDays, tags },
            parent,
        );
        const role = new aws.iam.Role(
            "portable-identity-rotation-role",
            {
                description: `Rotates the portable identity of EKS cluster ${args.clusterName} through its AD management host`,
                assumeRolePolicy: JSON.stringify(serviceTrustPolicy("lambda")),
                tags,
            },
            parent,
        );
        const rolePolicy = new aws.iam.RolePolicy(
            "portable-identity-rotation-policy",
            {
                role: role.name,
                policy: pulumi
                    .all([args.secretArn, args.keyArn, document.arn, args.managementHostId, logGroup.name])
                    .apply(([secretArn, keyArn, documentArn, managementHostId, logGroupName]) =>
                        JSON.stringify(
                            rotationFunctionPolicy({
                                partition: args.partition,
                                region: args.region,
                                secretArn,
                                keyArn,
                                documentArn,
                                managementHostId,
                                // CloudWatch Logs' log-group ARN (the one the streams' ARNs extend), in the secret's account.
                                logGroupArn: `arn:${args.partition}:logs:${args.region}:${accountOfArn(secretArn)}:log-group:${logGroupName}`,
                            }),
                        ),
                    ),
            },
            parent,
        );
        const fn = new aws.lambda.Function(
            "portable-identity-rotation",
            {
                name: functionName,
                description: `Secrets Manager rotation of the portable identity of ${args.clusterName}, through its AD management host`,
                runtime: rotationFunctionRuntime,
                handler: rotationFunctionHandler,
                role: role.arn,
                timeout: rotationFunctionTimeoutSeconds,
                memorySize: 256,
                code: new pulumi.asset.AssetArchive(
                    Object.fromEntries(Object.entries(files).map(([file, text]) => [file, new pulumi.asset.StringAsset(text)])),
                ),
                environment: {
                    variables: pulumi
                        .all([args.secretArn, args.managementHostId, document.name, document.latestVersion, args.writtenVersionId])
                        .apply(([secretArn, managementHostId, documentName, documentVersion, writtenVersionId]) =>
                            rotationFunctionEnvironment({
                                secretArn,
                                username: args.username,
                                alternateUsername: args.alternateUsername,
                                managementHostId,
                                documentName,
                                documentVersion,
                                writtenVersionId,
                            }),
                        ),
                },
                tags,
            },
            // Its log group first (else Lambda creates one that never expires), and its rights.
            { parent: this, dependsOn: [logGroup, rolePolicy] },
        );
        this.invokePermission = new aws.lambda.Permission(
            "portable-identity-rotation-invoke",
            {
                function: fn.name,
                action: "lambda:InvokeFunction",
                principal: "secretsmanager.amazonaws.com",
                // Only for this secret, in this account (the confused-deputy guard).
                sourceArn: args.secretArn,
                sourceAccount: pulumi.output(args.secretArn).apply(accountOfArn),
            },
            parent,
        );

        const topic = new aws.sns.Topic("portable-identity-rotation-failed", { name: `${args.clusterName}-identity-rotation-failed`, tags }, parent);
        const rule = new aws.cloudwatch.EventRule(
            "portable-identity-rotation-failed",
            {
                description: `A rotation of the portable identity of ${args.clusterName} failed or was abandoned`,
                eventPattern: pulumi.output(args.secretArn).apply((secretArn) => JSON.stringify(rotationFailureEventPattern(secretArn))),
                tags,
            },
            parent,
        );
        new aws.sns.TopicPolicy(
            "portable-identity-rotation-failed-policy",
            { arn: topic.arn, policy: pulumi.all([topic.arn, rule.arn]).apply(([topicArn, ruleArn]) => JSON.stringify(failureTopicPolicy(topicArn, ruleArn))) },
            parent,
        );
        new aws.cloudwatch.EventTarget("portable-identity-rotation-failed", { rule: rule.name, arn: topic.arn }, parent);

        this.functionName = fn.name;
        this.functionArn = fn.arn;
        this.roleArn = role.arn;
        this.documentArn = document.arn;
        this.failureTopicArn = topic.arn;
        this.schedule = args.schedule;
        this.registerOutputs({ functionArn: this.functionArn, failureTopicArn: this.failureTopicArn });
    }
}
