#!/usr/bin/env bash
# Installs what test/support/samba.ts needs to run throw-away Samba AD domain controllers on
# loopback: Samba 4.21 or newer (the first that computes gMSA passwords and provisions at
# functional level 2016), with its Python bindings, smbclient and MIT Kerberos' kinit.
#
# On Debian bookworm, whose own Samba is 4.17, it adds the bookworm-backports source when no apt
# source names it and installs from there (`-t bookworm-backports`); an installed 4.17 is upgraded.
# Elsewhere it installs from the configured sources and fails if they have no Samba >= 4.21.
#
# Idempotent: when everything is installed at a good version it only checks and exits (well under a
# second). Never leaves a system Samba daemon running: package scripts are kept from starting
# services while installing, and the services are stopped and disabled afterwards, with or without
# systemd. Needs root to install (CI and the developers' machines run as root).
set -euo pipefail

MIN_SAMBA=4.21

# From Samba's source, installed at one version (all with no recommends):
#   samba, samba-ad-dc          the `samba` AD DC binary and samba-tool; the DC metapackage
#   samba-ad-provision          the schema and setup files `samba-tool domain provision` reads
#                               (only a Recommends of samba-ad-dc, so named here)
#   samba-dsdb-modules          the directory database
#   python3-samba               the samba Python modules (samba.samdb, samba.dcerpc.gmsa, ...)
#   smbclient                   lists SYSVOL over SMB with Kerberos
#   winbind                     winbindd: the DC's smbd maps SIDs to unix ids through it
#   samba-common-bin            testparm, smbcontrol, net
#   ldb-tools                   ldbsearch, ldbmodify
SAMBA_PACKAGES=(samba samba-ad-dc samba-ad-provision samba-dsdb-modules python3-samba smbclient
    winbind samba-common-bin ldb-tools)
# From the distribution itself:
#   krb5-user                   MIT kinit, klist, kvno
#   openssl                     a quick LDAPS certificate (else samba makes a 4096-bit one itself: seconds)
OTHER_PACKAGES=(krb5-user openssl)
SERVICES=(samba-ad-dc smbd nmbd winbind samba)
BACKPORTS_SOURCE=/etc/apt/sources.list.d/bookworm-backports.sources

# Samba's upstream version in a Debian version: "2:4.22.6+dfsg-0+deb13u1~bpo12+1" -> 4.22.6+...,
# and for ldb, built from Samba's source, "2:2.11.0+samba4.22.6+dfsg-..." -> 4.22.6+dfsg-...
samba_upstream() {
    local v=${1#*:}
    case "$v" in *+samba*) v=${v#*+samba} ;; esac
    printf '%s' "$v"
}

# Prints the packages that are missing or, for Samba's, older than MIN_SAMBA (one dpkg-query call).
packages_to_install() {
    local -A status=() version=()
    local name st ver p
    while read -r name st ver; do
        status[$name]=$st
        version[$name]=$ver
    done < <(dpkg-query -W -f='${Package} ${db:Status-Status} ${Version}\n' \
        "${SAMBA_PACKAGES[@]}" "${OTHER_PACKAGES[@]}" 2>/dev/null || true)
    for p in "${SAMBA_PACKAGES[@]}"; do
        if [ "${status[$p]:-}" != installed ] ||
            ! dpkg --compare-versions "$(samba_upstream "${version[$p]}")" ge "$MIN_SAMBA"; then
            echo "$p"
        fi
    done
    for p in "${OTHER_PACKAGES[@]}"; do
        [ "${status[$p]:-}" = installed ] || echo "$p"
    done
}

# Prints the packages whose files the fixture uses are gone although dpkg lists them as installed.
damaged_packages() {
    local entry
    for entry in samba:samba-ad-dc samba-tool:python3-samba ldbsearch:ldb-tools smbclient:smbclient \
        kinit:krb5-user openssl:openssl; do
        command -v "${entry%%:*}" >/dev/null 2>&1 || echo "${entry#*:}"
    done
    [ -d /usr/share/samba/setup ] || echo samba-ad-provision
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
            if command -v update-rc.d >/dev/null 2>&1; then update-rc.d "$s" disable >/dev/null 2>&1 || true; fi
        fi
    done
}

mapfile -t todo < <(packages_to_install)
mapfile -t damaged < <(damaged_packages)
if [ "${#todo[@]}" -eq 0 ] && [ "${#damaged[@]}" -eq 0 ]; then
    # Already installed: only make sure no system daemon (pid files under /run/samba) is running.
    if ls /run/samba/*.pid >/dev/null 2>&1; then quiesce_services; fi
    exit 0
fi
# Packages dpkg lists as installed whose files are gone are reinstalled (apt skips them otherwise).
reinstall=()
for p in "${damaged[@]}"; do
    if [[ " ${todo[*]} " != *" $p "* ]]; then
        todo+=("$p")
        reinstall=(--reinstall)
    fi
done

if [ "$(id -u)" -ne 0 ]; then
    echo "install-samba.sh: needs root to install ${todo[*]}" >&2
    exit 1
fi

start=$(date +%s)
export DEBIAN_FRONTEND=noninteractive

codename=""
if [ -r /etc/os-release ]; then
    # shellcheck source=/dev/null
    codename=$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")
fi

target=()
lists_stale=""
if [ "$codename" = bookworm ]; then
    target=(-t bookworm-backports)
    # Any uncommented mention in a one-line (.list) or deb822 (.sources) file counts as configured.
    if ! grep -qsE '^[^#]*\bbookworm-backports\b' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
        /etc/apt/sources.list.d/*.sources; then
        cat >"$BACKPORTS_SOURCE" <<'EOF'
# Added by eks-gmsa's test/support/install-samba.sh: Samba 4.22 for the test domain controllers.
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
        echo "install-samba.sh: added $BACKPORTS_SOURCE"
        lists_stale=1
    fi
    if [ ! -e /usr/share/keyrings/debian-archive-keyring.gpg ]; then
        apt-get install -y -q --no-install-recommends debian-archive-keyring
    fi
    ls /var/lib/apt/lists/*bookworm-backports*_Packages* >/dev/null 2>&1 || lists_stale=1
fi
ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1 || lists_stale=1

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

# Only what is missing or too old is named: installed packages are left at their versions (apt
# upgrades the dependencies Samba's packages pin to their own version, such as samba-libs).
apt_install() {
    apt-get install -y -q --no-install-recommends "${target[@]}" "${reinstall[@]}" \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${todo[@]}"
}

# A failed install is retried once after refreshing the package lists (they may be stale).
if [ -n "$lists_stale" ]; then
    apt-get update -q
    apt_install
elif ! apt_install; then
    apt-get update -q
    apt_install
fi

quiesce_services

mapfile -t still < <(packages_to_install; damaged_packages)
if [ "${#still[@]}" -gt 0 ]; then
    echo "install-samba.sh: still missing or older than Samba $MIN_SAMBA after installing: ${still[*]}" >&2
    exit 1
fi
echo "install-samba.sh: installed ${todo[*]} (samba $(dpkg-query -W -f='${Version}' samba)) in $(($(date +%s) - start))s"
