// Prints how long `npm run plan` takes on a stack: the median wall time of N runs (each a fresh
// Node process, as a user runs it), its phases and the resource count.
// usage: npm run bench -- [--stack dev] [--runs 5]
import { median, medianPhases, timePlan } from "./planRun";

const argv = process.argv.slice(2);
const option = (name: string, fallback: string) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
};
const stack = option("--stack", "dev");
const runs = Number(option("--runs", "5"));

const timings = Array.from({ length: runs }, () => timePlan(["--stack", stack]));
const walls = timings.map((t) => t.wallMs);
console.log(`plan-time stack=${stack} resources=${timings[0].resources} runs=${runs} median_ms=${median(walls).toFixed(0)} min_ms=${Math.min(...walls).toFixed(0)} max_ms=${Math.max(...walls).toFixed(0)} ${medianPhases(timings)}`);
