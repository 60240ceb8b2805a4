#!/usr/bin/env bash
# The test command: install what is missing, type-check, run every test suite.
# Tests that need ../shared (models and data) fail when it is missing under CI=true and skip elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export BOOSTFACE_SHARED="${BOOSTFACE_SHARED:-$(cd .. && pwd)/shared}"
echo "test: typecheck" >&2
npm run typecheck --silent
echo "test: vitest (shared data: $BOOSTFACE_SHARED)" >&2
npx vitest run "$@"
