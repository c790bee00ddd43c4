"""Calls single functions of the AD package in-process and prints what they returned as one JSON
line: for what a test DC cannot easily produce (a hundred gMSAs' results, a Windows DC's error text,
a secret that an error's length limit would cut).

    /usr/bin/python3 ad_units.py < request.json

request {"call": ...}:
- "result_line", facts, changes, accounts: the management host's EKS-GMSA-RESULT line after every
  account's chain held (9 of 9 links). Prints {"line"}.
- "probe_name", owner: the name of the probe computer host mode checks the chain as. Prints {"name"}.
- "write_failure", code, message, action: the one line a refused write becomes (accounts.Writer,
  link "provision"). Prints {"line"}.
- "internal_failure", payload, secret, error: host mode with a valid payload whose run raises an
  unforeseen RuntimeError(error) after the run has seen the secret. Prints {"code", "output"}.
- "secret_usernames", usernames: the bare name host mode takes from each secret's username, or its
  error line. Prints {"names": [...]}.
- "read_secret", arn, version, stage, answer: host.read_secret with the real boto3 client, its
  GetSecretValue stubbed by botocore's Stubber, which checks the request against the service model
  and expects exactly {SecretId: arn} plus VersionId/VersionStage when given. answer: {"SecretString"}
  or {"error": <code>}. Prints {"username"} or {"error": <the AdError line>}.
"""
import io
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "components", "scripts", "ad"))

import ldb  # noqa: E402

import accounts  # noqa: E402
import chain  # noqa: E402
import host  # noqa: E402
import nodes  # noqa: E402
from connection import AdError  # noqa: E402


def result_line(request):
    summaries = []
    for account in request["accounts"]:
        result = chain.ChainResult()
        result.links = [chain.Link(name, True, "held") for name in chain.ChainResult.LINKS]
        summaries.append(chain.summary(account, result))
    return {"line": host.result_line(request["facts"], request["changes"], summaries)}


def probe_name(request):
    return {"name": nodes.probe_name(request["owner"])}


def secret_usernames(request):
    names = []
    for username in request["usernames"]:
        try:
            names.append(host._account_name(username, "adminSecretArn"))
        except AdError as e:
            names.append(str(e))
    return {"names": names}


def internal_failure(request):
    stream = io.StringIO()
    out = host.Output(stream)
    out.secret(request["secret"])

    def failing_run(payload, out):
        raise RuntimeError(request["error"])
    host.run = failing_run
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(request["payload"], f)
        f.flush()
        code = host._main(f.name, out)
    return {"code": code, "output": stream.getvalue()}


def read_secret(request):
    import boto3
    from botocore.stub import Stubber
    make_client = boto3.client

    def stubbed_client(*args, **kwargs):
        client = make_client(*args, **kwargs)
        stub = Stubber(client)
        expected = {"SecretId": request["arn"]}
        for key, name in (("version", "VersionId"), ("stage", "VersionStage")):
            if request.get(key):
                expected[name] = request[key]
        if "error" in request["answer"]:
            stub.add_client_error("get_secret_value", request["answer"]["error"], expected_params=expected)
        else:
            stub.add_response("get_secret_value", {"ARN": request["arn"], "SecretString": request["answer"]["SecretString"]}, expected)
        stub.activate()
        return client
    boto3.client = stubbed_client
    try:
        return {"username": host.read_secret("eu-west-1", request["arn"], "identity.secretArn", host.Output(io.StringIO()), request.get("version"), request.get("stage"))[0]}
    except AdError as e:
        return {"error": str(e)}


def write_failure(request):
    error = ldb.LdbError(request["code"], request["message"])
    return {"line": str(accounts.Writer(None, "provision").explain(error, request["action"], "CN=x"))}


CALLS = {"result_line": result_line, "probe_name": probe_name, "secret_usernames": secret_usernames, "write_failure": write_failure,
         "internal_failure": internal_failure, "read_secret": read_secret}

if __name__ == "__main__":
    request = json.load(sys.stdin)
    print(json.dumps(CALLS[request["call"]](request)))
