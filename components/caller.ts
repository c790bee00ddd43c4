// Who runs `pulumi up`: the IAM principal behind the deployer's credentials.
import * as aws from "@pulumi/aws";

/** The role behind an assumed-role session (through the IAM session context, with its path), or the user. */
export async function callerPrincipalArn(): Promise<string> {
    return (await aws.iam.getSessionContext({ arn: (await aws.getCallerIdentity()).arn })).issuerArn;
}
