// A kubernetes:helm.sh/v3:Release installs its chart's objects itself, so the pack never sees the
// pods it makes. Its values are what the pack can read: a gMSA or host access there is reported by
// helm-release-values-allowlist (the pack cannot know the chart's templates), unless the release is
// allow-listed as <namespace>/<release name>[@<chart>] (default: eks-gmsa's own gmsa webhook and
// cert-manager releases). Run as the Pulumi CLI runs the pack.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { certManagerValues, gmsaChartValues } from "../components/webhookValues";
import { defaultPackDir, startPolicyPack, type PackSession } from "../tools/policy/analyzer";
import type { PolicyConfig, Violation } from "../tools/policy/types";
import { resource } from "./policy-fixtures";
import { grantedStack, windowsPod } from "./support/podMakers";

let pack: PackSession;
before(async () => {
    pack = await startPolicyPack(defaultPackDir);
});
after(async () => {
    await pack?.close();
});

const POLICY = "helm-release-values-allowlist";
const mandatory = (violations: Violation[]) => [...new Set(violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policyName))].sort();
const show = (violations: Violation[]) => violations.map((v) => `${v.policyName}: ${v.message}`).join("\n");
const findings = (violations: Violation[]) => violations.filter((v) => v.policyName === POLICY);

function release(o: { name?: string; namespace?: string; chart?: string; values?: unknown; valueYamlFiles?: unknown }) {
    const { name = "web", namespace = "web", chart = "web" } = o;
    return resource("kubernetes:helm.sh/v3:Release", `release-${namespace}-${name}-${chart}`, {
        chart,
        name,
        namespace,
        repositoryOpts: { repo: "https://charts.example.com" },
        version: "1.0.0",
        ...(o.values !== undefined ? { values: o.values } : {}),
        ...(o.valueYamlFiles !== undefined ? { valueYamlFiles: o.valueYamlFiles } : {}),
    });
}

