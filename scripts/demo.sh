#!/usr/bin/env bash
# Installs what is missing, builds the web UI (when Node.js is there), then runs the embedded demo:
# simulated exchanges, live spikes and the UI on http://127.0.0.1:8000 (Ctrl-C stops).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
if command -v npm >/dev/null 2>&1; then
  ./scripts/build_web.sh || echo "web UI not built; the API still runs" >&2
else
  echo "Node.js not found: the web UI is not built; the API still runs" >&2
fi
exec uv run wickwatch demo "$@"
