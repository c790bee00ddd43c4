"""Runs one step of the rotation document on the AD management host, from the rotation function.

The host reads the directory Admin's credentials, so it is stopped between runs: this starts it if
needed, waits until Systems Manager reaches it, sends the pinned version of the rotation document
with Step and VersionId, waits for the run within the Lambda's time, and on every exit stops the
host again unless something else uses it (release_management_host.busy: the lifecycle runbooks'
rule, shared, packaged beside this file under that name). The same steps as run-ad-document.sh,
which does this for `pulumi up`.
"""
import time

from portable_identity_rotation import RotationError

TERMINAL_FAILURES = ("Failed", "Cancelled", "TimedOut", "Cancelling")


def run_error(stderr):
    """The run's one-line error: its last `eks-gmsa: ...` line (the host side's, which carries no
    secret), else the step script's last `eks-gmsa-host: ...` line; nothing else of the output."""
    lines = [line.strip() for line in (stderr or "").replace("\r", "").split("\n")]
    for prefix in ("eks-gmsa: ", "eks-gmsa-host: "):
        found = [line for line in lines if line.startswith(prefix)]
        if found:
            return found[-1][:1000]
    return None


def reached(value, goal):
    """True once a polled value is the goal, else the value (what the timeout reports)."""
    return True if value == goal else value


class SsmHostRunner:
    def __init__(self, ec2, ssm, host, document_name, document_version, runbook_prefix=None,
                 poll_seconds=5.0, clock=time.monotonic, sleep=time.sleep, busy=None):
        self.ec2, self.ssm, self.host = ec2, ssm, host
        self.document_name, self.document_version = document_name, document_version
        self.runbook_prefix = runbook_prefix
        self.poll_seconds, self.clock, self.sleep = poll_seconds, clock, sleep
        self.busy = busy
        self.log = []

    @classmethod
    def from_config(cls, config):
        import boto3
        missing = [name for name, value in (("HOST_INSTANCE_ID", config.host_id), ("DOCUMENT_NAME", config.document_name),
                                            ("DOCUMENT_VERSION", config.document_version)) if not value]
        if missing:
            raise RotationError("the rotation function's environment lacks %s (set by the eks-gmsa program)" % ", ".join(missing))
        return cls(boto3.client("ec2"), boto3.client("ssm"), config.host_id, config.document_name,
                   config.document_version, config.runbook_prefix)

    def say(self, line):
        self.log.append(line)
        print("eks-gmsa rotation: " + line, flush=True)

    def run(self, step, token, deadline):
        """Runs Step=step, VersionId=token; returns when the run succeeded, else raises RotationError."""
        command_id = None
        keep = False
        try:
            self.start_host(deadline)
            self.wait_online(deadline)
            command_id = self.ssm.send_command(
                InstanceIds=[self.host], DocumentName=self.document_name, DocumentVersion=self.document_version,
                Parameters={"Step": [step], "VersionId": [token]}, Comment="eks-gmsa portable identity rotation: " + step,
            )["Command"]["CommandId"]
            self.wait_for_run(command_id, step, deadline)
            # Secrets Manager calls testSecret right after a setSecret that succeeded: stopping the
            # host in between would cost a boot; the test step releases it.
            keep = step == "set"
        finally:
            if keep:
                self.say("left the AD management host %s running for the test step" % self.host)
            else:
                self.release(command_id)

    def state(self):
        reservations = self.ec2.describe_instances(InstanceIds=[self.host])["Reservations"]
        return reservations[0]["Instances"][0]["State"]["Name"]

    def wait(self, deadline, what, ready):
        while True:
            value = ready()
            if value is True:
                return
            if self.clock() + self.poll_seconds > deadline:
                raise RotationError("the AD management host %s %s in time (last: %s)" % (self.host, what, value))
            self.sleep(self.poll_seconds)

    def start_host(self, deadline):
        state = self.state()
        if state == "stopping":
            self.wait(deadline, "did not stop", lambda: reached(self.state(), "stopped"))
            state = "stopped"
        if state == "stopped":
            self.ec2.start_instances(InstanceIds=[self.host])
            self.say("started the AD management host %s" % self.host)
        elif state not in ("running", "pending"):
            raise RotationError("the AD management host %s is %s: it cannot run the rotation document" % (self.host, state))
        self.wait(deadline, "did not start", lambda: reached(self.state(), "running"))

    def ping_status(self):
        found = self.ssm.describe_instance_information(Filters=[{"Key": "InstanceIds", "Values": [self.host]}])["InstanceInformationList"]
        return found[0].get("PingStatus") if found else "not registered"

    def wait_online(self, deadline):
        def online():
            status = self.ping_status()
            if status == "Online":
                return True
            # Another user of the host (pulumi up's provisioning run, a runbook's release step) may
            # stop it while this step waits, before this step has a command that would keep it up.
            if self.state() in ("stopping", "stopped"):
                self.say("the AD management host %s was stopped while this step waited for it: starting it again" % self.host)
                self.start_host(deadline)
            return status

        self.wait(deadline, "is not online in Systems Manager", online)

    def invocation(self, command_id):
        try:
            return self.ssm.get_command_invocation(CommandId=command_id, InstanceId=self.host)
        except self.ssm.exceptions.InvocationDoesNotExist:
            # Run Command is eventually consistent: a command just sent may not be visible yet.
            return {"Status": "Pending"}

    def wait_for_run(self, command_id, step, deadline):
        last = {}

        def finished():
            last.update(self.invocation(command_id))
            status = last["Status"]
            if status == "Success" or status in TERMINAL_FAILURES:
                return True
            return status

        self.wait(deadline, "did not finish Step=%s (command %s)" % (step, command_id), finished)
        if last["Status"] != "Success":
            error = run_error(last.get("StandardErrorContent")) or "it printed no eks-gmsa line; see the command in Systems Manager Run Command"
            raise RotationError("Step=%s %s on %s (command %s): %s" % (step, last["Status"], self.host, command_id, error))

    def release(self, command_id):
        """Stops the host unless something else uses it; a failure here only leaves it running."""
        try:
            busy = self.busy
            if busy is None:
                from release_management_host import busy
            # This run's own command (still in progress after a timeout) does not keep the host up.
            reasons = [r for r in busy(self.ssm, self.host, self.runbook_prefix, None) if r != "command %s" % command_id]
            if reasons:
                self.say("left the AD management host %s running for: %s" % (self.host, ", ".join(reasons)))
                return
            self.ec2.stop_instances(InstanceIds=[self.host])
            self.say("stopped the AD management host %s" % self.host)
        except Exception as error:  # noqa: BLE001 - the step's own result matters more
            self.say("could not release the AD management host %s (%s: %s): left it running" % (self.host, type(error).__name__, str(error)[:300]))
