#!/usr/bin/env bash
# Create or reuse .venv and install newsmon into it (with test extras). Sourced by test.sh and run-local.sh.
python="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$python" -m venv .venv || exit 1
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]' || { echo "pip install failed" >&2; exit 1; }
