// The access lists as one list of principals, each with the config key it is set at: for problems
// that name the key (duplicates, the deploy role, the cluster's creator); and the stack's operators.
// Pure.
import { samePrincipal } from "../lib/aws";
import type { Section } from "./reader";
import { projectName, type AccessSettings } from "./types";

/** The principals of the access lists with the key each is configured at. */
export function accessPrincipals(access: AccessSettings): { key: string; arn: string; role: "clusterAdmins" | "namespaceAdmins" | "viewers" }[] {
    return [
        ...access.clusterAdmins.map((arn, i) => ({ key: `${projectName}:access.clusterAdmins[${i}]`, arn, role: "clusterAdmins" as const })),
        ...access.namespaceAdmins.map((a, i) => ({
            key: `${projectName}:access.namespaceAdmins[${i}].principalArn`,
            arn: a.principalArn,
            role: "namespaceAdmins" as const,
        })),
        ...access.viewers.map((arn, i) => ({ key: `${projectName}:access.viewers[${i}]`, arn, role: "viewers" as const })),
    ];
}

/**
 * Who runs `pulumi up`, refresh and destroy: named exactly as IAM reports them (aws:PrincipalArn
 * carries a role's path, and the secrets' resource policies compare ARNs exactly), each once.
 */
export function readOperators(s: Section): string[] | undefined {
    const raw = s.raw("operators");
    if (Array.isArray(raw) && raw.length === 0) {
        s.problems.add(
            s.path("operators"),
            raw,
            "is empty, so no one could run `pulumi up`: list the roles (or users) that run it, or remove the key to name whoever runs it",
        );
        return undefined;
    }
    const operators = s.stringList("operators");
    if (!operators) return undefined;
    let ok = true;
    for (const [i, arn] of operators.entries()) {
        const first = operators.slice(0, i).findIndex((other) => samePrincipal(other, arn));
        if (first >= 0) {
            s.problems.add(
                `${s.path("operators")}[${i}]`,
                arn,
                `is the same IAM principal as access.operators[${first}] (a role's path or the case of its name does not make it another); list it once, with the path IAM shows`,
            );
            ok = false;
        }
    }
    return ok ? operators : undefined;
}
