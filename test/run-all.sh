#!/usr/bin/env bash
# The whole test suite: type-check everything, then every test file (each in its own process, as
# Pulumi's mock runtime is global per process).
set -euo pipefail
cd "$(dirname "$0")/.."
# The Active Directory tests run real Samba AD domain controllers (Samba >= 4.21, from bookworm-backports
# on Debian bookworm): install or upgrade it when missing or older.
bash test/support/install-samba.sh
# The bash and Python scripts the program runs are linted by their tests: install the linters when missing.
for linter in shellcheck:shellcheck pyflakes3:pyflakes3; do
    command -v "${linter%%:*}" >/dev/null 2>&1 || { apt-get install -y --no-install-recommends "${linter#*:}" >/dev/null 2>&1 \
        || { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${linter#*:}" >/dev/null; }; }
done
npx tsc --noEmit -p tsconfig.json
node --import tsx --test --test-concurrency=2 test/*.test.ts
