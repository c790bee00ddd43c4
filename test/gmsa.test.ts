// gMSA in the cluster, through the whole program: webhook and cert-manager, credential specs,
// RBAC, the domainless identity, DNS forwarding, the sample workload, and their ordering.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { inputs, ofType, one, outputs, runOk, runStack, urnOf, userResources, type StackRun } from "./helpers";
import { defaultCertManagerVersion } from "../settings/validate";
import type { PolicyRule } from "../components/gmsaRbac";
import { dependsOn, devNetworkToSharedServices, sharedServicesDnsServers } from "./support/fixtures";

const dev = runOk({ stack: "dev" });
const prod = runOk({ stack: "prod" });
const domainJoined = runOk({
    stack: "dev",
    overrides: {
        "eks-gmsa:gmsa": {
            mode: "domainJoined",
            accounts: [{ name: "webapp01", account: "WebApp01", allowed: [{ namespace: "web", serviceAccounts: ["webapp"], create: true }] }],
            sampleWorkload: { enabled: true },
        },
        "eks-gmsa:portableIdentityPassword": null,
        "eks-gmsa:directoryAdminPassword": null,
        "eks-gmsa:network": devNetworkToSharedServices,
        "eks-gmsa:activeDirectory": {
            domainName: "corp.example.com",
            netbiosName: "CORP",
            dnsServers: sharedServicesDnsServers,
            domainSid: "S-1-5-21-2725122404-4129967127-2630707939",
            domainGuid: "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51",
            directoryId: "d-1234567890",
            adminCredentialsSecretArn: "arn:aws:secretsmanager:us-west-2:123456789012:secret:eks-gmsa/ad-admin-AbCdEf",
            joinOu: "OU=EKS-dev,OU=Computers,DC=corp,DC=example,DC=com",
        },
    },
});

const release = (run: StackRun, name: string) => one(run, "kubernetes:helm.sh/v3:Release", name);

describe("webhook and certificates", () => {
    test("cert-manager by Helm, pinned, CRDs installed and kept, in a namespace that opts out of the webhook", () => {
        const certManager = inputs(release(dev, "cert-manager"));
        assert.equal(certManager.chart, "cert-manager");
        assert.equal(certManager.version, defaultCertManagerVersion);
        assert.equal(certManager.repositoryOpts.repo, "https://charts.jetstack.io");
        assert.deepEqual(certManager.values.crds, { enabled: true, keep: true });
        const namespace = inputs(one(dev, "kubernetes:core/v1:Namespace", "cert-manager-namespace"));
        assert.equal(namespace.metadata.name, "cert-manager");
        assert.equal(namespace.metadata.labels["windows.k8s.io/disabled"], "true");
    });

    test("the gmsa chart, pinned, from its repository, with an explicit release name, after cert-manager", () => {
        const gmsa = release(dev, "gmsa-webhook");
        const values = inputs(gmsa);
        assert.equal(values.chart, "gmsa");
        assert.equal(values.version, "0.13.0");
        assert.equal(values.repositoryOpts.repo, "https://raw.githubusercontent.com/kubernetes-sigs/windows-gmsa/master/charts/repo");
        assert.equal(values.name, "gmsa-webhook");
        assert.equal(values.namespace, "gmsa-webhook");
        assert.equal(values.skipCrds, false, "the chart's crds/ owns the CRD");
        assert.equal(values.values.replicaCount, 2);
        assert.deepEqual(values.values.podDisruptionBudget, { enabled: true, minAvailable: 1 });
        assert.equal(values.values.certificates.certManager.enabled, true);
        assert.ok(dependsOn(dev, gmsa.urn, release(dev, "cert-manager").urn));
    });

    test("kube-system opts out of the webhook before the webhook exists", () => {
        const patch = one(dev, "kubernetes:core/v1:NamespacePatch", "kube-system-opt-out");
        assert.deepEqual(inputs(patch).metadata, { labels: { "windows.k8s.io/disabled": "true" }, name: "kube-system" });
        assert.ok(dependsOn(dev, release(dev, "gmsa-webhook").urn, patch.urn));
    });

    test("the webhook waits for the Linux nodes and not for the Windows nodes", () => {
        for (const name of ["cert-manager", "gmsa-webhook"]) {
            const r = release(dev, name);
            assert.ok(dependsOn(dev, r.urn, urnOf(dev, "aws:eks/nodeGroup:NodeGroup", "linux-nodes")), `${name} after Linux nodes`);
            assert.ok(!dependsOn(dev, r.urn, urnOf(dev, "aws:autoscaling/group:Group", "windows-nodes")), `${name} must not wait for Windows nodes`);
        }
    });

    test("every in-cluster object goes through the cluster's Kubernetes provider", () => {
        const provider = one(dev, "pulumi:providers:kubernetes", "kubernetes");
        assert.equal(inputs(provider).kubeconfig, "[secret]");
        const k8sObjects = dev.resources.filter((r) => r.type.startsWith("kubernetes:") && r.options.custom);
        assert.ok(k8sObjects.length >= 10);
        for (const r of k8sObjects) assert.ok(r.options.provider?.startsWith(`${provider.urn}::`), `${r.type} ${r.name} uses ${r.options.provider}`);
    });
});

