"""Running roles in one process: database and bus, the API server in the same event loop, signal
handling, the status line, and the shutdown order.

``run_roles`` is what ``wickwatch all``, ``collector`` and ``notifier`` run; the demo
(:mod:`wickwatch.roles.demo`) builds on the same pieces. Shutdown (SIGINT/SIGTERM; a second one
forces the exit): the API stops accepting and closes its sockets, the collector closes its feeds
and writes what it still holds (alerts with their outbox rows, minute candles, final feed
status), the notifier sends what is due and hands the rest back to the outbox, then the bus and
the database are closed. Everything within ``WICKWATCH_SHUTDOWN_TIMEOUT_S`` per role.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI
from rich.console import Console
from rich.live import Live
from rich.text import Text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from wickwatch.api.stream import MAX_FRAME_BYTES
from wickwatch.bus import Bus, create_bus
from wickwatch.config import Settings, mask_url
from wickwatch.ops.logging import ErrorLogHandler, ErrorLogWriter
from wickwatch.ops.memory import release_free_memory_forever
from wickwatch.ops.metrics import MetricsServer
from wickwatch.ops.stalls import expected_hold, stop_watching_slow_steps, watch_slow_steps
from wickwatch.storage import create_engine, create_sessionmaker, migrate

log = logging.getLogger(__name__)


class RoleError(RuntimeError):
    """A role cannot start (port taken, schema behind …): one line for the operator."""


# --- database and bus --------------------------------------------------------------------------


async def open_database(settings: Settings) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    """The engine; SQLite is migrated in place, PostgreSQL must already be at the newest
    revision (``wickwatch db upgrade`` is a separate step there)."""
    url = settings.effective_database_url
    if settings.is_sqlite:
        await migrate.upgrade(url)
    else:
        current, head = await migrate.current(url), migrate.head_revision()
        if current is not None and current != head and not migrate.is_known_revision(current):
            # Newer code migrated it (a rolling upgrade): migrations keep the old code working
            # on the new schema (docs/deployment.md), so a restarted old role carries on.
            log.warning(
                "database %s is at revision %s, newer than this code's %s: running on it "
                "during the upgrade",
                mask_url(url),
                current,
                head,
            )
        elif current != head:
            raise RoleError(
                f"database {mask_url(url)} is at revision {current or 'base'}, not {head}: "
                "run `wickwatch db upgrade` first"
            )
    engine = create_engine(url, echo=settings.database_echo)
    return engine, create_sessionmaker(engine)


def open_bus(settings: Settings) -> Bus:
    return create_bus(str(settings.redis_url) if settings.redis_url else None)


# --- the API in this event loop ----------------------------------------------------------------


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the process's shutdown decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class ApiServer:
    """An app served by uvicorn as a task of the running loop."""

    def __init__(self, app: FastAPI, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.server = _Server(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                log_config=None,
                access_log=False,
                proxy_headers=False,  # X-Forwarded-* only from trusted proxies (api/client_ip)
                lifespan="on",
                ws_ping_interval=None,  # the stream pings itself, in its own protocol
                ws_max_size=MAX_FRAME_BYTES,
            )
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Serve; returns once listening (raises :class:`RoleError` when it cannot)."""
        where = f"{self.host}:{self.port}"
        # Bound here, not by uvicorn: its bind failure is a sys.exit() inside the serving
        # task, which asyncio lets through the whole process (exit code 3, no message).
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            raise RoleError(f"the API could not listen on {where}: {exc.strerror or exc}") from None
        self._task = asyncio.create_task(self.server.serve(sockets=[sock]), name="api.server")
        while not self.server.started:
            if self._task.done():
                try:
                    self._task.result()
                except Exception as exc:
                    raise RoleError(f"the API could not start on {where} ({exc!r})") from None
                # the app's start-up failed (uvicorn logged it) or the process is stopping
                raise RoleError(f"the API did not start on {where}")
            await asyncio.sleep(0.02)
        if self.port == 0:
            self.port = int(sock.getsockname()[1])
        log.info("API ready on %s", self.url)

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"

    async def stop(self, timeout_s: float = 10.0) -> None:
        if self._task is None:
            return
        self.server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout_s)
        except TimeoutError:
            self.server.force_exit = True
            await asyncio.gather(self._task, return_exceptions=True)
        except (SystemExit, Exception) as exc:
            log.warning("API server ended with %r", exc)
        self._task = None


