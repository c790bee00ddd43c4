// Prints the offline plan time of a stack: the median of N full program runs under the mock
// runtime (each a fresh Node process, as `npm run plan` does), plus its resource count.
// usage: npm run bench -- [--stack dev] [--runs 5]
import { runStack } from "../tools/harness";

const argv = process.argv.slice(2);
const option = (name: string, fallback: string) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
};
const stack = option("--stack", "dev");
const runs = Number(option("--runs", "5"));

const times: number[] = [];
let resources = 0;
for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const run = runStack({ stack });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (run.errors.length > 0) throw new Error(run.errors.join("\n"));
    resources = run.resources.length;
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(`plan-time stack=${stack} resources=${resources} runs=${runs} median_ms=${median.toFixed(0)} min_ms=${times[0].toFixed(0)} max_ms=${times[times.length - 1].toFixed(0)}`);
