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
python -m pytest "$@"
