// Issue 11, finding 9: replacing Windows nodes (a new launch template version, a failed health
// check) must never leave fewer nodes in service than the desired capacity; dev has one node.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { inputs, one, runOk, type StackRun } from "./helpers";

const asgType = "aws:autoscaling/group:Group";

interface Percentages {
    minHealthyPercentage?: number;
    maxHealthyPercentage?: number;
}

/**
 * Instances in service during a replacement, per the EC2 Auto Scaling contract: the minimum
 * healthy percentage of the desired capacity (rounded up) must stay InService; the maximum
 * healthy percentage caps InService plus Pending (taken here rounded down, the cautious reading).
 * New instances are launched before old ones are terminated only with a minimum of 100 percent,
 * and only if the maximum leaves room for at least one more instance; otherwise a node is
 * terminated first and its replacement launched after (a batch is at least one instance). Unset
 * values are the Terraform provider's defaults: 90 and 100.
 */
function fewestInService(desired: number, p: Percentages): number {
    const min = p.minHealthyPercentage ?? 90;
    const max = p.maxHealthyPercentage ?? 100;
    const room = Math.floor((desired * max) / 100) - desired;
    if (min === 100 && room >= 1) return desired;
    return Math.min(Math.ceil((desired * min) / 100), desired - 1);
}

function group(run: StackRun) {
    return inputs(one(run, asgType, "windows-nodes"));
}

describe("Windows nodes: a replacement launches before it terminates", () => {
    const dev = runOk({ stack: "dev" });

    test("dev (one node): an instance refresh never has fewer nodes in service than desired", () => {
        // The contract as encoded: the provider's defaults (90/100) take a one-node group to zero,
        // and so would 100/150 (no room for a second instance); 100/200 keeps it at one.
        assert.deepEqual(
            [{}, { minHealthyPercentage: 100, maxHealthyPercentage: 150 }, { minHealthyPercentage: 100, maxHealthyPercentage: 200 }].map((p) =>
                fewestInService(1, p),
            ),
            [0, 0, 1],
        );
        const g = group(dev);
        assert.equal(g.desiredCapacity, 1, "the dev stack file's single Windows node");
        assert.equal(g.instanceRefresh.strategy, "Rolling");
        assert.equal(fewestInService(g.desiredCapacity, g.instanceRefresh.preferences), g.desiredCapacity);
    });

    test("dev: a node replaced after failing health checks is replaced the same way (instance maintenance policy)", () => {
        const g = group(dev);
        assert.ok(g.instanceMaintenancePolicy, "without a maintenance policy, a health-check replacement terminates first");
        assert.equal(fewestInService(g.desiredCapacity, g.instanceMaintenancePolicy), g.desiredCapacity);
    });

    test("the percentages are within what the API accepts (max 100-200, at most 100 apart)", () => {
        const g = group(dev);
        for (const p of [g.instanceRefresh.preferences, g.instanceMaintenancePolicy] as Percentages[]) {
            assert.ok(p.minHealthyPercentage! >= 0 && p.minHealthyPercentage! <= 100);
            assert.ok(p.maxHealthyPercentage! >= 100 && p.maxHealthyPercentage! <= 200);
            assert.ok(p.maxHealthyPercentage! - p.minHealthyPercentage! <= 100);
        }
    });

    test("every desired size from 1 to 10 keeps its capacity (the percentages do not depend on the size)", () => {
        for (const desiredSize of [1, 2, 3, 7, 10]) {
            const run = runOk({
                stack: "dev",
                overrides: {
                    "eks-gmsa:windowsNodes": {
                        windowsServerVersion: "2022",
                        edition: "Core",
                        instanceType: "m6i.xlarge",
                        minSize: 1,
                        desiredSize,
                        maxSize: 10,
                    },
                },
            });
            const g = group(run);
            assert.equal(g.desiredCapacity, desiredSize);
            assert.equal(fewestInService(desiredSize, g.instanceRefresh.preferences), desiredSize, `desired ${desiredSize}`);
            assert.equal(fewestInService(desiredSize, g.instanceMaintenancePolicy), desiredSize, `desired ${desiredSize}`);
        }
    });
});
