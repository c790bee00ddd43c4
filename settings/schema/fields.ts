// Builders for setting declarations: each gives a TypeBox (JSON Schema) type that also carries the
// setting's default, its rules text (docs table and editor hover) and its check, so settings/reader
// validates with the same declaration the docs and the editor schema are generated from.
import { Type, type TSchema, type TArray, type TObject, type TProperties, type TUnsafe } from "@sinclair/typebox";

/** (value) => what is wrong, or undefined. */
export type Check<T> = (value: T) => string | undefined;

// Symbol keys: JSON.stringify and ajv skip them, so the editor schema holds only JSON Schema.
/** The value check of a string or integer; `{key, value}` checks of a string map. */
export const checkKey = Symbol.for("eks-gmsa.settings.check");
/** The default as the docs show it, where it is computed (`eks-gmsa-<stack>`) or depends on another key. */
export const shownDefaultKey = Symbol.for("eks-gmsa.settings.shownDefault");
/** The problem text for a value outside `enum`, when "must be one of ..." says too little. */
export const enumMessageKey = Symbol.for("eks-gmsa.settings.enumMessage");

export interface Doc<T> {
    /** What is allowed, and why: the docs table's rules column and the editor's hover text. */
    readonly rules: string;
    /** Used when the key is absent; a declaration without one (and not optional) is required. */
    readonly default?: T;
    /** The default as the docs show it when `default` cannot say it. */
    readonly shownDefault?: string;
}

/** A field's schema as the reader sees it (JSON Schema keywords plus the symbol-keyed extras). */
export interface FieldSpec {
    readonly type?: string;
    readonly default?: unknown;
    readonly description?: string;
    readonly enum?: readonly unknown[];
    readonly minimum?: number;
    readonly maximum?: number;
    readonly uniqueItems?: boolean;
    readonly minItems?: number;
    readonly maxItems?: number;
    readonly items?: FieldSpec;
    readonly properties?: Readonly<Record<string, FieldSpec>>;
    readonly anyOf?: readonly FieldSpec[];
    readonly [checkKey]?: unknown;
    readonly [shownDefaultKey]?: string;
    readonly [enumMessageKey]?: string;
}

function options<T>(doc: Doc<T>, extra: Record<string | symbol, unknown> = {}): Record<string | symbol, unknown> {
    const o: Record<string | symbol, unknown> = { description: doc.rules, ...extra };
    if (doc.default !== undefined) o.default = doc.default;
    if (doc.shownDefault !== undefined) o[shownDefaultKey] = doc.shownDefault;
    return o;
}

/** A string, checked by `check`. */
export function text(doc: Doc<string> & { check?: Check<string> }) {
    return Type.String(options(doc, doc.check ? { [checkKey]: doc.check } : {}));
}

/** One of `values` (strings or numbers); `message` replaces "must be one of ..." when given. */
export function oneOf<const V extends readonly (string | number)[]>(values: V, doc: Doc<V[number]> & { message?: string }): TUnsafe<V[number]> {
    const type = typeof values[0] === "number" ? "integer" : "string";
    return Type.Unsafe<V[number]>(options(doc, { type, enum: [...values], ...(doc.message ? { [enumMessageKey]: doc.message } : {}) }));
}

/** A whole number from `minimum` to `maximum`. */
export function whole(doc: Doc<number> & { minimum?: number; maximum?: number; check?: Check<number> }) {
    const range = { ...(doc.minimum !== undefined ? { minimum: doc.minimum } : {}), ...(doc.maximum !== undefined ? { maximum: doc.maximum } : {}) };
    return Type.Integer(options(doc, { ...range, ...(doc.check ? { [checkKey]: doc.check } : {}) }));
}

export function flag(doc: Doc<boolean>) {
    return Type.Boolean(options(doc));
}

/** A list of `item`. */
export function list<T extends TSchema>(item: T, doc: Doc<readonly unknown[]> & { uniqueItems?: boolean; minItems?: number; maxItems?: number }): TArray<T> {
    const bounds: Record<string, unknown> = {};
    if (doc.uniqueItems) bounds.uniqueItems = true;
    if (doc.minItems !== undefined) bounds.minItems = doc.minItems;
    if (doc.maxItems !== undefined) bounds.maxItems = doc.maxItems;
    return Type.Array(item, options(doc, bounds));
}

/** An item of a list of strings, checked by `check`. */
export function item(check?: Check<string>) {
    return Type.String(check ? { [checkKey]: check } : {});
}

/** A mapping of names to strings (tags, labels), its keys and values checked. */
export function stringMap(doc: Doc<Readonly<Record<string, string>>> & { key?: Check<string>; value?: Check<string> }) {
    return Type.Record(Type.String(), Type.String(), options(doc, { [checkKey]: { key: doc.key, value: doc.value } }));
}

/** An object whose keys are exactly `properties` (any other is refused, with "did you mean"). */
export function section<P extends TProperties>(properties: P, doc: Doc<never> | { rules: string } = { rules: "" }): TObject<P> {
    return Type.Object(properties, { additionalProperties: false, ...(doc.rules ? { description: doc.rules } : {}) });
}

/** A config key set with `pulumi config set --secret`: the stack file holds `{secure: <ciphertext>}`. */
export function secret(doc: { rules: string }) {
    return Type.Object({ secure: Type.String() }, { additionalProperties: false, description: doc.rules });
}

export const optional = Type.Optional;

/** The object schema of a field: the object itself, or the object member of a union (taint: {..} or false). */
export function objectOf(spec: FieldSpec | undefined): FieldSpec | undefined {
    if (!spec) return undefined;
    if (spec.properties) return spec;
    return spec.anyOf?.find((member) => member.properties !== undefined);
}
