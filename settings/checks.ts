// Single-value checks: each returns what is wrong, or undefined. Pure and reused by the validator
// (and later by the credspec and policy code).
import { cidrProblem, isIpv4, isPrivate, parseCidr } from "../lib/cidr";
import { dnsNameOf, domainRdns, formatDn, isAtOrBelow, parseDn, type Rdn } from "../lib/ad/dn";
import { domainSidProblem, guidProblem } from "../lib/ad/domainFacts";
import { windowsInstanceFamilies } from "./catalog";
import { instanceTypeProblem } from "./awsLists";
// The names the AD code refuses to act on; components/scripts/ad/names.py reads the same file.
import wellKnownNames from "../components/scripts/ad/well-known-names.json";

const partition = "aws(-cn|-us-gov)?";

export function iamRoleArn(v: string): string | undefined {
    return new RegExp(`^arn:${partition}:iam::[0-9]{12}:role/([\\w+=,.@-]+/)*[\\w+=,.@-]{1,64}$`).test(v)
        ? undefined
        : "must be an IAM role ARN such as arn:aws:iam::123456789012:role/platform-deploy";
}

/** Access entries take IAM users and roles (not assumed-role sessions, groups or root). */
export function iamPrincipalArn(v: string): string | undefined {
    if (/:sts::[0-9]{12}:assumed-role\//.test(v)) return "is an STS session ARN; use the role's ARN (arn:aws:iam::<account>:role/<name>)";
    return new RegExp(`^arn:${partition}:iam::[0-9]{12}:(user|role)/([\\w+=,.@-]+/)*[\\w+=,.@-]{1,64}$`).test(v)
        ? undefined
        : "must be an IAM user or role ARN such as arn:aws:iam::123456789012:role/platform-admins";
}

export function cidr(v: string): string | undefined {
    return cidrProblem(v);
}

/** A new VPC's CIDR: canonical, /16 to /24, private. */
export function vpcCidr(v: string): string | undefined {
    const problem = cidrProblem(v);
    if (problem) return problem;
    const block = parseCidr(v);
    if (block.prefix < 16 || block.prefix > 24) return "must have a prefix from /16 to /24 (AWS allows /16 to /28; nodes and pods need room)";
    if (!isPrivate(block)) return "must be inside a private range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)";
    return undefined;
}

/** The Kubernetes service CIDR: canonical, private, /12 to /24 (EKS rules; apart from the VPC is checked with it). */
export function serviceCidr(v: string): string | undefined {
    const problem = cidrProblem(v);
    if (problem) return problem;
    const block = parseCidr(v);
    if (!isPrivate(block)) return "must be inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (EKS rule)";
    if (block.prefix < 12 || block.prefix > 24) return "must have a prefix from /12 to /24 (EKS rule)";
    return undefined;
}

export function ipv4(v: string): string | undefined {
    return isIpv4(v) ? undefined : "must be an IPv4 address such as 10.0.0.2";
}

/** DNS-1123 label: Kubernetes namespace and most object names. */
export function dns1123Label(v: string): string | undefined {
    return /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(v)
        ? undefined
        : "must be a DNS-1123 label: lower-case letters, digits and '-', at most 63 characters, starting and ending with a letter or digit";
}

/** A fully qualified DNS domain name such as corp.example.com. */
export function domainName(v: string): string | undefined {
    if (v.length > 253) return "must be at most 253 characters";
    const labels = v.split(".");
    if (labels.length < 2) return "must be a fully qualified domain name with at least two labels, such as corp.example.com";
    const bad = labels.find((l) => !/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
    if (bad !== undefined)
        return `has an invalid label ${JSON.stringify(bad)}: letters, digits and '-' only, 1 to 63 characters, not starting or ending with '-'`;
    if (/^[0-9]+$/.test(labels[labels.length - 1])) return "must not end in a numeric label";
    return undefined;
}

/** NetBIOS domain name: at most 15 characters, none of the characters Windows forbids. */
export function netbiosName(v: string): string | undefined {
    if (v.length < 1 || v.length > 15) return `must be 1 to 15 characters (this one has ${v.length})`;
    if (/[\\/:*?"<>|.\s,~!@#$%^&'(){}_]/.test(v)) return "may hold only letters, digits and '-'";
    if (/^[0-9]+$/.test(v)) return "must not be all digits";
    if (v.startsWith("-")) return "must not start with '-'";
    return undefined;
}

export function ec2InstanceType(v: string): string | undefined {
    return /^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(v) ? undefined : "must be an EC2 instance type such as m6i.xlarge";
}

/** Arm (Graviton) families: a1, and those with a 'g' after the generation digit (m6g, c7gn, t4g, g5g, im4gn). */
export function isArmInstanceType(v: string): boolean {
    return /^a1\./.test(v) || /^[a-z]+[0-9]+g[a-z-]*\./.test(v);
}

export function windowsInstanceType(v: string): string | undefined {
    const shape = ec2InstanceType(v);
    if (shape) return shape;
    return instanceTypeProblem(v, (t) => windowsInstanceRules(t) === undefined) ?? windowsInstanceRules(v);
}

/** The Windows node group's own rules for a real EC2 type: x86_64, a supported family, at least medium. */
function windowsInstanceRules(v: string): string | undefined {
    if (isArmInstanceType(v)) return "is a Graviton (arm64) type; EKS Windows AMIs run on x86_64 only";
    const [family, size] = v.split(".");
    if (!(windowsInstanceFamilies as readonly string[]).includes(family)) {
        return `family ${family} is not supported for EKS Windows nodes; use one of ${windowsInstanceFamilies.join(", ")}`;
    }
    if (["nano", "micro", "small"].includes(size)) return "is too small for a Windows node (at least medium: the OS, kubelet and containerd need about 2 GiB)";
    return undefined;
}

export function linuxInstanceType(v: string): string | undefined {
    const shape = ec2InstanceType(v);
    if (shape) return shape;
    return instanceTypeProblem(v, (t) => linuxInstanceRules(t) === undefined) ?? linuxInstanceRules(v);
}

/** The Linux node group's own rules for a real EC2 type: x86_64 (the AL2023 x86_64 AMI), at least small. */
function linuxInstanceRules(v: string): string | undefined {
    if (isArmInstanceType(v)) return "is a Graviton (arm64) type; the Linux node group uses the AL2023 x86_64 AMI";
    if (["nano", "micro"].includes(v.split(".")[1])) return "is too small for system pods (CoreDNS, the gMSA webhook, cert-manager); use at least small";
    return undefined;
}

export function amiId(v: string): string | undefined {
    return /^ami-[0-9a-f]{8}([0-9a-f]{9})?$/.test(v) ? undefined : "must be an AMI ID such as ami-0123456789abcdef0";
}

export function vpcId(v: string): string | undefined {
    return /^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/.test(v) ? undefined : "must be a VPC ID such as vpc-0123456789abcdef0";
}

export function transitGatewayId(v: string): string | undefined {
    return /^tgw-[0-9a-f]{17}$/.test(v) ? undefined : "must be a transit gateway ID such as tgw-0123456789abcdef0";
}

export function subnetId(v: string): string | undefined {
    return /^subnet-[0-9a-f]{8}([0-9a-f]{9})?$/.test(v) ? undefined : "must be a subnet ID such as subnet-0123456789abcdef0";
}

/** EKS cluster names: 1-100 characters, alphanumeric first, then alphanumerics, '-' and '_'. */
export function eksClusterName(v: string): string | undefined {
    return /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/.test(v)
        ? undefined
        : "must be 1 to 100 characters: letters, digits, '-' and '_', starting with a letter or digit";
}

/** Kubernetes label key: optional DNS prefix and a name of at most 63 characters. */
export function labelKey(v: string): string | undefined {
    const parts = v.split("/");
    if (parts.length > 2) return "must be [prefix/]name";
    const name = parts[parts.length - 1];
    if (parts.length === 2 && (parts[0].length > 253 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(parts[0])))
        return "has an invalid prefix (must be a DNS subdomain)";
    if (!/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(name))
        return "must be a Kubernetes label name: at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit";
    return undefined;
}

export function labelValue(v: string): string | undefined {
    return v === "" || /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(v)
        ? undefined
        : "must be a Kubernetes label value: at most 63 characters of letters, digits, '-', '_' and '.'";
}

export function awsTagKey(v: string): string | undefined {
    if (v.length < 1 || v.length > 128) return "must be 1 to 128 characters";
    if (v.toLowerCase().startsWith("aws:")) return "must not start with aws: (reserved by AWS)";
    return undefined;
}

export function awsTagValue(v: string): string | undefined {
    return v.length <= 256 ? undefined : "must be at most 256 characters";
}

/**
 * Labels a kubelet may give its own node. The NodeRestriction admission plugin refuses labels
 * under kubernetes.io and k8s.io (except node.kubernetes.io/ and kubelet.kubernetes.io/), so a
 * node asking for one would never register. eks-gmsa.io/node-role is ours.
 * Source: https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#noderestriction
 */
export function nodeLabelKey(v: string): string | undefined {
    const shape = labelKey(v);
    if (shape) return shape;
    const prefix = v.includes("/") ? v.split("/")[0] : "";
    const restricted = /(^|\.)(kubernetes\.io|k8s\.io)$/.test(prefix) && !/(^|\.)(node|kubelet)\.kubernetes\.io$/.test(prefix);
    if (restricted)
        return "is under kubernetes.io or k8s.io, which a kubelet may not set on its node (NodeRestriction); use your own prefix or node.kubernetes.io/";
    if (v === "eks-gmsa.io/node-role") return "is set by eks-gmsa (windows) and cannot be overridden";
    return undefined;
}

/** Domain SID: S-1-5-21 followed by three sub-authorities (lib/ad/domainFacts.ts holds the rule). */
export function domainSid(v: string): string | undefined {
    return domainSidProblem(v);
}

/** A GUID in registry form, e.g. 244818ae-87ca-4fcd-92ec-e79e5252348a (lib/ad/domainFacts.ts holds the rule). */
export function guid(v: string): string | undefined {
    return guidProblem(v);
}

/**
 * sAMAccountName of a gMSA, without its trailing '$': at most 15 characters (a computer-style
 * account), none of the characters AD forbids.
 */
export function gmsaAccountName(v: string): string | undefined {
    if (v.endsWith("$")) return "must be given without the trailing '$'";
    if (v.length < 1 || v.length > 15) return `must be 1 to 15 characters (this one has ${v.length}); AD limits gMSA names like computer names`;
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(v)) return "may hold only letters, digits, '-' and '_', starting with a letter or digit";
    // The management host's names.gmsa_name refuses the same: say so at plan time, not mid-deploy.
    if (isWellKnown(v, wellKnownNames.users, wellKnownNames.userPrefixes))
        return "is a built-in or well-known account name; name the gMSA for its application (eks-gmsa creates it and may delete it)";
    return undefined;
}

/** AD's limit on a user's sAMAccountName. */
export const userAccountNameLimit = 20;

/** sAMAccountName of a user: at most 20 characters, none of "/\[]:;|=,+*?<>@ and no trailing '.'. */
export function userAccountName(v: string): string | undefined {
    const ascii = asciiOnly(v);
    if (ascii) return ascii;
    if (v.length < 1 || v.length > userAccountNameLimit) return `must be 1 to ${userAccountNameLimit} characters (this one has ${v.length})`;
    if (/["/\\[\]:;|=,+*?<>@\s]/.test(v))
        return 'must not contain spaces or any of " / \\ [ ] : ; | = , + * ? < > @ (give the bare sAMAccountName, not DOMAIN\\user or user@domain)';
    if (v.endsWith(".")) return "must not end with '.'";
    return undefined;
}

/** DNS-1123 subdomain: names of cluster-scoped objects and service accounts. */
export function dns1123Subdomain(v: string): string | undefined {
    return v.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(v)
        ? undefined
        : "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit";
}

/** sAMAccountName of a security group: at most 64 characters here (what AD tools accept), no reserved characters. */
export function groupAccountName(v: string): string | undefined {
    const ascii = asciiOnly(v);
    if (ascii) return ascii;
    if (v.length < 1 || v.length > 64) return `must be 1 to 64 characters (this one has ${v.length})`;
    if (/["/\\[\]:;|=,+*?<>@]/.test(v)) return 'must not contain any of " / \\ [ ] : ; | = , + * ? < > @ (give the bare group name)';
    if (v.endsWith(".") || v.trim() !== v) return "must not start or end with a space or end with '.'";
    return undefined;
}

/** Whether v is one of the names, or starts with one of the prefixes (case-insensitive, as AD compares). */
function isWellKnown(v: string, names: readonly string[], prefixes: readonly string[]): boolean {
    const lower = v.toLowerCase();
    return names.some((n) => n.toLowerCase() === lower) || prefixes.some((p) => lower.startsWith(p.toLowerCase()));
}

/**
 * The readers' group: a group name that is none of AD's built-in or well-known groups (nor AWS
 * Managed Microsoft AD's): eks-gmsa adds members to it, and `remove` may delete it.
 */
export function readersGroupName(v: string): string | undefined {
    const shape = groupAccountName(v);
    if (shape) return shape;
    if (isWellKnown(v, wellKnownNames.groups, wellKnownNames.groupPrefixes))
        return "is a built-in or well-known group; give eks-gmsa a group of its own (it adds members to it and may delete it)";
    return undefined;
}

/**
 * The portable identity: a user name that is none of AD's built-in or well-known accounts (nor AWS
 * Managed Microsoft AD's Admin): eks-gmsa sets its password when it creates it.
 */
export function portableIdentityName(v: string): string | undefined {
    const shape = userAccountName(v);
    if (shape) return shape;
    if (isWellKnown(v, wellKnownNames.users, wellKnownNames.userPrefixes))
        return "is a built-in or well-known account; give the portable identity an account of its own";
    return undefined;
}

/** A Secrets Manager secret ARN (full, with the six-character suffix Secrets Manager appends). */
export function secretArn(v: string): string | undefined {
    return /^arn:aws(-cn|-us-gov)?:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/.test(v)
        ? undefined
        : "must be the full ARN of a Secrets Manager secret such as arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/ad-admin-AbCdEf";
}

/**
 * Names of AD objects: printable ASCII only, the allow-list the management host's Python applies
 * too (components/scripts/ad/names.py), so a name it would refuse fails the plan, not the deploy.
 * The names go into LDAP filters and DNs and are compared without case (reserved names, the join
 * OU), which AD, Python and TypeScript do alike for ASCII but not for every other letter.
 */
export function asciiOnly(v: string): string | undefined {
    const bad = [...v].find((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) > 0x7e);
    if (bad === undefined) return undefined;
    const code = `U+${bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
    return `contains ${code}, which is not printable ASCII; names of AD objects must be printable ASCII here (the management host's Python refuses anything else: these names go into LDAP filters and DNs and are compared without case)`;
}

/** The shape of a directory DN: OU and container names first, then the domain's DC= components. */
function directoryDnProblem(v: string, what: string, example: string, pathTypes: readonly string[]): string | undefined {
    const parsed = parseDn(v);
    if (!parsed.ok) return `must be ${what} such as ${example}; this one ${parsed.problem}`;
    const firstDc = parsed.rdns.findIndex((r) => r.type === "DC");
    if (firstDc <= 0) return `must be ${what} such as ${example}: ${pathTypes.join(" or ")} components, then the domain's DC= components`;
    const misplaced = parsed.rdns.find((r, i) => (i < firstDc ? !pathTypes.includes(r.type) : r.type !== "DC"));
    if (misplaced)
        return `must be ${what} such as ${example}: ${misplaced.type}=${misplaced.value} is out of place (${pathTypes.join(" or ")} components, then only DC= components)`;
    for (const r of parsed.rdns.slice(0, firstDc)) {
        const ascii = asciiOnly(r.value);
        if (ascii) return `names ${r.type}=${r.value}, which ${ascii}`;
        // The same rule as the management host's names.container_dn: a plain name, no DN escapes.
        if (/[,=+"\\<>;#]/.test(r.value) || r.value.trim() !== r.value) {
            return `names ${r.type}=${r.value}, which needs escaping in a DN; eks-gmsa takes OU and container names without , = + " \\ < > ; # or leading/trailing spaces (rename the OU, or create one for the cluster)`;
        }
    }
    return undefined;
}

/** An OU or container distinguished name inside a domain (OU=…/CN=… components, then DC=…). */
export function containerDn(v: string): string | undefined {
    return directoryDnProblem(v, "a distinguished name of an OU or container", "OU=Users,OU=CORP,DC=corp,DC=example,DC=com", ["OU", "CN"]);
}

/** An OU distinguished name (OU=… components, then DC=…): where computer accounts may be created. */
export function ouDn(v: string): string | undefined {
    return directoryDnProblem(v, "an OU distinguished name", "OU=EKS,DC=corp,DC=example,DC=com", ["OU"]);
}

/** A DN that passed containerDn or ouDn, in canonical form (types upper-case, no spaces around separators). */
export function canonicalDn(v: string): string {
    const parsed = parseDn(v);
    if (!parsed.ok) throw new Error(`canonicalDn: ${JSON.stringify(v)} ${parsed.problem}`);
    return formatDn(parsed.rdns);
}

/**
 * Where a DN that passed containerDn or ouDn lies: in the domain itself (its DC= components are
 * exactly the domain's), and, for AWS Managed Microsoft AD, at or below the OU AWS delegates to the
 * directory's Admin (OU=<NetBIOS name>,<domain>), outside of which the Admin has no rights.
 */
export function placeInDomain(v: string, domainName: string, delegatedOu?: readonly Rdn[]): string | undefined {
    const parsed = parseDn(v);
    if (!parsed.ok) return parsed.problem;
    const domain = domainRdns(domainName);
    const named = dnsNameOf(parsed.rdns);
    if (named !== domainName.toLowerCase())
        return `must be inside the domain (end with ${formatDn(domain)}); its DC= components name ${named}, not ${domainName.toLowerCase()}`;
    if (delegatedOu && !isAtOrBelow(parsed.rdns, delegatedOu)) {
        return `must be ${formatDn(delegatedOu)} or below it: AWS Managed Microsoft AD delegates only that OU to its Admin, who has no rights elsewhere in the domain`;
    }
    const builtIn = builtInContainer(parsed.rdns);
    if (builtIn) return `is in ${builtIn}, one of the domain's built-in containers, where eks-gmsa creates nothing; use an OU of the cluster's own`;
    return undefined;
}

/**
 * The built-in top-level container a DN is in or below (CN=System, OU=Domain Controllers, …; the
 * list is well-known-names.json's `containers`, which names.container_dn applies too), or undefined.
 */
export function builtInContainer(rdns: readonly Rdn[]): string | undefined {
    const firstDc = rdns.findIndex((r) => r.type === "DC");
    if (firstDc <= 0) return undefined;
    const top = rdns[firstDc - 1];
    const name = `${top.type}=${top.value}`.toLowerCase();
    return wellKnownNames.containers.find((c) => c.toLowerCase() === name);
}

/** The OU AWS Managed Microsoft AD delegates to its Admin: OU=<NetBIOS name>,<domain DN>. */
export function managedDirectoryOu(domainName: string, netbiosName: string): Rdn[] {
    return [{ type: "OU", value: netbiosName.toUpperCase() }, ...domainRdns(domainName)];
}

/**
 * The AWS Managed Microsoft AD Admin password rule (CreateMicrosoftAD): 8 to 64 characters with
 * three of lower case, upper case, digits and other characters; and not the word "admin".
 */
export function managedDirectoryPassword(v: string): string | undefined {
    if (v.length < 8 || v.length > 64) return `must be 8 to 64 characters (this one has ${v.length})`;
    const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9\s]/].filter((r) => r.test(v)).length;
    if (classes < 3) return "must contain three of: lower-case letters, upper-case letters, digits, other characters";
    if (/admin/i.test(v)) return "must not contain the word admin (AWS Directory Service refuses it)";
    return undefined;
}
