#!/usr/bin/env bash
# The main job from a fresh machine: set-up (system packages when root, Node packages, build,
# the trainer's Python environment), then `sealign demo` on the built-in tasks, offline.
# Extra arguments go to `sealign demo` (e.g. `npm run demo -- --samples 8 -o my-demo`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/setup-trainer.sh
exec node dist/cli.js demo "$@"
