// The policy pack, run as the Pulumi CLI runs it: its own process, the analyzer gRPC protocol
// (GetAnalyzerInfo, Configure, Analyze per resource, AnalyzeStack), over plan fixtures that must
// pass and plan fixtures that must fail, each with the policies expected to catch it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import policyPackage from "../policy/package.json";
import { defaultPackDir, startPolicyPack, type PackSession } from "../tools/policy/analyzer";
import { evaluateInProcess } from "../tools/policy/evaluate";
import type { PolicyConfig, Violation } from "../tools/policy/types";
import type { PlanResource } from "../tools/planFile";
import { binding, compliantStack, credspec, gmsaRelease, resource, saSubject, useRole, useRule, workload } from "./policy-fixtures";
import { credspecBody } from "./support/fixtures";

let pack: PackSession;
before(async () => {
    pack = await startPolicyPack(defaultPackDir);
});
after(async () => {
    await pack?.close();
});

const replace = (stack: PlanResource[], type: string, ...replacements: PlanResource[]) => [...stack.filter((r) => !r.type.endsWith(type)), ...replacements];
const without = (stack: PlanResource[], type: string) => stack.filter((r) => !r.type.endsWith(type));
const clusterRole = (names: string[] | null = ["webapp01"]) => useRole("ClusterRole", "gmsa-use-webapp01", useRule(names));
const roleBindingTo = (subjects: Record<string, unknown>[], namespace = "web", roleRef = { kind: "ClusterRole", name: "gmsa-use-webapp01" }) =>
    binding("RoleBinding", "gmsa-use-webapp01", roleRef, subjects, namespace);
const stackWithWorkload = (w: PlanResource, bindingSubjects: Record<string, unknown>[] = [saSubject("webapp", "web")]) => [
    gmsaRelease(),
    credspec(),
    clusterRole(),
    roleBindingTo(bindingSubjects),
    w,
];
const ec2Template = (httpTokens: string) =>
    resource("aws:ec2/launchTemplate:LaunchTemplate", "windows-nodes", { metadataOptions: { httpEndpoint: "enabled", httpTokens } });
const rolePolicy = (statement: Record<string, unknown>) =>
    resource("aws:iam/rolePolicy:RolePolicy", "windows-nodes-read", {
        role: "windows-node-role",
        policy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }),
    });
const secretArn = "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/dev/portable-identity-AbCdEf";
const adminPolicyArn = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
const eksCluster = (principalArn: string) =>
    resource(
        "eks:index:Cluster",
        "eks",
        {
            name: "c",
            accessEntries: {
                admin: { principalArn, type: "STANDARD", accessPolicies: { clusterAdmin: { policyArn: adminPolicyArn, accessScope: { type: "cluster" } } } },
            },
        },
        { options: { custom: false, remote: true } },
    );

interface Case {
    name: string;
    resources: PlanResource[];
    config?: PolicyConfig;
    /** Policies whose mandatory findings are expected (exactly these). */
    mandatory: string[];
    /** Policies whose advisory findings are expected (exactly these). */
    advisory?: string[];
}

