#!/usr/bin/env bash
# Builds (once) a Debian bookworm root with Samba 4.17's Python bindings, for
# test/ad-older-samba.test.ts: the AD package (components/scripts/ad) ships to a management host
# whose python3-samba is older than the 4.22 the test DCs run, and bookworm's own Samba (4.17,
# older than Ubuntu 24.04's 4.19) is the oldest the package is held to. The test runs
# `chroot <root> /usr/bin/python3 /pkg/cli.py ...` against a 4.22 DC (see in-bookworm-root.sh).
#
#   bash test/support/build-bookworm-samba417.sh [ROOT]     (default $DEFAULT_ROOT below)
#
# The root holds bookworm's main component from the bookworm, bookworm-updates and
# bookworm-security suites (never backports), with the packages the management host installs
# (the `packages` array of components/scripts/ad-host-step.sh: python3-samba, samba-dsdb-modules,
# python3-boto3, krb5-user, smbclient), no recommends, as the host installs them. The Debian sources are the ones this machine's apt already uses
# (EKS_GMSA_DEBIAN_MIRROR overrides the mirror). A finished root carries a stamp naming its recipe
# and Samba version; with a matching stamp the script only prints it and exits. A missing or
# stale root is rebuilt beside the old one and swapped in, under a lock, so concurrent callers
# build it once. Every step is bounded in time. Needs root (debootstrap, chroot); installs
# debootstrap when missing. Prints one line "bookworm-samba417: <root> samba <version> ..." last.
set -euo pipefail

DEFAULT_ROOT=/var/cache/eks-gmsa-test/bookworm-samba417
ROOT=${1:-$DEFAULT_ROOT}
SUITE=bookworm
HOST_STEP="$(cd "$(dirname "$0")/../.." && pwd)/components/scripts/ad-host-step.sh"
# The host step's one line `readonly packages=(a b c)`, read as data (never run).
read -r -a PACKAGES <<<"$(sed -n 's/^readonly packages=(\([a-z0-9 .+-]*\))$/\1/p' "$HOST_STEP")"
[ "${#PACKAGES[@]}" -gt 0 ] || { echo "bookworm-samba417: no 'readonly packages=(...)' line in $HOST_STEP" >&2; exit 1; }
# Bump when the recipe changes: a root with another recipe is rebuilt.
RECIPE="2 $SUITE main ${PACKAGES[*]}"
STAMP=.eks-gmsa-stamp
STEP_SECONDS=${EKS_GMSA_ROOT_STEP_SECONDS:-900}

say() { echo "bookworm-samba417: $*"; }
fail() {
    echo "bookworm-samba417: $*" >&2
    exit 1
}

stamp_ok() {
    [ -r "$1/$STAMP" ] && [ "$(head -n 1 "$1/$STAMP")" = "$RECIPE" ] && [ -x "$1/usr/bin/python3" ]
}

report() {
    say "$ROOT samba $(sed -n 2p "$ROOT/$STAMP") ($1)"
}

if stamp_ok "$ROOT"; then
    report "cached"
    exit 0
fi
[ "$(id -u)" -eq 0 ] || fail "needs root to build $ROOT (debootstrap and chroot)"

mkdir -p "$(dirname "$ROOT")"
exec 9>"$ROOT.lock"
if ! timeout "$STEP_SECONDS" flock 9; then
    fail "another build of $ROOT held its lock for ${STEP_SECONDS}s; remove $ROOT.lock if no build runs"
fi
# Another caller may have built it while this one waited for the lock.
if stamp_ok "$ROOT"; then
    report "cached"
    exit 0
fi

start=$(date +%s)
export DEBIAN_FRONTEND=noninteractive

