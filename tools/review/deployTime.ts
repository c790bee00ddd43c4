// A modelled deploy time for a plan (docs/deploy-time.md): every resource takes a documented
// duration for its type, starts when what it depends on is created, and the longest chain is the
// critical path. The same duration figures model the AWS walkthrough done by hand, for comparison.
// The figures and rules are data (tools/review/data/deploy-time-*.json); the model is in ./deployTime/.
//
//   npx tsx tools/review/deployTime.ts --plan out/dev/plan.json   prints the model of a plan file
//   npx tsx tools/review/deployTime.ts --write-doc                regenerates docs/deploy-time.md's tables
import * as fs from "fs";
import * as path from "path";
import type { Plan } from "../planFile";
import { deployTimeDoc, documentedStacks, renderDoc, type ModelledStack } from "./deployTime/doc";
import { formatDeployTime } from "./deployTime/format";
import { manualWalkthroughFor } from "./deployTime/manual";
import { modelDeployTime } from "./deployTime/model";

export * from "./deployTime/data";
export {
    hasLaunchHook,
    indexPlan,
    isLocalComponent,
    isWindowsNodeGroup,
    isWindowsWorkload,
    providerDependencies,
    windowsNodesType,
    type PlanIndex,
} from "./deployTime/conditions";
export { figure, figuresRange, figuresSeconds, ruleFor } from "./deployTime/rules";
export type { PathStep } from "./deployTime/schedule";
export { parseGoDuration } from "./deployTime/warnings";
export { modelDeployTime, type DeployTimeModel, type ReadinessEvent, type ScheduledResource } from "./deployTime/model";
export { manualWalkthroughFor, manualWalkthroughModel, walkthroughSource, type ManualModel, type ManualStep } from "./deployTime/manual";
export { formatDeployTime, formatSeconds } from "./deployTime/format";
export {
    deployTimeDoc,
    documentedStacks,
    durationsTableMarkdown,
    manualTableMarkdown,
    modelledTotalsMarkdown,
    readinessTableMarkdown,
    renderDoc,
    replaceGeneratedSection,
    rulesTableMarkdown,
    type ModelledStack,
} from "./deployTime/doc";

async function main(argv: string[]): Promise<void> {
    const planArg = argv.indexOf("--plan");
    if (planArg >= 0) {
        const plan = JSON.parse(fs.readFileSync(argv[planArg + 1], "utf8")) as Plan;
        console.log(formatDeployTime(modelDeployTime(plan), manualWalkthroughFor(plan)));
        return;
    }
    if (argv.includes("--write-doc")) {
        // Loaded here only: running stacks needs the harness, the model itself does not.
        const { runStack, projectRoot } = await import("../harness");
        const { toPlan } = await import("../planFile");
        const { projectName } = await import("../../settings/keys");
        const stacks = documentedStacks.map(({ stack, configFile }): ModelledStack => {
            const run = runStack({ stack, configFile: path.join(projectRoot, configFile) });
            if (run.errors.length > 0) throw new Error(`stack ${stack}: ${run.errors.join("; ")}`);
            const plan = toPlan(projectName, run);
            return { stack, model: modelDeployTime(plan), manual: manualWalkthroughFor(plan) };
        });
        fs.writeFileSync(deployTimeDoc, renderDoc(fs.readFileSync(deployTimeDoc, "utf8"), stacks));
        console.log(`wrote ${path.relative(process.cwd(), deployTimeDoc)}`);
        return;
    }
    console.error("usage: npx tsx tools/review/deployTime.ts --plan <plan.json> | --write-doc");
    process.exitCode = 2;
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((e) => {
        console.error(`deploy time: ${(e as Error).message}`);
        process.exit(1);
    });
}
