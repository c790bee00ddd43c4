// The review artifacts architecture.svg and summary.md: the model read from real plans, the DOT and
// SVG drawn from it (escaped), and the summary page.
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, test } from "node:test";
import { projectRoot, runStack } from "../tools/harness";
import { toPlan, type Plan, type PlanResource } from "../tools/planFile";
import type { PolicyReport } from "../tools/policy/report";
import { architectureDot, architectureModel, dotString, htmlText, renderSvg, type ArchitectureModel } from "../tools/review/architecture";
import { markdownCode, markdownText, renderSummary } from "../tools/review/summary";
import { projectName } from "../settings/validate";
import { defaultCertManagerVersion } from "../settings/validate";

/** Each real plan is rendered once (about 5 s of CPU each), on first use. */
const plans = new Map<string, Plan>();
function realPlan(stack: "dev" | "prod" | "joined"): Plan {
    let plan = plans.get(stack);
    if (!plan) {
        const configFile = stack === "joined" ? path.join(projectRoot, "examples", "stacks", "domain-joined.yaml") : undefined;
        const run = runStack({ stack, configFile });
        assert.deepEqual(run.errors, [], `stack ${stack} raised errors`);
        plan = toPlan(projectName, run);
        plans.set(stack, plan);
    }
    return plan;
}

/** A copy of a plan with extra resources, for situations the real stacks do not have. */
function withResources(plan: Plan, extra: PlanResource[]): Plan {
    return { ...plan, resources: [...plan.resources, ...extra].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0)) };
}

function kube(stack: string, type: string, name: string, inputs: Record<string, unknown>): PlanResource {
    return { urn: `urn:pulumi:${stack}::eks-gmsa::${type}::${name}`, type, name, dependencies: [], protect: false, inputs, options: { custom: true } };
}

const clusterRole = (stack: string, credspec: string) =>
    kube(stack, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", `role-${credspec}`, {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: `gmsa-use-${credspec}` },
        rules: [{ apiGroups: ["windows.k8s.io"], resources: ["gmsacredentialspecs"], verbs: ["use"], resourceNames: [credspec] }],
    });

const roleBinding = (stack: string, credspec: string, namespace: string, subjects: { kind: string; name: string; namespace?: string }[]) =>
    kube(stack, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", `binding-${credspec}-${namespace}`, {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: `gmsa-use-${credspec}`, namespace },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: `gmsa-use-${credspec}` },
        subjects,
    });

const credentialSpec = (stack: string, name: string, account: string) =>
    kube(stack, "kubernetes:windows.k8s.io/v1:GMSACredentialSpec", `credspec-${name}`, {
        apiVersion: "windows.k8s.io/v1",
        kind: "GMSACredentialSpec",
        metadata: { name },
        credspec: {
            CmsPlugins: ["ActiveDirectory"],
            DomainJoinConfig: {
                DnsName: "corp.example.com",
                NetBiosName: "CORP",
                MachineAccountName: account,
                Sid: "S-1-5-21-1-2-3",
                Guid: "5b5e8f3c-2f0a-4b8e-9c41-6f0d2a7b9e11",
                DnsTreeName: "corp.example.com",
            },
            ActiveDirectoryConfig: {
                GroupManagedServiceAccounts: [
                    { Name: account, Scope: "corp.example.com" },
                    { Name: account, Scope: "CORP" },
                ],
            },
        },
    });

const deployment = (stack: string, namespace: string, name: string, serviceAccount: string, credspec: string) =>
    kube(stack, "kubernetes:apps/v1:Deployment", name, {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace },
        spec: {
            template: {
                spec: {
                    serviceAccountName: serviceAccount,
                    nodeSelector: { "kubernetes.io/os": "windows" },
                    securityContext: { windowsOptions: { gmsaCredentialSpecName: credspec } },
                    containers: [{ name: "app", image: "example.com/app:1" }],
                },
            },
        },
    });

function credspecOf(model: ArchitectureModel, name: string) {
    const found = model.credentialSpecs.find((c) => c.name === name);
    assert.ok(found, `credential spec ${name} in the model`);
    return found;
}

