// URNs as the Pulumi engine writes them, and the engine's matching of a program's resources to the
// resources of an existing state through aliases. The harness's mock monitor names a resource after
// its parent's type only; the engine writes the parent's whole type chain, so a resource below a
// moved component has a different engine URN before and after the move and is kept only through
// the alias it inherits. These functions let tests check that inheritance rather than assume it.
// Upstream: pulumi/pulumi sdk/go/common/resource/urn/urn.go (New), sdk/go/common/resource/alias.go
// (CreateURN), pkg/resource/deploy/step_generator.go (collapseAliasToUrn, inheritedChildAlias,
// generateAliases, getOldResource).

/** An alias as the SDK sends it: a URN, or a spec whose unset parts default to the resource's own. */
export interface AliasSpec {
    urn?: string;
    name?: string;
    type?: string;
    /** The alias's parent as the harness names it (a mock URN); unset: the resource's own parent. */
    parent?: string;
    /** `{ parent: pulumi.rootStackResource }`: a top-level resource. */
    noParent?: boolean;
    project?: string;
    stack?: string;
}

/** What the engine needs of a registered resource; `urn` and `parent` are the harness's (mock) URNs. */
export interface UrnSource {
    urn: string;
    type: string;
    name: string;
    parent?: string;
    aliasSpecs?: AliasSpec[];
}

export const rootStackType = "pulumi:pulumi:Stack";

/** urn.New: the parent's full type chain (none for the stack or no parent), "$", the type. */
export function engineUrn(stack: string, project: string, parentQualifiedType: string, type: string, name: string): string {
    const chain = parentQualifiedType && parentQualifiedType !== rootStackType ? `${parentQualifiedType}$${type}` : type;
    return `urn:pulumi:${stack}::${project}::${chain}::${name}`;
}

/** A URN's full type chain (URN.QualifiedType). */
export function qualifiedTypeOf(urn: string): string {
    return urn.split("::")[2] ?? "";
}

/** A URN's name: everything after the type chain (a name may itself contain "::"). */
export function urnName(urn: string): string {
    return urn.split("::").slice(3).join("::");
}

function urnType(urn: string): string {
    return qualifiedTypeOf(urn).split("$").pop() ?? "";
}

/** Each resource's engine URN, by its harness URN (in any order: a plan's resources are sorted by URN). */
export function engineUrnsOf(resources: readonly UrnSource[], project: string, stack: string): Map<string, string> {
    const byHarnessUrn = new Map(resources.map((r) => [r.urn, r]));
    const engineUrns = new Map<string, string>();
    const resolve = (r: UrnSource): string => {
        const known = engineUrns.get(r.urn);
        if (known !== undefined) return known;
        const parent = r.parent ? byHarnessUrn.get(r.parent) : undefined;
        if (r.parent && parent === undefined) throw new Error(`${r.urn}: its parent ${r.parent} is not among the resources`);
        const urn = engineUrn(stack, project, parent ? qualifiedTypeOf(resolve(parent)) : "", r.type, r.name);
        engineUrns.set(r.urn, urn);
        return urn;
    };
    resources.forEach(resolve);
    return engineUrns;
}

export interface StateMatch {
    /** Old (state) URNs no new resource is or names: the engine would delete these. */
    deleted: string[];
    /** New engine URNs that match no old resource: the engine would create these. */
    created: string[];
    /** New engine URN -> the old URN it took over through an alias. */
    aliased: Map<string, string>;
}

export interface MatchOptions {
    /**
     * Whether a child inherits the alias its parent matched (the engine always does; false shows
     * what a move would do without it).
     */
    inheritParentAliases?: boolean;
}

/**
 * What the engine does when a program whose resources are `resources` (in registration order) runs
 * against a state holding `oldUrns`: each resource takes the old resource of its own URN, else of
 * the first of its aliases found there (getOldResource). Its aliases are its own specs collapsed to
 * URNs and, when its parent took over an old resource through an alias, itself and each own alias
 * placed under that old parent (generateAliases, inheritedChildAlias: a child name starting with
 * the parent's name takes the old parent's name in its place).
 */
export function matchState(resources: readonly UrnSource[], project: string, stack: string, oldUrns: Iterable<string>, options: MatchOptions = {}): StateMatch {
    const inherit = options.inheritParentAliases ?? true;
    const olds = new Set(oldUrns);
    const taken = new Set<string>();
    const engineUrns = engineUrnsOf(resources, project, stack);
    /** sg.aliases: the old URN a resource took over through an alias, by its new engine URN. */
    const matchedAlias = new Map<string, string>();
    const created: string[] = [];
    for (const r of resources) {
        const urn = engineUrns.get(r.urn) as string;
        const parent = r.parent ? engineUrns.get(r.parent) : undefined;
        const collapse = (spec: AliasSpec): string => {
            if (spec.urn) return spec.urn;
            let aliasParent = spec.parent ? (engineUrns.get(spec.parent) ?? spec.parent) : parent;
            // An alias naming a parent that was itself aliased means that parent's old URN.
            if (spec.parent && aliasParent && matchedAlias.has(aliasParent)) aliasParent = matchedAlias.get(aliasParent);
            const top = spec.noParent || !aliasParent || qualifiedTypeOf(aliasParent) === rootStackType;
            const name = spec.name || r.name;
            const type = spec.type || r.type;
            if (top) return `urn:pulumi:${spec.stack || stack}::${spec.project || project}::${type}::${name}`;
            return `${(aliasParent as string).slice(0, (aliasParent as string).lastIndexOf("::"))}$${type}::${name}`;
        };
        const own = (r.aliasSpecs ?? []).map(collapse);
        const aliases = [...own];
        const parentOld = parent !== undefined && inherit ? matchedAlias.get(parent) : undefined;
        if (parent !== undefined && parentOld !== undefined) {
            const inheritedName = (childName: string) =>
                childName.startsWith(urnName(parent)) ? urnName(parentOld) + childName.slice(urnName(parent).length) : childName;
            aliases.push(engineUrn(stack, project, qualifiedTypeOf(parentOld), r.type, inheritedName(r.name)));
            for (const alias of own) aliases.push(engineUrn(stack, project, qualifiedTypeOf(parentOld), urnType(alias), inheritedName(urnName(alias))));
        }
        const found = [urn, ...aliases].find((candidate) => olds.has(candidate));
        if (found === undefined) {
            created.push(urn);
            continue;
        }
        taken.add(found);
        if (found !== urn) matchedAlias.set(urn, found);
    }
    const deleted = [...olds].filter((old) => !taken.has(old)).sort();
    return { deleted, created: created.sort(), aliased: matchedAlias };
}
