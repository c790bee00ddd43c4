"""The rotation function's SSM/EC2 host runner against botocore's Stubber (test/rotation-function.test.ts).

    python3 test/support/ssm_runner_cases.py <case>

Stubber checks every request against the real EC2 and SSM API models and against the parameters
each case expects, and answers in order; a request out of order or unexpected fails the case. The
runner is loaded as on Lambda: the function's files and components/scripts/release-management-host.py
as release_management_host.py in one directory (lambda_package_dir). Prints one JSON line: the
run's outcome, the runner's log lines, the simulated seconds waited and the Stubber's leftovers.
"""
import json
import os
import shutil
import sys
import tempfile

import boto3
from botocore.stub import ANY, Stubber

SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "components", "scripts")
HOST = "i-0123456789abcdef0"
TOKEN = "3f2c1a0e-8b7d-4c6e-9a5f-0d1e2f3a4b5c"
COMMAND = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
DOCUMENT = "eks-gmsa-dev-ad-rotate-identity"


def lambda_package_dir():
    """The rotation function's package as the program zips it: rotation/*.py and the release step."""
    target = tempfile.mkdtemp(prefix="rotation-lambda-")
    for name in os.listdir(os.path.join(SCRIPTS, "rotation")):
        if name.endswith(".py"):
            shutil.copy(os.path.join(SCRIPTS, "rotation", name), target)
    shutil.copy(os.path.join(SCRIPTS, "release-management-host.py"), os.path.join(target, "release_management_host.py"))
    return target


sys.path.insert(0, lambda_package_dir())
from ssm_host_runner import SsmHostRunner  # noqa: E402
from portable_identity_rotation import RotationError  # noqa: E402


def instance(state):
    return {"Reservations": [{"Instances": [{"InstanceId": HOST, "State": {"Name": state, "Code": 0}}]}]}


def ping(status=None):
    return {"InstanceInformationList": [{"InstanceId": HOST, "PingStatus": status}] if status else []}


def invocation(status, stderr=""):
    return {"CommandId": COMMAND, "InstanceId": HOST, "Status": status, "StandardErrorContent": stderr}


def idle(ssm, own=None):
    ssm.add_response("list_commands", {"Commands": [{"CommandId": own}] if own else []},
                     {"InstanceId": HOST, "Filters": [{"key": "Status", "value": "InProgress"}]})
    ssm.add_response("describe_sessions", {"Sessions": []}, {"State": "Active", "Filters": [{"key": "Target", "value": HOST}]})