describe("architectureModel: facts read from the real plans", () => {
    test("dev: new VPC, managed directory, domainless, exactly web/webapp may use webapp01", () => {
        const m = architectureModel(realPlan("dev"));
        assert.equal(m.stack, "dev");
        assert.equal(m.region, "us-west-2");
        assert.equal(m.network.vpc, "created");
        assert.equal(m.network.vpcCidr, "10.20.0.0/16");
        assert.deepEqual(
            m.network.subnets.map((s) => `${s.tier} ${s.availabilityZone} ${s.cidr}`),
            ["private us-west-2a 10.20.0.0/18", "private us-west-2b 10.20.64.0/18", "public us-west-2a 10.20.192.0/20", "public us-west-2b 10.20.208.0/20"],
        );
        assert.deepEqual(m.network.natGateways, [{ name: "nat-gateway-0", subnet: "public-subnet-0", availabilityZone: "us-west-2a" }]);

        const c = m.cluster!;
        assert.equal(c.name, "eks-gmsa-dev");
        assert.equal(c.kubernetesVersion, "1.35");
        assert.equal(c.authenticationMode, "API");
        assert.deepEqual([c.endpointPublic, c.endpointPrivate], [true, true]);
        assert.equal(c.deployRoleArn, undefined);
        assert.deepEqual(
            c.accessEntries.map((e) => `${e.type} ${e.principalArn.split("/").pop()} ${e.policies.map((p) => `${p.policy}@${p.scope}`).join(",")}`),
            [
                "STANDARD platform-admins AmazonEKSClusterAdminPolicy@cluster",
                "STANDARD app-team-web AmazonEKSAdminPolicy@namespaces web",
                "STANDARD developers-readonly AmazonEKSViewPolicy@cluster",
                "EC2_WINDOWS windows-node-role-89b7bb7 ",
            ],
        );
        assert.deepEqual(c.addons.find((a) => a.name === "vpc-cni")?.configurationKeys, ["enableWindowsIpam"]);

        assert.deepEqual(
            m.linuxNodeGroups.map((g) => [g.instanceTypes, g.minSize, g.desiredSize, g.maxSize]),
            [[["m6i.large"], 2, 2, 3]],
        );
        assert.equal(m.windowsNodeGroups.length, 1);
        const w = m.windowsNodeGroups[0];
        assert.deepEqual([w.instanceType, w.windowsServerVersion, w.edition, w.minSize, w.desiredSize, w.maxSize], ["m6i.xlarge", "2022", "Core", 1, 1, 3]);
        assert.deepEqual(w.taints, ["os=windows:NoSchedule"]);
        assert.equal(w.imdsv2Only, true);
        assert.deepEqual(w.lifecycleHooks, []);

        assert.equal(m.gmsaMode, "domainless");
        assert.equal(m.domainJoin, undefined);
        const ad = m.activeDirectory;
        assert.deepEqual([ad.source, ad.edition, ad.domainName, ad.netbiosName], ["managed", "Standard", "corp.example.com", "CORP"]);
        // The directory's addresses are its outputs: known only at deploy time, never made up here.
        assert.deepEqual(ad.dnsServers, ["(from the directory at deploy time)"]);
        assert.equal(ad.managementHost?.name, "ad-management-host-ubuntu-2404");
        assert.equal(ad.managementHost?.instanceType, "t3.small");
        assert.deepEqual(ad.managementHost?.readsSecrets, ["eks-gmsa/eks-gmsa-dev/directory-admin", "eks-gmsa/eks-gmsa-dev/portable-identity"]);
        assert.deepEqual(
            ad.provisioning.map((p) => [p.document, p.host]),
            [["eks-gmsa-dev-ad-provision-accounts", "ad-management-host-ubuntu-2404"]],
        );

        assert.deepEqual(m.dns.coreDnsForwarders, [{ zone: "corp.example.com", servers: ad.dnsServers }]);
        assert.deepEqual(
            m.dns.resolverRules.map((r) => [r.domainName, r.targetIps, r.associatedWithVpc]),
            [["corp.example.com", ad.dnsServers, true]],
        );
        assert.deepEqual(
            m.dns.resolverEndpoints.map((e) => [e.direction, e.addressCount]),
            [["OUTBOUND", 2]],
        );

        assert.deepEqual(m.portableIdentity, {
            secretName: "eks-gmsa/eks-gmsa-dev/portable-identity",
            kmsKey: "portable-identity-key",
            readers: ["ad-management-host-role", "portable-identity-rotation-role", "windows-node-role"],
            protect: false,
        });
        assert.deepEqual(
            m.helmReleases.map((r) => [r.role, r.chart, r.version, r.namespace]),
            [
                ["cert-manager", "cert-manager", defaultCertManagerVersion, "cert-manager"],
                ["gmsa-webhook", "gmsa", "0.13.0", "gmsa-webhook"],
            ],
        );
        assert.deepEqual(m.webhookOptOutNamespaces, ["cert-manager", "kube-system"]);

        assert.deepEqual(
            m.credentialSpecs.map((s) => s.name),
            ["webapp01"],
        );
        const spec = credspecOf(m, "webapp01");
        assert.equal(spec.account, "WebApp01");
        assert.equal(spec.domainless, true);
        assert.match(spec.credentialArn ?? "", /:secret:eks-gmsa\/eks-gmsa-dev\/portable-identity-/);
        assert.deepEqual(spec.allowed, [
            { namespace: "web", serviceAccounts: ["webapp"], bindings: ["RoleBinding web/gmsa-use-webapp01 -> ClusterRole gmsa-use-webapp01"] },
        ]);

        assert.deepEqual(
            m.workloads.map((x) => [x.kind, `${x.namespace}/${x.name}`, x.serviceAccount, x.credentialSpecs, x.authorized, x.windows, x.sample]),
            [
                ["Deployment", "web/gmsa-sample-iis", "webapp", ["webapp01"], true, true, true],
                ["Job", "web/gmsa-verify", "webapp", ["webapp01"], true, true, true],
            ],
        );
    });

    test("prod: existing directory, three AZs with a NAT gateway each, deploy role, two credential specs", () => {
        const m = architectureModel(realPlan("prod"));
        assert.equal(m.activeDirectory.source, "existing");
        assert.equal(m.activeDirectory.edition, undefined);
        assert.equal(m.activeDirectory.managementHost, undefined);
        assert.deepEqual(m.activeDirectory.dnsServers, ["10.10.0.10", "10.10.1.10"]);
        assert.equal(m.network.natGateways.length, 3);
        assert.deepEqual(new Set(m.network.subnets.map((s) => s.availabilityZone)), new Set(["us-west-2a", "us-west-2b", "us-west-2c"]));
        assert.equal(m.cluster?.deployRoleArn, "arn:aws:iam::123456789012:role/eks-gmsa-deploy");
        assert.deepEqual([m.cluster?.endpointPublic, m.cluster?.endpointPrivate, m.cluster?.protect], [true, true, true]);
        assert.equal(m.gmsaMode, "domainless");
        assert.deepEqual(m.portableIdentity?.readers, ["windows-node-role"]);
        assert.deepEqual(
            credspecOf(m, "reports").allowed.map((g) => [g.namespace, g.serviceAccounts]),
            [["reporting", ["report-runner", "report-scheduler"]]],
        );
        assert.deepEqual(
            credspecOf(m, "webapp01").allowed.map((g) => [g.namespace, g.serviceAccounts]),
            [["web", ["webapp"]]],
        );
        assert.equal(credspecOf(m, "reports").protect, true);
        assert.deepEqual(m.workloads, []);
    });

    test("domain-joined: SSM domain join, lifecycle hooks with their runbooks, no portable identity", () => {
        const m = architectureModel(realPlan("joined"));
        assert.equal(m.gmsaMode, "domain-joined");
        assert.deepEqual(m.domainJoin, {
            association: "windows-domain-join",
            document: "AWS-JoinDirectoryServiceDomain",
            directoryId: "d-1234567890",
            directoryName: "corp.example.com",
            organizationalUnit: "OU=EKS,OU=Computers,OU=CORP,DC=corp,DC=example,DC=com",
        });
        assert.equal(m.activeDirectory.source, "existing");
        assert.equal(m.activeDirectory.directoryId, "d-1234567890");
        assert.equal(m.portableIdentity, undefined);
        assert.deepEqual(m.dns.resolverRules, []);
        const hooks = m.windowsNodeGroups[0].lifecycleHooks;
        assert.deepEqual(
            hooks.map((h) => [h.transition, h.defaultResult, h.runbook]),
            [
                ["autoscaling:EC2_INSTANCE_LAUNCHING", "ABANDON", "eks-gmsa-joined-windows-node-launch"],
                ["autoscaling:EC2_INSTANCE_TERMINATING", "CONTINUE", "eks-gmsa-joined-windows-node-termination"],
            ],
        );
        assert.equal(credspecOf(m, "webapp01").domainless, false);
        assert.equal(m.activeDirectory.managementHost?.name, "ad-management-host-ubuntu-2404");
    });
});