def port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


# --- signals -----------------------------------------------------------------------------------


class Shutdown:
    """SIGINT/SIGTERM set :attr:`event`; a second signal ends the process at once."""

    #: A repeat within this many seconds is the same Ctrl-C (a terminal signals the whole
    #: process group, and a wrapper such as ``uv run`` may forward it once more).
    REPEAT_S = 1.0

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.signals = 0
        self._first = 0.0

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.trigger, sig)

    def uninstall(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)

    def trigger(self, sig: int = signal.SIGTERM) -> None:
        now = time.monotonic()
        if self.signals and now - self._first < self.REPEAT_S:
            return
        self.signals += 1
        if self.signals == 1:
            self._first = now
            log.info("%s: stopping (again to force)", signal.Signals(sig).name)
            self.event.set()
        else:
            log.error("%s again: exiting without cleanup", signal.Signals(sig).name)
            os._exit(130)

    async def wait(self) -> None:
        await self.event.wait()


# --- the status line ---------------------------------------------------------------------------


@contextlib.contextmanager
def _logs_through(stream: Any) -> Generator[None, None, None]:
    """Point stderr log handlers at ``stream`` (Rich's proxy) while the live line is shown."""
    root = logging.getLogger()
    moved = []
    for handler in root.handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream is sys.__stderr__:
            moved.append(handler)
            handler.setStream(stream)
    try:
        yield
    finally:
        for handler in moved:
            handler.setStream(sys.__stderr__)


class StatusLine:
    """One line on stderr, refreshed every second (on a terminal; elsewhere printed every
    ``plain_every_s`` seconds, so that logs stay readable)."""

    def __init__(
        self,
        render: Callable[[], str],
        *,
        console: Console | None = None,
        plain_every_s: float = 15.0,
        on_tick: Callable[[Console], None] | None = None,
    ) -> None:
        self.render = render
        self.console = console or Console(stderr=True)
        self.plain_every_s = plain_every_s
        self.on_tick = on_tick

    async def run(self) -> None:
        if self.console.is_terminal:
            live = Live(
                Text(self.render()),
                console=self.console,
                refresh_per_second=2,
                transient=True,
                redirect_stdout=True,
                redirect_stderr=True,
            )
            with live, _logs_through(sys.stderr):
                while True:
                    await asyncio.sleep(1.0)
                    if self.on_tick is not None:
                        self.on_tick(self.console)
                    live.update(Text(self.render()))
        else:
            next_print = time.monotonic() + self.plain_every_s
            while True:
                await asyncio.sleep(1.0)
                if self.on_tick is not None:
                    self.on_tick(self.console)
                if time.monotonic() >= next_print:
                    next_print += self.plain_every_s
                    self.console.print(self.render(), highlight=False, soft_wrap=True)


# --- the garbage collector ---------------------------------------------------------------------


async def freeze_heap(settle_s: float = 60.0) -> None:
    """Move what a long-running role has built out of the cyclic collector's scans, now (the
    users' rules, loaded at start) and once more after ``settle_s`` (per-symbol candle and
    detection state, built by the first minute of trades).

    Full collections otherwise traverse that long-lived state a few times a minute, pausing the
    event loop for tens of milliseconds each (docs/performance.md: detection p99 139 → 63 ms
    with spikes). Frozen objects are still freed by reference counting; only cycles among them
    would stay, and they are built once."""
    with expected_hold("collecting before freezing the heap"):
        gc.collect()
        gc.freeze()
    await asyncio.sleep(settle_s)
    with expected_hold("collecting before freezing the heap"):
        gc.collect()
        gc.freeze()


# --- running roles -----------------------------------------------------------------------------


@dataclass
class Roles:
    """What one process runs; built by :func:`run_roles` (and the demo)."""

    collector: Any = None  #: wickwatch.roles.collector.Collector
    notifier: Any = None  #: wickwatch.roles.notifier.NotifierRole
    api: ApiServer | None = None


