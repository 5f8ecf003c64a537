#!/usr/bin/env bash
# What the tests use from outside PyPI: Debian's Chromium (maps are opened in a real headless
# browser) and Neo4j's Cypher parser from npm (every Cypher statement is checked by it).
# Idempotent: skips what is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
if ! command -v chromium >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
if [ -f tools/cypher-lint/package.json ] && [ ! -d tools/cypher-lint/node_modules ]; then
  (cd tools/cypher-lint && npm ci --silent --no-audit --no-fund)
fi
