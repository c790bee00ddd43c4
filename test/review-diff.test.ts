// The day-2 diff (tools/review/diff.ts): exact create/update/replace/delete sets on hand-made
// plans for each rule, and on real stack runs for the changes the issue names.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { loadProgramConfig, projectRoot } from "../tools/harness";
import { toPlan, type Plan, type PlanResource } from "../tools/planFile";
import { diffPlans, explainDiff, formatDiff, formatPath, parsePath, planMismatch, type PlanDiff } from "../tools/review/diff";
import { loadReplacementRules, replacementRulesFile, ruleTable, rulesFor } from "../tools/review/replacementRules";
import { projectName } from "../settings/validate";
import { runOk } from "./helpers";

// ---------------------------------------------------------------------------------------------
// Hand-made plans

const urn = (type: string, name: string) => `urn:pulumi:t::p::${type}::${name}`;

function resource(type: string, name: string, inputs: Record<string, unknown>, options: Record<string, unknown> = {}, protect = false): PlanResource {
    return { urn: urn(type, name), type, name, dependencies: [], protect, inputs, options: { custom: true, ...options } };
}

function plan(...resources: PlanResource[]): Plan {
    const stack = {
        urn: urn("pulumi:pulumi:Stack", "p-t"),
        type: "pulumi:pulumi:Stack",
        name: "p-t",
        dependencies: [],
        protect: false,
        inputs: {},
        options: { custom: false },
    };
    return { project: "p", stack: "t", resources: [stack, ...resources].sort((a, b) => (a.urn < b.urn ? -1 : 1)), outputs: {} };
}

const empty: PlanDiff = { create: [], update: [], replace: [], delete: [] };
const diffOf = (parts: Partial<PlanDiff>): PlanDiff => ({ ...empty, ...parts });

const vpcType = "aws:ec2/vpc:Vpc";
const subnetType = "aws:ec2/subnet:Subnet";
const igwType = "aws:ec2/internetGateway:InternetGateway";
const ltType = "aws:ec2/launchTemplate:LaunchTemplate";
const asgType = "aws:autoscaling/group:Group";
const instanceType = "aws:ec2/instance:Instance";
const deploymentType = "kubernetes:apps/v1:Deployment";
const jobType = "kubernetes:batch/v1:Job";
const bindingType = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
const k8sProviderType = "pulumi:providers:kubernetes";

const vpc = (cidrBlock: string) => resource(vpcType, "vpc", { cidrBlock, enableDnsSupport: true });
const subnet = (cidrBlock: string) => resource(subnetType, "subnet", { cidrBlock, vpcId: "vpc-1" }, { propertyDependencies: { vpcId: [urn(vpcType, "vpc")] } });
const igw = () => resource(igwType, "igw", { vpcId: "vpc-1" }, { propertyDependencies: { vpcId: [urn(vpcType, "vpc")] } });

describe("property paths", () => {
    test("Pulumi's notation: dots, indexes, quoted keys; parse and format round-trip", () => {
        assert.deepEqual(parsePath("spec.template.spec.containers[0].image"), ["spec", "template", "spec", "containers", 0, "image"]);
        assert.deepEqual(parsePath('metadata.labels["app.kubernetes.io/name"]'), ["metadata", "labels", "app.kubernetes.io/name"]);
        assert.deepEqual(parsePath("triggers[*]"), ["triggers", "*"]);
        assert.equal(formatPath(["tags", "eks-gmsa:stack"]), 'tags["eks-gmsa:stack"]');
        assert.equal(formatPath(["spec", "containers", 0, "image"]), "spec.containers[0].image");
        for (const p of ["a.b[2].c", 'x["k.y"].z', "launchTemplate.version"]) assert.equal(formatPath(parsePath(p)), p);
    });
});

