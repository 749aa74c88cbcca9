#!/usr/bin/env bash
# The tests on a real S3 engine: installs Ceph when missing (scripts/ensure-ceph.sh), brings up a
# one-node Ceph in a temporary folder (scripts/ceph-up.sh), checks its gateway with curl (a bucket
# made, an object put, read back and deleted), runs the storage contract suite (test/storage), the s3
# backend's own tests (test/s3-store: two bucket servers, two gateways, a bucket server killed
# mid-upload) and the protocol integration tests (test/integration, their test servers on the engine)
# with PAIL_TEST_STORE set to it; then, alone since it kills the gateway the others use, the fault test
# of the engine's gateway (test/s3-store/engine-gateway-kill.test.ts, told the Ceph's folder in
# PAIL_TEST_CEPH_DIR); and takes it down whatever happened. Prints what the Ceph part cost. Arguments,
# when given, replace the test files run (in one run, with PAIL_TEST_CEPH_DIR set). The ports are
# ceph-up.sh's (CEPH_MON_PORT, CEPH_RGW_PORT), so it can run beside another Ceph.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-ceph.sh

tests=("$@")
engine_faults=test/s3-store/engine-gateway-kill.test.ts

now() { printf '%s' "$EPOCHREALTIME"; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
dir=$(mktemp -d /tmp/pail-ceph-XXXXXX)
t_start=$(now)
t_up="" t_smoked="" t_tested="" t_faulted=""
down() {
  local status=$? t_down t_end
  t_down=$(now)
  bash scripts/ceph-down.sh "$dir" || status=1
  t_end=$(now)
  if [[ $status -ne 0 ]]; then echo "tests on Ceph: failed; the Ceph logs are in $dir/log" >&2; else rm -rf "$dir"; fi
  echo "tests on Ceph: up $(seconds "$t_start" "${t_up:-$t_down}")s, smoke check $(seconds "${t_up:-$t_down}" "${t_smoked:-$t_down}")s, tests $(seconds "${t_smoked:-$t_down}" "${t_tested:-$t_down}")s, gateway faults $(seconds "${t_tested:-$t_down}" "${t_faulted:-$t_down}")s, down $(seconds "$t_down" "$t_end")s, in all $(seconds "$t_start" "$t_end")s" >&2
  exit "$status"
}
trap down EXIT

url=$(bash scripts/ceph-up.sh "$dir")
t_up=$(now)

# The gateway answers signed S3 requests with the user ceph-up made (curl signs; the body is not hashed).
endpoint="http://127.0.0.1:${CEPH_RGW_PORT:-7490}"
s3() { curl -sS -f --max-time 30 --user "${CEPH_ACCESS_KEY:-CIACCESSKEY}:${CEPH_SECRET_KEY:-CISECRETKEY}" --aws-sigv4 aws:amz:us-east-1:s3 -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$@"; }
smoke=pail-smoke-$RANDOM$RANDOM
printf 'pail smoke check\n' >"$dir/smoke.txt"
s3 -X PUT "$endpoint/$smoke" >/dev/null
s3 -T "$dir/smoke.txt" "$endpoint/$smoke/smoke.txt" >/dev/null
s3 -o "$dir/smoke.back" "$endpoint/$smoke/smoke.txt"
cmp "$dir/smoke.txt" "$dir/smoke.back"
s3 -X DELETE "$endpoint/$smoke/smoke.txt" >/dev/null
s3 -X DELETE "$endpoint/$smoke" >/dev/null
echo "tests on Ceph: the gateway at $endpoint takes a signed PUT and gives the bytes back" >&2
t_smoked=$(now)

if [[ ${#tests[@]} -gt 0 ]]; then
  PAIL_TEST_STORE=$url PAIL_TEST_CEPH_DIR=$dir npx vitest run "${tests[@]}"
  t_tested=$(now) t_faulted=$t_tested
  exit 0
fi
env -u PAIL_TEST_CEPH_DIR PAIL_TEST_STORE="$url" npx vitest run --exclude "$engine_faults" test/storage test/s3-store test/integration
t_tested=$(now)
PAIL_TEST_STORE=$url PAIL_TEST_CEPH_DIR=$dir npx vitest run "$engine_faults"
t_faulted=$(now)
