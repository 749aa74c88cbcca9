#!/usr/bin/env bash
# apt-install.sh WHAT PACKAGE…: installs Debian's packages that the test command's WHAT needs
# (scripts/ensure-*.sh found them missing), or says plainly why it cannot.
set -euo pipefail
what=$1
shift
if ! command -v apt-get >/dev/null 2>&1; then
  echo "tests: $* missing for $what, and no apt-get to install them" >&2
  exit 1
fi
echo "tests: installing Debian's $* for $what" >&2
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