describe("diff semantics on hand-made plans", () => {
    test("a plan against itself is empty; create and delete by URN; the stack never appears", () => {
        const old = plan(vpc("10.0.0.0/16"), igw());
        assert.deepEqual(diffPlans(old, old), empty);
        const renamed = plan(vpc("10.0.0.0/16"), resource(igwType, "gateway", { vpcId: "vpc-1" }));
        assert.deepEqual(diffPlans(old, renamed), diffOf({ create: [urn(igwType, "gateway")], delete: [urn(igwType, "igw")] }));
        assert.equal(planMismatch(old, renamed), undefined);
        assert.match(planMismatch(old, { ...renamed, stack: "prod" }) ?? "", /old plan is of p\/t, the new one of p\/prod/);
    });

    test("deleting a protected resource is flagged", () => {
        const key = resource("aws:kms/key:Key", "key", { description: "k" }, {}, true);
        const { diff, explanation } = explainDiff(plan(vpc("10.0.0.0/16"), key), plan(vpc("10.0.0.0/16")));
        assert.deepEqual(diff, diffOf({ delete: [key.urn] }));
        assert.deepEqual(explanation.protectedChanges, [key.urn]);
        assert.match(formatDiff(diff, explanation), /warning: aws:kms\/key:Key key is protected: pulumi up refuses to delete it/);
    });

    test("an in-place change is an update listing the changed leaf paths", () => {
        const before = plan(resource(igwType, "igw", { vpcId: "vpc-1", tags: { Name: "a", "eks-gmsa:stack": "p/t" } }));
        const after = plan(resource(igwType, "igw", { vpcId: "vpc-1", tags: { Name: "b", "eks-gmsa:stack": "p/u", owner: "x" } }));
        assert.deepEqual(
            diffPlans(before, after),
            diffOf({ update: [{ urn: urn(igwType, "igw"), inputs: ["tags.Name", "tags.owner", 'tags["eks-gmsa:stack"]'] }] }),
        );
    });

    test("ignoreChanges hides the ignored paths, nested ones too", () => {
        const host = (ami: string, type: string, env: string) =>
            resource(instanceType, "host", { ami, instanceType: type, tags: { env, Name: "h" } }, { ignoreChanges: ["ami", "tags.env"] });
        assert.deepEqual(
            diffPlans(plan(host("ami-1", "t3.medium", "a")), plan(host("ami-2", "t3.medium", "b"))),
            empty,
            "ami would replace, but it is ignored",
        );
        assert.deepEqual(
            diffPlans(plan(host("ami-1", "t3.medium", "a")), plan(host("ami-2", "t3.large", "b"))),
            diffOf({ update: [{ urn: urn(instanceType, "host"), inputs: ["instanceType"] }] }),
        );
        const unignored = (ami: string) => resource(instanceType, "host", { ami, instanceType: "t3.medium" });
        assert.deepEqual(diffPlans(plan(unignored("ami-1")), plan(unignored("ami-2"))), diffOf({ replace: [urn(instanceType, "host")] }));
    });

    test("replaceOnChanges turns a change under its paths into a replace; other changes stay updates", () => {
        const command = (create: string, triggers: string[]) =>
            resource("command:local:Command", "run", { create, triggers }, { replaceOnChanges: ["triggers[*]"] });
        const gateway = (tags: Record<string, string>, replaceOnChanges?: string[]) =>
            resource(igwType, "igw", { vpcId: "vpc-1", tags }, replaceOnChanges ? { replaceOnChanges } : {});
        assert.deepEqual(
            diffPlans(plan(gateway({ a: "1" })), plan(gateway({ a: "2" }))),
            diffOf({ update: [{ urn: urn(igwType, "igw"), inputs: ["tags.a"] }] }),
        );
        assert.deepEqual(diffPlans(plan(gateway({ a: "1" }, ["tags"])), plan(gateway({ a: "2" }, ["tags"]))), diffOf({ replace: [urn(igwType, "igw")] }));
        assert.deepEqual(
            diffPlans(plan(gateway({ a: "1" }, ["tags.b"])), plan(gateway({ a: "2" }, ["tags.b"]))),
            diffOf({ update: [{ urn: urn(igwType, "igw"), inputs: ["tags.a"] }] }),
        );
        assert.deepEqual(diffPlans(plan(command("echo", ["1"])), plan(command("echo", ["2"]))), diffOf({ replace: [urn("command:local:Command", "run")] }));
        assert.deepEqual(
            diffPlans(plan(command("echo", ["1"])), plan(command("echo hi", ["1"]))),
            diffOf({ update: [{ urn: urn("command:local:Command", "run"), inputs: ["create"] }] }),
        );
    });

    test("a replaced resource makes the inputs fed from it unknown: dependents follow their own rules", () => {
        const before = plan(
            vpc("10.0.0.0/16"),
            subnet("10.0.0.0/24"),
            igw(),
            resource("aws:kms/key:Key", "waits", { description: "only dependsOn the VPC" }, {}),
        );
        const after = plan(vpc("10.1.0.0/16"), subnet("10.0.0.0/24"), igw(), {
            ...resource("aws:kms/key:Key", "waits", { description: "only dependsOn the VPC" }),
            dependencies: [urn(vpcType, "vpc")],
        });
        const { diff, explanation } = explainDiff(before, after);
        assert.deepEqual(
            diff,
            diffOf({
                update: [{ urn: urn(igwType, "igw"), inputs: ["vpcId"] }],
                replace: [urn(subnetType, "subnet"), urn(vpcType, "vpc")],
            }),
        );
        assert.deepEqual(explanation.reasons[urn(subnetType, "subnet")], [
            `vpcId is unknown until ${vpcType} vpc is replaced: ${subnetType} cannot change vpcId in place`,
        ]);
        assert.deepEqual(explanation.reasons[urn(igwType, "igw")], [`vpcId is unknown until ${vpcType} vpc is replaced`]);
    });

    test("resource references cascade like property dependencies", () => {
        const role = (name: string) => resource("aws:iam/role:Role", "role", { name });
        const cluster = {
            ...resource("eks:index:Cluster", "eks", { name: "c", serviceRole: `[resource ${urn("aws:iam/role:Role", "role")}]`, version: "1.35" }),
            options: { custom: false, remote: true },
        };
        assert.deepEqual(
            diffPlans(plan(role("a"), cluster), plan(role("b"), cluster)),
            diffOf({ replace: [urn("aws:iam/role:Role", "role"), urn("eks:index:Cluster", "eks")] }),
        );
    });

    test("an update that recomputes outputs cascades: a new launch template version updates the group", () => {
        const lt = (type: string, description = "nodes") => resource(ltType, "lt", { instanceType: type, description, name: "lt" });
        const asg = resource(
            asgType,
            "asg",
            { launchTemplate: { id: "lt-1", version: "1" }, maxSize: 3 },
            { propertyDependencies: { launchTemplate: [urn(ltType, "lt")] } },
        );
        assert.deepEqual(
            diffPlans(plan(lt("m6i.xlarge"), asg), plan(lt("m6i.2xlarge"), asg)),
            diffOf({
                update: [
                    { urn: asg.urn, inputs: ["launchTemplate"] },
                    { urn: urn(ltType, "lt"), inputs: ["instanceType"] },
                ],
            }),
        );
        // A description change makes no new version (the provider keeps latest_version known).
        assert.deepEqual(
            diffPlans(plan(lt("m6i.xlarge"), asg), plan(lt("m6i.xlarge", "Windows nodes"), asg)),
            diffOf({
                update: [{ urn: urn(ltType, "lt"), inputs: ["description"] }],
            }),
        );
        // Renaming replaces the template: the group's launchTemplate is unknown, still an update.
        assert.deepEqual(
            diffPlans(
                plan(lt("m6i.xlarge"), asg),
                plan({ ...lt("m6i.xlarge"), inputs: { instanceType: "m6i.xlarge", description: "nodes", name: "lt2" } }, asg),
            ),
            diffOf({
                update: [{ urn: asg.urn, inputs: ["launchTemplate"] }],
                replace: [urn(ltType, "lt")],
            }),
        );
    });

    test("Kubernetes immutable fields: identity, Deployment selector, Job template, RoleBinding roleRef", () => {
        const deployment = (labels: Record<string, string>, image: string, name = "web") =>
            resource(deploymentType, "web", {
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: { name, namespace: "web", labels },
                spec: {
                    selector: { matchLabels: { app: "web" } },
                    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "iis", image }] } },
                },
            });
        const base = deployment({ "app.kubernetes.io/managed-by": "eks-gmsa" }, "iis:2022");
        assert.deepEqual(
            diffPlans(plan(base), plan(deployment({ "app.kubernetes.io/managed-by": "me" }, "iis:2025"))),
            diffOf({
                update: [{ urn: base.urn, inputs: ['metadata.labels["app.kubernetes.io/managed-by"]', "spec.template.spec.containers[0].image"] }],
            }),
        );
        const newSelector = { ...base, inputs: { ...base.inputs, spec: { ...(base.inputs.spec as object), selector: { matchLabels: { app: "web2" } } } } };
        assert.deepEqual(diffPlans(plan(base), plan(newSelector)), diffOf({ replace: [base.urn] }));
        assert.deepEqual(
            diffPlans(plan(base), plan(deployment({ "app.kubernetes.io/managed-by": "eks-gmsa" }, "iis:2022", "web-2"))),
            diffOf({ replace: [base.urn] }),
        );

        const job = (image: string, backoffLimit: number) =>
            resource(jobType, "verify", {
                apiVersion: "batch/v1",
                kind: "Job",
                metadata: { name: "verify" },
                spec: { backoffLimit, template: { spec: { containers: [{ image }] } } },
            });
        assert.deepEqual(diffPlans(plan(job("a", 3)), plan(job("b", 3))), diffOf({ replace: [urn(jobType, "verify")] }));
        assert.deepEqual(diffPlans(plan(job("a", 3)), plan(job("a", 4))), diffOf({ update: [{ urn: urn(jobType, "verify"), inputs: ["spec.backoffLimit"] }] }));

        const binding = (role: string, sa: string) =>
            resource(bindingType, "bind", {
                metadata: { name: "b", namespace: "web" },
                roleRef: { kind: "ClusterRole", name: role },
                subjects: [{ kind: "ServiceAccount", name: sa }],
            });
        assert.deepEqual(diffPlans(plan(binding("r1", "a")), plan(binding("r2", "a"))), diffOf({ replace: [urn(bindingType, "bind")] }));
        assert.deepEqual(
            diffPlans(plan(binding("r1", "a")), plan(binding("r1", "b"))),
            diffOf({ update: [{ urn: urn(bindingType, "bind"), inputs: ["subjects[0].name"] }] }),
        );

        // Patch resources change everything but their identity in place.
        const patch = (value: string) =>
            resource("kubernetes:core/v1:NamespacePatch", "opt-out", { metadata: { name: "kube-system", labels: { "windows.k8s.io/disabled": value } } });
        assert.deepEqual(
            diffPlans(plan(patch("true")), plan(patch("false"))),
            diffOf({ update: [{ urn: urn("kubernetes:core/v1:NamespacePatch", "opt-out"), inputs: ['metadata.labels["windows.k8s.io/disabled"]'] }] }),
        );
    });

    test("a replaced cluster replaces the Kubernetes provider and everything it manages; an upgrade does not", () => {
        const eksUrn = urn("eks:index:Cluster", "eks");
        const providerUrn = urn(k8sProviderType, "k8s");
        const eks = (name: string, version: string) => ({
            ...resource("eks:index:Cluster", "eks", { name, version }),
            options: { custom: false, remote: true },
        });
        const provider = (extra: Record<string, unknown> = {}) =>
            resource(
                k8sProviderType,
                "k8s",
                { kubeconfig: "[secret]", enableServerSideApply: "true", ...extra },
                { propertyDependencies: { kubeconfig: [eksUrn] } },
            );
        const namespace = resource("kubernetes:core/v1:Namespace", "ns", { metadata: { name: "web" } }, { provider: `${providerUrn}::id-1` });
        const old = plan(eks("c1", "1.35"), provider(), namespace);

        assert.deepEqual(diffPlans(old, plan(eks("c2", "1.35"), provider(), namespace)), diffOf({ replace: [eksUrn, namespace.urn, providerUrn] }));
        const { explanation } = explainDiff(old, plan(eks("c2", "1.35"), provider(), namespace));
        assert.deepEqual(explanation.reasons[namespace.urn], [`its provider ${k8sProviderType} k8s is replaced`]);
        assert.deepEqual(diffPlans(old, plan(eks("c1", "1.36"), provider(), namespace)), diffOf({ update: [{ urn: eksUrn, inputs: ["version"] }] }));
        // A provider setting that is not the cluster updates the provider only.
        assert.deepEqual(
            diffPlans(old, plan(eks("c1", "1.35"), provider({ enableServerSideApply: "false" }), namespace)),
            diffOf({ update: [{ urn: providerUrn, inputs: ["enableServerSideApply"] }] }),
        );
        // An unchanged clusterIdentifier keeps the provider (pulumi-kubernetes DiffConfig).
        const pinned = plan(eks("c1", "1.35"), provider({ clusterIdentifier: "prod" }), namespace);
        assert.deepEqual(
            diffPlans(pinned, plan(eks("c2", "1.35"), provider({ clusterIdentifier: "prod" }), namespace)),
            diffOf({
                update: [{ urn: providerUrn, inputs: ["kubeconfig"] }],
                replace: [eksUrn],
            }),
        );
    });

    test("the remote EKS component: name and service CIDR replace the cluster, removing encryption replaces it, other inputs update", () => {
        const eks = (inputs: Record<string, unknown>) => ({
            ...resource("eks:index:Cluster", "eks", {
                name: "c",
                version: "1.35",
                kubernetesServiceIpAddressRange: "172.20.0.0/16",
                encryptionConfigKeyArn: "arn:k1",
                ...inputs,
            }),
            options: { custom: false, remote: true },
        });
        const eksUrn = urn("eks:index:Cluster", "eks");
        const old = plan(eks({}));
        assert.deepEqual(diffPlans(old, plan(eks({ kubernetesServiceIpAddressRange: "10.100.0.0/16" }))), diffOf({ replace: [eksUrn] }));
        const unencrypted = eks({});
        delete unencrypted.inputs.encryptionConfigKeyArn;
        assert.deepEqual(diffPlans(old, plan(unencrypted)), diffOf({ replace: [eksUrn] }));
        assert.deepEqual(
            diffPlans(old, plan(eks({ encryptionConfigKeyArn: "arn:k2", endpointPublicAccess: false }))),
            diffOf({ update: [{ urn: eksUrn, inputs: ["encryptionConfigKeyArn", "endpointPublicAccess"] }] }),
        );
    });

    test("components update when their inputs differ, never replace; secrets compare equal and are reported", () => {
        const component = (inputs: Record<string, unknown>) => ({ ...resource("my:index:Component", "c", inputs), options: { custom: false } });
        assert.deepEqual(
            diffPlans(plan(component({ name: "a" })), plan(component({ name: "b" }))),
            diffOf({ update: [{ urn: urn("my:index:Component", "c"), inputs: ["name"] }] }),
        );
        const version = (secretString: string) => resource("aws:secretsmanager/secretVersion:SecretVersion", "v", { secretId: "s", secretString });
        const { diff, explanation } = explainDiff(plan(version("[secret]")), plan(version("[secret]")));
        assert.deepEqual(diff, empty);
        assert.deepEqual(explanation.secretInputs, { [urn("aws:secretsmanager/secretVersion:SecretVersion", "v")]: ["secretString"] });
        assert.deepEqual(
            diffPlans(plan(version("[secret]")), plan(version("plain"))),
            diffOf({ replace: [urn("aws:secretsmanager/secretVersion:SecretVersion", "v")] }),
        );
    });

    test("an alias: a resource moved under another parent is compared with its old self, not deleted and created", () => {
        const oldUrn = "urn:pulumi:t::p::eks-gmsa:directory:DomainJoin$aws:iam/rolePolicyAttachment:RolePolicyAttachment::policy";
        const moved = (policyArn: string, aliases?: string[]): PlanResource => ({
            urn: "urn:pulumi:t::p::eks-gmsa:nodes:WindowsNodes$aws:iam/rolePolicyAttachment:RolePolicyAttachment::policy",
            type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            name: "policy",
            dependencies: [],
            protect: false,
            inputs: { role: "r", policyArn },
            options: { custom: true, ...(aliases ? { aliases } : {}) },
        });
        const old: PlanResource = { ...moved("arn:aws:iam::aws:policy/A"), urn: oldUrn };
        assert.deepEqual(diffPlans(plan(old), plan(moved("arn:aws:iam::aws:policy/A", [oldUrn]))), empty);
        const changed = explainDiff(plan(old), plan(moved("arn:aws:iam::aws:policy/B", [oldUrn])));
        assert.deepEqual(changed.diff, diffOf({ replace: [moved("x").urn] }), "a policy ARN change replaces the attachment, under its new URN");
        assert.match(changed.explanation.notes.join("\n"), /was urn:pulumi:t::p::eks-gmsa:directory:DomainJoin\$.*::policy \(an alias\)/);
        // Without the alias the engine would delete the old attachment and create a new one.
        assert.deepEqual(diffPlans(plan(old), plan(moved("arn:aws:iam::aws:policy/A"))), diffOf({ create: [moved("x").urn], delete: [oldUrn] }));
    });

    test("an unknown type is an update, flagged", () => {
        const thing = (size: number) => resource("aws:s3/bucket:Bucket", "b", { size });
        const { diff, explanation } = explainDiff(plan(thing(1)), plan(thing(2)));
        assert.deepEqual(diff, diffOf({ update: [{ urn: urn("aws:s3/bucket:Bucket", "b"), inputs: ["size"] }] }));
        assert.deepEqual(explanation.unknownTypes, ["aws:s3/bucket:Bucket"]);
    });

    test("every resource type the stacks use has rules with a source", () => {
        const types = [
            "aws:autoscaling/group:Group",
            "aws:cloudwatch/eventRule:EventRule",
            "aws:cloudwatch/eventTarget:EventTarget",
            "aws:cloudwatch/logGroup:LogGroup",
            "aws:directoryservice/directory:Directory",
            "aws:ec2/eip:Eip",
            "aws:ec2/instance:Instance",
            igwType,
            ltType,
            "aws:ec2/natGateway:NatGateway",
            "aws:ec2/route:Route",
            "aws:ec2/routeTable:RouteTable",
            "aws:ec2/routeTableAssociation:RouteTableAssociation",
            "aws:ec2/securityGroup:SecurityGroup",
            subnetType,
            vpcType,
            "aws:eks/accessEntry:AccessEntry",
            "aws:eks/addon:Addon",
            "aws:eks/nodeGroup:NodeGroup",
            "aws:iam/instanceProfile:InstanceProfile",
            "aws:iam/role:Role",
            "aws:iam/rolePolicy:RolePolicy",
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            "aws:kms/alias:Alias",
            "aws:kms/key:Key",
            "aws:route53/resolverEndpoint:ResolverEndpoint",
            "aws:route53/resolverRule:ResolverRule",
            "aws:route53/resolverRuleAssociation:ResolverRuleAssociation",
            "aws:secretsmanager/secret:Secret",
            "aws:secretsmanager/secretVersion:SecretVersion",
            "aws:ssm/association:Association",
            "aws:ssm/document:Document",
            "command:local:Command",
            "eks:index:Cluster",
            deploymentType,
            jobType,
            "kubernetes:core/v1:Namespace",
            "kubernetes:core/v1:NamespacePatch",
            "kubernetes:core/v1:ServiceAccount",
            "kubernetes:helm.sh/v3:Release",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
            bindingType,
            "kubernetes:windows.k8s.io/v1:GMSACredentialSpec",
            "pulumi:providers:aws",
            k8sProviderType,
        ];
        for (const type of types) assert.ok(rulesFor(type)?.source, `${type} has rules`);
    });

    test("docs/day2-diff.md lists every type of the rules table", () => {
        const doc = fs.readFileSync(path.join(projectRoot, "docs", "day2-diff.md"), "utf8");
        for (const [type] of ruleTable()) assert.ok(doc.includes(`\`${type}\``), `${type} is documented`);
    });

    test("a bad entry in the rules file fails when read, naming the file and each entry", () => {
        const doc = JSON.parse(fs.readFileSync(replacementRulesFile, "utf8"));
        delete doc.types["aws:ec2/vpc:Vpc"].source;
        doc.types["aws:ec2/subnet:Subnet"].replaceOn.push({ path: "cidrBlock", onlyWhen: "changed" });
        doc.types["command:local:Command"].unknownOnUpdate = { outputs: [] };
        doc.kubernetes.kinds["apps/v1 Deployment"] = ["spec.selector"];
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "replacement-rules-")), "replacement-rules.json");
        fs.writeFileSync(file, JSON.stringify(doc));
        const shown = file; // outside the working directory: named in full
        assert.throws(
            () => loadReplacementRules(file),
            (e: Error) => {
                for (const line of [
                    `${shown}: types["aws:ec2/vpc:Vpc"]: needs \`source\``,
                    `${shown}: types["aws:ec2/subnet:Subnet"]: replaceOn[`,
                    `must be a path or {"path": ..., "onlyWhen": "removed" | "set"}, not {"path":"cidrBlock","onlyWhen":"changed"}`,
                    `${shown}: types["command:local:Command"]: unknownOnUpdate needs outputs`,
                    `${shown}: kubernetes: kinds: "apps/v1 Deployment" is not group/version:Kind`,
                ])
                    assert.ok(e.message.includes(line), `${line}\n in:\n${e.message}`);
                assert.match(e.message, /^replacement rules: 4 problems:/);
                return true;
            },
        );
    });
});

