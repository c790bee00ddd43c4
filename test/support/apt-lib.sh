# shellcheck shell=bash disable=SC2016 # dpkg-query's own ${Field} placeholders, not shell
# Sourced by install-samba.sh and install-tools.sh (not run on its own): apt-get as the test
# command uses it, so that installing what the tests need never upgrades anything else and never
# fails because another install is running.
#
#   - It waits for the package manager's lock (apt's DPkg::Lock::Timeout, apt >= 1.9.11; the lists
#     lock of `apt-get update` by retrying, as apt 2.6 does not wait for that one), saying so.
#   - EKS_GMSA_DPKG_ADMINDIR=<dir> reads (and locks) the dpkg state in <dir>/status instead of
#     /var/lib/dpkg: a throw-away copy, for tests.
#   - EKS_GMSA_APT_SIMULATE=1 prints apt's plan (`apt-get -s`) and changes nothing.
#   - EKS_GMSA_APT_LOCK_SECONDS (default 600): how long to wait for the lock.
# The caller sets APT_WHO (its name, for messages).

APT_ADMINDIR=${EKS_GMSA_DPKG_ADMINDIR:-/var/lib/dpkg}
# shellcheck disable=SC2034 # read by the scripts that source this one
APT_SIMULATE=${EKS_GMSA_APT_SIMULATE:-}
APT_LOCK_SECONDS=${EKS_GMSA_APT_LOCK_SECONDS:-600}
APT_STATE=(-o "Dir::State::status=$APT_ADMINDIR/status")

dpkg_query() { dpkg-query --admindir="$APT_ADMINDIR" "$@"; }

# Whether apt's error output says another process holds a lock (apt 2.6's wordings; after a
# DPkg::Lock::Timeout it only says "..., is another process using it?"). Not being root is not one.
is_lock_error() {
    case "$1" in *"Could not get lock"* | *"is another process using it"*) return 0 ;; esac
    return 1
}

# apt-get on the chosen dpkg state, waiting for the dpkg lock (a simulation takes no lock).
apt_get() { apt-get "${APT_STATE[@]}" -o "DPkg::Lock::Timeout=$APT_LOCK_SECONDS" "$@"; }

# Waits until no other apt or dpkg holds the package manager's lock (apt's lock-frontend, an fcntl
# lock), printing one line when it has to wait. Run before reading the dpkg state, which another
# install may be changing. Other apt problems are left to the install, which reports them.
wait_for_package_manager() {
    local err holder start
    err=$(apt-get "${APT_STATE[@]}" -o DPkg::Lock::Timeout=0 -qq check 2>&1 >/dev/null) && return 0
    is_lock_error "$err" || return 0
    holder=$(sed -n 's/.*It is held by \(process [0-9]* ([^)]*)\).*/, held by \1/p' <<<"$err" | head -n 1)
    echo "$APT_WHO: waiting up to ${APT_LOCK_SECONDS}s for the package manager's lock (another install is running$holder)"
    start=$(date +%s)
    if ! err=$(apt-get "${APT_STATE[@]}" -o "DPkg::Lock::Timeout=$APT_LOCK_SECONDS" -qq check 2>&1 >/dev/null); then
        if is_lock_error "$err"; then
            echo "$APT_WHO: the package manager's lock is still held after ${APT_LOCK_SECONDS}s$holder; try again when that install is done" >&2
            return 1
        fi
    fi
    echo "$APT_WHO: got the package manager's lock after $(($(date +%s) - start))s"
}

# apt-get update, retried while another apt holds the lists lock (DPkg::Lock::Timeout does not
# cover it in apt 2.6). Never run in a simulation: it writes /var/lib/apt/lists.
apt_update() {
    local deadline out said=""
    deadline=$(($(date +%s) + APT_LOCK_SECONDS))
    while :; do
        if out=$(apt_get -q update 2>&1); then
            printf '%s\n' "$out"
            return 0
        fi
        if ! is_lock_error "$out"; then
            printf '%s\n' "$out" >&2
            return 1
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "$APT_WHO: the package lists' lock is still held after ${APT_LOCK_SECONDS}s" >&2
            return 1
        fi
        if [ -z "$said" ]; then
            echo "$APT_WHO: waiting up to ${APT_LOCK_SECONDS}s for the package lists' lock (another apt-get update is running)"
            said=1
        fi
        sleep 2
    done
}

# Prints PKG=<the installed version of SIBLING> when an apt source has PKG at that version, else
# PKG, saying on stderr that installing it upgrades SIBLING (WHY: why PKG is needed all the same).
# PKG and SIBLING come from one source package (krb5-user and libkrb5-3): PKG's Depends name
# SIBLING at PKG's exact version, and apt upgrades every installed binary of a source along with
# one of them (APT::Get::Upgrade-By-Source-Package, apt >= 2.5.2; bookworm has 2.6). At the
# installed SIBLING's version nothing is upgraded; after a security update the installed version is
# often no longer published, and then only a newer PKG can be installed, with a newer SIBLING.
version_beside() {
    local pkg=$1 sibling=$2 why=$3 v
    v=$(dpkg_query -W -f='${db:Status-Status} ${Version}\n' "$sibling" 2>/dev/null | sed -n 's/^installed //p')
    if [ -n "$v" ] && apt-cache madison "$pkg" 2>/dev/null | awk -F' [|] ' -v v="$v" '$2 == v { found = 1 } END { exit !found }'; then
        printf '%s=%s\n' "$pkg" "$v"
    else
        if [ -n "$v" ]; then
            echo "$APT_WHO: no apt source has $pkg $v, the installed $sibling's version: installing the newest $pkg, which upgrades $sibling, because $why" >&2
        fi
        printf '%s\n' "$pkg"
    fi
}

# Prints one line per kind from `apt-get -s` output on stdin: "install: a b c" (new packages) and
# "upgrade: d e" (installed packages apt would replace by another version).
summarize_apt_plan() {
    awk '
        /^Inst / { if ($3 ~ /^\[/) up = up " " $2; else add = add " " $2 }
        END {
            print "install:" (add == "" ? " nothing" : add)
            print "upgrade:" (up == "" ? " nothing" : up)
        }'
}
