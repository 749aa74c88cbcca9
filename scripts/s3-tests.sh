#!/usr/bin/env bash
# Runs the ceph/s3-tests suite's tests named in test/s3/s3-tests.list against a real Pail
# (`pail start` on loopback, its three S3 key pairs those of the suite's sample configuration),
# and prints how many passed. Installs the suite's Python dependencies from Debian's packages when
# missing (no Python package index is needed). The suite is looked for in $PAIL_S3_TESTS, then
# beside the checkout (../shared/s3-tests), then in /work/shared/s3-tests.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

suite=""
for candidate in "${PAIL_S3_TESTS:-}" "$root/../shared/s3-tests" /work/shared/s3-tests; do
  if [[ -n "$candidate" && -f "$candidate/s3tests/functional/test_s3.py" ]]; then suite=$(cd "$candidate" && pwd); break; fi
done
if [[ -z "$suite" ]]; then
  echo "s3-tests: the ceph/s3-tests suite was not found (set PAIL_S3_TESTS, or put it at ../shared/s3-tests)" >&2
  exit 1
fi

python=/usr/bin/python3
if ! $python -c 'import boto3, munch, pytest, isodate, pytz, requests, httplib2, lxml, yaml, dateutil' >/dev/null 2>&1; then
  echo "s3-tests: installing the suite's Python dependencies from Debian's packages" >&2
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3 python3-boto3 python3-munch \
    python3-pytest python3-isodate python3-tz python3-requests python3-httplib2 python3-lxml python3-yaml python3-dateutil
fi

work=$(mktemp -d /tmp/pail-s3-tests-XXXXXX)
pail_pid=""
cleanup() {
  if [[ -n "$pail_pid" ]]; then kill "$pail_pid" 2>/dev/null || true; wait "$pail_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The three users of the sample configuration: main, alt and tenant.
sample="$suite/s3tests.conf.SAMPLE"
key_of() { awk -v section="[$1]" -v field="$2" '$0 == section { inside = 1; next } /^\[/ { inside = 0 } inside && $1 == field { print $3 }' "$sample"; }
keys=""
for user in "s3 main" "s3 alt" "s3 tenant"; do
  keys+="${keys:+,}$(key_of "$user" access_key):$(key_of "$user" secret_key)"
done

PAIL_S3_KEYS="$keys" node bin/pail.js start --host 127.0.0.1 --port 0 --http-port 0 --s3-port 0 --data "$work/data" --log-level warn >"$work/pail.log" 2>&1 &
pail_pid=$!
port=""
for _ in $(seq 1 300); do
  port=$(sed -n 's#^pail: S3 on http://127\.0\.0\.1:\([0-9]*\).*#\1#p' "$work/pail.log" | head -n 1)
  [[ -n "$port" ]] && break
  if ! kill -0 "$pail_pid" 2>/dev/null; then cat "$work/pail.log" >&2; echo "s3-tests: pail start exited" >&2; exit 1; fi
  sleep 0.1
done
if [[ -z "$port" ]]; then cat "$work/pail.log" >&2; echo "s3-tests: pail start did not say its S3 address" >&2; exit 1; fi

sed -e "s/^host = .*/host = 127.0.0.1/" -e "s/^port = .*/port = $port/" -e "s/^is_secure = .*/is_secure = False/" \
  -e "s/^bucket prefix = .*/bucket prefix = pail-{random}-/" "$sample" >"$work/s3tests.conf"

# PAIL_S3_TESTS_LIST names another list (to try tests before they join the one CI runs).
mapfile -t tests < <(grep -v '^\s*#' "${PAIL_S3_TESTS_LIST:-test/s3/s3-tests.list}" | grep -v '^\s*$' | sed 's#^#s3tests/functional/test_s3.py::#')
echo "s3-tests: ${#tests[@]} tests of ceph/s3-tests against Pail's S3 listener on port $port" >&2
status=0
# Debian's awscli brings python3-awscrt, and botocore then signs through the CRT, whose signer asserts on
# requests the suite makes on purpose (x-amz-expires out of range, say): the suite is written for plain botocore.
(cd "$suite" && BOTO_DISABLE_CRT=true S3TEST_CONF="$work/s3tests.conf" $python -m pytest -q -p no:cacheprovider -o addopts= "${tests[@]}") | tee "$work/pytest.out" || status=$?
summary=$(tail -n 1 "$work/pytest.out")
echo "s3-tests: $summary" >&2
if [[ $status -ne 0 ]]; then
  echo "s3-tests: the listener's log follows" >&2
  tail -n 50 "$work/pail.log" >&2
fi
exit $status
