#!/usr/bin/env bash
# Builds the real k6 binary into <repo>/.bin/k6 with the machine's Go, from the Go module proxy:
#   GOBIN=<repo>/.bin go install go.k6.io/k6/v2@v2.3.0
# The version is pinned to match @types/k6 2.3 (package.json). Skips when k6 is already on PATH or in .bin/.
# On failure prints Go's own error and how to install k6 otherwise, and exits non-zero.
#
#   scripts/install-k6.sh            build if missing
#   K6_VERSION=v2.3.1 scripts/install-k6.sh
set -euo pipefail

K6_MODULE="go.k6.io/k6/v2"
K6_VERSION="${K6_VERSION:-v2.3.0}"
REPO_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN_DIR="$REPO_ROOT/.bin"

if command -v k6 >/dev/null 2>&1; then
  echo "k6 already on PATH: $(command -v k6) ($(k6 version 2>/dev/null | head -n 1))"
  exit 0
fi
if [ -x "$BIN_DIR/k6" ]; then
  echo "k6 already built: $BIN_DIR/k6 ($("$BIN_DIR/k6" version 2>/dev/null | head -n 1))"
  exit 0
fi

manual_hint() {
  cat >&2 <<HINT
Install k6 another way, then run the load scenarios again (npm run load -- <scenario>):
  - Debian/Ubuntu: Grafana's apt repository (https://dl.k6.io/deb, package k6), see
    https://grafana.com/docs/k6/latest/set-up/install-k6/
  - a release binary from https://github.com/grafana/k6/releases (${K6_VERSION}), put on PATH or at $BIN_DIR/k6
  - on a machine whose Go module proxy serves it: GOBIN=$BIN_DIR go install ${K6_MODULE}@${K6_VERSION}
HINT
}

if ! command -v go >/dev/null 2>&1; then
  echo "install-k6: Go is not installed (k6 ${K6_VERSION} needs Go >= 1.25 to build)." >&2
  manual_hint
  exit 1
fi

echo "building k6 ${K6_VERSION}: GOBIN=$BIN_DIR go install ${K6_MODULE}@${K6_VERSION} ($(go version))"
mkdir -p "$BIN_DIR"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! GOBIN="$BIN_DIR" go install "${K6_MODULE}@${K6_VERSION}" >"$log" 2>&1; then
  echo "install-k6: go install ${K6_MODULE}@${K6_VERSION} failed (GOPROXY=$(go env GOPROXY)):" >&2
  sed 's/^/  /' "$log" >&2
  manual_hint
  exit 1
fi
cat "$log"
echo "k6 built: $BIN_DIR/k6 ($("$BIN_DIR/k6" version | head -n 1))"
