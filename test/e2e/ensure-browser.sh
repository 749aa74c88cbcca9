#!/usr/bin/env bash
# Makes sure the end-to-end tests have a Chromium: Playwright's own download,
# PAIL_CHROMIUM, or Debian's package at /usr/bin/chromium, which is installed
# with apt-get when no browser is found (Playwright cannot always download its own).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ -n "${PAIL_CHROMIUM:-}" && -x "${PAIL_CHROMIUM}" ]]; then exit 0; fi
own=$(node --input-type=module -e "import { chromium } from '@playwright/test'; console.log(chromium.executablePath())" 2>/dev/null || true)
if [[ -n "$own" && -x "$own" ]]; then exit 0; fi
if [[ -x /usr/bin/chromium ]]; then exit 0; fi

if command -v apt-get >/dev/null 2>&1; then
  echo "e2e: no Chromium found; installing Debian's chromium package" >&2
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium
else
  echo "e2e: no Chromium found; asking Playwright to download its own" >&2
  npx playwright install chromium
fi
