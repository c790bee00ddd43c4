"""Secrets Manager rotation function for the portable identity's secret (Lambda, Python 3.12, boto3).

Domainless mode keeps {username, password, domainName} of an AD user in one secret; the nodes' CCG
plugin reads its AWSCURRENT. Rotation alternates between two AD users (IDENTITY_USERS="user,alternate"):
each rotation gives the user the secret does NOT name a new password, proves it, then switches the
secret to it. The user pods use now keeps its password until the next rotation, so nothing running
breaks. Secrets Manager calls this function once per step with the rotation's token:

  createSecret  a pending version (AWSPENDING, VersionId = token): the other user, a new random password
  setSecret     the management host sets that password on that user in AD (the rotation document, Step=set)
  testSecret    the host runs the whole-chain check as that user (Step=test); a failure keeps AWSCURRENT
  finishSecret  AWSCURRENT moves to the token's version (the old one becomes AWSPREVIOUS)

Every step may run again (Secrets Manager retries the whole rotation with the same token), so each
one first looks at what is already there. The function reaches AD only through the management host
(SSM Run Command, ssm_host_runner.py), never through the network. Nothing here prints a password.

Environment (set by the program): SECRET_ARN (the only secret this function rotates),
IDENTITY_USERS, HOST_INSTANCE_ID, DOCUMENT_NAME, DOCUMENT_VERSION, RUNBOOK_PREFIX (optional: the
lifecycle runbooks' prefix, when the stack has them; the host stays up while one runs),
WRITTEN_VERSION_ID (optional: the version `pulumi up` wrote, kept labelled; see finish_secret).
"""
import json
import os
import time

import boto3

STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
HOST_STEPS = {"setSecret": "set", "testSecret": "test"}

# AD's password rule ([MS-SAMR] 3.1.1.7.2): at most 256 characters, at least the domain's minimum,
# with complexity three character kinds and not the sAMAccountName (over two characters) as a
# case-insensitive substring. 32 characters of every kind (RequireEachIncludedType) meet it.
PASSWORD_LENGTH = 32
# Characters left out of every password, because each breaks a quoting someone will use by hand
# with this value (the manual fallback in the docs): " and \ need escaping inside JSON strings;
# ' ends a POSIX shell single-quoted --secret-string; ` and $ are PowerShell's escape and expansion
# characters inside double quotes ($ also the shell's); % is cmd.exe's expansion character.
EXCLUDED_CHARACTERS = "\"\\'`$%"
PASSWORD_TRIES = 5

# Seconds kept back from the Lambda's deadline for releasing the host and reporting.
RELEASE_SECONDS = 60


class RotationError(Exception):
    """A step that cannot go on; the message is one line with no secret in it."""


class Config:
    def __init__(self, secret_arn, users, host_id=None, document_name=None, document_version=None, runbook_prefix=None, written_version_id=None):
        self.secret_arn = secret_arn
        self.users = users
        self.host_id = host_id
        self.document_name = document_name
        self.document_version = document_version
        self.runbook_prefix = runbook_prefix
        self.written_version_id = written_version_id

    @classmethod
    def from_environ(cls, environ=None):
        env = os.environ if environ is None else environ
        missing = [k for k in ("SECRET_ARN", "IDENTITY_USERS") if not env.get(k)]
        if missing:
            raise RotationError("the rotation function's environment lacks %s (set by the eks-gmsa program)" % ", ".join(missing))
        users = tuple(u.strip() for u in env["IDENTITY_USERS"].split(","))
        if len(users) != 2 or not all(users) or users[0].casefold() == users[1].casefold():
            raise RotationError("IDENTITY_USERS must name two different AD users as 'user,alternate', not %r" % env["IDENTITY_USERS"])
        return cls(env["SECRET_ARN"], users, env.get("HOST_INSTANCE_ID") or None, env.get("DOCUMENT_NAME") or None,
                   env.get("DOCUMENT_VERSION") or None, env.get("RUNBOOK_PREFIX") or None, env.get("WRITTEN_VERSION_ID") or None)


