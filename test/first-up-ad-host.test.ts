// Issue 11, finding 4 (c): the management host, which can read the directory Admin's secret, is
// stopped whenever no document runs. The deployer-side bash is executed here against a fake AWS
// CLI that plays EC2 and Systems Manager and records every call; the runbooks' release step (Python)
// is executed against a stand-in boto3; the runbooks are walked step by step.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { resultMarker } from "../components/directoryDocuments";
import { runDocumentScript, runDocumentScriptPath } from "../components/directoryProvisioning";
import { nodeLaunchRunbook, nodeLifecycleAutomationPolicy, nodeTerminationRunbook, releaseHostScript } from "../components/nodeLifecycleRunbooks";
import { inputs, one, runOk } from "./helpers";

const hostId = "i-0123456789abcdef0";
const commandId = "11111111-2222-3333-4444-555555555555";

interface Scenario {
    /** The host's state when the script starts: one state, or a comma list the fake answers in turn (the last repeats). */
    state?: string;
    /** describe-instance-information polls until Online. */
    onlineAfter?: number;
    /** The command's final status. */
    status?: string;
    /** In progress elsewhere: lifecycle runbook executions, commands on the host, sessions on it. */
    executions?: string[];
    commands?: string[];
    sessions?: string[];
    /** An aws subcommand that fails. */
    failing?: string;
    /** Domain-joined mode's runbook name prefix; null: domainless (no runbooks share the host). */
    runbookPrefix?: string | null;
    /** The run's standard error as Systems Manager returns it. */
    runStderr?: string;
}

/**
 * A fake `aws` (bash): answers from the scenario (environment), and appends each call's
 * subcommand and arguments to calls.log.
 */
const fakeAws = `#!/usr/bin/env bash
echo "$*" >> "$FAKE_LOG"
[ "$2" = "\${FAKE_FAILING:-none}" ] && { echo "An error occurred (AccessDenied) when calling $2" >&2; exit 254; }
case "$1 $2" in
  "ec2 describe-instances")
    # FAKE_STATE: one state, or a comma list answered in turn (the last one repeats).
    n=$(grep -c "^ec2 describe-instances" "$FAKE_LOG")
    IFS=, read -ra states <<< "$FAKE_STATE"
    i=$(( n <= \${#states[@]} ? n - 1 : \${#states[@]} - 1 ))
    echo "\${states[$i]}" ;;
  "ec2 start-instances"|"ec2 stop-instances") echo '{}' ;;
  "ec2 wait") ;;
  "ssm describe-instance-information")
    polls=$(grep -c describe-instance-information "$FAKE_LOG")
    if [ "$polls" -ge "$FAKE_ONLINE_AFTER" ]; then echo Online; else echo ConnectionLost; fi ;;
  "ssm send-command") echo ${commandId} ;;
  "ssm get-command-invocation")
    case "$*" in
      *StandardOutputContent*) printf 'connected to dc1.corp.example.com\\n${resultMarker}{}\\n' ;;
      *StandardErrorContent*) printf '%s\\n' "$FAKE_RUN_STDERR" ;;
      *) echo "$FAKE_STATUS" ;;
    esac ;;
  "ssm describe-automation-executions") echo "$FAKE_EXECUTIONS" ;;
  "ssm list-commands") echo "$FAKE_COMMANDS" ;;
  "ssm describe-sessions") echo "$FAKE_SESSIONS" ;;
  *) echo "fake aws: unexpected call $*" >&2; exit 2 ;;
esac
`;

/**
 * A failed run's standard error: lines the step's Python may print before its one-line error
 * (here one that carries a password, which must never reach `pulumi up`'s error), the error, and
 * the line the SSM agent adds itself.
 */
const runError =
    "eks-gmsa-ad: provision: creating gMSA WebApp01$ failed: the forest has no usable KDS root key; a Domain Admin runs Add-KdsRootKey once, gMSAs can be created 10 hours later";
const runStderr = ["WARNING: debug dump password=Hunter2-Secret", runError, "", "failed to run commands: exit status 1"].join("\n");

