#!/usr/bin/env bash
# One-time set-up on a fresh Debian/Ubuntu machine: the Debian packages the harness needs, the npm packages pinned by
# package-lock.json, and actionlint (the linter the test of docs/ci/ runs). Safe to run again (installs only what is
# missing).
#
#   scripts/bootstrap.sh          everything the harness and its tests need
#   scripts/bootstrap.sh --gate   a CI runner that only runs the gate: Redis + PostgreSQL packages and npm ci
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--gate" ]; then
  bash scripts/install-gate-deps.sh
  npm ci --no-audit --no-fund
  exit 0
fi
bash scripts/install-system-deps.sh
npm ci --no-audit --no-fund
# only the test of the CI examples needs it; a machine without Go still gets a working harness
bash scripts/install-actionlint.sh || echo "bootstrap: actionlint was not built (see above); test/integration/ci/ci-examples.test.ts needs it" >&2
