#!/usr/bin/env bash
# Run every test from a fresh machine: set-up, lint, type check, then the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/setup-trainer.sh
bash scripts/setup-browser.sh
echo "test: lint"
npx biome check .
echo "test: unit, integration and browser tests"
npx vitest run
