// The picture's boxes: one writer per part of the model (cluster, node groups, API objects, AD,
// management host, DNS, node lifecycle, portable identity, VPC).
import { clusterLabel, colors, DotWriter, htmlText, id, nodeLabel, plural, range, wrap } from "./dot";
import type {
    AccessEntryModel,
    ActiveDirectoryModel,
    ArchitectureModel,
    ClusterModel,
    CredentialSpecModel,
    HelmReleaseModel,
    LifecycleHookModel,
    NetworkModel,
    ProvisioningModel,
    WindowsNodeGroupModel,
    WorkloadModel,
} from "./model";
import { arnShortName, byString, sortedUnique } from "./planIndex";

function subnetTable(network: NetworkModel): string {
    const header = `<TR><TD><B>tier</B></TD><TD><B>AZ</B></TD><TD><B>CIDR</B></TD><TD><B>NAT gateway</B></TD></TR>`;
    const rows = network.subnets.map(
        (s) =>
            `<TR><TD>${htmlText(s.tier)}</TD><TD>${htmlText(s.availabilityZone ?? "-")}</TD><TD>${htmlText(s.cidr ?? s.name)}</TD><TD>${htmlText(s.natGateway ?? "")}</TD></TR>`,
    );
    const title = network.vpc === "created" ? "Subnets" : "Subnets (existing VPC)";
    return `<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3"><TR><TD COLSPAN="4"><B>${htmlText(title)}</B></TD></TR>${header}${rows.join("")}</TABLE>>`;
}

function accessEntryLine(e: AccessEntryModel): string {
    const who = arnShortName(e.principalArn);
    if (e.policies.length === 0) return `${who}: ${e.type}`;
    return `${who}: ${e.policies.map((p) => `${p.policy.replace(/^AmazonEKS|Policy$/g, "")} (${p.scope})`).join(", ")}`;
}

function controlPlaneLabel(c: ClusterModel): string {
    const endpoint = [c.endpointPublic ? "public" : "", c.endpointPrivate ? "private" : ""].filter((x) => x).join(" + ") || "?";
    return nodeLabel("EKS control plane", [
        `Kubernetes ${c.kubernetesVersion ?? "?"}, authentication mode ${c.authenticationMode ?? "?"}`,
        `endpoint ${endpoint}${c.endpointPublic && c.publicAccessCidrs.length > 0 ? ` (${c.publicAccessCidrs.join(", ")})` : ""}`,
        c.secretsEncryption ? "secrets encrypted with a KMS key" : "",
        c.logTypes.length > 0 ? `logs: ${c.logTypes.join(", ")}` : "",
        `add-ons: ${c.addons.map((a) => a.name + (a.configurationKeys.length > 0 ? ` {${a.configurationKeys.join(", ")}}` : "")).join(", ")}`,
        c.deployRoleArn ? `created by ${arnShortName(c.deployRoleArn)}` : "",
        c.protect ? "protected" : "",
    ]);
}

export function writeAccessEntries(out: DotWriter, c: ClusterModel): void {
    out.node(id.accessEntries, {
        label: nodeLabel("IAM principals (EKS access entries)", c.accessEntries.map(accessEntryLine)),
        fillcolor: "#fff8e1",
    });
}

/** The workloads drawn on the Windows nodes: those that select Windows or name a credential spec. */
export function windowsWorkloads(m: ArchitectureModel): WorkloadModel[] {
    return m.workloads.filter((w) => w.windows || w.credentialSpecs.length > 0);
}

/** The Linux node group with the system pods on it, as one row: nodes, cert-manager, webhook, CoreDNS. */
function writeLinuxNodes(out: DotWriter, m: ArchitectureModel): void {
    const releases = m.helmReleases.filter((r) => r.role !== "other");
    m.linuxNodeGroups.forEach((g, i) => {
        out.cluster(`linux_${g.name}`, { label: clusterLabel(`Linux node group ${g.name}`, "system pods"), color: colors.linux, style: "rounded" }, () => {
            out.node(id.linux(g.name), {
                label: nodeLabel("Linux nodes (managed)", [
                    `${g.instanceTypes.join(", ")}, ${g.capacityType ?? ""} ${g.amiType ?? ""}`.trim(),
                    range(g.minSize, g.desiredSize, g.maxSize),
                    ...Object.entries(g.labels).map(([k, v]) => `label ${k}=${v}`),
                ]),
            });
            // System pods select the Linux nodes' label; they are drawn once, in the first group.
            if (i > 0) return;
            writeSystemPods(out, m);
            out.sameRank([id.linux(g.name), ...releases.map((r) => id.release(r.name)), ...(m.dns.coreDnsForwarders.length > 0 ? [id.coredns] : [])]);
        });
    });
}

