#!/usr/bin/env bash
# Browser tests use Debian's Chromium and CJK fonts; install them (never a downloaded browser build) when
# missing and this user is root with apt-get. Otherwise say what is missing (browser tests then skip, or
# fail under CI=true).
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
if command -v fc-list >/dev/null; then
  fonts=$(fc-list 2>/dev/null || true)  # not piped into grep -q: with pipefail, SIGPIPE would read as "missing"
  case "$fonts" in *"Noto Sans CJK"*) ;; *) need+=(fonts-noto-cjk) ;; esac
fi
if [ "${#need[@]}" = 0 ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing Debian packages for the browser tests: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "missing for the browser tests: ${need[*]} (this user cannot apt-get them); browser tests will be skipped" >&2
fi
