// Evaluates and checks ValidatingAdmissionPolicy CEL the way kube-apiserver does, as far as the
// policies in components/admissionRules.ts need:
//  - evaluation with @bufbuild/cel (a CEL evaluator for ECMAScript), with the variables bound as
//    the API server binds them: `object`/`oldObject` are the unstructured (JSON) form of the Pod,
//    `request` the admission request, `namespaceObject` the Namespace (k8s.io/apiserver
//    pkg/admission/plugin/cel/filter.go: objectToResolveVal, CreateNamespaceObject);
//  - a validation that is false denies with its message; an evaluation error denies too, because
//    the policies' failurePolicy is Fail (policy/validating/validator.go);
//  - the compile-time check: `object` and `oldObject` are dyn, `request` and `namespaceObject`
//    have declared types (plugin/cel/compile.go BuildRequestType, BuildNamespaceType), an
//    undeclared variable or field of a typed variable is an error, operands of ==, in and the
//    logical operators must agree, and a validation must have the static type bool
//    (CompileCELExpression: "must evaluate to bool"). @bufbuild/cel 0.6.1 has no public type
//    checker (its internal one handles only literals and identifiers), so this walks its parse tree.
//  - a cost model: an upper bound of the runtime cost (every node 1, a string comparison 1 plus a
//    tenth of the shorter string's length, `in` that per item of the list, a list literal 40 plus
//    its items, a comprehension its body once per item), to compare with the per-expression limit
//    the API server enforces at runtime (cel-go interpreter/runtimecost.go charges equality
//    O(min(m, n)) and list membership O(n)). Lists of a field named in `listSizes` have that many
//    items, other lists `listSize`; strings that are not literals have `stringSize` characters.
import { isCelError, parse, run } from "@bufbuild/cel";

export interface AdmissionInput {
    object: unknown;
    oldObject?: unknown;
    request: {
        namespace: string;
        operation: "CREATE" | "UPDATE";
        subResource?: string;
        /** What is admitted; pods unless said. */
        resource?: { group: string; resource: string };
        /** Who asks; an ordinary user unless said. */
        userInfo?: { username: string; groups: string[] };
    };
    namespaceObject: { metadata: { name: string; labels?: Record<string, string> } };
}

export interface ValidationLike {
    expression: string;
    message: string;
}

export interface AdmissionResult {
    allowed: boolean;
    /** Messages of the validations that were false. */
    denied: string[];
    /** Evaluation errors (each denies: failurePolicy Fail). */
    errors: string[];
}

const ordinaryUser = { username: "alice@example.com", groups: ["system:authenticated"] };

/** What the API server decides for one request under one policy with failurePolicy Fail, its constraints matching. */
export function admit(validations: readonly ValidationLike[], input: AdmissionInput): AdmissionResult {
    const resource = input.request.resource ?? { group: "", resource: "pods" };
    const bindings = {
        object: input.object as never,
        oldObject: (input.oldObject ?? null) as never,
        request: {
            operation: input.request.operation,
            namespace: input.request.namespace,
            subResource: input.request.subResource ?? "",
            resource: { group: resource.group, version: "v1", resource: resource.resource },
            userInfo: input.request.userInfo ?? ordinaryUser,
        } as never,
        namespaceObject: input.namespaceObject as never,
    };
    const denied: string[] = [];
    const errors: string[] = [];
    for (const v of validations) {
        const result = run(v.expression, bindings);
        if (isCelError(result)) errors.push(`${result.message} in: ${v.expression.slice(0, 80)}...`);
        else if (result !== true) denied.push(v.message);
    }
    return { allowed: denied.length === 0 && errors.length === 0, denied, errors };
}

export interface ResourceRuleLike {
    apiGroups: string[];
    apiVersions: string[];
    operations: string[];
    resources: string[];
}

export interface PolicyLike {
    spec: { matchConstraints: { resourceRules: ResourceRuleLike[] }; validations: ValidationLike[] };
}

const matchesOne = (list: string[], value: string) => list.includes("*") || list.includes(value);

