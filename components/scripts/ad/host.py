"""Management-host mode: `cli.py host --payload-file F`, run by the SSM documents `pulumi up`, the
node lifecycle and the portable identity's rotation send to the management host.

The payload (JSON rendered by the TypeScript program) is data, checked field by field before anything
connects; the credentials come from Secrets Manager; a node's or a rotation's values from SSM_<name>
(set by SSM from a document parameter). One DC serves the whole run. Output: progress lines, then one
`EKS-GMSA-RESULT {json}` line with only non-secret facts; on failure one
`eks-gmsa: <link>: <why>; <todo>` line and exit 1. Never a traceback, never a secret: every line
passes through a filter that masks the passwords this run has seen."""

import ipaddress
import json
import os
import re
import sys

from bounded import run_bounded
import names
import nodes
import provision
from connection import AdError, ConnectOptions, connect, parse_user, reach

RESULT_MARKER = "EKS-GMSA-RESULT "
OPERATIONS = ("provision", "node-join", "node-cleanup", "rotate")
TIMEOUT = 5.0
_ARN = re.compile(r"arn:aws(-cn|-us-gov)?:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]{1,2}")
_DNS_NAME = re.compile(r"(?=.{3,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


class Output:
    """Prints lines with every secret of the run masked."""

    def __init__(self, stream):
        self.stream, self.secrets = stream, []

    def secret(self, value):
        if value:
            self.secrets.append(value)
        return value

    def masked(self, text):
        for s in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(s, "***")
        return text

    def line(self, text):
        print(self.masked(text), file=self.stream, flush=True)


def _bad(key, why):
    return AdError("payload", "%s %s" % (key, why), "fix the stack's configuration; the payload is rendered from it")


def _string(data, key, path=None):
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise _bad(path or key, "must be a non-empty string")
    return value


def _checked(check, key, value, *extra):
    try:
        return check(key, value, *extra)
    except names.BadName as e:
        raise AdError("payload", str(e), "fix the stack's configuration; the payload is rendered from it")


def _only(data, allowed, path):
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise _bad(path + unknown[0], "is not a payload field (expected one of %s)" % ", ".join(allowed))


def load_payload(path):
    """The payload as a dict of checked values; AdError('payload') naming the first bad field."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise AdError("payload", "cannot read %s (%s)" % (path, e.strerror), "check --payload-file")
    except ValueError:
        raise AdError("payload", "%s is not JSON" % path, "check --payload-file")
    if not isinstance(data, dict):
        raise AdError("payload", "%s is not a JSON object" % path, "check --payload-file")
    _only(data, ("operation", "region", "domain", "adminSecretArn", "readersGroup", "owner", "accountsOu", "accounts", "identity", "joinOu", "verify"), "")
    payload = {"operation": _string(data, "operation")}
    if payload["operation"] not in OPERATIONS:
        raise _bad("operation", "must be one of %s" % ", ".join(OPERATIONS))
    payload["region"] = _string(data, "region")
    if not _REGION.fullmatch(payload["region"]):
        raise _bad("region", "must be an AWS region such as us-west-2")
    domain = data.get("domain")
    if not isinstance(domain, dict):
        raise _bad("domain", "must be an object {dnsName, netbiosName, dcAddresses}")
    _only(domain, ("dnsName", "netbiosName", "dcAddresses"), "domain.")
    payload["dnsName"] = _string(domain, "dnsName", "domain.dnsName").lower()
    if not _DNS_NAME.fullmatch(payload["dnsName"]):
        raise _bad("domain.dnsName", "must be a DNS domain name such as corp.example.com")
    payload["netbiosName"] = _string(domain, "netbiosName", "domain.netbiosName").upper()
    if not re.fullmatch(r"[A-Z0-9-]{1,15}", payload["netbiosName"]) or payload["netbiosName"].isdigit():
        raise _bad("domain.netbiosName", "must be 1 to 15 letters, digits or '-'")
    addresses = domain.get("dcAddresses", [])
    if not isinstance(addresses, list) or len(addresses) > 10:
        raise _bad("domain.dcAddresses", "must be a list of at most 10 IP addresses")
    for i, a in enumerate(addresses):
        try:
            ipaddress.ip_address(a)
        except (TypeError, ValueError):
            raise _bad("domain.dcAddresses[%d]" % i, "must be an IP address")
    payload["dcAddresses"] = addresses
    base_dn = ",".join("DC=%s" % label for label in payload["dnsName"].split("."))
    payload["adminSecretArn"] = _string(data, "adminSecretArn")
    if not _ARN.fullmatch(payload["adminSecretArn"]):
        raise _bad("adminSecretArn", "must be a Secrets Manager secret ARN")
    payload["readersGroup"] = _checked(names.group_name, "readersGroup", _string(data, "readersGroup"))
    payload["owner"] = _checked(names.owner_label, "owner", _string(data, "owner"))
    for key in ("accountsOu", "joinOu"):
        payload[key] = _checked(names.container_dn, key, _string(data, key), base_dn) if key in data else None
    accounts = data.get("accounts", [])
    if not isinstance(accounts, list) or len(accounts) > 100:
        raise _bad("accounts", "must be a list of at most 100 gMSA names")
    payload["accounts"] = [_checked(names.gmsa_name, "accounts[%d]" % i, a if isinstance(a, str) else "") for i, a in enumerate(accounts)]
    if payload["operation"] in ("provision", "rotate") and not payload["accounts"]:
        raise _bad("accounts", "must name at least one gMSA to %s" % payload["operation"])
    payload["identity"] = None
    if "identity" in data:
        identity = data["identity"]
        if not isinstance(identity, dict):
            raise _bad("identity", "must be an object {username, secretArn, alternateUsername}")
        _only(identity, ("username", "secretArn", "alternateUsername"), "identity.")
        arn = _string(identity, "secretArn", "identity.secretArn")
        if not _ARN.fullmatch(arn):
            raise _bad("identity.secretArn", "must be a Secrets Manager secret ARN")
        # The pair a rotation alternates between: username first, then alternateUsername if given.
        pair = [_checked(names.user_name, "identity." + k, _string(identity, k, "identity." + k)) for k in ("username", "alternateUsername") if k in identity]
        if len({u.lower() for u in pair}) < len(pair):
            raise _bad("identity.alternateUsername", "must differ from identity.username")
        payload["identity"] = {"username": pair[0], "secretArn": arn, "pair": pair}
    if payload["operation"] == "rotate" and len((payload["identity"] or {}).get("pair", [])) < 2:
        raise _bad("identity.alternateUsername", "must name the user a rotation alternates with")
    verify = data.get("verify", False)
    if not isinstance(verify, bool):
        raise _bad("verify", "must be true or false")
    payload["verify"] = verify
    return payload


def _account_name(value, key):
    """A secret's username: bare, DOMAIN\\name or name@domain; returns the bare name (no secret in errors)."""
    try:
        if any(not 0x20 < ord(c) < 0x7F for c in value):
            raise ValueError("not printable ASCII")
        return parse_user(value, bare=True)[1]
    except ValueError:  # its text quotes the value: not repeated
        raise AdError("secrets", "the username in the %s secret must be name, DOMAIN\\name or name@domain in printable ASCII" % key,
                      "store the secret as JSON {\"username\": ..., \"password\": ...}")


def read_secret(region, arn, key, out, version=None, stage=None):
    """(bare username, password) from a Secrets Manager JSON secret {"username","password"}: its
    AWSCURRENT version, or the one with this VersionId and/or VersionStage (both: the same version)."""
    try:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        raise AdError("secrets", "boto3 is not installed here", "install python3-boto3 (the management host's image installs it)")
    # The standard endpoint variables (boto3 >= 1.28 reads them itself; older ones do not).
    endpoint = os.environ.get("AWS_ENDPOINT_URL_SECRETS_MANAGER") or os.environ.get("AWS_ENDPOINT_URL") or None
    try:
        client = boto3.client("secretsmanager", region_name=region, endpoint_url=endpoint,
                              config=Config(connect_timeout=TIMEOUT, read_timeout=2 * TIMEOUT, retries={"max_attempts": 3}))
        which = {k: v for k, v in (("VersionId", version), ("VersionStage", stage)) if v}
        text = client.get_secret_value(SecretId=arn, **which).get("SecretString")
    except ClientError as e:
        code = e.response.get("Error", {}).get("Code", "error")
        todo = "let the management host's role call secretsmanager:GetSecretValue on it (and kms:Decrypt on its key)"
        if version and code == "ResourceNotFoundException":
            todo = "start a new rotation"
        raise AdError("secrets", "cannot read the %s secret %s%s (%s)" % (key, arn, " version %s as %s" % (version, stage) if version else "", code), todo)
    except BotoCoreError as e:
        raise AdError("secrets", "cannot reach Secrets Manager in %s (%s)" % (region, type(e).__name__),
                      "check the host's instance role and its network path to Secrets Manager (VPC endpoint or NAT)")
    try:
        data = json.loads(text or "")
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("username"), str) or not isinstance(data.get("password"), str) or not data["password"]:
        raise AdError("secrets", "the %s secret %s is not JSON with a username and a password" % (key, arn),
                      "store it as {\"username\": ..., \"password\": ...}")
    out.secret(data["password"])
    return _account_name(data["username"], key), data["password"]


