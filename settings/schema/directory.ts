// The declarations of eks-gmsa:activeDirectory and eks-gmsa:gmsa: type, default, rules text and
// check of each setting. Rules between keys (mode, managedDirectory) stay in the readers.
import { certManagerVersionProblem, defaultCertManagerVersion, gmsaChartVersions } from "../catalog";
import * as check from "../checks";
import { Type } from "@sinclair/typebox";
import { flag, item, list, oneOf, optional, section, shownDefaultKey, text, whole } from "./fields";

export const managedDirectory = section(
    { edition: optional(oneOf(["Standard", "Enterprise"] as const, { rules: "`Standard` or `Enterprise`", default: "Standard" })) },
    {
        rules: "`{edition: Standard}` (or `Enterprise`): **greenfield** — the stack creates an AWS Managed Microsoft AD in the first two private subnets, with its `Admin` password from `eks-gmsa:directoryAdminPassword`. Then `dnsServers`, `directoryId`, `domainSid`, `domainGuid` and `adminCredentialsSecretArn` must not be set (they come from the directory), `forestName` is the domain name, and `provisionAccounts` is on",
    },
);

export const activeDirectory = section({
    domainName: text({ rules: "the AD DNS domain, fully qualified (`corp.example.com`); stored lower-case", check: check.domainName }),
    netbiosName: text({
        rules: "1–15 characters, letters, digits and `-`, not all digits, not starting with `-` (so no `.`: Microsoft says not to use periods in NetBIOS domain names); it may be the first label of `domainName` or anything else; stored upper-case",
        check: check.netbiosName,
    }),
    dnsServers: optional(
        list(item(check.ipv4), {
            rules: "1–15 IPv4 addresses of the AD DNS servers (usually the domain controllers); required without `managedDirectory`, not with it (the directory's addresses are used). With a VPC the stack creates, each must be reachable: not inside `network.vpcCidr` (no existing controller can be there) and inside one of `network.transitGateway.routes`. With an existing VPC (`network.vpcId`) this cannot be checked offline",
            uniqueItems: true,
            minItems: 1,
            maxItems: 15,
        }),
    ),
    managedDirectory: optional(managedDirectory),
    provisionAccounts: optional(
        flag({
            rules: "create (and correct) the readers' group, the gMSAs and, in domainless mode, the portable identity in AD, from the management host in the VPC; the domain SID and GUID are then read from the directory",
            shownDefault: "`true` with `managedDirectory`, else `false`",
        }),
    ),
    adminCredentialsSecretArn: optional(
        text({
            rules: 'full ARN of a Secrets Manager secret holding `{"username","password"}` of an AD account allowed to do that (for an existing directory); required with `provisionAccounts` and in gMSA `domainJoined` mode (adding nodes to the readers\' group, deleting removed nodes\' computer accounts). A bare username is taken as `NETBIOS\\username`',
            check: check.secretArn,
        }),
    ),
    accountsOu: optional(
        text({
            rules: "where the group and the portable identity are created, as a distinguished name of `OU=`/`CN=` components then the domain's `DC=` components. Only with `provisionAccounts` (an error otherwise). Rules below",
            shownDefault: "`OU=Users,OU=<NETBIOS>,…` with `managedDirectory`, else `CN=Users,…`",
            check: check.containerDn,
        }),
    ),
    forestName: optional(
        text({ rules: "DNS name of the forest root; must be `domainName` or a parent of it", shownDefault: "`domainName`", check: check.domainName }),
    ),
    domainSid: optional(
        text({
            rules: "`S-1-5-21-a-b-c`, `(Get-ADDomain).DomainSID` or `npm run ad -- discover --format config`; required with `gmsa.accounts` unless `provisionAccounts` (then, when given, the run checks the directory agrees)",
            check: check.domainSid,
        }),
    ),
    domainGuid: optional(
        text({ rules: "`(Get-ADDomain).ObjectGUID`, with or without braces; stored lower-case without them; same rule as `domainSid`", check: check.guid }),
    ),
    vpcResolver: optional(
        text({
            rules: "`create` (Route 53 Resolver outbound endpoint and a forwarding rule for the domain), a rule ID `rslvr-rr-…` to associate an existing rule, or `none`",
            shownDefault: "`create` in gMSA domainless mode, else `none`",
            check: (v) =>
                v === "create" || v === "none" || /^rslvr-rr-[0-9a-f]{17}$/.test(v)
                    ? undefined
                    : "must be create, none, or a Route 53 Resolver rule ID such as rslvr-rr-0123456789abcdef0",
        }),
    ),
    directoryId: optional(
        text({
            rules: "`d-` and 10 hex digits: the AWS Directory Service directory (Managed Microsoft AD or AD Connector) Windows nodes join; required in gMSA `domainJoined` mode on an existing directory",
            check: (v) => (/^d-[0-9a-f]{10}$/.test(v) ? undefined : "must be an AWS Directory Service ID such as d-1234567890"),
        }),
    ),
    joinOu: optional(
        text({
            rules: "OU dedicated to this cluster's nodes' computer accounts, as a distinguished name of `OU=` components then the domain's `DC=` components (`OU=EKS,DC=corp,DC=example,DC=com`); the lifecycle runbooks touch no computer account outside it (docs/active-directory.md). Only in `gmsa.mode: domainJoined` (an error otherwise), where it is required with an existing directory. Rules below",
            shownDefault: "`OU=Computers,OU=<netbiosName>,…` with `managedDirectory`",
            check: check.ouDn,
        }),
    ),
});

