#!/usr/bin/env bash
# Install the SWE-bench harness (the `swebench` package, python/requirements-swebench.txt) into the
# project's Python environment (.venv, made by scripts/setup-trainer.sh), constrained by the
# trainer's pins so that nothing the trainer needs moves. Its own dependencies are installed too:
# `import swebench` loads its docker, modal and dataset-collection modules at the top level, so
# --no-deps leaves the harness unimportable.
# Idempotent and quiet: nothing is done when the stamp matches the requirements file.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${SEALIGN_VENV:-.venv}"
REQS_FILE=python/requirements-swebench.txt
STAMP="$VENV/.sealign-swebench"

[ -x "$VENV/bin/python" ] || bash scripts/setup-trainer.sh
if [ -f "$STAMP" ] && cmp -s "$STAMP" "$REQS_FILE" && "$VENV/bin/python" -c "import swebench" 2>/dev/null; then
  exit 0
fi
start=$(date +%s)
echo "setup-swebench: installing the SWE-bench harness into $VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
  -r "$REQS_FILE" -c python/requirements-trainer.txt 2>&1 |
  { grep -v "is ignored: it is neither a file nor a directory" || true; }
"$VENV/bin/python" -c "from swebench.harness.grading import get_eval_report" ||
  { echo "setup-swebench: swebench installed but not importable" >&2; exit 1; }
cp "$REQS_FILE" "$STAMP"
echo "setup-swebench: done in $(( $(date +%s) - start )) s"