function writeSystemPods(out: DotWriter, m: ArchitectureModel): void {
    for (const r of m.helmReleases.filter((x) => x.role !== "other")) writeRelease(out, r, m);
    if (m.dns.coreDnsForwarders.length > 0) {
        out.node(id.coredns, {
            label: nodeLabel(
                "CoreDNS (add-on)",
                m.dns.coreDnsForwarders.map((f) => `${f.zone} -> ${f.servers.join(", ")}`),
            ),
        });
    }
}

function writeRelease(out: DotWriter, r: HelmReleaseModel, m: ArchitectureModel): void {
    const title = r.role === "gmsa-webhook" ? "gMSA admission webhook" : "cert-manager";
    out.node(id.release(r.name), {
        label: nodeLabel(title, [
            `Helm ${r.chart} ${r.version ?? ""} in ${r.namespace ?? "?"}`,
            r.replicas !== undefined ? plural(r.replicas, "replica") : "",
            r.role === "gmsa-webhook" && m.webhookOptOutNamespaces.length > 0 ? `skips namespaces ${m.webhookOptOutNamespaces.join(", ")}` : "",
        ]),
        fillcolor: r.role === "gmsa-webhook" ? "#fef7e0" : "white",
    });
}

const hookTransition = (h: LifecycleHookModel): string => h.transition.replace(/^autoscaling:EC2_INSTANCE_/, "").toLowerCase();

function windowsNodesLabel(g: WindowsNodeGroupModel): string {
    return nodeLabel("Windows nodes (self-managed)", [
        `${g.instanceType ?? "?"}, Windows Server ${g.windowsServerVersion ?? "?"} ${g.edition ?? ""}`.trim(),
        range(g.minSize, g.desiredSize, g.maxSize),
        ...g.taints.map((t) => `taint ${t}`),
        g.imdsv2Only ? "IMDSv2 only" : "",
        ...g.lifecycleHooks.map((h) => `${hookTransition(h)} hook ${h.name}`),
    ]);
}

function workloadLabel(w: WorkloadModel): string {
    return nodeLabel(`${w.kind} ${w.namespace}/${w.name}`, [
        `service account ${w.serviceAccount}`,
        w.credentialSpecs.length > 0 ? `gMSA credential spec ${w.credentialSpecs.join(", ")}` : "",
        ...w.images.map((i) => `image ${i.slice(i.lastIndexOf("/") + 1)}`),
        w.replicas !== undefined ? plural(w.replicas, "replica") : "",
        w.sample ? "sample workload" : "",
    ]);
}

/** The Windows node group: the nodes on top, the pods (and the CCG plugin) they run below. */
function writeWindowsNodes(out: DotWriter, m: ArchitectureModel): void {
    m.windowsNodeGroups.forEach((g, i) => {
        const mode = m.gmsaMode === "unknown" ? "" : `gMSA ${m.gmsaMode}`;
        out.cluster(`windows_${g.name}`, { label: clusterLabel(`Windows node group ${g.name}`, mode), color: colors.windows, style: "rounded" }, () => {
            out.node(id.windows(g.name), { label: windowsNodesLabel(g), fillcolor: "#e1f5fe" });
            if (i > 0) return;
            writeWorkloads(out, m);
            if (m.gmsaMode === "domainless") {
                out.node(id.ccg, {
                    label: nodeLabel("CCG + AWS plugin (on each node)", ["gets gMSA passwords", "as the portable identity"]),
                    fillcolor: "#e1f5fe",
                });
            }
        });
    });
}

function writeWorkloads(out: DotWriter, m: ArchitectureModel): void {
    for (const w of windowsWorkloads(m)) out.node(id.workload(w), { label: workloadLabel(w), fillcolor: w.authorized ? "#e8f0fe" : "#fce8e6" });
}

/** Every service account (or "*") some credential spec is granted to, once. */
export function principals(m: ArchitectureModel): { namespace: string; serviceAccount: string }[] {
    const seen = new Map<string, { namespace: string; serviceAccount: string }>();
    for (const c of m.credentialSpecs) {
        for (const g of c.allowed) for (const sa of g.serviceAccounts) seen.set(id.principal(g.namespace, sa), { namespace: g.namespace, serviceAccount: sa });
    }
    return [...seen.entries()].sort((a, b) => byString(a[0], b[0])).map(([, p]) => p);
}

function principalLabel(p: { namespace: string; serviceAccount: string }): string {
    const ns = p.namespace === "*" ? "every namespace" : `namespace ${p.namespace}`;
    const sa = p.serviceAccount === "*" ? "every service account" : `service account ${p.serviceAccount}`;
    return nodeLabel(sa, [ns]);
}

