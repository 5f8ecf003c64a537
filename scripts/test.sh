#!/usr/bin/env bash
# Install everything the tests need on a fresh machine, then run them.
# This is the README's second quick-start command, and exactly what .ci/run runs.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --disable-pip-version-check -e '.[test]'
bash scripts/install-system-deps.sh
python -m ruff check .
python -m ruff format --check .
lint-imports --no-cache
# Two workers (-n auto: one per core): the suite is mostly CPU-bound Python. Measured on a 2-core
# machine: 880 s single-process (quiet), 712 s with two workers (busy, load average 4-5). Every test
# is isolated (tmp paths; each worker starts its own FalkorDB).
# --durations lists the slowest tests, so a run shows where CI time goes.
python -m pytest -n auto --durations=15 "$@"
