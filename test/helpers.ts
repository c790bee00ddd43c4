// Shared test helpers: run stacks through the harness and look resources up.
import assert from "node:assert/strict";
import { runStack, userResources, type RegisteredResource, type RunOptions, type StackRun } from "../tools/harness";
import { normalizeValue } from "../tools/harness/normalize";

export { runStack, userResources };
export type { RegisteredResource, StackRun };

/** Runs a stack and fails the test on any program error. */
export function runOk(options: RunOptions): StackRun {
    const run = runStack(options);
    assert.deepEqual(run.errors, [], `stack ${options.stack} raised errors`);
    return run;
}

export function ofType(run: StackRun, type: string): RegisteredResource[] {
    return run.resources.filter((r) => r.type === type);
}

export function one(run: StackRun, type: string, name?: string): RegisteredResource {
    const found = ofType(run, type).filter((r) => name === undefined || r.name === name);
    assert.equal(found.length, 1, `expected exactly one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`);
    return found[0];
}

/**
 * Inputs with secrets as "[secret]" and keys sorted (what a plan shows). Each resource type has its
 * own shape, which the tests read by path: a wrong path fails the assertion that reads it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- one accessor for every resource type's inputs (see above)
export function inputs(resource: RegisteredResource): any {
    return normalizeValue(resource.inputs);
}

/** The stack's outputs, normalized like inputs(); read by path like them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the program's outputs, read by path (see inputs)
export function outputs(run: StackRun): any {
    return normalizeValue(run.outputs);
}

export function urnOf(run: StackRun, type: string, name: string): string {
    return one(run, type, name).urn;
}
