// One fixtures module for the tests: domain facts, config builders, problem lines and dependency helpers. A
// fixture used by more than one test file lives here, not in a copy per file.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { AdPayload } from "../../components/directoryDocuments";
import { reportOf, type DomainFacts, type ReportedDomainFacts } from "../../lib/ad/domainFacts";
import { projectRoot, type StackRun } from "../../tools/harness";
import { corpDomain } from "../../tools/policy/fixtures";

// ---- management-host documents ----

/** A provisioning payload as dev renders it (domainless, two DCs, one gMSA), for rendering and package tests. */
export const provisionPayload: AdPayload = {
    operation: "provision",
    region: "us-west-2",
    domain: { dnsName: "corp.example.com", netbiosName: "CORP", dcAddresses: ["10.20.128.10", "10.20.144.10"] },
    adminSecretArn: "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/dev/directory-admin-AbCdEf",
    readersGroup: "eks-gmsa-readers",
    owner: "eks-gmsa-dev",
    accountsOu: "OU=Users,OU=CORP,DC=corp,DC=example,DC=com",
    accounts: ["WebApp01"],
    identity: { username: "gmsa-ccg-reader", secretArn: "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/dev/portable-identity-XyZ123" },
    verify: true,
};

// ---- domain facts ----

// corp.example.com, the directory the example stacks name: with the credential spec the program
// renders for it, shared with the policy pack's plan builders (bench:policy builds on them too).
export { corpDomain, credspecBody, secretArn } from "../../tools/policy/fixtures";

/** emea.corp.example.com, a child domain: its forest root is corp.example.com. */
export const emeaDomain: DomainFacts = {
    dnsName: "emea.corp.example.com",
    forestName: "corp.example.com",
    netbiosName: "EMEA",
    sid: "S-1-5-21-1004336348-1177238915-682003330",
    guid: "9b2c8a51-3f2e-4d1a-8c7b-5e6f7a8b9c0d",
};

/** The config keys an existing directory's facts go into (eks-gmsa:activeDirectory). */
export function directoryConfig(domain: DomainFacts = corpDomain): { domainName: string; netbiosName: string; domainSid: string; domainGuid: string } {
    return { domainName: domain.dnsName, netbiosName: domain.netbiosName, domainSid: domain.sid, domainGuid: domain.guid };
}

/** A directory's facts as cli.py and a provisioning run report them. */
export function reportedFacts(domain: DomainFacts = corpDomain): ReportedDomainFacts {
    return reportOf(domain);
}

// ---- config builders ----

/**
 * An existing directory's DNS servers must be reachable from a VPC the stack creates: dev's network
 * with a transit gateway route to the shared-services network where these servers live.
 */
export const sharedServicesDnsServers = ["10.10.0.10", "10.10.64.10"];
export const devNetworkToSharedServices = {
    vpcCidr: "10.20.0.0/16",
    availabilityZoneCount: 2,
    natGateways: "single",
    transitGateway: { id: "tgw-0123456789abcdef0", routes: ["10.10.0.0/16"] },
};

/**
 * Config values (as `parseSettings` and the harness take them) of a domainless gMSA stack on an
 * existing directory, corp.example.com, reached over a transit gateway; `edit` merges into a section.
 */
export function domainlessStackConfig(edit: { access?: unknown; activeDirectory?: Record<string, unknown>; gmsa?: Record<string, unknown> } = {}): {
    stack: string;
    values: Record<string, string>;
    secretKeys: string[];
} {
    const values: Record<string, string> = {
        "aws:region": "us-west-2",
        "eks-gmsa:network": JSON.stringify({
            vpcCidr: "10.0.0.0/16",
            availabilityZoneCount: 2,
            natGateways: "single",
            transitGateway: { id: "tgw-0123456789abcdef0", routes: ["10.10.0.0/16"] },
        }),
        "eks-gmsa:cluster": JSON.stringify({ kubernetesVersion: "1.35" }),
        ...(edit.access !== undefined ? { "eks-gmsa:access": JSON.stringify(edit.access) } : {}),
        "eks-gmsa:windowsNodes": JSON.stringify({ instanceType: "m6i.xlarge", windowsServerVersion: "2022" }),
        "eks-gmsa:activeDirectory": JSON.stringify({ ...directoryConfig(corpDomain), dnsServers: ["10.10.0.10"], ...edit.activeDirectory }),
        "eks-gmsa:gmsa": JSON.stringify({
            mode: "domainless",
            portableIdentity: { username: "gmsa-ccg-reader" },
            accounts: [{ name: "webapp01", account: "WebApp01", allowed: [{ namespace: "web", serviceAccounts: ["webapp"] }] }],
            ...edit.gmsa,
        }),
        "eks-gmsa:portableIdentityPassword": "Pa55w0rd!",
    };
    return { stack: "dev", values, secretKeys: ["eks-gmsa:portableIdentityPassword"] };
}

/** The repository's stack files (relative to the project root): the two stacks and examples/stacks. */
export function repositoryStackFiles(): string[] {
    const examples = path.join(projectRoot, "examples", "stacks");
    return [
        "Pulumi.dev.yaml",
        "Pulumi.prod.yaml",
        ...fs
            .readdirSync(examples)
            .filter((f) => f.endsWith(".yaml"))
            .map((f) => path.join("examples", "stacks", f)),
    ];
}

// ---- problem lines ----

/** The problem line for `key` (the exact full key followed by ':'), failing when there is none. */
export function lineFor(lines: readonly string[], key: string): string {
    const line = lines.find((l) => l.startsWith(`${key}:`));
    if (!line) assert.fail(`no problem line starts with "${key}:"; got:\n  ${lines.join("\n  ")}`);
    return line;
}

// ---- dependency helpers ----

/**
 * Whether `urn` waits for `target` through explicit dependencies, transitively (what the engine
 * orders by). `throughChildren`: a component also waits for what its children wait for.
 */
export function dependsOn(run: StackRun, urn: string, target: string, options: { throughChildren?: boolean } = {}, seen = new Set<string>()): boolean {
    if (urn === target) return true;
    if (seen.has(urn)) return false;
    seen.add(urn);
    const r = run.resources.find((x) => x.urn === urn);
    if (!r) return false;
    const children = options.throughChildren ? run.resources.filter((x) => x.parent === urn).map((x) => x.urn) : [];
    return [...r.dependencies, ...children].some((d) => dependsOn(run, d, target, options, seen));
}
