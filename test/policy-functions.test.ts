// Unit tests of the policy pack's pure helpers (policy/policies/lib), plus the policies called
// directly: they never throw on odd input and stay linear on large stacks. The end-to-end
// fixtures through the analyzer protocol are in policy-pack.test.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { unknownCheckingProxy } from "@pulumi/policy";
import type { PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../policy/policies";
import {
    clusterAdminGrants,
    grantsGetSecretValue,
    iamPatternMatches,
    imdsv2Problem,
    isClusterAdminPolicy,
    parsePolicyDocument,
    secretResourceProblem,
    secretStatementProblems,
} from "../policy/policies/lib/aws";
import { configBoolean, configStrings, externalGrantKeys, grantKey } from "../policy/policies/lib/config";
import { credspecProblems, isCredentialArn, isDomainSid, isGuid, pluginInputProblem } from "../policy/policies/lib/credspec";
import {
    grantOfRules,
    RbacIndex,
    ruleGrantsUse,
    ruleReachesCredentialSpecs,
    scopeProblems,
    selectorMatches,
    subjectPrincipals,
    type ResourceLike,
} from "../policy/policies/lib/rbac";
import { analyzeStack, isGmsaChart, isGmsaWebhookRelease } from "../policy/policies/lib/stack";
import { isUnknown, kubeKind, kubeLabel, parseType, plainProps, resourceLabel, strings, urnName } from "../policy/policies/lib/values";
import {
    credentialSpecNames,
    credentialSpecReferences,
    inlineCredentialSpecSites,
    podSpecOf,
    selectsWindows,
    serviceAccountOf,
    usesGmsa,
    workloadKind,
    workloadOf,
} from "../policy/policies/lib/workloads";
import { credspecBody } from "./support/fixtures";

// ---------------------------------------------------------------------------------------------
// Builders

const RBAC = "kubernetes:rbac.authorization.k8s.io/v1";
let seq = 0;
const res = (type: string, props: unknown, extra: Partial<ResourceLike> = {}): ResourceLike => ({
    type,
    props,
    urn: `urn:pulumi:t::p::${type}::r${++seq}`,
    ...extra,
});
const useRule = (names?: string[]) => ({
    apiGroups: ["windows.k8s.io"],
    resources: ["gmsacredentialspecs"],
    verbs: ["use"],
    ...(names ? { resourceNames: names } : {}),
});
const clusterRole = (name: string, rules: unknown[], labels?: Record<string, string>, extra: Record<string, unknown> = {}) =>
    res(`${RBAC}:ClusterRole`, { metadata: { name, ...(labels ? { labels } : {}) }, rules, ...extra });
const role = (name: string, namespace: string | undefined, rules: unknown[]) =>
    res(`${RBAC}:Role`, { metadata: { name, ...(namespace ? { namespace } : {}) }, rules });
const roleBinding = (namespace: string | undefined, roleRef: { kind: string; name: string }, subjects: unknown[], extra: Partial<ResourceLike> = {}) =>
    res(
        `${RBAC}:RoleBinding`,
        { metadata: { name: "b", ...(namespace ? { namespace } : {}) }, roleRef: { apiGroup: "rbac.authorization.k8s.io", ...roleRef }, subjects },
        extra,
    );
const clusterRoleBinding = (roleRef: { kind: string; name: string }, subjects: unknown[]) =>
    res(`${RBAC}:ClusterRoleBinding`, { metadata: { name: "crb" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", ...roleRef }, subjects });
const sa = (name: string, namespace?: string) => ({ kind: "ServiceAccount", name, ...(namespace ? { namespace } : {}) });
const group = (name: string) => ({ kind: "Group", name, apiGroup: "rbac.authorization.k8s.io" });
const user = (name: string) => ({ kind: "User", name, apiGroup: "rbac.authorization.k8s.io" });

const gmsaPodSpec = (extra: Record<string, unknown> = {}) => ({
    serviceAccountName: "webapp",
    securityContext: { windowsOptions: { gmsaCredentialSpecName: "webapp01" } },
    nodeSelector: { "kubernetes.io/os": "windows" },
    containers: [{ name: "app", image: "iis" }],
    ...extra,
});

const workloadProps: Record<string, (spec: unknown) => { type: string; props: Record<string, unknown> }> = {
    Pod: (spec) => ({ type: "kubernetes:core/v1:Pod", props: { metadata: { name: "w", namespace: "web" }, spec } }),
    Deployment: (spec) => ({ type: "kubernetes:apps/v1:Deployment", props: { metadata: { name: "w", namespace: "web" }, spec: { template: { spec } } } }),
    StatefulSet: (spec) => ({ type: "kubernetes:apps/v1:StatefulSet", props: { metadata: { name: "w", namespace: "web" }, spec: { template: { spec } } } }),
    DaemonSet: (spec) => ({ type: "kubernetes:apps/v1:DaemonSet", props: { metadata: { name: "w", namespace: "web" }, spec: { template: { spec } } } }),
    ReplicaSet: (spec) => ({ type: "kubernetes:apps/v1:ReplicaSet", props: { metadata: { name: "w", namespace: "web" }, spec: { template: { spec } } } }),
    Job: (spec) => ({ type: "kubernetes:batch/v1:Job", props: { metadata: { name: "w", namespace: "web" }, spec: { template: { spec } } } }),
    CronJob: (spec) => ({
        type: "kubernetes:batch/v1:CronJob",
        props: { metadata: { name: "w", namespace: "web" }, spec: { jobTemplate: { spec: { template: { spec } } } } },
    }),
};

// ---------------------------------------------------------------------------------------------

describe("values", () => {
    test("type tokens split into package, group, version and kind", () => {
        assert.deepEqual(parseType("kubernetes:apps/v1:Deployment"), { pkg: "kubernetes", group: "apps", version: "v1", kind: "Deployment" });
        assert.deepEqual(kubeKind("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"), { group: "rbac.authorization.k8s.io", kind: "ClusterRole" });
        assert.deepEqual(kubeKind("kubernetes:core/v1:Pod"), { group: "core", kind: "Pod" });
        assert.equal(kubeKind("aws:iam/rolePolicy:RolePolicy"), undefined);
        for (const odd of [undefined, null, 5, "", "nocolon", ":", "a:b"]) assert.equal(kubeKind(odd), undefined);
    });

    test("unknowns: the engine's sentinels and the plan's placeholder", () => {
        assert.ok(isUnknown("[unknown]"));
        assert.ok(isUnknown("04da6b54-80e4-46f7-96ec-b56ff0331ba9"));
        assert.ok(!isUnknown("[secret]"));
        assert.ok(!isUnknown("webapp01"));
        assert.deepEqual(strings(["a", "[unknown]", 5, "b", "[secret]"]), ["a", "b"]);
        assert.deepEqual(strings("a"), ["a"]);
        assert.deepEqual(strings(undefined), []);
    });

    test("plainProps unwraps @pulumi/policy's unknown-checking proxy, so unknowns become data", () => {
        const raw = { metadata: { name: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" } };
        const proxied = unknownCheckingProxy(raw);
        assert.throws(() => proxied.metadata.name);
        const plain = plainProps(proxied);
        assert.equal((plain.metadata as { name: string }).name, "04da6b54-80e4-46f7-96ec-b56ff0331ba9");
        assert.deepEqual(plainProps(null), {});
        assert.deepEqual(plainProps([1]), {});
    });

    test("labels name the resource", () => {
        assert.equal(urnName("urn:pulumi:dev::p::a:b:C$x:y:Z::my-name"), "my-name");
        assert.equal(resourceLabel("aws:iam/rolePolicy:RolePolicy", "urn:pulumi:dev::p::aws:iam/rolePolicy:RolePolicy::read"), "RolePolicy read");
        assert.equal(kubeLabel("Deployment", { metadata: { name: "a", namespace: "web" } }, "urn::x", true), "Deployment web/a");
        assert.equal(kubeLabel("Deployment", { metadata: { name: "a" } }, "urn::x", true), "Deployment default/a");
        assert.equal(kubeLabel("ClusterRole", { metadata: { name: "r" } }, "urn::x", false), "ClusterRole r");
        assert.match(kubeLabel("ClusterRole", {}, "urn:pulumi:s::p::t::logical", false), /ClusterRole logical/);
    });
});

describe("workloads: pod spec extraction", () => {
    for (const [kind, make] of Object.entries(workloadProps)) {
        test(`${kind}: pod spec, credential spec, service account`, () => {
            const { type, props } = make(gmsaPodSpec());
            assert.equal(workloadKind(type), kind);
            const spec = podSpecOf(type, props);
            assert.equal(spec?.serviceAccountName, "webapp");
            assert.deepEqual(credentialSpecNames(spec), ["webapp01"]);
            const w = workloadOf(type, props, "urn::w")!;
            assert.equal(w.kind, kind);
            assert.equal(w.namespace, "web");
            assert.equal(w.label, `${kind} web/w`);
        });
    }

    test("any API version matches; other groups and kinds do not", () => {
        assert.equal(workloadKind("kubernetes:apps/v1beta2:Deployment"), "Deployment");
        assert.equal(workloadKind("kubernetes:batch/v1beta1:CronJob"), "CronJob");
        assert.equal(workloadKind("kubernetes:extensions/v1beta1:Deployment"), "Deployment");
        assert.equal(workloadKind("kubernetes:apps/v1:DeploymentPatch"), "DeploymentPatch");
        assert.equal(workloadKind("kubernetes:core/v1:ReplicationController"), "ReplicationController");
        assert.equal(workloadKind("kubernetes:core/v1:PodTemplatePatch"), "PodTemplatePatch");
        assert.equal(workloadKind("kubernetes:core/v1:ServicePatch"), undefined);
        assert.equal(workloadKind("kubernetes:core/v1:Service"), undefined);
        assert.equal(workloadKind("kubernetes:batch/v1:Deployment"), undefined);
        assert.equal(workloadKind("kubernetes:apps/v1:Pod"), undefined);
        assert.equal(workloadKind("kubernetes:core/v1:toString"), undefined);
        assert.equal(workloadKind("aws:apps/v1:Deployment"), undefined);
    });

    test("credential specs named by containers, init containers and ephemeral containers", () => {
        const spec = {
            securityContext: { windowsOptions: { gmsaCredentialSpecName: "pod-level" } },
            containers: [
                { name: "a", securityContext: { windowsOptions: { gmsaCredentialSpecName: "c1" } } },
                { name: "b" },
                { securityContext: { windowsOptions: { gmsaCredentialSpecName: "pod-level" } } },
            ],
            initContainers: [{ name: "init", securityContext: { windowsOptions: { gmsaCredentialSpecName: "i1" } } }],
            ephemeralContainers: [{ name: "debug", securityContext: { windowsOptions: { gmsaCredentialSpecName: "e1" } } }],
        };
        assert.deepEqual(credentialSpecNames(spec), ["pod-level", "c1", "i1", "e1"]);
        assert.deepEqual(
            credentialSpecReferences(spec).map((r) => r.where),
            ["pod", "container a", "container #2", "initContainer init", "ephemeralContainer debug"],
        );
        const { type, props } = workloadProps.CronJob({
            initContainers: [{ name: "init", securityContext: { windowsOptions: { gmsaCredentialSpecName: "only-init" } } }],
            containers: [],
        });
        assert.deepEqual(credentialSpecNames(podSpecOf(type, props)), ["only-init"]);
    });

    test("an unknown credential spec name is a reference without a name", () => {
        const spec = { securityContext: { windowsOptions: { gmsaCredentialSpecName: "[unknown]" } } };
        assert.deepEqual(credentialSpecReferences(spec), [{ where: "pod", name: undefined }]);
        assert.deepEqual(credentialSpecNames(spec), []);
        assert.ok(usesGmsa(spec));
    });

    test("service account: serviceAccountName, else the deprecated serviceAccount, else default", () => {
        assert.deepEqual(serviceAccountOf({ serviceAccountName: "a", serviceAccount: "b" }), { name: "a", unknown: false, defaulted: false });
        assert.deepEqual(serviceAccountOf({ serviceAccount: "b" }), { name: "b", unknown: false, defaulted: false });
        assert.deepEqual(serviceAccountOf({ serviceAccountName: "", serviceAccount: "b" }), { name: "b", unknown: false, defaulted: false });
        assert.deepEqual(serviceAccountOf({}), { name: "default", unknown: false, defaulted: true });
        assert.deepEqual(serviceAccountOf(undefined), { name: "default", unknown: false, defaulted: true });
        assert.equal(serviceAccountOf({ serviceAccountName: "[unknown]" }).unknown, true);
        assert.equal(workloadOf("kubernetes:core/v1:Pod", { metadata: { name: "p" }, spec: {} }, "urn")!.namespace, "default");
    });

    test("inline credential spec contents, pod level and per container", () => {
        assert.deepEqual(inlineCredentialSpecSites(gmsaPodSpec()), []);
        const spec = {
            securityContext: { windowsOptions: { gmsaCredentialSpec: "{}" } },
            containers: [{ name: "a", securityContext: { windowsOptions: { gmsaCredentialSpecName: "x", gmsaCredentialSpec: "[secret]" } } }],
            initContainers: [{ name: "i", securityContext: { windowsOptions: { gmsaCredentialSpec: "" } } }],
        };
        assert.deepEqual(inlineCredentialSpecSites(spec), ["pod", "container a"]);
        assert.ok(usesGmsa({ securityContext: { windowsOptions: { gmsaCredentialSpec: "{}" } } }));
        assert.ok(!usesGmsa({ containers: [{ name: "linux" }] }));
    });

    test("Windows node selection", () => {
        const affinity = (...terms: unknown[]) => ({
            affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } },
        });
        const osIn = (...values: string[]) => ({ matchExpressions: [{ key: "kubernetes.io/os", operator: "In", values }] });
        assert.equal(selectsWindows({ nodeSelector: { "kubernetes.io/os": "windows" } }), true);
        assert.equal(selectsWindows({ os: { name: "windows" } }), true);
        assert.equal(selectsWindows(affinity(osIn("windows"))), true);
        assert.equal(selectsWindows(affinity(osIn("windows"), osIn("windows"))), true);
        assert.equal(selectsWindows({}), false);
        assert.equal(selectsWindows({ nodeSelector: { "kubernetes.io/os": "linux" } }), false);
        assert.equal(selectsWindows({ os: { name: "linux" } }), false);
        assert.equal(selectsWindows(affinity(osIn("windows", "linux"))), false, "values must be only windows");
        assert.equal(
            selectsWindows(affinity(osIn("windows"), { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] })),
            false,
            "another ORed term may land on Linux",
        );
        assert.equal(selectsWindows(affinity({ matchExpressions: [{ key: "kubernetes.io/os", operator: "NotIn", values: ["linux"] }] })), false);
        assert.equal(selectsWindows(affinity()), false);
        assert.equal(selectsWindows({ nodeSelector: { "kubernetes.io/os": "[unknown]" } }), undefined);
        assert.equal(
            selectsWindows({ affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: osIn("windows") }] } } }),
            false,
            "preferred is not required",
        );
    });
});