def main(case):
    ec2_client = boto3.client("ec2", region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="x")
    ssm_client = boto3.client("ssm", region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="x")
    ec2, ssm = Stubber(ec2_client), Stubber(ssm_client)
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds

    step, deadline, prefix = "test", 600.0, None
    if case in ("keeps-the-host-for-the-test-step",):
        step = "set"
    describe = {"InstanceIds": [HOST]}
    online = {"Filters": [{"Key": "InstanceIds", "Values": [HOST]}]}
    sent = {"InstanceIds": [HOST], "DocumentName": DOCUMENT, "DocumentVersion": "3",
            "Parameters": {"Step": [step], "VersionId": [TOKEN]}, "Comment": ANY}
    get = {"CommandId": COMMAND, "InstanceId": HOST}
    if case == "starts-a-stopped-host":
        ec2.add_response("describe_instances", instance("stopped"), describe)
        ec2.add_response("start_instances", {"StartingInstances": []}, describe)
        ec2.add_response("describe_instances", instance("pending"), describe)
        ec2.add_response("describe_instances", instance("running"), describe)
        ssm.add_response("describe_instance_information", ping(), online)
        ec2.add_response("describe_instances", instance("running"), describe)  # not online yet: still running?
        ssm.add_response("describe_instance_information", ping("ConnectionLost"), online)
        ec2.add_response("describe_instances", instance("running"), describe)
        ssm.add_response("describe_instance_information", ping("Online"), online)
        ssm.add_response("send_command", {"Command": {"CommandId": COMMAND}}, sent)
        ssm.add_client_error("get_command_invocation", "InvocationDoesNotExist", expected_params=get)
        ssm.add_response("get_command_invocation", invocation("InProgress"), get)
        ssm.add_response("get_command_invocation", invocation("Success"), get)
        idle(ssm)
        ec2.add_response("stop_instances", {"StoppingInstances": []}, describe)
    elif case == "waits-for-a-stopping-host":
        ec2.add_response("describe_instances", instance("stopping"), describe)
        ec2.add_response("describe_instances", instance("stopped"), describe)
        ec2.add_response("start_instances", {"StartingInstances": []}, describe)
        ec2.add_response("describe_instances", instance("running"), describe)
        ssm.add_response("describe_instance_information", ping("Online"), online)
        ssm.add_response("send_command", {"Command": {"CommandId": COMMAND}}, sent)
        ssm.add_response("get_command_invocation", invocation("Success"), get)
        idle(ssm)
        ec2.add_response("stop_instances", {"StoppingInstances": []}, describe)
    elif case == "failed-run-while-a-runbook-uses-the-host":
        prefix = "eks-gmsa-dev-node-"
        ec2.add_response("describe_instances", instance("running"), describe)
        ec2.add_response("describe_instances", instance("running"), describe)
        ssm.add_response("describe_instance_information", ping("Online"), online)
        ssm.add_response("send_command", {"Command": {"CommandId": COMMAND}}, sent)
        stderr = ("eks-gmsa-host: installing python3-samba from the Ubuntu archive\n"
                  "Traceback: password='Pa55-Leaked!' in a frame\n"
                  "eks-gmsa: set: the pending user gmsa-reader-b does not exist; run `pulumi up`\n"
                  "failed to run commands: exit status 1\n")
        ssm.add_response("get_command_invocation", invocation("Failed", stderr), get)
        ssm.add_response("describe_automation_executions", {"AutomationExecutionMetadataList": [{"AutomationExecutionId": "7e6d5c4b-3a29-4817-a6f5-e4d3c2b1a098"}]},
                         {"Filters": [{"Key": "DocumentNamePrefix", "Values": [prefix]},
                                      {"Key": "ExecutionStatus", "Values": ["Pending", "InProgress", "Waiting"]}]})
        idle(ssm)
    elif case == "times-out-before-the-deadline":
        deadline = 60.0
        ec2.add_response("describe_instances", instance("running"), describe)
        ec2.add_response("describe_instances", instance("running"), describe)
        ssm.add_response("describe_instance_information", ping("Online"), online)
        ssm.add_response("send_command", {"Command": {"CommandId": COMMAND}}, sent)
        for _ in range(13):  # polls at 0, 5, ... 60 seconds: the next would pass the deadline
            ssm.add_response("get_command_invocation", invocation("InProgress"), get)
        idle(ssm, own=COMMAND)
        ec2.add_response("stop_instances", {"StoppingInstances": []}, describe)
    elif case == "leaves-the-host-to-an-open-session":
        ec2.add_response("describe_instances", instance("running"), describe)
        ec2.add_response("describe_instances", instance("running"), describe)
        ssm.add_response("describe_instance_information", ping("Online"), online)
        ssm.add_response("send_command", {"Command": {"CommandId": COMMAND}}, sent)
        ssm.add_response("get_command_invocation", invocation("Success"), get)
        ssm.add_response("list_commands", {"Commands": [{"CommandId": "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"}]},
                         {"InstanceId": HOST, "Filters": [{"key": "Status", "value": "InProgress"}]})
        ssm.add_response("describe_sessions", {"Sessions": [{"SessionId": "admin-0a1b"}]},
                         {"State": "Active", "Filters": [{"key": "Target", "value": HOST}]})
    elif case == "keeps-the-host-for-the-test-step":
        ec2.add_response("describe_instances", instance("running"), describe)
        ec2.add_response("describe_instances", instance("running"), describe)
        ssm.add_response("describe_instance_information", ping("Online"), online)
        ssm.add_response("send_command", {"Command": {"CommandId": COMMAND}}, sent)
        ssm.add_response("get_command_invocation", invocation("Success"), get)
        # No release: no look for other users, no stop.
    elif case == "starts-the-host-again-when-another-run-stopped-it":
        ec2.add_response("describe_instances", instance("running"), describe)
        ec2.add_response("describe_instances", instance("running"), describe)
        ssm.add_response("describe_instance_information", ping("ConnectionLost"), online)
        # pulumi up's provisioning run released the host while this step waited for it.
        ec2.add_response("describe_instances", instance("stopping"), describe)
        ec2.add_response("describe_instances", instance("stopping"), describe)
        ec2.add_response("describe_instances", instance("stopped"), describe)
        ec2.add_response("start_instances", {"StartingInstances": []}, describe)
        ec2.add_response("describe_instances", instance("running"), describe)
        ssm.add_response("describe_instance_information", ping("Online"), online)
        ssm.add_response("send_command", {"Command": {"CommandId": COMMAND}}, sent)
        ssm.add_response("get_command_invocation", invocation("Success"), get)
        idle(ssm)
        ec2.add_response("stop_instances", {"StoppingInstances": []}, describe)
    else:
        raise SystemExit("unknown case " + case)

    runner = SsmHostRunner(ec2_client, ssm_client, HOST, DOCUMENT, "3", runbook_prefix=prefix, poll_seconds=5.0,
                           clock=lambda: now[0], sleep=sleep)
    outcome = {"ok": True}
    with ec2, ssm:
        try:
            runner.run(step, TOKEN, deadline)
        except RotationError as error:
            outcome = {"ok": False, "error": str(error)}
    leftovers = len(ec2._queue) + len(ssm._queue)
    print(json.dumps(dict(outcome, log=runner.log, waited=now[0], deadline=deadline, leftovers=leftovers)))


if __name__ == "__main__":
    main(sys.argv[1])
