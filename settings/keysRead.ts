// The config keys the settings read, taken from the settings themselves: parseSettings records
// every key its readers ask for, present or not. The documented key lists (Pulumi.yaml,
// docs/configuration.md) are checked against this, so a key added to the settings and not to the
// docs (or the other way round) fails a test. It runs the parser, so only settings/ and tests import it.
import { parseSettings, type RawConfig } from "./validate";

/** The keys read for any of `configs` (sections read only when present need a config that has them), sorted. */
export function keysRead(configs: readonly RawConfig[]): string[] {
    const keys = new Set<string>();
    for (const config of configs) parseSettings(config, keys);
    return [...keys].sort();
}
