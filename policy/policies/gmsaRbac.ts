// RBAC policies for GMSACredentialSpecs: roles name the credential specs they grant, and no
// binding grants them cluster-wide.

import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { configStrings, readConfig } from "./lib/config";
import { guardResource, guardStack, reportUnreadable } from "./lib/guard";
import { describeGrant, describeSubjects, RBAC_GROUP, scopeProblems } from "./lib/rbac";
import { analyzeStack } from "./lib/stack";
import { get, kubeKind, kubeLabel, kubeMeta, plainProps } from "./lib/values";

export const gmsaRbacScoped: ResourceValidationPolicy = {
    name: "gmsa-rbac-scoped",
    description:
        "Roles and ClusterRoles that reach gmsacredentialspecs (windows.k8s.io) name the credential specs they grant: " +
        'no `use` without resourceNames, and no "*" in apiGroups, resources or verbs of a rule that covers gmsacredentialspecs. ' +
        "Otherwise whoever is bound to the role may run pods as every gMSA in the cluster.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedRoles: {
                type: "array",
                description: 'Roles exempt from this policy, as "ClusterRole/<name>" or "Role/<namespace>/<name>" (metadata names).',
                default: [],
                items: { type: "string", pattern: "^(ClusterRole/[^/]+|Role/[^/]+/[^/]+)$" },
            },
        },
    },
    validateResource: guardResource("gmsa-rbac-scoped", (args, report) => {
        const k = kubeKind(args.type);
        if (!k || k.group !== RBAC_GROUP || (k.kind !== "Role" && k.kind !== "ClusterRole")) return;
        const props = plainProps(args.props);
        const problems = scopeProblems(get(props, "rules"));
        if (problems.length === 0) return;
        const m = kubeMeta(props);
        const key = m.name === undefined ? undefined : k.kind === "ClusterRole" ? `ClusterRole/${m.name}` : `Role/${m.namespace ?? "default"}/${m.name}`;
        if (key !== undefined && configStrings(readConfig(args), "allowedRoles").includes(key)) return;
        const exempt =
            key !== undefined
                ? `or, if this breadth is intended, add "${key}" to this policy's allowedRoles config`
                : "or set metadata.name and, if this breadth is intended, add the role to this policy's allowedRoles config";
        report(
            `${kubeLabel(k.kind, props, args.urn, k.kind === "Role")}: ${problems.map((p) => p.message).join("; ")}. ` +
                `Any subject bound to it may run pods as those gMSAs. Fix: give such rules exactly apiGroups ["windows.k8s.io"], resources ["gmsacredentialspecs"], verbs ["use"] ` +
                `and resourceNames listing the credential specs (one role per credential spec, like eks-gmsa's gmsa-use-<name> ClusterRoles); ${exempt}.`,
        );
    }),
};

export const gmsaNoClusterWideBinding: StackValidationPolicy = {
    name: "gmsa-no-cluster-wide-binding",
    description:
        "No ClusterRoleBinding binds a role that grants `use` on gmsacredentialspecs: that lets its subjects run pods as the gMSA in every namespace. " +
        "Bind credential specs with RoleBindings in the namespaces that need them.",
    enforcementLevel: "advisory",
    validateStack: guardStack("gmsa-no-cluster-wide-binding", (args, report) => {
        const facts = analyzeStack(args.resources);
        const rbac = facts.rbac;
        reportUnreadable("gmsa-no-cluster-wide-binding", facts.unreadable, report);
        for (const b of rbac.clusterWideGrants()) {
            report(
                `${b.label} binds ${b.role?.label ?? "its ClusterRole"} cluster-wide, which grants "use" on ${describeGrant(b.grant)} ` +
                    `to ${describeSubjects(b.subjects)} in every namespace. Fix: replace it with a RoleBinding in each namespace whose pods need the credential spec, ` +
                    `binding only those pods' service accounts (as eks-gmsa does from eks-gmsa:gmsa.accounts[].allowed).`,
                b.urn,
            );
        }
    }),
};
