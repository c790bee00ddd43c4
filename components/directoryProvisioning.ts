// Provisioning inside the VPC: an SSM Command document (./directoryDocuments.ts: the Python AD
// package and one payload naming the group, the gMSAs and the portable identity), run on the
// management host by @pulumi/command (again whenever the document changes), which starts the host
// for the run and stops it afterwards. With `verify`, the host then checks the whole chain (as
// the portable identity, or as a probe computer account in the readers' group), so a broken AD
// side fails `pulumi up` here, before any Windows pod starts. The run's output, kept secret,
// ends with the domain facts the credential specs name.
//
// @pulumi/command 1.2.1 puts a failed command's whole stdout and stderr into the error message,
// whatever `logging` says; run-ad-document.sh therefore prints nothing on failure but its own
// lines and the run's one-line error.
import * as fs from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { adCommandDocument, parseAdResult, type AdPayload } from "./directoryDocuments";
import type { DomainFacts } from "../lib/ad/domainFacts";

/** The bash the deployer's machine runs (start the host, run the document, stop the host). */
export const runDocumentScriptPath = path.join(__dirname, "scripts", "run-ad-document.sh");
export const runDocumentScript = fs.readFileSync(runDocumentScriptPath, "utf8");

/** Where a run finds the directory and whose credentials it uses. */
export type DirectoryConnection = Pick<AdPayload, "region" | "domain" | "adminSecretArn">;

export interface AccountProvisioningArgs {
    /** Where the run finds the directory and whose credentials it uses (outputs when the stack creates the directory). */
    connection: pulumi.Input<DirectoryConnection>;
    /** The AD group allowed to retrieve the gMSAs' passwords (sAMAccountName). */
    readersGroup: string;
    /** Where the readers' group and the portable identity are created (distinguished name). */
    accountsOu: string;
    /** gMSA sAMAccountNames without '$'. */
    accounts: readonly string[];
    /**
     * Domainless mode: the portable identity to create, its password in this secret. With rotation,
     * `alternateUsername` too: the secret names either user; the other is made (never reset) as well.
     */
    portableIdentity?: { username: string; secretArn: pulumi.Input<string>; alternateUsername?: string };
    /** Domain-joined mode: the nodes' OU. */
    joinOu?: string;
    /** After provisioning, check the whole chain from the host: a broken link fails `pulumi up`. */
    verify: boolean;
    managementHostId: pulumi.Input<string>;
    /** Domain-joined mode: the lifecycle runbooks' name prefix (NodeLifecycle.runbookPrefix); the host stays up while one runs. */
    runbookPrefix?: string;
    region: string;
    awsProfile?: string;
    /** Facts from config, when given: the run fails if the directory says otherwise. */
    expectedFacts?: DomainFacts;
    /** The owner mark on what the run creates. */
    clusterName: string;
    tags: Readonly<Record<string, string>>;
}

/** What the plan records about provisioning (read by the review tooling): what is made in AD, never a credential. */
export interface AccountProvisioningFacts {
    clusterName: string;
    /** The gMSAs (sAMAccountNames without '$'). */
    accounts: string[];
    readersGroup: string;
    accountsOu: string;
    /** Domainless mode: the portable identity's username; absent when none. */
    portableIdentity?: string;
    joinOu?: string;
    verify: boolean;
    /** Whether the domain's SID and GUID come from config (then checked against the directory). */
    expectedFacts: boolean;
}

export function accountProvisioningFacts(args: AccountProvisioningArgs): AccountProvisioningFacts {
    return {
        clusterName: args.clusterName,
        accounts: [...args.accounts],
        readersGroup: args.readersGroup,
        accountsOu: args.accountsOu,
        ...(args.portableIdentity ? { portableIdentity: args.portableIdentity.username } : {}),
        ...(args.joinOu ? { joinOu: args.joinOu } : {}),
        verify: args.verify,
        expectedFacts: args.expectedFacts !== undefined,
    };
}

