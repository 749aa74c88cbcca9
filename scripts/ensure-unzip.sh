#!/usr/bin/env bash
# Makes sure the zip tests have their independent reader, Info-ZIP's unzip (with ZIP64 support):
# installed with apt-get when missing.
set -euo pipefail

if command -v unzip >/dev/null 2>&1; then exit 0; fi

bash "$(dirname "$0")/apt-install.sh" "the zip tests (Info-ZIP unzip 6, their independent reader)" unzip
