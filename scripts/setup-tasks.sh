#!/usr/bin/env bash
# What the built-in tasks, `sealign tasks synth` and `sealign demo` need to run task tests:
# python3 with pytest (Python tasks) and node (JavaScript tasks, node's own test runner).
# Idempotent and quiet: does nothing when pytest is already importable.
set -euo pipefail
if ! command -v python3 >/dev/null; then
  echo "setup-tasks: python3 is missing; the Python built-in tasks need it (apt-get install python3)" >&2
  exit 0
fi
if ! python3 -c "import pytest" >/dev/null 2>&1; then
  echo "setup-tasks: installing pytest for the Python built-in tasks"
  python3 -m pip install --quiet --disable-pip-version-check pytest ||
    python3 -m pip install --quiet --disable-pip-version-check --break-system-packages pytest
fi