function credentialSpecLabel(c: CredentialSpecModel): string {
    return nodeLabel(`GMSACredentialSpec ${c.name}`, [
        `gMSA ${c.netbiosName ? `${c.netbiosName}\\` : ""}${c.account ?? "?"}${c.domain ? ` (${c.domain})` : ""}`,
        c.domainless ? "domainless: CCG plugin + portable identity" : "host account: the domain-joined node",
        ...c.allowed.map((g) => `may use: ${g.namespace === "*" ? "every namespace" : g.namespace} / ${g.serviceAccounts.join(", ")}`),
        c.protect ? "protected" : "",
    ]);
}

function writeApiObjects(out: DotWriter, m: ArchitectureModel): void {
    if (m.credentialSpecs.length === 0) return;
    out.cluster(
        "api_objects",
        {
            label: clusterLabel("Kubernetes API: credential specs and who may use them", "RBAC: RoleBindings to ClusterRoles granting use"),
            color: colors.api,
            style: "rounded,dashed",
        },
        () => {
            for (const p of principals(m))
                out.node(id.principal(p.namespace, p.serviceAccount), { label: principalLabel(p), shape: "note", fillcolor: "#f3e8fd" });
            for (const c of m.credentialSpecs) out.node(id.credentialSpec(c.name), { label: credentialSpecLabel(c), shape: "component", fillcolor: "#f3e8fd" });
        },
    );
}

function writeCluster(out: DotWriter, m: ArchitectureModel): void {
    const c = m.cluster;
    if (!c) return;
    out.cluster(
        "eks",
        { label: clusterLabel(`EKS cluster ${c.name}`, `Kubernetes ${c.kubernetesVersion ?? "?"}`), color: colors.eks, penwidth: 2, style: "rounded" },
        () => {
            out.node(id.controlPlane, { label: controlPlaneLabel(c), fillcolor: "#e8f0fe" });
            writeLinuxNodes(out, m);
            writeWindowsNodes(out, m);
            // Without node groups of their own kind, pods are still drawn, in the cluster itself.
            if (m.linuxNodeGroups.length === 0) writeSystemPods(out, m);
            if (m.windowsNodeGroups.length === 0) writeWorkloads(out, m);
            writeApiObjects(out, m);
        },
    );
}

function activeDirectoryDetail(ad: ActiveDirectoryModel): string {
    const netbios = ad.netbiosName ? `NetBIOS ${ad.netbiosName}, ` : "";
    if (ad.source === "managed") return `${netbios}AWS Managed Microsoft AD (${ad.edition ?? "?"}) created by this stack`;
    return `${netbios}existing directory${ad.directoryId ? ` ${ad.directoryId}` : ""}, not created by this stack`;
}

export function writeActiveDirectory(out: DotWriter, m: ArchitectureModel): void {
    const ad = m.activeDirectory;
    out.cluster(
        "active_directory",
        { label: clusterLabel(`Active Directory ${ad.domainName ?? "?"}`, activeDirectoryDetail(ad)), color: colors.ad, style: "rounded", penwidth: 2 },
        () => {
            out.node(id.domainControllers, {
                label: nodeLabel("Domain controllers", [`DNS ${ad.dnsServers.join(", ") || "?"}`, "Kerberos 88, LDAP 389, DNS 53"]),
                shape: "cylinder",
                fillcolor: "#fce4ec",
            });
            const accounts = sortedUnique(m.credentialSpecs.map((c) => c.account ?? "?"));
            if (accounts.length > 0) out.node(id.gmsaAccounts, { label: nodeLabel("gMSA accounts", accounts), shape: "folder", fillcolor: "#fce4ec" });
        },
    );
}

function writeManagementHost(out: DotWriter, m: ArchitectureModel): void {
    const host = m.activeDirectory.managementHost;
    if (host) {
        out.node(id.managementHost, {
            label: nodeLabel(`AD management host ${host.name}`, [
                `${host.instanceType ?? "?"}, Systems Manager only (no inbound)`,
                ...host.readsSecrets.map((s) => `reads secret ${s}`),
            ]),
            fillcolor: "#fce4ec",
        });
    }
    const provisioning = m.activeDirectory.provisioning;
    if (provisioning.length > 0) {
        out.node(id.provisioning, {
            label: nodeLabel(
                "AD provisioning during pulumi up",
                provisioning.flatMap((p) => [`SSM document ${p.document}`, wrap(provisioningSummary(p), 48)]),
            ),
            fillcolor: "#fce4ec",
        });
    }
}