def pick_dc(addresses, dns_name, out):
    """The first DC address that answers on LDAP, else the domain's name (its DNS lists the DCs)."""
    for address in addresses:
        try:
            reach(address, 389, TIMEOUT)
            return address
        except AdError as e:
            out.line("domain controller %s does not answer (%s)" % (address, e.why))
    return dns_name


def _from_env(variable, check, todo):
    value = os.environ.get(variable, "")
    if not value:
        raise AdError("payload", "%s is not set" % variable, todo)
    return _checked(check, variable, value)


def computer_from_env():
    """SSM_ComputerName: what the node printed after joining (untrusted; node-join checks the account)."""
    return _from_env("SSM_ComputerName", names.computer_name,
                     "the SSM document passes it in its ComputerName parameter (interpolationType ENV_VAR needs SSM Agent 3.3.2746.0 or later)")


def instance_from_env():
    """SSM_InstanceId: the node's instance, from the lifecycle event (EC2's, not the node's word)."""
    return _from_env("SSM_InstanceId", names.instance_id,
                     "the lifecycle runbook passes the instance in the InstanceId parameter (interpolationType ENV_VAR needs SSM Agent 3.3.2746.0 or later)")


def rotation_from_env():
    """(SSM_Step, SSM_VersionId): the rotation step and its AWSPENDING version, from the rotation function."""
    return tuple(_from_env("SSM_" + p, check, "the rotation function passes it in the %s parameter (interpolationType ENV_VAR needs SSM Agent 3.3.2746.0 or later)" % p)
                 for p, check in (("Step", names.rotation_step), ("VersionId", names.version_id)))


