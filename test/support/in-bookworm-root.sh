#!/usr/bin/env bash
# Runs a command inside the bookworm root that build-bookworm-samba417.sh made, with a directory of
# this machine shown read-only at /pkg in it (and optionally a second one at /data):
#
#   bash test/support/in-bookworm-root.sh ROOT PKGDIR [DATADIR] -- COMMAND [ARG...]
#   e.g. ... /var/cache/eks-gmsa-test/bookworm-samba417 components/scripts/ad -- /usr/bin/python3 /pkg/cli.py discover ...
#
# A mount namespace of its own (unshare -m, private propagation) holds the mounts, so nothing is
# mounted on this machine and nothing needs unmounting, also when the command is killed: /pkg and
# /data (read-only), /proc, and a fresh /tmp. The root shares this machine's network, so a DC on a
# loopback address answers there. The environment is passed on as it is, PATH set to the root's.
# EKS_GMSA_ROOT_HIDE (colon-separated files of the root) hides those files for this run only, as if
# their package were missing: each one's directory is shown as a copy without it. Needs root. Exits
# with the command's status (2 for bad usage).
set -euo pipefail

usage() {
    echo "in-bookworm-root.sh: $1; usage: in-bookworm-root.sh ROOT PKGDIR [DATADIR] -- COMMAND [ARG...]" >&2
    exit 2
}

if [ "${1:-}" != --inside ]; then
    [ "$#" -ge 4 ] || usage "too few arguments"
    [ -x "$1/usr/bin/python3" ] || usage "$1 is not a built root (run build-bookworm-samba417.sh)"
    [ -d "$2" ] || usage "$2 is not a directory"
    if [ "$3" != -- ]; then
        [ -d "$3" ] || usage "$3 is not a directory"
        [ "${4:-}" = -- ] || usage "expected -- before the command"
    fi
    exec unshare --mount --propagation private -- bash "$0" --inside "$@"
fi
shift
root=$1
pkg=$(cd "$2" && pwd)
data=""
shift 2
if [ "$1" != -- ]; then
    data=$(cd "$1" && pwd)
    shift
fi
shift
[ "$#" -ge 1 ] || usage "no command after --"

mount_ro() {
    mkdir -p "$root$2"
    mount --bind "$1" "$root$2"
    mount -o remount,bind,ro "$root$2"
}
mount_ro "$pkg" /pkg
if [ -n "$data" ]; then mount_ro "$data" /data; fi
mount -t proc proc "$root/proc"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
if [ -n "${EKS_GMSA_ROOT_HIDE:-}" ]; then
    IFS=: read -r -a hidden <<<"$EKS_GMSA_ROOT_HIDE"
    for i in "${!hidden[@]}"; do
        file=${hidden[$i]}
        [ -f "$root$file" ] || usage "EKS_GMSA_ROOT_HIDE names $file, which is not a file of the root"
        parent=$(dirname "$root$file")
        copy="$root/tmp/.hidden-$i" # on this run's own /tmp (a tmpfs), gone with the namespace
        mkdir "$copy"
        cp -a "$parent/." "$copy/"
        rm -f "$copy/$(basename "$file")"
        mount --bind "$copy" "$parent"
    done
fi
unset EKS_GMSA_ROOT_HIDE
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
exec chroot "$root" "$@"
