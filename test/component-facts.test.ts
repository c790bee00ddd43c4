// Components carry their facts: each records its typed, non-secret arguments in the plan, and those
// facts say what the resources under it really do (the kubelet's labels and taints, the group's
// sizes, the accounts the provisioning run creates), so a reviewer can read them instead of
// decoding user data or documents. No secret reaches them.
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, test } from "node:test";
import { documentPayload } from "../components/directoryDocuments";
import { loadProgramConfig, type RunOptions } from "../tools/harness";
import { inputs, one, ofType, runOk, type StackRun } from "./helpers";

const stacks: RunOptions[] = [
    { stack: "dev" },
    { stack: "prod" },
    { stack: "domain-joined", configFile: path.join(__dirname, "..", "examples", "stacks", "domain-joined.yaml") },
];
const components = (run: StackRun) => run.resources.filter((r) => r.type.startsWith("eks-gmsa:"));
const kubeletFlag = (userData: string, flag: string) =>
    Buffer.from(userData, "base64")
        .toString("utf8")
        .match(new RegExp(`${flag}=([^ "]*)`))?.[1];

describe("every component records its facts, never a secret", () => {
    for (const options of stacks) {
        test(`${options.stack}: each eks-gmsa component has facts; no secret marker and no configured secret value is among them`, () => {
            const run = runOk(options);
            const config = loadProgramConfig(options);
            const secretValues = config.secretKeys.map((k) => config.values[k]).filter((v) => v.length > 0);
            // dev configures the managed directory's Admin password and the portable identity's.
            if (options.stack === "dev") assert.equal(secretValues.length, 2, "dev's secrets to look for");
            for (const component of components(run)) {
                const facts = JSON.stringify(inputs(component));
                assert.notEqual(facts, "{}", `${component.type} ${component.name} records nothing`);
                assert.ok(!facts.includes("[secret]"), `${component.type} ${component.name}: ${facts}`);
                for (const secret of secretValues) assert.ok(!facts.includes(secret), `${component.type} ${component.name} holds a configured secret`);
            }
        });
    }
});

describe("WindowsNodes facts are what the nodes get", () => {
    const check = (run: StackRun) => {
        const facts = inputs(one(run, "eks-gmsa:nodes:WindowsNodes"));
        const template = inputs(one(run, "aws:ec2/launchTemplate:LaunchTemplate", "windows-nodes"));
        const group = inputs(one(run, "aws:autoscaling/group:Group"));
        assert.equal(kubeletFlag(template.userData, "--node-labels"), facts.nodeLabels.join(","));
        assert.equal(kubeletFlag(template.userData, "--register-with-taints"), facts.taints.length > 0 ? facts.taints.join(",") : undefined);
        assert.deepEqual([facts.minSize, facts.desiredSize, facts.maxSize], [group.minSize, group.desiredCapacity, group.maxSize]);
        assert.equal(facts.instanceType, template.instanceType);
        assert.match(facts.ami.ssmParameter, new RegExp(`Windows_Server-${facts.windowsServerVersion}-English-${facts.edition}-EKS_Optimized`));
        return facts;
    };

    test("dev: the default label and taint, as the kubelet takes them", () => {
        const facts = check(runOk({ stack: "dev" }));
        assert.ok(facts.nodeLabels.includes("eks-gmsa.io/node-role=windows"), facts.nodeLabels.join(","));
        assert.equal(facts.taints.length, 1);
        assert.match(facts.taints[0], /^[^=]+=[^:]+:(NoSchedule|PreferNoSchedule|NoExecute)$/);
    });

    test("labels added and the taint turned off: the facts follow", () => {
        const facts = check(
            runOk({
                stack: "dev",
                overrides: {
                    "eks-gmsa:windowsNodes": {
                        labels: { team: "payments" },
                        taint: false,
                        minSize: 2,
                        desiredSize: 2,
                        maxSize: 4,
                        windowsServerVersion: "2019",
                        edition: "Full",
                    },
                },
            }),
        );
        assert.deepEqual(facts.nodeLabels, ["eks-gmsa.io/node-role=windows", "team=payments"]);
        assert.deepEqual(facts.taints, []);
        assert.deepEqual([facts.windowsServerVersion, facts.edition, facts.minSize, facts.maxSize], ["2019", "Full", 2, 4]);
    });
});

describe("AccountProvisioning facts are what the run creates", () => {
    test("dev (domainless): the accounts, group and portable identity its document's payload names, verified", () => {
        const run = runOk({ stack: "dev" });
        const facts = inputs(one(run, "eks-gmsa:directory:AccountProvisioning"));
        const payload = documentPayload(inputs(one(run, "aws:ssm/document:Document", "ad-provision-accounts")).content);
        assert.deepEqual(facts.accounts, payload.accounts);
        assert.equal(facts.readersGroup, payload.readersGroup);
        assert.equal(facts.portableIdentity, payload.identity?.username);
        assert.ok(facts.portableIdentity, "dev has a portable identity");
        assert.equal(facts.verify, payload.verify);
        assert.equal(facts.clusterName, payload.owner);
    });

    test("domain-joined: no portable identity among the facts", () => {
        const run = runOk(stacks[2]);
        const facts = inputs(one(run, "eks-gmsa:directory:AccountProvisioning"));
        assert.equal("portableIdentity" in facts, false);
        assert.equal(facts.verify, true);
        assert.ok(facts.accounts.length > 0);
    });
});

describe("the management host reads what the settings call for", () => {
    const readSecretArns = (run: StackRun) =>
        JSON.parse(inputs(one(run, "aws:iam/rolePolicy:RolePolicy", "ad-management-host-read-credentials")).policy).Statement[0].Resource as string[];

    test("domainless with provisioning (dev): the Admin's secret and the portable identity's, as its facts count", () => {
        const run = runOk({ stack: "dev" });
        const identitySecret = inputs(one(run, "aws:secretsmanager/secret:Secret", "portable-identity")).name;
        const arns = readSecretArns(run);
        assert.equal(arns.length, 2);
        assert.ok(
            arns.some((a) => a.includes(identitySecret)),
            arns.join(", "),
        );
        assert.equal(inputs(one(run, "eks-gmsa:directory:ManagementHost")).secretsRead, arns.length);
    });

    test("domain-joined: the Admin's secret only (there is no portable identity), as its facts count", () => {
        const run = runOk(stacks[2]);
        assert.equal(ofType(run, "eks-gmsa:gmsa:DomainlessIdentity").length, 0);
        assert.equal(readSecretArns(run).length, 1);
        assert.equal(inputs(one(run, "eks-gmsa:directory:ManagementHost")).secretsRead, 1);
    });
});