// ---------------------------------------------------------------------------------------------
// Real stacks (each run costs ~5 s; each is made once, when a test first needs it)

function memo<T>(make: () => T): () => T {
    let value: T | undefined;
    return () => (value ??= make());
}

function planOf(stack: string, overrides?: Record<string, unknown>): Plan {
    return toPlan(projectName, runOk({ stack, overrides }));
}

/** The stack file's value of a structured config key, to change one field of it. */
function configOf<T extends object = Record<string, unknown>>(stack: string, key: string): T {
    return JSON.parse(loadProgramConfig({ stack }).values[key]) as T;
}

function urnIn(p: Plan, type: string, name: string): string {
    const found = p.resources.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `one ${type} ${name}`);
    return found[0].urn;
}

const sorted = (urns: string[]) => [...urns].sort();
const updates = (p: Plan, entries: [string, string, string[]][]) =>
    entries.map(([type, name, inputs]) => ({ urn: urnIn(p, type, name), inputs })).sort((a, b) => (a.urn < b.urn ? -1 : 1));

const prod = memo(() => planOf("prod"));
const dev = memo(() => planOf("dev"));

function withAccount(stack: string, create: boolean): Plan {
    const gmsa = configOf<{ accounts: object[] }>(stack, "eks-gmsa:gmsa");
    gmsa.accounts.push({
        name: "billing",
        account: "BillingSvc",
        allowed: [{ namespace: "billing", serviceAccounts: ["invoicer"], ...(create ? { create: true } : {}) }],
    });
    return planOf(stack, { "eks-gmsa:gmsa": gmsa });
}