describe("credential specs", () => {
    test("one cluster-scoped GMSACredentialSpec per account, created after the CRD's chart", () => {
        const specs = ofType(prod, "kubernetes:windows.k8s.io/v1:GMSACredentialSpec");
        assert.deepEqual(specs.map((s) => inputs(s).metadata.name).sort(), ["reports", "webapp01"]);
        for (const s of specs) {
            assert.equal(inputs(s).metadata.namespace, undefined, "the CRD is cluster-scoped");
            assert.ok(dependsOn(prod, s.urn, release(prod, "gmsa-webhook").urn));
        }
    });

    test("domainless: HostAccountConfig names the stack's secret, and only its ARN", () => {
        const secret = one(dev, "aws:secretsmanager/secret:Secret", "portable-identity");
        const spec = inputs(one(dev, "kubernetes:windows.k8s.io/v1:GMSACredentialSpec"));
        const host = spec.credspec.ActiveDirectoryConfig.HostAccountConfig;
        assert.equal(host.PluginGUID, "{859E1386-BDB4-49E8-85C7-3070B13920E1}");
        assert.deepEqual(JSON.parse(host.PluginInput), { credentialArn: secretArnOf(dev, secret.urn) });
    });

    test("domain-joined: no HostAccountConfig, no secret, no identity key, no node-role policy, no resolver", () => {
        const spec = inputs(one(domainJoined, "kubernetes:windows.k8s.io/v1:GMSACredentialSpec"));
        assert.equal(spec.credspec.ActiveDirectoryConfig.HostAccountConfig, undefined);
        for (const type of [
            "aws:secretsmanager/secret:Secret",
            "aws:secretsmanager/secretVersion:SecretVersion",
            "aws:route53/resolverEndpoint:ResolverEndpoint",
            "eks-gmsa:gmsa:DomainlessIdentity",
        ]) {
            assert.deepEqual(ofType(domainJoined, type), [], type);
        }
        // The Windows node role reads no secret (the management host reads the configured admin secret).
        assert.deepEqual(
            ofType(domainJoined, "aws:iam/rolePolicy:RolePolicy").filter((r) => r.name.startsWith("windows-nodes")),
            [],
        );
        assert.equal(ofType(domainJoined, "aws:kms/key:Key").length, 1, "only the cluster's secrets key");
        // Everything else is the same: webhook, credential spec, RBAC, sample workload.
        assert.equal(ofType(domainJoined, "kubernetes:helm.sh/v3:Release").length, 2);
        assert.equal(ofType(domainJoined, "kubernetes:batch/v1:Job").length, 1);
        assert.equal(outputs(domainJoined).gmsaMode, "domainJoined");
    });

    test("production protects credential specs, both releases, the identity secret and its key", () => {
        const mustProtect = [
            ...ofType(prod, "kubernetes:windows.k8s.io/v1:GMSACredentialSpec"),
            ...ofType(prod, "kubernetes:helm.sh/v3:Release"),
            one(prod, "aws:secretsmanager/secret:Secret"),
            one(prod, "aws:kms/key:Key", "portable-identity-key"),
        ];
        for (const r of mustProtect) assert.equal(r.protect, true, `${r.type} ${r.name}`);
        assert.deepEqual(
            dev.resources.filter((r) => r.protect).map((r) => r.name),
            [],
        );
    });
});

