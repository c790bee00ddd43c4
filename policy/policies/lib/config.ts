// Policy config, read defensively: the engine passes what the user wrote (validated against the
// policy's configSchema by the Pulumi CLI, but a client may not), without defaults filled in.

import { get, obj } from "./values";

/** A string list under `key` (non-strings dropped; absent or malformed → the fallback, [] unless given). */
export function configStrings(config: unknown, key: string, fallback: readonly string[] = []): string[] {
    const v = get(config, key);
    return Array.isArray(v) ? v.filter((e): e is string => typeof e === "string") : [...fallback];
}

export function configBoolean(config: unknown, key: string, fallback: boolean): boolean {
    const v = get(config, key);
    return typeof v === "boolean" ? v : fallback;
}

/** Grants made outside this stack: the platform stack's gmsaCredentialSpecs output shape. */
export interface ExternalGrant {
    name: string;
    allowed: { namespace: string; serviceAccounts: string[] }[];
}

/** externalGrants as a set of `credentialSpec \0 namespace \0 serviceAccount` keys. */
export function externalGrantKeys(config: unknown): Set<string> {
    const keys = new Set<string>();
    const grants = get(config, "externalGrants");
    if (!Array.isArray(grants)) return keys;
    for (const g of grants) {
        const name = get(g, "name");
        const allowed = get(g, "allowed");
        if (typeof name !== "string" || !Array.isArray(allowed)) continue;
        for (const a of allowed) {
            if (!obj(a)) continue;
            const namespace = get(a, "namespace");
            const accounts = get(a, "serviceAccounts");
            if (typeof namespace !== "string" || !Array.isArray(accounts)) continue;
            for (const sa of accounts) {
                if (typeof sa === "string") keys.add(grantKey(name, namespace, sa));
            }
        }
    }
    return keys;
}

export function grantKey(credentialSpec: string, namespace: string, serviceAccount: string): string {
    return `${credentialSpec}\u0000${namespace}\u0000${serviceAccount}`;
}

/** Reads a policy's config without ever throwing. */
export function readConfig(args: { getConfig<T extends object>(): T }): Record<string, unknown> {
    try {
        return obj(args.getConfig<Record<string, unknown>>()) ?? {};
    } catch {
        return {};
    }
}
