# Sourced by the other scripts: makes sure uv is there and the locked environment is installed.
# Safe to run again; it only installs what is missing.
set -euo pipefail
export UV_PYTHON_DOWNLOADS=never   # use the machine's Python (>= 3.11), never download one
if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check uv
fi
uv sync --frozen --quiet