/**
 * Whether a policy's resourceRules match the request, as kube-apiserver's matcher compares group,
 * version, resource (with "/subresource") and operation (k8s.io/apiserver
 * pkg/admission/plugin/webhook/predicates/rules/rules.go: Matcher.Matches).
 */
export function matches(policy: PolicyLike, input: AdmissionInput): boolean {
    const resource = input.request.resource ?? { group: "", resource: "pods" };
    const sub = input.request.subResource ?? "";
    const name = sub ? `${resource.resource}/${sub}` : resource.resource;
    return policy.spec.matchConstraints.resourceRules.some(
        (r) =>
            matchesOne(r.apiGroups, resource.group) &&
            matchesOne(r.apiVersions, "v1") &&
            matchesOne(r.operations, input.request.operation) &&
            matchesOne(r.resources, name),
    );
}

/** A policy's decision on a request: one its constraints do not match is admitted without evaluation. */
export function decide(policy: PolicyLike, input: AdmissionInput): AdmissionResult & { matched: boolean } {
    if (!matches(policy, input)) return { matched: false, allowed: true, denied: [], errors: [] };
    return { matched: true, ...admit(policy.spec.validations, input) };
}

// ---------------------------------------------------------------------------------------------
// Static check

type CelType =
    | { kind: "dyn" }
    | { kind: "bool" }
    | { kind: "string" }
    | { kind: "int" }
    | { kind: "list"; of: CelType }
    | { kind: "map"; key: CelType; value: CelType }
    | { kind: "object"; name: string; fields: Record<string, CelType> };

const dyn: CelType = { kind: "dyn" };
const bool: CelType = { kind: "bool" };
const string: CelType = { kind: "string" };
const int: CelType = { kind: "int" };
const list = (of: CelType): CelType => ({ kind: "list", of });
const map = (key: CelType, value: CelType): CelType => ({ kind: "map", key, value });
const object = (name: string, fields: Record<string, CelType>): CelType => ({ kind: "object", name, fields });

/** kube-apiserver's declarations (k8s.io/apiserver pkg/admission/plugin/cel/compile.go). */
function declaredVariables(): Record<string, CelType> {
    const gvk = object("kubernetes.GroupVersionKind", { group: string, version: string, kind: string });
    const gvr = object("kubernetes.GroupVersionResource", { group: string, version: string, resource: string });
    const userInfo = object("kubernetes.UserInfo", { username: string, uid: string, groups: list(string), extra: map(string, list(string)) });
    const request = object("kubernetes.AdmissionRequest", {
        kind: gvk,
        resource: gvr,
        subResource: string,
        requestKind: gvk,
        requestResource: gvr,
        requestSubResource: string,
        name: string,
        namespace: string,
        operation: string,
        userInfo,
        dryRun: bool,
        options: dyn,
    });
    const namespace = object("kubernetes.Namespace", {
        metadata: object("kubernetes.NamespaceMetadata", {
            name: string,
            generateName: string,
            namespace: string,
            labels: map(string, string),
            annotations: map(string, string),
            UID: string,
            resourceVersion: string,
            finalizers: list(string),
            generation: int,
        }),
        spec: object("kubernetes.NamespaceSpec", { finalizers: list(string) }),
        status: object("kubernetes.NamespaceStatus", { phase: string }),
    });
    return { object: dyn, oldObject: dyn, request, namespaceObject: namespace };
}

function show(t: CelType): string {
    switch (t.kind) {
        case "list":
            return `list(${show(t.of)})`;
        case "map":
            return `map(${show(t.key)}, ${show(t.value)})`;
        case "object":
            return t.name;
        default:
            return t.kind;
    }
}

const compatible = (a: CelType, b: CelType) => a.kind === "dyn" || b.kind === "dyn" || show(a) === show(b);

type Expr = ReturnType<typeof parse>["expr"] & {};

interface Walk {
    problems: string[];
    /** Upper bound of the runtime cost, for lists of `listSize` items (or `listSizes[field]`) and strings of `stringSize` characters. */
    listSize: number;
    listSizes?: Readonly<Record<string, number>>;
    stringSize: number;
}

