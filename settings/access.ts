// The access lists as one list of principals, each with the config key it is set at: for problems
// that name the key (duplicates, the deploy role, the cluster's creator). Pure.
import { projectName, type AccessSettings } from "./types";

/** The principals of the access lists with the key each is configured at. */
export function accessPrincipals(access: AccessSettings): { key: string; arn: string; role: "clusterAdmins" | "namespaceAdmins" | "viewers" }[] {
    return [
        ...access.clusterAdmins.map((arn, i) => ({ key: `${projectName}:access.clusterAdmins[${i}]`, arn, role: "clusterAdmins" as const })),
        ...access.namespaceAdmins.map((a, i) => ({ key: `${projectName}:access.namespaceAdmins[${i}].principalArn`, arn: a.principalArn, role: "namespaceAdmins" as const })),
        ...access.viewers.map((arn, i) => ({ key: `${projectName}:access.viewers[${i}]`, arn, role: "viewers" as const })),
    ];
}