const passing: Case[] = [
    { name: "a compliant gMSA stack", resources: compliantStack(), mandatory: [] },
    ...["Pod", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"].map((kind): Case => ({
        name: `a ${kind} bound to its credential spec`,
        resources: stackWithWorkload(workload(kind, "app", "web", { serviceAccount: "webapp" })),
        mandatory: [],
    })),
    {
        name: "a Role (not a ClusterRole) in the workload's namespace",
        resources: [
            gmsaRelease(),
            credspec(),
            useRole("Role", "gmsa-user", useRule(), "web"),
            roleBindingTo([saSubject("webapp", "web")], "web", { kind: "Role", name: "gmsa-user" }),
            workload("Deployment", "app", "web", { serviceAccount: "webapp" }),
        ],
        mandatory: [],
    },
    {
        name: "a group subject for the namespace's service accounts",
        resources: stackWithWorkload(workload("Deployment", "app", "web", { serviceAccount: "webapp" }), [
            { kind: "Group", name: "system:serviceaccounts:web", apiGroup: "rbac.authorization.k8s.io" },
        ]),
        mandatory: [],
    },
    {
        name: "a group subject for all service accounts",
        resources: stackWithWorkload(workload("Deployment", "app", "web", { serviceAccount: "webapp" }), [
            { kind: "Group", name: "system:serviceaccounts", apiGroup: "rbac.authorization.k8s.io" },
        ]),
        mandatory: [],
    },
    {
        name: "a User subject naming the service account",
        resources: stackWithWorkload(workload("Deployment", "app", "web", { serviceAccount: "webapp" }), [
            { kind: "User", name: "system:serviceaccount:web:webapp", apiGroup: "rbac.authorization.k8s.io" },
        ]),
        mandatory: [],
    },
    {
        name: "no service account named: the namespace's default is bound",
        resources: stackWithWorkload(workload("Deployment", "app", "web", {}), [saSubject("default", "web")]),
        mandatory: [],
    },
    {
        name: "a RoleBinding subject without namespace means the binding's namespace",
        resources: stackWithWorkload(workload("Deployment", "app", "web", { serviceAccount: "webapp" }), [saSubject("webapp")]),
        mandatory: [],
    },
    { name: "a role naming several credential specs", resources: replace(compliantStack(), ":ClusterRole", clusterRole(["other", "webapp01"])), mandatory: [] },
    {
        name: "select Windows through required node affinity",
        resources: stackWithWorkload(
            resource("kubernetes:apps/v1:Deployment", "affinity", {
                metadata: { name: "affinity", namespace: "web" },
                spec: {
                    template: {
                        spec: {
                            serviceAccountName: "webapp",
                            securityContext: { windowsOptions: { gmsaCredentialSpecName: "webapp01" } },
                            affinity: {
                                nodeAffinity: {
                                    requiredDuringSchedulingIgnoredDuringExecution: {
                                        nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/os", operator: "In", values: ["windows"] }] }],
                                    },
                                },
                            },
                            containers: [{ name: "c", image: "i" }],
                        },
                    },
                },
            }),
        ),
        mandatory: [],
    },
    {
        name: "select Windows through spec.os.name",
        resources: stackWithWorkload(workload("Deployment", "app", "web", { serviceAccount: "webapp", nodeSelector: null, os: "windows" })),
        mandatory: [],
    },
    {
        name: "an app repository: credential spec and RBAC provided by the platform stack, webhook external",
        resources: [workload("Deployment", "app", "web", { serviceAccount: "webapp" })],
        config: {
            "gmsa-credspec-exists": { externalCredentialSpecs: ["webapp01"] },
            "gmsa-workload-authorized": { externalGrants: [{ name: "webapp01", allowed: [{ namespace: "web", serviceAccounts: ["webapp"] }] }] },
            "gmsa-webhook-present": { webhookExternal: true },
        },
        mandatory: [],
    },
    {
        name: "a wildcard role on the allow-list",
        resources: [...compliantStack(), useRole("ClusterRole", "platform-superuser", { apiGroups: ["*"], resources: ["*"], verbs: ["*"] })],
        config: { "gmsa-rbac-scoped": { allowedRoles: ["ClusterRole/platform-superuser"] } },
        mandatory: [],
    },
    {
        name: "a disabled policy reports nothing",
        resources: without(compliantStack(), "Release"),
        config: { "gmsa-webhook-present": { enforcementLevel: "disabled" } },
        mandatory: [],
    },
    {
        name: "a policy disabled with the shorthand form reports nothing",
        resources: without(compliantStack(), "Release"),
        config: { "gmsa-webhook-present": "disabled" },
        mandatory: [],
    },
    {
        name: "IMDSv2 required and secrets read by ARN",
        resources: [
            ec2Template("required"),
            resource("aws:ec2/instance:Instance", "ad-management-host", { metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 } }),
            rolePolicy({ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: [secretArn] }),
        ],
        mandatory: [],
    },
    {
        name: "a cluster admin on the allow-list",
        resources: [eksCluster("arn:aws:iam::123456789012:role/platform-admins")],
        config: { "eks-cluster-admin-allowlist": { allowedPrincipals: ["arn:aws:iam::123456789012:role/platform-admins"] } },
        mandatory: [],
    },
    {
        name: "resources without gMSA are not its business",
        resources: [
            resource("kubernetes:apps/v1:Deployment", "linux", {
                metadata: { name: "linux", namespace: "web" },
                spec: { template: { spec: { containers: [{ name: "c", image: "nginx" }] } } },
            }),
        ],
        mandatory: [],
    },
];

