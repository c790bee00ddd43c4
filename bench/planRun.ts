// Runs `npm run plan` (tools/plan.ts in a fresh Node process, as a user runs it, into a temp
// folder) and reads what it prints: the resource count and the seconds of each phase.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { projectRoot } from "../tools/harness";

export interface PlanTiming {
    wallMs: number;
    resources: number;
    /** Seconds by phase: program, manifests, policy, deploy-time, diff, picture+summary. */
    phases: Record<string, number>;
}

/**
 * One `npm run plan -- <args>`, timed. It writes into a temp folder (--out), removed afterwards: a
 * bench never replaces the user's out/<stack>/. The environment is passed through unchanged, so
 * the chart cache ($EKS_GMSA_CHART_CACHE, $XDG_CACHE_HOME, ~/.cache) is the user's plan's.
 */
export function timePlan(args: string[]): PlanTiming {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "eks-gmsa-bench-"));
    const started = process.hrtime.bigint();
    let child;
    try {
        child = spawnSync(process.execPath, ["--import", "tsx", path.join(projectRoot, "tools", "plan.ts"), ...args, "--out", out], {
            cwd: projectRoot,
            env: process.env,
            encoding: "utf8",
            timeout: 600_000,
        });
    } finally {
        fs.rmSync(out, { recursive: true, force: true });
    }
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (child.status !== 0) throw new Error(`npm run plan -- ${args.join(" ")} exited ${child.status}:\n${child.stderr}`);
    const resources = Number(/^plan: \S+: (\d+) resources/m.exec(child.stdout)?.[1]);
    const timings = /^timings: (.*); total/m.exec(child.stdout)?.[1] ?? "";
    const phases = Object.fromEntries(
        timings.split(", ").map((part) => {
            const m = /^(\S+) ([0-9.]+) s$/.exec(part);
            return m ? [m[1], Number(m[2])] : [part, NaN];
        }),
    );
    return { wallMs, resources, phases };
}

export function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

/** The median of each phase over runs, as `name=seconds` pairs. */
export function medianPhases(runs: PlanTiming[]): string {
    const names = Object.keys(runs[0].phases);
    return names.map((n) => `${n}_s=${median(runs.map((r) => r.phases[n])).toFixed(2)}`).join(" ");
}
