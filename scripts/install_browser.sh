#!/usr/bin/env bash
# Install Debian's chromium for the browser tests when it is missing (idempotent).
#
#   bash scripts/install_browser.sh
#
# Playwright drives the system browser (executable_path=/usr/bin/chromium, or
# $TMSLAB_CHROMIUM); its own browser download cannot reach the network here.
set -euo pipefail
CHROMIUM="${TMSLAB_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ] && "$CHROMIUM" --version >/dev/null 2>&1; then
  echo "chromium present: $("$CHROMIUM" --version)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  command -v sudo >/dev/null || { echo "chromium missing and not root: install the Debian package 'chromium'" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "chromium installed: $("$CHROMIUM" --version)"
