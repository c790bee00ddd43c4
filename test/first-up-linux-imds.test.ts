// Issue 11, finding 8: pods on the Linux nodes must not reach the node role through IMDS. The
// managed node group gets its own launch template (IMDSv2 only, hop limit 1); the disk moves into
// the template, and nothing EKS must own is set there.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { inputs, ofType, one, runOk, type StackRun } from "./helpers";
import { explainDiff } from "../tools/review/diff";
import type { Plan, PlanResource } from "../tools/planFile";
import { toPlan } from "../tools/planFile";
import { projectName } from "../settings/validate";

const nodeGroupType = "aws:eks/nodeGroup:NodeGroup";
const launchTemplateType = "aws:ec2/launchTemplate:LaunchTemplate";

/** The launch template a node group launches from: the one its launchTemplate input came from. */
function templateOf(run: StackRun, group: ReturnType<typeof one>) {
    const from = group.propertyDependencies.launchTemplate ?? [];
    const templates = ofType(run, launchTemplateType).filter((t) => from.includes(t.urn));
    assert.equal(templates.length, 1, `node group ${group.name} launches from ${templates.length} launch templates`);
    return templates[0];
}

const dev = runOk({ stack: "dev" });
const group = one(dev, nodeGroupType);
/** Looked up per test: on a plan without the template each test fails on its own. */
const template = () => templateOf(dev, group);

describe("Linux node group: pods cannot use the node role", () => {
    test("the dev node group launches from its own template with IMDSv2 only and one hop", () => {
        assert.ok(inputs(group).launchTemplate, "the node group has no launch template: EKS's generated one allows IMDSv1 and two hops");
        const metadata = inputs(template()).metadataOptions;
        assert.equal(metadata.httpTokens, "required", "IMDSv1 (no token) stays open to every pod");
        assert.equal(metadata.httpPutResponseHopLimit, 1, "a hop limit above 1 hands the IMDSv2 token to pods");
        assert.equal(metadata.httpEndpoint, "enabled", "kubelet, aws-node and kube-proxy on the host still need IMDS");
    });

    test("the group follows each new template version (a change rolls the nodes)", () => {
        const lt = inputs(group).launchTemplate;
        assert.ok(lt.id, "launchTemplate.id");
        assert.ok(lt.version !== undefined && lt.version !== "", "launchTemplate.version");
        assert.ok(group.propertyDependencies.launchTemplate.includes(template().urn));
    });

    test("the disk size is in the template's root device, not on the group (EKS rejects both)", () => {
        assert.equal("diskSize" in inputs(group), false, "diskSize together with a launch template fails CreateNodegroup");
        const roots = inputs(template()).blockDeviceMappings;
        assert.equal(roots.length, 1);
        // The EKS-optimized AL2023 AMIs boot from /dev/xvda: another name would add a second volume.
        assert.equal(roots[0].deviceName, "/dev/xvda");
        assert.equal(roots[0].ebs.volumeType, "gp3");
        assert.equal(roots[0].ebs.encrypted, "true");
        assert.equal(roots[0].ebs.deleteOnTermination, "true");
    });

    test("linuxNodes.diskSizeGiB sizes the template's root volume", () => {
        for (const size of [20, 80]) {
            const run = runOk({
                stack: "dev",
                overrides: { "eks-gmsa:linuxNodes": { instanceTypes: ["m6i.large"], minSize: 2, desiredSize: 2, maxSize: 3, diskSizeGiB: size } },
            });
            const t = inputs(templateOf(run, one(run, nodeGroupType)));
            assert.equal(t.blockDeviceMappings[0].ebs.volumeSize, size);
        }
    });

    test("nothing EKS must own is in the template", () => {
        const t = inputs(template());
        // EKS user guide, "Customize managed nodes with launch templates": prohibited in the
        // template are the subnet, the IAM instance profile and the shutdown/hibernate behaviour.
        for (const key of ["iamInstanceProfile", "networkInterfaces", "instanceInitiatedShutdownBehavior", "hibernationOptions"]) {
            assert.equal(key in t, false, `${key} is prohibited in a managed node group's launch template`);
        }
        // An AMI id turns off EKS's AL2023 bootstrap (no merged user data, no release upgrades);
        // security groups would drop the cluster security group EKS adds; instance types stay on
        // the group (a type in the template forbids the group's list).
        for (const key of ["imageId", "userData", "vpcSecurityGroupIds", "securityGroupNames", "instanceType", "keyName"]) {
            assert.equal(key in t, false, `${key} is left to EKS`);
        }
        assert.deepEqual(inputs(group).amiType, "AL2023_x86_64_STANDARD");
        assert.ok(inputs(group).instanceTypes.length > 0);
    });

    test("instances and volumes are tagged like the Windows nodes' (Name and the stack tags)", () => {
        const specs = inputs(template()).tagSpecifications as { resourceType: string; tags: Record<string, string> }[];
        assert.deepEqual(specs.map((s) => s.resourceType).sort(), ["instance", "volume"]);
        const windowsSpecs = inputs(one(dev, launchTemplateType, "windows-nodes")).tagSpecifications as { tags: Record<string, string> }[];
        const stackTags = windowsSpecs[0].tags;
        for (const s of specs) {
            assert.equal(s.tags.Name, "eks-gmsa-dev-linux");
            assert.deepEqual({ ...s.tags, Name: undefined }, { ...stackTags, Name: undefined });
        }
    });

    test("every stack's Linux node group has the template (prod and domain-joined too)", () => {
        for (const run of [runOk({ stack: "prod" }), runOk({ stack: "domain-joined", configFile: "examples/stacks/domain-joined.yaml" })]) {
            const g = one(run, nodeGroupType);
            const m = inputs(templateOf(run, g)).metadataOptions;
            assert.deepEqual({ tokens: m.httpTokens, hops: m.httpPutResponseHopLimit }, { tokens: "required", hops: 1 }, run.stack);
            assert.equal("diskSize" in inputs(g), false, run.stack);
        }
    });
});

