// What the program sends to the gMSA webhook chart and the API server, checked against the upstream
// contracts of the pinned gmsa chart (from a chart cache filled from its Helm repository, served on
// loopback: test/support/helmRepository.ts): every GMSACredentialSpec validates
// against the CRD's v1 schema made strict (the API server prunes fields the schema lacks, silently),
// and every Helm value key exists in the chart's values.yaml (Helm ignores a misspelt key, silently).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import Ajv, { type ValidateFunction } from "ajv";
import YAML from "yaml";
import { mockProvisioningResult } from "../tools/harness/mocks";
import { awsCcgPluginGuid, awsPluginInput, renderCredentialSpec, type CredentialSpecArgs } from "../components/credentialSpec";
import { certManagerValues, gmsaChartCertManagerVersion, gmsaChartValues, systemNodeSelector } from "../components/webhookValues";
import { compileCrdValidator, parseCrds, strictSchema } from "../tools/review/crdSchema";
import { checkValues, valuesContract } from "../tools/review/helmValues";
import { inputs, ofType, runOk, type StackRun } from "./helpers";
import { corpDomain, emeaDomain } from "./support/fixtures";
import { testChartCache } from "./support/helmRepository";
import { defaultCertManagerVersion } from "../settings/validate";

const projectRoot = path.resolve(__dirname, "..");

// Parsed YAML and JSON (the CRD, chart values, stack files) and documents broken on purpose (misspelt
// keys, wrong types), read and edited by path: a wrong path fails the assertion that reads it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- no declared type fits a document made wrong on purpose
type Json = Record<string, any>;

// ---------------------------------------------------------------------------------------------
// The CRD and its strict schema
// ---------------------------------------------------------------------------------------------

// Read in before(): the chart comes from testChartCache(), which may fail (in one line) on a
// machine that cannot get it; the file must not crash while it loads.
let crd: Json;
const crdVersion = (name: string): Json => {
    const v = (crd.spec.versions as Json[]).find((x) => x.name === name);
    assert.ok(v, `crds.yaml has no version ${name}`);
    return v;
};

// The strict conversion lives in tools/review/crdSchema.ts: `npm run plan` validates with it too.
const ajv = new Ajv({ allErrors: true, strict: true });
let v1Schema: Json;
let validateStrict: ValidateFunction;
let validateLoose: ValidateFunction;
let valuesText: string;
let contract: ReturnType<typeof valuesContract>;
let chartMeta: Json;
before(() => {
    const chart = testChartCache().files;
    const crdText = chart.crds.find((c) => c.file === "crds/crds.yaml")!.text;
    crd = YAML.parse(crdText);
    v1Schema = crdVersion("v1").schema.openAPIV3Schema as Json;
    const [crdModel] = parseCrds(crdText, "crds/crds.yaml");
    validateStrict = compileCrdValidator(crdModel, "v1", true);
    validateLoose = compileCrdValidator(crdModel, "v1", false);
    valuesText = chart.valuesYaml;
    contract = valuesContract(valuesText);
    chartMeta = YAML.parse(chart.chartYaml);
});

function assertValid(doc: unknown, what: string): void {
    const ok = validateStrict(doc);
    assert.ok(
        ok,
        `${what} does not validate against the strict v1 schema:\n${ajv.errorsText(validateStrict.errors, { separator: "\n" })}\n${JSON.stringify(doc, null, 2)}`,
    );
}

const secretArn = "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/eks-gmsa-dev/portable-identity-AbCdEf";

const corp = corpDomain;
// A child domain: its forest root is the parent domain.
const emea = emeaDomain;

const specCases: (CredentialSpecArgs & { label: string })[] = [
    { label: "domain-joined WebApp01@corp", name: "webapp01", account: "WebApp01", domain: corp },
    { label: "domainless WebApp01@corp", name: "webapp01", account: "WebApp01", domain: corp, portableIdentitySecretArn: secretArn },
    { label: "domain-joined ReportsSvc@emea (child domain)", name: "reports", account: "ReportsSvc", domain: emea },
    { label: "domainless ReportsSvc@emea (child domain)", name: "reports", account: "ReportsSvc", domain: emea, portableIdentitySecretArn: secretArn },
    {
        label: "domainless 15-character account",
        name: "billing.batch",
        account: "Billing_Batch01",
        domain: emea,
        portableIdentitySecretArn: "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:x-Zz0011",
    },
];

