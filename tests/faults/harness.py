"""Servers and processes the fault tests start, stop and kill.

* :class:`PrivatePostgres` — a cluster of its own (``initdb`` in a temporary directory, a free
  loopback port, its socket in that directory), so a test can stop it without touching the
  machine's shared PostgreSQL. Run as the ``postgres`` user when the tests run as root (the server
  refuses root).
* :class:`PrivateRedis` — a ``redis-server`` of its own on a free loopback port, no persistence.
* :class:`RoleProcess` — one ``wickwatch collector|notifier|api`` OS process with its log file.
* :class:`Rig` — the simulated exchanges and the Telegram stand-in in the test process, the
  test's database with users whose rules catch the injected wicks, and the roles' environment.

Everything blocking (``pg_ctl``, waiting for a process) runs in a thread, so the simulators in the
test's event loop keep serving while it happens.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tests.roles.kit import SECRET_KEY, add_user, quiet_market, spike_rules
from wickwatch.market.simulators import BinanceSimulator, ExchangeSimulator, OkxSimulator
from wickwatch.notify.standin import TelegramStandIn
from wickwatch.roles.demo import WickInjector
from wickwatch.storage import create_engine, create_sessionmaker
from wickwatch.storage.models import Alert, AlertDelivery, Channel, ExchangeStats

BOT_TOKEN = "123456:fault-tests-service-bot"
#: Feeds of the rig's collectors: two venues with different protocols.
FEEDS = ("binance_futures", "okx_spot")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class _Crashed(AssertionError):
    """A role process ended that nobody stopped."""


async def eventually(
    check: Callable[[], Awaitable[bool]],
    timeout_s: float,
    what: str,
    *,
    every_s: float = 0.2,
    explain: Callable[[], str] | None = None,
) -> None:
    """Poll ``check`` until it is true; fail naming ``what`` (and the roles' logs) otherwise."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if await check():
                return
        except _Crashed as crash:
            logs = f"\n{explain()}" if explain is not None else ""
            raise AssertionError(f"{crash}{logs}") from None
        except Exception as exc:  # a dependency being restarted: keep polling
            last = exc
        else:
            last = None
        if time.monotonic() > deadline:
            detail = f" (last error: {last!r})" if last is not None else ""
            logs = f"\n{explain()}" if explain is not None else ""
            raise AssertionError(f"{what} not reached within {timeout_s:.0f}s{detail}{logs}")
        await asyncio.sleep(every_s)


# --- PostgreSQL ---------------------------------------------------------------------------------


def postgres_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/*/bin`` with the server tools, else the one on PATH."""
    found = [
        path
        for path in Path("/usr/lib/postgresql").glob("*/bin")
        if (path / "initdb").exists() and (path / "pg_ctl").exists()
    ]
    if found:
        return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


