// The Active Directory side of the model: domain join, the DNS path to the domain controllers, the
// directory, its management host, the provisioning runs (their AccountProvisioning facts) and the
// portable identity's secret.
import { get, list, str, strings } from "../../../policy/api";
import { shownValues } from "../deployTimeValues";
import type {
    ActiveDirectoryModel,
    CredentialSpecModel,
    DnsPathModel,
    DomainJoinModel,
    ManagementHostModel,
    PortableIdentityModel,
    ProvisioningModel,
    RotationModel,
} from "./model";
import {
    bool,
    num,
    optionalShown,
    parseJson,
    secretArnNames,
    secretNameOfArn,
    secretsReadBy,
    sortedUnique,
    T,
    type Invented,
    type PlanIndex,
} from "./planIndex";

export function domainJoinModel(index: PlanIndex, invented: Invented): DomainJoinModel | undefined {
    const association = index.ofType(T.association).find((a) => a.inputs.name === "AWS-JoinDirectoryServiceDomain");
    if (!association) return undefined;
    const p = association.inputs.parameters;
    return {
        association: association.name,
        document: "AWS-JoinDirectoryServiceDomain",
        directoryId: optionalShown(str(get(p, "directoryId")), invented),
        directoryName: str(get(p, "directoryName")),
        organizationalUnit: str(get(p, "directoryOU")),
    };
}

