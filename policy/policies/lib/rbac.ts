// RBAC evaluation for GMSACredentialSpecs. Pure.
//
// The windows-gmsa webhook admits a pod naming credential spec X only if the pod's service account
// may `use` gmsacredentialspecs/X (API group windows.k8s.io), asked as a LocalSubjectAccessReview
// in the pod's namespace. So a RoleBinding counts only in the pod's own namespace; a
// ClusterRoleBinding counts everywhere. Rules and grants: ./rbacRules.ts; subjects as principals:
// ./rbacSubjects.ts; the stack's roles and bindings indexed: ./rbacIndex.ts.
export {
    GMSA_API_GROUP,
    GMSA_RESOURCE,
    RBAC_GROUP,
    describeGrant,
    grantCovers,
    grantIsEmpty,
    grantOfRules,
    ruleGrantsUse,
    ruleReachesCredentialSpecs,
    ruleView,
    scopeProblems,
    selectorMatches,
    type Grant,
    type RuleProblem,
    type RuleView,
} from "./rbacRules";
export { describeSubjects, subjectPrincipals } from "./rbacSubjects";
export { RbacIndex, type BindingRecord, type ResourceLike, type RoleRecord, type UncertainBinding } from "./rbacIndex";
