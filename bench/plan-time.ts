// Prints how long `npm run plan` takes on a stack: the median wall time of N runs (each a fresh
// Node process, as a user runs it), its phases and the resource count.
// usage: npm run bench -- [--stack dev] [--runs 5]   (--help says more)
import * as fs from "fs";
import * as path from "path";
import { projectRoot } from "../tools/harness";
import { benchArgs, positiveInteger, progressReporter } from "./cli";
import { stackNameProblem } from "../tools/cli";
import { median, medianPhases, timePlan } from "./planRun";

export const stackFlag = (fallback: string) => ({
    placeholder: "<name>",
    fallback,
    help: "the stack to plan (its Pulumi.<name>.yaml)",
    check: (v: string) =>
        stackNameProblem(v) ?? (fs.existsSync(path.join(projectRoot, `Pulumi.${v}.yaml`)) ? undefined : `there is no Pulumi.${v}.yaml in ${projectRoot}`),
});

function main(): void {
    const values = benchArgs({
        script: "bench",
        about: "Times `npm run plan` on a stack: each run a fresh Node process as a user's run (into a temp\nfolder, removed after: out/<stack>/ is left alone); prints the median, fastest and slowest wall time and the median of each phase.",
        flags: { "--stack": stackFlag("dev"), "--runs": { placeholder: "<n>", fallback: "5", help: "how many runs", check: positiveInteger } },
    });
    const stack = values["--stack"];
    const runs = Number(values["--runs"]);
    const progress = progressReporter("bench");

    const timings = Array.from({ length: runs }, (_, i) => {
        progress(`planning stack ${stack}, run ${i + 1} of ${runs}`);
        const timing = timePlan(["--stack", stack]);
        progress(`run ${i + 1} of ${runs}: ${(timing.wallMs / 1000).toFixed(1)} s, ${timing.resources} resources`);
        return timing;
    });
    const walls = timings.map((t) => t.wallMs);
    console.log(
        `plan-time stack=${stack} resources=${timings[0].resources} runs=${runs} median_ms=${median(walls).toFixed(0)} min_ms=${Math.min(...walls).toFixed(0)} max_ms=${Math.max(...walls).toFixed(0)} ${medianPhases(timings)}`,
    );
}

if (require.main === module) main();
