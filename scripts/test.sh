#!/usr/bin/env bash
# Run every test from a fresh machine: set-up, lint, type checks, then the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/setup-trainer.sh
bash scripts/setup-swebench.sh
bash scripts/setup-browser.sh
# the docker runtime and image tests need a daemon; without one they say why they are skipped
bash scripts/setup-docker.sh || echo "test: no Docker daemon (see above); the docker runtime tests will be skipped"
echo "test: lint"
npx biome check .
# src/ (tsconfig.json), test/ (tsconfig.test.json) and the viewer's client web/ (tsconfig.web.json,
# checkJs against the view API's types): a type error fails the run before any test starts
echo "test: type check (src/, test/, web/)"
npm run typecheck
echo "test: unit, integration and browser tests"
npx vitest run