/** The length of a string literal, or undefined for anything else. */
function literalLength(e: Expr | undefined): number | undefined {
    return e?.exprKind.case === "constExpr" && e.exprKind.value.constantKind.case === "stringValue" ? e.exprKind.value.constantKind.value.length : undefined;
}

/** How many items a list has: a literal its elements, a field its `listSizes` entry, anything else `listSize`. */
function itemsOf(e: Expr | undefined, w: Walk): number {
    if (e?.exprKind.case === "listExpr") return e.exprKind.value.elements.length;
    if (e?.exprKind.case === "selectExpr") return w.listSizes?.[e.exprKind.value.field] ?? w.listSize;
    return w.listSize;
}

/** Characters a comparison walks: the shorter side, bounded by a literal's length when there is one. */
function comparedLength(a: Expr | undefined, b: Expr | undefined, w: Walk): number {
    const literals = [literalLength(a), literalLength(b)].filter((n): n is number => n !== undefined);
    return literals.length > 0 ? Math.min(...literals) : w.stringSize;
}

function typeOf(e: Expr | undefined, scope: Record<string, CelType>, w: Walk): { type: CelType; cost: number } {
    if (!e) return { type: dyn, cost: 0 };
    const k = e.exprKind;
    switch (k.case) {
        case "constExpr": {
            const c = k.value.constantKind.case;
            return { type: c === "stringValue" ? string : c === "boolValue" ? bool : c === "int64Value" ? int : dyn, cost: 0 };
        }
        case "identExpr": {
            const t = scope[k.value.name];
            if (!t) w.problems.push(`undeclared reference to '${k.value.name}'`);
            return { type: t ?? dyn, cost: 1 };
        }
        case "selectExpr": {
            const operand = typeOf(k.value.operand, scope, w);
            const field = k.value.field;
            let type: CelType = dyn;
            if (operand.type.kind === "object") {
                const f = operand.type.fields[field];
                if (!f) w.problems.push(`undefined field '${field}' of ${operand.type.name}`);
                type = f ?? dyn;
            } else if (operand.type.kind === "map") {
                type = operand.type.value;
            } else if (operand.type.kind !== "dyn") {
                w.problems.push(`field selection '.${field}' on ${show(operand.type)}`);
            }
            return { type: k.value.testOnly ? bool : type, cost: operand.cost + 1 };
        }
        case "listExpr": {
            const items = k.value.elements.map((x) => typeOf(x, scope, w));
            const first = items[0]?.type ?? dyn;
            if (items.some((i) => show(i.type) !== show(first)))
                w.problems.push("list literal of mixed types (Kubernetes requires homogeneous aggregate literals)");
            return { type: list(first), cost: 40 + items.reduce((n, i) => n + i.cost, 0) };
        }
        case "comprehensionExpr": {
            const c = k.value;
            const range = typeOf(c.iterRange, scope, w);
            const itemType =
                range.type.kind === "list" ? range.type.of : range.type.kind === "map" ? range.type.key : range.type.kind === "dyn" ? dyn : undefined;
            if (!itemType) w.problems.push(`cannot iterate over ${show(range.type)}`);
            const accu = typeOf(c.accuInit, scope, w);
            const inner = { ...scope, [c.iterVar]: itemType ?? dyn, [c.accuVar]: accu.type };
            const condition = typeOf(c.loopCondition, inner, w);
            const step = typeOf(c.loopStep, inner, w);
            const result = typeOf(c.result, { ...scope, [c.accuVar]: accu.type }, w);
            const items = itemsOf(c.iterRange, w);
            return { type: result.type, cost: range.cost + accu.cost + items * (condition.cost + step.cost) + result.cost };
        }
        case "callExpr": {
            const call = k.value;
            const args = call.args.map((a) => typeOf(a, scope, w));
            const argCost = args.reduce((n, a) => n + a.cost, 0) + (call.target ? typeOf(call.target, scope, w).cost : 0);
            const expect = (i: number, ...kinds: CelType["kind"][]) => {
                if (!kinds.includes(args[i].type.kind) && args[i].type.kind !== "dyn")
                    w.problems.push(`${call.function} argument ${i + 1} is ${show(args[i].type)}, expected ${kinds.join(" or ")}`);
            };
            switch (call.function) {
                case "!_":
                case "@not_strictly_false":
                    expect(0, "bool");
                    return { type: bool, cost: argCost + 1 };
                case "_&&_":
                case "_||_":
                    expect(0, "bool");
                    expect(1, "bool");
                    return { type: bool, cost: argCost + 1 };
                case "_==_":
                case "_!=_": {
                    if (!compatible(args[0].type, args[1].type))
                        w.problems.push(`no matching overload for ${call.function} applied to (${show(args[0].type)}, ${show(args[1].type)})`);
                    // Comparing strings walks them; a bool or int on either side does not.
                    const kinds = [args[0].type.kind, args[1].type.kind];
                    const strings = kinds.includes("string") || kinds.every((x) => x === "dyn");
                    return { type: bool, cost: argCost + 1 + (strings ? Math.ceil(comparedLength(call.args[0], call.args[1], w) / 10) : 0) };
                }
                case "@in": {
                    const container = args[1].type;
                    const element = container.kind === "list" ? container.of : container.kind === "map" ? container.key : dyn;
                    if (!["list", "map", "dyn"].includes(container.kind)) w.problems.push(`'in' applied to ${show(container)}`);
                    else if (!compatible(args[0].type, element))
                        w.problems.push(`no matching overload for 'in' applied to (${show(args[0].type)}, ${show(container)})`);
                    const list = call.args[1];
                    const longest =
                        list.exprKind.case === "listExpr"
                            ? Math.max(0, ...list.exprKind.value.elements.map((x) => literalLength(x) ?? w.stringSize))
                            : w.stringSize;
                    const walked = Math.min(literalLength(call.args[0]) ?? w.stringSize, longest);
                    return { type: bool, cost: argCost + 1 + itemsOf(list, w) * (1 + Math.ceil(walked / 10)) };
                }
                case "_[_]": {
                    const container = args[0].type;
                    if (container.kind === "map") {
                        if (!compatible(args[1].type, container.key)) w.problems.push(`map index of ${show(args[1].type)} into ${show(container)}`);
                        return { type: container.value, cost: argCost + 1 };
                    }
                    if (container.kind === "list") return { type: container.of, cost: argCost + 1 };
                    expect(0, "map", "list");
                    return { type: dyn, cost: argCost + 1 };
                }
                case "size":
                    expect(0, "list", "map", "string");
                    return { type: int, cost: argCost + 1 };
                default:
                    w.problems.push(`function ${call.function} is outside the standard operators and macros these policies use`);
                    return { type: dyn, cost: argCost + 1 };
            }
        }
        default:
            w.problems.push(`${k.case ?? "empty"} expressions are not used by these policies`);
            return { type: dyn, cost: 0 };
    }
}

export interface CelCheck {
    /** Type errors, as the API server would refuse the policy for them. */
    problems: string[];
    /** The static type of the whole expression (a validation must be bool). */
    type: string;
    /** Upper bound of the runtime cost for the given list and string sizes. */
    cost: number;
}

/** Parses and checks one validation expression as kube-apiserver compiles it. */
export function checkValidationExpression(
    expression: string,
    sizes: Pick<Walk, "listSize" | "listSizes" | "stringSize"> = { listSize: 0, stringSize: 0 },
): CelCheck {
    let parsed: ReturnType<typeof parse>;
    try {
        parsed = parse(expression);
    } catch (e) {
        return { problems: [`syntax error: ${(e as Error).message}`], type: "error", cost: 0 };
    }
    const w: Walk = { problems: [], ...sizes };
    const { type, cost } = typeOf(parsed.expr, declaredVariables(), w);
    if (type.kind !== "bool") w.problems.push(`must evaluate to bool but got ${show(type)}`);
    return { problems: w.problems, type: show(type), cost };
}