def status_text(roles: Roles) -> str:
    parts = []
    if roles.collector is not None:
        s = roles.collector.stats()
        parts.append(
            f"feeds {s.feeds_up}/{s.feeds} up ({s.connections_up}/{s.connections_total} conns, "
            f"{s.symbols} symbols) · {s.trades_per_s:,.0f} trades/s · "
            f"{s.candles_per_s:,.0f} candles/s · alerts {s.alerts}"
        )
    if roles.notifier is not None:
        n = roles.notifier
        failed = f", {n.failed} failed" if n.failed else ""
        parts.append(f"deliveries {n.sent} sent{failed}")
    if roles.api is not None:
        parts.append(roles.api.url)
    return " · ".join(parts)


async def stop_roles(roles: Roles, settings: Settings) -> None:
    """The shutdown order: API, collector (writes what it holds), notifier (sends what is due)."""
    timeout = settings.shutdown_timeout_s
    hub = getattr(roles.api.app.state, "stream_hub", None) if roles.api is not None else None
    if hub is not None:
        await hub.close()
    if roles.api is not None:
        await roles.api.stop(timeout)
    if roles.collector is not None:
        await roles.collector.stop(timeout)
    if roles.notifier is not None:
        await roles.notifier.stop(timeout)


async def run_roles(
    settings: Settings,
    *,
    collector: bool,
    notifier: bool,
    api: bool,
    markets: Sequence[str] | None = None,
    channels: Sequence[str] | None = None,
    bot: bool = True,
    error_log: ErrorLogHandler | None = None,
    console: Console | None = None,
    status_line: bool = True,
) -> int:
    """Run the chosen roles until SIGINT/SIGTERM; returns the exit code."""
    from wickwatch.roles.collector import Collector
    from wickwatch.roles.notifier import NotifierRole

    shutdown = Shutdown()
    shutdown.install()
    engine, sessionmaker = await open_database(settings)
    bus = open_bus(settings)
    roles = Roles()
    writer: asyncio.Task[None] | None = None
    status: asyncio.Task[None] | None = None
    freezer: asyncio.Task[None] | None = None
    trimmer: asyncio.Task[None] | None = None
    metrics: MetricsServer | None = None
    if error_log is not None and not api:  # with the API, its lifespan drains the error log
        writer = asyncio.create_task(ErrorLogWriter(error_log, engine).run())
    try:
        if notifier:
            roles.notifier = NotifierRole(settings, sessionmaker, bus, bot=bot, channels=channels)
            await roles.notifier.start()
        if collector:
            wake = [roles.notifier.wake] if roles.notifier is not None else []
            roles.collector = Collector(
                settings, sessionmaker, bus, markets=markets, on_alerts=wake
            )
            await roles.collector.start()
        if api:
            from wickwatch.api.app import create_app

            app = create_app(settings, error_log)
            app.state.bus = bus
            if roles.collector is not None:  # live prices straight from this collector
                app.state.latest_prices = roles.collector.prices
            roles.api = ApiServer(app, settings.api_host, settings.api_port)
            await roles.api.start()
        elif settings.metrics_port is not None:  # the API serves /metrics where it runs
            try:
                metrics = MetricsServer(settings.api_host, settings.metrics_port)
            except OSError as exc:
                raise RoleError(
                    f"metrics could not listen on {settings.api_host}:{settings.metrics_port} "
                    f"({exc})"
                ) from None
        log.info(
            "running %s on %s (%s bus)",
            ", ".join(n for n, on in (("collector", collector), ("notifier", notifier),
                                      ("api", api)) if on),
            mask_url(settings.effective_database_url),
            "Redis" if settings.redis_url else "in-memory",
        )  # fmt: skip
        if collector:
            freezer = asyncio.create_task(freeze_heap(), name="gc.freeze")
        trimmer = asyncio.create_task(release_free_memory_forever(), name="malloc.trim")
        if settings.slow_step_ms > 0:
            watch_slow_steps(settings.slow_step_ms / 1000)
        if status_line:
            status = asyncio.create_task(
                StatusLine(lambda: status_text(roles), console=console, plain_every_s=60).run()
            )
        await shutdown.wait()
    finally:
        for task in (status, freezer, trimmer):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        gc.unfreeze()
        await stop_roles(roles, settings)
        stop_watching_slow_steps()
        if metrics is not None:
            metrics.close()
        await bus.close()
        if writer is not None:
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)
        await engine.dispose()
        shutdown.uninstall()
    return 0
