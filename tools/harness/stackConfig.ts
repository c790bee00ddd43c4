// Reads Pulumi.<stack>.yaml the way the Pulumi CLI hands config to a program: full keys
// ("eks-gmsa:network"), structured values as JSON text, scalars as text, secure values secret.
import * as fs from "fs";
import * as YAML from "yaml";

export interface ProgramConfig {
    values: Record<string, string>;
    secretKeys: string[];
}

/**
 * Stands in for a `secure:` value, which only the Pulumi CLI with the stack's key can decrypt.
 * It meets the password rules the settings check (AWS Managed AD's Admin password).
 */
export const offlineSecretPlaceholder = "Offline-Placeholder-Secret-1";

export function readStackConfigFile(file: string, project: string): ProgramConfig {
    let document: unknown;
    try {
        document = YAML.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new Error(`cannot read stack config ${file}: ${(e as Error).message}`, { cause: e });
    }
    const config = (document as { config?: unknown } | null)?.config ?? {};
    if (typeof config !== "object" || config === null || Array.isArray(config)) throw new Error(`${file}: 'config' must be a mapping`);
    return toProgramConfig(config as Record<string, unknown>, project);
}

export function toProgramConfig(config: Record<string, unknown>, project: string): ProgramConfig {
    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [rawKey, rawValue] of Object.entries(config)) {
        const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
        const { value, secret } = replaceSecure(rawValue);
        if (secret) secretKeys.push(key);
        values[key] = typeof value === "string" ? value : typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
    }
    return { values, secretKeys };
}

function replaceSecure(value: unknown): { value: unknown; secret: boolean } {
    if (typeof value !== "object" || value === null) return { value, secret: false };
    if (!Array.isArray(value) && Object.keys(value).length === 1 && typeof (value as { secure?: unknown }).secure === "string") {
        return { value: offlineSecretPlaceholder, secret: true };
    }
    let secret = false;
    const mapped = Array.isArray(value)
        ? value.map((v) => {
              const r = replaceSecure(v);
              secret ||= r.secret;
              return r.value;
          })
        : Object.fromEntries(
              Object.entries(value).map(([k, v]) => {
                  const r = replaceSecure(v);
                  secret ||= r.secret;
                  return [k, r.value];
              }),
          );
    return { value: mapped, secret };
}