describe("CRD gmsacredentialspecs.windows.k8s.io (chart 0.13.0)", () => {
    test("v1 is served and stored; v1alpha1 is served but deprecated", () => {
        assert.equal(crd.kind, "CustomResourceDefinition");
        assert.equal(crd.spec.group, "windows.k8s.io");
        assert.equal(crd.spec.names.kind, "GMSACredentialSpec");
        assert.equal(crd.spec.scope, "Cluster");
        const v1 = crdVersion("v1");
        assert.equal(v1.served, true);
        assert.equal(v1.storage, true);
        assert.notEqual(v1.deprecated, true);
        const alpha = crdVersion("v1alpha1");
        assert.equal(alpha.deprecated, true);
        assert.equal(alpha.storage, false);
    });

    test("the v1 schema prunes unknown fields (no x-kubernetes-preserve-unknown-fields anywhere)", () => {
        assert.doesNotMatch(JSON.stringify(v1Schema), /x-kubernetes-preserve-unknown-fields/);
    });

    test("the strict conversion closes every object that lists properties", () => {
        const strict = strictSchema(v1Schema) as Json;
        const credspec = strict.properties.credspec;
        assert.equal(strict.additionalProperties, false);
        assert.equal(credspec.additionalProperties, false);
        assert.equal(credspec.properties.DomainJoinConfig.additionalProperties, false);
        assert.equal(credspec.properties.ActiveDirectoryConfig.additionalProperties, false);
        assert.equal(credspec.properties.ActiveDirectoryConfig.properties.HostAccountConfig.additionalProperties, false);
        assert.equal(credspec.properties.ActiveDirectoryConfig.properties.GroupManagedServiceAccounts.items.additionalProperties, false);
        // The input schema is left alone.
        assert.equal(v1Schema.additionalProperties, undefined);
    });
});

describe("renderCredentialSpec against the strict v1 schema", () => {
    for (const c of specCases) {
        test(`validates: ${c.label}`, () => {
            const doc = renderCredentialSpec(c);
            assert.equal(doc.apiVersion, `${crd.spec.group}/v1`);
            assert.equal(doc.kind, crd.spec.names.kind);
            assertValid(doc, c.label);
        });
    }

    const base = () => renderCredentialSpec({ name: "webapp01", account: "WebApp01", domain: corp, portableIdentitySecretArn: secretArn }) as unknown as Json;
    const wrong: { label: string; mutate: (d: Json) => void; prunedByServer: boolean }[] = [
        {
            label: "HostAccountConfig at the credspec root (belongs under ActiveDirectoryConfig)",
            mutate: (d) => {
                d.credspec.HostAccountConfig = d.credspec.ActiveDirectoryConfig.HostAccountConfig;
                delete d.credspec.ActiveDirectoryConfig.HostAccountConfig;
            },
            prunedByServer: true,
        },
        {
            label: "misspelt NetBIOSName in DomainJoinConfig",
            mutate: (d) => {
                d.credspec.DomainJoinConfig.NetBIOSName = d.credspec.DomainJoinConfig.NetBiosName;
                delete d.credspec.DomainJoinConfig.NetBiosName;
            },
            prunedByServer: true,
        },
        {
            label: "misspelt PluginGuid in HostAccountConfig",
            mutate: (d) => {
                const h = d.credspec.ActiveDirectoryConfig.HostAccountConfig;
                h.PluginGuid = h.PluginGUID;
                delete h.PluginGUID;
            },
            prunedByServer: true,
        },
        {
            label: "extra key in a GroupManagedServiceAccounts item",
            mutate: (d) => {
                d.credspec.ActiveDirectoryConfig.GroupManagedServiceAccounts[0].Domain = "corp";
            },
            prunedByServer: true,
        },
        {
            label: "a spec: wrapper around credspec",
            mutate: (d) => {
                d.spec = { credspec: d.credspec };
                delete d.credspec;
            },
            prunedByServer: true,
        },
        {
            label: "PortableCcgVersion as a number",
            mutate: (d) => {
                d.credspec.ActiveDirectoryConfig.HostAccountConfig.PortableCcgVersion = 1;
            },
            prunedByServer: false,
        },
        {
            label: "CmsPlugins as a string",
            mutate: (d) => {
                d.credspec.CmsPlugins = "ActiveDirectory";
            },
            prunedByServer: false,
        },
        {
            label: "wrong apiVersion (deprecated v1alpha1)",
            mutate: (d) => {
                d.apiVersion = "windows.k8s.io/v1alpha1";
            },
            prunedByServer: false,
        },
        {
            label: "a namespace on the cluster-scoped object",
            mutate: (d) => {
                d.metadata.namespace = "web";
            },
            prunedByServer: false,
        },
    ];
    for (const w of wrong) {
        test(`rejects: ${w.label}`, () => {
            const doc = base();
            assertValid(doc, "the base document");
            w.mutate(doc);
            assert.equal(validateStrict(doc), false, `the strict schema accepted ${w.label}`);
            // Fields the schema lacks are accepted by the plain schema (and pruned by the server):
            // the strict form is what makes the check bite.
            if (w.prunedByServer) assert.equal(validateLoose(doc), true, `the plain schema should accept ${w.label} (it would be pruned)`);
        });
    }
});

