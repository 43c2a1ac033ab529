#!/usr/bin/env bash
# Set up everything sealign needs on a fresh Debian machine: system packages (when root),
# Node packages, and the build. Safe to run again: each step is skipped when already done.
# The trainer's Python environment is set up separately by scripts/setup-trainer.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v bwrap >/dev/null || need_apt+=(bubblewrap)
command -v git >/dev/null || need_apt+=(git)
command -v patch >/dev/null || need_apt+=(patch)
command -v zstd >/dev/null || need_apt+=(zstd)
# the job queue of collect/validate --queue and sealign worker (tests start their own on loopback)
command -v redis-server >/dev/null || need_apt+=(redis-server)
# eval renders its charts to PNG with resvg, which needs a font for the text.
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_apt+=(fonts-dejavu-core)
if [ "${SEALIGN_SKIP_APT:-0}" != "1" ] && [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "setup: installing ${need_apt[*]} (Debian packages)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: missing ${need_apt[*]}; install them with your package manager (e.g. sudo apt-get install ${need_apt[*]})" >&2
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm ci`: exactly the locked versions, from a clean node_modules (the lock holds every
  # platform's optional binaries; node-llama-cpp is pinned to a release that publishes them all).
  echo "setup: npm ci (locked versions)"
  npm ci --no-audit --no-fund --loglevel=error
fi
bash scripts/setup-tasks.sh
echo "setup: build"
npx tsc -p tsconfig.json
chmod +x dist/cli.js
