"""What the lifecycle runbooks learn about a node (aws:executeScript steps, Python 3.11).

node_facts: EC2 Auto Scaling's and EC2's own records of the node, which the node cannot change:
that it is an instance of this cluster's Windows group, and when EC2 launched it.
reported_name: the computer name the node printed after joining. The node could print anything,
so this only checks its form; the AD step decides whether the account may be touched.
"""
import re
from datetime import timezone

import boto3

# A NetBIOS computer name, as the node's join document prints it.
COMPUTER_NAME = re.compile(r"[A-Za-z0-9-]{1,15}")


def node_facts(events, context):
    """The node's group (must be GroupName) and LaunchTime, UTC, to the second."""
    instance = events["InstanceId"]
    group = events["GroupName"]
    found = boto3.client("autoscaling").describe_auto_scaling_instances(InstanceIds=[instance])["AutoScalingInstances"]
    if not found:
        raise Exception(instance + " is not in any auto scaling group; this runbook serves only " + group)
    if found[0]["AutoScalingGroupName"] != group:
        raise Exception(instance + " belongs to auto scaling group " + found[0]["AutoScalingGroupName"] + "; this runbook serves only " + group)
    reservations = boto3.client("ec2").describe_instances(InstanceIds=[instance])["Reservations"]
    launched = reservations[0]["Instances"][0]["LaunchTime"]
    return {"launchTime": launched.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}


def reported_value(output, key):
    """The value of the last `key=value` line of the output, or None."""
    values = [line.strip()[len(key) + 1:] for line in output.splitlines() if line.strip().startswith(key + "=")]
    return values[-1] if values else None


def reported_name(events, context):
    """The computer name from the join document's output, once the node is in the expected domain."""
    output = events["Output"]
    domain = reported_value(output, "domain")
    if domain is None or domain.lower() != events["DomainName"].lower():
        raise Exception("the node reports domain " + repr(domain and domain[:80]) + ", not " + events["DomainName"] + ": check the domain-join association")
    name = reported_value(output, "computerName")
    if name is None or not COMPUTER_NAME.fullmatch(name):
        raise Exception("the node reports no NetBIOS computer name (1 to 15 letters, digits or '-'): " + repr(name and name[:40]))
    return {"computerName": name.upper()}
