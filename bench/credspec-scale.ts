// Prints how offline plan time grows with the number of credential specs: 1, 50 and 200 credspecs
// over 200 application namespaces (each namespace, with its service account, created by the
// stack and bound to exactly one credspec, so every size has 200 namespaces, 200 service accounts
// and 200 RoleBindings; only the credspecs and their ClusterRoles grow).
// Each size is the median of N runs of `npm run plan` (all artifacts: program, manifests, policy,
// deploy-time model, picture, summary), each a fresh Node process.
// Linear growth means the per-credspec cost is the same from 1 to 50 as from 50 to 200.
// usage: npm run bench:scale -- [--stack prod] [--sizes 1,50,200] [--namespaces 200] [--runs 3]   (--help says more)
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";
import { projectRoot } from "../tools/harness";
import { benchArgs, positiveInteger, positiveIntegers, progressReporter } from "./cli";
import { stackFlag } from "./plan-time";
import { median, medianPhases, timePlan, type PlanTiming } from "./planRun";

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
    const command = {
        script: "bench:scale",
        about:
            "How offline plan time grows with the number of credential specs: the stack's file with its gMSA\n" +
            "accounts replaced by N credential specs over a fixed set of app namespaces, each size planned\n" +
            "--runs times (fresh Node processes, sizes round-robin); prints each size's median and the cost\n" +
            "per added resource between sizes (equal slopes: linear growth).",
        flags: {
            "--stack": stackFlag("prod"),
            "--sizes": {
                placeholder: "<n,n,...>",
                fallback: "1,50,200",
                help: "numbers of credential specs, each at most --namespaces",
                check: positiveIntegers,
            },
            "--namespaces": { placeholder: "<n>", fallback: "200", help: "app namespaces, each with its service account", check: positiveInteger },
            "--runs": { placeholder: "<n>", fallback: "3", help: "runs per size", check: positiveInteger },
        },
    };
    const values = benchArgs(command);
    const stack = values["--stack"];
    const sizes = values["--sizes"].split(",").map(Number);
    const namespaces = Number(values["--namespaces"]);
    const runs = Number(values["--runs"]);
    if (sizes.some((n) => n > namespaces)) {
        console.error(`bench:scale: --sizes ${values["--sizes"]}: each must be at most --namespaces (${namespaces})`);
        process.exit(2);
    }
    const progress = progressReporter("bench:scale");

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "credspec-scale-"));
    const points: { credspecs: number; resources: number; medianMs: number; minMs: number }[] = [];
    try {
        // The stack's own file, with only the gMSA accounts replaced; each size planned as its own stack.
        const files = sizes.map((credspecs) => {
            const file = path.join(dir, `Pulumi.scale-${credspecs}.yaml`);
            fs.writeFileSync(file, stackFileWithAccounts(stack, scaleAccounts(credspecs, namespaces)));
            return { credspecs, name: `scale-${credspecs}`, file };
        });
        // Round-robin over the sizes, so a slow spell of the (shared) machine hits every size alike.
        const timings = new Map<number, PlanTiming[]>(sizes.map((n) => [n, []]));
        for (let r = 0; r < runs; r++) {
            for (const f of files) {
                progress(
                    `round ${r + 1} of ${runs}: planning ${f.credspecs} credential spec${f.credspecs === 1 ? "" : "s"} over ${namespaces} namespaces (stack ${f.name})`,
                );
                const timing = timePlan(["--stack", f.name, "--config-file", f.file]);
                progress(`  ${(timing.wallMs / 1000).toFixed(1)} s, ${timing.resources} resources`);
                timings.get(f.credspecs)!.push(timing);
            }
        }
        for (const f of files) {
            const runsOfSize = timings.get(f.credspecs)!;
            const medianMs = median(runsOfSize.map((t) => t.wallMs));
            // The fastest run is the one least disturbed by the machine.
            const minMs = Math.min(...runsOfSize.map((t) => t.wallMs));
            const resources = runsOfSize[0].resources;
            points.push({ credspecs: f.credspecs, resources, medianMs, minMs });
            console.log(
                `credspec-scale stack=${stack} credspecs=${f.credspecs} namespaces=${namespaces} resources=${resources} runs=${runs} median_ms=${medianMs.toFixed(0)} min_ms=${minMs.toFixed(0)} ${medianPhases(runsOfSize)}`,
            );
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    // Cost per added resource between consecutive sizes: equal slopes mean linear growth.
    for (let i = 1; i < points.length; i++) {
        const a = points[i - 1],
            b = points[i];
        const added = b.resources - a.resources;
        console.log(
            `credspec-scale slope credspecs=${a.credspecs}->${b.credspecs} added_resources=${added} ms_per_added_resource_median=${((b.medianMs - a.medianMs) / added).toFixed(2)} ms_per_added_resource_min=${((b.minMs - a.minMs) / added).toFixed(2)}`,
        );
    }
}

/** The stack file with other gMSA accounts (read from the file, not re-typed). */
function stackFileWithAccounts(stack: string, accounts: ScaleAccount[]): string {
    const document = YAML.parse(fs.readFileSync(path.join(projectRoot, `Pulumi.${stack}.yaml`), "utf8"));
    document.config["eks-gmsa:gmsa"] = { ...document.config["eks-gmsa:gmsa"], accounts };
    return YAML.stringify(document);
}

if (require.main === module) main();
