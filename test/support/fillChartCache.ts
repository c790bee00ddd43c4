// node --import tsx test/support/fillChartCache.ts <cache dir> --published <repository dir>
//   fetches the pinned gmsa chart into <cache dir> from a published repository folder served on
//   loopback (test/support/helmRepository.ts);
// node --import tsx test/support/fillChartCache.ts <cache dir> --repository <url> <index copy>
//   fetches it from a Helm repository (the chart's own, or a mirror) exactly as `npm run plan`
//   does, digest checked, then keeps a copy of that repository's index.yaml in <index copy>.
// Any failure: one line on stderr, exit 1.
import * as fs from "node:fs";
import { fetchChart } from "../../tools/review/chartCache";
import { resolveReferenceUrl } from "../../tools/review/helmRepository";
import { gmsaPin, serveDirectory } from "./helmRepository";

async function main(): Promise<void> {
    const [cacheDir, mode, source, indexCopy] = process.argv.slice(2);
    if (!cacheDir || !source || !["--published", "--repository"].includes(mode))
        throw new Error("usage: fillChartCache.ts <cache dir> (--published <dir> | --repository <url> <index copy>)");
    if (mode === "--published") {
        const server = await serveDirectory(source);
        try {
            await fetchChart(gmsaPin(), { cacheDir, repository: server.url });
        } finally {
            await server.close();
        }
        return;
    }
    await fetchChart(gmsaPin(), { cacheDir, repository: source });
    // The index as the repository publishes it, for the tests that compare the pin with it (best effort).
    if (indexCopy) {
        const response = await fetch(resolveReferenceUrl(source, "index.yaml"), { signal: AbortSignal.timeout(30_000) }).catch(() => undefined);
        if (response?.status === 200) fs.writeFileSync(indexCopy, Buffer.from(await response.arrayBuffer()));
    }
}

main().catch((e) => {
    console.error(`fillChartCache: ${(e as Error).message.split("\n")[0]}`);
    process.exit(1);
});
