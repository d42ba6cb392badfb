"""Serving the built web UI (``web/dist``) from the API process.

``mount_web(app, dist_dir)`` adds a small ASGI middleware instead of a catch-all route, so it
never shadows an API route, whenever that route is registered: a GET/HEAD request goes to the app
first, and only when the app answers 404 is the UI served instead — the file from ``dist_dir`` if
there is one (``/assets/index-1a2b.js``, ``/favicon.svg``), otherwise — for a browser page load
(``Accept: text/html``) — ``index.html``, so client routes (``/live``, ``/alerts/42``) load the
single-page app; other clients keep the API's JSON 404 there. Paths under the API's own
prefixes (``/api``, ``/healthz``, ``/readyz``, ``/metrics``, ``/docs``, ``/redoc``,
``/openapi.json``) always keep the JSON 404.

Hashed build assets (``/assets/*``) are cached for a year; ``index.html`` is never cached, so a
new build reaches browsers on their next load.

``index.html`` is served with the list of routes this server has (HTTP and WebSocket paths, as in
``/openapi.json``) embedded as ``<script id="ww-routes" type="application/json">``: the UI then
knows, without a request, which features this server offers and shows "not available yet"
instead of calling routes that do not exist (or retrying a live stream there is none of).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from fastapi.routing import iter_route_contexts
from starlette.applications import Starlette
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

#: Paths that belong to the API: never answered with the UI.
RESERVED_PREFIXES: tuple[str, ...] = (
    "/api",
    "/healthz",
    "/readyz",
    "/metrics",
    "/docs",
    "/redoc",
    "/openapi.json",
)
_IMMUTABLE = "public, max-age=31536000, immutable"
#: The page's own policy (the API's middleware puts a deny-all one on everything but HTML).
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_NO_CACHE = "no-cache"


def default_dist_dir() -> Path:
    """``web/dist`` of the source checkout this package runs from."""
    return Path(__file__).resolve().parents[3] / "web" / "dist"


def is_reserved(path: str) -> bool:
    """True for paths the API owns (``/api``, ``/api/…``, ``/healthz`` …, not ``/apiary``)."""
    return any(path == p or path.startswith(p + "/") for p in RESERVED_PREFIXES)


def _not_found() -> Response:
    """The API's own 404 body (``{"error": {"code": "http_404", …}}``)."""
    return JSONResponse(
        {"error": {"code": "http_404", "message": "Not Found", "details": None}}, status_code=404
    )


def route_paths(routes: Sequence[BaseRoute]) -> list[str]:
    """Sorted unique path templates of ``routes``, included routers flattened
    (``/api/v1/auth/login``, ``/api/v1/alerts/{alert_id}``, ``/api/v1/stream`` …)."""
    paths: set[str] = set()
    for context in iter_route_contexts(routes):
        template = context.path_format or context.path
        if isinstance(template, str) and template:
            paths.add(template)
    return sorted(paths)


def embed_routes(html: str, paths: list[str]) -> str:
    """``html`` with ``paths`` as a JSON data block at the end of ``<head>``."""
    data = json.dumps(paths, separators=(",", ":")).replace("</", "<\\/")
    block = f'<script id="ww-routes" type="application/json">{data}</script>'
    head_end = html.find("</head>")
    return html + block if head_end < 0 else html[:head_end] + block + html[head_end:]


class WebUI:
    """ASGI middleware: serve ``dist_dir`` for GET/HEAD requests the app answered with 404."""

    def __init__(
        self,
        app: ASGIApp,
        dist_dir: Path,
        routes: Callable[[], list[str]] | None = None,
    ) -> None:
        self.app = app
        self.dist = dist_dir.resolve()
        self.index = self.dist / "index.html"
        self.routes = routes
        self._page: tuple[tuple[float, int], str] | None = None  # (mtime, size) → page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or is_reserved(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        not_found = False

        async def send_unless_404(message: Message) -> None:
            nonlocal not_found
            if message["type"] == "http.response.start" and message["status"] == 404:
                not_found = True
            if not not_found:
                await send(message)

        await self.app(scope, receive, send_unless_404)
        if not_found:
            accept = b",".join(v for k, v in scope.get("headers", []) if k == b"accept")
            page = b"text/html" in accept
            await self.response_for(scope["path"], page=page)(scope, receive, send)

    def response_for(self, path: str, *, page: bool = True) -> Response:
        """The file at ``path`` inside the build, else ``index.html`` for a client route when
        ``page`` (a browser page load), else the JSON 404 the API gives."""
        relative = path.lstrip("/")
        if relative:
            candidate = (self.dist / relative).resolve()
            if candidate.is_relative_to(self.dist) and candidate.is_file():
                immutable = candidate.is_relative_to(self.dist / "assets")
                return FileResponse(
                    candidate,
                    headers={
                        "Cache-Control": _IMMUTABLE if immutable else _NO_CACHE,
                        "X-Content-Type-Options": "nosniff",
                    },
                )
        if relative and (not page or "." in relative.rsplit("/", 1)[-1]):
            # an API client, or a missing file (an old hashed asset, a typo): not a client route
            return _not_found()
        html = self.page()
        if html is None:  # the build was removed while running
            return _not_found()
        return HTMLResponse(
            html,
            headers={
                "Cache-Control": _NO_CACHE,
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": PAGE_CSP,
            },
        )

    def page(self) -> str | None:
        """``index.html`` with the route list; re-read when the build changes."""
        try:
            stat = self.index.stat()
        except OSError:
            return None
        key = (stat.st_mtime, stat.st_size)
        if self._page is None or self._page[0] != key:
            html = self.index.read_text(encoding="utf-8")
            self._page = (key, embed_routes(html, self.routes()) if self.routes else html)
        return self._page[1]


def mount_web(app: Starlette, dist_dir: Path | None = None) -> bool:
    """Serve the built UI from ``dist_dir`` (default ``web/dist``); False when it is not built.

    Call it while building the app (middleware cannot be added once it has started), before
    the request-context middleware is added, so UI responses get its headers and metrics too.
    """
    dist = dist_dir if dist_dir is not None else default_dist_dir()
    if not (dist / "index.html").is_file():
        log.warning("web UI not built (%s missing): run scripts/build_web.sh", dist / "index.html")
        return False
    app.add_middleware(WebUI, dist_dir=dist, routes=lambda: route_paths(app.routes))
    return True
