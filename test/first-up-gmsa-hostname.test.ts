// Issue 11, finding 10: replicas sharing one gMSA must not share a NetBIOS name. The gmsa chart's
// randomHostname (webhook v0.13.0: a random 15-character spec.hostname for each new gMSA pod that
// sets none) is exposed as eks-gmsa:gmsa.webhook.randomHostname, on by default.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { inputs, ofType, runOk, type StackRun } from "./helpers";
import { testChartCache } from "./support/helmRepository";
import { loadProgramConfig } from "../tools/harness";
import { checkValues, valuesContract } from "../tools/review/helmValues";
import { parseSettings } from "../settings/validate";
import { lineFor } from "./support/fixtures";

const key = "eks-gmsa:gmsa.webhook.randomHostname";
const chartValues = (): string => testChartCache().files.valuesYaml;

/** The dev stack file's gmsa section with webhook fields replaced. */
function devGmsa(webhook: Record<string, unknown>): Record<string, unknown> {
    const gmsa = JSON.parse(loadProgramConfig({ stack: "dev" }).values["eks-gmsa:gmsa"]);
    return { ...gmsa, webhook: { ...gmsa.webhook, ...webhook } };
}

function gmsaRelease(run: StackRun) {
    const release = ofType(run, "kubernetes:helm.sh/v3:Release")
        .map(inputs)
        .find((r) => r.chart === "gmsa");
    assert.ok(release, "no gmsa Release");
    return release;
}

function parseDev(webhook: Record<string, unknown>) {
    const config = loadProgramConfig({ stack: "dev" });
    return parseSettings({ stack: "dev", values: { ...config.values, "eks-gmsa:gmsa": JSON.stringify(devGmsa(webhook)) }, secretKeys: config.secretKeys });
}

describe("gmsa.webhook.randomHostname", () => {
    test("on by default: the dev plan's gmsa release sets the chart's randomHostname (a boolean value of gmsa 0.13.0)", () => {
        const values = gmsaRelease(runOk({ stack: "dev" })).values;
        assert.equal(values.randomHostname, true);
        const contract = valuesContract(chartValues());
        assert.ok(contract.keys.has("randomHostname"), "the chart would ignore the key");
        assert.equal(typeof contract.defaults.get("randomHostname"), "boolean");
        // The release's values as a whole: every key the chart's, of the chart's type.
        assert.deepEqual(checkValues(values, contract), []);
    });

    test("the chart value follows the setting", () => {
        const off = runOk({ stack: "dev", overrides: { "eks-gmsa:gmsa": devGmsa({ randomHostname: false }) } });
        assert.equal(gmsaRelease(off).values.randomHostname, false);
        // `pulumi config set --path` stores "true"/"false" as text.
        const text = parseDev({ randomHostname: "false" });
        assert.ok(text.ok && text.settings.gmsa?.webhook.randomHostname === false);
    });

    test("a value that is not a boolean is a config error naming the key", () => {
        for (const bad of ["yes", 1, "enabled", { enabled: true }]) {
            const result = parseDev({ randomHostname: bad });
            assert.equal(result.ok, false, `${JSON.stringify(bad)} was accepted`);
            const line = lineFor(result.ok ? [] : result.problems, key);
            assert.match(line, /must be true or false/);
            assert.ok(line.includes(JSON.stringify(bad)), line);
        }
    });
});