def pair_member(identity, name):
    """The pair's own spelling of name (username or alternateUsername), else None."""
    return next((m for m in identity["pair"] if m.lower() == name.lower()), None)


def created_after_from_env():
    """SSM_CreatedAfter: the instance's launch time, which EC2 reports."""
    value = os.environ.get("SSM_CreatedAfter", "")
    if not value:
        raise AdError("payload", "SSM_CreatedAfter is not set", "the lifecycle runbook passes the instance's launch time in the CreatedAfter parameter")
    try:
        return nodes.parse_time("SSM_CreatedAfter", value)
    except ValueError as e:
        raise AdError("payload", str(e), "the lifecycle runbook passes the instance's launch time")


def pending_identity(payload, step, version, out):
    """(user, password) of the rotation's AWSPENDING version, which names the pair's user no pod uses;
    refuses a user outside the pair, and for set the one AWSCURRENT names."""
    identity = payload["identity"]
    out.line("reading version %s of the portable identity's secret (AWSPENDING)" % version)
    name, password = read_secret(payload["region"], identity["secretArn"], "identity.secretArn", out, version=version, stage="AWSPENDING")
    pending = pair_member(identity, name)
    if pending is None:
        raise AdError("rotate", "the AWSPENDING version %s names the user %s, not %s" % (version, name, " or ".join(identity["pair"])),
                      "check the rotation function's configuration against the stack's")
    if step == "set" and read_secret(payload["region"], identity["secretArn"], "identity.secretArn", out, stage="AWSCURRENT")[0].lower() == pending.lower():
        raise AdError("rotate", "the AWSPENDING version %s names %s, as AWSCURRENT does: pods use its password" % (version, pending),
                      "start a new rotation: its version names the pair's other user")
    return pending, password