describe("RBAC rules", () => {
    test("use on a credential spec: wildcards count, empty resourceNames means all", () => {
        assert.ok(ruleGrantsUse(useRule(["a"]), "a"));
        assert.ok(!ruleGrantsUse(useRule(["a"]), "b"));
        assert.ok(ruleGrantsUse(useRule(), "b"));
        assert.ok(ruleGrantsUse({ ...useRule(), resourceNames: [] }, "b"));
        assert.ok(ruleGrantsUse({ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }, "x"));
        assert.ok(ruleGrantsUse({ apiGroups: ["windows.k8s.io"], resources: ["*"], verbs: ["use"] }, "x"));
        assert.ok(!ruleGrantsUse({ apiGroups: [""], resources: ["gmsacredentialspecs"], verbs: ["use"] }, "x"));
        assert.ok(!ruleGrantsUse({ apiGroups: ["windows.k8s.io"], resources: ["gmsacredentialspecs"], verbs: ["get", "list"] }, "x"));
        assert.ok(!ruleGrantsUse({ apiGroups: ["apps"], resources: ["*"], verbs: ["*"] }, "x"));
        assert.ok(!ruleGrantsUse(null, "x"));
        assert.ok(ruleReachesCredentialSpecs({ apiGroups: ["*"], resources: ["gmsacredentialspecs"], verbs: ["get"] }));
        const g = grantOfRules([useRule(["a"]), useRule(["b"]), { apiGroups: [""], resources: ["pods"], verbs: ["*"] }]);
        assert.deepEqual([g.all, [...g.names].sort()], [false, ["a", "b"]]);
        assert.equal(grantOfRules([useRule(["a"]), useRule()]).all, true);
    });

    test("scope problems: use without resourceNames, wildcards that reach gmsacredentialspecs", () => {
        assert.deepEqual(scopeProblems([useRule(["a"])]), []);
        assert.deepEqual(
            scopeProblems([useRule()]).map((p) => p.kind),
            ["unscoped"],
        );
        assert.deepEqual(
            scopeProblems([{ ...useRule(["a"]), verbs: ["*"] }]).map((p) => p.kind),
            ["wildcard"],
        );
        assert.deepEqual(
            scopeProblems([{ ...useRule(["a"]), resources: ["*"] }]).map((p) => p.kind),
            ["wildcard"],
        );
        assert.deepEqual(
            scopeProblems([{ ...useRule(["a"]), apiGroups: ["*"] }]).map((p) => p.kind),
            ["wildcard"],
        );
        assert.deepEqual(
            scopeProblems([{ apiGroups: ["*"], resources: ["gmsacredentialspecs"], verbs: ["get"] }]).map((p) => p.kind),
            ["wildcard"],
        );
        // Wildcards that do not reach gmsacredentialspecs are not this policy's business.
        assert.deepEqual(
            scopeProblems([
                { apiGroups: ["*"], resources: ["pods"], verbs: ["*"] },
                { apiGroups: ["apps"], resources: ["*"], verbs: ["*"] },
            ]),
            [],
        );
        assert.deepEqual(scopeProblems([{ apiGroups: ["windows.k8s.io"], resources: ["gmsacredentialspecs"], verbs: ["get", "list"] }]), []);
        assert.equal(scopeProblems([useRule(["a"]), useRule()])[0].index, 1);
        assert.deepEqual(scopeProblems("[unknown]"), []);
        assert.deepEqual(scopeProblems(undefined), []);
    });

    test("subjects: service accounts, their groups and users", () => {
        assert.deepEqual(subjectPrincipals(sa("a", "x"), "web"), ["sa:x:a"]);
        assert.deepEqual(subjectPrincipals(sa("a"), "web"), ["sa:web:a"], "RoleBinding subject without namespace: the binding's namespace");
        assert.deepEqual(subjectPrincipals(sa("a"), undefined), [], "ClusterRoleBinding subject without namespace is invalid");
        assert.deepEqual(subjectPrincipals(user("system:serviceaccount:web:a"), "web"), ["sa:web:a"]);
        assert.deepEqual(subjectPrincipals(user("alice"), "web"), []);
        assert.deepEqual(subjectPrincipals(group("system:serviceaccounts"), "web"), ["all-service-accounts"]);
        assert.deepEqual(subjectPrincipals(group("system:serviceaccounts:web"), "web"), ["ns:web"]);
        assert.deepEqual(subjectPrincipals(group("developers"), "web"), []);
        assert.deepEqual(subjectPrincipals({ kind: "ServiceAccount", name: "[unknown]" }, "web"), []);
    });

    test("label selectors for ClusterRole aggregation", () => {
        assert.ok(selectorMatches({ matchLabels: { a: "1" } }, { a: "1", b: "2" }));
        assert.ok(!selectorMatches({ matchLabels: { a: "1" } }, { a: "2" }));
        assert.ok(selectorMatches({ matchExpressions: [{ key: "a", operator: "In", values: ["1", "2"] }] }, { a: "2" }));
        assert.ok(selectorMatches({ matchExpressions: [{ key: "a", operator: "DoesNotExist" }] }, {}));
        assert.ok(!selectorMatches({ matchExpressions: [{ key: "a", operator: "Exists" }] }, {}));
        assert.ok(!selectorMatches(null, {}));
    });
});

