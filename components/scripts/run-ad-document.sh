#!/usr/bin/env bash
# Runs an SSM Command document on the AD management host, from the machine running `pulumi up`
# (@pulumi/command), and prints the run's standard output (the resource keeps it secret).
#
# The host reads the directory Admin's credentials, so it is stopped when nothing uses it: this
# script starts it if needed, waits until Systems Manager reaches it, runs the document, and on
# every exit (success, failure, timeout) stops it again unless something else needs it: another
# command or a Session Manager session on it, or a lifecycle runbook execution of this cluster in
# progress (RUNBOOK_PREFIX). Needs the AWS CLI v2 and the deployer's credentials. Everything but the
# run's output goes to stderr; nothing here reads a secret.
#
# @pulumi/command puts a failed command's whole stdout and stderr into the error `pulumi up`
# prints, so on failure this prints only its own lines and ONE line of the run: the last line of
# its standard error (the AD step's one-line error; the Python guarantees it carries no secret),
# never the run's whole output. The full output stays in Systems Manager's command history.
set -euo pipefail
: "${INSTANCE_ID:?}" "${DOCUMENT_NAME:?}" "${DOCUMENT_VERSION:?}"
runbook_prefix=${RUNBOOK_PREFIX:-}
online_tries=${ONLINE_TRIES:-120}
poll_seconds=${POLL_SECONDS:-10}
run_tries=${RUN_TRIES:-120}
command_id=""

say() { echo "eks-gmsa: $*" >&2; }

host_state() {
  aws ec2 describe-instances --instance-ids "$INSTANCE_ID" --query 'Reservations[0].Instances[0].State.Name' --output text
}

start_host() {
  local state
  state=$(host_state)
  case "$state" in
    running|pending) ;;
    stopping)
      aws ec2 wait instance-stopped --instance-ids "$INSTANCE_ID"
      aws ec2 start-instances --instance-ids "$INSTANCE_ID" >/dev/null
      say "started the AD management host $INSTANCE_ID" ;;
    stopped)
      aws ec2 start-instances --instance-ids "$INSTANCE_ID" >/dev/null
      say "started the AD management host $INSTANCE_ID" ;;
    *)
      say "the AD management host $INSTANCE_ID is $state: it cannot run the document"
      exit 1 ;;
  esac
  aws ec2 wait instance-running --instance-ids "$INSTANCE_ID"
}

# What else needs the host, one line each; nothing when it is idle. Fails when a look-up fails.
host_users() {
  local executions="" commands sessions
  if [ -n "$runbook_prefix" ]; then
    executions=$(aws ssm describe-automation-executions \
      --filters "Key=DocumentNamePrefix,Values=$runbook_prefix" "Key=ExecutionStatus,Values=Pending,InProgress,Waiting" \
      --query 'AutomationExecutionMetadataList[].AutomationExecutionId' --output text) || return 1
  fi
  commands=$(aws ssm list-commands --instance-id "$INSTANCE_ID" --filters "key=Status,value=InProgress" \
    --query 'Commands[].CommandId' --output text) || return 1
  sessions=$(aws ssm describe-sessions --state Active --filters "key=Target,value=$INSTANCE_ID" \
    --query 'Sessions[].SessionId' --output text) || return 1
  list() { tr '\t' '\n' | sed '/^$/d; /^None$/d'; }
  echo "$executions" | list | sed 's/^/runbook execution /'
  # This run's own command (still in progress after a timeout) does not keep the host up.
  echo "$commands" | list | { grep -vx -- "$command_id" || true; } | sed 's/^/command /'
  echo "$sessions" | list | sed 's/^/session /'
}

# On every exit: stop the host unless something else needs it. A failure here leaves the host
# running and does not change the run's result (it only delays the next stop).
release_host() {
  local status=$? users
  set +e
  if ! users=$(host_users); then
    say "could not tell whether anything else uses the AD management host $INSTANCE_ID: left it running"
  elif [ -n "$users" ]; then
    say "left the AD management host $INSTANCE_ID running for: $(echo "$users" | paste -sd ',' - | sed 's/,/, /g')"
  elif aws ec2 stop-instances --instance-ids "$INSTANCE_ID" >/dev/null; then
    say "stopped the AD management host $INSTANCE_ID"
  else
    say "could not stop the AD management host $INSTANCE_ID: stop it by hand (aws ec2 stop-instances --instance-ids $INSTANCE_ID)"
  fi
  exit "$status"
}
trap release_host EXIT

# The run's one-line error: the last line of its standard error, leaving out the line the SSM
# agent adds itself ("failed to run commands: exit status 1"), at most 1000 characters.
run_error() {
  local line
  line=$(aws ssm get-command-invocation --command-id "$command_id" --instance-id "$INSTANCE_ID" --query StandardErrorContent --output text 2>/dev/null \
    | tr -d '\r' | grep -v -e '^[[:space:]]*$' -e '^None$' -e '^failed to run commands: ' | tail -n 1 | cut -c 1-1000) || true
  echo "${line:-it printed no error line; see the command in Systems Manager Run Command}"
}

start_host
ping=""
for _ in $(seq 1 "$online_tries"); do
  ping=$(aws ssm describe-instance-information --filters "Key=InstanceIds,Values=$INSTANCE_ID" --query 'InstanceInformationList[0].PingStatus' --output text 2>/dev/null || true)
  [ "$ping" = "Online" ] && break
  # Another user of the host (the rotation function, a runbook's release step) may stop it while
  # this run waits, before this run has a command that would keep it up: start it again.
  case "$(host_state 2>/dev/null || true)" in
    stopping|stopped)
      say "the AD management host $INSTANCE_ID was stopped while this run waited for it: starting it again"
      start_host ;;
  esac
  sleep "$poll_seconds"
done
if [ "$ping" != "Online" ]; then
  say "the AD management host $INSTANCE_ID is not online in Systems Manager (last status: ${ping:-none}); check its instance profile and its route to the SSM endpoints"
  exit 1
fi
command_id=$(aws ssm send-command --instance-ids "$INSTANCE_ID" --document-name "$DOCUMENT_NAME" --document-version "$DOCUMENT_VERSION" --comment "eks-gmsa AD provisioning" --query Command.CommandId --output text)
status=Pending
for _ in $(seq 1 "$run_tries"); do
  sleep "$poll_seconds"
  status=$(aws ssm get-command-invocation --command-id "$command_id" --instance-id "$INSTANCE_ID" --query Status --output text 2>/dev/null || echo Pending)
  case "$status" in
    Success) break ;;
    Failed|Cancelled|TimedOut|Cancelling)
      say "AD provisioning $status on $INSTANCE_ID (command $command_id): $(run_error)"
      exit 1 ;;
  esac
done
if [ "$status" != "Success" ]; then
  say "AD provisioning did not finish in time on $INSTANCE_ID (command $command_id, status $status)"
  exit 1
fi
aws ssm get-command-invocation --command-id "$command_id" --instance-id "$INSTANCE_ID" --query StandardOutputContent --output text
