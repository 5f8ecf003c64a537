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
# Two workers (-n auto: one per core): the suite is mostly CPU-bound Python, so on CI's 2 cores this
# takes ~8-12 min instead of ~14-16; every test is isolated (tmp paths, its own FalkorDB per worker).
# --durations lists the slowest tests, so a run shows where CI time goes.
python -m pytest -n auto --durations=15 "$@"
