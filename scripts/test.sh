#!/usr/bin/env bash
# The whole test suite: lint, format check, types, then every test (extra args go to pytest),
# including the web UI's unit and browser tests. Installs what is missing first (the locked Python
# environment; Debian's Chromium for the browser tests when run as root).
# Needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (see README); .ci/run starts them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing Debian's chromium (browser tests)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
echo "== ruff"; uv run ruff check
uv run ruff format --check
echo "== mypy"; uv run mypy
echo "== pytest"; uv run pytest "$@"
