#!/usr/bin/env bash
# shellcheck disable=SC2016 # dpkg-query's own ${Field} placeholders, not shell
# Installs what test/support/samba.ts needs to run throw-away Samba AD domain controllers on
# loopback: Samba 4.21 or newer (the first that computes gMSA passwords and provisions at
# functional level 2016), with its Python bindings, smbclient and MIT Kerberos' kinit.
#
# On Debian bookworm, whose own Samba is 4.17, it adds the bookworm-backports source when no apt
# source names it and takes Samba from there: an apt preferences file given to these apt-get calls
# only (never written to /etc/apt) pins Samba's source package (src:samba) to bookworm-backports.
# Nothing else comes from backports, and nothing installed is upgraded but what Samba needs:
#   - the packages below that are missing or older than Samba 4.21 are named, with the installed
#     binaries of Samba's source older than 4.21 (samba-common, libwbclient0, ...: one Samba);
#   - apt's upgrade of every binary of a source package along with one of them
#     (APT::Get::Upgrade-By-Source-Package) is off, so an installed package is upgraded only when a
#     named package's Depends require a newer version (Samba's own libraries: samba-libs, libldb2,
#     libtevent0 >= 0.15, ...);
#   - krb5-user, when missing, is installed at the version of the installed libkrb5-3 when an apt
#     source has it. Else (the installed version is no longer published, as after a security
#     update) the newest krb5-user is installed and libkrb5-3 upgraded with it, because its Depends
#     require libkrb5-3 at its own version and the tests need kinit; the script says so;
#   - openssl is not installed (installing it could upgrade libssl3, built from its source): the
#     fixture makes its LDAPS certificate with python3-cryptography, a Depends of python3-samba.
# Elsewhere it installs from the configured sources and fails if they have no Samba >= 4.21.
#
# Idempotent: when everything is installed at a good version it only checks and exits (well under a
# second). Never leaves a system Samba daemon running: package scripts are kept from starting
# services while installing, and the services are stopped and disabled afterwards, with or without
# systemd. Waits for the package manager's lock when another install runs. Needs root to install
# (CI and the developers' machines run as root). EKS_GMSA_APT_SIMULATE=1 prints apt's plan and
# changes nothing; EKS_GMSA_DPKG_ADMINDIR reads a copy of the dpkg state (see apt-lib.sh).
set -euo pipefail

APT_WHO=install-samba.sh
# shellcheck source=test/support/apt-lib.sh
. "$(dirname "$0")/apt-lib.sh"

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
# From the distribution itself, with the installed library of its source package (pkg:library):
#   krb5-user                   MIT kinit, klist, kvno
OTHER_PACKAGES=(krb5-user:libkrb5-3)
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
    done < <(dpkg_query -W -f='${Package} ${db:Status-Status} ${Version}\n' \
        "${SAMBA_PACKAGES[@]}" "${OTHER_PACKAGES[@]%%:*}" 2>/dev/null || true)
    for p in "${SAMBA_PACKAGES[@]}"; do
        if [ "${status[$p]:-}" != installed ] ||
            ! dpkg --compare-versions "$(samba_upstream "${version[$p]}")" ge "$MIN_SAMBA"; then
            echo "$p"
        fi
    done
    for p in "${OTHER_PACKAGES[@]%%:*}"; do
        [ "${status[$p]:-}" = installed ] || echo "$p"
    done
}

# Prints the installed binaries of Samba's source package older than MIN_SAMBA (samba-common,
# libsmbclient, libwbclient0, ...): upgraded with the named packages, to one Samba version.
installed_samba_binaries_to_upgrade() {
    local name source st ver
    dpkg_query -W -f='${Package} ${source:Package} ${db:Status-Status} ${Version}\n' 2>/dev/null |
        while read -r name source st ver; do
            if [ "$source" = samba ] && [ "$st" = installed ] &&
                ! dpkg --compare-versions "$(samba_upstream "$ver")" ge "$MIN_SAMBA"; then
                echo "$name"
            fi
        done
}

