#!/usr/bin/env bash
# Installs the browser-test dependencies when missing: Debian's chromium
# (scripts/deps.sh lists it) and npm playwright-core, pinned by
# tests/e2e/package-lock.json, into tests/e2e/node_modules. A second run is
# a no-op.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
[ -x /usr/bin/chromium ] || "$here/scripts/deps.sh"
if ! command -v npm >/dev/null; then   # Debian's nodejs has npm apart
  apt-get install -y -qq --no-install-recommends npm
fi
if [ ! -f "$here/tests/e2e/node_modules/playwright-core/package.json" ]; then
  echo "e2e-deps: npm ci in tests/e2e"
  (cd "$here/tests/e2e" && npm ci --no-audit --no-fund --loglevel=error)
fi