const failing: Case[] = [
    { name: "no binding at all", resources: without(compliantStack(), "RoleBinding"), mandatory: ["gmsa-workload-authorized"] },
    {
        name: "a RoleBinding in another namespace",
        resources: replace(compliantStack(), "RoleBinding", roleBindingTo([saSubject("webapp", "web")], "other")),
        mandatory: ["gmsa-workload-authorized"],
    },
    {
        name: "a Role that lives in another namespace than the RoleBinding",
        resources: [
            gmsaRelease(),
            credspec(),
            useRole("Role", "gmsa-user", useRule(), "other"),
            roleBindingTo([saSubject("webapp", "web")], "web", { kind: "Role", name: "gmsa-user" }),
            workload("Deployment", "app", "web", { serviceAccount: "webapp" }),
        ],
        mandatory: ["gmsa-workload-authorized"],
    },
    {
        name: "the binding names another service account",
        resources: stackWithWorkload(workload("Deployment", "app", "web", { serviceAccount: "intruder" })),
        mandatory: ["gmsa-workload-authorized"],
    },
    {
        name: "the role grants another credential spec",
        resources: [...replace(compliantStack(), ":ClusterRole", clusterRole(["reports"])), credspec("reports")],
        mandatory: ["gmsa-workload-authorized"],
    },
    {
        name: "the role grants get, not use",
        resources: replace(
            compliantStack(),
            ":ClusterRole",
            useRole("ClusterRole", "gmsa-use-webapp01", {
                apiGroups: ["windows.k8s.io"],
                resources: ["gmsacredentialspecs"],
                verbs: ["get"],
                resourceNames: ["webapp01"],
            }),
        ),
        mandatory: ["gmsa-workload-authorized"],
    },
    {
        name: "a container-level credential spec nobody granted",
        resources: [...compliantStack(), workload("Deployment", "second", "web", { serviceAccount: "other-sa", containerCredspec: "webapp01" })],
        mandatory: ["gmsa-workload-authorized"],
    },
    {
        name: "an init container's credential spec nobody granted",
        resources: [...compliantStack(), workload("Deployment", "third", "web", { serviceAccount: "other-sa", initCredspec: "webapp01" })],
        mandatory: ["gmsa-container-credspec-matches-pod", "gmsa-workload-authorized"],
    },
    {
        name: "a CronJob nobody granted",
        resources: [...compliantStack(), workload("CronJob", "nightly", "web", { serviceAccount: "batch" })],
        mandatory: ["gmsa-workload-authorized"],
    },
    {
        name: "the default service account is not the bound one",
        resources: stackWithWorkload(workload("Deployment", "app", "web", {})),
        mandatory: ["gmsa-workload-authorized"],
    },
    {
        name: "a group subject for another namespace",
        resources: stackWithWorkload(workload("Deployment", "app", "web", { serviceAccount: "webapp" }), [
            { kind: "Group", name: "system:serviceaccounts:other", apiGroup: "rbac.authorization.k8s.io" },
        ]),
        mandatory: ["gmsa-workload-authorized"],
    },
    {
        name: "a workload in the default namespace bound only in web",
        resources: stackWithWorkload(workload("Deployment", "app", undefined, { serviceAccount: "webapp" })),
        mandatory: ["gmsa-workload-authorized"],
    },
    { name: "the credential spec is not in the stack", resources: without(compliantStack(), "GMSACredentialSpec"), mandatory: ["gmsa-credspec-exists"] },
    {
        name: "a role granting use on every credential spec (no resourceNames)",
        resources: replace(compliantStack(), ":ClusterRole", clusterRole(null)),
        mandatory: ["gmsa-rbac-scoped"],
    },
    {
        name: "a wildcard verb on gmsacredentialspecs",
        resources: [
            ...compliantStack(),
            useRole("ClusterRole", "too-much", {
                apiGroups: ["windows.k8s.io"],
                resources: ["gmsacredentialspecs"],
                verbs: ["*"],
                resourceNames: ["webapp01"],
            }),
        ],
        mandatory: ["gmsa-rbac-scoped"],
    },
    {
        name: "a wildcard resource in windows.k8s.io",
        resources: [
            ...compliantStack(),
            useRole("ClusterRole", "too-much", { apiGroups: ["windows.k8s.io"], resources: ["*"], verbs: ["use"], resourceNames: ["webapp01"] }),
        ],
        mandatory: ["gmsa-rbac-scoped"],
    },
    {
        name: "a wildcard API group reaching gmsacredentialspecs (a namespaced Role)",
        resources: [
            ...compliantStack(),
            useRole("Role", "too-much", { apiGroups: ["*"], resources: ["gmsacredentialspecs"], verbs: ["use"], resourceNames: ["webapp01"] }, "web"),
        ],
        mandatory: ["gmsa-rbac-scoped"],
    },
    {
        name: "a cluster-wide binding of a gMSA role (advisory)",
        resources: [
            ...without(compliantStack(), "RoleBinding"),
            binding("ClusterRoleBinding", "everyone", { kind: "ClusterRole", name: "gmsa-use-webapp01" }, [saSubject("webapp", "web")]),
        ],
        mandatory: [],
        advisory: ["gmsa-no-cluster-wide-binding"],
    },
    {
        name: "`all: advisory` lowers every policy not named",
        resources: without(compliantStack(), "Release"),
        config: { all: "advisory" },
        mandatory: [],
        advisory: ["gmsa-webhook-present"],
    },
    {
        name: "a cluster-wide binding made mandatory by config",
        resources: [
            ...without(compliantStack(), "RoleBinding"),
            binding("ClusterRoleBinding", "everyone", { kind: "ClusterRole", name: "gmsa-use-webapp01" }, [saSubject("webapp", "web")]),
        ],
        config: { "gmsa-no-cluster-wide-binding": { enforcementLevel: "mandatory" } },
        mandatory: ["gmsa-no-cluster-wide-binding"],
    },
    {
        name: "inline credential spec contents",
        resources: replace(compliantStack(), ":Deployment", workload("Deployment", "web", "web", { serviceAccount: "webapp", inline: true })),
        mandatory: ["gmsa-no-inline-credspec"],
    },
    {
        name: "no node selector",
        resources: replace(compliantStack(), ":Deployment", workload("Deployment", "web", "web", { serviceAccount: "webapp", nodeSelector: null })),
        mandatory: ["gmsa-windows-node-selector"],
    },
    {
        name: "a Linux node selector",
        resources: replace(
            compliantStack(),
            ":Deployment",
            workload("Deployment", "web", "web", { serviceAccount: "webapp", nodeSelector: { "kubernetes.io/os": "linux" } }),
        ),
        mandatory: ["gmsa-windows-node-selector"],
    },
    {
        name: "a credential spec with a malformed SID",
        resources: replace(
            compliantStack(),
            "GMSACredentialSpec",
            credspecWith((c) => {
                c.DomainJoinConfig.Sid = "S-1-5-32-544";
            }),
        ),
        mandatory: ["gmsa-credspec-well-formed"],
    },
    {
        name: "a credential spec with a malformed GUID",
        resources: replace(
            compliantStack(),
            "GMSACredentialSpec",
            credspecWith((c) => {
                c.DomainJoinConfig.Guid = "not-a-guid";
            }),
        ),
        mandatory: ["gmsa-credspec-well-formed"],
    },
    {
        name: "a NetBIOS name over 15 characters",
        resources: replace(
            compliantStack(),
            "GMSACredentialSpec",
            credspecWith((c) => {
                c.DomainJoinConfig.NetBiosName = "CORPORATEDOMAIN01";
                c.ActiveDirectoryConfig.GroupManagedServiceAccounts[1].Scope = "CORPORATEDOMAIN01";
            }),
        ),
        mandatory: ["gmsa-credspec-well-formed"],
    },
    {
        name: "the account under the DNS scope only",
        resources: replace(
            compliantStack(),
            "GMSACredentialSpec",
            credspecWith((c) => {
                c.ActiveDirectoryConfig.GroupManagedServiceAccounts.pop();
            }),
        ),
        mandatory: ["gmsa-credspec-well-formed"],
    },
    {
        name: "a PluginInput holding a password",
        resources: replace(
            compliantStack(),
            "GMSACredentialSpec",
            credspecWith((c) => {
                c.ActiveDirectoryConfig.HostAccountConfig!.PluginInput = JSON.stringify({
                    username: "gmsa-ccg-reader",
                    password: "hunter2",
                    domainName: "corp.example.com",
                });
            }),
        ),
        mandatory: ["gmsa-credspec-well-formed"],
    },
    { name: "credential specs without the webhook", resources: without(compliantStack(), "Release"), mandatory: ["gmsa-webhook-present"] },
    {
        name: "the node role reads every secret",
        resources: [rolePolicy({ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*" })],
        mandatory: ["aws-secrets-by-arn"],
    },
    {
        name: "a wildcard action on wildcard secret ARNs",
        resources: [rolePolicy({ Effect: "Allow", Action: ["secretsmanager:*"], Resource: ["arn:aws:secretsmanager:us-west-2:123456789012:secret:*"] })],
        mandatory: ["aws-secrets-by-arn"],
    },
    { name: "a launch template that allows IMDSv1", resources: [ec2Template("optional")], mandatory: ["aws-imdsv2-required"] },
    {
        name: "an EC2 instance without IMDSv2 (metadata options not set)",
        resources: [resource("aws:ec2/instance:Instance", "ad-management-host", { instanceType: "t3.medium" })],
        mandatory: ["aws-imdsv2-required"],
    },
    {
        name: "a cluster admin not on the allow-list (eks.Cluster access entries)",
        resources: [eksCluster("arn:aws:iam::123456789012:user/alice")],
        config: { "eks-cluster-admin-allowlist": { allowedPrincipals: ["arn:aws:iam::123456789012:role/platform-admins"] } },
        mandatory: ["eks-cluster-admin-allowlist"],
    },
    {
        name: "a cluster admin not on the allow-list (access policy association)",
        resources: [
            resource("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "alice-admin", {
                clusterName: "c",
                principalArn: "arn:aws:iam::123456789012:user/alice",
                policyArn: adminPolicyArn,
                accessScope: { type: "cluster" },
            }),
        ],
        mandatory: ["eks-cluster-admin-allowlist"],
    },
];

function credspecWith(edit: (c: ReturnType<typeof credspecBody>) => void): PlanResource {
    const body = credspecBody();
    edit(body);
    return credspec("webapp01", { credspec: body });
}

const policiesOf = (violations: Violation[], level: string) =>
    [...new Set(violations.filter((v) => v.enforcementLevel === level).map((v) => v.policyName))].sort();

describe("plans that must pass", () => {
    for (const c of passing) {
        test(c.name, async () => {
            const violations = await pack.analyze(c.resources, c.config ?? {});
            assert.deepEqual(policiesOf(violations, "mandatory"), c.mandatory, JSON.stringify(violations, null, 1));
            assert.deepEqual(policiesOf(violations, "advisory"), c.advisory ?? [], JSON.stringify(violations, null, 1));
        });
    }
});

describe("plans that must fail, caught by the expected policy", () => {
    for (const c of failing) {
        test(c.name, async () => {
            const violations = await pack.analyze(c.resources, c.config ?? {});
            assert.deepEqual(policiesOf(violations, "mandatory"), c.mandatory, JSON.stringify(violations, null, 1));
            assert.deepEqual(policiesOf(violations, "advisory"), c.advisory ?? [], JSON.stringify(violations, null, 1));
            for (const v of violations) assert.ok(v.message.trim().length > 20, `a message a reviewer can act on: ${v.message}`);
        });
    }

    test("at least 40 fixtures in all", () => assert.ok(passing.length + failing.length >= 40, `${passing.length + failing.length}`));
});

describe("messages name the resource and the fix", () => {
    test("an unauthorized workload is named with its namespace, service account and credential spec", async () => {
        const violations = await pack.analyze(stackWithWorkload(workload("Deployment", "app", "web", { serviceAccount: "intruder" })));
        const v = violations.find((x) => x.policyName === "gmsa-workload-authorized")!;
        assert.match(v.message, /web\/app/);
        assert.match(v.message, /intruder/);
        assert.match(v.message, /webapp01/);
        assert.match(v.urn ?? "", /Deployment/);
    });
});

describe("the pack as the CLI sees it", () => {
    test("GetAnalyzerInfo: name, version from policy/package.json, every policy with a description and a level", () => {
        assert.equal(pack.info.name, "eks-gmsa");
        assert.equal(pack.info.version, policyPackage.version);
        const names = pack.info.policies.map((p) => p.name);
        for (const name of [
            "gmsa-workload-authorized",
            "gmsa-credspec-exists",
            "gmsa-rbac-scoped",
            "gmsa-no-cluster-wide-binding",
            "gmsa-no-inline-credspec",
            "gmsa-windows-node-selector",
            "gmsa-credspec-well-formed",
            "gmsa-webhook-present",
            "aws-secrets-by-arn",
            "aws-imdsv2-required",
            "eks-cluster-admin-allowlist",
        ]) {
            assert.ok(names.includes(name), `${name} missing from ${names.join(", ")}`);
        }
        for (const p of pack.info.policies) {
            assert.ok(p.description.length > 20, `${p.name} needs a description a reviewer understands`);
            assert.equal(
                p.enforcementLevel,
                ["gmsa-no-cluster-wide-binding", "gmsa-authorization-deferred"].includes(p.name) ? "advisory" : "mandatory",
                p.name,
            );
        }
    });
});

describe("in-process evaluation (used by the bench) agrees with the protocol", () => {
    for (const c of [...passing, ...failing]) {
        test(c.name, async () => {
            const viaProtocol = await pack.analyze(c.resources, c.config ?? {});
            const inProcess = evaluateInProcess(c.resources, c.config ?? {});
            for (const level of ["mandatory", "advisory"]) assert.deepEqual(policiesOf(inProcess, level), policiesOf(viaProtocol, level), level);
        });
    }
});