export const gmsaPrincipals = section({
    namespace: text({
        rules: "a namespace (DNS-1123 label) whose service accounts may use the credential spec; not the webhook's, cert-manager's or `kube-system` (the webhook skips those)",
        check: check.dns1123Label,
    }),
    serviceAccounts: list(item(check.dns1123Subdomain), { rules: "the service accounts (at least one)", uniqueItems: true, minItems: 1 }),
    create: optional(flag({ rules: "`true` creates the namespace and service accounts (otherwise they must exist)", default: false })),
});

export const gmsaAccount = section({
    name: text({ rules: "the GMSACredentialSpec's name (a DNS-1123 subdomain, cluster-wide)", check: check.dns1123Subdomain }),
    account: text({
        rules: "the gMSA's sAMAccountName without `$`, at most 15 characters; not a built-in or well-known account name (`Administrator`, `krbtgt`, `Admin`, …)",
        check: check.gmsaAccountName,
    }),
    allowed: list(gmsaPrincipals, { rules: "at least one `{namespace, serviceAccounts: [..], create: false}` that may use this credential spec", minItems: 1 }),
});

export const webhook = section(
    {
        namespace: optional(text({ rules: "a DNS label", default: "gmsa-webhook", check: check.dns1123Label })),
        releaseName: optional(
            text({
                rules: "a DNS label, at most 53 characters (Helm release names)",
                default: "gmsa-webhook",
                check: (v) => check.dns1123Label(v) ?? (v.length > 53 ? "must be at most 53 characters (Helm release names)" : undefined),
            }),
        ),
        chartVersion: optional(
            oneOf(gmsaChartVersions, {
                rules: `a version this program is checked against: ${gmsaChartVersions.map((v) => `\`${v}\``).join(", ")}`,
                default: gmsaChartVersions[0],
            }),
        ),
        // Two replicas behind a PodDisruptionBudget: one can be drained while the other admits pods.
        replicas: optional(whole({ rules: "2 to 10", default: 2, minimum: 2, maximum: 10 })),
        // On by default: a Deployment's replicas share the first 15 characters of their pod names
        // (name-<template hash>-<suffix>), so without it every replica has the same NetBIOS name and
        // they knock each other's secure channel to the domain off (microsoft/Windows-Containers#405).
        randomHostname: optional(
            flag({
                rules: "`true` or `false`: the webhook gives each new pod that uses a gMSA and sets no `spec.hostname` a random 15-character hostname, so replicas never share a NetBIOS name ([gmsa.md](gmsa.md#pod-hostnames))",
                default: true,
            }),
        ),
    },
    { rules: "the gMSA admission webhook's Helm release" },
);

export const certManager = section(
    {
        namespace: optional(text({ rules: "a DNS label", default: "cert-manager", check: check.dns1123Label })),
        releaseName: optional(text({ rules: "a DNS label", default: "cert-manager", check: check.dns1123Label })),
        version: optional(
            text({
                rules: "`v1.19.2` or later (from v1.19.2 the chart merges `global.nodeSelector` into each component's; earlier charts ignore or reject it). The default is the latest patch of the newest supported line; cert-manager supports the last two lines and only their last patch. 1.21 supports Kubernetes 1.33 to 1.36: on a 1.32 cluster pin the latest `v1.20` patch (1.32 to 1.35)",
                default: defaultCertManagerVersion,
                check: certManagerVersionProblem,
            }),
        ),
    },
    { rules: "cert-manager's Helm release (it issues the webhook's serving certificate)" },
);

export const sampleWorkload = section(
    {
        enabled: optional(flag({ rules: "the IIS Deployment and verification Job", default: false })),
        credentialSpec: optional(text({ rules: "must be one of `accounts`", shownDefault: "the first account", check: check.dns1123Subdomain })),
        namespace: optional(
            text({ rules: "must be allowed to use that credential spec", shownDefault: "its first allowed namespace", check: check.dns1123Label }),
        ),
        serviceAccount: optional(
            text({
                rules: "must be allowed to use that credential spec",
                shownDefault: "that namespace's first service account",
                check: check.dns1123Subdomain,
            }),
        ),
    },
    { rules: "an IIS Deployment that uses a credential spec, and a Job that verifies it" },
);

/**
 * Rotation of the portable identity between two AD users (the secret names one; a rotation sets a
 * new password on the other, checks the chain with it, then switches the secret to it). Possible
 * only where the stack has a management host that sets AD passwords: domainless mode with
 * activeDirectory.provisionAccounts (on by default with managedDirectory).
 */
export const rotationScheduleLimits = { minimum: 1, maximum: 1000 } as const;

export const rotation = section(
    {
        schedule: optional(
            Type.Union([whole({ rules: "days", ...rotationScheduleLimits }), Type.Literal("off")], {
                description:
                    "whole days between rotations, 1 to 1000 (Secrets Manager's range), or `off`: no schedule, but the rotation function, its IAM, its SSM document and the failure topic are still made, so a rotation can be started by hand. Only where a rotation can run: `gmsa.mode: domainless` with `activeDirectory.provisionAccounts` (or `managedDirectory`); elsewhere a number is an error ([active-directory.md](active-directory.md))",
                [shownDefaultKey]: "`30` where a rotation can run, else no rotation",
            }),
        ),
        alternateUsername: optional(
            text({
                rules: "the second AD user the secret alternates with (same rules as `username`, and not equal to it); the stack creates it in the readers' group. Only where a rotation can run. Set it when `username` is longer than 18 characters (the default would exceed AD's 20)",
                shownDefault: "`<username>-b`",
                check: check.portableIdentityName,
            }),
        ),
    },
    { rules: "rotation of the portable identity's password between two AD users: `{schedule, alternateUsername}`" },
);

export const gmsa = section({
    mode: optional(oneOf(["domainless", "domainJoined"] as const, { rules: "`domainless` or `domainJoined`", default: "domainless" })),
    accounts: optional(list(gmsaAccount, { rules: "list of `{name, account, allowed}` (below); names and accounts unique", default: [] })),
    readersGroup: optional(
        text({
            rules: 'the AD security group allowed to retrieve the gMSAs\' passwords (provisioning creates it; in `domainJoined` mode each node\'s computer account joins it); printable ASCII, at most 64 characters, none of `" / \\ [ ] : ; | = , + * ? < > @`. Every Windows node can use it: see [gmsa.md, "Isolation between apps"](gmsa.md#isolation-between-apps)',
            default: "eks-gmsa-readers",
            check: check.readersGroupName,
        }),
    ),
    portableIdentity: optional(
        section(
            {
                username: text({
                    rules: "the AD user (sAMAccountName, no `DOMAIN\\`, printable ASCII) whose group may retrieve the gMSA passwords",
                    check: check.portableIdentityName,
                }),
                rotation: optional(rotation),
            },
            { rules: "domainless only, required there: `{username, rotation}`" },
        ),
    ),
    webhook: optional(webhook),
    certManager: optional(certManager),
    sampleWorkload: optional(sampleWorkload),
});
