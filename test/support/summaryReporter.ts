// A reporter for `node --test` (--test-reporter=summaryReporter.mjs, which loads this file): prints the run's summary at the end
// (test/support/testSummary.ts) instead of every test's line. EKS_GMSA_TEST_LOG names the full
// log's file for the summary's last line (test/support/run-tests.sh writes it).
import { renderSummary, RunnerEvent, SummaryCollector } from "./testSummary";

export async function* summaryReporter(source: AsyncIterable<RunnerEvent>): AsyncGenerator<string, void> {
    const collector = new SummaryCollector();
    for await (const event of source) collector.add(event);
    // 59 lines: run-tests.sh prints one before the run, and the whole output stays within 60.
    const lines = renderSummary(collector.summary(), { cwd: process.cwd(), logFile: process.env.EKS_GMSA_TEST_LOG || undefined, maxLines: 59 });
    yield `${lines.join("\n")}\n`;
}
