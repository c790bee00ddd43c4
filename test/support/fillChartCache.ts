// node --import tsx test/support/fillChartCache.ts <cache dir>: fetches the pinned gmsa chart into
// <cache dir> from the published repository served on loopback (test/support/helmRepository.ts).
import { fetchChart } from "../../tools/review/chartCache";
import { gmsaPin, publishedRepositoryDir, serveDirectory } from "./helmRepository";

async function main(): Promise<void> {
    const cacheDir = process.argv[2];
    if (!cacheDir) throw new Error("usage: fillChartCache.ts <cache dir>");
    const server = await serveDirectory(publishedRepositoryDir);
    try {
        await fetchChart(gmsaPin(), { cacheDir, repository: server.url });
    } finally {
        await server.close();
    }
}

main().catch((e) => {
    console.error(`fillChartCache: ${(e as Error).message}`);
    process.exit(1);
});
