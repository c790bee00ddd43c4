// gMSA in the cluster, with its optional parts decided here from the settings: the webhook and its
// certificates, the admission rules the API server enforces, the domainless identity, the
// credential specs and who may use them, and the sample workload that proves it end to end. Its
// parts were top-level components before: each keeps its name and an alias to its old top-level
// URN, so nothing moves in AWS or the cluster.
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DomainFacts, GmsaSettings, WindowsNodeSettings } from "../settings/types";
import type { ActiveDirectory } from "./activeDirectory";
import { CredentialSpecs } from "./credentialSpecs";
import { DomainlessIdentity } from "./domainlessIdentity";
import { GmsaAdmission } from "./gmsaAdmission";
import { GmsaWebhook } from "./gmsaWebhook";
import { SampleWorkload } from "./sampleWorkload";
import { movedFromTopLevel } from "./moved";

export interface GmsaInClusterArgs {
    /** eks-gmsa:gmsa. */
    settings: GmsaSettings;
    /** eks-gmsa:activeDirectory.domainName: the domain the gMSAs and the sample live in. */
    domainName: string;
    /** The AD side: its provisioning (the domain facts, the gMSAs in AD), the host that reads the identity, the VPC resolver rule. */
    directory: ActiveDirectory;
    /** eks-gmsa:windowsNodes: the taint, host-process namespaces and Windows version the admission rules and sample follow. */
    windowsNodes: WindowsNodeSettings;
    /** The Windows node role, whose CCG plugin reads the portable identity. */
    windowsNodeRoleName: pulumi.Input<string>;
    windowsNodeRoleArn: pulumi.Input<string>;
    provider: k8s.Provider;
    /** The Linux node group the webhook and cert-manager run on. */
    linuxNodes: pulumi.Resource;
    clusterName: string;
    /** cluster.kubernetesVersion: the Pod Security labels' version. */
    kubernetesVersion: string;
    region: string;
    partition: string;
    /** The stack's operators (caller.ts): they write the identity's secret and read it back. */
    operatorArns: readonly string[];
    protect: boolean;
    tags: Readonly<Record<string, string>>;
}

/** What the plan records about gMSA in the cluster: the shape, never the identity's password. */
export interface GmsaInClusterFacts {
    mode: GmsaSettings["mode"];
    readersGroup: string;
    /** The credential specs' names. */
    credentialSpecs: string[];
    /** Domainless mode: the portable identity's AD username. */
    portableIdentity?: string;
    /** "config" (domainSid/domainGuid given) or "directory" (read back by the provisioning run). */
    domainFactsFrom: "config" | "directory";
    webhookChartVersion: string;
    /** The sample workload's credential spec, when the sample is on. */
    sampleCredentialSpec?: string;
}

export function gmsaInClusterFacts(settings: GmsaSettings): GmsaInClusterFacts {
    return {
        mode: settings.mode,
        readersGroup: settings.readersGroup,
        credentialSpecs: settings.accounts.map((a) => a.name),
        ...(settings.portableIdentity ? { portableIdentity: settings.portableIdentity.username } : {}),
        domainFactsFrom: settings.domain ? "config" : "directory",
        webhookChartVersion: settings.webhook.chartVersion,
        ...(settings.sampleWorkload ? { sampleCredentialSpec: settings.sampleWorkload.credentialSpec } : {}),
    };
}

export class GmsaInCluster extends pulumi.ComponentResource {
    readonly webhook: GmsaWebhook;
    readonly admission: GmsaAdmission;
    /** Domainless mode: the portable identity's secret and key. */
    readonly identity?: DomainlessIdentity;
    /** Absent while the domain's facts are unknown (neither in config nor provisioned). */
    readonly credentialSpecs?: CredentialSpecs;
    readonly sampleWorkload?: SampleWorkload;