def log(step, token, user, outcome):
    """One CloudWatch Logs line per step (Lambda keeps stdout): never a password."""
    print("eks-gmsa rotation: step=%s token=%s user=%s: %s" % (step, token, user or "-", outcome), flush=True)


def other_user(users, current):
    """The user of the pair that `current` is not; an error when `current` is neither."""
    matches = [u for u in users if u.casefold() == str(current).casefold()]
    if not matches:
        raise RotationError("the secret's AWSCURRENT names %r, which is neither of this rotation's users (%s): "
                            "run `pulumi up` to provision them, or put one of them in the secret" % (current, ", ".join(users)))
    return users[1] if matches[0] == users[0] else users[0]


def identity_value(secret_string, which):
    """The parsed {username, password, domainName} of one version; errors never quote the value."""
    try:
        value = json.loads(secret_string)
    except ValueError:
        raise RotationError("the secret's %s version is not JSON" % which) from None
    if not isinstance(value, dict) or not all(isinstance(value.get(k), str) and value.get(k) for k in ("username", "password", "domainName")):
        raise RotationError("the secret's %s version lacks username, password or domainName" % which)
    return value


def new_password(secrets, username):
    """A random password that AD's complexity rule accepts for `username` (it must not contain the name)."""
    for _ in range(PASSWORD_TRIES):
        password = secrets.get_random_password(PasswordLength=PASSWORD_LENGTH, ExcludeCharacters=EXCLUDED_CHARACTERS,
                                               RequireEachIncludedType=True)["RandomPassword"]
        if len(username) < 3 or username.casefold() not in password.casefold():
            return password
    raise RotationError("GetRandomPassword gave %d passwords containing the user name %s" % (PASSWORD_TRIES, username))


def pending_user(secrets, arn, token):
    """The user the token's pending version names, or None while it has no value yet."""
    try:
        value = secrets.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
    except secrets.exceptions.ResourceNotFoundException:
        return None
    return identity_value(value["SecretString"], "AWSPENDING")["username"]


def create_secret(secrets, config, arn, token):
    current = identity_value(secrets.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")["SecretString"], "AWSCURRENT")
    user = other_user(config.users, current["username"])
    existing = pending_user(secrets, arn, token)
    if existing is not None:
        return existing, "the pending version exists already: kept it"
    pending = dict(current, username=user, password=new_password(secrets, user))
    secrets.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(pending), VersionStages=["AWSPENDING"])
    return user, "created the pending version (current user %s)" % current["username"]


