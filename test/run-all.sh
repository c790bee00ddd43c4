#!/usr/bin/env bash
# The whole test suite: install what the tests need, type-check, lint and format-check everything,
# then run every test file (each in its own process, as Pulumi's mock runtime is global per process)
# with a short summary on the terminal and the full log in test-results/ (test/support/run-tests.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
results=${EKS_GMSA_TEST_RESULTS:-test-results}
mkdir -p "$results"
: >"$results/install.log"
# What the tests need from Debian, installed when missing, nothing else installed or upgraded
# (the scripts say what they install; apt's own output goes to install.log):
#   Samba >= 4.21 for the Active Directory tests' domain controllers (from bookworm-backports on
#   Debian bookworm), shellcheck and pyflakes3 for the bash and Python scripts the program ships,
#   python3-boto3 for the management host's mode.
for installer in install-samba.sh install-tools.sh; do
    if ! bash "test/support/$installer" 2>&1 | tee -a "$results/install.log" | grep --line-buffered "^$installer:"; then
        [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "$installer failed: see $results/install.log" >&2; tail -n 20 "$results/install.log" >&2; exit 1; }
    fi
done
npx tsc --noEmit -p tsconfig.json
# House style: eslint and prettier, one line each when clean, their findings when not. The tests run
# either way; the suite fails at the end if either found something.
style_failed=()
for check in lint format:check; do
    if npm run --silent "$check" >"$results/${check/:/-}.log" 2>&1; then
        echo "$check: clean"
    else
        cat "$results/${check/:/-}.log"
        style_failed+=("$check")
    fi
done
bash test/support/run-tests.sh test/*.test.ts
[ "${#style_failed[@]}" -eq 0 ] || { echo "failed: npm run ${style_failed[*]} (findings above, logs in $results/)" >&2; exit 1; }
