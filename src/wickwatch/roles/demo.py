"""``wickwatch demo``: the whole product in one process, offline.

* SQLite in the data directory (migrated at start), the in-memory bus.
* One loopback exchange simulator per feed whose simulator and connector exist (the others are
  skipped with a log line), each with a synthetic market of ``symbols`` pairs — random walks
  with bursts and the occasional wick — and the real connectors pointed at them.
* A wick injector: every ``wick_every_s`` seconds (the first a few seconds after the feeds are
  live) one random symbol prints a 2–8 % wick, so the demo user sees a spike right away.
* The Telegram Bot API stand-in; the service bot talks to it, the demo user's chat is linked to
  it with ``/start <code>`` like a real user would, and every message it receives is shown.
* The collector, the notifier (dispatcher + bot) and the API (with the web UI when built) in the
  same event loop; a demo admin and a demo user (idempotent; passwords generated once and kept
  in ``<data dir>/demo-credentials.json``).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import os
import random
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wickwatch.accounts.schemas import UserCreate
from wickwatch.accounts.security import Security, build_security
from wickwatch.accounts.service import AccountService
from wickwatch.bus.memory import MemoryBus
from wickwatch.config import ALL_MARKETS, Settings
from wickwatch.detection import ThresholdGroup, UserSettings
from wickwatch.market.connectors import CONNECTORS, Endpoints, FeedConfig
from wickwatch.market.simulators import SIMULATORS, ExchangeSimulator, SimConfig
from wickwatch.notify import repository as notify_repo
from wickwatch.notify.standin import TelegramStandIn
from wickwatch.notify.templates import html_to_text
from wickwatch.ops.logging import ErrorLogHandler
from wickwatch.ops.memory import release_free_memory_forever
from wickwatch.ops.stalls import stop_watching_slow_steps, watch_slow_steps
from wickwatch.roles.collector import Collector, split_market
from wickwatch.roles.notifier import NotifierRole
from wickwatch.roles.runtime import (
    ApiServer,
    Roles,
    Shutdown,
    StatusLine,
    freeze_heap,
    open_database,
    status_text,
    stop_roles,
)
from wickwatch.storage.models import Channel, User
from wickwatch.storage.models import UserSettings as UserSettingsRow

log = logging.getLogger(__name__)

ADMIN_EMAIL = "admin@example.com"
USER_EMAIL = "demo@example.com"
CREDENTIALS_FILE = "demo-credentials.json"
#: The demo user's Telegram chat (a private chat id) on the stand-in.
DEMO_CHAT_ID = 700_100_200
#: A well-formed bot token for the stand-in (used unless one is configured).
DEMO_BOT_TOKEN = "7000000001:wickwatch-demo-service-bot"
REPO_ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class DemoOptions:
    symbols: int = 60  #: pairs per simulated feed
    trades_per_s: float = 1.0  #: average per pair
    wick_prob: float = 0.0001  #: chance of a natural wick per trade
    wick_every_s: float = 20.0  #: injected wicks (0: none)
    first_wick_s: float = 4.0  #: after the feeds are live (a symbol's first candle is incomplete)
    build_web: bool = True
    seed: int = 20_261_122


@dataclass
class DemoCredentials:
    admin_email: str
    admin_password: str
    user_email: str
    user_password: str


def demo_settings_document() -> UserSettings:
    """The demo user's rules: any 1.5 % move within 2 s with at least 50 USD traded."""
    return UserSettings(
        thresholds=[
            ThresholdGroup(
                name="demo: 1.5 % in 2 s", min_delta_pct=1.5, min_volume_usd=50.0, window_s=2
            )
        ],
        cooldown_s=30,
        destinations=["browser", "telegram"],
    )


# --- accounts ----------------------------------------------------------------------------------


def _load_passwords(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


def _save_passwords(path: Path, passwords: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(passwords, handle, indent=2)


async def ensure_demo_accounts(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], security: Security
) -> DemoCredentials:
    """The demo admin and user exist, are active, have the remembered passwords, and the user
    has the demo rules (unless they saved their own)."""
    path = settings.data_dir / CREDENTIALS_FILE
    passwords = _load_passwords(path)
    for email in (ADMIN_EMAIL, USER_EMAIL):
        passwords.setdefault(email, f"demo-{secrets.token_urlsafe(12)}")
    async with sessionmaker() as session:
        service = AccountService(session, security)
        ids: dict[str, int] = {}
        for email, role in ((ADMIN_EMAIL, "admin"), (USER_EMAIL, "user")):
            user = await session.scalar(select(User).where(User.email == email))
            if user is None:
                data = UserCreate(
                    email=email, password=passwords[email], role=role, display_name=f"Demo {role}"
                )
                user = await service.create_user(data)
            else:
                if not await security.passwords.verify(user.password_hash, passwords[email]):
                    user.password_hash = await security.passwords.hash(passwords[email])
                user.is_active = True
            ids[email] = user.id
        uid = ids[USER_EMAIL]
        if await session.get(UserSettingsRow, uid) is None:
            document = demo_settings_document().model_dump(mode="json")
            session.add(UserSettingsRow(user_id=uid, document=document, version=1))
        await session.commit()
    _save_passwords(path, passwords)
    return DemoCredentials(ADMIN_EMAIL, passwords[ADMIN_EMAIL], USER_EMAIL, passwords[USER_EMAIL])


async def _demo_channel(sessionmaker: async_sessionmaker[AsyncSession], user_id: int) -> bool:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(Channel).where(Channel.user_id == user_id, Channel.kind == "telegram")
        )
        return any(str((c.config or {}).get("chat_id")) == str(DEMO_CHAT_ID) for c in rows)


