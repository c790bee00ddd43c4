// Prints how long the policy pack takes on plans of 1,000 and 10,000 resources, three ways:
//   evaluate_ms  the policies themselves, in-process, on the argument shapes @pulumi/policy builds;
//   protocol_ms  end to end through the analyzer protocol, as the CLI runs the pack;
//   floor_ms     the same protocol with every policy disabled: the transport's own cost (one
//                Analyze RPC per resource, protobuf Struct encoding), which the Pulumi CLI pays too.
// Pack start-up is printed separately: it is paid once.
// Then one custom resource of about 300,000 values (and one of 1.1 million, past the scan's limit)
// among 1,000 ordinary resources: the cost of scanning custom resources for pod specs.
// Each plan is a realistic mix: per app namespace a credential spec, its role and binding, a gMSA
// Deployment, a CronJob, a ServiceAccount-less Pod, plus AWS resources.
// usage: npm run bench:policy -- [--sizes 1000,10000] [--runs 3]   (--help says more)
import { benchArgs, positiveInteger, positiveIntegers, progressReporter } from "./cli";
import { defaultPackDir, startPolicyPack } from "../tools/policy/analyzer";
import { evaluateInProcess } from "../tools/policy/evaluate";
import { median } from "./planRun";
import type { PlanResource } from "../tools/planFile";
import { SCAN_LIMITS } from "../policy/api";
import { binding, credspec, gmsaRelease, resource, saSubject, useRole, useRule, workload } from "../tools/policy/fixtures";

export function syntheticPlan(size: number): PlanResource[] {
    const resources: PlanResource[] = [gmsaRelease()];
    for (let i = 0; resources.length < size; i++) {
        const ns = `team-${i}`;
        const name = `app-${i}`;
        resources.push(
            credspec(name),
            useRole("ClusterRole", `gmsa-use-${name}`, useRule([name])),
            binding("RoleBinding", `gmsa-use-${name}`, { kind: "ClusterRole", name: `gmsa-use-${name}` }, [saSubject("app", ns)], ns),
            workload("Deployment", name, ns, { serviceAccount: "app", podCredspec: name }),
            workload("CronJob", `${name}-nightly`, ns, { serviceAccount: "app", podCredspec: name }),
            resource("kubernetes:core/v1:ConfigMap", `${name}-settings`, { metadata: { name: "settings", namespace: ns }, data: { mode: "prod" } }),
            resource("aws:ec2/launchTemplate:LaunchTemplate", `lt-${i}`, { metadataOptions: { httpTokens: "required" } }),
            resource("aws:iam/rolePolicy:RolePolicy", `read-${i}`, {
                role: `r-${i}`,
                policy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Effect: "Allow",
                            Action: "secretsmanager:GetSecretValue",
                            Resource: [`arn:aws:secretsmanager:us-west-2:123456789012:secret:s-${i}-AbCdEf`],
                        },
                    ],
                }),
            }),
        );
    }
    return resources.slice(0, size);
}

/** A custom resource of about `values` JSON values (rows of numbers), with an Argo-Rollout-like pod template after them. */
export function hugeCustomResource(values: number): PlanResource {
    const rows = Math.ceil(values / 300);
    return resource("kubernetes:argoproj.io/v1alpha1:Rollout", `huge-${values}`, {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Rollout",
        metadata: { name: "huge", namespace: "team-0" },
        spec: {
            analysis: { steps: Array.from({ length: rows }, (_, i) => ({ name: `step-${i}`, args: Array.from({ length: 298 }, (_, j) => j) })) },
            template: { spec: { serviceAccountName: "app", containers: [{ name: "app", image: "iis" }] } },
        },
    });
}

async function main(): Promise<void> {
    const flags = benchArgs({
        script: "bench:policy",
        about:
            "How long the policy pack takes on synthetic plans (a realistic mix of gMSA workloads, RBAC and AWS\n" +
            "resources), three ways: evaluate_ms the policies in-process; protocol_ms through the analyzer\n" +
            "protocol as the CLI runs the pack; floor_ms the protocol with every policy disabled. Then one\n" +
            "very large custom resource among 1,000 others (the pod-spec scan's cost and limit).",
        flags: {
            "--sizes": { placeholder: "<n,n,...>", fallback: "1000,10000", help: "plan sizes in resources", check: positiveIntegers },
            "--runs": { placeholder: "<n>", fallback: "3", help: "runs per measurement (the median is printed)", check: positiveInteger },
            "--custom-resource-values": {
                placeholder: "<n,n,...>",
                fallback: `300000,${Math.round(SCAN_LIMITS.maxValues * 1.1)}`,
                help: "sizes of the large custom resource, in JSON values (the second default is past the scan's limit)",
                check: positiveIntegers,
            },
        },
    });
    const sizes = flags["--sizes"].split(",").map(Number);
    const runs = Number(flags["--runs"]);
    const progress = progressReporter("bench:policy");

    progress("starting the policy pack");
    const started = process.hrtime.bigint();
    const pack = await startPolicyPack(defaultPackDir);
    console.log(`policy-time startup_ms=${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(0)} policies=${pack.info.policies.length}`);
    try {
        progress("warming up the pack and this process (200 and 2,000 resources)");
        await pack.analyze(syntheticPlan(200)); // warm up the pack's JIT
        const disabled = Object.fromEntries(pack.info.policies.map((p) => [p.name, { enforcementLevel: "disabled" as const }]));
        const time = async (f: () => unknown) => {
            const t = process.hrtime.bigint();
            await f();
            return Number(process.hrtime.bigint() - t) / 1e6;
        };
        evaluateInProcess(syntheticPlan(2000)); // warm up this process's JIT too
        /** Median milliseconds in-process, through the protocol, and through the protocol with every policy disabled. */
        const measure = async (plan: ReturnType<typeof syntheticPlan>, what: string) => {
            const evaluate: number[] = [],
                protocol: number[] = [],
                floor: number[] = [];
            let violations = 0;
            for (let r = 0; r < runs; r++) {
                progress(`${what}, run ${r + 1} of ${runs}: in-process, through the protocol, protocol floor`);
                evaluate.push(
                    await time(() => {
                        violations = evaluateInProcess(plan).length;
                    }),
                );
                protocol.push(await time(() => pack.analyze(plan)));
                floor.push(await time(() => pack.analyze(plan, disabled)));
            }
            return { evaluate: median(evaluate), protocol: median(protocol).toFixed(0), floor: median(floor).toFixed(0), violations };
        };
        for (const size of sizes) {
            const m = await measure(syntheticPlan(size), `${size} resources`);
            console.log(
                `policy-time resources=${size} runs=${runs} evaluate_ms=${m.evaluate.toFixed(0)} evaluate_per_1000_ms=${(m.evaluate / (size / 1000)).toFixed(1)} protocol_ms=${m.protocol} floor_ms=${m.floor} violations=${m.violations}`,
            );
        }
        for (const values of flags["--custom-resource-values"].split(",").map(Number)) {
            const m = await measure([...syntheticPlan(1000), hugeCustomResource(values)], `a custom resource of ${values} values among 1,000 resources`);
            console.log(
                `policy-time custom_resource_values=${values} plus_resources=1000 runs=${runs} evaluate_ms=${m.evaluate.toFixed(0)} protocol_ms=${m.protocol} floor_ms=${m.floor} violations=${m.violations}`,
            );
        }
    } finally {
        await pack.close();
    }
}

if (require.main === module) main();