class PrivatePostgres:
    """A PostgreSQL cluster of the test session's own (trust auth, loopback, no fsync)."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="wickwatch-faults-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:  # the server refuses to run as root
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self.root.chmod(0o755)

    def _run(self, *args: str | Path, timeout: float = 120.0, check: bool = True) -> int:
        command = [str(a) for a in args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip()}\n"
                f"{self.log_tail()}"
            )
        return result.returncode

    def init(self) -> None:
        self._run(
            self.bindir / "initdb",
            "-D",
            self.data,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            self.bindir / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "90", "-o",
            options, "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(self.bindir / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "90", "stop")

    @property
    def running(self) -> bool:
        return self._run(self.bindir / "pg_ctl", "-D", self.data, "status", check=False) == 0

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        name = f"faults_{uuid.uuid4().hex[:10]}"
        self._run(
            self.bindir / "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
            "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", f'CREATE DATABASE "{name}"',
        )  # fmt: skip
        return self.url(name)

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def destroy(self) -> None:
        if self.data.exists() and self.running:
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


# --- Redis ------------------------------------------------------------------------------------


class PrivateRedis:
    """A ``redis-server`` of the test's own; :meth:`stop` and :meth:`start` keep its port."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self, timeout_s: float = 60.0) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._log = (self.workdir / "redis.log").open("ab")
        self.process = await asyncio.to_thread(
            subprocess.Popen,
            [
                self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(self.workdir),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        import redis.asyncio as redis

        async def answers() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
            try:
                return bool(await client.ping())
            finally:
                await client.aclose()

        await eventually(answers, timeout_s, f"redis-server on port {self.port}")

    async def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            await asyncio.to_thread(self.process.wait, 30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            await asyncio.to_thread(self.process.wait, 30)
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None


# --- wickwatch processes ------------------------------------------------------------------------


def wickwatch_command() -> list[str]:
    script = Path(sys.executable).with_name("wickwatch")
    return [str(script)] if script.exists() else [sys.executable, "-m", "wickwatch"]


@dataclass
class RoleProcess:
    """One ``wickwatch <role>`` process; its output goes to ``<logdir>/<name>.log``."""

    name: str
    args: list[str]
    env: dict[str, str]
    cwd: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    stopped: bool = False  #: stopped or killed on purpose (not a crash)

    @property
    def log(self) -> Path:
        return self.cwd / f"{self.name}.log"

    def start(self) -> None:
        self.starts += 1
        self.stopped = False
        with self.log.open("ab") as log:
            log.write(f"\n===== start {self.starts}: wickwatch {' '.join(self.args)}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [*wickwatch_command(), *self.args],
                env=self.env,
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def kill9(self) -> None:
        assert self.process is not None
        self.stopped = True
        self.process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(self.process.wait, 60)

    async def stop(self, timeout_s: float = 60.0) -> int | None:
        """SIGTERM and wait (the role writes what it holds); SIGKILL after ``timeout_s``."""
        self.stopped = True
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process is not None else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.to_thread(self.process.wait, timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            await asyncio.to_thread(self.process.wait, 30)
            return None

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return f"[{self.name}: no log]"
        body = "\n".join(text.splitlines()[-lines:])
        return f"----- {self.name} (last {lines} lines)\n{body}"


# --- the rig ------------------------------------------------------------------------------------


def symbol_mentions(body: str, symbols: set[str]) -> list[str]:
    """The known ``symbols`` named in a message, once per mention (one alert's message names its
    symbol once, a digest once per line), read from the visible text (links' URLs dropped)."""
    text = html.unescape(re.sub(r"<[^>]*>", "", body))
    found: list[str] = []
    for symbol in symbols:
        pattern = rf"(?<![A-Za-z0-9_-]){re.escape(symbol)}(?![A-Za-z0-9_-])"
        found.extend(symbol for _ in re.finditer(pattern, text))
    return found


@dataclass
class Rig:
    tmp: Path
    database_url: str
    redis: PrivateRedis
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    standin: TelegramStandIn
    sims: dict[str, ExchangeSimulator]
    injector: WickInjector
    chats: dict[int, int]  #: user id → Telegram chat id
    roles: list[RoleProcess] = field(default_factory=list)
    _next_symbol: int = 0

    def env(self, **overrides: str) -> dict[str, str]:
        """The roles' environment: this rig's database, Redis, simulators and stand-in, short
        timers; nothing from the outer ``WICKWATCH_*`` environment."""
        endpoints = {
            name: {"rest_url": sim.endpoints.rest_url, "ws_url": sim.endpoints.ws_url}
            for name, sim in self.sims.items()
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith("WICKWATCH_")}
        env.update(
            {
                "WICKWATCH_DATA_DIR": str(self.tmp / "data"),
                "WICKWATCH_DATABASE_URL": self.database_url,
                "WICKWATCH_REDIS_URL": self.redis.url,
                "WICKWATCH_SECRET_KEY": SECRET_KEY,
                "WICKWATCH_MARKETS": ",".join(self.sims),
                "WICKWATCH_EXCHANGE_ENDPOINTS": json.dumps(endpoints),
                "WICKWATCH_TELEGRAM_API_URL": self.standin.url,
                "WICKWATCH_TELEGRAM_BOT_TOKEN": BOT_TOKEN,
                "WICKWATCH_STATUS_INTERVAL_S": "1",
                "WICKWATCH_SETTINGS_POLL_S": "2",
                "WICKWATCH_DELIVERY_POLL_INTERVAL_S": "0.1",
                "WICKWATCH_DELIVERY_LEASE_S": "4",
                "WICKWATCH_DELIVERY_RETRY_BASE_S": "1",
                "WICKWATCH_DELIVERY_RETRY_MAX_S": "5",
                "WICKWATCH_DELIVERY_MAX_ATTEMPTS": "50",
                "WICKWATCH_SHUTDOWN_TIMEOUT_S": "10",
                "WICKWATCH_RATE_LIMIT_LOGIN_IP": "100000/minute",
                "WICKWATCH_RATE_LIMIT_LOGIN_ACCOUNT": "100000/minute",
                "WICKWATCH_LOG_LEVEL": "INFO",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(overrides)
        return env

    def role(self, name: str, *args: str, **env: str) -> RoleProcess:
        """Start ``wickwatch <args>`` as a process named ``name``."""
        role = RoleProcess(name, list(args), self.env(**env), self.tmp)
        role.start()
        self.roles.append(role)
        return role

    def logs(self) -> str:
        return "\n".join(role.tail() for role in self.roles)

    def crashed(self) -> list[str]:
        return [r.name for r in self.roles if not r.stopped and not r.alive]

    async def until(
        self,
        check: Callable[[], Awaitable[bool]],
        what: str,
        timeout_s: float = 90.0,
        *,
        report: Callable[[], Awaitable[str]] | None = None,
    ) -> None:
        """Poll ``check``; fail at once when a role process died on its own. ``report`` adds
        what the test knows about the state to the failure."""
        last_report = ""

        async def checked() -> bool:
            nonlocal last_report
            crashed = self.crashed()
            if crashed:
                raise _Crashed(f"{', '.join(crashed)} exited while waiting for {what}")
            if await check():
                return True
            if report is not None:
                last_report = await report()
            return False

        await eventually(checked, timeout_s, what, explain=lambda: f"{last_report}\n{self.logs()}")

    async def upgrade_database(self) -> None:
        """``wickwatch db upgrade``: the one-shot migration step of a deployment."""
        result = await asyncio.to_thread(
            subprocess.run,
            [*wickwatch_command(), "db", "upgrade"],
            env=self.env(),
            cwd=self.tmp,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert result.returncode == 0, f"wickwatch db upgrade: {result.stdout}{result.stderr}"

    # --- market ------------------------------------------------------------------------------

    async def feeds_up(self, since: float = 0.0) -> bool:
        """Every feed reported ``up`` (in a status row written after ``since``, wall time)."""
        async with self.sessionmaker() as session:
            rows = (await session.scalars(select(ExchangeStats))).all()
        up = {
            f"{r.exchange}_{r.market}"
            for r in rows
            if r.status == "up" and r.updated_at.timestamp() > since
        }
        return up >= set(self.sims)

    async def wait_live(self, since: float = 0.0) -> None:
        await self.until(lambda: self.feeds_up(since), "every feed up", timeout_s=120)
        # a few closed seconds of every symbol before the first wick: a symbol's first candle
        # is incomplete (subscribed mid-second), and a window holding it never fires
        await asyncio.sleep(3.0)

    def fresh_symbol(self) -> tuple[str, str]:
        """A feed and a symbol no wick was injected into yet (feeds alternate)."""
        names = sorted(self.sims)
        name = names[self._next_symbol % len(names)]
        symbol = self.sims[name].symbols()[self._next_symbol // len(names)]
        self._next_symbol += 1
        return name, symbol

    async def wick(self) -> str:
        """Inject a wick into a fresh symbol; returns the symbol."""
        name, symbol = self.fresh_symbol()
        await self.injector.inject(name, symbol)
        return symbol

    # --- what happened -----------------------------------------------------------------------

    async def alerts(self) -> list[Alert]:
        async with self.sessionmaker() as session:
            return list((await session.scalars(select(Alert).order_by(Alert.id))).all())

    async def alerted(self, symbols: set[str]) -> bool:
        """Every user has at least one alert for each of ``symbols``."""
        have = {(a.user_id, a.symbol) for a in await self.alerts()}
        return all((uid, s) in have for uid in self.chats for s in symbols)

    async def deliveries(self) -> list[AlertDelivery]:
        async with self.sessionmaker() as session:
            return list((await session.scalars(select(AlertDelivery))).all())

    async def all_sent(self) -> bool:
        deliveries = await self.deliveries()
        return bool(deliveries) and all(d.status == "sent" for d in deliveries)

    async def expected_lines(self) -> Counter[tuple[str, str]]:
        """(chat, symbol) of every stored alert: what the stand-in must receive, once each."""
        return Counter((str(self.chats[a.user_id]), a.symbol) for a in await self.alerts())

    def received_lines(self, symbols: set[str]) -> Counter[tuple[str, str]]:
        """(chat, symbol) of every alert in the messages the stand-in accepted."""
        received: Counter[tuple[str, str]] = Counter()
        for call in self.standin.messages():
            if not call.ok:
                continue
            for symbol in symbol_mentions(call.body, symbols):
                received[(str(call.chat_id), symbol)] += 1
        return received

    async def delivery_report(self) -> str:
        """What differs between the stored alerts and the stand-in's messages (for failures)."""
        expected = await self.expected_lines()
        got = self.received_lines({s for _, s in expected})
        missing = expected - got
        extra = got - expected
        lost = {symbol for _, symbol in missing}
        mentioning = [
            (c.method, c.chat_id, c.status, c.body[:400])
            for c in self.standin.calls
            if any(symbol in str(c.params) for symbol in lost)
        ]
        return f"missing {dict(missing)}; extra {dict(extra)}; calls naming them {mentioning}"

    async def deliveries_match(self) -> bool:
        expected = await self.expected_lines()
        return self.received_lines({s for _, s in expected}) == expected


@asynccontextmanager
async def fault_rig(
    tmp_path: Path,
    database_url: str,
    redis: PrivateRedis,
    *,
    users: int,
    symbols: int = 12,
) -> AsyncIterator[Rig]:
    """Simulators, the stand-in, a migrated database with ``users`` users (rules that catch every
    injected wick, a Telegram chat each); stops every role process on the way out."""
    async with AsyncExitStack() as stack:
        standin = await stack.enter_async_context(TelegramStandIn())
        sims: dict[str, ExchangeSimulator] = {
            "binance_futures": BinanceSimulator("futures", quiet_market(symbols, seed=11)),
            "okx_spot": OkxSimulator("spot", quiet_market(symbols, seed=12)),
        }
        for sim in sims.values():
            await stack.enter_async_context(sim)
        engine = create_engine(database_url)
        stack.push_async_callback(engine.dispose)
        sessionmaker = create_sessionmaker(engine)
        rig = Rig(
            tmp=tmp_path,
            database_url=database_url,
            redis=redis,
            engine=engine,
            sessionmaker=sessionmaker,
            standin=standin,
            sims=sims,
            injector=WickInjector(sims, every_s=0, first_s=0, seed=5),
            chats={},
        )
        (tmp_path / "data").mkdir(exist_ok=True)
        await rig.upgrade_database()
        chats = rig.chats
        for i in range(users):
            chat = 700_000 + i
            uid = await add_user(
                sessionmaker, f"fault{i}@example.com", spike_rules(), telegram_chat=chat
            )
            chats[uid] = chat
        async with sessionmaker() as session:  # the kit's channels are the service bot's
            assert len((await session.scalars(select(Channel))).all()) == users
        try:
            yield rig
        finally:
            await asyncio.gather(*(role.stop(30) for role in rig.roles), return_exceptions=True)
            print(rig.logs())  # shown by pytest when the test failed


async def http_get(url: str, timeout_s: float = 5.0) -> httpx.Response:
    async with httpx.AsyncClient(timeout=timeout_s) as client:
        return await client.get(url)


async def http_post(url: str, body: dict[str, Any], timeout_s: float = 5.0) -> httpx.Response:
    async with httpx.AsyncClient(timeout=timeout_s) as client:
        return await client.post(url, json=body)
