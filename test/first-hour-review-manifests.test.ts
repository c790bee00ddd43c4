// Review fixes on issue 14: the files in out/<stack>/manifests/ are the objects that were validated,
// and a value the offline runtime made up is shown as its deploy-time label inside a valid YAML
// file. The labels contain ": " ("(arn of Role x: known at deploy time)"), so replacing them into
// the YAML text made a plain value such as an IRSA annotation unparseable.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import YAML from "yaml";
import type { Plan } from "../tools/planFile";
import { manifestsVerdict, planManifests, writeManifests, type Manifest } from "../tools/review/manifests";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "first-hour-review-manifests-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const madeUpArn = "arn:aws:iam::123456789012:role/app-irsa-4f0c2a1";
const label = "(arn of Role app-irsa: known at deploy time)";

/** A plan with one ServiceAccount whose IRSA annotation is an ARN the mock runtime made up. */
function planWithIrsaServiceAccount(): Plan {
    return {
        project: "eks-gmsa",
        stack: "dev",
        outputs: {},
        deployTimeValues: { [madeUpArn]: label },
        resources: [
            {
                urn: "urn:pulumi:dev::eks-gmsa::kubernetes:core/v1:ServiceAccount::app",
                type: "kubernetes:core/v1:ServiceAccount",
                name: "app",
                options: { custom: true },
                dependencies: [],
                inputs: {
                    apiVersion: "v1",
                    kind: "ServiceAccount",
                    metadata: { name: "app", namespace: "web", annotations: { "eks.amazonaws.com/role-arn": madeUpArn } },
                },
            },
        ],
    } as unknown as Plan;
}

/** What `npm run plan` does with a plan's objects: validate them, then write them. */
function writtenAndValidated(plan: Plan): { manifests: Manifest[]; dir: string } {
    const dir = fs.mkdtempSync(path.join(scratch, "manifests-"));
    const manifests = planManifests(plan, new Map(), "Kubernetes OpenAPI (test)");
    writeManifests(dir, manifests);
    return { manifests, dir };
}

describe("manifests/: a made-up ARN as a plain annotation value", () => {
    test("the file parses as YAML and shows the deploy-time label, never the made-up ARN", () => {
        const { dir } = writtenAndValidated(planWithIrsaServiceAccount());
        const text = fs.readFileSync(path.join(dir, "serviceaccount.web.app.yaml"), "utf8");
        assert.ok(!text.includes(madeUpArn), text);
        const parsed = YAML.parse(text);
        assert.equal(parsed.metadata.annotations["eks.amazonaws.com/role-arn"], label);
    });

    test("the file holds exactly the object that was validated", () => {
        const { manifests, dir } = writtenAndValidated(planWithIrsaServiceAccount());
        assert.equal(manifests.length, 1);
        assert.deepEqual(manifests[0].problems, []);
        // Validated with the label in it, as the file shows it (not the made-up ARN, then rewritten).
        assert.equal((manifests[0].document.metadata as { annotations: Record<string, string> }).annotations["eks.amazonaws.com/role-arn"], label);
        assert.deepEqual(YAML.parse(fs.readFileSync(path.join(dir, manifests[0].file), "utf8")), manifests[0].document);
    });

    test("a made-up value inside a longer string (a JSON plugin input) is replaced there too, the string kept a string", () => {
        const plan = planWithIrsaServiceAccount();
        (plan.resources[0].inputs.metadata as { annotations: Record<string, string> }).annotations["example.com/config"] = JSON.stringify({
            roleArn: madeUpArn,
        });
        const { dir } = writtenAndValidated(plan);
        const parsed = YAML.parse(fs.readFileSync(path.join(dir, "serviceaccount.web.app.yaml"), "utf8"));
        assert.deepEqual(JSON.parse(parsed.metadata.annotations["example.com/config"]), { roleArn: label });
    });
});

describe("the manifests' count: an unchecked file is not a valid one", () => {
    const manifest = (extra: Partial<Manifest>): Manifest => ({
        file: "x.yaml",
        urn: "urn",
        title: "X",
        form: "object",
        document: {},
        checkedAgainst: "schema",
        problems: [],
        ...extra,
    });

    test("16 valid and 2 unchecked of 18, not 'all valid'", () => {
        const manifests = [
            ...Array.from({ length: 16 }, () => manifest({})),
            ...Array.from({ length: 2 }, () => manifest({ unchecked: "the chart is not cached" })),
        ];
        assert.equal(manifestsVerdict(manifests), "18 files, 16 valid, 2 unchecked");
    });

    test("every file checked and valid: all valid; problems counted by file and by problem", () => {
        assert.equal(manifestsVerdict([manifest({}), manifest({})]), "2 files, all valid");
        const invalid = manifest({
            problems: [
                { path: "a", message: "x" },
                { path: "b", message: "y" },
            ],
        });
        assert.equal(manifestsVerdict([manifest({}), invalid, manifest({ unchecked: "no chart" })]), "3 files, 1 valid, 1 invalid (2 problems), 1 unchecked");
    });
});