describe("RBAC index: may namespace/serviceAccount use a credential spec?", () => {
    const base = [clusterRole("gmsa-use-a", [useRule(["a"])])];
    const ref = { kind: "ClusterRole", name: "gmsa-use-a" };

    test("a RoleBinding in the service account's namespace", () => {
        const index = new RbacIndex([...base, roleBinding("web", ref, [sa("webapp", "web")])]);
        assert.ok(index.authorizes("web", "webapp", "a"));
        assert.ok(!index.authorizes("web", "webapp", "b"), "another credential spec");
        assert.ok(!index.authorizes("web", "other", "a"), "another service account");
        assert.ok(!index.authorizes("other", "webapp", "a"), "the same name in another namespace");
    });

    test("a RoleBinding subject without namespace is in the binding's namespace", () => {
        assert.ok(new RbacIndex([...base, roleBinding("web", ref, [sa("webapp")])]).authorizes("web", "webapp", "a"));
    });

    test("a RoleBinding without namespace is in default", () => {
        const index = new RbacIndex([...base, roleBinding(undefined, ref, [sa("app")])]);
        assert.ok(index.authorizes("default", "app", "a"));
        assert.ok(!index.authorizes("web", "app", "a"));
    });

    test("a RoleBinding in another namespace does not count (and is remembered for the hint)", () => {
        const index = new RbacIndex([...base, roleBinding("other", ref, [sa("webapp", "web")])]);
        assert.ok(!index.authorizes("web", "webapp", "a"));
        assert.equal(index.bindingsElsewhere("web", "webapp", "a").length, 1);
        assert.equal(index.bindingsElsewhere("web", "webapp", "b").length, 0);
    });

    test("a ClusterRoleBinding counts in every namespace", () => {
        const index = new RbacIndex([...base, clusterRoleBinding(ref, [sa("webapp", "web")])]);
        assert.ok(index.authorizes("web", "webapp", "a"));
        assert.ok(!index.authorizes("other", "webapp", "a"));
        assert.equal(index.clusterWideGrants().length, 1);
    });

    test("group subjects: all service accounts, a namespace's service accounts", () => {
        const all = new RbacIndex([...base, roleBinding("web", ref, [group("system:serviceaccounts")])]);
        assert.ok(all.authorizes("web", "anyone", "a"));
        assert.ok(!all.authorizes("other", "anyone", "a"), "a RoleBinding still counts only in its namespace");
        const ns = new RbacIndex([...base, roleBinding("web", ref, [group("system:serviceaccounts:web")])]);
        assert.ok(ns.authorizes("web", "anyone", "a"));
        const otherNs = new RbacIndex([...base, roleBinding("web", ref, [group("system:serviceaccounts:other")])]);
        assert.ok(!otherNs.authorizes("web", "anyone", "a"));
        const clusterWide = new RbacIndex([...base, clusterRoleBinding(ref, [group("system:serviceaccounts:team")])]);
        assert.ok(clusterWide.authorizes("team", "x", "a"));
        assert.ok(!clusterWide.authorizes("web", "x", "a"));
    });

    test("a User subject naming the service account", () => {
        assert.ok(new RbacIndex([...base, roleBinding("web", ref, [user("system:serviceaccount:web:webapp")])]).authorizes("web", "webapp", "a"));
        assert.ok(!new RbacIndex([...base, roleBinding("web", ref, [user("system:serviceaccount:other:webapp")])]).authorizes("web", "webapp", "a"));
    });

    test("Role vs ClusterRole: a RoleBinding's Role is looked up in the binding's namespace", () => {
        const roleRef = { kind: "Role", name: "user" };
        assert.ok(new RbacIndex([role("user", "web", [useRule(["a"])]), roleBinding("web", roleRef, [sa("x", "web")])]).authorizes("web", "x", "a"));
        assert.ok(!new RbacIndex([role("user", "other", [useRule(["a"])]), roleBinding("web", roleRef, [sa("x", "web")])]).authorizes("web", "x", "a"));
        assert.ok(
            !new RbacIndex([clusterRole("user", [useRule(["a"])]), roleBinding("web", roleRef, [sa("x", "web")])]).authorizes("web", "x", "a"),
            "roleRef kind Role does not find a ClusterRole",
        );
        assert.ok(
            !new RbacIndex([role("user", "web", [useRule(["a"])]), roleBinding("web", { kind: "ClusterRole", name: "user" }, [sa("x", "web")])]).authorizes(
                "web",
                "x",
                "a",
            ),
        );
        assert.ok(
            !new RbacIndex([role("user", "web", [useRule(["a"])]), clusterRoleBinding(roleRef, [sa("x", "web")])]).authorizes("web", "x", "a"),
            "a ClusterRoleBinding cannot bind a Role",
        );
    });

    test("wildcards and resourceNames", () => {
        const star = new RbacIndex([
            clusterRole("all", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]),
            roleBinding("web", { kind: "ClusterRole", name: "all" }, [sa("x", "web")]),
        ]);
        assert.ok(star.authorizes("web", "x", "anything"));
        const unscoped = new RbacIndex([clusterRole("u", [useRule()]), roleBinding("web", { kind: "ClusterRole", name: "u" }, [sa("x", "web")])]);
        assert.ok(unscoped.authorizes("web", "x", "anything"));
        const getOnly = new RbacIndex([
            clusterRole("g", [{ ...useRule(["a"]), verbs: ["get"] }]),
            roleBinding("web", { kind: "ClusterRole", name: "g" }, [sa("x", "web")]),
        ]);
        assert.ok(!getOnly.authorizes("web", "x", "a"));
    });

    test("built-in cluster-admin, and aggregation into built-in edit", () => {
        const admin = new RbacIndex([clusterRoleBinding({ kind: "ClusterRole", name: "cluster-admin" }, [sa("ops", "kube-system")])]);
        assert.ok(admin.authorizes("kube-system", "ops", "any"));
        assert.equal(admin.clusterWideGrants().length, 1);
        const edit = new RbacIndex([
            clusterRole("gmsa-edit", [useRule(["a"])], { "rbac.authorization.k8s.io/aggregate-to-edit": "true" }),
            roleBinding("web", { kind: "ClusterRole", name: "edit" }, [sa("dev", "web")]),
            roleBinding("web", { kind: "ClusterRole", name: "view" }, [sa("viewer", "web")]),
            roleBinding("web", { kind: "ClusterRole", name: "admin" }, [sa("boss", "web")]),
        ]);
        assert.ok(edit.authorizes("web", "dev", "a"));
        assert.ok(edit.authorizes("web", "boss", "a"), "edit aggregates into admin");
        assert.ok(!edit.authorizes("web", "viewer", "a"));
        const own = new RbacIndex([
            clusterRole("cluster-admin", []),
            clusterRoleBinding({ kind: "ClusterRole", name: "cluster-admin" }, [sa("ops", "kube-system")]),
        ]);
        assert.ok(!own.authorizes("kube-system", "ops", "any"), "the stack's own definition wins");
    });

    test("a stack-defined aggregated ClusterRole", () => {
        const index = new RbacIndex([
            clusterRole("gmsa-all", [], undefined, { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { "example.com/gmsa": "true" } }] } }),
            clusterRole("piece", [useRule(["a"])], { "example.com/gmsa": "true" }),
            roleBinding("web", { kind: "ClusterRole", name: "gmsa-all" }, [sa("x", "web")]),
        ]);
        assert.ok(index.authorizes("web", "x", "a"));
    });

    test("a roleRef name not known yet follows the binding's dependency on its role", () => {
        const r = clusterRole("auto", [useRule(["a"])]);
        const b = roleBinding("web", { kind: "ClusterRole", name: "[unknown]" }, [sa("x", "web")], { dependencies: [{ urn: r.urn }] });
        assert.ok(new RbacIndex([r, b]).authorizes("web", "x", "a"));
        const other = clusterRole("other", [useRule(["a"])]);
        const ambiguous = roleBinding("web", { kind: "ClusterRole", name: "[unknown]" }, [sa("x", "web")], { dependencies: [r.urn, other.urn] });
        assert.ok(!new RbacIndex([r, other, ambiguous]).authorizes("web", "x", "a"), "two candidate roles: not resolved");
    });

    test("bindings with parts not known yet might authorize (so nothing is reported before deployment)", () => {
        const unknownNs = new RbacIndex([...base, roleBinding("[unknown]", ref, [sa("webapp")])]);
        assert.ok(!unknownNs.authorizes("web", "webapp", "a"));
        assert.ok(unknownNs.mightAuthorize("web", "webapp", "a"));
        assert.ok(!unknownNs.mightAuthorize("web", "webapp", "b"), "its role grants only a");
        const unknownSubject = new RbacIndex([...base, roleBinding("web", ref, [sa("[unknown]", "web")])]);
        assert.ok(unknownSubject.mightAuthorize("web", "anyone", "a"));
        assert.ok(!unknownSubject.mightAuthorize("other", "anyone", "a"), "a RoleBinding in web");
        const unknownRole = new RbacIndex([roleBinding("web", { kind: "ClusterRole", name: "[unknown]" }, [sa("webapp", "web")])]);
        assert.ok(unknownRole.mightAuthorize("web", "webapp", "anything"));
        assert.ok(!unknownRole.mightAuthorize("web", "other", "anything"));
        const unknownRules = new RbacIndex([clusterRole("r", ["[unknown]"]), roleBinding("web", { kind: "ClusterRole", name: "r" }, [sa("webapp", "web")])]);
        assert.ok(unknownRules.mightAuthorize("web", "webapp", "x"));
        const known = new RbacIndex([...base, roleBinding("web", ref, [sa("webapp", "web")])]);
        assert.ok(!known.mightAuthorize("web", "other", "a"));
    });

    test("odd input never throws", () => {
        const index = new RbacIndex([
            res(`${RBAC}:ClusterRole`, null),
            res(`${RBAC}:ClusterRole`, { metadata: "[unknown]", rules: "[unknown]" }),
            res(`${RBAC}:RoleBinding`, { metadata: { namespace: "[unknown]" }, roleRef: 5, subjects: "[unknown]" }),
            res(`${RBAC}:RoleBinding`, { roleRef: { kind: "ClusterRole", name: "x" }, subjects: [null, 5, "s", { kind: "ServiceAccount" }] }),
            res(`${RBAC}:ClusterRoleBinding`, []),
        ]);
        assert.ok(!index.authorizes("web", "x", "a"));
    });
});