async def link_demo_chat(
    sessionmaker: async_sessionmaker[AsyncSession],
    standin: TelegramStandIn,
    *,
    bot_running: bool,
    timeout_s: float = 10.0,
) -> None:
    """Link the demo user's Telegram chat as a user would: ``/start <code>`` to the bot."""
    async with sessionmaker() as session:
        user_id = await session.scalar(select(User.id).where(User.email == USER_EMAIL))
    if user_id is None or await _demo_channel(sessionmaker, user_id):
        return
    if bot_running:
        async with sessionmaker() as session:
            code = await notify_repo.create_link_code(session, user_id)
            await session.commit()
        standin.push_message(chat_id=DEMO_CHAT_ID, text=f"/start {code}")
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if await _demo_channel(sessionmaker, user_id):
                log.info("demo Telegram chat %d linked through the bot", DEMO_CHAT_ID)
                return
            await asyncio.sleep(0.1)
        log.warning("the bot did not link the demo chat in %.0fs; linking it directly", timeout_s)
    async with sessionmaker() as session:
        session.add(
            Channel(
                user_id=user_id,
                kind="telegram",
                name="Telegram: Demo",
                config={
                    "chat_id": DEMO_CHAT_ID,
                    "chat_type": "private",
                    "bot": "service",
                    "title": "Demo",
                },
                enabled=True,
            )
        )
        await session.commit()


# --- simulators --------------------------------------------------------------------------------


async def start_simulators(
    options: DemoOptions,
) -> tuple[dict[str, ExchangeSimulator], list[str]]:
    """One simulator per feed that has both a simulator and a connector; ``(running, skipped)``."""
    running: dict[str, ExchangeSimulator] = {}
    skipped: list[str] = []
    for index, name in enumerate(ALL_MARKETS):
        exchange, market = split_market(name)
        sim_class = SIMULATORS.get(exchange)
        if sim_class is None or (exchange, market) not in CONNECTORS:
            skipped.append(name)
            continue
        config = SimConfig(
            symbols=options.symbols,
            seed=options.seed + index,
            trades_per_s=options.trades_per_s,
            wick_prob=options.wick_prob,
        )
        sim = sim_class(market, config)
        await sim.start()
        running[name] = sim
    return running, skipped


class WickInjector:
    """Every ``every_s`` seconds one random symbol of one simulator prints a wick."""

    def __init__(
        self, sims: dict[str, ExchangeSimulator], every_s: float, first_s: float, seed: int
    ) -> None:
        self.sims = sims
        self.every_s = every_s
        self.first_s = first_s
        self.rng = random.Random(seed)
        self.injected = 0

    async def inject(self, name: str | None = None, symbol: str | None = None) -> tuple[str, str]:
        """A trade at the price, a 2–8 % wick, a trade back at the price — in one second, so
        the wick is inside one 1-second candle whatever the symbol's trade rate."""
        name = name or self.rng.choice(sorted(self.sims))
        sim = self.sims[name]
        symbol = symbol or self.rng.choice(sim.symbols())
        market = sim.market_gen
        natural = market.wick_prob
        await sim.emit_new(symbol, 1)
        market.wick_prob = 1.0  # the generator's next trade is a wick
        try:
            await sim.emit_new(symbol, 1)
        finally:
            market.wick_prob = natural
        await sim.emit_new(symbol, 1)
        self.injected += 1
        log.debug("wick injected: %s %s", name, symbol)
        return name, symbol

    async def run(self) -> None:
        if self.every_s <= 0 or not self.sims:
            return
        await asyncio.sleep(self.first_s)
        while True:
            await self.inject()
            await asyncio.sleep(self.every_s)


# --- the web UI --------------------------------------------------------------------------------