/** What a provisioning run creates or corrects, in words. */
function provisioningSummary(p: ProvisioningModel): string {
    const made = [
        p.readersGroup !== undefined ? `readers' group ${p.readersGroup}` : "the readers' group",
        p.accounts.length > 0 ? `${plural(p.accounts.length, "gMSA")} ${p.accounts.join(", ")}` : "no gMSA",
        ...(p.portableIdentity !== undefined ? [`portable identity ${p.portableIdentity}`] : []),
    ];
    return `creates or corrects ${made.join("; ")}${p.verify ? "; then checks the whole chain" : ""}`;
}

function writeDnsResolver(out: DotWriter, m: ArchitectureModel): void {
    const rules = m.dns.resolverRules;
    if (rules.length === 0 && m.dns.resolverEndpoints.length === 0) return;
    out.node(id.resolver, {
        label: nodeLabel("Route 53 Resolver", [
            ...m.dns.resolverEndpoints.map((e) => `${(e.direction ?? "?").toLowerCase()} endpoint, ${plural(e.addressCount, "address")}`),
            ...rules.map(
                (r) =>
                    `${(r.ruleType ?? "?").toLowerCase()} ${r.domainName ?? "?"} -> ${r.targetIps.join(", ")}${r.associatedWithVpc ? "" : " (not associated)"}`,
            ),
        ]),
        fillcolor: "#e0f7fa",
    });
}

export const hooksWithRunbooks = (m: ArchitectureModel): LifecycleHookModel[] =>
    m.windowsNodeGroups.flatMap((g) => g.lifecycleHooks).filter((h) => h.runbook !== undefined);

export function writeNodeLifecycle(out: DotWriter, m: ArchitectureModel): void {
    if (m.domainJoin) {
        const j = m.domainJoin;
        out.node(id.domainJoin, {
            label: nodeLabel("SSM association: domain join", [
                j.document,
                j.directoryId ? `directory ${j.directoryId}` : "",
                j.organizationalUnit ? `OU ${j.organizationalUnit}` : "",
            ]),
            fillcolor: "#fce4ec",
        });
    }
    const hooks = hooksWithRunbooks(m);
    if (hooks.length > 0) {
        out.node(id.lifecycle, {
            label: nodeLabel(
                "Lifecycle hooks -> EventBridge -> SSM Automation",
                hooks.map((h) => `${hookTransition(h)}: runbook ${h.runbook}`),
            ),
            fillcolor: "#fce4ec",
        });
    }
}

export function writePortableIdentity(out: DotWriter, m: ArchitectureModel): void {
    const p = m.portableIdentity;
    if (!p) return;
    out.node(id.portableIdentity, {
        label: nodeLabel("Secrets Manager: portable identity", [
            p.secretName,
            p.kmsKey ? `encrypted with KMS key ${p.kmsKey}` : "",
            `readable by ${p.readers.join(", ") || "nobody"}`,
            p.protect ? "protected" : "",
        ]),
        shape: "box3d",
        fillcolor: "#fce8e6",
    });
}

/** The rotation function: in the account, outside the VPC (it reaches the DCs only through the management host). */
export function writePortableIdentityRotation(out: DotWriter, m: ArchitectureModel): void {
    const r = m.activeDirectory.rotation;
    if (!r) return;
    out.node(id.rotation, {
        label: nodeLabel(`Lambda ${r.function}: portable identity rotation`, [
            `${r.runtime ?? "?"}, outside the VPC`,
            r.schedule === "off" ? "schedule: off (rotate by hand)" : `schedule: every ${plural(r.schedule, "day")}`,
            `alternates ${r.users.join(" / ")}`,
            r.document ? `sends SSM document ${r.document}` : "",
            r.failureTopic ? `failed rotations -> SNS ${r.failureTopic}` : "",
        ]),
        fillcolor: "#fce8e6",
    });
}

export function writeVpc(out: DotWriter, m: ArchitectureModel): void {
    const n = m.network;
    const title = n.vpc === "created" ? `VPC ${n.vpcCidr ?? "?"}` : `existing VPC ${n.vpcId ?? "?"}`;
    const nat = n.natGateways.length > 0 ? `${plural(n.natGateways.length, "NAT gateway")}, internet gateway` : "";
    out.cluster("vpc", { label: clusterLabel(title, nat), color: colors.vpc, style: "rounded", penwidth: 2 }, () => {
        out.node(id.subnets, { label: subnetTable(n), shape: "plain" });
        writeCluster(out, m);
        writeDnsResolver(out, m);
        writeManagementHost(out, m);
        // A managed directory lives in the stack's private subnets; an existing one is drawn outside.
        if (m.activeDirectory.source === "managed") writeActiveDirectory(out, m);
    });
}