# Prints the packages whose files the fixture uses are gone although dpkg lists them as installed
# (this machine's files: none when reading a copy of the dpkg state).
damaged_packages() {
    [ -z "${EKS_GMSA_DPKG_ADMINDIR:-}" ] || return 0
    local entry
    for entry in samba:samba-ad-dc samba-tool:python3-samba ldbsearch:ldb-tools smbclient:smbclient \
        kinit:krb5-user; do
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

nothing_to_do() {
    mapfile -t todo < <(packages_to_install)
    mapfile -t damaged < <(damaged_packages)
    [ "${#todo[@]}" -eq 0 ] && [ "${#damaged[@]}" -eq 0 ]
}

if nothing_to_do; then
    # Already installed: only make sure no system daemon (pid files under /run/samba) is running.
    if [ -n "$APT_SIMULATE" ]; then echo "install-samba.sh: nothing to install"; exit 0; fi
    if ls /run/samba/*.pid >/dev/null 2>&1; then quiesce_services; fi
    exit 0
fi
if [ -z "$APT_SIMULATE" ] && [ "$(id -u)" -ne 0 ]; then
    echo "install-samba.sh: needs root to install ${todo[*]} ${damaged[*]}" >&2
    exit 1
fi
# Another install may be changing what is installed: read it again once that one is done.
wait_for_package_manager
if nothing_to_do; then
    echo "install-samba.sh: nothing to install (another install put it in place)"
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

start=$(date +%s)
export DEBIAN_FRONTEND=noninteractive

codename=""
if [ -r /etc/os-release ]; then
    # shellcheck source=/dev/null
    codename=$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")
fi

work=$(mktemp -d)
own_policy=""
cleanup() {
    rm -rf "$work"
    if [ -n "$own_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
}
trap cleanup EXIT

pin=()
lists_stale=""
if [ "$codename" = bookworm ]; then
    # The apt preferences of this script's apt-get calls: the system's own file, if any, then
    # Samba's pin. /etc/apt/preferences.d/ still applies.
    if [ -r /etc/apt/preferences ]; then
        cat /etc/apt/preferences >"$work/preferences"
        echo >>"$work/preferences"
    fi
    printf '%s\n' "Package: src:samba" "Pin: release n=bookworm-backports" "Pin-Priority: 990" >>"$work/preferences"
    pin=(-o "Dir::Etc::Preferences=$work/preferences")
    # Any uncommented mention in a one-line (.list) or deb822 (.sources) file counts as configured.
    if ! grep -qsE '^[^#]*\bbookworm-backports\b' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
        /etc/apt/sources.list.d/*.sources; then
        if [ -n "$APT_SIMULATE" ]; then
            echo "install-samba.sh: would add $BACKPORTS_SOURCE (simulating without it)"
        else
            printf '%s\n' "# Added by eks-gmsa's test/support/install-samba.sh: Samba 4.22 for the test domain controllers." \
                "Types: deb" "URIs: http://deb.debian.org/debian" "Suites: bookworm-backports" "Components: main" \
                "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" >"$BACKPORTS_SOURCE"
            echo "install-samba.sh: added $BACKPORTS_SOURCE"
            lists_stale=1
        fi
    fi
    if [ ! -e /usr/share/keyrings/debian-archive-keyring.gpg ] && [ -z "$APT_SIMULATE" ]; then
        apt_get install -y -q --no-install-recommends debian-archive-keyring
    fi
    ls /var/lib/apt/lists/*bookworm-backports*_Packages* >/dev/null 2>&1 || lists_stale=1
fi
ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1 || lists_stale=1

# What apt is asked for by name (see the top). Computed for each call: after `apt-get update` the
# versions the apt sources have may differ.
requests() {
    local p entry
    for p in "${todo[@]}"; do
        for entry in "${OTHER_PACKAGES[@]}"; do
            if [ "$p" = "${entry%%:*}" ] && [ "${#reinstall[@]}" -eq 0 ]; then
                version_beside "$p" "${entry#*:}" "the tests need its kinit"
                continue 2
            fi
        done
        echo "$p"
    done
    for p in $(installed_samba_binaries_to_upgrade); do
        [[ " ${todo[*]} " == *" $p "* ]] || echo "$p"
    done
}

apt_install() {
    local names
    mapfile -t names < <(requests)
    apt_get install -y -q --no-install-recommends "${pin[@]}" "${reinstall[@]}" \
        -o APT::Get::Upgrade-By-Source-Package=false \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" "${names[@]}"
}

if [ -n "$APT_SIMULATE" ]; then
    plan=$(apt_install -s) || { printf '%s\n' "$plan"; exit 1; }
    printf '%s\n' "$plan"
    summarize_apt_plan <<<"$plan" | sed 's/^/install-samba.sh: would /'
    exit 0
fi

# Keep maintainer scripts from starting any service while installing (Debian's policy-rc.d
# protocol: exit 101 = action forbidden). A policy-rc.d already there is left as it is.
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
fi

# The plan is printed first (what is installed, what is upgraded), then carried out. A plan apt
# cannot make is retried once after refreshing the package lists (they may be stale).
if [ -n "$lists_stale" ]; then apt_update; fi
if ! plan=$(apt_install -s 2>&1); then
    if [ -n "$lists_stale" ]; then printf '%s\n' "$plan" >&2; exit 1; fi
    apt_update
    plan=$(apt_install -s 2>&1) || { printf '%s\n' "$plan" >&2; exit 1; }
fi
summarize_apt_plan <<<"$plan" | sed 's/^/install-samba.sh: /'
apt_install

quiesce_services

mapfile -t still < <(packages_to_install; damaged_packages)
if [ "${#still[@]}" -gt 0 ]; then
    echo "install-samba.sh: still missing or older than Samba $MIN_SAMBA after installing: ${still[*]}" >&2
    exit 1
fi
echo "install-samba.sh: installed ${todo[*]} (samba $(dpkg_query -W -f='${Version}' samba)) in $(($(date +%s) - start))s"
