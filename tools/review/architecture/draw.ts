// The picture as DOT: the boxes (./drawNodes.ts) nested in account, VPC and cluster, then the edges
// (layering, Kubernetes authorization and admission, Active Directory traffic) and a legend.
import { withoutInventedValues } from "../deployTimeValues";
import { attributeList, clusterLabel, colors, dotString, DotWriter, id, plural } from "./dot";
import {
    hooksWithRunbooks,
    principals,
    windowsWorkloads,
    writeAccessEntries,
    writeActiveDirectory,
    writeNodeLifecycle,
    writePortableIdentity,
    writePortableIdentityRotation,
    writeVpc,
} from "./drawNodes";
import type { ArchitectureModel } from "./model";

/** Invisible edges that stack the picture top to bottom: control plane, Linux row, Windows row, API objects, AD. */
function writeLayering(out: DotWriter, m: ArchitectureModel): void {
    const invisible = { style: "invis" };
    const linux = m.linuxNodeGroups[0];
    const windows = m.windowsNodeGroups[0];
    if (m.cluster) {
        out.sameRank([id.controlPlane, id.subnets]);
        if (linux) out.edge(id.controlPlane, id.linux(linux.name), invisible);
    }
    if (linux && windows) out.edge(id.linux(linux.name), id.windows(windows.name), invisible);
    if (windows) for (const p of principals(m)) out.edge(id.windows(windows.name), id.principal(p.namespace, p.serviceAccount), invisible);
    // The directory is the backend everything else leans on: the bottom row.
    for (const c of m.credentialSpecs) out.edge(id.credentialSpec(c.name), id.domainControllers, invisible);
    if (m.credentialSpecs.length > 0) out.sameRank([id.domainControllers, id.gmsaAccounts]);
}

function writeKubernetesEdges(out: DotWriter, m: ArchitectureModel): void {
    const windows = m.windowsNodeGroups[0];
    const webhook = m.helmReleases.find((r) => r.role === "gmsa-webhook");
    const certManager = m.helmReleases.find((r) => r.role === "cert-manager");
    const hasCredentialSpec = (name: string) => m.credentialSpecs.some((c) => c.name === name);

    if (m.cluster) out.edge(id.accessEntries, id.controlPlane, { label: "kubectl / API\n(access entries)", color: colors.manage });
    if (webhook && certManager) out.edge(id.release(certManager.name), id.release(webhook.name), { label: "TLS cert", color: colors.manage, style: "dashed" });
    if (webhook && m.cluster)
        out.edge(id.controlPlane, id.release(webhook.name), {
            label: "admission review\n(pod create)",
            color: colors.webhook,
            fontcolor: colors.webhook,
            style: "dashed",
        });

    for (const c of m.credentialSpecs) {
        for (const g of c.allowed) {
            for (const sa of g.serviceAccounts) {
                out.edge(id.principal(g.namespace, sa), id.credentialSpec(c.name), {
                    label: "may use (RBAC)",
                    color: colors.rbac,
                    fontcolor: colors.rbac,
                    style: "dashed",
                });
            }
        }
    }
    for (const w of windowsWorkloads(m)) {
        if (webhook && w.credentialSpecs.length > 0)
            out.edge(id.release(webhook.name), id.workload(w), {
                label: "validates, fills in\ncredspec",
                color: colors.webhook,
                fontcolor: colors.webhook,
                style: "dashed",
            });
        if (windows) out.edge(id.windows(windows.name), id.workload(w), { label: "runs", color: colors.manage, arrowhead: "none", style: "dotted" });
        for (const name of w.credentialSpecs.filter(hasCredentialSpec)) {
            out.edge(id.workload(w), id.credentialSpec(name), {
                label: w.authorized ? "uses" : "uses: NOT allowed by RBAC",
                color: w.authorized ? colors.use : colors.denied,
                fontcolor: w.authorized ? colors.use : colors.denied,
                penwidth: 2,
            });
        }
        const principal = principals(m).find(
            (p) => (p.namespace === w.namespace || p.namespace === "*") && (p.serviceAccount === w.serviceAccount || p.serviceAccount === "*"),
        );
        if (principal)
            out.edge(id.workload(w), id.principal(principal.namespace, principal.serviceAccount), { label: "runs as", color: colors.manage, style: "dotted" });
    }
}