const credspecType = "kubernetes:windows.k8s.io/v1:GMSACredentialSpec";
const clusterRoleType = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";

describe("day-2 diffs of real stacks", () => {
    test("a plan against itself, and against its own plan.json text, is empty", () => {
        assert.deepEqual(diffPlans(prod(), prod()), empty);
        assert.deepEqual(diffPlans(JSON.parse(JSON.stringify(prod())), prod()), empty);
        assert.equal(formatDiff(diffPlans(prod(), prod())), "diff: 0 to create, 0 to update, 0 to replace, 0 to delete");
    });

    test("prod: adding a gMSA account creates exactly its credential spec, ClusterRole and RoleBinding, and labels its namespace", () => {
        const after = withAccount("prod", false);
        assert.deepEqual(
            diffPlans(prod(), after),
            diffOf({
                create: sorted([
                    urnIn(after, credspecType, "credspec-billing"),
                    urnIn(after, clusterRoleType, "role-billing"),
                    urnIn(after, bindingType, "binding-billing-billing"),
                    // Pod Security labels on the granted namespace (billing sorts first in the component's list).
                    urnIn(after, "kubernetes:core/v1:NamespacePatch", "pod-security-billing"),
                ]),
                update: updates(after, [
                    ["eks-gmsa:cluster:PodSecurity", "pod-security", ["namespaces[0]", "namespaces[1]", "namespaces[2]", "namespaces[3]"]],
                    // The components that record the credential specs among their facts (in place; nothing in the cluster).
                    ["eks-gmsa:gmsa:CredentialSpecs", "credential-specs", ["credentialSpecs[2]"]],
                    ["eks-gmsa:gmsa:GmsaInCluster", "gmsa", ["credentialSpecs[2]"]],
                ]),
            }),
        );
    });

    test("dev: adding an account with create: true also creates its namespace and service account, and re-runs the AD provisioning", () => {
        const after = withAccount("dev", true);
        const { diff, explanation } = explainDiff(dev(), after);
        assert.deepEqual(
            diff,
            diffOf({
                create: sorted([
                    urnIn(after, credspecType, "credspec-billing"),
                    urnIn(after, clusterRoleType, "role-billing"),
                    urnIn(after, bindingType, "binding-billing-billing"),
                    urnIn(after, "kubernetes:core/v1:Namespace", "namespace-billing"),
                    urnIn(after, "kubernetes:core/v1:ServiceAccount", "serviceaccount-billing-invoicer"),
                ]),
                // The document (new account in its script) gets a new version; the command that runs it
                // sees an unknown DOCUMENT_VERSION, so it runs again; its output (the domain facts) is
                // then unknown in the preview, so the existing credential spec shows a pending update.
                update: updates(after, [
                    ["aws:ssm/document:Document", "ad-provision-accounts", ["content"]],
                    ["command:local:Command", "ad-provision-accounts-run", ["environment"]],
                    [credspecType, "credspec-webapp01", ["credspec"]],
                    // The components that record the accounts among their facts.
                    ["eks-gmsa:directory:AccountProvisioning", "ad-provisioning", ["accounts[1]"]],
                    ["eks-gmsa:gmsa:CredentialSpecs", "credential-specs", ["credentialSpecs[1]"]],
                    ["eks-gmsa:gmsa:GmsaInCluster", "gmsa", ["credentialSpecs[1]"]],
                    // The rotation document checks the chain for every gMSA, so it gets the account too; the
                    // function's environment and its role policy take values from that document and show as updated.
                    ["aws:ssm/document:Document", "ad-rotate-portable-identity", ["content"]],
                    ["aws:lambda/function:Function", "portable-identity-rotation", ["environment"]],
                    ["aws:iam/rolePolicy:RolePolicy", "portable-identity-rotation-policy", ["policy"]],
                ]),
            }),
        );
        assert.match(
            explanation.reasons[urnIn(after, "command:local:Command", "ad-provision-accounts-run")][0],
            /^environment is unknown until aws:ssm\/document:Document ad-provision-accounts is updated/,
        );
    });

    test("prod: a new Windows instance type updates the launch template and the group's version, replaces nothing", () => {
        const windowsNodes = configOf("prod", "eks-gmsa:windowsNodes");
        const after = planOf("prod", { "eks-gmsa:windowsNodes": { ...windowsNodes, instanceType: "m6i.4xlarge" } });
        assert.deepEqual(
            diffPlans(prod(), after),
            diffOf({
                update: updates(after, [
                    [ltType, "windows-nodes", ["instanceType"]],
                    [asgType, "windows-nodes", ["launchTemplate"]],
                    // The node group's facts.
                    ["eks-gmsa:nodes:WindowsNodes", "windows-nodes", ["instanceType"]],
                ]),
            }),
        );
    });

    test("prod: a Kubernetes upgrade updates the cluster, node group and Windows AMI; the VPC is untouched", () => {
        const cluster = configOf("prod", "eks-gmsa:cluster");
        const after = planOf("prod", { "eks-gmsa:cluster": { ...cluster, kubernetesVersion: "1.36" } });
        const diff = diffPlans(prod(), after);
        // Pod Security labels are pinned to the cluster's version: they follow it, in place.
        const psaVersions = ["audit-version", "enforce-version", "warn-version"].map((k) => `metadata.labels["pod-security.kubernetes.io/${k}"]`);
        assert.deepEqual(
            diff,
            diffOf({
                update: updates(after, [
                    ["eks:index:Cluster", "eks", ["version"]],
                    ["aws:eks/nodeGroup:NodeGroup", "linux-nodes", ["version"]],
                    [ltType, "windows-nodes", ["imageId"]],
                    [asgType, "windows-nodes", ["launchTemplate"]],
                    ["kubernetes:core/v1:Namespace", "cert-manager-namespace", psaVersions],
                    ["kubernetes:core/v1:Namespace", "gmsa-webhook-namespace", psaVersions],
                    ...["reporting", "web", "web-staging"].map((ns): [string, string, string[]] => [
                        "kubernetes:core/v1:NamespacePatch",
                        `pod-security-${ns}`,
                        psaVersions,
                    ]),
                    ["eks-gmsa:cluster:PodSecurity", "pod-security", ["kubernetesVersion"]],
                    // Facts of the control plane and of the Windows nodes (their AMI parameter names the version).
                    ["eks-gmsa:cluster:Cluster", "cluster", ["kubernetesVersion"]],
                    ["eks-gmsa:nodes:WindowsNodes", "windows-nodes", ["ami.ssmParameter"]],
                ]),
            }),
        );
        const vpcUrn = urnIn(after, vpcType, "vpc");
        assert.ok(!diff.replace.includes(vpcUrn) && !diff.update.some((u) => u.urn === vpcUrn));
    });
});
