// The facts summary.md gives a pull-request reviewer beyond the diff: who may use which gMSA, and
// what must exist in Active Directory before the deploy works. Read from the plan's resource
// inputs (credential specs, RBAC, the CredentialSpecs component's inputs), never from descriptions.
// Pure and deterministic.
import type { Plan } from "../planFile";
import { architectureModel, type ArchitectureModel } from "./architecture";
import type { RotationModel } from "./architecture";
import { isDeployTimeText } from "./deployTimeValues";

export interface GmsaUseRow {
    credentialSpec: string;
    gmsa?: string;
    domain?: string;
    /** "*" when a ClusterRoleBinding grants it in every namespace; undefined when nobody may use it. */
    namespace?: string;
    /** "*" for every service account of the namespace. */
    serviceAccounts: string[];
}

/** One row per credential spec and namespace it may be used in (a spec nobody may use gets one row too). */
export function gmsaUseRows(model: ArchitectureModel): GmsaUseRow[] {
    return model.credentialSpecs.flatMap((c): GmsaUseRow[] => {
        const base = { credentialSpec: c.name, gmsa: c.account, domain: c.domain };
        if (c.allowed.length === 0) return [{ ...base, serviceAccounts: [] }];
        return c.allowed.map((g) => ({ ...base, namespace: g.namespace, serviceAccounts: g.serviceAccounts }));
    });
}

export interface ActiveDirectoryPrerequisites {
    /** managed: the stack creates the directory; existing: it must exist. */
    directory: "managed" | "existing";
    domainName?: string;
    netbiosName?: string;
    /** The stack creates the readers' group, the gMSAs and the portable identity itself (AccountProvisioning). */
    provisionedByStack: boolean;
    gmsaAccounts: string[];
    readersGroup?: string;
    /** Domainless: the AD user the CCG plugin logs on as, a member of the readers' group. */
    portableIdentity?: string;
    /** Where the stack rotates the portable identity: the function, its schedule, and the two users it alternates. */
    rotation?: RotationModel;
    /** The owner mark `npm run ad` puts on what it creates: the cluster's name. */
    owner?: string;
    /** A domain controller's address when the plan knows it as a fact (config), else undefined. */
    domainController?: string;
}

const componentTypes = {
    credentialSpecs: "eks-gmsa:gmsa:CredentialSpecs",
    accountProvisioning: "eks-gmsa:directory:AccountProvisioning",
    cluster: "eks:index:Cluster",
} as const;

const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** What Active Directory must hold before `pulumi up` works; undefined when the stack uses no gMSA. */
export function activeDirectoryPrerequisites(plan: Plan, model: ArchitectureModel = architectureModel(plan)): ActiveDirectoryPrerequisites | undefined {
    if (model.credentialSpecs.length === 0) return undefined;
    const specs = plan.resources.find((r) => r.type === componentTypes.credentialSpecs);
    const accounts = model.credentialSpecs.map((c) => c.account).filter((a): a is string => a !== undefined);
    const ad = model.activeDirectory;
    const servers = ad.dnsServers;
    return {
        directory: ad.source,
        domainName: ad.domainName,
        netbiosName: ad.netbiosName,
        provisionedByStack: plan.resources.some((r) => r.type === componentTypes.accountProvisioning),
        gmsaAccounts: [...new Set(accounts)].sort(),
        readersGroup: text(specs?.inputs.readersGroup),
        portableIdentity: text(specs?.inputs.portableIdentity),
        ...(ad.rotation ? { rotation: ad.rotation } : {}),
        owner: text(plan.resources.find((r) => r.type === componentTypes.cluster)?.inputs.name),
        // A created directory's addresses are known only at deploy time; config's are facts.
        domainController: servers.find((s) => !isDeployTimeText(s, plan.deployTimeValues)),
    };
}

/** The `npm run ad -- provision` command that creates the prerequisites in an existing directory (docs/active-directory.md). */
export function provisionCommand(p: ActiveDirectoryPrerequisites): string {
    const user = p.netbiosName ? `${p.netbiosName}\\<admin>` : "<admin>@<domain>";
    const lines = [
        "export AD_PASSWORD='…'            # the password of --user, an account allowed to create groups, users and gMSAs",
        ...(p.portableIdentity ? ["export AD_IDENTITY_PASSWORD='…'   # the portable identity's: the stack's eks-gmsa:portableIdentityPassword"] : []),
        `npm run ad -- provision --url ldap://${p.domainController ?? "<a domain controller>"} --user '${user}' \\`,
        `    ${p.gmsaAccounts.map((a) => `--account ${a}`).join(" ")} --group ${p.readersGroup ?? "<readers' group>"}${p.portableIdentity ? ` --identity-user ${p.portableIdentity}` : ""}${p.owner ? ` --owner ${p.owner}` : ""}`,
    ];
    return lines.join("\n");
}
