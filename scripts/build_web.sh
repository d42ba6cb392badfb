#!/usr/bin/env bash
# Builds the web UI into web/dist (served by the API at /). Idempotent: installs the locked npm
# packages only when package-lock.json changed, and rebuilds only when a source is newer than the
# last build. `--force` rebuilds anyway. Needs Node.js >= 20.19 with npm.
set -euo pipefail
cd "$(dirname "$0")/../web"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "build_web: Node.js (>= 20.19) with npm is needed to build the web UI" >&2
  exit 1
fi

force=0
[ "${1:-}" = "--force" ] && force=1

# npm ci when node_modules is missing or older than the lock file. Some npm 11 releases write
# lock files without the other platforms' optional packages (rollup's native binaries) and then
# refuse them in `npm ci` (npm/cli#4828); `npm install --no-save` installs the same locked
# versions without touching the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci (web)"
  if ! npm ci --no-audit --no-fund --loglevel=error 2>/tmp/wickwatch-npm-ci.$$.log; then
    if grep -q "Missing: .* from lock file" /tmp/wickwatch-npm-ci.$$.log; then
      echo "   npm ci refused the lock file's optional platform packages; npm install --no-save instead"
      npm install --no-save --no-audit --no-fund --loglevel=error
    else
      cat /tmp/wickwatch-npm-ci.$$.log >&2
      rm -f /tmp/wickwatch-npm-ci.$$.log
      exit 1
    fi
  fi
  rm -f /tmp/wickwatch-npm-ci.$$.log
fi

stamp=dist/index.html
if [ "$force" = 0 ] && [ -f "$stamp" ] && [ -z "$(find src public index.html package.json package-lock.json vite.config.ts tsconfig.json -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  echo "== web UI up to date (web/dist)"
  exit 0
fi

echo "== building the web UI (web/dist)"
npm run --silent build
