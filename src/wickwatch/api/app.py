"""The FastAPI application: lifespan (engine, migrations, error-log writer), security context,
middleware, error handlers and routers (health, ``/api/v1``, ``/metrics``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from wickwatch import __version__
from wickwatch.accounts.auth import CSRF_HEADER
from wickwatch.accounts.passwords import PasswordHasher
from wickwatch.accounts.security import build_security
from wickwatch.accounts.service import purge_sessions_forever
from wickwatch.accounts.tokens import Clock
from wickwatch.api import health, metrics, web
from wickwatch.api.events import close_own_bus
from wickwatch.api.middleware import RequestContextMiddleware
from wickwatch.api.router import api_router
from wickwatch.config import Settings
from wickwatch.errors import WickwatchError
from wickwatch.markets.latest import RedisLatestPrices
from wickwatch.ops.logging import ErrorLogHandler, ErrorLogWriter
from wickwatch.storage import create_engine, create_sessionmaker, migrate

log = logging.getLogger(__name__)


def _error(
    status: int,
    code: str,
    message: str,
    details: object = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "details": details}},
        status_code=status,
        headers=headers,
    )


def database_unavailable(exc: BaseException) -> bool:
    """True for errors meaning "the database cannot be reached now" (refused, dropped, shutting
    down, pool exhausted), as opposed to a bug or a bad query: those answer 503, not 500."""
    import asyncpg

    if isinstance(exc, ConnectionError | TimeoutError | PoolTimeoutError):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig if exc.orig is not None else exc
    # SQLAlchemy's asyncpg adapter raises its own error from asyncpg's ("the database system is
    # starting up" while PostgreSQL restarts): the cause tells.
    causes = (exc, exc.__cause__) if exc.__cause__ is not None else (exc,)
    return any(
        isinstance(
            cause,
            asyncpg.PostgresConnectionError
            | asyncpg.exceptions.OperatorInterventionError
            | asyncpg.InterfaceError
            | ConnectionError
            | TimeoutError,
        )
        for cause in causes
    )


def _operation_id(route: APIRoute) -> str:
    """Stable OpenAPI operation ids: ``<tag>:<function name>`` (``auth:login``)."""
    return f"{route.tags[0]}:{route.name}" if route.tags else route.name


#: Largest request body accepted (a full settings document is well below); larger is a 413.
MAX_BODY_BYTES = 2 * 1024 * 1024

API_DESCRIPTION = """
Real-time crypto spike monitor.

**Authentication**: `POST /api/v1/auth/login` returns a short-lived access token; send it as
`Authorization: Bearer <token>`. Refresh it with `POST /api/v1/auth/refresh` (refresh token in
the body, or in the httpOnly cookie plus the `X-CSRF-Token` header for browsers).

**Errors** always look like `{"error": {"code": "...", "message": "...", "details": ...}}`.
Objects that belong to other users answer 404. Responses carry `X-Request-ID`.
"""


def create_app(
    settings: Settings,
    error_log: ErrorLogHandler | None = None,
    *,
    clock: Clock | None = None,
    passwords: PasswordHasher | None = None,
) -> FastAPI:
    """Build the app for ``settings``; ``error_log`` is drained into the database while it runs.

    ``clock`` and ``passwords`` replace the wall clock and the argon2 parameters (tests)."""
    security = build_security(settings, clock=clock, passwords=passwords)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = settings.effective_database_url
        if settings.is_sqlite:
            await migrate.upgrade(url)  # the embedded mode keeps its own schema current
        engine = create_engine(url, echo=settings.database_echo)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        janitor = asyncio.create_task(purge_sessions_forever(app.state.sessionmaker, security))
        await security.passwords.warm()
        writer_task = None
        if error_log is not None:
            writer_task = asyncio.create_task(ErrorLogWriter(error_log, engine).run())
        prices = None  # live prices: a collector in this process set them, else Redis has them
        if getattr(app.state, "latest_prices", None) is None and settings.redis_url is not None:
            prices = app.state.latest_prices = RedisLatestPrices(str(settings.redis_url))
            prices.start()
        try:
            yield
        finally:
            if writer_task is not None:
                writer_task.cancel()
                await asyncio.gather(writer_task, return_exceptions=True)
            janitor.cancel()
            await asyncio.gather(janitor, return_exceptions=True)
            if prices is not None:
                app.state.latest_prices = None
                await prices.close()
            await close_own_bus(app)
            await engine.dispose()
            await security.aclose()

    app = FastAPI(
        title="wickwatch",
        version=__version__,
        description=API_DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    app.state.security = security

    @app.exception_handler(WickwatchError)
    async def _wickwatch_error(_: Request, exc: WickwatchError) -> JSONResponse:
        headers = getattr(exc, "headers", None)
        return _error(exc.status_code, exc.code, exc.message, exc.details, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"field": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]} for e in exc.errors()
        ]
        return _error(422, "validation_error", "invalid input", details)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(
            exc.status_code, f"http_{exc.status_code}", str(exc.detail), headers=exc.headers
        )

    @app.exception_handler(OSError)
    @app.exception_handler(SQLAlchemyError)
    async def _database_error(request: Request, exc: Exception) -> JSONResponse:
        if not database_unavailable(exc):
            raise exc  # a bug: the 500 handler below logs it
        cause = getattr(exc, "orig", None) or exc  # never the statement or its parameters
        log.warning(
            "database unavailable on %s %s: %s",
            request.method,
            request.url.path,
            type(cause).__name__,
        )
        return _error(
            503,
            "service_unavailable",
            "the database is unavailable; try again shortly",
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return _error(500, "internal_error", "internal server error")

    app.include_router(health.router)
    app.include_router(api_router, max_body_size=MAX_BODY_BYTES)
    app.include_router(metrics.router)
    web.mount_web(app)  # the built UI (web/dist) at /; never shadows an API route

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", CSRF_HEADER, "X-Request-ID"],
            expose_headers=["X-Request-ID", "X-Process-Time", "Retry-After"],
            max_age=600,
        )
    app.add_middleware(
        RequestContextMiddleware,
        trusted_proxies=settings.trusted_proxies,
        slow_request_ms=settings.slow_request_ms,
        max_body_bytes=MAX_BODY_BYTES,
    )
    return app