describe("credential specs", () => {
    test("a well-formed spec, with and without HostAccountConfig", () => {
        assert.deepEqual(credspecProblems(credspecBody()), []);
        const joined = credspecBody();
        delete joined.ActiveDirectoryConfig.HostAccountConfig;
        assert.deepEqual(credspecProblems(joined), []);
    });

    test("field formats", () => {
        assert.ok(isDomainSid("S-1-5-21-1-2-3"));
        assert.ok(isDomainSid("s-1-5-21-2725122404-4129967127-2630707939"), "case-insensitive");
        assert.ok(!isDomainSid("S-1-5-32-544"));
        assert.ok(!isDomainSid("S-1-5-21-1-2"));
        assert.ok(!isDomainSid("S-1-5-21-1-2-3-500"));
        assert.ok(isGuid("0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51"));
        assert.ok(isGuid("{0E4D3E1A-6D2B-4C6E-9A2F-3F1C2B8E7D51}"));
        assert.ok(!isGuid("{0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51"));
        assert.ok(!isGuid("not-a-guid"));
        assert.ok(isCredentialArn("arn:aws:secretsmanager:us-west-2:123456789012:secret:x-AbCdEf"));
        assert.ok(isCredentialArn("arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/gmsa/identity"));
        assert.ok(!isCredentialArn("arn:aws:s3:::bucket/key"));
        assert.ok(!isCredentialArn("hunter2"));
    });

    const broken = (edit: (c: ReturnType<typeof credspecBody>) => void) => {
        const c = credspecBody();
        edit(c);
        return credspecProblems(c);
    };

    test("each malformed field is reported with its fix", () => {
        assert.match(
            broken((c) => {
                c.DomainJoinConfig.Sid = "S-1-5-32-544";
            }).join(),
            /Sid .* not a domain SID.*Get-ADDomain/,
        );
        assert.deepEqual(
            broken((c) => {
                c.DomainJoinConfig.Sid = "s-1-5-21-1-2-3";
            }),
            [],
        );
        assert.match(
            broken((c) => {
                c.DomainJoinConfig.Guid = "nope";
            }).join(),
            /Guid .* not a GUID/,
        );
        assert.match(
            broken((c) => {
                c.DomainJoinConfig.NetBiosName = "ABCDEFGHIJKLMNOP";
                c.ActiveDirectoryConfig.GroupManagedServiceAccounts[1].Scope = "ABCDEFGHIJKLMNOP";
            }).join(),
            /NetBiosName .*1 to 15/,
        );
        assert.deepEqual(
            broken((c) => {
                c.DomainJoinConfig.NetBiosName = "ABCDEFGHIJKLMNO";
                c.ActiveDirectoryConfig.GroupManagedServiceAccounts[1].Scope = "ABCDEFGHIJKLMNO";
            }),
            [],
        );
        assert.match(
            broken((c) => {
                c.DomainJoinConfig.NetBiosName = "";
            }).join(),
            /NetBiosName/,
        );
        assert.match(
            broken((c) => {
                c.DomainJoinConfig.MachineAccountName = "WebApp01$";
            }).join(),
            /contains '\$'.*"WebApp01"/,
        );
        assert.match(
            broken((c) => {
                delete (c.DomainJoinConfig as Partial<typeof c.DomainJoinConfig>).MachineAccountName;
            }).join(),
            /MachineAccountName \(missing\)/,
        );
        assert.match(
            broken((c) => {
                delete (c as Partial<typeof c>).DomainJoinConfig;
            }).join(),
            /DomainJoinConfig is missing/,
        );
    });

    test("the account must be listed under the DNS and the NetBIOS scope", () => {
        assert.match(
            broken((c) => {
                c.ActiveDirectoryConfig.GroupManagedServiceAccounts.pop();
            }).join(),
            /Scope: "CORP".*NetBiosName scope/,
        );
        assert.match(
            broken((c) => {
                c.ActiveDirectoryConfig.GroupManagedServiceAccounts.shift();
            }).join(),
            /Scope: "corp.example.com".*DnsName scope/,
        );
        assert.match(
            broken((c) => {
                c.ActiveDirectoryConfig.GroupManagedServiceAccounts = [
                    { Name: "Other", Scope: "CORP" },
                    { Name: "Other", Scope: "corp.example.com" },
                ];
            }).join(),
            /WebApp01/,
        );
        assert.deepEqual(
            broken((c) => {
                c.ActiveDirectoryConfig.GroupManagedServiceAccounts = [
                    { Name: "webapp01", Scope: "CORP.EXAMPLE.COM" },
                    { Name: "WEBAPP01", Scope: "corp" },
                ];
            }),
            [],
            "AD names are case-insensitive",
        );
        assert.match(
            broken((c) => {
                delete (c as Partial<typeof c>).ActiveDirectoryConfig;
            }).join(),
            /ActiveDirectoryConfig is missing/,
        );
    });

    test("PluginInput holds only a credentialArn", () => {
        assert.equal(pluginInputProblem(JSON.stringify({ credentialArn: "arn:aws:secretsmanager:us-west-2:1:secret:x" })), undefined);
        assert.equal(pluginInputProblem(JSON.stringify({ credentialArn: "arn:aws:ssm:us-west-2:1:parameter/x" })), undefined);
        const password = pluginInputProblem(JSON.stringify({ username: "u", password: "hunter2", domainName: "corp" }))!;
        assert.match(password, /holds secrets/);
        assert.doesNotMatch(password, /hunter2/, "never echo the secret");
        assert.match(
            pluginInputProblem(JSON.stringify({ credentialArn: "arn:aws:secretsmanager:us-west-2:1:secret:x", password: "p" }))!,
            /holds secrets.*"password"/,
        );
        assert.match(pluginInputProblem(JSON.stringify({ credentialArn: "hunter2" }))!, /not a Secrets Manager or SSM ARN/);
        assert.doesNotMatch(pluginInputProblem(JSON.stringify({ credentialArn: "hunter2" }))!, /hunter2/);
        assert.match(pluginInputProblem("hunter2")!, /not valid JSON/);
        assert.match(pluginInputProblem("[secret]")!, /holds secrets/);
        assert.match(pluginInputProblem(undefined)!, /missing/);
        assert.match(pluginInputProblem({ credentialArn: "arn:aws:ssm:r:1:parameter/x" })!, /not a JSON string/);
        assert.equal(pluginInputProblem("[unknown]"), undefined);
        assert.match(
            broken((c) => {
                c.ActiveDirectoryConfig.HostAccountConfig!.PluginInput = JSON.stringify({ username: "u", password: "p" });
            }).join(),
            /holds secrets/,
        );
    });

    test("values not known yet are not judged; secrets and junk are", () => {
        assert.deepEqual(credspecProblems("[unknown]"), []);
        assert.deepEqual(
            broken((c) => {
                c.DomainJoinConfig.Sid = "[unknown]";
            }),
            [],
        );
        assert.match(credspecProblems("[secret]").join(), /holds secrets/);
        for (const junk of [undefined, null, 5, "x", []]) assert.equal(credspecProblems(junk).length, 1);
    });
});

