// Stack config keys outside this project's namespace. The program sees every key of the stack, so
// it can refuse what would otherwise be silently ignored: a namespace that is a typo of one read
// here (eks-gsma:windowsNodes), and an aws: key the aws provider does not have (aws:regoin).
// Namespaces far from all of those stay allowed: another tool may read them. Pure.
import namespaceData from "./data/config-namespaces.json";
import { closest, didYouMean } from "./similar";

export interface KeyProblem {
    key: string;
    message: string;
}

interface ProviderKeys {
    source: string;
    keys: string[];
}

const providerKeys = namespaceData.providerKeys as Record<string, ProviderKeys | undefined>;

/** Namespaces whose keys are read: this project's, Pulumi's own and the providers this program uses. */
export function readNamespaces(project: string): string[] {
    return [project, namespaceData.pulumi.name, ...namespaceData.providersOfThisProgram.map((p) => p.name)];
}

/** Other namespaces Pulumi users commonly set: never taken for a typo (awsx is not a misspelt aws). */
export const commonNamespaces: readonly string[] = namespaceData.common.map((c) => c.name);

/** How far a typo may be from a namespace: one edit for short names (eks, aws), two for longer ones. */
function typoReach(namespace: string): number {
    return namespace.length <= 4 ? 1 : 2;
}

/**
 * Problems with full config keys (`namespace:name`) outside the project's namespace, whose own
 * keys its settings check. `projectKeys` are the project's top-level keys, suggested when one
 * turns up in a provider's namespace (aws:windowsNodes).
 */
export function configKeyProblems(keys: Iterable<string>, project: string, projectKeys: readonly string[]): KeyProblem[] {
    const read = readNamespaces(project);
    const known = new Set([...read, ...commonNamespaces]);
    const problems: KeyProblem[] = [];
    for (const key of keys) {
        const colon = key.indexOf(":");
        if (colon < 0) continue;
        const namespace = key.slice(0, colon);
        const name = key.slice(colon + 1);
        if (namespace === project) continue;
        if (known.has(namespace)) {
            const provider = providerKeys[namespace];
            if (provider && !provider.keys.includes(name)) problems.push({ key, message: unknownProviderKey(namespace, name, provider, project, projectKeys) });
            continue;
        }
        const near = closest(namespace, read, typoReach);
        if (near.length > 0) problems.push({ key, message: `unknown config namespace ${namespace}; ${didYouMean(near.map((n) => `${n}:${name}`))}` });
    }
    return problems;
}

function unknownProviderKey(namespace: string, name: string, provider: ProviderKeys, project: string, projectKeys: readonly string[]): string {
    const near = projectKeys.includes(name)
        ? [`${project}:${name}`]
        : closest(name, provider.keys, (k) => Math.max(2, Math.floor(k.length / 4))).map((k) => `${namespace}:${k}`);
    const what = `is not a config key of the ${namespace} provider (${provider.source.split(" config/")[0]}), whose default provider refuses it at deploy time`;
    return `${what}; ${didYouMean(near) ?? `keep values of your own in a namespace of your own`}`;
}
