// The deploy-time model (tools/review/deployTime.ts, docs/deploy-time.md): exact schedules on small
// hand-made plans, then the real stacks (dev, prod, the domain-joined example) and the doc's tables.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { projectRoot, runStack } from "../tools/harness";
import { toPlan, type Plan, type PlanResource } from "../tools/planFile";
import {
    deployTimeData,
    deployTimeDoc,
    documentedStacks,
    figure,
    figuresFile,
    figuresRange,
    formatDeployTime,
    loadDeployTimeData,
    manualWalkthroughFor,
    manualWalkthroughModel,
    modelDeployTime,
    parseGoDuration,
    renderDoc,
    rulesFile,
    shownPath,
    type DeployTimeModel,
    type ModelledStack,
} from "../tools/review/deployTime";
import { projectName } from "../settings/validate";

// ----- small plans -----

const urnOf = (type: string, name: string) => `urn:pulumi:t::p::${type}::${name}`;

interface Spec {
    deps?: string[];
    parent?: string;
    inputs?: Record<string, unknown>;
    options?: Record<string, unknown>;
}

function res(type: string, name: string, spec: Spec = {}): PlanResource {
    return {
        urn: urnOf(type, name),
        type,
        name,
        ...(spec.parent ? { parent: spec.parent } : {}),
        dependencies: spec.deps ?? [],
        protect: false,
        inputs: spec.inputs ?? {},
        options: { custom: true, ...spec.options },
    } as PlanResource;
}

function planOf(...resources: PlanResource[]): Plan {
    return { project: "p", stack: "t", resources, outputs: {} };
}

const pathOf = (model: DeployTimeModel) => model.criticalPath.map((s) => [s.name, s.startSeconds, s.durationSeconds]);
const finishOf = (model: DeployTimeModel, name: string) => model.schedule.find((s) => s.name === name)!.finishSeconds;

const vpc = res("aws:ec2/vpc:Vpc", "vpc");
const windowsPod = { spec: { template: { spec: { nodeSelector: { "kubernetes.io/os": "windows" } } } } };
const windowsNodesComponent = res("eks-gmsa:nodes:WindowsNodes", "windows", { options: { custom: false } });

