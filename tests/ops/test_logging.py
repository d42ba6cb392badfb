"""Logging: JSON lines on demand, and errors kept in the database without blocking anyone."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from wickwatch.ops.logging import (
    ErrorLogHandler,
    ErrorLogWriter,
    JsonFormatter,
    configure_logging,
)
from wickwatch.storage.models import ErrorLogEntry


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    log = logging.getLogger("wickwatch.tests.logging")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    yield log
    log.handlers.clear()


def test_json_lines(logger: logging.Logger) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.warning("feed %s lagging", "binance_spot", extra={"lag_ms": 1200})
    try:
        raise ValueError("bad frame")
    except ValueError:
        logger.exception("parse failed ✓ кириллица")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["level"] == "WARNING" and first["message"] == "feed binance_spot lagging"
    assert first["lag_ms"] == 1200 and first["logger"] == "wickwatch.tests.logging"
    assert second["message"] == "parse failed ✓ кириллица"
    assert "ValueError: bad frame" in second["exception"]


async def _rows(engine: AsyncEngine) -> list[ErrorLogEntry]:
    async with engine.connect() as connection:
        result = await connection.execute(select(ErrorLogEntry).order_by(ErrorLogEntry.id))
        return list(result.all())  # type: ignore[arg-type]


async def test_errors_and_marked_records_reach_the_table(
    engine: AsyncEngine, logger: logging.Logger
) -> None:
    handler = ErrorLogHandler()
    logger.addHandler(handler)
    writer = ErrorLogWriter(handler, engine)
    task = asyncio.create_task(writer.run())
    await asyncio.sleep(0)

    logger.info("ordinary")
    logger.warning("feed reconnected", extra={"error_log": True, "feed": "okx_spot"})
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        logger.exception("detector crashed")
    logger.critical("disk full")

    for _ in range(100):
        if writer.written >= 3:
            break
        await asyncio.sleep(0.02)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)

    rows = await _rows(engine)
    assert [(r.level, r.message) for r in rows] == [
        ("WARNING", "feed reconnected"),
        ("ERROR", "detector crashed"),
        ("CRITICAL", "disk full"),
    ]
    assert rows[0].context == {"feed": "okx_spot"}
    assert rows[1].exception is not None and "ZeroDivisionError" in rows[1].exception
    assert all(r.created_at.tzinfo is not None for r in rows)


def test_full_queue_drops_instead_of_blocking(logger: logging.Logger) -> None:
    handler = ErrorLogHandler(maxsize=3)
    logger.addHandler(handler)
    for i in range(10):
        logger.error("burst %d", i)
    assert handler.queue.qsize() == 3
    assert handler.dropped == 7


async def test_a_failing_database_does_not_recurse(logger: logging.Logger) -> None:
    from wickwatch.storage import create_engine

    handler = ErrorLogHandler()
    root = logging.getLogger()
    root.addHandler(handler)  # the writer logs its own failure at ERROR
    try:
        broken = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
        writer = ErrorLogWriter(handler, broken)
        logging.getLogger("wickwatch.tests.rooted").error("first")
        written = await writer.flush()
        await broken.dispose()
    finally:
        root.removeHandler(handler)
    assert written == 0 and writer.failed == 1
    assert handler.queue.qsize() == 0  # the writer's own ERROR was not queued again


def test_configured_logging_json_and_marked_records_below_the_level(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``WICKWATCH_LOG_FORMAT=json`` end to end, and at ``WICKWATCH_LOG_LEVEL=ERROR`` a marked
    security warning still reaches the error log while stderr shows errors only."""
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    root = logging.getLogger()
    level_before, handlers_before = root.level, list(root.handlers)
    errors = configure_logging("ERROR", "json")
    try:
        log = logging.getLogger("wickwatch.tests.configured")
        log.warning("refresh token reused", extra={"error_log": True, "user_id": 7})
        log.warning("just a warning")
        log.error("feed %s down", "okx_spot")
        queued = errors.drain()
    finally:
        root.handlers[:] = handlers_before
        root.setLevel(level_before)
    assert [(e["level"], e["message"]) for e in queued] == [
        ("WARNING", "refresh token reused"),
        ("ERROR", "feed okx_spot down"),
    ]
    assert queued[0]["context"] == {"user_id": 7}
    [line] = stderr.getvalue().splitlines()
    assert json.loads(line)["message"] == "feed okx_spot down"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_configured_logging_masks_tokens_in_urls_and_library_errors(
    monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """uvicorn logs each WebSocket handshake's path with its query at INFO, and the browser's
    stream may authenticate with ``?access_token=``; aiohttp quotes Bot API URLs, token
    included, in its errors. Neither reaches stderr or the error log in clear."""
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    root = logging.getLogger()
    level_before, handlers_before = root.level, list(root.handlers)
    errors = configure_logging("INFO", fmt)
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.c2lnbmF0dXJl"
    bot_secret = "AAEhBOweik6ad9r_Q9NJZlH5rXGPYd7Jq0o"
    try:
        logging.getLogger("uvicorn.error").info(
            '%s - "WebSocket %s" [accepted]',
            "127.0.0.1:50000",
            f"/api/v1/stream?access_token={jwt}",
        )
        try:
            raise RuntimeError(
                f"TooManyRedirects: https://api.telegram.org/bot7012345:{bot_secret}/x"
            )
        except RuntimeError:
            logging.getLogger("wickwatch.tests.redact").exception("send failed")
        queued = errors.drain()
    finally:
        root.handlers[:] = handlers_before
        root.setLevel(level_before)
    text = stderr.getvalue()
    assert "/api/v1/stream?access_token=***" in text and "send failed" in text
    assert "bot7012345:***/x" in text
    assert jwt not in text and bot_secret not in text
    [entry] = queued
    assert entry["exception"] and "bot7012345:***/x" in entry["exception"]
    assert bot_secret not in str(entry)


def test_url_passwords_are_masked_wherever_they_appear() -> None:
    """A database, Redis or SMTP URL quoted in an error keeps its user and host, not its
    password; e-mail addresses and bot tokens are left to their own rules."""
    from wickwatch.ops.redact import redact

    text = "connect to postgresql://ww:s3cr3t@db:5432/ww failed; redis://:r3d1s@cache:6379/0"
    assert redact(text) == (
        "connect to postgresql://ww:***@db:5432/ww failed; redis://:***@cache:6379/0"
    )
    assert redact("mail me@example.com at 12:30") == "mail me@example.com at 12:30"


@pytest.mark.parametrize(
    "text, secret",
    [
        # what `openssl rand -base64` gives (SQLAlchemy reads the whole as the password)
        ("connect to postgresql://ww:Ab/Cd+Ef==@db:5432/ww failed", "Ab/Cd+Ef=="),
        ("redis://:p@ss@cache:6379/0 refused", "p@ss"),
        # bot ids as short and as long as the channel API takes them
        ("https://api.telegram.org/bot123:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ/getMe", "AAHdqTc"),
        ("bot12345678901234567:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ", "AAHdqTc"),
    ],
)
def test_every_password_and_token_the_service_accepts_is_masked(text: str, secret: str) -> None:
    from wickwatch.ops.redact import redact

    assert secret not in redact(text)
