#!/usr/bin/env bash
# Makes sure the zip tests have their independent reader, Info-ZIP's unzip (with ZIP64 support):
# installed with apt-get when missing.
set -euo pipefail

if command -v unzip >/dev/null 2>&1; then exit 0; fi

if command -v apt-get >/dev/null 2>&1; then
  echo "tests: no unzip found; installing Debian's unzip package" >&2
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq unzip
else
  echo "tests: no unzip found and no apt-get to install it; install Info-ZIP unzip 6" >&2
  exit 1
fi
