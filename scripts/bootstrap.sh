# Sourced by the other scripts: makes sure uv is there and the locked environment is installed.
# Safe to run again; it only installs what is missing.
set -euo pipefail
export UV_PYTHON_DOWNLOADS=never   # use the machine's Python (>= 3.11), never download one
if ! command -v uv >/dev/null 2>&1 && [ -x "$HOME/.local/bin/uv" ]; then
  export PATH="$HOME/.local/bin:$PATH"
fi
if ! command -v uv >/dev/null 2>&1; then
  # pip from PyPI; on a Debian/Ubuntu system Python (PEP 668 "externally managed") into the
  # user's ~/.local instead, and with Debian's python3-pip first when pip itself is missing.
  if ! python3 -m pip --version >/dev/null 2>&1 && [ "$(id -u)" = 0 ] \
      && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip >/dev/null
  fi
  python3 -m pip install --quiet --disable-pip-version-check uv 2>/dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check --user --break-system-packages uv
  export PATH="$HOME/.local/bin:$PATH"
fi
uv sync --frozen --quiet
