#!/usr/bin/env bash
# Install Debian's chromium for the viewer's browser tests (driven by playwright-core; never a
# downloaded browser). Idempotent and quiet: does nothing when /usr/bin/chromium is there.
# Without root it only says what is missing; the browser tests then fail with that message.
set -euo pipefail
if [ -x /usr/bin/chromium ] || [ "${SEALIGN_SKIP_APT:-0}" = "1" ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ]; then
  echo "setup-browser: installing chromium (Debian package)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
else
  echo "setup-browser: /usr/bin/chromium missing; install it with: sudo apt-get install chromium" >&2
fi
