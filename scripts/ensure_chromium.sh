#!/usr/bin/env bash
# Browser tests use Debian's Chromium; install it (never a downloaded browser build) when missing.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
else
  echo "chromium is not installed and this user cannot apt-get it; browser tests will be skipped" >&2
fi
