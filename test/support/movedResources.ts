// The fixture program with components moved, renamed and retyped (movedResourcesProgram.ts), run in
// its "before" or "after" shape, for the alias tests of the offline harness and of engine URNs.
import * as path from "node:path";
import { runOk, type StackRun } from "../helpers";

export const aliasProject = "alias-test";

export const runShape = (shape: "before" | "after"): StackRun =>
    runOk({
        stack: "dev",
        program: { file: path.join(__dirname, "movedResourcesProgram.ts"), project: aliasProject },
        config: { [`${aliasProject}:shape`]: shape },
    });

/** A URN of the fixture's dev stack with the given type chain. */
export const urn = (chain: string, name: string) => `urn:pulumi:dev::${aliasProject}::${chain}::${name}`;
