#!/usr/bin/env bash
# Stops the test Ceph that scripts/ceph-up.sh started in DIR: the gateway, then the OSD, then the monitor
# (the order matters: each needs the next while it shuts down). Each is stopped by the pid in DIR/run,
# and only if that process is one of DIR's (its command line names DIR/ceph.conf): a stale pid file
# never stops another process. A daemon still there after CEPH_STOP_SECONDS (20) is killed.
# DIR itself is left for its logs; remove it when done.
set -euo pipefail
dir=${1:?usage: ceph-down.sh DIR}
[[ -d "$dir" ]] || exit 0
dir=$(cd "$dir" && pwd)
stop_seconds=${CEPH_STOP_SECONDS:-20}
started=$EPOCHREALTIME

# Whether pid is a live process started with this DIR's configuration.
ours() { [[ -r /proc/$1/cmdline ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$dir/ceph.conf"; }

for name in client.rgw.a osd.0 mon.a; do
  pid_file=$dir/run/$name.pid
  [[ -f "$pid_file" ]] || continue
  pid=$(cat "$pid_file")
  if [[ -n "$pid" ]] && ours "$pid"; then
    kill "$pid" 2>/dev/null || true
    deadline=$((SECONDS + stop_seconds))
    while ours "$pid"; do
      if ((SECONDS >= deadline)); then
        echo "ceph-down: $name ($pid) still running after ${stop_seconds}s; killing it" >&2
        kill -9 "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.1
    done
  fi
  rm -f "$pid_file"
done
awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "ceph-down: stopped in %.2fs\n", b - a }' >&2
