#!/bin/bash
# eks-gmsa: the one step of every AD Command document, run by the SSM agent on the Linux (Ubuntu
# 24.04) management host. components/directoryDocuments.ts puts two base64 literals in place of
# the markers below, nothing else: the Python package components/scripts/ad/ (a gzipped tar) and
# the run's JSON payload. Base64 holds no character that the shell or SSM's parameter interpolation (double
# braces) reads, so no value of the payload is ever code here; the Python parses it. A node document's
# computer name arrives as $SSM_ComputerName (interpolationType ENV_VAR); the Python reads it.
#
# Output: stdout is the Python's (a successful run ends with its EKS-GMSA-RESULT line). stderr
# holds this script's own lines and, when the Python fails, one line: its `eks-gmsa: ...` error,
# which the Python guarantees carries no secret. Exit status: the Python's, or 1.
set -euo pipefail
umask 077

package_base64='@AD_PACKAGE_BASE64@'
payload_base64='@AD_PAYLOAD_BASE64@'
readonly python=/usr/bin/python3
# Samba's Python bindings and client tools, boto3 for Secrets Manager: all in Ubuntu's archive.
# samba-dsdb-modules holds ildap, Samba's LDAP backend for ldb: python3-samba does not depend on it,
# and without it SamDB("ldap://...") falls back to libldb2's OpenLDAP backend, which ignores Samba's
# credentials and connects anonymously (test/ad-older-samba.test.ts found it).
readonly packages=(python3-samba samba-dsdb-modules python3-boto3 krb5-user smbclient)

say() { echo "eks-gmsa-host: $*" >&2; }

missing_packages() {
  local package
  for package in "${packages[@]}"; do
    [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)" = "install ok installed" ] || echo "$package"
  done
}

# Installs what is missing (the first run on a new host; later runs find everything). apt's
# output goes to a log, not to the run's output, which SSM keeps only the start of; a failure
# says the last line of it. The lock timeout covers the daily apt jobs of a host just started.
install_packages() {
  local missing
  mapfile -t missing < <(missing_packages)
  [ "${#missing[@]}" -eq 0 ] && return 0
  say "installing ${missing[*]} from the Ubuntu archive"
  if ! DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 update >"$scratch/apt.log" 2>&1 \
    || ! DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600 install --no-install-recommends "${missing[@]}" >>"$scratch/apt.log" 2>&1; then
    say "could not install ${missing[*]}: $(grep -v '^[[:space:]]*$' "$scratch/apt.log" | tail -n 1) (the host needs a route to the Ubuntu archive: a NAT gateway or an HTTP proxy)"
    exit 1
  fi
}

# Two private directories, removed on every exit: the package and its payload; and this run's
# scratch (apt's log, the Python's stderr, its temporary files and any Kerberos ticket cache).
workdir=$(mktemp -d)
scratch=$(mktemp -d)
trap 'rm -rf -- "$workdir" "$scratch"' EXIT
trap 'exit 143' TERM INT
export TMPDIR="$scratch" KRB5CCNAME="FILE:$scratch/krb5cc"

install_packages
printf '%s' "$package_base64" | base64 -d | tar -xzmf - --no-same-owner -C "$workdir"
printf '%s' "$payload_base64" | base64 -d >"$workdir/payload.json"

# The Python prints progress, then its EKS-GMSA-RESULT line, or on failure one `eks-gmsa: ...`
# line, all to stdout and with its secrets masked. Systems Manager returns only the first 24,000
# characters of stdout, so on success the progress is cut to leave the result line whole.
status=0
"$python" "$workdir/cli.py" host --payload-file "$workdir/payload.json" >"$scratch/python.stdout" 2>"$scratch/python.stderr" || status=$?
if [ "$status" -eq 0 ]; then
  result=$(grep -a "^EKS-GMSA-RESULT " "$scratch/python.stdout" | tail -n 1 || true)
  grep -av "^EKS-GMSA-RESULT " "$scratch/python.stdout" | awk -v budget=$((23000 - ${#result})) '{ n += length($0) + 1; if (n > budget) exit; print }' || true
  printf '%s\n' "$result"
  exit 0
fi
cat "$scratch/python.stdout"
# The one line `pulumi up` shows: the Python's failure line, else (it died before printing one)
# the last line of its stderr.
error=$(grep -a '^eks-gmsa: ' "$scratch/python.stdout" | tail -n 1 || true)
[ -n "$error" ] || error=$(grep -av '^[[:space:]]*$' "$scratch/python.stderr" | tail -n 1 || true)
echo "${error:-eks-gmsa-host: the AD run failed (exit $status) without an error line}" >&2
exit "$status"
