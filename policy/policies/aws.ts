// AWS policies: secrets read by ARN, IMDSv2 on nodes, an allowlist of EKS cluster admins.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { clusterAdminGrants, imdsv2Problem, isClusterAdminPolicy, parsePolicyDocument, secretStatementProblems } from "./lib/aws";
import { configStrings, readConfig } from "./lib/config";
import { guardResource } from "./lib/guard";
import { get, plainProps, resourceLabel, str } from "./lib/values";

/** Resources whose `policy` input is an IAM policy document. */
const POLICY_DOCUMENT_TYPES = new Set([
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/policy:Policy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
]);

export const awsSecretsByArn: ResourceValidationPolicy = {
    name: "aws-secrets-by-arn",
    description:
        "IAM policies that allow secretsmanager:GetSecretValue (including secretsmanager:*, secretsmanager:Get* and *) name the secrets by full ARN: " +
        'no Resource "*" and no wildcard in the secret name, so a node or pod can read only the secrets meant for it (e.g. the gMSA portable identity).',
    enforcementLevel: "mandatory",
    validateResource: guardResource("aws-secrets-by-arn", (args, report) => {
        if (!POLICY_DOCUMENT_TYPES.has(args.type)) return;
        const props = plainProps(args.props);
        const parsed = parsePolicyDocument(get(props, "policy"));
        // Not known yet (judged again at deployment), or malformed (AWS rejects it anyway).
        if (!parsed.document) return;
        const label = resourceLabel(args.type, args.urn);
        for (const s of secretStatementProblems(parsed.document)) {
            report(
                `${label}: ${s.statement} allows secretsmanager:GetSecretValue (Action ${JSON.stringify(s.action)}) on ${s.problems.join(", ")}. ` +
                    `Fix: list the secrets' full ARNs in Resource (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>, e.g. from secret.arn; ` +
                    `<name>-?????? matches the random suffix), never "*" or a wildcard in the secret name.`,
            );
        }
    }),
};

const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const INSTANCE = "aws:ec2/instance:Instance";

/**
 * The checks for aws-imdsv2-required, one per resource type (launch templates and instances have
 * the same metadataOptions). Each is tagged with its type the way validateResourceOfType tags it
 * (without importing @pulumi/aws), so that the policy server skips other resources before
 * deserializing their properties.
 */
const imdsv2Check = (type: string, example: string) =>
    Object.assign(
        guardResource("aws-imdsv2-required", (args, report) => {
            if (args.type !== type) return;
            const problem = imdsv2Problem(plainProps(args.props));
            if (!problem) return;
            report(
                `${resourceLabel(args.type, args.urn)}: ${problem}. ` +
                    `Fix: set metadataOptions.httpTokens to "required" (${example} sets httpTokens "required" and httpPutResponseHopLimit 1).`,
            );
        }),
        { __pulumiType: type },
    );

export const awsImdsv2Required: ResourceValidationPolicy = {
    name: "aws-imdsv2-required",
    description:
        'EC2 launch templates and instances require IMDSv2 (metadataOptions.httpTokens "required"), so instance credentials cannot be taken through IMDSv1 request forgery.',
    enforcementLevel: "mandatory",
    validateResource: [imdsv2Check(LAUNCH_TEMPLATE, "eks-gmsa's Windows node launch template"), imdsv2Check(INSTANCE, "eks-gmsa's AD management host")],
};

export const eksClusterAdminAllowlist: ResourceValidationPolicy = {
    name: "eks-cluster-admin-allowlist",
    description:
        "Only principals on an allowlist get EKS access entries with AmazonEKSClusterAdminPolicy (cluster-admin, which includes every gMSA). " +
        "Checked on eks:index:Cluster accessEntries and on aws:eks/accessPolicyAssociation resources; an empty allowlist allows none.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedPrincipals: {
                type: "array",
                description: "IAM principal ARNs that may hold AmazonEKSClusterAdminPolicy, e.g. arn:aws:iam::123456789012:role/platform-admins.",
                default: [],
                items: { type: "string", minLength: 1 },
            },
        },
    },
    validateResource: guardResource("eks-cluster-admin-allowlist", (args, report) => {
        const isCluster = args.type === "eks:index:Cluster";
        const isAssociation = args.type === "aws:eks/accessPolicyAssociation:AccessPolicyAssociation";
        if (!isCluster && !isAssociation) return;
        const props = plainProps(args.props);
        const allowed = configStrings(readConfig(args), "allowedPrincipals");
        const label = resourceLabel(args.type, args.urn);
        const fix = (principal: string) =>
            `Fix: give ${principal} a narrower access policy (AmazonEKSAdminPolicy or AmazonEKSEditPolicy scoped to its namespaces; with eks-gmsa: move it from ` +
            `eks-gmsa:access.clusterAdmins to namespaceAdmins), or, if it must be a cluster admin, add its ARN to this policy's allowedPrincipals config ` +
            `(now ${allowed.length > 0 ? allowed.join(", ") : "empty"}).`;
        if (isCluster) {
            for (const g of clusterAdminGrants(get(props, "accessEntries"))) {
                // A principal not known yet is judged again at deployment.
                if (g.principalArn === undefined || allowed.includes(g.principalArn)) continue;
                report(
                    `${label}: access entry "${g.entry}" gives ${g.principalArn} AmazonEKSClusterAdminPolicy (access policy "${g.policy}"), ` +
                        `i.e. cluster-admin, but ${g.principalArn} is not in allowedPrincipals. ${fix(g.principalArn)}`,
                );
            }
            return;
        }
        if (!isClusterAdminPolicy(get(props, "policyArn"))) return;
        const principal = str(get(props, "principalArn"));
        if (principal === undefined || allowed.includes(principal)) return;
        report(`${label} associates AmazonEKSClusterAdminPolicy (cluster-admin) with ${principal}, which is not in allowedPrincipals. ${fix(principal)}`);
    }),
};