describe("deploy time on small plans", () => {
    test("diamond: the longer branch is the path (vpc 5 s, subnet 5 s, NAT 105 s, route 2 s)", () => {
        const subnet = res("aws:ec2/subnet:Subnet", "subnet", { deps: [vpc.urn] });
        const nat = res("aws:ec2/natGateway:NatGateway", "nat", { deps: [vpc.urn] });
        const route = res("aws:ec2/route:Route", "route", { deps: [subnet.urn, nat.urn] });
        const model = modelDeployTime(planOf(vpc, subnet, nat, route));
        assert.equal(model.totalSeconds, 112);
        assert.deepEqual(pathOf(model), [
            ["vpc", 0, 5],
            ["nat", 5, 105],
            ["route", 110, 2],
        ]);
        assert.deepEqual(model.range, { lowSeconds: 1 + 85 + 1, highSeconds: 25 + 300 + 5 });
        assert.deepEqual(model.unmatchedTypes, []);
    });

    test("depending on a local component waits for all its children; the component takes no time", () => {
        const component = res("my:index:Nodes", "nodes", { options: { custom: false } });
        const nodeGroup = res("aws:eks/nodeGroup:NodeGroup", "node-group", { parent: component.urn });
        const role = res("aws:iam/role:Role", "role", { parent: component.urn });
        const namespace = res("kubernetes:core/v1:Namespace", "ns", { deps: [component.urn] });
        const model = modelDeployTime(planOf(component, nodeGroup, role, namespace));
        assert.equal(model.totalSeconds, 122);
        assert.deepEqual(pathOf(model), [
            ["node-group", 0, 120],
            ["ns", 120, 2],
        ]);
        assert.equal(finishOf(model, "nodes"), 120);
    });

    test("a remote component takes the time of what it creates; its provider is a dependency of whoever uses it", () => {
        const eks = res("eks:index:Cluster", "eks", { deps: [vpc.urn], options: { custom: false, remote: true } });
        const provider = res("pulumi:providers:kubernetes", "k8s", { deps: [eks.urn] });
        // No explicit dependency: only the provider reference (`<urn>::<id>`) ties it to the cluster.
        const namespace = res("kubernetes:core/v1:Namespace", "ns", { options: { provider: `${provider.urn}::4f2a` } });
        const model = modelDeployTime(planOf(vpc, eks, provider, namespace));
        assert.equal(model.totalSeconds, 5 + 555 + 0 + 2);
        assert.deepEqual(pathOf(model), [
            ["vpc", 0, 5],
            ["eks", 5, 555],
            ["k8s", 560, 0],
            ["ns", 560, 2],
        ]);
    });

    test("an awaited Windows workload waits for the first Windows node group to be Ready, without a plan edge", () => {
        const early = res("aws:autoscaling/group:Group", "early", { parent: windowsNodesComponent.urn });
        const late = res("aws:autoscaling/group:Group", "late", { parent: windowsNodesComponent.urn, deps: [vpc.urn] });
        const pod = res("kubernetes:apps/v1:Deployment", "iis", { inputs: windowsPod });
        const model = modelDeployTime(planOf(windowsNodesComponent, vpc, early, late, pod));
        assert.equal(model.totalSeconds, 90 + 420 + 300);
        assert.deepEqual(pathOf(model), [
            ["early", 0, 90],
            ["early: Windows nodes Ready", 90, 420],
            ["iis", 510, 300],
        ]);
        assert.deepEqual(
            model.readiness.map((e) => [e.name, e.atSeconds, e.awaited]),
            [
                ["early: Windows nodes Ready", 510, true],
                ["late: Windows nodes Ready", 515, true],
            ],
        );
    });

    test("a workload Pulumi does not await does not wait for nodes; readiness nobody awaits is reported, not counted", () => {
        const asg = res("aws:autoscaling/group:Group", "asg", { parent: windowsNodesComponent.urn });
        const job = res("kubernetes:batch/v1:Job", "verify", { inputs: { metadata: { annotations: { "pulumi.com/skipAwait": "true" } }, ...windowsPod } });
        const model = modelDeployTime(planOf(windowsNodesComponent, asg, job));
        assert.equal(model.totalSeconds, 90);
        assert.deepEqual(
            model.readiness.map((e) => [e.atSeconds, e.awaited]),
            [[510, false]],
        );
        assert.match(formatDeployTime(model, manualWalkthroughModel()), /not awaited by pulumi up: asg: Windows nodes Ready at about 8m 30s/);
    });

    test("the provisioning command waits for its host's SSM agent (an Ubuntu first boot), not just for the instance", () => {
        const host = res("aws:ec2/instance:Instance", "host");
        const run = res("command:local:Command", "run", { deps: [host.urn] });
        const model = modelDeployTime(planOf(host, run));
        const [running, online, provisioning] = ["ec2-instance-running", "linux-boot-to-ssm", "ad-provisioning-script"].map((id) => figure(id).seconds.mid);
        assert.ok(online < figure("windows-boot-to-ssm").seconds.mid, "the Linux host comes online sooner than a Windows one");
        assert.equal(model.totalSeconds, running + online + provisioning);
        assert.deepEqual(pathOf(model), [
            ["host", 0, running],
            ["host: SSM agent online", running, online],
            ["run", running + online, provisioning],
        ]);
    });

    test("a launch hook makes the group wait for join, membership and reboots; the plan's deadlock and timeout are warned about", () => {
        const hooks = [{ lifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING", heartbeatTimeout: 3600 }];
        const asg = res("aws:autoscaling/group:Group", "nodes", { parent: windowsNodesComponent.urn, inputs: { initialLifecycleHooks: hooks } });
        const join = res("aws:ssm/association:Association", "join", {
            deps: [asg.urn],
            inputs: { targets: [{ key: "tag:aws:autoscaling:groupName", values: ["nodes-1"] }] },
        });
        const model = modelDeployTime(planOf(windowsNodesComponent, asg, join));
        assert.equal(finishOf(model, "nodes"), 90 + 240 + 240 + 60 + 180);
        assert.equal(model.totalSeconds, 810 + 3);
        assert.equal(model.warnings.length, 2);
        assert.match(model.warnings[0], /^nodes: creating the group is modelled at 13m 30s, longer than waitForCapacityTimeout 10m \(the default\)/);
        assert.match(model.warnings[1], /^nodes: its launch hook .* association join .* is created only after the group/);

        const patient = res("aws:autoscaling/group:Group", "nodes", {
            parent: windowsNodesComponent.urn,
            inputs: { initialLifecycleHooks: hooks, waitForCapacityTimeout: "1h" },
        });
        assert.equal(modelDeployTime(planOf(windowsNodesComponent, patient, join)).warnings.length, 1, "a long enough timeout leaves only the deadlock");
    });

    test("an unknown type takes the fallback figure and is reported; a cycle is an error", () => {
        const odd = res("acme:index:Thing", "thing");
        const model = modelDeployTime(planOf(odd));
        assert.equal(model.totalSeconds, 5);
        assert.deepEqual(model.unmatchedTypes, ["acme:index:Thing"]);
        assert.match(formatDeployTime(model, manualWalkthroughModel()), /no duration rule \(fallback figure used\): acme:index:Thing/);

        const component = res("my:index:Group", "group", { options: { custom: false } });
        const child = res("aws:iam/role:Role", "child", { parent: component.urn, deps: [component.urn] });
        assert.throws(() => modelDeployTime(planOf(component, child)), /dependency cycle/);
    });

    test("Go durations as the provider reads them", () => {
        assert.equal(parseGoDuration("10m"), 600);
        assert.equal(parseGoDuration("1h30m"), 5400);
        assert.equal(parseGoDuration("0"), 0);
        assert.throws(() => parseGoDuration("ten minutes"), /not a duration/);
    });
});

describe("the manual walkthrough", () => {
    test("eleven blog steps in order, plus creating the directory when asked; totals add up", () => {
        const greenfield = manualWalkthroughModel();
        const blogNumbers = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
        assert.deepEqual(
            greenfield.steps.map((s) => s.number),
            blogNumbers,
            "numbered as the blog numbers them",
        );
        assert.deepEqual(
            manualWalkthroughModel({ createDirectory: false }).steps.map((s) => s.number),
            blogNumbers,
        );
        assert.equal(manualWalkthroughModel({ createDirectory: false }).prerequisite, undefined);
        assert.equal(greenfield.prerequisite?.waiting.mid, 1950, "the directory waits the managed-microsoft-ad figure");
        assert.deepEqual(
            greenfield.steps[0].waiting,
            figuresRange(["nat-gateway", "eks-control-plane", "eks-managed-node-group", "asg-capacity", "windows-node-bootstrap"]),
        );
        assert.equal(greenfield.handsOnSeconds, 111 * 60);
        assert.equal(greenfield.totalSeconds, greenfield.waitingSeconds + greenfield.handsOnSeconds);
        assert.ok(greenfield.range.lowSeconds < greenfield.totalSeconds && greenfield.totalSeconds < greenfield.range.highSeconds);
        for (const step of [greenfield.prerequisite!, ...greenfield.steps])
            assert.ok(step.handsOn.length > 0 && step.handsOnSeconds > 0, `step ${step.number} says what its hands-on time covers`);
    });
});

describe("every figure is sourced or says it is an assumption", () => {
    test("sources have a title and an address; assumptions have reasoning; rules name known figures", () => {
        for (const f of deployTimeData().figures) {
            assert.ok(f.seconds.low <= f.seconds.mid && f.seconds.mid <= f.seconds.high, `${f.id}: low <= mid <= high`);
            const sources = f.evidence.kind === "assumption" ? (f.evidence.related ?? []) : f.evidence.sources;
            if (f.evidence.kind !== "assumption") assert.ok(sources.length > 0, `${f.id} cites a source`);
            if (f.evidence.kind !== "sourced") assert.ok(f.evidence.assumption.length > 20, `${f.id} says why`);
            for (const s of sources) assert.match(s.url, /^https:\/\//, `${f.id}: ${s.title}`);
        }
        for (const rule of deployTimeData().rules)
            for (const id of rule.figures)
                assert.ok(
                    deployTimeData().figures.some((f) => f.id === id),
                    `${rule.id} uses figure ${id}`,
                );
    });
});

/** The data files as the tests edit them: entries of any shape, as a bad edit would leave them. */
interface FiguresFile {
    figures: Record<string, unknown>[];
}

interface RulesFile {
    rules: Record<string, unknown>[];
    readinessRules: Record<string, unknown>[];
}

describe("the data files are checked when read", () => {
    /** Copies of the two data files, edited, in a temporary directory. */
    function editedData(editFigures: (doc: FiguresFile) => void, editRules: (doc: RulesFile) => void): { figures: string; rules: string } {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-time-data-"));
        const copy = <T>(from: string, edit: (doc: T) => void) => {
            const doc: T = JSON.parse(fs.readFileSync(from, "utf8"));
            edit(doc);
            const to = path.join(dir, path.basename(from));
            fs.writeFileSync(to, JSON.stringify(doc));
            return to;
        };
        return { figures: copy(figuresFile, editFigures), rules: copy(rulesFile, editRules) };
    }

    test("the shipped files load, and every rule's figures exist", () => {
        const data = loadDeployTimeData();
        assert.deepEqual(
            data.figures.map((f) => f.id),
            deployTimeData().figures.map((f) => f.id),
        );
        assert.ok(data.rules.length > 0 && data.readinessRules.length > 0);
    });

    test("every bad entry at once, each naming its file and entry", () => {
        const files = editedData(
            (doc) => {
                doc.figures[0].seconds = { low: 900, mid: 540, high: 480 };
                (doc.figures[0].evidence as { sources: { url: string }[] }).sources[0].url = "aws.amazon.com/no-scheme";
                doc.figures[1].evidence = { kind: "measured" };
                doc.figures[2].id = doc.figures[3].id;
                doc.figures[4].secs = 1;
            },
            (doc) => {
                doc.rules[0].figures = ["eks-control-plane", "no-such-figure"];
                doc.rules[1].when = "addon-is-fast";
                doc.readinessRules[0].awaitedBy = "";
            },
        );
        const base = shownPath;
        assert.throws(
            () => loadDeployTimeData(files.figures, files.rules),
            (e: Error) => {
                for (const line of [
                    `${base(files.figures)}: figures[0] (eks-control-plane): seconds must be low <= mid <= high, not 900, 540, 480`,
                    `${base(files.figures)}: figures[0] (eks-control-plane).evidence.sources[0]: url must be an http(s) address, not "aws.amazon.com/no-scheme"`,
                    `${base(files.figures)}: figures[1] (eks-component-children).evidence: kind must be sourced, bounded or assumption, not "measured"`,
                    `${base(files.figures)}: figures[3] (eks-addon): repeats an id used above`,
                    `${base(files.figures)}: figures[4] (eks-addon-coredns): unknown key "secs"`,
                    `${base(files.rules)}: rules[0] (eks-remote-component): no figure "no-such-figure" in deploy-time-figures.json`,
                    `${base(files.rules)}: rules[1] (eks-cluster): unknown condition "addon-is-fast" (known: launch-hook, skip-await,`,
                    // Figure 2 took figure 3's id, so its own is gone: the rule that used it is named too.
                    `${base(files.rules)}: rules[2] (eks-node-group): no figure "eks-managed-node-group" in deploy-time-figures.json`,
                    `${base(files.rules)}: readinessRules[0] (windows-nodes-ready): needs \`awaitedBy\``,
                ])
                    assert.ok(e.message.includes(line), `${line}\n in:\n${e.message}`);
                assert.match(e.message, /^deploy time: the data files have 9 problems:/);
                return true;
            },
        );
    });

    test("a file that is not JSON is named", () => {
        const files = editedData(
            () => {},
            () => {},
        );
        fs.writeFileSync(files.rules, "{ rules: [");
        assert.throws(
            () => loadDeployTimeData(files.figures, files.rules),
            new RegExp(`^Error: deploy time: ${files.rules.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is not JSON`),
        );
    });
});

describe("Windows node groups are known by their component, not by names or descriptions", () => {
    test("a group nested under a WindowsNodes component waits for Windows nodes; a group whose launch template says Windows does not", () => {
        const inner = res("my:index:Group", "inner", { parent: windowsNodesComponent.urn, options: { custom: false } });
        const nested = res("aws:autoscaling/group:Group", "nested", { parent: inner.urn });
        const template = res("aws:ec2/launchTemplate:LaunchTemplate", "lt", { inputs: { description: "EKS Windows Server 2022 Core nodes" } });
        const linuxLooking = res("aws:autoscaling/group:Group", "windows-sounding", { deps: [template.urn] });
        const model = modelDeployTime(planOf(windowsNodesComponent, inner, nested, template, linuxLooking));
        assert.deepEqual(
            model.readiness.map((e) => e.name),
            ["nested: Windows nodes Ready"],
        );
    });
});

// ----- the real stacks: each rendered once -----

let modelled: ModelledStack[] | undefined;
function documented(): ModelledStack[] {
    modelled ??= documentedStacks.map(({ stack, configFile }) => {
        const run = runStack({ stack, configFile: path.join(projectRoot, configFile) });
        assert.deepEqual(run.errors, [], `stack ${stack} raised errors`);
        const plan = toPlan(projectName, run);
        return { stack, model: modelDeployTime(plan), manual: manualWalkthroughFor(plan) };
    });
    return modelled;
}
const stack = (name: string) => documented().find((s) => s.stack === name)!;
const step = (model: DeployTimeModel, type: string) => model.criticalPath.findIndex((s) => s.type === type);

describe("deploy time of the documented stacks", () => {
    test("every resource type of every stack has a rule", () => {
        for (const { stack: name, model } of documented()) assert.deepEqual(model.unmatchedTypes, [], name);
    });

    test("the critical path is a chain: each step starts when the one before it finishes", () => {
        for (const { stack: name, model } of documented()) {
            const path = model.criticalPath;
            assert.equal(path[0].startSeconds, 0, name);
            for (let i = 1; i < path.length; i++)
                assert.equal(path[i].startSeconds, path[i - 1].startSeconds + path[i - 1].durationSeconds, `${name}: ${path[i].name}`);
            const last = path[path.length - 1];
            assert.equal(last.startSeconds + last.durationSeconds, model.totalSeconds, name);
        }
    });

    test("dev: network, then the managed directory, then what needs the directory; EKS runs alongside and finishes first", () => {
        const { model } = stack("dev");
        const directory = step(model, "aws:directoryservice/directory:Directory");
        assert.ok(directory > 0, "the managed directory is on the critical path");
        assert.ok(step(model, "aws:ec2/subnet:Subnet") < directory, "after the subnets it is placed in");
        const startOf = (name: string) => model.schedule.find((s) => s.name === name)!.startSeconds;
        assert.ok(startOf("ad-provision-accounts-run") >= finishOf(model, "managed-ad"), "the provisioning run follows the directory");
        // What the sample pods wait for after the directory: its accounts and host DNS for its domain.
        assert.ok(startOf("ad-domain-forward") >= finishOf(model, "managed-ad"), "the forwarding rule follows the directory");
        assert.ok(step(model, "kubernetes:apps/v1:Deployment") > directory, "the gMSA workload ends the path");
        // The graph puts no edge between the directory and EKS: the cluster is off the path here.
        assert.equal(step(model, "eks:index:Cluster"), -1);
        assert.ok(finishOf(model, "eks") < finishOf(model, "managed-ad"));
        assert.deepEqual(model.warnings, []);
    });

    test("prod: the EKS cluster, then the Linux node group and the webhook it carries", () => {
        const { model } = stack("prod");
        const eks = step(model, "eks:index:Cluster");
        assert.ok(eks >= 0, "the EKS cluster is on the critical path");
        assert.ok(step(model, "aws:eks/nodeGroup:NodeGroup") > eks);
        assert.ok(model.criticalPath.findIndex((s) => s.name === "gmsa-webhook") > step(model, "aws:eks/nodeGroup:NodeGroup"));
        assert.deepEqual(model.warnings, []);
    });

    test("domain-joined nodes take longer than prod's, are on the path, and the first pulumi up can finish", () => {
        const prod = stack("prod").model;
        const joined = stack("joined").model;
        const windows = (m: DeployTimeModel) => m.schedule.find((s) => s.type === "aws:autoscaling/group:Group")!;
        assert.equal(windows(prod).rule, "asg");
        assert.equal(windows(joined).rule, "asg-with-launch-hook");
        assert.ok(windows(joined).durationSeconds > windows(prod).durationSeconds);
        assert.ok(joined.totalSeconds > prod.totalSeconds);
        assert.ok(step(joined, "aws:autoscaling/group:Group") > step(joined, "eks:index:Cluster"));
        // The join association targets a launch tag and exists before the group, and the group waits
        // 30m for held nodes: neither the deadlock nor the timeout warning applies (this model found both).
        assert.deepEqual(joined.warnings, []);
    });

    test("the walkthrough by hand takes longer than pulumi up, for each stack", () => {
        for (const { stack: name, model, manual } of documented()) {
            assert.ok(manual.totalSeconds > model.totalSeconds, name);
            assert.equal(manual.includesDirectory, name === "dev", `${name}: the manual sequence creates a directory when the stack does`);
        }
    });

    test("the terminal text has the total, the path and the comparison", () => {
        const { model, manual } = stack("dev");
        const text = formatDeployTime(model, manual);
        assert.match(text, /^deploy time \(modelled, docs\/deploy-time.md\): 41m 14s, range /);
        for (const s of model.criticalPath) assert.ok(text.includes(`${s.type} ${s.name}`), s.name);
        assert.match(text, /manual walkthrough \(11 steps, creating the directory first\): 3h 03m = /);
        assert.match(text, /pulumi up: 2h 21m less/);
    });

    test("docs/deploy-time.md lists every rule, figure and the totals as the code computes them", () => {
        const doc = fs.readFileSync(deployTimeDoc, "utf8");
        const expected = renderDoc(doc, documented()).split("\n");
        const actual = doc.split("\n");
        const stale = expected.length === actual.length ? expected.findIndex((line, i) => line !== actual[i]) : Math.min(expected.length, actual.length);
        assert.equal(
            stale,
            -1,
            `docs/deploy-time.md line ${stale + 1} should read:\n${expected[stale]}\n(regenerate: npx tsx tools/review/deployTime.ts --write-doc)`,
        );
        for (const rule of deployTimeData().rules) {
            for (const type of rule.types) assert.ok(doc.includes(`\`${type}\``), `${rule.id}: ${type}`);
            assert.ok(doc.includes(`| ${figuresRange(rule.figures).mid} |`), `${rule.id}: its figure`);
        }
        for (const f of deployTimeData().figures) assert.ok(doc.includes(`| \`${f.id}\` |`), f.id);
    });
});