describe("credential spec semantics", () => {
    for (const c of specCases) {
        test(`${c.label}`, () => {
            const { credspec, metadata } = renderCredentialSpec(c);
            assert.equal(metadata.name, c.name);
            assert.deepEqual(credspec.CmsPlugins, ["ActiveDirectory"]);
            // The account under both scopes, DNS name first (as New-CredentialSpec writes it).
            assert.deepEqual(credspec.ActiveDirectoryConfig.GroupManagedServiceAccounts, [
                { Name: c.account, Scope: c.domain.dnsName },
                { Name: c.account, Scope: c.domain.netbiosName },
            ]);
            assert.deepEqual(credspec.DomainJoinConfig, {
                Sid: c.domain.sid,
                MachineAccountName: c.account.replace(/\$$/, ""),
                Guid: c.domain.guid,
                DnsTreeName: c.domain.forestName,
                DnsName: c.domain.dnsName,
                NetBiosName: c.domain.netbiosName,
            });
            assert.doesNotMatch(credspec.DomainJoinConfig.MachineAccountName, /\$/);
            if (c.portableIdentitySecretArn) {
                const host = credspec.ActiveDirectoryConfig.HostAccountConfig;
                assert.ok(host, "domainless specs need HostAccountConfig");
                assert.deepEqual(Object.keys(host).sort(), ["PluginGUID", "PluginInput", "PortableCcgVersion"]);
                assert.equal(host.PortableCcgVersion, "1");
                assert.equal(host.PluginGUID, "{859E1386-BDB4-49E8-85C7-3070B13920E1}");
                assert.equal(host.PluginGUID, awsCcgPluginGuid);
                assert.equal(typeof host.PluginInput, "string");
                // Only the ARN: never a username or password.
                assert.deepEqual(JSON.parse(host.PluginInput), { credentialArn: c.portableIdentitySecretArn });
            } else {
                assert.equal("HostAccountConfig" in credspec.ActiveDirectoryConfig, false, "domain-joined specs have no HostAccountConfig");
            }
        });
    }

    test("the child domain names its forest root as DnsTreeName", () => {
        const { credspec } = renderCredentialSpec({ name: "reports", account: "ReportsSvc", domain: emea });
        assert.equal(credspec.DomainJoinConfig.DnsTreeName, "corp.example.com");
        assert.equal(credspec.DomainJoinConfig.DnsName, "emea.corp.example.com");
    });

    test("awsPluginInput is JSON text with the ARN only", () => {
        assert.equal(awsPluginInput(secretArn), `{"credentialArn":"${secretArn}"}`);
    });

    test("an empty ARN is domain-joined (no HostAccountConfig with an empty ARN)", () => {
        const { credspec } = renderCredentialSpec({ name: "webapp01", account: "WebApp01", domain: corp, portableIdentitySecretArn: "" });
        assert.equal(credspec.ActiveDirectoryConfig.HostAccountConfig, undefined);
    });
});

