#!/usr/bin/env bash
# Kills or starts just the RADOS Gateway of the test Ceph that scripts/ceph-up.sh started in DIR, for the
# fault tests (test/s3-store/engine-gateway-kill.test.ts): `kill` ends it with SIGKILL, as a crash would, and waits until
# it is gone; `start` starts it again with DIR's configuration (unless it runs) and waits until it answers on its port;
# `freeze` stops it with SIGSTOP (its port still takes connections, nothing answers: a hung engine) and `thaw`
# lets it go on with SIGCONT. The monitor and the OSD go on. Only a process of DIR's (its command line names
# DIR/ceph.conf) is ever signalled.
#
#   CEPH_WAIT_SECONDS   the longest the gateway may take to go or to come up (60)
set -euo pipefail
action=${1:?usage: ceph-rgw.sh kill|start|freeze|thaw DIR}
dir=${2:?usage: ceph-rgw.sh kill|start|freeze|thaw DIR}
dir=$(cd "$dir" && pwd)
conf=$dir/ceph.conf
pid_file=$dir/run/client.rgw.a.pid
wait_seconds=${CEPH_WAIT_SECONDS:-60}

ours() { [[ -r /proc/$1/cmdline ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$conf"; }
# The gateway's S3 port, from DIR's configuration (rgw frontends = beast endpoint=127.0.0.1:PORT).
port=$(sed -n 's/^rgw frontends = .*endpoint=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$conf")

case $action in
  kill)
    pid=$(cat "$pid_file" 2>/dev/null || true)
    if [[ -z "$pid" ]] || ! ours "$pid"; then
      echo "ceph-rgw: no gateway of $dir is running" >&2
      exit 1
    fi
    kill -9 "$pid"
    deadline=$((SECONDS + wait_seconds))
    while ours "$pid"; do
      if ((SECONDS >= deadline)); then echo "ceph-rgw: the gateway ($pid) is still there ${wait_seconds}s after SIGKILL" >&2; exit 1; fi
      sleep 0.05
    done
    rm -f "$pid_file"
    ;;
  start)
    pid=$(cat "$pid_file" 2>/dev/null || true)
    if [[ -n "$pid" ]] && ours "$pid"; then exit 0; fi # running already: a second would not get the port
    radosgw -c "$conf" -n client.rgw.a
    deadline=$((SECONDS + wait_seconds))
    until curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/"; do
      if ((SECONDS >= deadline)); then echo "ceph-rgw: the gateway did not answer on 127.0.0.1:$port within ${wait_seconds}s" >&2; exit 1; fi
      sleep 0.1
    done
    ;;
  freeze | thaw)
    pid=$(cat "$pid_file" 2>/dev/null || true)
    if [[ -z "$pid" ]] || ! ours "$pid"; then
      echo "ceph-rgw: no gateway of $dir is running" >&2
      exit 1
    fi
    if [[ $action == freeze ]]; then kill -STOP "$pid"; else kill -CONT "$pid"; fi
    ;;
  *)
    echo "usage: ceph-rgw.sh kill|start|freeze|thaw DIR" >&2
    exit 2
    ;;
esac