function writeActiveDirectoryEdges(out: DotWriter, m: ArchitectureModel): void {
    const windows = m.windowsNodeGroups[0];
    const ad = m.activeDirectory;
    const kerberos = { color: colors.kerberos, fontcolor: colors.kerberos, penwidth: 2 };
    const dns = { color: colors.dns, fontcolor: colors.dns };
    if (windows && m.gmsaMode === "domainless") {
        out.edge(id.windows(windows.name), id.ccg, { label: "on container start", color: colors.manage, style: "dotted" });
        if (m.portableIdentity)
            out.edge(id.ccg, id.portableIdentity, { label: "GetSecretValue\n(node role)", color: colors.secret, fontcolor: colors.secret, penwidth: 2 });
        out.edge(id.ccg, id.domainControllers, { label: "Kerberos / LDAP:\ngMSA password", ...kerberos });
    }
    if (windows && m.gmsaMode === "domain-joined") {
        out.edge(id.windows(windows.name), id.domainControllers, { label: "domain members, Kerberos / LDAP:\ngMSA password", ...kerberos });
    }
    if (windows && m.dns.resolverRules.length > 0) {
        out.edge(id.windows(windows.name), id.resolver, { label: `DNS ${ad.domainName ?? ""}`.trim(), ...dns });
        out.edge(id.resolver, id.domainControllers, { label: "forwards", ...dns });
    } else if (windows && m.gmsaMode === "domain-joined") {
        out.edge(id.windows(windows.name), id.domainControllers, { label: "DNS", ...dns });
    }
    if (m.dns.coreDnsForwarders.length > 0)
        out.edge(id.coredns, id.domainControllers, { label: `DNS ${m.dns.coreDnsForwarders.map((f) => f.zone).join(", ")}`, ...dns });
    for (const c of m.credentialSpecs)
        out.edge(id.credentialSpec(c.name), id.gmsaAccounts, { label: "names", color: colors.ad, fontcolor: colors.ad, style: "dotted" });
    if (ad.provisioning.length > 0 && ad.managementHost) out.edge(id.provisioning, id.managementHost, { label: "SSM Run Command", color: colors.manage });
    if (ad.managementHost)
        out.edge(id.managementHost, id.domainControllers, {
            label: m.portableIdentity
                ? `LDAP (signed, sealed): readers' group,\ngMSAs, portable identit${ad.rotation ? "ies" : "y"}; chain check${ad.rotation ? ";\nrotation: new password, chain check" : ""}`
                : "LDAP (signed, sealed): readers' group,\ngMSAs; chain check",
            color: colors.manage,
        });
    // Rotation: Secrets Manager invokes the function, which runs each step on the host.
    if (ad.rotation && m.portableIdentity)
        out.edge(id.portableIdentity, id.rotation, {
            label: `rotates (${ad.rotation.schedule === "off" ? "by hand" : `every ${ad.rotation.schedule} days`})`,
            color: colors.secret,
            fontcolor: colors.secret,
        });
    if (ad.rotation && ad.managementHost)
        out.edge(id.rotation, id.managementHost, { label: "start, SSM Run Command\n(set / test step), stop", color: colors.manage });
    if (m.domainJoin && windows) out.edge(id.domainJoin, id.windows(windows.name), { label: "joins each node", color: colors.ad, fontcolor: colors.ad });
    if (hooksWithRunbooks(m).length > 0 && windows) {
        out.edge(id.windows(windows.name), id.lifecycle, { label: "launch / terminate", color: colors.manage, style: "dashed" });
        if (ad.managementHost) out.edge(id.lifecycle, id.managementHost, { label: "add to readers' group,\ndelete computer account", color: colors.manage });
    }
}

const legend =
    "blue: a pod uses a credential spec; green: RBAC lets a service account use it; orange: admission webhook; " +
    "purple: Kerberos/LDAP to AD; teal: DNS; red: secret read; grey: management";

/** Graphviz DOT of the model: nested clusters for account, VPC, EKS (node groups, API objects) and AD. Deterministic. */
export function architectureDot(m: ArchitectureModel): string {
    const out = new DotWriter();
    const title = `${m.project} / ${m.stack}: gMSA ${m.gmsaMode}, ${plural(m.resourceCount, "resource")}`;
    const font = "Helvetica";
    out.line(`digraph ${dotString(`${m.project}-${m.stack}`)} {`);
    out.line(
        `    graph${attributeList({ label: clusterLabel(title, legend), labelloc: "t", fontname: font, fontsize: 14, rankdir: "TB", compound: true, newrank: true, nodesep: 0.3, ranksep: 0.5, pad: 0.3 })};`,
    );
    out.line(`    node${attributeList({ shape: "box", style: "rounded,filled", fillcolor: "white", fontname: font, fontsize: 11, margin: "0.15,0.06" })};`);
    out.line(`    edge${attributeList({ fontname: font, fontsize: 9 })};`);
    const body = new DotWriter();
    body.cluster(
        "aws_account",
        { label: clusterLabel("AWS account", m.region ? `region ${m.region}` : undefined), color: colors.account, style: "rounded", penwidth: 2 },
        () => {
            if (m.cluster) writeAccessEntries(body, m.cluster);
            writePortableIdentity(body, m);
            writePortableIdentityRotation(body, m);
            writeNodeLifecycle(body, m);
            writeVpc(body, m);
        },
    );
    if (m.activeDirectory.source === "existing") writeActiveDirectory(body, m);
    writeLayering(body, m);
    writeKubernetesEdges(body, m);
    writeActiveDirectoryEdges(body, m);
    for (const line of body.text().trimEnd().split("\n")) out.line(`    ${line}`);
    out.line("}");
    return withoutInventedValues(out.text(), m.deployTimeValues);
}
