#!/usr/bin/env bash
# Makes sure the tests on Ceph have a one-node Ceph to start (scripts/ceph-up.sh): a monitor, an OSD,
# the RADOS Gateway and the tools that set them up. Installed from Debian's packages with apt-get when missing.
set -euo pipefail

missing=()
command -v ceph-mon >/dev/null 2>&1 || missing+=(ceph-mon)
command -v ceph-osd >/dev/null 2>&1 || missing+=(ceph-osd)
command -v radosgw >/dev/null 2>&1 || missing+=(radosgw)
# The tools that set them up: ceph, ceph-authtool and radosgw-admin come with ceph-common, monmaptool with ceph-base.
command -v ceph >/dev/null 2>&1 && command -v ceph-authtool >/dev/null 2>&1 && command -v radosgw-admin >/dev/null 2>&1 || missing+=(ceph-common)
command -v monmaptool >/dev/null 2>&1 || missing+=(ceph-base)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [[ ${#missing[@]} -eq 0 ]]; then exit 0; fi

bash "$(dirname "$0")/apt-install.sh" "the tests on Ceph" "${missing[@]}"
