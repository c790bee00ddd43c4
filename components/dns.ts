// CoreDNS as an EKS managed add-on whose Corefile forwards the AD domain to the AD DNS servers.
// Given through the add-on's configuration values, so add-on updates keep it.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { renderCorefile } from "./corefile";

export interface CoreDnsArgs {
    clusterName: pulumi.Input<string>;
    /** The node group CoreDNS pods run on: the add-on stays degraded until nodes exist. */
    nodeGroup: pulumi.Resource;
    addonVersion?: string;
    /** The AD domain and its DNS servers (outputs when the stack creates the directory). */
    activeDirectory?: { domainName: string; dnsServers: pulumi.Input<string[]> };
    tags: Readonly<Record<string, string>>;
}

/** The coredns add-on's configuration values (schema key `corefile`, a string). */
export function corednsConfiguration(activeDirectory: { domainName: string; dnsServers: readonly string[] } | undefined): string {
    const forwarders = activeDirectory ? [{ domain: activeDirectory.domainName, servers: activeDirectory.dnsServers }] : [];
    return JSON.stringify({ corefile: renderCorefile(forwarders) });
}

/**
 * What the plan records about CoreDNS: its add-on version and the domain it forwards to AD. Plain
 * values only: an Output among a component's inputs (the directory's DNS addresses) would hold back
 * its children until the directory exists.
 */
export interface CoreDnsFacts {
    addonVersion?: string;
    /** The AD domain CoreDNS forwards to the directory's DNS servers. */
    forwardsDomain?: string;
}

export function coreDnsFacts(args: CoreDnsArgs): CoreDnsFacts {
    return {
        ...(args.addonVersion ? { addonVersion: args.addonVersion } : {}),
        ...(args.activeDirectory ? { forwardsDomain: args.activeDirectory.domainName } : {}),
    };
}

export class CoreDns extends pulumi.ComponentResource {
    readonly addonArn: pulumi.Output<string>;

    constructor(name: string, args: CoreDnsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-gmsa:dns:CoreDns", name, coreDnsFacts(args), opts);
        const addon = new aws.eks.Addon(
            "coredns",
            {
                clusterName: args.clusterName,
                addonName: "coredns",
                ...(args.addonVersion ? { addonVersion: args.addonVersion } : {}),
                configurationValues: args.activeDirectory
                    ? pulumi
                          .output(args.activeDirectory.dnsServers)
                          .apply((dnsServers) => corednsConfiguration({ domainName: args.activeDirectory!.domainName, dnsServers }))
                    : corednsConfiguration(undefined),
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "OVERWRITE",
                preserve: true,
                tags: args.tags,
            },
            { parent: this, dependsOn: [args.nodeGroup] },
        );
        this.addonArn = addon.arn;
        this.registerOutputs({ addonArn: this.addonArn });
    }
}