describe("gMSA and host access in a v3 Release's values", () => {
    test("a pod spec in the values with a gMSA for a service account nobody allowed fails, and the message says why the pack cannot judge it", async () => {
        const r = release({ values: { podTemplate: { spec: windowsPod({ serviceAccount: "intruder", gmsa: "webapp01" }) } } });
        const v = await pack.analyze([...grantedStack(), r]);
        assert.deepEqual(mandatory(v), [POLICY], show(v));
        const message = findings(v)[0].message;
        assert.match(
            message,
            /^Release web\/web \(chart web\) sets, in its values, windowsOptions\.gmsaCredentialSpecName \(pod\) at values\.podTemplate\.spec\./,
        );
        assert.match(
            message,
            /Helm installs the chart's objects itself, so this pack sees neither the pods it makes nor which of these values reach which pod/,
        );
        assert.match(message, /add "web\/web@web" to this policy's helmReleasesAllowed/);
        assert.match(message, /kubernetes:helm\.sh\/v4 Chart/);
    });

    test("a gMSA in values shaped as charts shape them is reported even for a service account that is allowed (the chart decides where it goes)", async () => {
        const r = release({ values: { serviceAccount: { name: "webapp" }, securityContext: { windowsOptions: { gmsaCredentialSpecName: "webapp01" } } } });
        const v = await pack.analyze([...grantedStack(), r]);
        assert.match(findings(v)[0]?.message ?? show(v), /sets, in its values, gmsaCredentialSpecName: set at values\.securityContext\.windowsOptions/);
    });

    test("host access in values: hostNetwork, hostPID, hostIPC, privileged (any *SecurityContext), hostProcess; in any namespace, kube-system too", async () => {
        for (const [what, values, text] of [
            ["hostNetwork", { webhook: { hostNetwork: true } }, /hostNetwork: true at values\.webhook/],
            ["hostPID and hostIPC", { agent: { hostPID: true, hostIPC: true } }, /hostPID: true at values\.agent, hostIPC: true at values\.agent/],
            [
                "privileged",
                { controller: { containerSecurityContext: { privileged: true } } },
                /privileged: true at values\.controller\.containerSecurityContext/,
            ],
            [
                "hostProcess",
                { podSecurityContext: { windowsOptions: { hostProcess: true, runAsUserName: "NT AUTHORITY\\SYSTEM" } } },
                /hostProcess: true at values\.podSecurityContext\.windowsOptions/,
            ],
            ["a secret hostNetwork", { hostNetwork: "[secret]" }, /hostNetwork: \[secret\] at values/],
        ] as const) {
            for (const ns of ["web", "kube-system"]) {
                const v = await pack.analyze([release({ namespace: ns, values })]);
                assert.deepEqual(mandatory(v), [POLICY], `${what} in ${ns}:\n${show(v)}`);
                assert.match(findings(v)[0].message, text, `${what} in ${ns}`);
            }
        }
    });

    test("values the pack cannot read count the same: a secret values object, valueYamlFiles", async () => {
        const secret = await pack.analyze([release({ values: "[secret]" })]);
        assert.match(findings(secret)[0]?.message ?? show(secret), /has values this pack cannot read: values \(a secret, "\[secret\]" in this plan\)/);
        const files = await pack.analyze([release({ values: {}, valueYamlFiles: ["[asset]"] })]);
        assert.match(findings(files)[0]?.message ?? show(files), /valueYamlFiles \(files this pack does not read\)/);
        // A secret leaf (a password) hides no pod setting.
        assert.deepEqual(
            await pack.analyze([release({ values: { auth: { password: "[secret]" }, replicaCount: 2, securityContext: { runAsNonRoot: true } } })]),
            [],
        );
    });
});

describe("helmReleasesAllowed", () => {
    const hostNetworkValues = { webhook: { hostNetwork: true } };

    test("<namespace>/<release name> admits a reviewed release; @<chart> also requires its chart", async () => {
        const r = () => [release({ values: hostNetworkValues })];
        const allow = (entries: string[]): PolicyConfig => ({ [POLICY]: { helmReleasesAllowed: entries } });
        assert.deepEqual(findings(await pack.analyze(r(), allow(["web/web"]))), []);
        assert.deepEqual(findings(await pack.analyze(r(), allow(["web/web@web"]))), []);
        assert.equal(findings(await pack.analyze(r(), allow(["web/web@other"]))).length, 1);
        assert.equal(findings(await pack.analyze(r(), allow(["other/web"]))).length, 1);
    });

    test("by default, eks-gmsa's own releases (gmsa-webhook/gmsa-webhook of chart gmsa, cert-manager/cert-manager of chart cert-manager), and only those charts", async () => {
        const own = [
            release({ name: "gmsa-webhook", namespace: "gmsa-webhook", chart: "gmsa", values: hostNetworkValues }),
            release({ name: "cert-manager", namespace: "cert-manager", chart: "cert-manager", values: hostNetworkValues }),
        ];
        assert.deepEqual(findings(await pack.analyze(own)), []);
        const impostor = await pack.analyze([release({ name: "cert-manager", namespace: "cert-manager", chart: "node-agent", values: hostNetworkValues })]);
        assert.match(
            findings(impostor)[0]?.message ?? show(impostor),
            /^Release cert-manager\/cert-manager \(chart node-agent\) sets, in its values, hostNetwork: true/,
        );
        // An empty allow-list leaves none.
        assert.equal(findings(await pack.analyze(own, { [POLICY]: { helmReleasesAllowed: [] } })).length, 2);
    });

    test("the stack's own releases, with the values the program gives them, have nothing to report even with an empty allow-list", async () => {
        const own = [
            release({
                name: "gmsa-webhook",
                namespace: "gmsa-webhook",
                chart: "gmsa",
                values: gmsaChartValues({ releaseName: "gmsa-webhook", replicas: 2, certManagerVersion: "v1.21.2", randomHostname: true }),
            }),
            release({ name: "cert-manager", namespace: "cert-manager", chart: "cert-manager", values: certManagerValues() }),
        ];
        assert.deepEqual(await pack.analyze([...grantedStack(), ...own], { [POLICY]: { helmReleasesAllowed: [] } }), []);
        // And a release that sets the same allowed values plus a gMSA is no longer clean.
        const withGmsa = release({
            name: "cert-manager",
            namespace: "cert-manager",
            chart: "cert-manager",
            values: { ...certManagerValues(), securityContext: { windowsOptions: { gmsaCredentialSpecName: "webapp01" } } },
        });
        assert.equal(findings(await pack.analyze([withGmsa], { [POLICY]: { helmReleasesAllowed: [] } })).length, 1);
    });
});