    constructor(name: string, args: GmsaInClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-gmsa:gmsa:GmsaInCluster", name, gmsaInClusterFacts(args.settings), opts);
        const gmsa = args.settings;
        const directory = args.directory;
        const child = { ...movedFromTopLevel, parent: this };

        this.webhook = new GmsaWebhook(
            "gmsa-webhook",
            {
                settings: gmsa,
                provider: args.provider,
                linuxNodes: args.linuxNodes,
                protect: args.protect,
                kubernetesVersion: args.kubernetesVersion,
            },
            child,
        );
        // Enforced by the API server itself, whether or not the webhook runs; before any workload.
        this.admission = new GmsaAdmission(
            "gmsa-admission",
            {
                webhookNamespace: this.webhook.namespace,
                hostProcessNamespaces: args.windowsNodes.hostProcessNamespaces,
                ...(args.windowsNodes.taint ? { windowsTaint: args.windowsNodes.taint } : {}),
                provider: args.provider,
            },
            child,
        );
        this.identity = gmsa.portableIdentity
            ? new DomainlessIdentity(
                  "domainless-identity",
                  {
                      clusterName: args.clusterName,
                      username: gmsa.portableIdentity.username,
                      password: gmsa.portableIdentity.password,
                      domainName: args.domainName,
                      region: args.region,
                      partition: args.partition,
                      windowsNodeRoleName: args.windowsNodeRoleName,
                      windowsNodeRoleArn: args.windowsNodeRoleArn,
                      // The host that provisions accounts creates this user in AD: it reads the secret too.
                      ...(directory.portableIdentityReaderRoleArn ? { managementHostRoleArn: directory.portableIdentityReaderRoleArn } : {}),
                      // Where the stack rotates the identity: the function reads and writes the secret.
                      ...(directory.portableIdentityRotation ? { rotation: directory.portableIdentityRotation } : {}),
                      operatorArns: args.operatorArns,
                      protect: args.protect,
                      tags: args.tags,
                  },
                  child,
              )
            : undefined;
        const provisioning = directory.provisioning;
        const domainFacts: pulumi.Input<DomainFacts> | undefined = gmsa.domain ?? provisioning?.domain;
        this.credentialSpecs = domainFacts
            ? new CredentialSpecs(
                  "credential-specs",
                  {
                      accounts: gmsa.accounts,
                      domain: domainFacts,
                      ...(this.identity ? { portableIdentitySecretArn: this.identity.secretArn } : {}),
                      provider: args.provider,
                      crd: this.webhook.release,
                      protect: args.protect,
                      kubernetesVersion: args.kubernetesVersion,
                      readers: { group: gmsa.readersGroup, ...(gmsa.portableIdentity ? { portableIdentity: gmsa.portableIdentity.username } : {}) },
                  },
                  child,
              )
            : undefined;
        const specs = this.credentialSpecs;
        const sample = gmsa.sampleWorkload;
        this.sampleWorkload =
            sample && specs
                ? new SampleWorkload(
                      "sample-workload",
                      {
                          settings: sample,
                          domainName: args.domainName,
                          windowsServerVersion: args.windowsNodes.windowsServerVersion,
                          ...(args.windowsNodes.taint ? { taint: args.windowsNodes.taint } : {}),
                          provider: args.provider,
                          // What a gMSA pod needs before it starts: the webhook, its credential spec (the
                          // webhook resolves the name), RBAC to use it, the gMSA in AD, and host DNS for the domain.
                          admission: [
                              this.webhook.release,
                              this.admission,
                              specs.specs[sample.credentialSpec],
                              ...(directory.dnsForwarding ? [directory.dnsForwarding.association] : []),
                              // Its node reads the portable identity under the final key and resource policies.
                              ...(this.identity ? this.identity.readPolicies : []),
                              // The pod's gMSA must exist in AD before the pod starts.
                              ...(provisioning ? [provisioning] : []),
                              ...specs.rbac[sample.credentialSpec],
                              ...Object.entries(specs.serviceAccounts)
                                  .filter(([key]) => key === `${sample.namespace}/${sample.serviceAccount}`)
                                  .map(([, sa]) => sa),
                          ],
                      },
                      child,
                  )
                : undefined;
        this.registerOutputs({});
    }
}
