#!/usr/bin/env bash
# Makes sure the S3 tests have their real clients besides the AWS SDK from npm: the aws CLI,
# curl (with --aws-sigv4), rclone and s3cmd. Installed from Debian's packages with apt-get when missing.
set -euo pipefail

missing=()
# Debian's own aws CLI, even when another (a pyenv one, say) comes first on PATH: the tests run both.
[[ -x /usr/bin/aws ]] || missing+=(awscli)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v rclone >/dev/null 2>&1 || missing+=(rclone)
command -v s3cmd >/dev/null 2>&1 || missing+=(s3cmd)
if [[ ${#missing[@]} -eq 0 ]]; then exit 0; fi

bash "$(dirname "$0")/apt-install.sh" "the S3 tests" "${missing[@]}"
