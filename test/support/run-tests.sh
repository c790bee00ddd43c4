#!/usr/bin/env bash
# Runs test files, each in its own process (Pulumi's mock runtime is global per process), two at a
# time. Prints one line saying so and where the log is, then, when all have run, a summary (with
# that line at most about 60 lines): the files grouped by name with their counts and time, the
# totals, each failure's name with the first lines of its error, the skip reasons
# (test/support/testSummary.ts). The full log (node's spec reporter: every test, every
# error with its stack, what the tests printed) goes to a file, whose path the summary's last line
# gives. Exits non-zero when any test or file fails.
#
#   bash test/support/run-tests.sh FILE...
#
# EKS_GMSA_TEST_RESULTS: the directory of the log, default test-results/ in the checkout
# (gitignored); the log is <it>/tests.log, replaced on each run.
set -euo pipefail
[ "$#" -gt 0 ] || { echo "run-tests.sh: usage: run-tests.sh FILE..." >&2; exit 2; }
repo=$(cd "$(dirname "$0")/../.." && pwd)
files=()
for f in "$@"; do
    [ -f "$f" ] || { echo "run-tests.sh: no such file: $f" >&2; exit 2; }
    files+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
done
results=${EKS_GMSA_TEST_RESULTS:-$repo/test-results}
mkdir -p "$results"
export EKS_GMSA_TEST_LOG="$results/tests.log"
# The summary comes when every file has run (minutes): say first what runs and where to follow it.
shown_log=${EKS_GMSA_TEST_LOG#"$PWD/"}
echo "run-tests.sh: ${#files[@]} test file$([ "${#files[@]}" -eq 1 ] || echo s), two at a time; each test is logged as it ends in $shown_log (tail -f it); the summary follows when all have run"
cd "$repo"
exec node --import tsx --test --test-concurrency=2 \
    --test-reporter=./test/support/summaryReporter.mjs --test-reporter-destination=stdout \
    --test-reporter=spec --test-reporter-destination="$EKS_GMSA_TEST_LOG" "${files[@]}"