def test_pending(payload, identity, out):
    """Rotation's test step: the whole chain as the pending user, without the admin's credentials."""
    import chain
    who, password = identity
    options = ConnectOptions(ldap_url(pick_dc(payload["dcAddresses"], payload["dnsName"], out)), "%s\\%s" % (payload["netbiosName"], who), password, TIMEOUT)
    try:
        entries, facts = chain.verify_each(options, payload["accounts"], payload["readersGroup"], who, out)
    except AdError as e:
        if e.link == "bind":
            e.todo = "the AWSPENDING password does not log %s on: run the set step first" % who
        raise
    return facts, [], entries


def ldap_url(host):
    return "ldap://%s" % (("[%s]" % host) if ":" in host else host)


def run(payload, out):
    node = identity = None
    if payload["operation"] == "rotate":
        step, version = rotation_from_env()
        identity = pending_identity(payload, step, version, out)
        if step == "test":
            return test_pending(payload, identity, out)
    elif payload["operation"] == "node-join":
        node = {"computer": computer_from_env(), "created_after": created_after_from_env(), "bind_to": nodes.binding(payload["owner"], instance_from_env())}
    elif payload["operation"] == "node-cleanup":
        node = {"bind_to": nodes.binding(payload["owner"], instance_from_env())}
    out.line("reading the AD credentials (adminSecretArn)")
    admin, admin_password = read_secret(payload["region"], payload["adminSecretArn"], "adminSecretArn", out)
    if payload["identity"] and payload["operation"] == "provision":
        out.line("reading the portable identity's credentials (identity.secretArn)")
        name, password = read_secret(payload["region"], payload["identity"]["secretArn"], "identity.secretArn", out)
        identity = (pair_member(payload["identity"], name), password)  # AWSCURRENT may name either of the pair
        if identity[0] is None:
            raise AdError("secrets", "the identity.secretArn secret names the user %s, the payload %s" % (name, " or ".join(payload["identity"]["pair"])),
                          "store the portable identity's own name in its secret")
    host = pick_dc(payload["dcAddresses"], payload["dnsName"], out)
    url = ldap_url(host)
    out.line("connecting to %s as %s\\%s" % (url, payload["netbiosName"], admin))
    facts, changes, probe = operate(payload, url, host, admin, admin_password, identity, node, out)
    checked = []
    if payload["operation"] == "provision" and payload["verify"]:
        import chain
        who, password = identity if identity else probe
        options = ConnectOptions(url, "%s\\%s" % (payload["netbiosName"], who), password, TIMEOUT)
        checked = chain.verify_each(options, payload["accounts"], payload["readersGroup"], who, out)[0]
    return facts, changes, checked


