// GMSACredentialSpec documents (windows.k8s.io/v1, cluster-scoped). Pure.
// The credspec layout is what New-CredentialSpec writes; the CRD's v1 schema lists these fields
// and no others (unknown fields would be pruned silently by the API server).

import type { DomainFacts } from "../lib/ad/domainFacts";

export type { DomainFacts };

/** The AWS CCG plugin in EKS-optimized Windows AMIs (domainless gMSA). */
export const awsCcgPluginGuid = "{859E1386-BDB4-49E8-85C7-3070B13920E1}";

export interface CredentialSpecArgs {
    /** Kubernetes name of the GMSACredentialSpec. */
    name: string;
    /** gMSA sAMAccountName without '$'. */
    account: string;
    domain: DomainFacts;
    /** Domainless mode: the Secrets Manager secret holding the portable identity. */
    portableIdentitySecretArn?: string;
}

export interface CredentialSpecDocument {
    apiVersion: "windows.k8s.io/v1";
    kind: "GMSACredentialSpec";
    metadata: { name: string; labels: Record<string, string> };
    credspec: {
        CmsPlugins: string[];
        DomainJoinConfig: { Sid: string; MachineAccountName: string; Guid: string; DnsTreeName: string; DnsName: string; NetBiosName: string };
        ActiveDirectoryConfig: {
            GroupManagedServiceAccounts: { Name: string; Scope: string }[];
            HostAccountConfig?: { PortableCcgVersion: string; PluginGUID: string; PluginInput: string };
        };
    };
}

/** PluginInput of the AWS plugin: JSON text naming the secret, nothing else (never the password). */
export function awsPluginInput(secretArn: string): string {
    return JSON.stringify({ credentialArn: secretArn });
}

/** Known before the domain facts are: the resource's name never waits for the directory. */
export function credentialSpecMetadata(name: string): CredentialSpecDocument["metadata"] {
    return { name, labels: { "app.kubernetes.io/managed-by": "eks-gmsa" } };
}

export function renderCredentialSpec(a: CredentialSpecArgs): CredentialSpecDocument {
    const activeDirectoryConfig: CredentialSpecDocument["credspec"]["ActiveDirectoryConfig"] = {
        // The account under both scopes, as New-CredentialSpec writes it: clients may name the
        // domain either way.
        GroupManagedServiceAccounts: [
            { Name: a.account, Scope: a.domain.dnsName },
            { Name: a.account, Scope: a.domain.netbiosName },
        ],
    };
    if (a.portableIdentitySecretArn) {
        activeDirectoryConfig.HostAccountConfig = {
            PortableCcgVersion: "1",
            PluginGUID: awsCcgPluginGuid,
            PluginInput: awsPluginInput(a.portableIdentitySecretArn),
        };
    }
    return {
        apiVersion: "windows.k8s.io/v1",
        kind: "GMSACredentialSpec",
        metadata: credentialSpecMetadata(a.name),
        credspec: {
            CmsPlugins: ["ActiveDirectory"],
            DomainJoinConfig: {
                Sid: a.domain.sid,
                MachineAccountName: a.account,
                Guid: a.domain.guid,
                DnsTreeName: a.domain.forestName,
                DnsName: a.domain.dnsName,
                NetBiosName: a.domain.netbiosName,
            },
            ActiveDirectoryConfig: activeDirectoryConfig,
        },
    };
}

/** What a credential spec says, read back (review tooling reads plans with it); a missing or odd field is undefined. */
export interface CredentialSpecFacts {
    /** The gMSA (DomainJoinConfig.MachineAccountName). */
    account?: string;
    domain: Partial<DomainFacts>;
    /** Carries HostAccountConfig: the CCG plugin fetches the gMSA password with a portable identity. */
    domainless: boolean;
    /** The secret HostAccountConfig.PluginInput names (domainless). */
    credentialArn?: string;
}

/** Reads a `credspec` as renderCredentialSpec writes it, tolerating anything else. */
export function readCredentialSpec(credspec: unknown): CredentialSpecFacts {
    const field = (o: unknown, key: string): unknown =>
        typeof o === "object" && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>)[key] : undefined;
    const text = (v: unknown) => (typeof v === "string" ? v : undefined);
    const join = field(credspec, "DomainJoinConfig");
    const host = field(field(credspec, "ActiveDirectoryConfig"), "HostAccountConfig");
    let pluginInput: unknown;
    try {
        pluginInput = JSON.parse(String(field(host, "PluginInput")));
    } catch {
        pluginInput = undefined;
    }
    const domain: { -readonly [K in keyof DomainFacts]?: string } = {};
    const keys = [
        ["dnsName", "DnsName"],
        ["forestName", "DnsTreeName"],
        ["netbiosName", "NetBiosName"],
        ["sid", "Sid"],
        ["guid", "Guid"],
    ] as const;
    for (const [key, name] of keys) {
        const value = text(field(join, name));
        if (value !== undefined) domain[key] = value;
    }
    return {
        account: text(field(join, "MachineAccountName")),
        domain,
        domainless: host !== undefined && host !== null,
        credentialArn: text(field(pluginInput, "credentialArn")),
    };
}