/** The provisioning run's payload (its keys in the order the document has always had them). */
export function provisioningPayload(args: AccountProvisioningArgs): pulumi.Output<AdPayload> {
    return pulumi.all([args.connection, args.portableIdentity?.secretArn]).apply(([c, identitySecretArn]): AdPayload => ({
        operation: "provision",
        region: c.region,
        domain: c.domain,
        adminSecretArn: c.adminSecretArn,
        readersGroup: args.readersGroup,
        owner: args.clusterName,
        accountsOu: args.accountsOu,
        accounts: [...args.accounts],
        ...(args.portableIdentity && identitySecretArn
            ? {
                  identity: {
                      username: args.portableIdentity.username,
                      secretArn: identitySecretArn,
                      ...(args.portableIdentity.alternateUsername ? { alternateUsername: args.portableIdentity.alternateUsername } : {}),
                  },
              }
            : {}),
        ...(args.joinOu ? { joinOu: args.joinOu } : {}),
        verify: args.verify,
    }));
}

/** Compares what the directory reported with what config claims (a wrong SID breaks every credspec). */
export function checkFacts(reported: DomainFacts, expected: DomainFacts | undefined): void {
    if (!expected) return;
    const differences = (["dnsName", "forestName", "netbiosName", "sid", "guid"] as const)
        .filter((k) => reported[k].toLowerCase() !== expected[k].toLowerCase())
        .map((k) => `${k}: config says ${expected[k]}, the directory says ${reported[k]}`);
    if (differences.length > 0)
        throw new Error(`eks-gmsa:activeDirectory does not match the directory (${differences.join("; ")}); fix the config or remove domainSid/domainGuid`);
}

export class AccountProvisioning extends pulumi.ComponentResource {
    /** The facts the directory reported (not secret: a domain's SID and GUID are readable by every member). */
    readonly domain: pulumi.Output<DomainFacts>;
    /** What the last run changed (secret, like the whole output). */
    readonly changes: pulumi.Output<string[]>;
    /** The whole-chain check's result when the payload asked for it (secret, like the whole output). */
    readonly chain: pulumi.Output<unknown>;
    /** The provisioning document: who may change it runs code on the management host (accessGuardrail.ts). */
    readonly documentArn: pulumi.Output<string>;

    constructor(name: string, args: AccountProvisioningArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-gmsa:directory:AccountProvisioning", name, accountProvisioningFacts(args), opts);
        const payload = provisioningPayload(args);
        const document = new aws.ssm.Document(
            "ad-provision-accounts",
            {
                name: `${args.clusterName}-ad-provision-accounts`,
                documentType: "Command",
                documentFormat: "JSON",
                content: payload.apply((p) =>
                    adCommandDocument({
                        description: `eks-gmsa: create or correct ${p.identity ? "the gMSA readers' group, the gMSAs and the portable identity" : "the gMSA readers' group and the gMSAs"} of ${args.clusterName}${p.verify ? ", then check the whole chain" : ""}`,
                        payload: p,
                    }),
                ),
                tags: args.tags,
            },
            { parent: this },
        );
        const run = new command.local.Command(
            "ad-provision-accounts-run",
            {
                interpreter: ["/bin/bash", "-c"],
                create: runDocumentScript,
                environment: {
                    INSTANCE_ID: args.managementHostId,
                    DOCUMENT_NAME: document.name,
                    // A new document version (accounts added, group renamed) changes this and runs it again.
                    DOCUMENT_VERSION: document.latestVersion,
                    ...(args.runbookPrefix ? { RUNBOOK_PREFIX: args.runbookPrefix } : {}),
                    AWS_REGION: args.region,
                    ...(args.awsProfile ? { AWS_PROFILE: args.awsProfile } : {}),
                },
                logging: "none",
            },
            { parent: this, additionalSecretOutputs: ["stdout", "stderr"] },
        );
        const result = run.stdout.apply((stdout) => parseAdResult(stdout, args.verify));
        this.domain = pulumi.unsecret(
            result.apply((r) => {
                checkFacts(r.domain, args.expectedFacts);
                return r.domain;
            }),
        );
        // Secret already through additionalSecretOutputs; said again so no refactoring can lose it.
        this.changes = pulumi.secret(result.apply((r) => r.changes));
        this.chain = pulumi.secret(result.apply((r) => r.chain ?? null));
        this.documentArn = document.arn;
        this.registerOutputs({ domain: this.domain });
    }
}
