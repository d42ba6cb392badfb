"""The web UI's own tests, run from pytest so ``./scripts/test.sh`` covers them.

* ``scripts/build_web.sh``: ``npm ci`` (when the lock file changed) and the production build
  (TypeScript type check + Vite), skipped when ``web/dist`` is newer than the sources;
* ``npm run gen:api -- --check``: ``web/src/api/schema.d.ts`` (the API's types),
  ``settings-schema.d.ts`` and ``detection.json`` regenerated from the Python code must equal the
  committed files, so the UI's view of the backend cannot drift from it;
* ``npm test``: the Vitest unit tests (formatters, feed, filters, WebSocket reconnects, API
  client, i18n completeness, templates, settings document);
* ``npm run e2e``: headless Chromium (Debian's ``chromium``, driven by playwright-core) against a
  real server on a free port with a throwaway database — ``wickwatch api`` for the account and
  page flows, ``wickwatch demo`` (simulated exchanges) for live spikes and 1,000 alerts in the
  feed; screenshots of every page go to ``test-artifacts/web/``, and any browser console error
  fails them.

Without Node.js (>= 20.19) or Chromium these tests skip locally and fail under ``CI=true``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, require

WEB = REPO_ROOT / "web"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
MIN_NODE = (20, 19)


def _node_version() -> tuple[int, ...] | None:
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        return None
    out = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout
    match = re.match(r"v(\d+)\.(\d+)", out.strip())
    return (int(match[1]), int(match[2])) if match else None


def _run(args: list[str], timeout: float, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(
        args,
        cwd=WEB,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "FORCE_COLOR": "0", "NO_COLOR": "1", **(env or {})},
    )
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(args)} exited with {result.returncode}\n"
            f"--- stdout\n{result.stdout[-20000:]}\n--- stderr\n{result.stderr[-8000:]}",
            pytrace=False,
        )


@pytest.fixture(scope="module")
def built_web() -> Path:
    """The UI's npm packages installed and ``web/dist`` built (both only when out of date)."""
    version = _node_version()
    require(version is not None, "Node.js with npm not found (needed for the web UI)")
    assert version is not None
    require(version >= MIN_NODE, f"Node.js {version} is older than 20.19 (Vite 7 needs it)")
    _run(["bash", str(REPO_ROOT / "scripts" / "build_web.sh")], timeout=600)
    return WEB / "dist"


@pytest.mark.timeout(600)
def test_generated_api_types_match_the_backend(built_web: Path, tmp_path: Path) -> None:
    """A route, body or settings field changed in Python without ``npm run gen:api`` fails here."""
    require(shutil.which("uv") is not None, "uv not found (gen:api asks the Python app)")
    # the app generates a development secret key in its data directory: keep it out of the tree
    _run(
        ["npm", "run", "--silent", "gen:api", "--", "--check"],
        timeout=540,
        env={"WICKWATCH_DATA_DIR": str(tmp_path), "UV_PYTHON_DOWNLOADS": "never"},
    )


@pytest.mark.timeout(900)
def test_unit_tests_pass(built_web: Path) -> None:
    _run(["npm", "test", "--silent"], timeout=300)


@pytest.mark.timeout(1200)
def test_end_to_end_in_chromium(built_web: Path) -> None:
    require(CHROMIUM.exists(), f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    require(shutil.which("uv") is not None, "uv not found (the e2e test runs `uv run wickwatch`)")
    assert (built_web / "index.html").is_file()
    _run(["npm", "run", "--silent", "e2e"], timeout=900)
