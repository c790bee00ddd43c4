// IAM documents and managed-policy sets for the cluster and node roles. Pure, tested on their own.
import { managedPolicyArn, servicePrincipal } from "../lib/aws";

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: {
        Sid?: string;
        Effect: "Allow" | "Deny";
        Principal?: "*" | { Service: string | string[] } | { AWS: string | string[] };
        Action: string | string[];
        Resource?: string | string[];
        Condition?: Record<string, Record<string, string | string[]>>;
    }[];
}

/** Trust policy letting one AWS service assume a role. */
export function serviceTrustPolicy(service: "eks" | "ec2" | "ssm" | "events" | "lambda", actions: string[] = ["sts:AssumeRole"]): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: servicePrincipal(service) }, Action: actions.length === 1 ? actions[0] : actions }],
    };
}

/**
 * The EKS cluster role. AmazonEKSVPCResourceController lets the control plane's VPC resource
 * controller assign Windows pod IPs (Windows nodes have no aws-node DaemonSet).
 */
export function clusterRolePolicies(partition: string): string[] {
    return ["AmazonEKSClusterPolicy", "AmazonEKSVPCResourceController"].map((n) => managedPolicyArn(partition, n));
}

/**
 * Node roles: join the cluster, run the VPC CNI (Linux aws-node uses the node role; Windows nodes
 * call the CNI's EC2 APIs too), pull images from ECR, and be reachable by SSM (Session Manager
 * for troubleshooting; Run Command for domain join later). Nothing else: mode-specific rights
 * (directory join, reading the domainless identity) are added by the components that need them.
 */
export function nodeRolePolicies(partition: string): string[] {
    return ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly", "AmazonSSMManagedInstanceCore"].map((n) =>
        managedPolicyArn(partition, n),
    );
}

/** Short stable resource-name suffix for a managed policy ARN: its name. */
export function policyName(arn: string): string {
    return arn.slice(arn.lastIndexOf("/") + 1);
}

/**
 * Read exactly these secrets, and decrypt with exactly these customer-managed keys (none: the
 * secrets use the AWS-managed key), only through Secrets Manager. Sids `Read<purpose>` and
 * `Decrypt<purpose>`.
 */
export function readSecretsPolicy(purpose: string, secretArns: readonly string[], keyArns: string | readonly string[], region: string): PolicyDocument {
    const keys = typeof keyArns === "string" ? keyArns : [...keyArns];
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: `Read${purpose}`, Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: [...secretArns] },
            ...(keys.length > 0
                ? [
                      {
                          Sid: `Decrypt${purpose}`,
                          Effect: "Allow" as const,
                          Action: "kms:Decrypt",
                          Resource: keys,
                          Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } },
                      },
                  ]
                : []),
        ],
    };
}

/**
 * Domainless gMSA: the Windows nodes' CCG plugin reads the portable identity from exactly these
 * secrets and decrypts them with exactly this key, and only through Secrets Manager.
 */
export function portableIdentityReadPolicy(secretArns: string[], keyArn: string, region: string): PolicyDocument {
    return readSecretsPolicy("PortableIdentity", secretArns, keyArn, region);
}