describe("IAM statements that read secrets", () => {
    const arn = "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/dev/portable-identity-AbCdEf";
    const doc = (statement: Record<string, unknown>) => ({ Version: "2012-10-17", Statement: [statement] });

    test("IAM wildcard patterns", () => {
        assert.ok(iamPatternMatches("secretsmanager:*", "secretsmanager:GetSecretValue"));
        assert.ok(iamPatternMatches("secretsmanager:Get*", "secretsmanager:GetSecretValue"));
        assert.ok(iamPatternMatches("*", "secretsmanager:GetSecretValue"));
        assert.ok(iamPatternMatches("SecretsManager:getsecretvalue", "secretsmanager:GetSecretValue"), "actions are case-insensitive");
        assert.ok(iamPatternMatches("secretsmanager:GetSecret?alue", "secretsmanager:GetSecretValue"));
        assert.ok(!iamPatternMatches("secretsmanager:Describe*", "secretsmanager:GetSecretValue"));
        assert.ok(!iamPatternMatches("s3:*", "secretsmanager:GetSecretValue"));
        assert.ok(!iamPatternMatches("secretsmanager:GetSecretValue.", "secretsmanager:GetSecretValue"), "dots are literal");
    });

    test("which statements grant GetSecretValue", () => {
        for (const action of ["secretsmanager:GetSecretValue", "secretsmanager:*", "secretsmanager:Get*", "*", ["kms:Decrypt", "secretsmanager:*"]]) {
            assert.ok(grantsGetSecretValue({ Effect: "Allow", Action: action, Resource: "*" }), JSON.stringify(action));
        }
        assert.equal(grantsGetSecretValue({ Effect: "Deny", Action: "*", Resource: "*" }), undefined);
        assert.equal(grantsGetSecretValue({ Effect: "Allow", Action: "secretsmanager:DescribeSecret", Resource: "*" }), undefined);
        assert.ok(grantsGetSecretValue({ Effect: "Allow", NotAction: "s3:*", Resource: "*" }), "NotAction that does not exclude it grants it");
        assert.equal(grantsGetSecretValue({ Effect: "Allow", NotAction: ["secretsmanager:*"], Resource: "*" }), undefined);
    });

    test("resources: explicit ARNs only", () => {
        assert.equal(secretResourceProblem(arn), undefined);
        assert.equal(
            secretResourceProblem("arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/dev/portable-identity-??????"),
            undefined,
            "the documented suffix pattern names one secret",
        );
        assert.match(secretResourceProblem("*")!, /every secret/);
        assert.match(secretResourceProblem("arn:aws:secretsmanager:us-west-2:123456789012:secret:*")!, /wildcard in the secret name/);
        assert.match(secretResourceProblem("arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/*")!, /wildcard in the secret name/);
        assert.match(secretResourceProblem("arn:aws:secretsmanager:us-west-2:123456789012:secret:app-?")!, /wildcard/);
        assert.match(secretResourceProblem("arn:aws:secretsmanager:us-west-2:123456789012:*")!, /wildcard/);
        assert.match(secretResourceProblem("arn:aws:*:*:*:*")!, /wildcard/);
        assert.equal(secretResourceProblem("arn:aws:s3:::bucket/*"), undefined, "not a secret");
        assert.equal(secretResourceProblem("arn:aws:kms:us-west-2:123456789012:key/*"), undefined);
        assert.equal(secretResourceProblem("[unknown]"), undefined);
    });

    test("statement problems name the statement", () => {
        assert.deepEqual(secretStatementProblems(doc({ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: [arn] })), []);
        const star = secretStatementProblems(doc({ Sid: "Read", Effect: "Allow", Action: "secretsmanager:*", Resource: "*" }));
        assert.equal(star.length, 1);
        assert.equal(star[0].statement, "statement 1 (Sid Read)");
        assert.equal(star[0].action, "secretsmanager:*");
        assert.deepEqual(secretStatementProblems(doc({ Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::bucket/*" })), []);
        assert.equal(secretStatementProblems(doc({ Effect: "Allow", Action: "secretsmanager:GetSecretValue", NotResource: arn })).length, 1);
        assert.equal(secretStatementProblems({ Statement: { Effect: "Allow", Action: "*", Resource: "*" } }).length, 1, "a single statement object");
        assert.deepEqual(secretStatementProblems(doc({ Effect: "Deny", Action: "*", Resource: "*" })), []);
        assert.deepEqual(secretStatementProblems(null), []);
    });

    test("policy documents: JSON text or an object; unknown and malformed are not judged", () => {
        assert.ok(parsePolicyDocument(JSON.stringify(doc({}))).document);
        assert.ok(parsePolicyDocument(doc({})).document);
        assert.equal(parsePolicyDocument("[unknown]").opaque, true);
        assert.equal(parsePolicyDocument("[secret]").opaque, true);
        assert.ok(parsePolicyDocument("{").problem);
        assert.ok(parsePolicyDocument("[]").problem);
    });
});

describe("instance metadata and EKS access", () => {
    test("IMDSv2", () => {
        assert.equal(imdsv2Problem({ metadataOptions: { httpTokens: "required" } }), undefined);
        assert.match(imdsv2Problem({ metadataOptions: { httpTokens: "optional" } })!, /"optional"/);
        assert.match(imdsv2Problem({})!, /not set/);
        assert.match(imdsv2Problem({ metadataOptions: "x" })!, /not set/);
        assert.equal(imdsv2Problem({ metadataOptions: { httpTokens: "[unknown]" } }), undefined);
        assert.equal(imdsv2Problem({ metadataOptions: "[unknown]" }), undefined);
    });

    test("cluster-admin access entries", () => {
        const admin = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
        assert.ok(isClusterAdminPolicy(admin));
        assert.ok(!isClusterAdminPolicy("arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy"));
        const entries = {
            a: {
                principalArn: "arn:aws:iam::1:role/a",
                accessPolicies: { x: { policyArn: admin }, y: { policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy" } },
            },
            b: { principalArn: "arn:aws:iam::1:role/b", accessPolicies: { v: { policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy" } } },
            c: { principalArn: "[unknown]", accessPolicies: { x: { policyArn: admin } } },
        };
        assert.deepEqual(clusterAdminGrants(entries), [
            { entry: "a", policy: "x", principalArn: "arn:aws:iam::1:role/a" },
            { entry: "c", policy: "x", principalArn: undefined },
        ]);
        assert.deepEqual(clusterAdminGrants("[unknown]"), []);
        assert.deepEqual(clusterAdminGrants(null), []);
    });
});

describe("config and stack facts", () => {
    test("externalGrants in the platform stack's gmsaCredentialSpecs shape", () => {
        const keys = externalGrantKeys({
            externalGrants: [{ name: "a", account: "A", allowed: [{ namespace: "web", serviceAccounts: ["x", "y"] }] }, { name: 5 }, null],
        });
        assert.deepEqual([...keys].sort(), [grantKey("a", "web", "x"), grantKey("a", "web", "y")].sort());
        assert.equal(externalGrantKeys({}).size, 0);
        assert.equal(externalGrantKeys({ externalGrants: "x" }).size, 0);
        assert.deepEqual(configStrings({ k: ["a", 1, "b"] }, "k"), ["a", "b"]);
        assert.deepEqual(configStrings(undefined, "k"), []);
        assert.equal(configBoolean({ k: true }, "k", false), true);
        assert.equal(configBoolean({ k: "true" }, "k", false), false);
    });

    test("the webhook chart", () => {
        assert.ok(isGmsaChart("gmsa"));
        assert.ok(isGmsaChart("oci://ghcr.io/org/charts/gmsa"));
        assert.ok(isGmsaChart("./charts/gmsa"));
        assert.ok(!isGmsaChart("gmsa-other"));
        assert.ok(!isGmsaChart("cert-manager"));
        assert.ok(isGmsaWebhookRelease("kubernetes:helm.sh/v3:Release", { chart: "gmsa" }));
        assert.ok(isGmsaWebhookRelease("kubernetes:helm.sh/v4:Chart", { chart: "repo/gmsa" }));
        assert.ok(!isGmsaWebhookRelease("kubernetes:helm.sh/v3:Release", { chart: "cert-manager" }));
    });

    test("stack facts: workloads, credential specs, releases; memoized per resource list", () => {
        const d = workloadProps.Deployment(gmsaPodSpec());
        const resources = [
            res(d.type, d.props),
            res("kubernetes:windows.k8s.io/v1:GMSACredentialSpec", { metadata: { name: "webapp01" }, credspec: credspecBody() }),
            res("kubernetes:helm.sh/v3:Release", { chart: "gmsa", name: "gmsa-webhook" }),
        ];
        const facts = analyzeStack(resources);
        assert.equal(analyzeStack(resources), facts);
        assert.deepEqual(
            facts.gmsa.workloads.map((w) => [w.label, w.serviceAccount, w.credentialSpecs]),
            [["Deployment web/w", "webapp", ["webapp01"]]],
        );
        assert.deepEqual([...facts.gmsa.credentialSpecNames], ["webapp01"]);
        assert.deepEqual(facts.gmsa.webhookReleases, ["Release gmsa-webhook"]);
        assert.deepEqual(facts.unreadable, []);
    });
});

// ---------------------------------------------------------------------------------------------
// The policies themselves, called directly

type Found = { policy: string; message: string; urn?: string };

function toPolicyResource(r: ResourceLike, proxied = false): PolicyResource {
    return {
        type: r.type,
        props: (proxied ? unknownCheckingProxy(r.props) : r.props) as Record<string, unknown>,
        urn: r.urn,
        name: urnName(r.urn),
        opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
        },
        dependencies: [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
    };
}

function runPolicies(resources: ResourceLike[], config: Record<string, Record<string, unknown>> = {}, proxied = false): Found[] {
    const found: Found[] = [];
    const prs = resources.map((r) => toPolicyResource(r, proxied));
    let current = "";
    let currentUrn = "";
    const getConfig = <T extends object>() => (config[current] ?? {}) as T;
    const notApplicable = (): never => {
        throw new Error("not applicable");
    };
    const stackTags = new Map<string, string>();
    const reportResource: ReportViolation = (message) => {
        found.push({ policy: current, message, urn: currentUrn });
    };
    const reportStack: ReportViolation = (message, urn) => {
        found.push({ policy: current, message, urn });
    };
    const resourceArgs = prs.map((r) => ({
        type: r.type,
        props: r.props,
        urn: r.urn,
        name: r.name,
        opts: r.opts,
        stackTags,
        getConfig,
        notApplicable,
        isType: () => false,
        asType: () => undefined,
    }));
    for (const p of policies) {
        current = p.name;
        if ("validateStack" in p) {
            (p as StackValidationPolicy).validateStack({ resources: prs, getConfig, stackTags, notApplicable }, reportStack);
            continue;
        }
        const v = (p as ResourceValidationPolicy).validateResource;
        const fns = Array.isArray(v) ? v : v ? [v] : [];
        for (const args of resourceArgs) {
            currentUrn = args.urn;
            for (const fn of fns) fn(args, reportResource);
        }
    }
    return found;
}

describe("policies", () => {
    test("stable names and order; config schemas never declare enforcementLevel", () => {
        assert.deepEqual(
            policies.map((p) => p.name),
            [
                "gmsa-workload-authorized",
                "gmsa-authorization-deferred",
                "gmsa-credspec-exists",
                "gmsa-rbac-scoped",
                "gmsa-no-cluster-wide-binding",
                "gmsa-no-inline-credspec",
                "gmsa-windows-node-selector",
                "gmsa-credspec-well-formed",
                "gmsa-webhook-present",
                "gmsa-container-credspec-matches-pod",
                "gmsa-webhook-skipped-namespace",
                "pod-host-access-allowlist",
                "helm-release-values-allowlist",
                "aws-secrets-by-arn",
                "aws-imdsv2-required",
                "eks-cluster-admin-allowlist",
            ],
        );
        for (const p of policies) {
            assert.equal(p.enforcementLevel, ["gmsa-no-cluster-wide-binding", "gmsa-authorization-deferred"].includes(p.name) ? "advisory" : "mandatory");
            if (p.configSchema) {
                assert.ok(!("enforcementLevel" in p.configSchema.properties), p.name);
                assert.ok(!(p.configSchema.required ?? []).includes("enforcementLevel"), p.name);
            }
        }
    });

    test("an unauthorized workload's message names it, its service account, the credential spec and the fix", () => {
        const d = workloadProps.Deployment(gmsaPodSpec({ serviceAccountName: "intruder" }));
        const found = runPolicies([
            res(d.type, d.props),
            res("kubernetes:windows.k8s.io/v1:GMSACredentialSpec", { metadata: { name: "webapp01" }, credspec: credspecBody() }),
            res("kubernetes:helm.sh/v3:Release", { chart: "gmsa" }),
            clusterRole("gmsa-use-webapp01", [useRule(["webapp01"])]),
            roleBinding("other", { kind: "ClusterRole", name: "gmsa-use-webapp01" }, [sa("intruder", "web")]),
        ]);
        assert.deepEqual(
            found.map((f) => f.policy),
            ["gmsa-workload-authorized"],
        );
        assert.match(found[0].message, /^Deployment web\/w runs as service account web\/intruder, which may not use GMSACredentialSpec "webapp01"/);
        assert.match(found[0].message, /RoleBinding other\/b binds it, but a RoleBinding counts only for pods in its own namespace/);
        assert.match(found[0].message, /Fix: .*RoleBinding in namespace web.*externalGrants/);
    });

    test("the dev plan's shape passes every gMSA policy, through @pulumi/policy's proxy too", () => {
        const d = workloadProps.Deployment(gmsaPodSpec());
        const resources = [
            res(d.type, d.props),
            res("kubernetes:windows.k8s.io/v1:GMSACredentialSpec", { metadata: { name: "webapp01" }, credspec: credspecBody() }),
            res("kubernetes:helm.sh/v3:Release", { chart: "gmsa" }),
            clusterRole("gmsa-use-webapp01", [useRule(["webapp01"])]),
            roleBinding("web", { kind: "ClusterRole", name: "gmsa-use-webapp01" }, [sa("webapp", "web")]),
            res("kubernetes:apps/v1:Deployment", {
                metadata: { name: "[unknown]", namespace: "web" },
                spec: {
                    template: {
                        spec: {
                            serviceAccountName: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
                            securityContext: { windowsOptions: { gmsaCredentialSpecName: "webapp01" } },
                            nodeSelector: { "kubernetes.io/os": "windows" },
                        },
                    },
                },
            }),
        ];
        // The Deployment whose service account is computed at deployment is left to that run, and said so (advisory).
        const deferredOnly = (found: Found[]) =>
            assert.deepEqual(
                found.map((f) => f.policy),
                ["gmsa-authorization-deferred"],
            );
        deferredOnly(runPolicies(resources));
        deferredOnly(runPolicies(resources, {}, true));
    });

    test("no policy throws on odd input", () => {
        const types = [
            "kubernetes:core/v1:Pod",
            "kubernetes:apps/v1:Deployment",
            "kubernetes:batch/v1:CronJob",
            `${RBAC}:Role`,
            `${RBAC}:ClusterRole`,
            `${RBAC}:RoleBinding`,
            `${RBAC}:ClusterRoleBinding`,
            "kubernetes:windows.k8s.io/v1:GMSACredentialSpec",
            "kubernetes:helm.sh/v3:Release",
            "aws:iam/rolePolicy:RolePolicy",
            "aws:iam/policy:Policy",
            "aws:ec2/launchTemplate:LaunchTemplate",
            "eks:index:Cluster",
            "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
        ];
        const odd: unknown[] = [
            undefined,
            null,
            0,
            "x",
            "[unknown]",
            "[secret]",
            [],
            [null],
            {},
            {
                metadata: null,
                spec: "[unknown]",
                rules: [null, "x", { apiGroups: "*", resources: "*", verbs: "*" }],
                subjects: "[unknown]",
                roleRef: [],
                credspec: [],
                policy: "{",
                metadataOptions: 5,
                accessEntries: [null, { accessPolicies: "x" }],
                chart: 5,
            },
            {
                metadata: { name: 5, namespace: {} },
                spec: {
                    template: {
                        spec: {
                            securityContext: { windowsOptions: "[unknown]" },
                            containers: "[unknown]",
                            initContainers: [null, 5, { securityContext: null }],
                            affinity: {
                                nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [null, { matchExpressions: "x" }] } },
                            },
                        },
                    },
                    jobTemplate: null,
                },
            },
            {
                credspec: { DomainJoinConfig: "[unknown]", ActiveDirectoryConfig: { GroupManagedServiceAccounts: "x", HostAccountConfig: "[secret]" } },
                policy: JSON.stringify({ Statement: [null, { Effect: "Allow", NotAction: 5 }, { Effect: "Allow", Action: [5, null], Resource: [5] }] }),
            },
            {
                accessEntries: {
                    a: { principalArn: 5, accessPolicies: { b: { policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" } } },
                },
                policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                principalArn: null,
            },
        ];
        const resources: ResourceLike[] = [];
        for (const type of types) for (const props of odd) resources.push(res(type, props));
        resources.push({ type: 5 as unknown as string, props: null, urn: "x" });
        const found = runPolicies(resources, { "gmsa-workload-authorized": { externalGrants: "x" }, "gmsa-rbac-scoped": { allowedRoles: [5] } });
        assert.ok(
            found.every((f) => !/could not (evaluate|read)/.test(f.message)),
            found
                .filter((f) => /could not/.test(f.message))
                .map((f) => f.message)
                .join("\n"),
        );
        assert.ok(found.every((f) => typeof f.message === "string" && f.message.length > 20));
        // Through the proxy as well (the engine's unknown sentinels throw on access there).
        const proxiedFound = runPolicies(
            resources.map((r) => ({ ...r, props: JSON.parse(JSON.stringify(r.props ?? null)) })),
            {},
            true,
        );
        assert.ok(proxiedFound.every((f) => !/could not (evaluate|read)/.test(f.message)));
    });

    test("linear: 10,000 resources through every policy in well under a second", () => {
        const resources: ResourceLike[] = [res("kubernetes:helm.sh/v3:Release", { chart: "gmsa" })];
        for (let i = 0; resources.length < 10_000; i++) {
            const ns = `team-${i}`;
            const d = workloadProps.Deployment(
                gmsaPodSpec({ serviceAccountName: "app", securityContext: { windowsOptions: { gmsaCredentialSpecName: `app-${i}` } } }),
            );
            (d.props.metadata as Record<string, unknown>).namespace = ns;
            resources.push(
                res("kubernetes:windows.k8s.io/v1:GMSACredentialSpec", { metadata: { name: `app-${i}` }, credspec: credspecBody() }),
                clusterRole(`gmsa-use-app-${i}`, [useRule([`app-${i}`])]),
                roleBinding(ns, { kind: "ClusterRole", name: `gmsa-use-app-${i}` }, [sa("app", ns)]),
                res(d.type, d.props),
                res("aws:iam/rolePolicy:RolePolicy", {
                    policy: JSON.stringify({
                        Statement: [
                            { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: [`arn:aws:secretsmanager:us-west-2:1:secret:s-${i}-AbCdEf`] },
                        ],
                    }),
                }),
            );
        }
        // Fresh PolicyResource objects per run (as the engine sends them), so nothing is memoized across runs.
        assert.deepEqual(runPolicies(resources), []); // the first run also compiles the code
        const started = process.hrtime.bigint();
        const found = runPolicies(resources);
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        assert.deepEqual(found, []);
        assert.ok(ms < 1000, `${ms.toFixed(0)} ms for ${resources.length} resources`);
    });
});