/** Secrets the deployer's environment may hold: they must never reach the output. */
const deployerSecrets = { AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", AWS_SESSION_TOKEN: "FwoGZXIvYXdzEXAMPLETOKEN" };

function runWithFakeAws(s: Scenario) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-aws-"));
    const log = path.join(dir, "calls.log");
    fs.writeFileSync(log, "");
    fs.writeFileSync(path.join(dir, "aws"), fakeAws, { mode: 0o755 });
    try {
        const result = spawnSync("bash", ["-c", runDocumentScript], {
            encoding: "utf8",
            env: {
                ...process.env,
                ...deployerSecrets,
                PATH: `${dir}:${process.env.PATH}`,
                FAKE_LOG: log,
                FAKE_STATE: s.state ?? "stopped",
                FAKE_ONLINE_AFTER: String(s.onlineAfter ?? 2),
                FAKE_STATUS: s.status ?? "Success",
                FAKE_EXECUTIONS: (s.executions ?? []).join("\t"),
                FAKE_COMMANDS: (s.commands ?? []).join("\t"),
                FAKE_SESSIONS: (s.sessions ?? []).join("\t"),
                FAKE_FAILING: s.failing ?? "none",
                FAKE_RUN_STDERR: s.runStderr ?? runStderr,
                INSTANCE_ID: hostId,
                DOCUMENT_NAME: "dev-ad-provision-accounts",
                DOCUMENT_VERSION: "3",
                ...(s.runbookPrefix === null ? {} : { RUNBOOK_PREFIX: s.runbookPrefix ?? "dev-windows-node-" }),
                POLL_SECONDS: "0",
                ONLINE_TRIES: "5",
                RUN_TRIES: "5",
            },
        });
        const calls = fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean);
        return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Index of the first call that starts with `prefix`, or -1. */
const at = (calls: string[], prefix: string) => calls.findIndex((c) => c.startsWith(prefix));

describe("the deployer-side script (components/scripts/run-ad-document.sh), executed with a fake aws", () => {
    test("passes shellcheck", () => {
        const lint = spawnSync("shellcheck", [runDocumentScriptPath], { encoding: "utf8" });
        assert.ok(!lint.error, "shellcheck is missing: apt-get install -y shellcheck (test/run-all.sh installs it)");
        assert.equal(lint.status, 0, lint.stdout);
    });

    test("a host another run stops while this one waits for it (the rotation function releasing it) is started again, and the run goes on", () => {
        const r = runWithFakeAws({ state: "running,stopped,stopped,running", onlineAfter: 3 });
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, /the AD management host i-[0-9a-f]+ was stopped while this run waited for it: starting it again/);
        const firstPoll = at(r.calls, "ssm describe-instance-information");
        const start = at(r.calls, `ec2 start-instances --instance-ids ${hostId}`);
        assert.ok(firstPoll >= 0 && start > firstPoll, r.calls.join("\n"));
        assert.ok(at(r.calls, "ssm send-command") > start);
    });

    test("starts a stopped host, waits for it, runs the document's version, prints only the run's output, then stops the host", () => {
        const r = runWithFakeAws({ state: "stopped", onlineAfter: 2 });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, `connected to dc1.corp.example.com\n${resultMarker}{}\n`);
        const start = at(r.calls, `ec2 start-instances --instance-ids ${hostId}`);
        const send = at(r.calls, `ssm send-command --instance-ids ${hostId} --document-name dev-ad-provision-accounts --document-version 3`);
        const stop = at(r.calls, `ec2 stop-instances --instance-ids ${hostId}`);
        assert.ok(start >= 0 && send > start && stop > send, r.calls.join("\n"));
        assert.ok(at(r.calls, "ec2 wait instance-running") > start);
        // Before stopping, it looked for other users: this cluster's runbooks, commands and sessions on the host.
        assert.ok(
            at(
                r.calls,
                "ssm describe-automation-executions --filters Key=DocumentNamePrefix,Values=dev-windows-node- Key=ExecutionStatus,Values=Pending,InProgress,Waiting",
            ) > send,
        );
        assert.ok(at(r.calls, `ssm list-commands --instance-id ${hostId} --filters key=Status,value=InProgress`) > send);
        assert.ok(at(r.calls, `ssm describe-sessions --state Active --filters key=Target,value=${hostId}`) > send);
        assert.match(r.stderr, /started the AD management host/);
        assert.match(r.stderr, /stopped the AD management host/);
    });

    test("domainless (no runbooks share the host): it does not look for runbook executions", () => {
        const r = runWithFakeAws({ runbookPrefix: null });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(at(r.calls, "ssm describe-automation-executions"), -1);
        assert.ok(at(r.calls, "ec2 stop-instances") > at(r.calls, "ssm send-command"));
    });

    test("a running host is not started again, and is stopped afterwards", () => {
        const r = runWithFakeAws({ state: "running" });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(at(r.calls, "ec2 start-instances"), -1);
        assert.ok(at(r.calls, "ec2 stop-instances") > at(r.calls, "ssm send-command"));
    });

    test("a host still stopping is waited for, then started", () => {
        const r = runWithFakeAws({ state: "stopping" });
        assert.equal(r.status, 0, r.stderr);
        assert.ok(at(r.calls, "ec2 wait instance-stopped") >= 0 && at(r.calls, "ec2 start-instances") > at(r.calls, "ec2 wait instance-stopped"));
    });

    test("a failed run fails with the run's one-line error only, and the host is stopped anyway", () => {
        const r = runWithFakeAws({ status: "Failed" });
        assert.equal(r.status, 1);
        assert.equal(r.stdout, "");
        // @pulumi/command puts all of this into the error `pulumi up` prints: one line of the run, no more.
        assert.ok(r.stderr.includes(`AD provisioning Failed on ${hostId} (command ${commandId}): ${runError}\n`), r.stderr);
        assert.ok(!r.stderr.includes("Hunter2-Secret") && !r.stderr.includes("failed to run commands"), r.stderr);
        assert.ok(at(r.calls, "ec2 stop-instances") > at(r.calls, "ssm send-command"));
    });

    test("a failed run that printed no error says where to look, and a runaway line is cut at 1000 characters", () => {
        const silent = runWithFakeAws({ status: "Failed", runStderr: "failed to run commands: exit status 1" });
        assert.match(silent.stderr, /AD provisioning Failed on .*: it printed no error line; see the command in Systems Manager Run Command/);
        const long = runWithFakeAws({ status: "TimedOut", runStderr: "x".repeat(5000) });
        assert.ok(long.stderr.includes(`(command ${commandId}): ${"x".repeat(1000)}\n`), "the first 1000 characters");
        assert.ok(!long.stderr.includes("x".repeat(1001)));
    });

    test("a host that never comes online fails with what to check, sends nothing, and is stopped", () => {
        const r = runWithFakeAws({ onlineAfter: 99 });
        assert.equal(r.status, 1);
        assert.match(
            r.stderr,
            new RegExp(`management host ${hostId} is not online in Systems Manager \\(last status: ConnectionLost\\); check its instance profile`),
        );
        assert.equal(at(r.calls, "ssm send-command"), -1);
        assert.ok(at(r.calls, "ec2 stop-instances") >= 0);
    });

    test("a run that times out fails with the command ID; its own unfinished command does not keep the host up", () => {
        const r = runWithFakeAws({ status: "InProgress", commands: [commandId] });
        assert.equal(r.status, 1);
        assert.match(r.stderr, new RegExp(`did not finish in time on ${hostId} \\(command ${commandId}, status InProgress\\)`));
        assert.ok(at(r.calls, "ec2 stop-instances") >= 0);
    });

    test("a host another user needs is left running, and says for whom", () => {
        const cases: [Scenario, string][] = [
            [{ executions: ["exec-1"] }, "runbook execution exec-1"],
            [{ commands: [commandId, "other-command"] }, "command other-command"],
            [{ sessions: ["admin-0a1b"] }, "session admin-0a1b"],
        ];
        for (const [busy, says] of cases) {
            const r = runWithFakeAws(busy);
            assert.equal(r.status, 0, r.stderr);
            assert.equal(at(r.calls, "ec2 stop-instances"), -1, says);
            assert.match(r.stderr, new RegExp(`left the AD management host ${hostId} running for: ${says}$`, "m"));
        }
    });

    test("when it cannot tell whether the host is in use, it leaves it running and keeps the run's result", () => {
        const r = runWithFakeAws({ failing: "list-commands" });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(at(r.calls, "ec2 stop-instances"), -1);
        assert.match(r.stderr, /could not tell whether anything else uses the AD management host .*: left it running/);
    });

    test("no secret of the deployer's environment reaches the output, and the script reads no secret", () => {
        for (const scenario of [{}, { status: "Failed" }, { onlineAfter: 99 }] as Scenario[]) {
            const r = runWithFakeAws(scenario);
            for (const value of Object.values(deployerSecrets)) {
                assert.ok(!r.stdout.includes(value) && !r.stderr.includes(value), "a credential was printed");
                assert.ok(!r.calls.some((c) => c.includes(value)), "a credential was passed on the command line");
            }
            assert.ok(!r.calls.some((c) => c.startsWith("secretsmanager") || c.startsWith("kms")), r.calls.join("\n"));
        }
    });
});

