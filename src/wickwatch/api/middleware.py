"""One ASGI middleware around the whole app: client address, request id, timing, security
headers, metrics and the slow-request log.

* Client address and scheme come from :class:`~wickwatch.api.client_ip.ClientResolver` and are
  written into the scope, so ``request.client.host`` and ``request.url.scheme`` are the real ones.
* ``X-Request-ID``: the caller's (if it is 1–64 characters of ``[A-Za-z0-9._-]``) or a new one;
  echoed on the response and available to code as :func:`current_request_id`.
* ``X-Process-Time``: seconds from receiving the request to starting the response.
* A declared ``Content-Length`` above the limit is a 413 before anything reads the body.
* An exception nothing else handled is logged here and answered with the API's 500 error body
  (Starlette's own last-resort handler sits outside this middleware, so its 500 would lack the
  headers below); the client never sees a stack trace.
* Security headers on every response (see :data:`SECURITY_HEADERS`); a strict
  ``Content-Security-Policy`` on everything that is not HTML (pages set their own), HSTS over
  HTTPS, ``Cache-Control: no-store`` on ``/api`` responses.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi.routing import iter_route_contexts

from wickwatch.api.client_ip import ClientResolver
from wickwatch.api.metrics import HTTP_IN_PROGRESS, HTTP_LATENCY, HTTP_REQUESTS

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("wickwatch.api.requests")
errors_log = logging.getLogger("wickwatch.api.app")

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "wickwatch_request_id", default=None
)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
)
STRICT_CSP = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
HSTS = b"max-age=31536000; includeSubDomains"


def current_request_id() -> str | None:
    """The id of the request being handled (None outside a request)."""
    return _request_id.get()


def _header_values(scope: Scope, name: bytes) -> list[str]:
    return [v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == name]


UNMATCHED = "<unmatched>"


class RouteTemplates:
    """Maps a request to its route template (``/api/v1/admin/users/{user_id}``) for labels."""

    def __init__(self) -> None:
        self._app: Any = None
        self._count = -1
        self._table: list[tuple[re.Pattern[str], set[str] | None, str]] = []

    def _build(self, app: Any) -> None:
        table = []
        for context in iter_route_contexts(app.routes):
            regex = getattr(context, "path_regex", None)
            template = context.path_format or context.path
            if regex is not None and template:
                table.append((regex, context.methods, template))
        self._app, self._count, self._table = app, len(app.routes), table

    def template(self, scope: Scope) -> str:
        app = scope.get("app")
        if app is None or not hasattr(app, "routes"):
            return UNMATCHED
        if app is not self._app or len(app.routes) != self._count:
            self._build(app)
        path, method = scope.get("path", ""), scope.get("method")
        fallback = UNMATCHED
        for regex, methods, template in self._table:
            if regex.match(path):
                if not methods or method in methods:
                    return template
                fallback = template  # right path, wrong method (405)
        return fallback


class RequestContextMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        trusted_proxies: list[str],
        slow_request_ms: float,
        max_body_bytes: int | None = None,
    ):
        self.app = app
        self.resolver = ClientResolver(trusted_proxies)
        self.slow_s = slow_request_ms / 1000.0
        self.max_body_bytes = max_body_bytes
        self.templates = RouteTemplates()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        self._resolve_client(scope)
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return

        given = _header_values(scope, REQUEST_ID_HEADER.encode())
        request_id = given[0] if given and _VALID_REQUEST_ID.match(given[0]) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        response_started = False
        is_api = scope.get("path", "").startswith("/api/")
        https = scope.get("scheme") == "https"

        async def send_wrapper(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                elapsed = time.perf_counter() - started
                headers.append((b"x-request-id", request_id.encode()))
                headers.append((b"x-process-time", f"{elapsed:.6f}".encode()))
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if b"content-security-policy" not in present and not content_type.startswith(
                    b"text/html"
                ):
                    headers.append((b"content-security-policy", STRICT_CSP))
                if https and b"strict-transport-security" not in present:
                    headers.append((b"strict-transport-security", HSTS))
                if is_api and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        HTTP_IN_PROGRESS.inc()
        try:
            if self._too_large(scope):
                # declared too large: refused here in the API's error shape (a chunked body is
                # cut off by the router's own limit, answered in plain text)
                await _send_error(send_wrapper, 413, "request body too large")
            else:
                await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            if response_started:
                raise  # too late for an error body; the server closes the connection
            errors_log.error(
                "unhandled error on %s %s",
                scope.get("method", ""),
                scope.get("path", ""),
                exc_info=exc,
            )
            await _send_error(
                send_wrapper, 500, "internal server error", code="internal_error", close=False
            )
        finally:
            HTTP_IN_PROGRESS.dec()
            elapsed = time.perf_counter() - started
            route = self.templates.template(scope)
            method = scope.get("method", "")
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_LATENCY.labels(method, route).observe(elapsed)
            if elapsed >= self.slow_s:
                log.warning(
                    "slow request: %s %s answered %d in %.0f ms",
                    method,
                    route,
                    status,
                    elapsed * 1000,
                    extra={
                        "request_id": request_id,
                        "duration_ms": round(elapsed * 1000, 1),
                        "status": status,
                    },
                )
            _request_id.reset(token)

    def _too_large(self, scope: Scope) -> bool:
        if self.max_body_bytes is None:
            return False
        for value in _header_values(scope, b"content-length"):
            try:
                if int(value) > self.max_body_bytes:
                    return True
            except ValueError:
                return False
        return False

    def _resolve_client(self, scope: Scope) -> None:
        client = scope.get("client")
        peer = client[0] if client else None
        address, scheme = self.resolver.resolve(
            peer,
            _header_values(scope, b"x-forwarded-for"),
            _header_values(scope, b"x-forwarded-proto"),
        )
        scope.setdefault("state", {})["peer"] = peer
        if address is not None and address != peer:
            scope["client"] = (address, 0)
        if scheme is not None:
            if scope["type"] == "websocket":
                scheme = "wss" if scheme == "https" else "ws"
            scope["scheme"] = scheme


async def _send_error(
    send: Send, status: int, message: str, *, code: str | None = None, close: bool = True
) -> None:
    body = json.dumps(
        {"error": {"code": code or f"http_{status}", "message": message, "details": None}}
    ).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
