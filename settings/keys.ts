// The config keys the settings read, taken from the settings themselves: parseSettings records
// every key its readers ask for, present or not. The documented key lists (Pulumi.yaml,
// docs/configuration.md) are checked against this, so a key added to the settings and not to the
// docs (or the other way round) fails a test.
import { parseSettings, type RawConfig } from "./validate";

/** Stable names for tooling (tools/harness, tools/plan): the project's config namespace and its secret keys. */
export { directoryAdminPasswordKey, portableIdentityPasswordKey, projectName, topLevelKeys } from "./schema";

/** The keys read for any of `configs` (sections read only when present need a config that has them), sorted. */
export function keysRead(configs: readonly RawConfig[]): string[] {
    const keys = new Set<string>();
    for (const config of configs) parseSettings(config, keys);
    return [...keys].sort();
}