// ---------------------------------------------------------------------------------------------
// The credential specs in the real plans
// ---------------------------------------------------------------------------------------------

const runs = new Map<string, StackRun>();
function planOf(stack: string): StackRun {
    let run = runs.get(stack);
    if (!run) {
        run = runOk({ stack });
        runs.set(stack, run);
    }
    return run;
}

function stackConfig(stack: string): Json {
    return YAML.parse(fs.readFileSync(path.join(projectRoot, `Pulumi.${stack}.yaml`), "utf8")).config;
}

const credspecType = "kubernetes:windows.k8s.io/v1:GMSACredentialSpec";

describe("credential specs in the dev and prod plans", () => {
    for (const [stack, count] of [
        ["dev", 1],
        ["prod", 2],
    ] as const) {
        test(`${stack}: ${count} credential spec(s), each valid against the strict v1 schema and matching the config`, () => {
            const run = planOf(stack);
            const specs = ofType(run, credspecType);
            assert.equal(specs.length, count);
            const accounts = stackConfig(stack)["eks-gmsa:gmsa"].accounts as { name: string; account: string }[];
            const ad = stackConfig(stack)["eks-gmsa:activeDirectory"];
            assert.deepEqual(specs.map((s) => inputs(s).metadata.name).sort(), accounts.map((a) => a.name).sort());
            for (const spec of specs) {
                const doc = inputs(spec);
                assert.deepEqual(Object.keys(doc).sort(), ["apiVersion", "credspec", "kind", "metadata"]);
                assert.doesNotMatch(JSON.stringify(doc), /\[(secret|unknown)\]/, "a credspec must be fully known and hold no secret");
                assertValid(doc, `${stack} ${spec.name}`);
                const account = accounts.find((a) => a.name === doc.metadata.name)!;
                assert.equal(doc.credspec.DomainJoinConfig.MachineAccountName, account.account);
                // dev creates its directory: the facts are what the (mocked) provisioning run reported.
                assert.equal(doc.credspec.DomainJoinConfig.Sid, ad.domainSid ?? mockProvisioningResult.domainSid);
                assert.equal(doc.credspec.DomainJoinConfig.Guid, ad.domainGuid ?? mockProvisioningResult.domainGuid);
                assert.equal(doc.credspec.DomainJoinConfig.DnsName, ad.domainName);
                assert.deepEqual(
                    JSON.parse(doc.credspec.ActiveDirectoryConfig.HostAccountConfig.PluginInput).credentialArn.match(
                        /^arn:aws:secretsmanager:us-west-2:[0-9]{12}:secret:(.*)-[A-Za-z0-9]{6}$/,
                    )?.[1],
                    `eks-gmsa/eks-gmsa-${stack}/portable-identity`,
                );
            }
        });
    }

    test("dev: the Windows node role may read exactly the secret the credential spec names", () => {
        const run = planOf("dev");
        const arn = JSON.parse(inputs(ofType(run, credspecType)[0]).credspec.ActiveDirectoryConfig.HostAccountConfig.PluginInput).credentialArn;
        const policies = ofType(run, "aws:iam/rolePolicy:RolePolicy").filter((p) => p.name === "windows-nodes-read-portable-identity");
        assert.equal(policies.length, 1);
        const policy = JSON.parse(inputs(policies[0]).policy);
        const read = policy.Statement.find((s: Json) => s.Action === "secretsmanager:GetSecretValue");
        assert.deepEqual(read.Resource, [arn]);
    });
});

// ---------------------------------------------------------------------------------------------
// Helm values against the chart's values.yaml
// ---------------------------------------------------------------------------------------------