/** The RBAC the stack registers, evaluated the way the webhook's LocalSubjectAccessReview is. */
function allowedTriples(run: StackRun): Set<string> {
    const clusterRoles = new Map(
        ofType(run, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").map((r) => [inputs(r).metadata.name, inputs(r).rules as PolicyRule[]]),
    );
    const triples = new Set<string>();
    for (const binding of ofType(run, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").map(inputs)) {
        assert.equal(binding.roleRef.kind, "ClusterRole");
        const rules = clusterRoles.get(binding.roleRef.name) ?? [];
        for (const rule of rules) {
            const grants = rule.apiGroups.includes("windows.k8s.io") && rule.resources.includes("gmsacredentialspecs") && rule.verbs.includes("use");
            if (!grants) continue;
            assert.ok(Array.isArray(rule.resourceNames) && rule.resourceNames.length > 0, "a gMSA role must name its credential specs");
            for (const subject of binding.subjects) {
                assert.equal(subject.kind, "ServiceAccount", "only service accounts are bound");
                for (const spec of rule.resourceNames) triples.add(`${binding.metadata.namespace}/${subject.name}/${spec}`);
            }
        }
    }
    assert.deepEqual(ofType(run, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"), [], "no cluster-wide gMSA bindings");
    return triples;
}

describe("RBAC per credential spec", () => {
    test("each configured (namespace, service account, credential spec) is allowed, and nothing else", () => {
        const expected = new Set(["web/webapp/webapp01", "reporting/report-runner/reports", "reporting/report-scheduler/reports"]);
        assert.deepEqual([...allowedTriples(prod)].sort(), [...expected].sort());
    });

    test("each ClusterRole grants only `use` on exactly one credential spec", () => {
        for (const role of ofType(prod, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").map(inputs)) {
            assert.equal(role.rules.length, 1);
            assert.deepEqual(role.rules[0].verbs, ["use"]);
            assert.deepEqual(role.rules[0].apiGroups, ["windows.k8s.io"]);
            assert.deepEqual(role.rules[0].resources, ["gmsacredentialspecs"]);
            assert.equal(role.rules[0].resourceNames.length, 1);
            assert.equal(role.metadata.name, `gmsa-use-${role.rules[0].resourceNames[0]}`);
        }
    });

    test("namespaces and service accounts are created only where config says create", () => {
        const namespaces = ofType(dev, "kubernetes:core/v1:Namespace")
            .map((n) => inputs(n).metadata.name)
            .sort();
        assert.deepEqual(namespaces, ["cert-manager", "gmsa-webhook", "web"]);
        assert.deepEqual(
            ofType(dev, "kubernetes:core/v1:ServiceAccount").map((s) => `${inputs(s).metadata.namespace}/${inputs(s).metadata.name}`),
            ["web/webapp"],
        );
        assert.deepEqual(ofType(prod, "kubernetes:core/v1:ServiceAccount"), [], "prod's app namespaces exist already");
        const binding = one(dev, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding");
        assert.ok(dependsOn(dev, binding.urn, urnOf(dev, "kubernetes:core/v1:Namespace", "namespace-web")));
    });
});

describe("domainless identity", () => {
    test("the secret is encrypted with its own key and holds username, password and domain as a Pulumi secret", () => {
        const key = one(dev, "aws:kms/key:Key", "portable-identity-key");
        const secret = inputs(one(dev, "aws:secretsmanager/secret:Secret", "portable-identity"));
        // The same key the node role may decrypt with (and not the cluster's secrets key).
        const decryptable = JSON.parse(inputs(one(dev, "aws:iam/rolePolicy:RolePolicy", "windows-nodes-read-portable-identity")).policy).Statement[1].Resource;
        assert.equal(secret.kmsKeyId, decryptable);
        assert.notEqual(secret.kmsKeyId, inputs(one(dev, "eks:index:Cluster")).encryptionConfigKeyArn);
        assert.equal(inputs(one(dev, "aws:secretsmanager/secretVersion:SecretVersion", "portable-identity-value")).secretString, "[secret]");
        assert.ok(one(dev, "aws:secretsmanager/secret:Secret", "portable-identity").dependencies.includes(key.urn));
    });

    test("the Windows node role may read exactly that secret and decrypt with exactly that key", () => {
        const policy = inputs(one(dev, "aws:iam/rolePolicy:RolePolicy", "windows-nodes-read-portable-identity"));
        assert.equal(policy.role, outputs(dev).windowsNodeRoleArn.split("/").pop());
        const document = JSON.parse(policy.policy);
        const secretArn = secretArnOf(dev, urnOf(dev, "aws:secretsmanager/secret:Secret", "portable-identity"));
        assert.deepEqual(document.Statement[0], {
            Sid: "ReadPortableIdentity",
            Effect: "Allow",
            Action: "secretsmanager:GetSecretValue",
            Resource: [secretArn],
        });
        assert.equal(document.Statement[1].Action, "kms:Decrypt");
        assert.match(document.Statement[1].Resource, /^arn:aws:kms:us-west-2:\d{12}:key\/[0-9a-f]+$/);
        assert.ok(!policy.policy.includes("*"), "no wildcard");
    });

    test("a password set without --secret stops the program before anything is registered", () => {
        const run = runStack({ stack: "dev", overrides: { "eks-gmsa:portableIdentityPassword": "Passw0rd!" } });
        assert.match(run.errors.join("\n"), /eks-gmsa:portableIdentityPassword: must be a secret: set it again with pulumi config set --secret/);
        assert.doesNotMatch(run.errors.join("\n"), /Passw0rd!/, "the error must not echo the password");
        assert.deepEqual(userResources(run), []);
    });
});

describe("host DNS for the AD domain (domainless)", () => {
    test("a Route 53 Resolver outbound endpoint forwards the domain to the AD DNS servers for the VPC", () => {
        const endpoint = inputs(one(dev, "aws:route53/resolverEndpoint:ResolverEndpoint"));
        assert.equal(endpoint.direction, "OUTBOUND");
        assert.equal(endpoint.ipAddresses.length, 2);
        const rule = inputs(one(dev, "aws:route53/resolverRule:ResolverRule"));
        assert.equal(rule.ruleType, "FORWARD");
        assert.equal(rule.domainName, "corp.example.com");
        // dev creates its directory: the rule forwards to the directory's DNS addresses.
        const [first, second] = outputs(dev).adDnsServers as string[];
        assert.deepEqual(rule.targetIps, [
            { ip: first, port: 53 },
            { ip: second, port: 53 },
        ]);
        assert.equal(inputs(one(dev, "aws:route53/resolverRuleAssociation:ResolverRuleAssociation")).vpcId, outputs(dev).vpcId);
        const sg = inputs(one(dev, "aws:ec2/securityGroup:SecurityGroup", "resolver-endpoint-sg"));
        assert.deepEqual(
            sg.egress.map((e: { protocol: string; fromPort: number; cidrBlocks: string[] }) => `${e.protocol}:${e.fromPort}:${e.cidrBlocks.join()}`).sort(),
            [`tcp:53:${first}/32`, `tcp:53:${second}/32`, `udp:53:${first}/32`, `udp:53:${second}/32`],
        );
    });

    test("an existing shared rule is associated instead of creating an endpoint", () => {
        const run = runOk({
            stack: "dev",
            overrides: {
                "eks-gmsa:directoryAdminPassword": null,
                "eks-gmsa:network": devNetworkToSharedServices,
                "eks-gmsa:activeDirectory": {
                    domainName: "corp.example.com",
                    netbiosName: "CORP",
                    dnsServers: sharedServicesDnsServers,
                    domainSid: "S-1-5-21-1-2-3",
                    domainGuid: "0e4d3e1a-6d2b-4c6e-9a2f-3f1c2b8e7d51",
                    vpcResolver: "rslvr-rr-0123456789abcdef0",
                },
            },
        });
        assert.deepEqual(ofType(run, "aws:route53/resolverEndpoint:ResolverEndpoint"), []);
        assert.equal(inputs(one(run, "aws:route53/resolverRuleAssociation:ResolverRuleAssociation")).resolverRuleId, "rslvr-rr-0123456789abcdef0");
    });
});

describe("sample workload and its check", () => {
    const deployment = inputs(one(dev, "kubernetes:apps/v1:Deployment"));
    const job = inputs(one(dev, "kubernetes:batch/v1:Job"));

    test("an IIS Deployment for the nodes' Windows version, as the gMSA, on Windows nodes", () => {
        const pod = deployment.spec.template.spec;
        assert.equal(deployment.metadata.namespace, "web");
        assert.equal(pod.serviceAccountName, "webapp");
        assert.equal(pod.securityContext.windowsOptions.gmsaCredentialSpecName, "webapp01");
        assert.deepEqual(pod.nodeSelector, { "kubernetes.io/os": "windows" });
        assert.deepEqual(pod.tolerations, outputs(dev).windowsTolerations);
        assert.equal(pod.containers[0].image, "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022");
    });

    test("a verification Job under the same credential spec that fails unless nltest and klist succeed", () => {
        const pod = job.spec.template.spec;
        assert.equal(pod.securityContext.windowsOptions.gmsaCredentialSpecName, "webapp01");
        assert.equal(pod.serviceAccountName, "webapp");
        assert.equal(pod.restartPolicy, "Never");
        assert.equal(pod.containers[0].image, "mcr.microsoft.com/windows/servercore:ltsc2022");
        const script = pod.containers[0].command.at(-1);
        assert.match(script, /nltest \/sc_verify:corp\.example\.com/);
        assert.match(script, /klist get krbtgt/);
        assert.match(script, /exit 1/);
        assert.equal(job.metadata.annotations["pulumi.com/skipAwait"], "true");
    });

    test("workloads wait for the webhook and for the RBAC that admits them", () => {
        for (const r of [one(dev, "kubernetes:apps/v1:Deployment"), one(dev, "kubernetes:batch/v1:Job")]) {
            assert.ok(dependsOn(dev, r.urn, release(dev, "gmsa-webhook").urn));
            assert.ok(dependsOn(dev, r.urn, urnOf(dev, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "binding-webapp01-web")));
            assert.ok(dependsOn(dev, r.urn, urnOf(dev, "kubernetes:core/v1:ServiceAccount", "serviceaccount-web-webapp")));
        }
    });

    test("prod has no sample workload", () => {
        assert.deepEqual(ofType(prod, "kubernetes:apps/v1:Deployment"), []);
        assert.deepEqual(ofType(prod, "kubernetes:batch/v1:Job"), []);
    });
});

describe("outputs for app repositories", () => {
    test("per credential spec: name, account, and who may use it; the domain", () => {
        assert.deepEqual(outputs(prod).gmsaCredentialSpecs, [
            { account: "WebApp01", allowed: [{ namespace: "web", serviceAccounts: ["webapp"] }], name: "webapp01" },
            { account: "ReportsSvc", allowed: [{ namespace: "reporting", serviceAccounts: ["report-runner", "report-scheduler"] }], name: "reports" },
        ]);
        assert.equal(outputs(prod).adDomainName, "corp.example.com");
        assert.equal(outputs(prod).gmsaMode, "domainless");
    });
});

/** The ARN the mock gave a Secrets Manager secret (read back from a resource that references it). */
function secretArnOf(run: StackRun, secretUrn: string): string {
    const policy = JSON.parse(inputs(one(run, "aws:iam/rolePolicy:RolePolicy", "windows-nodes-read-portable-identity")).policy);
    const arn = policy.Statement[0].Resource[0] as string;
    assert.match(arn, /^arn:aws:secretsmanager:us-west-2:\d{12}:secret:eks-gmsa\/eks-gmsa-dev\/portable-identity-[0-9a-f]{6}$/);
    assert.ok(secretUrn.endsWith("::portable-identity"));
    return arn;
}
