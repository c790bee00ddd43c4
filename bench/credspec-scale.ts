// Prints how offline plan time grows with the number of credential specs: 1, 50 and 200 credspecs
// over 200 application namespaces (each namespace, with its service account, created by the
// stack and bound to exactly one credspec, so every size has 200 namespaces, 200 service accounts
// and 200 RoleBindings; only the credspecs and their ClusterRoles grow).
// Each size is the median of N full program runs (a fresh Node process each, as `npm run plan`).
// Linear growth means the per-credspec cost is the same from 1 to 50 as from 50 to 200.
// usage: npm run bench:scale -- [--stack prod] [--sizes 1,50,200] [--namespaces 200] [--runs 3]
import * as path from "path";
import { projectRoot, runStack } from "../tools/harness";
import { readStackConfigFile } from "../tools/harness/stackConfig";

export interface ScaleAccount {
    name: string;
    account: string;
    allowed: { namespace: string; serviceAccounts: string[]; create: boolean }[];
}

/** `credspecs` gMSA accounts spread round-robin over `namespaces` namespaces, one grant each. */
export function scaleAccounts(credspecs: number, namespaces: number): ScaleAccount[] {
    const accounts: ScaleAccount[] = Array.from({ length: credspecs }, (_, i) => ({
        name: `app-${String(i + 1).padStart(3, "0")}`,
        // sAMAccountName: at most 15 characters before the `$`.
        account: `App${String(i + 1).padStart(3, "0")}`,
        allowed: [],
    }));
    for (let n = 0; n < namespaces; n++) {
        accounts[n % credspecs].allowed.push({ namespace: `team-${String(n + 1).padStart(3, "0")}`, serviceAccounts: ["app"], create: true });
    }
    return accounts;
}

function main(): void {
    const argv = process.argv.slice(2);
    const option = (name: string, fallback: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
    const stack = option("--stack", "prod");
    const sizes = option("--sizes", "1,50,200").split(",").map(Number);
    const namespaces = Number(option("--namespaces", "200"));
    const runs = Number(option("--runs", "3"));
    if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > namespaces)) throw new Error(`--sizes must be integers from 1 to --namespaces (${namespaces})`);

    const points: { credspecs: number; resources: number; medianMs: number }[] = [];
    for (const credspecs of sizes) {
        const times: number[] = [];
        let resources = 0;
        for (let r = 0; r < runs; r++) {
            const started = process.hrtime.bigint();
            const run = runStack({ stack, overrides: { "eks-gmsa:gmsa": gmsaWithAccounts(stack, scaleAccounts(credspecs, namespaces)) } });
            times.push(Number(process.hrtime.bigint() - started) / 1e6);
            if (run.errors.length > 0) throw new Error(run.errors.join("\n"));
            resources = run.resources.length;
        }
        times.sort((a, b) => a - b);
        const medianMs = times[Math.floor(times.length / 2)];
        points.push({ credspecs, resources, medianMs });
        console.log(`credspec-scale stack=${stack} credspecs=${credspecs} namespaces=${namespaces} resources=${resources} runs=${runs} median_ms=${medianMs.toFixed(0)} per_resource_ms=${(medianMs / resources).toFixed(2)}`);
    }
    // Cost per added resource between consecutive sizes: equal slopes mean linear growth.
    for (let i = 1; i < points.length; i++) {
        const a = points[i - 1], b = points[i];
        const slope = (b.medianMs - a.medianMs) / (b.resources - a.resources);
        console.log(`credspec-scale slope credspecs=${a.credspecs}->${b.credspecs} added_resources=${b.resources - a.resources} ms_per_added_resource=${slope.toFixed(2)}`);
    }
}

/** The stack's own gmsa settings with other accounts (read from the stack file, not re-typed). */
function gmsaWithAccounts(stack: string, accounts: ScaleAccount[]): Record<string, unknown> {
    const config = readStackConfigFile(path.join(projectRoot, `Pulumi.${stack}.yaml`), "eks-gmsa");
    const gmsa = JSON.parse(config.values["eks-gmsa:gmsa"] ?? "{}") as Record<string, unknown>;
    return { ...gmsa, accounts };
}

if (require.main === module) main();
