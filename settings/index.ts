// The one place that reads stack config, for index.ts only: it exports loadSettings and the types.
// Everything downstream takes the typed Settings; tooling takes names from settings/keys.ts.
import * as pulumi from "@pulumi/pulumi";
import { parseSettings } from "./validate";
import type { Settings } from "./types";

export type * from "./types";

/** Whether a config key was set with --secret (the runtime knows; its typings do not export it). */
function isConfigSecret(key: string): boolean {
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
    if (typeof runtime.isConfigSecret !== "function") throw new Error("@pulumi/pulumi no longer exports runtime.isConfigSecret; update settings/index.ts");
    return runtime.isConfigSecret(key);
}

/**
 * Reads and validates the stack's config. On any problem it throws a RunError listing every
 * problem, one line each: Pulumi prints it without a stack trace and registers nothing more.
 */
export function loadSettings(): Settings {
    const values = pulumi.runtime.allConfig();
    const result = parseSettings({ values, stack: pulumi.getStack(), secretKeys: Object.keys(values).filter(isConfigSecret) });
    if (!result.ok) {
        throw new pulumi.RunError(
            `invalid stack configuration (${result.problems.length} problem${result.problems.length === 1 ? "" : "s"}):\n  ${result.problems.join("\n  ")}`,
        );
    }
    return result.settings;
}
