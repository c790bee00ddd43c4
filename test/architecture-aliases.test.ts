// Aliases in the offline plan behave as in the engine: a component moved, renamed or retyped with an
// alias keeps its whole subtree (its children inherit the alias), so the day-2 diff shows neither a
// deletion nor a replacement. And the program's parts, now children of ActiveDirectory and
// GmsaInCluster, each name the top-level URN they had before.
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, test } from "node:test";
import { toPlan } from "../tools/planFile";
import { explainDiff } from "../tools/review/diff";
import { one, runOk, type StackRun } from "./helpers";
import { aliasProject, runShape, urn } from "./support/movedResources";

describe("aliases in the offline plan", () => {
    const before = runShape("before");
    const after = runShape("after");
    const diff = explainDiff(toPlan(aliasProject, before), toPlan(aliasProject, after)).diff;

    test("moved, renamed and retyped components keep every resource under them: only the new parent is created", () => {
        assert.deepEqual(diff.delete, []);
        assert.deepEqual(diff.replace, []);
        assert.deepEqual(diff.create.sort(), [urn("pulumi:pulumi:Stack$test:index:Group", "group"), urn("test:index:Group$test:index:Thing", "group-thing")]);
    });

    test("a component moved from the top level names its old URN under the stack", () => {
        const moved = one(after, "test:index:Part", "part");
        assert.equal(moved.urn, urn("test:index:Group$test:index:Part", "part"));
        assert.deepEqual(moved.options.aliases, [urn("pulumi:pulumi:Stack$test:index:Part", "part")]);
    });

    test("children of a renamed component inherit its alias, with the old name in theirs, down every level", () => {
        const child = one(after, "test:index:Thing", "renamed-new-thing");
        assert.ok(child.options.aliases?.includes(urn("test:index:Named$test:index:Thing", "renamed-old-thing")), String(child.options.aliases));
        const grandchild = one(after, "test:index:Thing", "renamed-new-inner-thing");
        assert.ok(
            grandchild.options.aliases?.includes(urn("test:index:Inner$test:index:Thing", "renamed-old-inner-thing")),
            String(grandchild.options.aliases),
        );
    });

    test("a child of a retyped component inherits the old parent type", () => {
        const child = one(after, "test:index:Thing", "retyped-thing");
        assert.deepEqual(child.options.aliases, [urn("test:index:OldKind$test:index:Thing", "retyped-thing")]);
    });
});

describe("the program's parts under ActiveDirectory and GmsaInCluster", () => {
    const movedParents = new Set(["eks-gmsa:directory:ActiveDirectory", "eks-gmsa:gmsa:GmsaInCluster"]);
    const moved = (run: StackRun) => {
        const parents = new Set(run.resources.filter((r) => movedParents.has(r.type)).map((r) => r.urn));
        return run.resources.filter((r) => r.parent !== undefined && parents.has(r.parent));
    };

    for (const [stack, configFile] of [
        ["dev", undefined],
        ["domain-joined", path.join(__dirname, "..", "examples", "stacks", "domain-joined.yaml")],
    ] as const) {
        test(`${stack}: each names the URN it had at the top level, so nothing is created again`, () => {
            const run = runOk({ stack, ...(configFile ? { configFile } : {}) });
            // Parts made after the move (the portable identity's rotation, issue 16) never had a top-level URN.
            const newSinceTheMove = new Set(["eks-gmsa:directory:PortableIdentityRotation"]);
            const parts = moved(run).filter((r) => !newSinceTheMove.has(r.type));
            assert.ok(parts.length >= 6, parts.map((r) => r.type).join(", "));
            for (const part of parts) {
                assert.deepEqual(part.options.aliases, [`urn:pulumi:${stack}::eks-gmsa::pulumi:pulumi:Stack$${part.type}::${part.name}`], part.urn);
            }
            for (const part of moved(run).filter((r) => newSinceTheMove.has(r.type))) assert.equal(part.options.aliases, undefined, part.urn);
        });
    }

    test("dev: the stack's top level is a handful of components; the AD side and gMSA live inside two of them", () => {
        const run = runOk({ stack: "dev" });
        const stack = one(run, "pulumi:pulumi:Stack").urn;
        const topLevel = run.resources
            .filter((r) => r.parent === stack)
            .map((r) => r.type)
            .sort();
        assert.deepEqual(topLevel, [
            "eks-gmsa:cluster:Cluster",
            "eks-gmsa:cluster:PodSecurity",
            "eks-gmsa:directory:ActiveDirectory",
            "eks-gmsa:dns:CoreDns",
            "eks-gmsa:gmsa:GmsaInCluster",
            "eks-gmsa:network:Network",
            "eks-gmsa:nodes:LinuxNodes",
            "eks-gmsa:nodes:WindowsNodes",
        ]);
        const childTypes = (type: string) =>
            run.resources
                .filter((r) => r.parent === one(run, type).urn && !r.options.custom)
                .map((r) => r.type)
                .sort();
        assert.deepEqual(childTypes("eks-gmsa:directory:ActiveDirectory"), [
            "eks-gmsa:directory:AccountProvisioning",
            "eks-gmsa:directory:ManagedDirectory",
            "eks-gmsa:directory:ManagementHost",
            "eks-gmsa:directory:PortableIdentityRotation",
            "eks-gmsa:dns:VpcDnsForwarding",
        ]);
        assert.deepEqual(childTypes("eks-gmsa:gmsa:GmsaInCluster"), [
            "eks-gmsa:gmsa:CredentialSpecs",
            "eks-gmsa:gmsa:DomainlessIdentity",
            "eks-gmsa:gmsa:GmsaAdmission",
            "eks-gmsa:gmsa:GmsaWebhook",
            "eks-gmsa:workloads:SampleWorkload",
        ]);
    });
});
