// A Windows IIS Deployment running as a gMSA, and a Job that proves the identity works
// (nltest /sc_verify and klist get krbtgt). Read its result with
// kubectl -n <namespace> logs job/gmsa-verify.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { gmsaPodBasics, iisImage, servercoreImage, verificationScript } from "./workloadSpecs";
import type { SampleWorkloadSettings, Taint, WindowsServerVersion } from "../settings/types";

export interface SampleWorkloadArgs {
    settings: SampleWorkloadSettings;
    domainName: string;
    windowsServerVersion: WindowsServerVersion;
    taint?: Taint;
    provider: k8s.Provider;
    /** What a gMSA pod needs before it starts: the webhook, the credential spec, RBAC to use it, the gMSA in AD, host DNS for the domain. */
    admission: pulumi.Resource[];
}

export const verificationJobName = "gmsa-verify";

/** What the plan records about the sample: which spec, where, on which Windows version. */
export interface SampleWorkloadFacts extends SampleWorkloadSettings {
    domainName: string;
    windowsServerVersion: WindowsServerVersion;
}

export class SampleWorkload extends pulumi.ComponentResource {
    constructor(name: string, args: SampleWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
        super(
            "eks-gmsa:workloads:SampleWorkload",
            name,
            {
                credentialSpec: args.settings.credentialSpec,
                namespace: args.settings.namespace,
                serviceAccount: args.settings.serviceAccount,
                domainName: args.domainName,
                windowsServerVersion: args.windowsServerVersion,
            } satisfies SampleWorkloadFacts,
            opts,
        );
        const s = args.settings;
        const basics = gmsaPodBasics({ credentialSpec: s.credentialSpec, serviceAccount: s.serviceAccount, taint: args.taint });
        const labels = { app: "gmsa-sample-iis", "app.kubernetes.io/managed-by": "eks-gmsa" };
        const k8sOpts = { parent: this, provider: args.provider, dependsOn: args.admission };

        new k8s.apps.v1.Deployment(
            "sample-iis",
            {
                metadata: { name: "gmsa-sample-iis", namespace: s.namespace, labels },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: { app: labels.app } },
                    template: {
                        metadata: { labels },
                        spec: {
                            ...basics,
                            containers: [{ name: "iis", image: iisImage(args.windowsServerVersion), ports: [{ containerPort: 80, name: "http" }] }],
                        },
                    },
                },
            },
            { ...k8sOpts, customTimeouts: { create: "30m", update: "30m" } },
        );

        new k8s.batch.v1.Job(
            "gmsa-verify",
            {
                metadata: {
                    name: verificationJobName,
                    namespace: s.namespace,
                    labels: { app: verificationJobName, "app.kubernetes.io/managed-by": "eks-gmsa" },
                    // `pulumi up` does not wait on it: the first Windows image pull takes many minutes.
                    annotations: { "pulumi.com/skipAwait": "true" },
                },
                spec: {
                    backoffLimit: 3,
                    template: {
                        metadata: { labels: { app: verificationJobName } },
                        spec: {
                            ...basics,
                            restartPolicy: "Never",
                            containers: [
                                {
                                    name: "verify",
                                    image: servercoreImage(args.windowsServerVersion),
                                    command: ["powershell.exe", "-NoLogo", "-NonInteractive", "-Command", verificationScript(args.domainName)],
                                },
                            ],
                        },
                    },
                },
            },
            k8sOpts,
        );
        this.registerOutputs({});
    }
}
