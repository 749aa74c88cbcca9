#!/usr/bin/env bash
# The one test command: type checks, then unit and integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc --noEmit -p tsconfig.json
npx vitest run
