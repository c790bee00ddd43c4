#!/usr/bin/env bash
# Stands in for a Python with Samba's bindings in test/ad-cli.test.ts (EKS_GMSA_PYTHON): answers
# npm run ad's import probe (-c ...) with success; otherwise prints what it was given: each argument
# on a line of its own, and whether the password variables reached it through the environment.
# npm run ad's argument check (tools/ad/front.py) runs in the real Python.
set -euo pipefail
if [ "${1:-}" = "-c" ]; then
    exit 0
fi
if [[ "${1:-}" == */tools/ad/front.py ]]; then
    exec python3 "$@"
fi
printf 'arg:%s\n' "$@"
printf 'env:AD_PASSWORD=%s\n' "${AD_PASSWORD:+set}"
printf 'env:AD_IDENTITY_PASSWORD=%s\n' "${AD_IDENTITY_PASSWORD:+set}"
