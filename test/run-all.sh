#!/usr/bin/env bash
# The whole test suite: type-check everything, then every test file (each in its own process, as
# Pulumi's mock runtime is global per process).
set -euo pipefail
cd "$(dirname "$0")/.."
# The Active Directory tests run a real Samba AD domain controller: install it when missing.
bash test/support/install-samba.sh
npx tsc --noEmit -p tsconfig.json
node --import tsx --test --test-concurrency=2 test/*.test.ts