def build_web_ui(timeout_s: float = 300.0) -> str:
    """Run ``scripts/build_web.sh`` when it and npm exist; what happened, in a few words."""
    script = REPO_ROOT / "scripts" / "build_web.sh"
    dist = REPO_ROOT / "web" / "dist" / "index.html"
    if not script.is_file():
        return "built UI found" if dist.is_file() else "no web UI (scripts/build_web.sh missing)"
    if shutil.which("npm") is None:
        return "web UI as built before (npm not found)" if dist.is_file() else "no web UI (npm)"
    try:
        result = subprocess.run(
            ["bash", str(script)], capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired:
        return "web UI build timed out" + ("; serving the previous build" if dist.is_file() else "")
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["?"]
        log.warning("web UI build failed: %s", tail[0])
        return "web UI build failed" + ("; serving the previous build" if dist.is_file() else "")
    return "web UI built" if dist.is_file() else "no web UI"


# --- the demo ----------------------------------------------------------------------------------


def _print(text: str) -> None:
    print(text, flush=True)  # noqa: T201 - the credentials go to stdout, for people and scripts


@dataclass
class Telegrams:
    """Shows the messages the stand-in received (deliveries made visible)."""

    standin: TelegramStandIn
    seen: int = 0
    shown: list[str] = field(default_factory=list)

    def show_new(self, console: Console) -> None:
        messages = self.standin.messages()
        for call in messages[self.seen :]:
            text = html_to_text(call.text or call.caption or "").strip().splitlines()
            first = text[0] if text else ""
            line = f"telegram → chat {call.chat_id}: {first[:100]}"
            self.shown.append(line)
            console.print(f"[cyan]{line}[/]", highlight=False, soft_wrap=True)
        self.seen = len(messages)


async def run_demo(
    settings: Settings,
    options: DemoOptions,
    *,
    error_log: ErrorLogHandler | None = None,
    out: Callable[[str], None] | None = None,
    console: Console | None = None,
) -> int:
    """Run the demo until SIGINT/SIGTERM; returns the exit code."""
    console = console or Console(stderr=True)
    out = out or _print
    started = time.monotonic()
    web_note = build_web_ui() if options.build_web else "web UI build skipped"
    shutdown = Shutdown()
    shutdown.install()
    standin = TelegramStandIn()
    await standin.start()
    token = settings.telegram_bot_token
    settings = settings.model_copy(
        update={
            "database_url": None,  # SQLite in the data directory
            "redis_url": None,  # the in-memory bus
            "telegram_api_url": standin.url,
            "telegram_bot_token": token
            if token is not None and token.get_secret_value()
            else SecretStr(DEMO_BOT_TOKEN),
        }
    )
    sims: dict[str, ExchangeSimulator] = {}
    roles = Roles()
    bus = MemoryBus()
    engine = None
    tasks: list[asyncio.Task[None]] = []
    telegrams = Telegrams(standin)
    try:
        engine, sessionmaker = await open_database(settings)
        security = build_security(settings)
        try:
            credentials = await ensure_demo_accounts(settings, sessionmaker, security)
        finally:
            await security.aclose()
        sims, skipped = await start_simulators(options)
        for name in skipped:
            log.info("demo: %s skipped (no simulator or connector for it yet)", name)
        endpoints: dict[str, Endpoints] = {name: sim.endpoints for name, sim in sims.items()}
        roles.notifier = NotifierRole(settings, sessionmaker, bus)
        await roles.notifier.start()
        await link_demo_chat(sessionmaker, standin, bot_running=roles.notifier.bot is not None)
        roles.collector = Collector(
            settings,
            sessionmaker,
            bus,
            markets=list(sims),
            endpoints=endpoints,
            feed_config=FeedConfig(status_window_s=10),
            on_alerts=[roles.notifier.wake],
        )
        await roles.collector.start()
        from wickwatch.api.app import create_app

        app = create_app(settings, error_log)
        app.state.bus = bus
        roles.api = ApiServer(app, settings.api_host, settings.api_port)
        await roles.api.start()
        symbols = sum(len(sim.symbols()) for sim in sims.values())
        out(
            "\n".join(
                [
                    "",
                    f"wickwatch demo: {len(sims)} simulated feeds, {symbols} symbols; {web_note}",
                    f"  open     {roles.api.url}/",
                    f"  user     {credentials.user_email}  password {credentials.user_password}",
                    f"  admin    {credentials.admin_email}  password {credentials.admin_password}",
                    f"  data     {settings.data_dir.resolve()}  (Ctrl-C stops)",
                    "",
                ]
            )
        )
        live = await roles.collector.wait_live(30.0)
        log.info(
            "demo ready in %.1fs (feeds %s)",
            time.monotonic() - started,
            "live" if live else "still connecting",
        )
        injector = WickInjector(sims, options.wick_every_s, options.first_wick_s, options.seed)
        tasks.append(asyncio.create_task(injector.run(), name="demo.wicks"))
        tasks.append(asyncio.create_task(freeze_heap(), name="demo.gc_freeze"))
        tasks.append(asyncio.create_task(release_free_memory_forever(), name="demo.malloc_trim"))
        if settings.slow_step_ms > 0:
            watch_slow_steps(settings.slow_step_ms / 1000)
        status = StatusLine(lambda: status_text(roles), console=console, on_tick=telegrams.show_new)
        tasks.append(asyncio.create_task(status.run(), name="demo.status"))
        await shutdown.wait()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        gc.unfreeze()
        await stop_roles(roles, settings)
        stop_watching_slow_steps()
        telegrams.show_new(console)
        for sim in sims.values():
            with contextlib.suppress(Exception):
                await sim.stop()
        await standin.stop()
        await bus.close()
        if engine is not None:
            await engine.dispose()
        shutdown.uninstall()
    log.info("demo stopped cleanly")
    return 0
