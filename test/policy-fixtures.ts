// Small plan fixtures for the policy pack: a compliant gMSA stack, and builders to break it (the
// builders live in tools/policy/fixtures.ts, which bench:policy builds its plans from too).
import type { PlanResource } from "../tools/planFile";
import { binding, credspec, gmsaRelease, saSubject, useRole, useRule, workload } from "../tools/policy/fixtures";

export { binding, credspec, gmsaRelease, resource, saSubject, useRole, useRule, workload } from "../tools/policy/fixtures";

/** A compliant stack: the webhook, a credential spec, its role and binding, and a Deployment using it. */
export function compliantStack(): PlanResource[] {
    return [
        gmsaRelease(),
        credspec("webapp01"),
        useRole("ClusterRole", "gmsa-use-webapp01", useRule()),
        binding("RoleBinding", "gmsa-use-webapp01", { kind: "ClusterRole", name: "gmsa-use-webapp01" }, [saSubject("webapp", "web")], "web"),
        workload("Deployment", "web", "web", { serviceAccount: "webapp" }),
    ];
}
