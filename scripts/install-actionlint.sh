#!/usr/bin/env bash
# Builds actionlint (the GitHub Actions workflow linter, MIT) into <repo>/.bin/actionlint with the machine's Go, from
# the Go module proxy:
#   GOBIN=<repo>/.bin go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
# The test of the CI examples (test/unit/ci/examples.test.ts) runs it on docs/ci/github-actions.yml.
# Skips when .bin/actionlint is already that version. On failure prints Go's own error and exits non-zero.
#
#   scripts/install-actionlint.sh
#   ACTIONLINT_VERSION=v1.7.13 scripts/install-actionlint.sh
set -euo pipefail

MODULE="github.com/rhysd/actionlint/cmd/actionlint"
VERSION="${ACTIONLINT_VERSION:-v1.7.12}"
REPO_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN_DIR="$REPO_ROOT/.bin"

if [ -x "$BIN_DIR/actionlint" ] && [ "$("$BIN_DIR/actionlint" -version 2>/dev/null | head -n 1)" = "${VERSION}" ]; then
  echo "actionlint ${VERSION} already built: $BIN_DIR/actionlint"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "install-actionlint: Go is not installed (actionlint ${VERSION} needs Go >= 1.24 to build);" >&2
  echo "  or put a release binary from https://github.com/rhysd/actionlint/releases at $BIN_DIR/actionlint" >&2
  exit 1
fi

echo "building actionlint ${VERSION}: GOBIN=$BIN_DIR go install ${MODULE}@${VERSION} ($(go version))"
mkdir -p "$BIN_DIR"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! GOBIN="$BIN_DIR" go install "${MODULE}@${VERSION}" >"$log" 2>&1; then
  echo "install-actionlint: go install ${MODULE}@${VERSION} failed (GOPROXY=$(go env GOPROXY)):" >&2
  sed 's/^/  /' "$log" >&2
  exit 1
fi
cat "$log"
echo "actionlint built: $BIN_DIR/actionlint ($("$BIN_DIR/actionlint" -version | head -n 1))"