describe("architectureModel reads the components' facts, never descriptions or user data", () => {
    /** The plan with each resource of `type` changed by `change`. */
    const edited = (plan: Plan, type: string, change: (inputs: Record<string, unknown>) => Record<string, unknown>): Plan => ({
        ...plan,
        resources: plan.resources.map((r) => (r.type === type ? { ...r, inputs: change(r.inputs) } : r)),
    });

    test("a reworded launch template description and user data change nothing; the WindowsNodes facts are what shows", () => {
        const plan = realPlan("dev");
        const reworded = edited(plan, "aws:ec2/launchTemplate:LaunchTemplate", (inputs) => ({
            ...inputs,
            description: "Linux nodes",
            userData: Buffer.from("#!/bin/bash\n--node-labels=wrong=label").toString("base64"),
        }));
        assert.deepEqual(architectureModel(reworded).windowsNodeGroups, architectureModel(plan).windowsNodeGroups);
        const refacted = edited(plan, "eks-gmsa:nodes:WindowsNodes", (inputs) => ({
            ...inputs,
            windowsServerVersion: "2019",
            edition: "Full",
            instanceType: "m5.2xlarge",
            nodeLabels: ["team=web"],
            taints: [],
        }));
        const [group] = architectureModel(refacted).windowsNodeGroups;
        assert.deepEqual(
            [group.windowsServerVersion, group.edition, group.instanceType, group.nodeLabels, group.taints],
            ["2019", "Full", "m5.2xlarge", ["team=web"], []],
        );
        assert.match(architectureDot(architectureModel(refacted)), /Windows Server 2019 Full/);
    });

    test("an auto scaling group outside a WindowsNodes component is no Windows node group, whatever its launch template says", () => {
        const plan = realPlan("dev");
        const orphaned = { ...plan, resources: plan.resources.map((r) => (r.type === "aws:autoscaling/group:Group" ? { ...r, parent: undefined } : r)) };
        assert.deepEqual(architectureModel(orphaned).windowsNodeGroups, []);
    });

    test("the provisioning box says what AccountProvisioning records, not the SSM document's description", () => {
        const plan = edited(realPlan("dev"), "aws:ssm/document:Document", (inputs) => ({
            ...inputs,
            content: JSON.stringify({ description: "something else entirely" }),
        }));
        const [run] = architectureModel(plan).activeDirectory.provisioning;
        assert.deepEqual([run.readersGroup, run.accounts, run.portableIdentity, run.verify], ["eks-gmsa-readers", ["WebApp01"], "gmsa-ccg-reader", true]);
        // The label's text, its lines joined (the box wraps long lines).
        const dot = architectureDot(architectureModel(plan))
            .replace(/<BR\/><FONT POINT-SIZE="9">/g, " ")
            .replace(/<\/FONT>/g, "")
            .replace(/&#39;/g, "'");
        assert.doesNotMatch(dot, /something else/);
        assert.match(dot, /readers' group eks-gmsa-readers; 1 gMSA WebApp01;/);
        assert.match(dot, /portable identity gmsa-ccg-reader; then checks the whole chain/);
    });
});

describe("architectureDot and renderSvg", () => {
    // Determinism is tested where it can fail: two separate `npm run plan` runs write the same
    // architecture.svg and summary.md (plan-cli.test.ts); rendering one cached plan twice here could not.
    test("dev: the DOT names the cluster, node groups, directory, credential spec and its grant", () => {
        const m = architectureModel(realPlan("dev"));
        const dot = architectureDot(m);
        assert.match(dot, /^digraph "eks-gmsa-dev" \{/);
        for (const cluster of [
            "cluster_aws_account",
            "cluster_vpc",
            "cluster_eks",
            "cluster_linux_linux-nodes",
            "cluster_windows_windows-nodes",
            "cluster_api_objects",
            "cluster_active_directory",
        ]) {
            assert.ok(dot.includes(`subgraph "${cluster}" {`), cluster);
        }
        for (const label of [
            "EKS cluster eks-gmsa-dev",
            "VPC 10.20.0.0/16",
            "GMSACredentialSpec webapp01",
            "service account webapp",
            "Active Directory corp.example.com",
            "AWS Managed Microsoft AD (Standard)",
            "Windows Server 2022 Core",
            "gMSA admission webhook",
            "Helm gmsa 0.13.0",
            `cert-manager ${defaultCertManagerVersion}`,
            "Secrets Manager: portable identity",
            "Route 53 Resolver",
            "corp.example.com -&gt; ",
        ]) {
            assert.ok(dot.includes(label), `DOT has ${label}`);
        }
        const edge = (from: string, to: string) =>
            new RegExp(`"${from.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}" -> "${to.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}" \\[label="([^"]*)"`);
        assert.match(dot, edge("workload:Deployment:web/gmsa-sample-iis", "credspec:webapp01"), "pod uses the credential spec");
        assert.match(dot, edge("sa:web/webapp", "credspec:webapp01"), "RBAC grant");
        assert.match(dot, edge("helm:gmsa-webhook", "workload:Deployment:web/gmsa-sample-iis"), "webhook validates");
        assert.match(dot, edge("nodes:windows:ccg-plugin", "aws:portable-identity"), "CCG reads the secret");
        assert.match(dot, edge("nodes:windows:ccg-plugin", "ad:domain-controllers"), "Kerberos to the DCs");
        assert.match(dot, edge("addon:coredns", "ad:domain-controllers"), "CoreDNS forwards");
        assert.match(dot, edge("ad:management-host", "ad:domain-controllers"), "provisioning over signed and sealed LDAP");
        assert.doesNotMatch(dot, /NOT allowed/);
    });

    test("domain-joined: nodes talk to the domain controllers themselves; no CCG plugin or secret", () => {
        const dot = architectureDot(architectureModel(realPlan("joined")));
        assert.match(dot, /"nodes:windows:windows-nodes" -> "ad:domain-controllers" \[label="domain members/);
        assert.match(dot, /"ad:domain-join" -> "nodes:windows:windows-nodes"/);
        assert.match(dot, /"nodes:windows:windows-nodes" -> "ad:node-lifecycle"/);
        assert.ok(!dot.includes("ccg-plugin") && !dot.includes("aws:portable-identity"));
        assert.ok(dot.includes("existing directory d-1234567890"));
    });

    test("the SVG renders, is an SVG document naming the cluster and credential spec", async () => {
        const dot = architectureDot(architectureModel(realPlan("dev")));
        const svg = await renderSvg(dot);
        assert.match(svg, /^(<\?xml[^>]*>\s*)?(<!DOCTYPE[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<svg\b/);
        assert.match(svg, /<\/svg>\s*$/);
        // Graphviz writes some characters (such as "-") as numeric character references.
        const text = svg.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
        assert.ok(text.includes("GMSACredentialSpec webapp01"));
        assert.ok(text.includes("EKS cluster eks-gmsa-dev"));
        assert.ok(!svg.includes('font-family="Helvetica,sans-Serif"'), "metric-compatible fallback fonts are named");
    });

    test("renderSvg rejects DOT that Graphviz cannot parse", async () => {
        await assert.rejects(renderSvg("digraph { a -> }"), /graphviz/);
    });

    test("a second credential spec allowed in two namespaces shows both grants; a RoleBinding elsewhere and a pod without a grant do not count", () => {
        const stack = "dev";
        const plan = withResources(realPlan("dev"), [
            credentialSpec(stack, "reports", "ReportsSvc"),
            clusterRole(stack, "reports"),
            roleBinding(stack, "reports", "team-a", [{ kind: "ServiceAccount", name: "runner", namespace: "team-a" }]),
            roleBinding(stack, "reports", "team-b", [
                { kind: "ServiceAccount", name: "scheduler" },
                { kind: "ServiceAccount", name: "runner", namespace: "team-b" },
                // Bound in team-b, but its pods run in team-c: the webhook asks in team-c, so no grant.
                { kind: "ServiceAccount", name: "outsider", namespace: "team-c" },
            ]),
            deployment(stack, "team-a", "report-app", "runner", "reports"),
            deployment(stack, "team-c", "sneaky-app", "outsider", "reports"),
        ]);
        const m = architectureModel(plan);
        assert.deepEqual(
            m.credentialSpecs.map((c) => c.name),
            ["reports", "webapp01"],
        );
        assert.deepEqual(credspecOf(m, "reports").allowed, [
            { namespace: "team-a", serviceAccounts: ["runner"], bindings: ["RoleBinding team-a/gmsa-use-reports -> ClusterRole gmsa-use-reports"] },
            {
                namespace: "team-b",
                serviceAccounts: ["runner", "scheduler"],
                bindings: ["RoleBinding team-b/gmsa-use-reports -> ClusterRole gmsa-use-reports"],
            },
        ]);
        assert.deepEqual(
            credspecOf(m, "webapp01").allowed.map((g) => g.namespace),
            ["web"],
            "the first credential spec's grant is unchanged",
        );
        assert.deepEqual(
            m.workloads.filter((w) => w.credentialSpecs.includes("reports")).map((w) => [w.name, w.authorized]),
            [
                ["report-app", true],
                ["sneaky-app", false],
            ],
        );

        const dot = architectureDot(m);
        for (const principal of ["sa:team-a/runner", "sa:team-b/runner", "sa:team-b/scheduler"]) {
            assert.match(dot, new RegExp(`"${principal}" -> "credspec:reports" \\[label="may use \\(RBAC\\)"`), principal);
        }
        assert.doesNotMatch(dot, /"sa:team-c\/outsider"/);
        assert.match(dot, /"sa:web\/webapp" -> "credspec:webapp01"/);
        assert.match(dot, /"workload:Deployment:team-c\/sneaky-app" -> "credspec:reports" \[label="uses: NOT allowed by RBAC"/);
        assert.match(dot, /"workload:Deployment:team-a\/report-app" -> "credspec:reports" \[label="uses"/);
        assert.ok(dot.includes("may use: team-b / runner, scheduler"));
    });

    test("a ClusterRoleBinding to every service account shows as a grant in every namespace", () => {
        const stack = "dev";
        const binding = kube(stack, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "everyone-reports", {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: "everyone-reports" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "gmsa-use-reports" },
            subjects: [{ kind: "Group", name: "system:serviceaccounts", apiGroup: "rbac.authorization.k8s.io" }],
        });
        const m = architectureModel(withResources(realPlan("dev"), [credentialSpec(stack, "reports", "ReportsSvc"), clusterRole(stack, "reports"), binding]));
        assert.deepEqual(
            credspecOf(m, "reports").allowed.map((g) => [g.namespace, g.serviceAccounts]),
            [["*", ["*"]]],
        );
        assert.ok(architectureDot(m).includes("every service account"));
    });

    test("labels with quotes, backslashes and angle brackets are escaped, and Graphviz still parses the result", async () => {
        assert.equal(dotString('a"b\\c\nd'), '"a\\"b\\\\c\\nd"');
        assert.equal(htmlText(`<b>"x" & 'y'</b>`), "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;");

        const stack = "dev";
        const evil = 'ev"il<b>\\';
        const plan = withResources(realPlan("dev"), [
            credentialSpec(stack, evil, "Acc<script>"),
            clusterRole(stack, evil),
            roleBinding(stack, evil, 'ns"x', [{ kind: "ServiceAccount", name: "sa<i>" }]),
        ]);
        const dot = architectureDot(architectureModel(plan));
        assert.ok(dot.includes('"credspec:ev\\"il<b>\\\\"'), "node IDs are quoted DOT strings");
        assert.ok(dot.includes("GMSACredentialSpec ev&quot;il&lt;b&gt;\\"), "HTML labels carry entities");
        assert.ok(dot.includes("Acc&lt;script&gt;"));
        assert.ok(dot.includes("service account sa&lt;i&gt;"));
        // Outside quoted strings (node IDs, attribute values) only HTML labels remain: no raw markup from names there.
        const outsideQuotes = dot.replace(/"(?:[^"\\]|\\.)*"/g, '""');
        assert.ok(!outsideQuotes.includes("<script>") && !outsideQuotes.includes("<i>") && !outsideQuotes.includes("<b>\\"), "names are escaped in labels");
        const svg = await renderSvg(dot);
        assert.ok(svg.includes("Acc&lt;script&gt;"));
        assert.ok(!svg.includes("<script>"));
    });
});

describe("renderSummary", () => {
    const report = (passed: boolean): PolicyReport => ({
        pack: { name: "eks-gmsa", version: "0.1.0" },
        plan: { project: "eks-gmsa", stack: "dev", resources: 90 },
        passed,
        summary: { mandatory: passed ? 0 : 1, advisory: 1 },
        policies: [
            {
                name: "gmsa-workload-authorized",
                enforcementLevel: "mandatory",
                description: "…",
                violations: passed
                    ? []
                    : [
                          {
                              urn: "urn:pulumi:dev::eks-gmsa::kubernetes:apps/v1:Deployment::app",
                              message: "service account a|b may not use x",
                              enforcementLevel: "mandatory",
                          },
                      ],
            },
            {
                name: "gmsa-no-cluster-wide-binding",
                enforcementLevel: "advisory",
                description: "…",
                violations: [{ message: "stack-wide <finding>", enforcementLevel: "advisory" }],
            },
            { name: "aws-imdsv2-required", enforcementLevel: "disabled", description: "…", violations: [] },
        ],
    });

    test("header, picture, the verdict, each policy and violation, the extra sections in order, then counts by type and every resource", () => {
        const plan = realPlan("dev");
        const extraSections = [
            { title: "Deploy-time model", body: "model body\n" },
            { title: "Manifest validation", body: "validation body" },
            { title: "Day-2 diff", body: "diff body" },
        ];
        const md = renderSummary({ plan, policyReport: report(false), extraSections });
        assert.ok(md.startsWith("# eks-gmsa / dev\n"));
        assert.ok(md.includes(`**${plan.resources.length} resources**`));
        assert.ok(md.includes("![architecture](architecture.svg)"));
        assert.ok(md.includes("| `eks:index:Cluster` | 1 |"));
        assert.ok(md.includes("| `aws:iam/rolePolicyAttachment:RolePolicyAttachment` | 11 |"));
        assert.ok(md.includes(`| **total** | **${plan.resources.length}** |`));
        const resourceRows = md.split("\n").filter((l) => /^\| `[^`]+` \| `[^`:]+:[^`]*` \|/.test(l));
        assert.equal(resourceRows.length, plan.resources.length, "one row per resource");
        assert.ok(
            md.includes(
                "| `credspec-webapp01` | `kubernetes:windows.k8s.io/v1:GMSACredentialSpec` | `credential-specs` (`eks-gmsa:gmsa:CredentialSpecs`) |  |",
            ),
        );
        assert.ok(md.includes("**FAILED**: 1 mandatory and 1 advisory violations"));
        assert.ok(md.includes("| `gmsa-workload-authorized` | mandatory | 1 |"));
        assert.ok(md.includes("| `aws-imdsv2-required` | disabled | 0 |"));
        assert.ok(md.includes("on `kubernetes:apps/v1:Deployment app`: service account a\\|b may not use x"), "violation with its resource, pipe escaped");
        assert.ok(md.includes("on stack: stack-wide &lt;finding&gt;"));
        // What a reviewer acts on first; the extra sections in order; the inventory last.
        const positions = [
            "## What changes",
            "## Who may use which gMSA",
            "## Active Directory before the deploy",
            "## Policy report",
            "## Deploy-time model",
            "model body",
            "## Manifest validation",
            "validation body",
            "## Day-2 diff",
            "diff body",
            "## Resources",
        ].map((s) => md.indexOf(s));
        assert.ok(
            positions.every((p) => p >= 0),
            "every section is there",
        );
        assert.deepEqual(
            positions,
            [...positions].sort((a, b) => a - b),
            "in order",
        );
        assert.ok(md.endsWith("</details>\n"));
    });

    test("a passing report says PASSED; marks protected resources", () => {
        const plan = realPlan("prod");
        const md = renderSummary({ plan, policyReport: report(true) });
        assert.ok(md.includes("**PASSED**"));
        assert.ok(!md.includes("**FAILED**"));
        assert.ok(md.includes("| `eks` | `eks:index:Cluster` | `cluster` (`eks-gmsa:cluster:Cluster`) | yes |"));
        assert.ok(md.includes(`${plan.resources.filter((r) => r.protect).length} protected`));
    });

    test("markdown escaping", () => {
        assert.equal(markdownText("a|b *c* <d> [e]"), "a\\|b \\*c\\* &lt;d&gt; \\[e\\]");
        assert.equal(markdownCode("a|b"), "`a\\|b`");
        assert.equal(markdownCode("x`y"), "``x`y``");
        assert.equal(markdownCode("`x"), "`` `x ``");
    });
});
