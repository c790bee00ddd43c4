// Issue 11, finding 11: the default cert-manager must be a supported release (cert-manager 1.19
// left support in June 2026), and the version checks must say what the chart actually does.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { inputs, ofType, runOk } from "./helpers";
import { loadProgramConfig } from "../tools/harness";
import { certManagerVersionProblem, parseSettings } from "../settings/validate";
import { lineFor } from "./support/fixtures";

/**
 * cert-manager's supported releases on 2026-12-01 (cert-manager/website
 * content/docs/releases/README.md): 1.21 (released 2026-07-08, end of life at the release of 1.23)
 * and 1.20 (2026-03-10, until 1.22). "Only the last patch release of each branch is supported."
 */
const supportedLines = ["1.21", "1.20"];
const newestLine = supportedLines[0];

const dev = runOk({ stack: "dev" });
const releases = ofType(dev, "kubernetes:helm.sh/v3:Release").map(inputs);
const certManager = releases.find((r) => r.chart === "cert-manager");
const gmsa = releases.find((r) => r.chart === "gmsa");

function parseWithVersion(version: unknown) {
    const config = loadProgramConfig({ stack: "dev" });
    const section = JSON.parse(config.values["eks-gmsa:gmsa"]);
    return parseSettings({
        stack: "dev",
        values: { ...config.values, "eks-gmsa:gmsa": JSON.stringify({ ...section, certManager: { version } }) },
        secretKeys: config.secretKeys,
    });
}

describe("cert-manager: the default release", () => {
    test("the dev plan installs a release of the newest supported line, and tells the gmsa chart (major 1: cert-manager.io/v1)", () => {
        assert.ok(certManager, "no cert-manager Release");
        const line = /^v(1\.[0-9]+)\.[0-9]+$/.exec(certManager.version)?.[1];
        assert.ok(line && supportedLines.includes(line), `${certManager.version} is not on a supported line (${supportedLines.join(", ")})`);
        assert.equal(line, newestLine);
        // The gmsa chart is told the same version, in the form its template reads.
        const told = gmsa.values.certificates.certManager.version as string;
        assert.equal(`v${told}`, certManager.version);
        // _helpers.tpl: split "." and `int` of the first part; 1 selects cert-manager.io/v1.
        assert.equal(Number.parseInt(told.split(".")[0], 10), 1);
    });
});

describe("cert-manager: versions the chart values work with", () => {
    test("v1.19.0 and v1.19.1 are refused: their chart ignores global.nodeSelector (coalesce, not merge)", () => {
        for (const version of ["v1.19.0", "v1.19.1"]) {
            const result = parseWithVersion(version);
            assert.equal(result.ok, false, `${version} accepted`);
            const line = lineFor(result.ok ? [] : result.problems, "eks-gmsa:gmsa.certManager.version");
            assert.match(line, new RegExp(`got "${version.replace(/\./g, "\\.")}"; must be v1\\.19\\.2 or later`));
        }
    });

    test("v1.19.2, v1.20.x and v1.21.x are accepted", () => {
        for (const version of ["v1.19.2", "v1.20.3", "v1.21.1", "v1.21.2", "v1.22.0"]) {
            assert.equal(certManagerVersionProblem(version), undefined, version);
            const result = parseWithVersion(version);
            assert.ok(result.ok && result.settings.gmsa?.certManager.version === version, version);
        }
    });

    test("the format hint names the current default", () => {
        assert.match(certManagerVersionProblem("1.21.2")!, /such as v1\.21\.[0-9]+ \(with the leading v\)/);
    });
});
