// What code outside the pack (the review tooling, the benches) may use: the policies, and the
// helpers the architecture picture shares with them, so the picture and the gate read a plan alike.
// Everything else under policies/ is the pack's own and may change without notice.
export { policies } from "./policies";
export { RbacIndex, grantCovers, type BindingRecord, type ResourceLike } from "./policies/lib/rbac";
export { isGmsaChart } from "./policies/lib/stack";
export { entries, get, kubeKind, kubeMeta, list, obj, path, str, strings } from "./policies/lib/values";
export { credentialSpecNames, selectsWindows, serviceAccountOf, workloadOf } from "./policies/lib/workloads";
export { SCAN_LIMITS } from "./policies/lib/podScan";
