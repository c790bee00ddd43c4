"""Runs ONE step of the real rotation function (components/scripts/rotation/) with a chosen host runner.

    python3 test/support/rotation_step.py --event '{"Step": ..., "SecretId": ..., "ClientRequestToken": ...}'
        [--remaining-ms N] (--stand-in PLAN.json | --lambda-entry | --host-command CMD [ARG...])

The function's configuration comes from the environment, as on Lambda (SECRET_ARN, IDENTITY_USERS,
...), and its Secrets Manager client from boto3's (AWS_ENDPOINT_URL_SECRETS_MANAGER points it at
test/support/secretsManagerModel.ts). Host runners, in place of SSM Run Command on the host:

  --stand-in PLAN.json   records each host step as a JSON line {"step", "token"} in plan["record"] and
                         fails a step named in plan["fail"] ({"test": "eks-gmsa: ..."}) with that line.
  --lambda-entry         the module's own handler(event, context), as Lambda calls it (host by SSM).
  --host-command CMD...  runs CMD with SSM_Step and SSM_VersionId in its environment, as the SSM
                         agent runs the rotation document (e.g. the host side's `cli.py host
                         --payload-file`); a non-zero exit fails the step with the run's error line.

Exit 0 when the step succeeded; else 1, with `rotation-error: <the function's one line>` last on
stderr. The function's log lines are on stdout.
"""
import argparse
import json
import os
import subprocess
import sys

ROTATION_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "components", "scripts", "rotation")
sys.path.insert(0, ROTATION_DIR)

import boto3  # noqa: E402
import portable_identity_rotation as rotation  # noqa: E402
from ssm_host_runner import run_error  # noqa: E402


class StandInHost:
    def __init__(self, plan_file):
        with open(plan_file) as f:
            self.plan = json.load(f)

    def run(self, step, token, deadline):
        with open(self.plan["record"], "a") as f:
            f.write(json.dumps({"step": step, "token": token}) + "\n")
        line = self.plan.get("fail", {}).get(step)
        if line:
            raise rotation.RotationError("Step=%s Failed on the stand-in host: %s" % (step, line))


class CommandHost:
    def __init__(self, argv):
        self.argv = argv

    def run(self, step, token, deadline):
        env = dict(os.environ, SSM_Step=step, SSM_VersionId=token)
        run = subprocess.run(self.argv, env=env, capture_output=True, text=True)
        sys.stdout.write(run.stdout)
        if run.returncode != 0:
            error = run_error(run.stderr) or run_error(run.stdout) or "it printed no eks-gmsa line"
            raise rotation.RotationError("Step=%s Failed on the local host (exit %d): %s" % (step, run.returncode, error))


class Context:
    def __init__(self, remaining_ms):
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self):
        return self.remaining_ms


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--event", required=True)
    parser.add_argument("--remaining-ms", type=int, default=300_000)
    hosts = parser.add_mutually_exclusive_group(required=True)
    hosts.add_argument("--stand-in")
    hosts.add_argument("--host-command", nargs=argparse.REMAINDER)
    hosts.add_argument("--lambda-entry", action="store_true", help="the real entry point: handler(event, context), host by SSM")
    args = parser.parse_args()
    try:
        if args.lambda_entry:
            rotation.handler(json.loads(args.event), Context(args.remaining_ms))
            return 0
        host = StandInHost(args.stand_in) if args.stand_in else CommandHost(args.host_command)
        config = rotation.Config.from_environ()
        rotation.run_step(json.loads(args.event), Context(args.remaining_ms), config, boto3.client("secretsmanager"), lambda: host)
    except Exception as error:  # the Lambda runtime reports the exception's message the same way
        print("rotation-error: %s" % rotation.one_line(error), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