// The checker lives in tools/review/helmValues.ts: `npm run plan` checks the gmsa release with it too.
const sampleArgs = { releaseName: "gmsa-webhook", replicas: 2, certManagerVersion: "v1.19.6", randomHostname: true };

describe("gmsa chart values.yaml key checker", () => {
    test("reads parsed keys and keys documented in comments inside a mapping", () => {
        for (const k of [
            "replicaCount",
            "certificates.certManager.enabled",
            "certificates.certManager.version",
            "credential.enabled",
            "podDisruptionBudget.enabled",
            "nodeSelector",
            "affinity",
            "global.systemDefaultRegistry",
        ]) {
            assert.ok(contract.keys.has(k), k);
        }
        // Only in comments: the chart's pdb template reads them.
        assert.ok(contract.keys.has("podDisruptionBudget.minAvailable"));
        assert.ok(contract.keys.has("podDisruptionBudget.maxUnavailable"));
        assert.ok(contract.keys.has("credential.hostAccountConfig.pluginGUID"));
        assert.ok(contract.keys.has("credential.hostAccountConfig.portableCcgVersion"));
        // Prose comments are not keys.
        assert.ok(![...contract.keys].some((k) => /Enable|If /.test(k)), [...contract.keys].join(", "));
        // Without the comment pass, minAvailable would be missing (why the pass exists).
        assert.equal(valuesContract(valuesText.replace(/^\s*#.*$/gm, "")).keys.has("podDisruptionBudget.minAvailable"), false);
    });

    test("attaches commented keys by indentation only to the mapping they sit in", () => {
        const text = ["a:", "  b: 1", "  # c: 2", "# top: 1", "d:", "  e: {}", "    # f: 1", "g: 1", "  # h: 1", "i: {}"].join("\n");
        const keys = [...valuesContract(text, []).keys].sort();
        // `h` sits under a scalar, `top` at the root: neither is a mapping key.
        assert.deepEqual(keys, ["a", "a.b", "a.c", "d", "d.e", "d.e.f", "g", "i"]);
    });

    test("detects misspelt keys", () => {
        assert.deepEqual(checkValues({ replicas: 2 }, contract), ["replicas: not a value of the chart"]);
        assert.deepEqual(checkValues({ podDisruptionBudget: { enabled: true, minAvaliable: 1 } }, contract), [
            "podDisruptionBudget.minAvaliable: not a value of the chart",
        ]);
        assert.deepEqual(checkValues({ certificates: { certManager: { enable: true } } }, contract), [
            "certificates.certManager.enable: not a value of the chart",
        ]);
        assert.deepEqual(checkValues({ nodeselector: {} }, contract), ["nodeselector: not a value of the chart"]);
    });

    test("accepts any sub-key of free-form values", () => {
        assert.deepEqual(
            checkValues(
                {
                    nodeSelector: { anything: "x" },
                    affinity: { nodeAffinity: { whatever: [] } },
                    tolerations: [{ key: "k" }],
                    securityContext: { runAsNonRoot: true },
                    podSecurityContext: { fsGroup: 1 },
                },
                contract,
            ),
            [],
        );
    });

    test("detects a value of the wrong type", () => {
        assert.deepEqual(checkValues({ replicaCount: "2" }, contract), ["replicaCount: is string, the chart's default is number"]);
        assert.deepEqual(checkValues({ podDisruptionBudget: true }, contract), ["podDisruptionBudget: is boolean, the chart's default is object"]);
    });
});

describe("gmsaChartValues", () => {
    for (const args of [sampleArgs, { releaseName: "gmsa", replicas: 3, certManagerVersion: "v1.20.1", randomHostname: false }]) {
        test(`every key exists in values.yaml (release ${args.releaseName})`, () => {
            assert.deepEqual(checkValues(gmsaChartValues(args), contract), []);
        });
    }

    test("cert-manager integration on, with the version without the leading v", () => {
        const v = gmsaChartValues(sampleArgs);
        assert.equal(v.certificates.certManager.enabled, true);
        assert.equal(v.certificates.certManager.version, "1.19.6");
        // The chart's _helpers.tpl splits the version on "." and takes `int` of the major part to
        // pick the cert-manager API when it cannot ask the cluster: `int "v1"` is 0, which selects
        // the pre-1.0 cert-manager.io/v1beta1 API.
        assert.equal(gmsaChartCertManagerVersion("v1.19.6"), "1.19.6");
        assert.equal(gmsaChartCertManagerVersion("1.19.6"), "1.19.6");
        assert.equal(gmsaChartCertManagerVersion("v1.20.0"), "1.20.0");
        assert.match(v.certificates.certManager.version, /^[0-9]+\.[0-9]+\.[0-9]+$/);
    });

    test("the chart does not render credential specs (they are Pulumi resources)", () => {
        assert.equal(gmsaChartValues(sampleArgs).credential.enabled, false);
    });

    test("two replicas, one may be disrupted", () => {
        const v = gmsaChartValues(sampleArgs);
        assert.equal(v.replicaCount, 2);
        assert.deepEqual(v.podDisruptionBudget, { enabled: true, minAvailable: 1 });
        assert.equal(gmsaChartValues({ ...sampleArgs, replicas: 3 }).replicaCount, 3);
    });

    test("nodeSelector: the system nodes, without kubernetes.io/os (the chart hard-codes it)", () => {
        const v = gmsaChartValues(sampleArgs);
        // The deployment template writes `kubernetes.io/os: linux` and then the nodeSelector
        // value under it: a second kubernetes.io/os key would be a duplicate YAML key.
        assert.equal("kubernetes.io/os" in v.nodeSelector, false);
        assert.deepEqual(v.nodeSelector, { "eks-gmsa.io/node-role": "system" });
        assert.deepEqual(v.nodeSelector, { ...systemNodeSelector });
    });

    test("pod anti-affinity selects the release's pods (app: <release name>)", () => {
        for (const releaseName of ["gmsa-webhook", "gmsa-other"]) {
            const term = gmsaChartValues({ ...sampleArgs, releaseName }).affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]
                .podAffinityTerm;
            assert.equal(term.topologyKey, "kubernetes.io/hostname");
            assert.deepEqual(term.labelSelector, { matchExpressions: [{ key: "app", operator: "In", values: [releaseName] }] });
        }
    });

    test("dev plan: the gmsa Release is chart gmsa 0.13.0 and its values are all chart keys", () => {
        const release = ofType(planOf("dev"), "kubernetes:helm.sh/v3:Release")
            .map(inputs)
            .find((r) => r.chart === chartMeta.name);
        assert.ok(release, "no Release of the gmsa chart in the dev plan");
        assert.equal(release.version, chartMeta.version);
        assert.deepEqual(checkValues(release.values, contract), []);
        assert.equal(release.values.certificates.certManager.version, defaultCertManagerVersion.slice(1));
    });
});

describe("certManagerValues", () => {
    test("CRDs installed and kept, without the legacy installCRDs (setting both fails the chart)", () => {
        const v = certManagerValues() as Json;
        assert.equal(v.crds.enabled, true);
        assert.equal(v.crds.keep, true);
        assert.equal("installCRDs" in v, false);
    });

    test("every component on the system nodes", () => {
        const v = certManagerValues() as Json;
        assert.deepEqual(v.global.nodeSelector, { "eks-gmsa.io/node-role": "system" });
    });

    test("startupapicheck has no replicaCount or podDisruptionBudget (cert-manager's values schema rejects them)", () => {
        const v = certManagerValues() as Json;
        if (v.startupapicheck !== undefined) {
            assert.equal("replicaCount" in v.startupapicheck, false);
            assert.equal("podDisruptionBudget" in v.startupapicheck, false);
        }
    });

    test("controller, webhook and cainjector run two replicas behind a PodDisruptionBudget", () => {
        const v = certManagerValues() as Json;
        for (const c of [v, v.webhook, v.cainjector]) {
            assert.equal(c.replicaCount, 2);
            assert.deepEqual(c.podDisruptionBudget, { enabled: true, minAvailable: 1 });
        }
    });
});
