// Who may use the EKS cluster's envelope-encryption key (Kubernetes secrets; all API data from
// 1.28 on). Pure, tested on its own.
//
// Three kinds of principal touch the key: the account's key administrators (through IAM, as for
// every key of this stack); whoever calls EKS for the cluster (the deploy role, or whoever runs
// `pulumi up`), whose CreateCluster makes EKS create its grant on the key; and the cluster role,
// as which the control plane uses the key and EKS checks it on later updates. No one else may use
// it: an IAM policy granting kms:Decrypt on "*" no longer reaches this key.
import type { PolicyDocument } from "./iamPolicies";
import { keyAdministrationActions } from "./secretAccess";

export interface ClusterSecretsKeyPolicyArgs {
    partition: string;
    /** The account that owns the key. */
    accountId: string;
    /** The EKS cluster IAM role (the control plane's). */
    clusterRoleArn: string;
    /** Who calls the EKS API for this cluster: the deploy role, or whoever runs `pulumi up`. */
    clusterCallerArns: readonly string[];
}

/**
 * The cluster role's use of the key. EKS documents no exact list: this is the KMS console's
 * key-user set (what terraform-aws-eks gives the cluster role) and kms:ListGrants, which the
 * cluster role's health checks call (seen in CloudTrail, terraform-aws-eks#1913). Without the role
 * in the key policy, UpdateClusterVersion fails (aws/containers-roadmap#1533).
 */
export const clusterRoleKeyActions = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey", "kms:ListGrants"];

/**
 * What the principal calling CreateCluster needs on the key ("make sure that the kms:DescribeKey
 * and kms:CreateGrant actions are permitted on the policy for the principal that calls the
 * create-cluster API"). Not narrowed by kms:GrantIsForAWSResource: EKS says that condition "is
 * not supported for the CreateCluster action, and should not be used".
 */
export const clusterCallerKeyActions = ["kms:CreateGrant", "kms:DescribeKey"];

export function clusterSecretsKeyPolicy(a: ClusterSecretsKeyPolicyArgs): PolicyDocument {
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
            { Sid: "ControlPlaneUsesTheKey", Effect: "Allow", Principal: { AWS: a.clusterRoleArn }, Action: [...clusterRoleKeyActions], Resource: "*" },
            {
                Sid: "ClusterCallerLetsEksUseTheKey",
                Effect: "Allow",
                Principal: { AWS: [...new Set(a.clusterCallerArns)] },
                Action: [...clusterCallerKeyActions],
                Resource: "*",
            },
        ],
    };
}
