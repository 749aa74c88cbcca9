#!/usr/bin/env bash
# Starts a one-node Ceph for tests in DIR (made empty first): a monitor, one OSD keeping its data in
# memory (memstore) and a RADOS Gateway, all on 127.0.0.1 without systemd, plus an S3 user. Prints the
# store URL (s3+http://KEY:SECRET@127.0.0.1:PORT/) on standard output and writes it to DIR/store-url;
# progress goes to standard error. scripts/ceph-down.sh DIR stops it. On a failure it stops what it
# started, shows the logs' last lines and exits non-zero.
#
#   CEPH_MON_PORT   the monitor's port (3310: beside a Ceph on the usual 3300)
#   CEPH_RGW_PORT   the gateway's S3 port (7490: beside one on the usual 7480)
#   CEPH_ACCESS_KEY, CEPH_SECRET_KEY   the S3 user's key pair (CIACCESSKEY, CISECRETKEY)
#   CEPH_MEMSTORE_BYTES   the OSD's in-memory device (2 GiB)
#   CEPH_WAIT_SECONDS     the longest any one step may take to come up (60)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: ceph-up.sh DIR}
mon_port=${CEPH_MON_PORT:-3310}
rgw_port=${CEPH_RGW_PORT:-7490}
access_key=${CEPH_ACCESS_KEY:-CIACCESSKEY}
secret_key=${CEPH_SECRET_KEY:-CISECRETKEY}
memstore_bytes=${CEPH_MEMSTORE_BYTES:-2147483648}
wait_seconds=${CEPH_WAIT_SECONDS:-60}

started=$EPOCHREALTIME
say() { awk -v a="$started" -v b="$EPOCHREALTIME" -v m="$*" 'BEGIN { printf "ceph-up: [%5.2fs] %s\n", b - a, m }' >&2; }

# Runs the check (a shell command) until it succeeds, at most $wait_seconds; each try is itself bounded.
wait_for() {
  local what=$1 check=$2
  local deadline=$((SECONDS + wait_seconds))
  until timeout 10 bash -c "$check" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      echo "ceph-up: $what did not come within ${wait_seconds}s" >&2
      return 1
    fi
    sleep 0.2
  done
}

# A URL's user or password: every byte but unreserved ones as %XX.
percent_encode() {
  local LC_ALL=C text=$1 out="" c i
  for ((i = 0; i < ${#text}; i++)); do
    c=${text:i:1}
    if [[ $c == [A-Za-z0-9._~-] ]]; then out+=$c; else out+=$(printf '%%%02X' "'$c"); fi
  done
  printf '%s' "$out"
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

for port in "$mon_port" "$rgw_port"; do
  if port_taken "$port"; then
    echo "ceph-up: 127.0.0.1:$port is taken (another Ceph?); choose other ports with CEPH_MON_PORT and CEPH_RGW_PORT" >&2
    exit 1
  fi
done

if [[ -e "$dir/run/mon.a.pid" ]]; then bash "$here/ceph-down.sh" "$dir"; fi
rm -rf "$dir"
mkdir -p "$dir"/{mon,osd,log,run,rgw}
dir=$(cd "$dir" && pwd)
conf=$dir/ceph.conf

failed() {
  echo "ceph-up: failed; the logs' last lines:" >&2
  for log in "$dir"/log/*.log; do [[ -f $log ]] && { echo "== $log" >&2; tail -n 15 "$log" >&2; }; done
  bash "$here/ceph-down.sh" "$dir" || true
}
trap failed ERR

fsid=$(cat /proc/sys/kernel/random/uuid)
cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
# one machine, one user: no cephx
auth cluster required = none
auth service required = none
auth client required = none
run dir = $dir/run
admin socket = $dir/run/\$cluster-\$name.asok
log file = $dir/log/\$name.log
pid file = $dir/run/\$name.pid
keyring = $dir/keyring
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 1
# the gateway makes about 14 pools at its first start, an osdmap change each: 1 s apiece by default
paxos propose interval = 0.05
[mon]
mon data = $dir/mon/\$cluster-\$id
[osd]
osd data = $dir/osd/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = $memstore_bytes
osd memory target = 1073741824
[client.rgw.a]
# radosgw asks for ms_mon_client_mode = secure, which a cluster without cephx cannot give
ms mon client mode = crc
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw data = $dir/rgw
# deleted objects' data freed within seconds, not after 2 hours (memstore keeps it in memory)
rgw gc obj min wait = 0
rgw gc processor period = 10
EOF

ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null
ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring"
ceph-mon -c "$conf" -i a # daemonizes; its pid goes to run/mon.a.pid
wait_for "the monitor" "ceph -c '$conf' --connect-timeout 5 -s"
say "monitor up on 127.0.0.1:$mon_port"

osd_uuid=$(cat /proc/sys/kernel/random/uuid)
osd_id=$(timeout "$wait_seconds" ceph -c "$conf" osd new "$osd_uuid")
mkdir -p "$dir/osd/ceph-$osd_id"
timeout "$wait_seconds" ceph-osd -c "$conf" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >"$dir/log/osd-mkfs.out" 2>&1
ceph-osd -c "$conf" -i "$osd_id" 2>>"$dir/log/osd-start.out"
wait_for "the OSD" "ceph -c '$conf' --connect-timeout 5 osd stat | grep -q ' 1 up'"
say "OSD $osd_id up"

radosgw -c "$conf" -n client.rgw.a
wait_for "the gateway" "curl -s -o /dev/null --max-time 2 http://127.0.0.1:$rgw_port/"
say "gateway answering on 127.0.0.1:$rgw_port"

timeout "$wait_seconds" radosgw-admin -c "$conf" user create --uid=pail-tests --display-name=pail-tests \
  --access-key="$access_key" --secret-key="$secret_key" >/dev/null
trap - ERR
url="s3+http://$(percent_encode "$access_key"):$(percent_encode "$secret_key")@127.0.0.1:$rgw_port/"
printf '%s\n' "$url" >"$dir/store-url"
say "S3 user made; store URL in $dir/store-url"
printf '%s\n' "$url"