if ! command -v debootstrap >/dev/null 2>&1; then
    # As the test command's other installs (apt-lib.sh): after any other install, upgrading nothing.
    APT_WHO=bookworm-samba417
    # shellcheck source=test/support/apt-lib.sh
    . "$(dirname "$0")/apt-lib.sh"
    wait_for_package_manager || fail "cannot install debootstrap while another install holds the lock"
    install_debootstrap() { apt_get install -y -q --no-install-recommends -o APT::Get::Upgrade-By-Source-Package=false "$@" debootstrap; }
    # apt's plan is printed first (what it installs, what it upgrades), its output goes to a log.
    # A plan apt cannot make is retried once after refreshing the package lists (they may be stale).
    host_log="$ROOT.host-apt.log"
    : >"$host_log"
    if ! plan=$(install_debootstrap -s 2>&1); then
        apt_update >>"$host_log" 2>&1 || fail "apt-get update failed (log: $host_log)"
        plan=$(install_debootstrap -s 2>&1) || fail "cannot install debootstrap with apt-get: $(tail -n 3 <<<"$plan" | tr '\n' ' ')"
    fi
    summarize_apt_plan <<<"$plan" | sed 's/^/bookworm-samba417: /'
    install_debootstrap >>"$host_log" 2>&1 || fail "installing debootstrap failed (log: $host_log, last lines: $(tail -n 3 "$host_log" | tr '\n' ' '))"
    say "installed debootstrap (apt's output: $host_log)"
fi

# This machine's Debian sources for the suite's main component, less backports: "URI SUITE" lines.
sources() {
    if [ -n "${EKS_GMSA_DEBIAN_MIRROR:-}" ]; then
        echo "$EKS_GMSA_DEBIAN_MIRROR $SUITE"
        echo "$EKS_GMSA_DEBIAN_MIRROR $SUITE-updates"
        return
    fi
    # shellcheck disable=SC2016 # apt's own $(FIELD) placeholders, not shell
    apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT) $(IDENTIFIER)' 2>/dev/null |
        awk -v s="$SUITE" '$3 == "main" && $4 == "Packages" && ($2 == s || $2 == s "-updates" || $2 == s "-security") { print $1, $2 }' |
        sort -u
}
mapfile -t lines < <(sources)
mirror=""
for line in "${lines[@]}"; do
    if [ "${line#* }" = "$SUITE" ]; then mirror=${line% *}; fi
done
[ -n "$mirror" ] || fail "no apt source serves Debian $SUITE main here; add one, or set EKS_GMSA_DEBIAN_MIRROR to a Debian mirror"

work="$ROOT.building"
rm -rf "$work"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

say "building $ROOT from $mirror (debootstrap $SUITE, minbase)"
timeout "$STEP_SECONDS" debootstrap --variant=minbase --components=main "$SUITE" "$work" "$mirror" \
    >"$ROOT.debootstrap.log" 2>&1 || fail "debootstrap failed (log: $ROOT.debootstrap.log, last lines: $(tail -n 3 "$ROOT.debootstrap.log" | tr '\n' ' '))"

: >"$work/etc/apt/sources.list"
for line in "${lines[@]}"; do
    echo "deb ${line% *} ${line#* } main" >>"$work/etc/apt/sources.list"
done
cp /etc/resolv.conf "$work/etc/resolv.conf" 2>/dev/null || true
# Keep maintainer scripts from starting services in the root (policy-rc.d: 101 = forbidden).
printf '#!/bin/sh\nexit 101\n' >"$work/usr/sbin/policy-rc.d"
chmod 755 "$work/usr/sbin/policy-rc.d"
in_root() { timeout "$STEP_SECONDS" chroot "$work" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }
{
    in_root apt-get update -q &&
        in_root apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" &&
        in_root apt-get clean
} >"$ROOT.apt.log" 2>&1 || fail "installing ${PACKAGES[*]} in the root failed (log: $ROOT.apt.log, last lines: $(tail -n 3 "$ROOT.apt.log" | tr '\n' ' '))"
rm -rf "$work"/var/lib/apt/lists/*_Packages* "$work/usr/sbin/policy-rc.d"

version=$(in_root /usr/bin/python3 -c 'import samba, boto3; print(samba.version)') ||
    fail "the root's python3 cannot import samba and boto3"
case "$version" in
4.17.*) ;;
*) fail "the root has Samba $version, not bookworm's 4.17" ;;
esac
printf '%s\n%s\n' "$RECIPE" "$version" >"$work/$STAMP"

rm -rf "$ROOT.old"
if [ -e "$ROOT" ]; then mv "$ROOT" "$ROOT.old"; fi
mv "$work" "$ROOT"
rm -rf "$ROOT.old"
report "built in $(($(date +%s) - start))s"
