// Reads eks-gmsa:gmsa (and the portable identity's password) against its declaration
// (settings/schema/directory.ts); here the rules between keys and with activeDirectory. Pure;
// part of settings/validate.
import { SecretValue } from "../lib/secret";
import type { ActiveDirectoryDraft } from "./activeDirectory";
import type { Section } from "./reader";
import { readRotation, rotationImpossibleBecause } from "./rotation";
import { portableIdentityPasswordKey, projectName } from "./schema";
import type { GmsaAccountSettings, GmsaMode, GmsaPrincipals, GmsaSettings, SampleWorkloadSettings } from "./types";
import { exemptionReason, webhookExemptNamespaces } from "./webhookScope";

export function readGmsa(
    s: Section,
    ad: ActiveDirectoryDraft | undefined,
    adGiven: boolean,
    values: Readonly<Record<string, string>>,
    secretKeys: readonly string[],
): GmsaSettings | undefined {
    const problems = s.problems;
    const mode = s.string("mode") as GmsaMode | undefined;

    // Each account keeps its position in config, so problem lines name the entry the user wrote.
    const indexed: { index: number; account: GmsaAccountSettings }[] = [];
    let accountsOk = true;
    for (const [index, a] of s.sections("accounts").entries()) {
        const name = a.string("name");
        const account = a.string("account");
        const allowed: GmsaPrincipals[] = [];
        const allowedSections = a.sections("allowed");
        if (allowedSections.length === 0)
            problems.add(a.path("allowed"), undefined, "must list at least one {namespace, serviceAccounts} that may use this credential spec");
        for (const p of allowedSections) {
            const namespace = p.string("namespace");
            const serviceAccounts = p.stringList("serviceAccounts");
            const create = p.boolean("create");
            p.finish();
            if (namespace && serviceAccounts) allowed.push({ namespace, serviceAccounts, create });
            else accountsOk = false;
        }
        a.finish();
        if (name && account && allowed.length === allowedSections.length && allowed.length > 0) indexed.push({ index, account: { name, account, allowed } });
        else accountsOk = false;
    }
    const accountKey = (index: number) => `${s.path("accounts")}[${index}]`;
    for (const [position, { index, account: a }] of indexed.entries()) {
        const first = indexed.find((b) => b.account.name === a.name);
        if (first && indexed.indexOf(first) !== position)
            problems.add(`${accountKey(index)}.name`, a.name, `is already used by accounts[${first.index}]; credential spec names are cluster-wide`);
        const firstAccount = indexed.find((b) => b.account.account.toLowerCase() === a.account.toLowerCase());
        if (firstAccount && indexed.indexOf(firstAccount) !== position)
            problems.add(`${accountKey(index)}.account`, a.account, `is already used by accounts[${firstAccount.index}]; give each gMSA one credential spec`);
        for (const [j, p] of a.allowed.entries()) {
            const again = a.allowed.findIndex((q) => q.namespace === p.namespace);
            if (again !== j)
                problems.add(`${accountKey(index)}.allowed[${j}].namespace`, p.namespace, `is already listed in allowed[${again}]; merge the service accounts`);
        }
    }
    const accounts = indexed.map((x) => x.account);
    const readersGroup = s.string("readersGroup");

    const webhook = s.section("webhook");
    const webhookNamespace = webhook.string("namespace");
    const releaseName = webhook.string("releaseName");
    const chartVersion = webhook.string("chartVersion");
    const replicas = webhook.integer("replicas");
    const randomHostname = webhook.boolean("randomHostname");
    webhook.finish();

    const certManager = s.section("certManager");
    const certManagerNamespace = certManager.string("namespace");
    const certManagerRelease = certManager.string("releaseName");
    const certManagerVersion = certManager.string("version");
    certManager.finish();

    let portableIdentity: GmsaSettings["portableIdentity"];
    const identity = s.section("portableIdentity");
    const username = s.has("portableIdentity") ? identity.string("username") : undefined;
    const rotation = s.has("portableIdentity")
        ? // A broken activeDirectory has its own problem lines: judge rotation against it only when it reads.
          readRotation(identity, username, adGiven && !ad ? undefined : rotationImpossibleBecause(mode, ad?.provisionAccounts === true))
        : undefined;
    identity.finish();
    const password = values[portableIdentityPasswordKey];
    if (mode === "domainless") {
        if (!s.has("portableIdentity"))
            problems.add(s.path("portableIdentity"), undefined, "is required in domainless mode: {username: <AD user allowed to retrieve the gMSA passwords>}");
        if (password === undefined)
            problems.add(portableIdentityPasswordKey, undefined, "is required in domainless mode (pulumi config set --secret portableIdentityPassword)");
        else if (!secretKeys.includes(portableIdentityPasswordKey))
            problems.add(portableIdentityPasswordKey, undefined, "must be a secret: set it again with pulumi config set --secret portableIdentityPassword");
        else if (password.length === 0) problems.add(portableIdentityPasswordKey, undefined, "must not be empty");
        if (username && password && secretKeys.includes(portableIdentityPasswordKey))
            portableIdentity = { username, password: new SecretValue(password), ...(rotation ? { rotation } : {}) };
    } else if (mode === "domainJoined") {
        if (s.has("portableIdentity")) problems.add(s.path("portableIdentity"), undefined, "is only used in domainless mode (gmsa.mode is domainJoined)");
        if (password !== undefined)
            problems.add(
                portableIdentityPasswordKey,
                undefined,
                "is only used in domainless mode (gmsa.mode is domainJoined); remove it with pulumi config rm",
            );
    }

    let sampleWorkload: SampleWorkloadSettings | undefined;
    const sample = s.section("sampleWorkload");
    const sampleEnabled = sample.boolean("enabled");
    const sampleCredentialSpec = sample.has("credentialSpec") ? sample.string("credentialSpec") : accounts[0]?.name;
    const sampleAccount = accounts.find((a) => a.name === sampleCredentialSpec);
    const sampleNamespace = sample.has("namespace") ? sample.string("namespace") : sampleAccount?.allowed[0]?.namespace;
    const sampleServiceAccount = sample.has("serviceAccount")
        ? sample.string("serviceAccount")
        : sampleAccount?.allowed.find((p) => p.namespace === sampleNamespace)?.serviceAccounts[0];
    sample.finish();
    if (sampleEnabled && accountsOk) {
        if (!sampleAccount) {
            problems.add(
                sample.path("credentialSpec"),
                sampleCredentialSpec ?? null,
                `must name one of gmsa.accounts (${accounts.map((a) => a.name).join(", ") || "none configured"})`,
            );
        } else if (!sampleAccount.allowed.some((p) => p.namespace === sampleNamespace && p.serviceAccounts.includes(sampleServiceAccount ?? ""))) {
            // The webhook would refuse such pods; say so now rather than at deploy time.
            problems.add(
                sample.path("serviceAccount"),
                `${sampleNamespace}/${sampleServiceAccount}`,
                `is not allowed to use credential spec ${sampleAccount.name}; add it to that account's allowed list`,
            );
        } else if (sampleNamespace && sampleServiceAccount) {
            sampleWorkload = { credentialSpec: sampleAccount.name, namespace: sampleNamespace, serviceAccount: sampleServiceAccount };
        }
    }
    s.finish();

    if (accounts.length > 0 && !adGiven)
        problems.add(`${projectName}:activeDirectory`, undefined, "is required with gmsa.accounts: credential specs name the domain");
    // Nodes join through SSM's AWS-JoinDirectoryServiceDomain, which needs a Directory Service directory.
    if (mode === "domainJoined" && adGiven && ad && !ad.directoryId && !ad.managedDirectory)
        problems.add(
            `${projectName}:activeDirectory.directoryId`,
            undefined,
            "is required in gmsa.mode domainJoined: the AWS Directory Service directory (Managed AD or AD Connector) the Windows nodes join",
        );
    // The lifecycle runbooks touch only computer accounts in the join OU, which must therefore be
    // this cluster's alone; in a directory the stack creates, it defaults to the directory's Computers OU.
    if (mode === "domainJoined" && adGiven && ad && !ad.managedDirectory && !ad.joinOu)
        problems.add(
            `${projectName}:activeDirectory.joinOu`,
            undefined,
            "is required in gmsa.mode domainJoined: an OU dedicated to this cluster's Windows nodes (for example OU=EKS-prod,OU=Computers,DC=corp,DC=example,DC=com), which the nodes join and outside which the lifecycle runbooks add and delete no computer account",
        );
    // Adding new nodes to the readers' group and deleting the computer accounts of removed nodes
    // needs an AD account; with managedDirectory the stack has the Admin's.
    if (mode === "domainJoined" && adGiven && ad && !ad.managedDirectory && !ad.adminCredentialsSecretArn)
        problems.add(
            `${projectName}:activeDirectory.adminCredentialsSecretArn`,
            undefined,
            'is required in gmsa.mode domainJoined: the Secrets Manager secret ({"username","password"}) of the AD account that adds new nodes to the readers\' group and deletes the computer accounts of removed nodes',
        );
    // Provisioning reads the SID and GUID from the directory; otherwise config must name them.
    if (ad && accounts.length > 0 && !ad.provisionAccounts) {
        if (!ad.domainSid)
            problems.add(
                `${projectName}:activeDirectory.domainSid`,
                undefined,
                "is required with gmsa.accounts unless activeDirectory.provisionAccounts is true (npm run ad -- discover prints it)",
            );
        if (!ad.domainGuid)
            problems.add(
                `${projectName}:activeDirectory.domainGuid`,
                undefined,
                "is required with gmsa.accounts unless activeDirectory.provisionAccounts is true (npm run ad -- discover prints it)",
            );
    }
    for (const { index, account: a } of indexed) {
        for (const [j, p] of a.allowed.entries()) {
            // The webhook skips these namespaces, so pods there would never be checked.
            if (webhookNamespace && certManagerNamespace && webhookExemptNamespaces(webhookNamespace, certManagerNamespace).includes(p.namespace)) {
                problems.add(
                    `${accountKey(index)}.allowed[${j}].namespace`,
                    p.namespace,
                    `is exempt from the gMSA webhook (${exemptionReason(p.namespace, webhookNamespace, certManagerNamespace)}); run gMSA workloads in an application namespace`,
                );
            }
        }
    }

    if (
        !mode ||
        !accountsOk ||
        !webhookNamespace ||
        !releaseName ||
        !chartVersion ||
        !replicas ||
        !certManagerNamespace ||
        !certManagerRelease ||
        !certManagerVersion
    )
        return undefined;
    if (mode === "domainless" && !portableIdentity) return undefined;
    if (sampleEnabled && !sampleWorkload) return undefined;
    const domain =
        ad?.domainSid && ad.domainGuid
            ? { dnsName: ad.domainName, forestName: ad.forestName, netbiosName: ad.netbiosName, sid: ad.domainSid, guid: ad.domainGuid }
            : undefined;
    if (accounts.length > 0 && !domain && !ad?.provisionAccounts) return undefined;
    if (!readersGroup) return undefined;
    return {
        mode,
        readersGroup,
        accounts,
        ...(domain ? { domain } : {}),
        ...(portableIdentity ? { portableIdentity } : {}),
        webhook: { namespace: webhookNamespace, releaseName, chartVersion, replicas, randomHostname },
        certManager: { namespace: certManagerNamespace, releaseName: certManagerRelease, version: certManagerVersion },
        ...(sampleWorkload ? { sampleWorkload } : {}),
    };
}