/** Runs the release step's Python with a stand-in boto3 that plays the scenario and records calls. */
function runRelease(scenario: { executions?: string[][]; commands?: string[]; sessions?: string[]; raise?: string }) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-"));
    try {
        // executions: one list per describe call (the first check, then the re-check after the stop).
        fs.writeFileSync(
            path.join(dir, "boto3.py"),
            [
                "import json, os",
                "scenario = json.loads(os.environ['SCENARIO'])",
                "calls = []",
                "checks = {'n': 0}",
                "class _Pages:",
                "    def paginate(self, **kw):",
                "        calls.append(['describe_automation_executions', kw])",
                "        runs = scenario.get('executions', [[]])",
                "        ids = runs[min(checks['n'], len(runs) - 1)]",
                "        checks['n'] += 1",
                "        return [{'AutomationExecutionMetadataList': [{'AutomationExecutionId': i} for i in ids]}]",
                "class _Ssm:",
                "    def get_paginator(self, name):",
                "        assert name == 'describe_automation_executions'",
                "        return _Pages()",
                "    def list_commands(self, **kw):",
                "        calls.append(['list_commands', kw])",
                "        if scenario.get('raise') == 'list_commands': raise RuntimeError('AccessDenied')",
                "        return {'Commands': [{'CommandId': c} for c in scenario.get('commands', [])]}",
                "    def describe_sessions(self, **kw):",
                "        calls.append(['describe_sessions', kw])",
                "        return {'Sessions': [{'SessionId': s} for s in scenario.get('sessions', [])]}",
                "class _Waiter:",
                "    def wait(self, **kw): calls.append(['wait_instance_stopped', kw])",
                "class _Ec2:",
                "    def stop_instances(self, **kw): calls.append(['stop_instances', kw])",
                "    def start_instances(self, **kw): calls.append(['start_instances', kw])",
                "    def get_waiter(self, name):",
                "        assert name == 'instance_stopped'",
                "        return _Waiter()",
                "def client(name):",
                "    return {'ssm': _Ssm, 'ec2': _Ec2}[name]()",
            ].join("\n"),
        );
        fs.writeFileSync(path.join(dir, "step.py"), releaseHostScript);
        const run = spawnSync(
            "python3",
            [
                "-c",
                [
                    "import json, boto3, step",
                    `result = step.handler({'HostId': '${hostId}', 'RunbookPrefix': 'dev-windows-node-', 'ExecutionId': 'self-1'}, None)`,
                    "print(json.dumps({'result': result, 'calls': boto3.calls}))",
                ].join("\n"),
            ],
            { cwd: dir, encoding: "utf8", env: { ...process.env, PYTHONPATH: dir, SCENARIO: JSON.stringify(scenario) } },
        );
        assert.equal(run.status, 0, run.stderr);
        const out = JSON.parse(run.stdout) as { result: { host: string; because: string[] }; calls: [string, Record<string, unknown>][] };
        return { ...out, names: out.calls.map(([name]) => name) };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("the runbooks' release step (components/scripts/release-management-host.py), executed with a stand-in boto3", () => {
    test("passes pyflakes", () => {
        const lint = spawnSync("pyflakes3", [path.join(__dirname, "..", "components", "scripts", "release-management-host.py")], { encoding: "utf8" });
        assert.ok(!lint.error, "pyflakes3 is missing: apt-get install -y pyflakes3 (test/run-all.sh installs it)");
        assert.equal(lint.status, 0, lint.stdout);
    });

    test("an idle host is stopped; the runbook's own execution does not count as a user", () => {
        const r = runRelease({ executions: [["self-1"]] });
        assert.deepEqual(r.result, { host: "stopped", because: [] });
        assert.deepEqual(r.calls.find(([n]) => n === "stop_instances")![1], { InstanceIds: [hostId] });
        assert.deepEqual(r.calls[0][1].Filters, [
            { Key: "DocumentNamePrefix", Values: ["dev-windows-node-"] },
            { Key: "ExecutionStatus", Values: ["Pending", "InProgress", "Waiting"] },
        ]);
    });

    test("a host that another execution, a command or a session needs is left running", () => {
        for (const busy of [{ executions: [["self-1", "other-2"]] }, { commands: ["cmd-9"] }, { sessions: ["admin-0a1b"] }]) {
            const r = runRelease(busy);
            assert.equal(r.result.host, "left running");
            assert.ok(!r.names.includes("stop_instances"), JSON.stringify(busy));
        }
    });

    test("an execution that started between the check and the stop gets the host started again", () => {
        const r = runRelease({ executions: [["self-1"], ["self-1", "late-3"]] });
        assert.deepEqual(r.result, { host: "restarted", because: ["runbook execution late-3"] });
        assert.deepEqual(
            r.names.filter((n) => /instances|wait/.test(n)),
            ["stop_instances", "wait_instance_stopped", "start_instances"],
        );
    });

    test("an error leaves the host as it was, and never fails the runbook", () => {
        const r = runRelease({ raise: "list_commands" });
        assert.equal(r.result.host, "left running");
        assert.match(r.result.because[0], /AccessDenied/);
        assert.ok(!r.names.includes("stop_instances"));
    });
});

/** The fields of an SSM Automation step these tests read. */
interface RunbookStep {
    name: string;
    action: string;
    isEnd?: boolean;
    isCritical?: boolean;
    nextStep?: string;
    onFailure?: string;
    inputs: { Api?: string; InstanceIds?: string[]; DesiredValues?: string[]; PropertySelector?: string; Script?: string; InputPayload?: unknown };
}

interface Runbook {
    mainSteps: RunbookStep[];
}

/** Every path through a runbook from `from`, following nextStep, fall-through and onFailure. */
function paths(doc: Runbook, from: string): string[][] {
    const steps = doc.mainSteps;
    const index = new Map(steps.map((s, i) => [s.name, i]));
    const out: string[][] = [];
    const walk = (name: string, trail: string[]) => {
        const step = steps[index.get(name)!];
        const next = [
            ...new Set(
                [
                    step.isEnd ? undefined : (step.nextStep ?? steps[index.get(name)! + 1]?.name),
                    step.onFailure?.startsWith("step:") ? step.onFailure.slice(5) : undefined,
                ].filter((n): n is string => Boolean(n)),
            ),
        ];
        if (next.length === 0) out.push([...trail, name]);
        for (const n of next) walk(n, [...trail, name]);
    };
    walk(from, []);
    return out;
}

describe("the lifecycle runbooks start the host for their AD step and release it on every path", () => {
    const args = {
        automationRoleArn: "arn:aws:iam::123456789012:role/automation",
        managementHostId: hostId,
        runbookPrefix: "dev-windows-node-",
        groupName: "dev-windows-nodes",
    };
    const pin = (name: string) => ({ name, version: "1" });
    const runbooks = {
        launch: JSON.parse(
            nodeLaunchRunbook({
                ...args,
                hookName: "dev-windows-join-readers-group",
                domainName: "corp.example.com",
                documents: {
                    waitForDomainJoin: pin("dev-node-wait-for-domain-join"),
                    addToReadersGroup: pin("dev-ad-add-node-to-readers"),
                    rebootOnce: pin("dev-node-reboot-once"),
                },
            }),
        ) as Runbook,
        termination: JSON.parse(
            nodeTerminationRunbook({
                ...args,
                hookName: "dev-windows-delete-computer-account",
                documents: { deleteComputerAccount: pin("dev-ad-delete-node-computer") },
            }),
        ) as Runbook,
    };

    for (const [name, doc] of Object.entries(runbooks)) {
        test(`${name}: the command on the host comes after starting it and waiting for SSM; every path after the start releases it before completing`, () => {
            const byName = new Map(doc.mainSteps.map((s) => [s.name, s]));
            const stepNamed = (n: string): RunbookStep => {
                const step = byName.get(n);
                assert.ok(step, `no step ${n}`);
                return step;
            };
            const onHost = doc.mainSteps.filter((s) => s.action === "aws:runCommand" && s.inputs.InstanceIds?.includes(hostId));
            assert.equal(onHost.length, 1);
            const stopping = stepNamed("waitWhileHostStops");
            assert.deepEqual(
                [stopping.inputs.Api, stopping.inputs.InstanceIds, stopping.inputs.DesiredValues],
                ["DescribeInstances", [hostId], ["pending", "running", "stopped"]],
            );
            const start = byName.get("startManagementHost");
            assert.deepEqual([start?.action, start?.inputs], ["aws:changeInstanceState", { InstanceIds: [hostId], DesiredState: "running" }]);
            const wait = stepNamed("waitForManagementHost");
            assert.deepEqual(
                [wait.inputs.Api, wait.inputs.PropertySelector, wait.inputs.DesiredValues],
                ["DescribeInstanceInformation", "$.InstanceInformationList[0].PingStatus", ["Online"]],
            );
            for (const p of paths(doc, doc.mainSteps[0].name).filter((p) => p.includes(onHost[0].name))) {
                assert.ok(
                    p.indexOf("waitWhileHostStops") < p.indexOf("startManagementHost") &&
                        p.indexOf("startManagementHost") < p.indexOf("waitForManagementHost") &&
                        p.indexOf("waitForManagementHost") < p.indexOf(onHost[0].name) &&
                        p.indexOf("waitWhileHostStops") >= 0,
                    p.join(" → "),
                );
            }
            for (const p of paths(doc, "waitWhileHostStops")) {
                const end = stepNamed(p[p.length - 1]);
                assert.equal(end.inputs.Api, "CompleteLifecycleAction", p.join(" → "));
                const release = p.find((s) => stepNamed(s).action === "aws:executeScript" && stepNamed(s).inputs.Script === releaseHostScript);
                assert.ok(release, `no release on ${p.join(" → ")}`);
                assert.deepEqual(stepNamed(release).inputs.InputPayload, {
                    HostId: hostId,
                    RunbookPrefix: "dev-windows-node-",
                    ExecutionId: "{{ automation:EXECUTION_ID }}",
                });
                assert.equal(stepNamed(release).isCritical, false);
            }
        });
    }

    test("the runbooks' role may start and stop the management host and no other instance", () => {
        const policy = nodeLifecycleAutomationPolicy({
            partition: "aws",
            region: "us-west-2",
            groupName: "dev-windows-nodes",
            managementHostId: hostId,
            nodeDocumentArns: ["arn:doc1"],
            hostDocumentArns: ["arn:doc2"],
        });
        const power = policy.Statement.filter((s) => [s.Action].flat().some((a) => /^ec2:(Start|Stop)Instances$/.test(a)));
        assert.deepEqual(
            power.map((s) => [s.Effect, [s.Action].flat().sort(), s.Resource]),
            [["Allow", ["ec2:StartInstances", "ec2:StopInstances"], `arn:aws:ec2:us-west-2:*:instance/${hostId}`]],
        );
        const follow = [policy.Statement.find((s) => s.Sid === "FollowCommands")!.Action].flat();
        for (const action of ["ssm:DescribeAutomationExecutions", "ssm:ListCommands", "ssm:DescribeSessions", "ec2:DescribeInstanceStatus"])
            assert.ok(follow.includes(action), action);
    });
});

describe("the provisioning command in the plan", () => {
    test("domainless (dev): it runs the bash above and watches no runbooks; domain-joined: it leaves the host up while a lifecycle runbook runs", () => {
        const dev = inputs(one(runOk({ stack: "dev" }), "command:local:Command"));
        assert.equal(dev.create, runDocumentScript);
        assert.equal(dev.environment.RUNBOOK_PREFIX, undefined);
        const joined = runOk({
            stack: "dev",
            overrides: {
                "eks-gmsa:gmsa": {
                    mode: "domainJoined",
                    accounts: [{ name: "webapp01", account: "WebApp01", allowed: [{ namespace: "web", serviceAccounts: ["webapp"] }] }],
                },
                "eks-gmsa:portableIdentityPassword": null,
            },
        });
        const prefix = inputs(one(joined, "command:local:Command")).environment.RUNBOOK_PREFIX;
        assert.equal(prefix, "eks-gmsa-dev-windows-node-");
        const runbooks = joined.resources
            .filter((r) => r.type === "aws:ssm/document:Document" && inputs(r).documentType === "Automation")
            .map((r) => inputs(r).name);
        assert.deepEqual(runbooks.sort(), ["eks-gmsa-dev-windows-node-launch", "eks-gmsa-dev-windows-node-termination"]);
        assert.ok(runbooks.every((name: string) => name.startsWith(prefix)));
        // The one host serves provisioning and the runbooks, and is the Admin secret's only reader here too.
        const hostRole = inputs(one(joined, "aws:iam/rolePolicy:RolePolicy", "ad-management-host-read-credentials")).role;
        const readers = JSON.parse(inputs(one(joined, "aws:secretsmanager/secretPolicy:SecretPolicy")).policy).Statement[0].Condition.ArnNotEquals[
            "aws:PrincipalArn"
        ];
        assert.ok(readers.includes(`arn:aws:iam::123456789012:role/${hostRole}`), readers.join(", "));
    });
});
