// What a real `pulumi up` would do with the aliases, judged by the engine's own URNs. The harness's
// mock URNs name only the immediate parent's type, so a resource below a moved component has the
// same mock URN before and after the move; the engine's URN carries the whole parent chain, so it
// changes, and the engine keeps the resource only through the alias it inherits from the moved
// component. Here the program's resources are matched, as the engine matches them, against the
// engine URNs of the state before the move: nothing of that state may be left over (deleted).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { engineUrnsOf, matchState } from "../tools/harness/engineUrns";
import { one, runOk, type StackRun } from "./helpers";
import { aliasProject, runShape, urn } from "./support/movedResources";

const stateOf = (run: StackRun, project: string) => [...engineUrnsOf(run.resources, project, run.stack).values()];

describe("engine URNs of the small moved-components program", () => {
    const before = runShape("before");
    const after = runShape("after");

    test("an engine URN names every ancestor's type, outermost first, and not the stack's", () => {
        const engineUrns = engineUrnsOf(after.resources, aliasProject, "dev");
        const grandchild = one(after, "test:index:Thing", "part-inner-thing");
        assert.equal(engineUrns.get(grandchild.urn), urn("test:index:Group$test:index:Part$test:index:Inner$test:index:Thing", "part-inner-thing"));
        assert.equal(engineUrns.get(one(after, "test:index:Group").urn), urn("test:index:Group", "group"));
        // The mock URN, by contrast, is the same as before the move.
        assert.equal(grandchild.urn, one(before, "test:index:Thing", "part-inner-thing").urn);
    });

    test("after the move, the engine takes over every resource of the old state; only the new group is created", () => {
        const match = matchState(after.resources, aliasProject, "dev", stateOf(before, aliasProject));
        assert.deepEqual(match.deleted, []);
        assert.deepEqual(match.created, [urn("test:index:Group", "group"), urn("test:index:Group$test:index:Thing", "group-thing")].sort());
        assert.equal(
            match.aliased.get(urn("test:index:Group$test:index:Part$test:index:Inner$test:index:Thing", "part-inner-thing")),
            urn("test:index:Part$test:index:Inner$test:index:Thing", "part-inner-thing"),
        );
        assert.equal(
            match.aliased.get(urn("test:index:Named$test:index:Inner$test:index:Thing", "renamed-new-inner-thing")),
            urn("test:index:Named$test:index:Inner$test:index:Thing", "renamed-old-inner-thing"),
        );
    });

    test("without inherited aliases, everything below a moved, renamed or retyped component would be deleted", () => {
        const match = matchState(after.resources, aliasProject, "dev", stateOf(before, aliasProject), { inheritParentAliases: false });
        assert.deepEqual(
            match.deleted,
            [
                urn("test:index:Named$test:index:Inner", "renamed-old-inner"),
                urn("test:index:Named$test:index:Inner$test:index:Thing", "renamed-old-inner-thing"),
                urn("test:index:Named$test:index:Thing", "renamed-old-thing"),
                urn("test:index:OldKind$test:index:Thing", "retyped-thing"),
                urn("test:index:Part$test:index:Inner", "part-inner"),
                urn("test:index:Part$test:index:Inner$test:index:Thing", "part-inner-thing"),
                urn("test:index:Part$test:index:Thing", "part-thing"),
            ].sort(),
        );
    });
});

/** Engine URNs of the three stacks at d1d70f0, before ActiveDirectory and GmsaInCluster (see the file's provenance). */
const stateBeforeMove: { provenance: string; project: string; stacks: Record<string, string[]> } = JSON.parse(
    fs.readFileSync(path.join(__dirname, "support", "engineUrnsAtD1d70f0.json"), "utf8"),
);

describe("the program against its state from before ActiveDirectory and GmsaInCluster (d1d70f0)", () => {
    for (const [stack, configFile] of [
        ["dev", undefined],
        ["prod", undefined],
        ["domain-joined", path.join(__dirname, "..", "examples", "stacks", "domain-joined.yaml")],
    ] as const) {
        test(`${stack}: a real pulumi up deletes nothing; it creates only the two new components (and, in dev, the rotation of issue 16)`, () => {
            const run = runOk({ stack, ...(configFile ? { configFile } : {}) });
            const old = stateBeforeMove.stacks[stack];
            const match = matchState(run.resources, stateBeforeMove.project, stack, old);
            assert.deepEqual(match.deleted, []);
            // Issue 16 added the portable identity's rotation (new resources, under ActiveDirectory) where it can run: dev only.
            const rotation = match.created.filter((urn) => urn.includes("$eks-gmsa:directory:PortableIdentityRotation"));
            assert.equal(rotation.length > 0, stack === "dev", rotation.join("\n"));
            assert.deepEqual(
                match.created.filter((urn) => !rotation.includes(urn)),
                [
                    `urn:pulumi:${stack}::eks-gmsa::eks-gmsa:directory:ActiveDirectory::active-directory`,
                    `urn:pulumi:${stack}::eks-gmsa::eks-gmsa:gmsa:GmsaInCluster::gmsa`,
                ],
            );
            // The check has teeth: what sits below the moved parts is kept only through inheritance.
            const withoutInheritance = matchState(run.resources, stateBeforeMove.project, stack, old, { inheritParentAliases: false });
            assert.ok(withoutInheritance.deleted.length > 0);
        });
    }
});