/** Non-root server blocks of a Corefile that forward their zone somewhere. */
export function corefileForwarders(corefile: string): { zone: string; servers: string[] }[] {
    const forwarders: { zone: string; servers: string[] }[] = [];
    let zone: string | undefined;
    let depth = 0;
    for (const raw of corefile.split("\n")) {
        const line = raw.trim();
        if (depth === 0) {
            const m = /^(\S+?)(?::\d+)?\s*\{$/.exec(line);
            if (m) {
                zone = m[1];
                depth = 1;
            }
            continue;
        }
        if (line.endsWith("{")) depth++;
        if (line === "}" || line.startsWith("}")) depth--;
        const forward = /^forward\s+\S+\s+(.+?)\s*\{?$/.exec(line);
        if (depth === 1 && forward && zone !== undefined && zone !== ".") {
            forwarders.push({ zone, servers: forward[1].split(/\s+/).filter((s) => s !== "{") });
        }
    }
    return forwarders;
}

export function dnsPathModel(index: PlanIndex, invented: Invented): DnsPathModel {
    const coredns = index.ofType(T.addon).find((a) => a.inputs.addonName === "coredns");
    const corefile = str(get(parseJson(coredns?.inputs.configurationValues), "corefile"));
    const associatedRules = new Set(index.ofType(T.resolverRuleAssociation).flatMap((a) => index.dependenciesOfType(a, T.resolverRule).map((r) => r.urn)));
    return {
        coreDnsForwarders: (corefile ? corefileForwarders(corefile) : []).map((f) => ({ zone: f.zone, servers: shownValues(f.servers, invented) })),
        resolverEndpoints: index
            .ofType(T.resolverEndpoint)
            .map((e) => ({ name: e.name, direction: str(e.inputs.direction), addressCount: list(e.inputs.ipAddresses).length })),
        resolverRules: index.ofType(T.resolverRule).map((r) => ({
            name: r.name,
            domainName: str(r.inputs.domainName),
            ruleType: str(r.inputs.ruleType),
            targetIps: shownValues(
                list(r.inputs.targetIps)
                    .map((t) => str(get(t, "ip")))
                    .filter((ip): ip is string => ip !== undefined),
                invented,
            ),
            associatedWithVpc: associatedRules.has(r.urn),
        })),
    };
}

export function activeDirectoryModel(
    index: PlanIndex,
    dns: DnsPathModel,
    credentialSpecs: readonly CredentialSpecModel[],
    domainJoin: DomainJoinModel | undefined,
): ActiveDirectoryModel {
    const directory = index.ofType(T.directory)[0];
    const firstSpec = credentialSpecs.find((c) => c.domain !== undefined);
    const domainName =
        str(directory?.inputs.name) ??
        domainJoin?.directoryName ??
        dns.resolverRules.find((r) => r.domainName)?.domainName ??
        dns.coreDnsForwarders[0]?.zone ??
        firstSpec?.domain;
    const forwarder = dns.coreDnsForwarders.find((f) => f.zone === domainName) ?? dns.coreDnsForwarders[0];
    const rule = dns.resolverRules.find((r) => r.domainName === domainName);
    const host = managementHostModel(index);
    return {
        source: directory ? "managed" : "existing",
        domainName,
        netbiosName: str(directory?.inputs.shortName) ?? firstSpec?.netbiosName,
        edition: str(directory?.inputs.edition),
        directoryId: domainJoin?.directoryId,
        dnsServers: forwarder?.servers ?? rule?.targetIps ?? [],
        managementHost: host,
        provisioning: provisioningModels(index),
        ...(rotationModel(index) ? { rotation: rotationModel(index) } : {}),
    };
}

/** The portable identity's rotation: its function (under the PortableIdentityRotation component) and the secret's schedule, if any. */
function rotationModel(index: PlanIndex): RotationModel | undefined {
    const fn = index.ofType(T.lambdaFunction).find((f) => index.ancestorOfType(f, T.rotation) !== undefined);
    if (!fn) return undefined;
    const facts = index.ancestorOfType(fn, T.rotation)!.inputs;
    const days = index
        .ofType(T.secretRotation)
        .map((r) => num(get(r.inputs.rotationRules, "automaticallyAfterDays")))
        .find((d) => d !== undefined);
    const topic = index.ofType(T.snsTopic).find((t) => index.ancestorOfType(t, T.rotation) !== undefined);
    return {
        function: str(fn.inputs.name) ?? fn.name,
        runtime: str(fn.inputs.runtime),
        schedule: days ?? "off",
        users: strings(facts.users),
        document: str(get(get(fn.inputs.environment, "variables"), "DOCUMENT_NAME")),
        failureTopic: topic ? (str(topic.inputs.name) ?? topic.name) : undefined,
    };
}

/** The instance the AD provisioning runs on: an EC2 instance a local command depends on, else the only one. */
function managementHostModel(index: PlanIndex): ManagementHostModel | undefined {
    const instances = index.ofType(T.instance);
    const host = instances.find((i) => index.dependentsOfType(i, T.localCommand).length > 0) ?? (instances.length === 1 ? instances[0] : undefined);
    if (!host) return undefined;
    const roles = index.dependenciesOfType(host, T.instanceProfile).flatMap((p) => index.dependenciesOfType(p, T.role));
    const readsSecrets = roles
        .flatMap((role) => index.dependentsOfType(role, T.rolePolicy))
        .flatMap((policy) => secretsReadBy(policy.inputs.policy))
        .map(secretNameOfArn);
    return { name: host.name, instanceType: str(host.inputs.instanceType), readsSecrets: sortedUnique(readsSecrets) };
}

/** Local commands of an AccountProvisioning component: they send its SSM document during `pulumi up`. */
function provisioningModels(index: PlanIndex): ProvisioningModel[] {
    return index.ofType(T.localCommand).flatMap((command) => {
        const component = index.ancestorOfType(command, T.accountProvisioning);
        const document = index.dependenciesOfType(command, T.document)[0];
        if (!component || !document) return [];
        const facts = component.inputs;
        return [
            {
                runner: command.name,
                document: str(get(command.inputs.environment, "DOCUMENT_NAME")) ?? document.name,
                readersGroup: str(facts.readersGroup),
                accounts: strings(facts.accounts),
                portableIdentity: str(facts.portableIdentity),
                verify: bool(facts.verify),
                host: index.dependenciesOfType(command, T.instance)[0]?.name,
            },
        ];
    });
}

/** The secret credential specs name in PluginInput (domainless), and who may read it. */
export function portableIdentityModel(index: PlanIndex, credentialSpecs: readonly CredentialSpecModel[]): PortableIdentityModel | undefined {
    const arns = credentialSpecs.map((c) => c.credentialArn).filter((a): a is string => a !== undefined);
    const secret = index.ofType(T.secret).find((s) => {
        const name = str(s.inputs.name);
        return name !== undefined && arns.some((arn) => secretArnNames(arn, name));
    });
    if (!secret) return undefined;
    const secretName = str(secret.inputs.name)!;
    const readers = index
        .ofType(T.rolePolicy)
        .filter((p) => secretsReadBy(p.inputs.policy).some((arn) => secretArnNames(arn, secretName)))
        .map((p) => index.dependenciesOfType(p, T.role)[0]?.name ?? str(p.inputs.role) ?? p.name);
    return { secretName, kmsKey: index.dependenciesOfType(secret, T.kmsKey)[0]?.name, readers: sortedUnique(readers), protect: secret.protect };
}
