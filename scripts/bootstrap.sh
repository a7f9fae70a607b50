#!/usr/bin/env bash
# One-time set-up on a fresh Debian/Ubuntu machine: the Debian packages the harness needs, then the npm packages
# pinned by package-lock.json. Safe to run again (installs only what is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
npm ci --no-audit --no-fund