/** A copy of `record` without `key`. */
function without<T>(record: Record<string, T>, key: string): Record<string, T> {
    const copy = { ...record };
    delete copy[key];
    return copy;
}

describe("day 2: adding the template to a deployed node group", () => {
    // The state of today's deployed stacks: the same group with diskSize and no template.
    function deployedBefore(p: Plan): Plan {
        const resources = p.resources
            .filter((r) => !(r.type === launchTemplateType && r.urn === template().urn))
            .map((r): PlanResource => {
                if (r.type !== nodeGroupType) return r;
                const rest = without(r.inputs as Record<string, unknown>, "launchTemplate");
                const deps = without((r.options.propertyDependencies ?? {}) as Record<string, string[]>, "launchTemplate");
                return {
                    ...r,
                    dependencies: r.dependencies.filter((u) => u !== template().urn),
                    inputs: { ...rest, diskSize: 50 },
                    options: { ...r.options, propertyDependencies: deps },
                };
            });
        return { ...p, resources };
    }

    test("replaces the node group (launchTemplate.id forces a new one) and creates the template", () => {
        const after = toPlan(projectName, dev);
        const { diff, explanation } = explainDiff(deployedBefore(after), after);
        assert.deepEqual(diff.replace, [group.urn]);
        assert.deepEqual(diff.create, [template().urn]);
        assert.match(explanation.reasons[group.urn].join("\n"), /launchTemplate\.id/);
    });
});

describe("day 2: the node group's Optional+Computed attributes", () => {
    test("dropping diskSize alone (no template) replaces nothing: the provider keeps the deployed value", () => {
        const after = toPlan(projectName, dev);
        const before = (withDisk: boolean): Plan => ({
            ...after,
            resources: after.resources.map((r) => {
                if (r.type !== nodeGroupType) return r;
                const rest = without(r.inputs as Record<string, unknown>, "diskSize");
                return { ...r, inputs: withDisk ? { ...rest, diskSize: 50 } : rest };
            }),
        });
        assert.equal("diskSize" in before(false).resources.find((r) => r.type === nodeGroupType)!.inputs, false);
        assert.deepEqual(explainDiff(before(true), before(false)).diff.replace, []);
        // Setting another value still replaces.
        const bigger = {
            ...before(true),
            resources: before(true).resources.map((r) => (r.type === nodeGroupType ? { ...r, inputs: { ...r.inputs, diskSize: 80 } } : r)),
        };
        assert.deepEqual(explainDiff(before(true), bigger).diff.replace, [group.urn]);
    });
});
