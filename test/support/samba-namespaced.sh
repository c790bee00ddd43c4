#!/usr/bin/env bash
# Runs a command (the test DC's `samba`) in a mount namespace of its own, where the domain's run
# directory is mounted on /run/samba:
#
#   bash samba-namespaced.sh <run dir> <command> [args...]
#
# Why: the DC's smbd (the file server behind SYSVOL) asks winbindd for the unix ids of the users
# it serves through libwbclient, which only ever looks for winbindd's socket in
# /run/samba/winbindd (smb.conf's "winbindd socket directory" moves winbindd, not its clients).
# Two DCs on one machine would share, and fight over, that socket. Inside the namespace each DC
# sees its own directory there; nothing outside it changes, and the mount ends with the process.
# The process keeps its pid through both execs, so the caller can signal it as it is.
# Needs root (CAP_SYS_ADMIN); test/support/samba.ts probes it with the command `true`.
set -euo pipefail

if [ "$#" -lt 2 ]; then
    echo "usage: samba-namespaced.sh <run dir> <command> [args...]" >&2
    exit 2
fi
if [ "${SAMBA_FIXTURE_NAMESPACE:-}" != private ]; then
    # First pass: re-run this script in a new mount namespace whose mounts stay private.
    SAMBA_FIXTURE_NAMESPACE=private exec unshare --mount --propagation private -- bash "$0" "$@"
fi
unset SAMBA_FIXTURE_NAMESPACE
run_dir=$1
shift
[ -d /run/samba ] || mkdir -p /run/samba
mount --bind "$run_dir" /run/samba
exec "$@"
