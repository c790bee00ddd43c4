// Turns Pulumi's serialized property values into plain, stable JSON for plans: secrets become
// "[secret]", resource references "[resource <urn>]", unknowns "[unknown]"; keys are sorted.
import { specialArchiveSig, specialAssetSig, specialResourceSig, specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";

export const secretMarker = "[secret]";

export function normalizeValue(value: unknown): unknown {
    if (value === unknownValue) return "[unknown]";
    if (Array.isArray(value)) return value.map(normalizeValue);
    if (typeof value !== "object" || value === null) return value;
    const object = value as Record<string, unknown>;
    switch (object[specialSigKey]) {
        case specialSecretSig:
            return secretMarker;
        case specialResourceSig:
            return `[resource ${String(object.urn)}]`;
        case specialAssetSig:
        case specialArchiveSig:
            return "[asset]";
    }
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(object).sort()) sorted[key] = normalizeValue(object[key]);
    return sorted;
}

/** True when a serialized value holds a secret anywhere inside it. */
export function containsSecret(value: unknown): boolean {
    if (Array.isArray(value)) return value.some(containsSecret);
    if (typeof value !== "object" || value === null) return false;
    const object = value as Record<string, unknown>;
    return object[specialSigKey] === specialSecretSig || Object.values(object).some(containsSecret);
}

/** The plain value with secret markers removed (for handing outputs to another program). */
export function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (typeof value !== "object" || value === null) return value;
    const object = value as Record<string, unknown>;
    if (object[specialSigKey] === specialSecretSig) return unwrapSecrets(object.value);
    return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, unwrapSecrets(v)]));
}
