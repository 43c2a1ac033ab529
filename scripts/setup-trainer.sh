#!/usr/bin/env bash
# Set up the trainer's project-local Python environment (.venv at the repo root) with the pinned
# TRL, transformers, accelerate and torch of python/requirements-trainer.txt (torch 2.13.0: the
# CPU wheel on this machine; on a GPU box pip takes the CUDA build of the same version), plus
# what llama.cpp's convert_hf_to_gguf.py needs. `sealign train` does the same on first use
# (src/train/venv.ts); both write the same stamp, so either one sets it up once.
# Idempotent and quiet: nothing is done when the stamp matches the requirements file.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${SEALIGN_PYTHON:-python3}"
VENV="${SEALIGN_VENV:-.venv}"
REQS_FILE=python/requirements-trainer.txt
STAMP="$VENV/.sealign-trainer"

if [ -f "$STAMP" ] && cmp -s "$STAMP" "$REQS_FILE" && [ -x "$VENV/bin/python" ]; then
  exit 0
fi

start=$(date +%s)
echo "setup-trainer: creating $VENV (torch, trl, transformers, accelerate; about a minute)"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
# pip warns about every absent local index folder; keep real errors, drop that noise.
quiet() { "$@" 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }; return "${PIPESTATUS[0]}"; }
PIP=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input)
quiet "${PIP[@]}" "$(grep -E '^torch==' "$REQS_FILE")"
quiet "${PIP[@]}" -r "$REQS_FILE"
cp "$REQS_FILE" "$STAMP"
echo "setup-trainer: done in $(( $(date +%s) - start )) s"