def operate(payload, url, host, admin, admin_password, identity, node, out):
    """Connects as the admin and runs the operation; returns (facts, changes, probe credentials)."""
    try:
        directory = connect(ConnectOptions(url, "%s\\%s" % (payload["netbiosName"], admin), admin_password, TIMEOUT))
    except AdError as e:
        if e.link == "bind":
            e.todo = "check the username and password in the adminSecretArn secret"
        raise
    try:
        facts = directory.discover()
        if facts["dnsName"] != payload["dnsName"]:
            raise AdError("domain", "the DC at %s serves %s, not %s" % (host, facts["dnsName"], payload["dnsName"]), "check domain.dnsName and domain.dcAddresses")
        if payload["operation"] == "provision":
            other = [m for m in payload["identity"]["pair"] if m != identity[0]] if identity else []
            changes = provision.provision(directory, payload["accounts"], payload["readersGroup"], payload["owner"], identity=identity,
                                          accounts_ou=payload["accountsOu"], other=(other or [None])[0])
        elif payload["operation"] == "rotate":  # set: the pending user made as provisioning makes the identity
            changes = provision.provision(directory, [], payload["readersGroup"], payload["owner"], identity=identity, accounts_ou=payload["accountsOu"])
        elif payload["operation"] == "node-join":
            changes = nodes.join(directory, payload["readersGroup"], node["computer"], join_ou=payload["joinOu"], created_after=node["created_after"], bind_to=node["bind_to"],
                                 wait_seconds=NODE_ACCOUNT_WAIT_SECONDS)
        else:
            changes = nodes.cleanup_bound(directory, payload["readersGroup"], node["bind_to"], join_ou=payload["joinOu"])
        for change in changes:
            out.line(change)
        probe = None
        if payload["operation"] == "provision" and payload["verify"] and identity is None:
            name, password, probe_changes = nodes.ensure_probe(directory, payload["readersGroup"], payload["owner"], payload["accountsOu"])
            out.secret(password)
            for change in probe_changes:
                out.line(change)
            changes += probe_changes
            probe = (name, password)
    finally:
        directory.close()
    return facts, changes, probe


# Systems Manager returns only the first 24,000 characters of a run's stdout; ad-host-step.sh cuts
# the progress to keep the result line whole, so the line itself stays well below that.
RESULT_MAX_CHARS = 12000


def result_line(facts, changes, chain):
    """The EKS-GMSA-RESULT line, never longer than RESULT_MAX_CHARS: the facts and the chain's
    summaries (at most 100 gMSAs, ~50 characters each) always, the changes as far as they fit,
    then how many more there were (each change is also a progress line)."""
    def render(kept, more):
        shown = kept + (["... and %d more changes (see the progress lines above)" % more] if more else [])
        return RESULT_MARKER + json.dumps(dict(facts, changes=shown, chain=chain), sort_keys=True, separators=(",", ":"))
    line = render(list(changes), 0)
    if len(line) <= RESULT_MAX_CHARS:
        return line
    budget = RESULT_MAX_CHARS - len(render([], len(changes)))
    kept = []
    for change in changes:
        size = len(json.dumps(change)) + 1
        if size > budget:
            break
        kept.append(change)
        budget -= size
    return render(kept, len(changes) - len(kept))


# How long node-join waits for the node's account to replicate to this run's DC (within RUN_SECONDS).
NODE_ACCOUNT_WAIT_SECONDS = 300

# The whole run's bound: under the SSM documents' timeoutSeconds, so the failure is this line.
RUN_SECONDS = 480


def _main(payload_file, out):
    try:
        payload = load_payload(payload_file)
        result = run(payload, out)
        out.line(result_line(*result))
        return 0
    except AdError as e:
        out.line("eks-gmsa: %s" % e)
    except Exception as e:  # noqa: BLE001 - the host prints one line, never a traceback
        # Masked before it is cut: a cut through a secret would leave its start unmasked.
        out.line("eks-gmsa: internal: %s: %s; report this with the line above it" % (type(e).__name__, out.masked(str(e))[:300]))
    return 1


def main(payload_file, stream=None, seconds=RUN_SECONDS):
    """Runs the payload under run_bounded (see bounded.py), so a silent DC ends in one line too."""
    out = Output(stream or sys.stdout)

    def timed_out():
        out.line("eks-gmsa: timeout: the run took longer than %ds; check the domain controllers' load and the network path from the "
                 "management host" % seconds)
    return run_bounded(seconds, lambda: _main(payload_file, out), timed_out)
