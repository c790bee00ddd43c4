#!/usr/bin/env bash
# Installs what test/support/samba.ts needs to run a throw-away Samba AD domain controller on
# loopback: Debian's samba AD DC packages and ldb-tools (ldbsearch, used to read the domain's own
# records). Idempotent: when everything is already there it only checks and exits (well under a
# second). Never leaves a system Samba daemon running: package scripts are kept from starting
# services while installing, and the services are stopped and disabled afterwards, with or without
# systemd. Needs root (CI and the developers' machines run as root).
set -euo pipefail

# The packages, with no recommends:
#   samba-ad-dc         metapackage: samba (the `samba` AD DC binary, samba-tool), samba-dsdb-modules
#                       (the directory database), samba-vfs-modules and winbind (the fixture starts
#                       no winbindd, but the DC metapackage wants it)
#   samba-ad-provision  the schema and setup files `samba-tool domain provision` reads
#                       (only a Recommends of samba-ad-dc, so named here)
#   ldb-tools           ldbsearch
#   openssl             a quick LDAPS certificate (else samba makes a 4096-bit one itself: seconds)
PACKAGES=(samba-ad-dc samba-ad-provision ldb-tools openssl)
SERVICES=(samba-ad-dc smbd nmbd winbind samba)

missing() {
  command -v samba-tool >/dev/null 2>&1 || return 0
  command -v samba >/dev/null 2>&1 || return 0
  command -v ldbsearch >/dev/null 2>&1 || return 0
  [ -d /usr/share/samba/setup ] || return 0
  local p
  for p in "${PACKAGES[@]}"; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || return 0
  done
  return 1
}

# Stops and disables the system's Samba services, so that only the fixture's own `samba`
# (started by test/support/samba.ts) ever runs. Safe to run at any time, also when nothing runs.
quiesce_services() {
  local s
  if command -v systemctl >/dev/null 2>&1; then
    for s in "${SERVICES[@]}"; do
      if [ -d /run/systemd/system ]; then
        systemctl disable --now "$s.service" >/dev/null 2>&1 || true
      else
        systemctl disable "$s.service" >/dev/null 2>&1 || true # no systemd running: links only
      fi
    done
  fi
  for s in "${SERVICES[@]}"; do
    if [ -x "/etc/init.d/$s" ]; then
      "/etc/init.d/$s" stop >/dev/null 2>&1 || true
      command -v update-rc.d >/dev/null 2>&1 && update-rc.d "$s" disable >/dev/null 2>&1 || true
    fi
  done
}

if ! missing; then
  # Already installed: only make sure no system daemon (pid files under /run/samba) is running.
  if ls /run/samba/*.pid >/dev/null 2>&1; then quiesce_services; fi
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-samba.sh: needs root to install ${PACKAGES[*]}" >&2
  exit 1
fi

start=$(date +%s)
export DEBIAN_FRONTEND=noninteractive

# Keep maintainer scripts from starting any service while installing (Debian's policy-rc.d
# protocol: exit 101 = action forbidden). A policy-rc.d already there is left as it is.
own_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  own_policy=1
fi
cleanup() { if [ -n "$own_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT

apt_install() {
  apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${PACKAGES[@]}"
}

# Update the package lists only when they are missing or the install cannot find the packages.
if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1 || ! apt-cache show samba-ad-provision >/dev/null 2>&1; then
  apt-get update -q
  apt_install
elif ! apt_install; then
  apt-get update -q
  apt_install
fi

quiesce_services

missing && { echo "install-samba.sh: samba-tool, samba or ldbsearch still missing after install" >&2; exit 1; }
echo "install-samba.sh: installed ${PACKAGES[*]} ($(dpkg-query -W -f='${Version}' samba)) in $(( $(date +%s) - start ))s"
