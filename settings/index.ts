// The one place that reads stack config. Everything downstream takes the typed Settings.
import * as pulumi from "@pulumi/pulumi";
import { parseSettings } from "./validate";
import type { Settings } from "./types";

export * from "./types";
export { clusterDnsIp, parseSettings, projectName } from "./validate";

/**
 * Reads and validates the stack's config. On any problem it throws a RunError listing every
 * problem, one line each: Pulumi prints it without a stack trace and registers nothing more.
 */
export function loadSettings(): Settings {
    const result = parseSettings({ values: pulumi.runtime.allConfig(), stack: pulumi.getStack() });
    if (!result.ok) {
        throw new pulumi.RunError(`invalid stack configuration (${result.problems.length} problem${result.problems.length === 1 ? "" : "s"}):\n  ${result.problems.join("\n  ")}`);
    }
    return result.settings;
}
