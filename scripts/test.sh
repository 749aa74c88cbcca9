#!/usr/bin/env bash
# The one test command (npm test): type checks and the linter, then unit and integration tests
# (codec, bucket server, faults, gateway, S3 listener, CLI, the storage contract suite on the fs
# backend), then the storage contract suite, the s3 backend's tests (two bucket servers and two
# gateways, a bucket server and the engine's gateway killed mid-upload) and the protocol integration
# tests on a one-node Ceph brought up and taken down for them (scripts/test-on-ceph.sh), then the ceph/s3-tests suite against the S3
# listener (scripts/s3-tests.sh), then the web app in a real Chromium. Installs Debian's chromium with
# apt-get when no browser is found, Debian's Ceph (mon, osd, radosgw) when missing, and Debian's unzip
# (the zip tests' reader) and the S3 tests' aws CLI and curl when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc --noEmit -p tsconfig.json
npx eslint . --max-warnings 0
npx svelte-check --workspace web --tsconfig ./tsconfig.json --fail-on-warnings
bash scripts/ensure-unzip.sh
bash scripts/ensure-s3-clients.sh
npx vitest run
bash scripts/test-on-ceph.sh
bash scripts/s3-tests.sh
bash test/e2e/ensure-browser.sh
npx playwright test
