#!/usr/bin/env bash
# shellcheck disable=SC2016 # dpkg-query's own ${Field} placeholders, not shell
# Installs the tools some tests run, when missing (Debian packages, no recommends): the linters of
# the bash and Python scripts the program ships (packages shellcheck and pyflakes3; e.g.
# test/ad-host-documents.test.ts, test/ad-cli.test.ts), and python3-boto3, with which the management
# host's mode reads its secrets (test/ad-host-mode.test.ts runs the real one).
# Nothing installed is upgraded unless a new package's Depends require it (apt's upgrade of every
# binary of a source package along with one of them is off). Waits for the package manager's lock.
# Needs root to install. EKS_GMSA_APT_SIMULATE=1 prints apt's plan and changes nothing (apt-lib.sh).
set -euo pipefail

APT_WHO=install-tools.sh
# shellcheck source=test/support/apt-lib.sh
. "$(dirname "$0")/apt-lib.sh"

# package:the check that it is there
TOOLS=("shellcheck:command -v shellcheck" "pyflakes3:command -v pyflakes3"
    "python3-boto3:/usr/bin/python3 -c 'import boto3'")

missing() {
    local entry
    for entry in "${TOOLS[@]}"; do
        if [ -n "${EKS_GMSA_DPKG_ADMINDIR:-}" ]; then
            # A copy of the dpkg state: what it lists, not this machine's files.
            [ "$(dpkg_query -W -f='${db:Status-Status}' "${entry%%:*}" 2>/dev/null)" = installed ] || echo "${entry%%:*}"
        else
            bash -c "${entry#*:}" >/dev/null 2>&1 || echo "${entry%%:*}"
        fi
    done
}

mapfile -t todo < <(missing)
[ "${#todo[@]}" -gt 0 ] || exit 0
if [ -z "$APT_SIMULATE" ] && [ "$(id -u)" -ne 0 ]; then
    echo "install-tools.sh: needs root to install ${todo[*]}" >&2
    exit 1
fi
wait_for_package_manager
mapfile -t todo < <(missing)
[ "${#todo[@]}" -gt 0 ] || exit 0
export DEBIAN_FRONTEND=noninteractive

apt_install() {
    apt_get install -y -q --no-install-recommends -o APT::Get::Upgrade-By-Source-Package=false "$@" "${todo[@]}"
}

if [ -n "$APT_SIMULATE" ]; then
    plan=$(apt_install -s) || { printf '%s\n' "$plan"; exit 1; }
    printf '%s\n' "$plan"
    summarize_apt_plan <<<"$plan" | sed 's/^/install-tools.sh: would /'
    exit 0
fi
# A plan apt cannot make is retried once after refreshing the package lists (they may be stale).
if ! plan=$(apt_install -s 2>&1); then
    apt_update
    plan=$(apt_install -s 2>&1) || { printf '%s\n' "$plan" >&2; exit 1; }
fi
summarize_apt_plan <<<"$plan" | sed 's/^/install-tools.sh: /'
apt_install
echo "install-tools.sh: installed ${todo[*]}"
