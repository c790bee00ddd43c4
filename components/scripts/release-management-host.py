"""Stops the AD management host unless something else needs it (an aws:executeScript step, Python 3.11).

The host holds no standing session to the directory's credentials while it is stopped, so the
lifecycle runbooks start it for their AD step and end with this one. Busy means: another
execution of this cluster's lifecycle runbooks (it may be about to use the host), a command in
progress on the host, or an open Session Manager session on it. Every doubt leaves the host
running: a running host only waits for the next release, a stopped one would fail a node.
"""
import boto3

ACTIVE_EXECUTIONS = ["Pending", "InProgress", "Waiting"]


def busy(ssm, host, runbook_prefix, own_execution):
    """What keeps the host running, one line each; empty when it is idle. Also imported by the
    portable identity's rotation function (packaged beside it as release_management_host.py)."""
    reasons = []
    # No prefix: the stack has no lifecycle runbooks (domainless mode's rotation function calls this).
    executions = ssm.get_paginator("describe_automation_executions").paginate(Filters=[
        {"Key": "DocumentNamePrefix", "Values": [runbook_prefix]},
        {"Key": "ExecutionStatus", "Values": ACTIVE_EXECUTIONS},
    ]) if runbook_prefix else []
    for page in executions:
        for execution in page["AutomationExecutionMetadataList"]:
            if execution["AutomationExecutionId"] != own_execution:
                reasons.append("runbook execution " + execution["AutomationExecutionId"])
    commands = ssm.list_commands(InstanceId=host, Filters=[{"key": "Status", "value": "InProgress"}])["Commands"]
    reasons += ["command " + command["CommandId"] for command in commands]
    sessions = ssm.describe_sessions(State="Active", Filters=[{"key": "Target", "value": host}])["Sessions"]
    reasons += ["session " + session["SessionId"] for session in sessions]
    return reasons


def handler(events, context):
    host = events["HostId"]
    runbook_prefix = events["RunbookPrefix"]
    own_execution = events["ExecutionId"]
    ssm = boto3.client("ssm")
    ec2 = boto3.client("ec2")
    stopping = False
    try:
        reasons = busy(ssm, host, runbook_prefix, own_execution)
        if reasons:
            return {"host": "left running", "because": reasons}
        ec2.stop_instances(InstanceIds=[host])
        stopping = True
        # An execution that started between the check and the stop may have found the host
        # still running and gone on to use it: start the host again for it.
        late = busy(ssm, host, runbook_prefix, own_execution)
        if late:
            ec2.get_waiter("instance_stopped").wait(InstanceIds=[host], WaiterConfig={"Delay": 10, "MaxAttempts": 40})
            ec2.start_instances(InstanceIds=[host])
            return {"host": "restarted", "because": late}
        return {"host": "stopped", "because": []}
    except Exception as error:  # noqa: BLE001 - any doubt keeps the host available
        # Before the stop, nothing changed; after it, the next runbook starts the host itself.
        return {"host": "stopping" if stopping else "left running", "because": ["error: " + str(error)]}
