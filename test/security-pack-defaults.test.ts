// The policy pack cannot import settings/ (it runs on its own, on plans of any stack), so it keeps
// its own defaults for what eks-gmsa makes. Each must stay what the program derives from its own
// default settings, and policy/policy-config.json (which writes them out for review) must say the
// same: a change on one side alone fails here.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { parseSettings } from "../settings/validate";
import { webhookExemptNamespaces } from "../settings/webhookScope";
import { defaultPackDir, startPolicyPack, type PackSession } from "../tools/policy/analyzer";
import { domainlessStackConfig } from "./support/fixtures";

let pack: PackSession;
before(async () => {
    pack = await startPolicyPack(defaultPackDir);
});
after(async () => {
    await pack?.close();
});

/** A gMSA stack that sets none of the keys whose defaults are compared here. */
function defaultSettings() {
    const r = parseSettings(domainlessStackConfig());
    assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
    return r.settings;
}

/** The default of a policy's config property, as the pack serves it (the Pulumi CLI fills these in). */
function packDefault(policy: string, property: string): unknown {
    const info = pack.info.policies.find((p) => p.name === policy);
    assert.ok(info?.configSchema, `${policy} has a config schema`);
    return (info.configSchema.properties[property] as { default?: unknown }).default;
}

const projectConfig = () => JSON.parse(fs.readFileSync(path.join(defaultPackDir, "policy-config.json"), "utf8")) as Record<string, Record<string, unknown>>;
const sorted = (v: unknown) => (Array.isArray(v) ? [...v].sort() : v);

describe("the pack's defaults are the program's defaults", () => {
    test("skippedNamespaces: the namespaces the webhook skips, webhookExemptNamespaces(webhook namespace, cert-manager namespace)", () => {
        const s = defaultSettings();
        const derived = webhookExemptNamespaces(s.gmsa!.webhook.namespace, s.gmsa!.certManager.namespace);
        assert.deepEqual(sorted(packDefault("gmsa-webhook-skipped-namespace", "skippedNamespaces")), sorted(derived));
        assert.deepEqual(sorted(projectConfig()["gmsa-webhook-skipped-namespace"].skippedNamespaces), sorted(derived));
    });

    test("windowsNodeTaints: eks-gmsa:windowsNodes.taint", () => {
        const s = defaultSettings();
        const taint = s.windowsNodes.taint;
        assert.ok(taint, "the Windows nodes are tainted by default");
        const derived = [{ key: taint.key, value: taint.value, effect: taint.effect }];
        assert.deepEqual(packDefault("pod-host-access-allowlist", "windowsNodeTaints"), derived);
        assert.deepEqual(projectConfig()["pod-host-access-allowlist"].windowsNodeTaints, derived);
    });

    test("helmReleasesAllowed: the gmsa webhook's and cert-manager's releases as the program names them (<namespace>/<release name>@<chart>)", () => {
        const g = defaultSettings().gmsa!;
        const derived = [`${g.webhook.namespace}/${g.webhook.releaseName}@gmsa`, `${g.certManager.namespace}/${g.certManager.releaseName}@cert-manager`];
        assert.deepEqual(sorted(packDefault("helm-release-values-allowlist", "helmReleasesAllowed")), sorted(derived));
        assert.deepEqual(sorted(projectConfig()["helm-release-values-allowlist"].helmReleasesAllowed), sorted(derived));
    });

    test("hostProcessNamespaces: eks-gmsa:windowsNodes.hostProcessNamespaces (which the cluster's admission policy reads)", () => {
        const s = defaultSettings();
        assert.deepEqual(sorted(packDefault("pod-host-access-allowlist", "hostProcessNamespaces")), sorted([...s.windowsNodes.hostProcessNamespaces]));
        assert.deepEqual(sorted(projectConfig()["pod-host-access-allowlist"].hostProcessNamespaces), sorted([...s.windowsNodes.hostProcessNamespaces]));
    });
});
