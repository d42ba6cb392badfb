"""Logging: readable text or JSON lines on stderr, and an error log kept in the database.

Records at ERROR and above, and records at WARNING and above marked with
``extra={"error_log": True}`` (whatever ``WICKWATCH_LOG_LEVEL`` says), are also queued for the
``error_log`` table. The handler never blocks and never does I/O: it puts the record on a
bounded queue (dropping and counting when full); :class:`ErrorLogWriter`, an asyncio task, writes
batches. Records emitted while the writer itself is writing are ignored, so a failing database can
never recurse into the error log.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import queue
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from wickwatch.ops.redact import RedactingFilter, redact
from wickwatch.storage.models import ErrorLogEntry

MARK = "error_log"
_QUEUE_SIZE = 10_000
_BATCH = 200
_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime", MARK}
)

_inside_writer: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "wickwatch_inside_error_writer", default=False
)

log = logging.getLogger(__name__)


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, extras and exception text."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_extras(record))
        if record.exc_info:
            # exc_text: what a filter made of it (redacted, see configure_logging)
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class ErrorLogHandler(logging.Handler):
    """Queues error records for the database without blocking the caller."""

    def __init__(self, maxsize: int = _QUEUE_SIZE) -> None:
        super().__init__(level=logging.DEBUG)
        self.queue: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=maxsize)
        self.dropped = 0
        self._wakeup: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None

    def wants(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR or bool(getattr(record, MARK, False))

    def emit(self, record: logging.LogRecord) -> None:
        if _inside_writer.get() or not self.wants(record):
            return
        try:
            context = _extras(record)
            exc = record.exc_info[1] if record.exc_info else None
            entry = {
                "created_at": datetime.fromtimestamp(record.created, UTC),
                "level": record.levelname,
                "logger": record.name[:120],
                "message": record.getMessage(),
                "exception": redact("".join(traceback.format_exception(exc))) if exc else None,
                "process": str(os.getpid()),
                "context": orjson.loads(orjson.dumps(context, default=str)) if context else None,
            }
            self.queue.put_nowait(entry)
        except queue.Full:
            self.dropped += 1
            return
        except Exception:  # a log call must never raise into the caller
            self.handleError(record)
            return
        if self._wakeup is not None:
            loop, event = self._wakeup
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # loop closed
                self._wakeup = None

    def drain(self, limit: int = _BATCH) -> list[dict[str, Any]]:
        batch: list[dict[str, Any]] = []
        while len(batch) < limit:
            try:
                batch.append(self.queue.get_nowait())
            except queue.Empty:
                break
        return batch


class ErrorLogWriter:
    """Writes queued error records to the ``error_log`` table in batches, in the background."""

    def __init__(self, handler: ErrorLogHandler, engine: AsyncEngine) -> None:
        self.handler = handler
        self.engine = engine
        self.written = 0
        self.failed = 0

    async def flush(self) -> int:
        """Write everything queued now; returns the number of rows written."""
        token = _inside_writer.set(True)
        total = 0
        try:
            while batch := self.handler.drain():
                try:
                    async with self.engine.begin() as connection:
                        await connection.execute(insert(ErrorLogEntry), batch)
                except Exception as exc:  # the database is down: keep logging to stderr only
                    self.failed += len(batch)
                    log.error("error log not written (%d records): %s", len(batch), exc)
                    break
                total += len(batch)
        finally:
            _inside_writer.reset(token)
        self.written += total
        return total

    async def run(self) -> None:
        """Until cancelled: wait for records, write them; a final flush on cancellation."""
        event = asyncio.Event()
        self.handler._wakeup = (asyncio.get_running_loop(), event)
        try:
            while True:
                await event.wait()
                event.clear()
                await self.flush()
        finally:
            self.handler._wakeup = None
            await asyncio.shield(self.flush())


_installed: list[logging.Handler] = []
_REDACT = RedactingFilter()


def configure_logging(level: str = "INFO", fmt: str = "text") -> ErrorLogHandler:
    """Set up the root logger (again, replacing our earlier handlers); returns the error-log
    handler for an :class:`ErrorLogWriter` to drain."""
    root = logging.getLogger()
    for handler in _installed:
        root.removeHandler(handler)
    stream = logging.StreamHandler(sys.stderr)
    stream.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    stream.setLevel(level)
    errors = ErrorLogHandler()
    _installed[:] = [stream, errors]
    for handler in _installed:
        handler.addFilter(_REDACT)  # bot tokens in library errors, tokens in logged URLs
        root.addHandler(handler)
    # Marked records (security events at WARNING) reach the error log even when stderr shows
    # only errors: the root passes WARNING and up, the stream handler filters by ``level``.
    root.setLevel(min(logging.getLevelNamesMapping()[level.upper()], logging.WARNING))
    return errors