def host_step(secrets, config, arn, token, step, host_factory, context):
    user = pending_user(secrets, arn, token)
    if user is None and step == "testSecret":
        # RotateSecret with RotateImmediately=false "tests the rotation configuration by running the
        # testSecret step" on an AWSPENDING version it creates empty and then removes: check what a
        # rotation needs (the secret names one of the users, the host runner is configured), not AD.
        current = identity_value(secrets.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")["SecretString"], "AWSCURRENT")
        other_user(config.users, current["username"])
        host_factory()
        return current["username"], "configuration test (an empty pending version): the rotation can run"
    if user is None:
        raise RotationError("the pending version %s has no value: createSecret has not run for it" % token)
    host = host_factory()
    deadline = time.monotonic() + remaining_seconds(context) - RELEASE_SECONDS
    host.run(HOST_STEPS[step], token, deadline)
    if step == "testSecret":
        move_label(secrets, arn, TESTED_LABEL, token)
    return user, "the management host ran Step=%s" % HOST_STEPS[step]


# The label testSecret puts on the version whose chain check passed: finishSecret makes no other
# version current, so invoking the function by hand cannot put an untested password in front of pods.
TESTED_LABEL = "eks-gmsa-tested"


def move_label(secrets, arn, label, version):
    """Puts `label` on `version`, taking it from the version that has it (a label is on one version only)."""
    stages = secrets.describe_secret(SecretId=arn).get("VersionIdsToStages", {})
    if label in stages.get(version, []):
        return
    holder = next((v for v, labels in stages.items() if label in labels), None)
    secrets.update_secret_version_stage(SecretId=arn, VersionStage=label, MoveToVersionId=version, **({"RemoveFromVersionId": holder} if holder else {}))


# The label that keeps the version `pulumi up` wrote (WRITTEN_VERSION_ID) from being deprecated:
# Secrets Manager deletes unlabelled versions once a secret has more than 100, and the program's
# SecretVersion, its version gone, would be made again by the next `pulumi refresh` and `pulumi up`,
# putting the stack's first password back as AWSCURRENT.
WRITTEN_LABEL = "eks-gmsa-written-by-pulumi"


def keep_written_version(secrets, arn, written):
    """Puts WRITTEN_LABEL on the version `pulumi up` wrote. Runs after the switch, so it never fails
    the step (the rotation has happened): a failure is a note in the step's log line."""
    if not written:
        return ""
    try:
        move_label(secrets, arn, WRITTEN_LABEL, written)
    except Exception as error:  # noqa: BLE001 - reported, not raised: AWSCURRENT has already moved
        return "; could not label the version `pulumi up` wrote (%s): %s (docs/rotation.md, \"What is kept\")" % (written, one_line(error))
    return "; the version `pulumi up` wrote (%s) keeps its label" % written


def finish_secret(secrets, config, arn, token, versions):
    current = next((v for v, stages in versions.items() if "AWSCURRENT" in stages), None)
    user = pending_user(secrets, arn, token)
    if user is None:
        raise RotationError("the pending version %s has no value: it cannot become AWSCURRENT" % token)
    if TESTED_LABEL not in versions.get(token, []):
        raise RotationError("the pending version %s has not passed testSecret: it cannot become AWSCURRENT" % token)
    secrets.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=current)
    # AWSPENDING left on a version that is not AWSCURRENT would make the next RotateSecret fail.
    secrets.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=token)
    return user, "AWSCURRENT moved from %s%s" % (current, keep_written_version(secrets, arn, config.written_version_id))


def remaining_seconds(context):
    get = getattr(context, "get_remaining_time_in_millis", None)
    return get() / 1000.0 if get else 900.0


def run_step(event, context, config, secrets, host_factory):
    """One rotation step, logged in one line whatever its outcome. host_factory() gives the host
    runner (ssm_host_runner.SsmHostRunner on Lambda)."""
    step, token = event.get("Step"), event.get("ClientRequestToken")
    try:
        user, outcome = checked_step(event, context, config, secrets, host_factory)
    except Exception as error:
        log(step, token, None, "failed: %s" % one_line(error))
        raise
    log(step, token, user, outcome)


def checked_step(event, context, config, secrets, host_factory):
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    if arn != config.secret_arn:
        raise RotationError("this function rotates only %s, not %s" % (config.secret_arn, arn))
    if step not in STEPS:
        raise RotationError("unknown rotation step %r" % step)
    # The checks of AWS's rotation template: rotation on, the token a version, not done, pending.
    metadata = secrets.describe_secret(SecretId=arn)
    if not metadata.get("RotationEnabled"):
        raise RotationError("rotation is not enabled on %s" % arn)
    versions = metadata.get("VersionIdsToStages", {})
    if token not in versions:
        raise RotationError("version %s of %s has no stage for rotation" % (token, arn))
    if "AWSCURRENT" in versions[token]:
        return None, "nothing to do: the version is AWSCURRENT already"
    if "AWSPENDING" not in versions[token]:
        raise RotationError("version %s of %s is not AWSPENDING" % (token, arn))
    if step == "createSecret":
        return create_secret(secrets, config, arn, token)
    if step == "finishSecret":
        return finish_secret(secrets, config, arn, token, versions)
    return host_step(secrets, config, arn, token, step, host_factory, context)


def one_line(error):
    return " ".join(str(error).split())[:1000]


def handler(event, context):
    config = Config.from_environ()

    def ssm_host():
        import ssm_host_runner
        return ssm_host_runner.SsmHostRunner.from_config(config)

    run_step(event, context, config, boto3.client("secretsmanager"), ssm_host)
