"""Crash test: dispatcher processes SIGKILLed at random moments while 1,000 alerts go out.

Three ``python -m wickwatch.notify`` processes deliver to a webhook receiver and to the Telegram
stand-in, against a file SQLite database and a PostgreSQL database. One of the working ones is
killed with SIGKILL every 0.3–1.5 s (and restarted) while alerts keep arriving (at least six
times). Afterwards:

* every delivery is ``sent``: nothing was lost;
* the webhook receiver, which drops repeated ``Idempotency-Key`` s, processed every webhook alert
  exactly once; every repeat it dropped was sent by a dispatcher that took the row over from a
  killed one in the ``sending`` state (its ``attempts`` ≥ 2);
* the stand-in saw every Telegram alert; an alert it saw twice is, the same way, one whose
  dispatcher was killed after the request left and before ``sent`` was committed — Telegram has
  no idempotency key, so that window (one round trip plus one commit) is the only way a user can
  see a message twice. That allowance stays: a message in flight at the SIGKILL cannot be known
  to have arrived. Every repeat (webhook or Telegram) is of a row another dispatcher logged as
  taken over in the ``sending`` state;
* Telegram's flood limits held throughout — one message a second per chat, 30 a second per
  bot — although the processes that kept the pacing slots died: the slots live in the database
  and the restarted dispatchers respect them. The counts are printed (``pytest -s``).

``WICKWATCH_CRASH_SEED`` replays a run.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.notify.conftest import SERVICE_TOKEN, Draft, World, deliveries
from wickwatch.accounts.crypto import SecretBox, load_secret_key
from wickwatch.config import Settings
from wickwatch.notify.standin import TelegramStandIn
from wickwatch.storage.types import utcnow

pytestmark = pytest.mark.timeout(900)

ALERTS = 1000
WEBHOOK_USERS = 20
TELEGRAM_CHATS = 50
PROCESSES = 3
MIN_KILLS = 6
SECRET_KEY = "crash-test-secret-key-0123456789-abcdefghij"
HOOK_SECRET = "crash-test-webhook-signing-secret"


@dataclass
class DedupingReceiver:
    """Processes each Idempotency-Key once; counts the repeats it drops."""

    rng: random.Random
    processed: set[str] = field(default_factory=set)
    repeats: Counter[str] = field(default_factory=Counter)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        await request.read()
        await asyncio.sleep(self.rng.uniform(0, 0.03))  # a real receiver takes a moment
        key = request.headers["Idempotency-Key"]
        if key in self.processed:
            self.repeats[key] += 1
        else:
            self.processed.add(key)
        return web.Response(status=204)


@pytest.fixture
async def receiver() -> AsyncIterator[DedupingReceiver]:
    recv = DedupingReceiver(random.Random(1))
    app = web.Application()
    app.router.add_post("/hook", recv.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    recv.url = f"http://127.0.0.1:{port}/hook"
    yield recv
    await runner.cleanup()


class Fleet:
    """Dispatcher processes that can be killed and restarted."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.processes: list[asyncio.subprocess.Process] = []
        self.log_of: dict[int, Path] = {}
        self.started = 0
        self.kills = 0
        self.kills_working = 0  #: of processes past start-up, i.e. in the middle of delivering

    async def spawn(self) -> asyncio.subprocess.Process:
        self.started += 1
        path = self.logs / f"dispatcher-{self.started}.log"
        log = path.open("wb")
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "wickwatch.notify",
            "--channels",
            "telegram,webhook",
            env=self.env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log,
        )
        log.close()
        self.processes.append(process)
        self.log_of[process.pid] = path
        return process

    def working(self) -> list[asyncio.subprocess.Process]:
        """Processes past start-up (importing aiogram takes seconds), i.e. claiming and sending."""
        return [
            p
            for p in self.processes
            if "dispatcher" in (text := self.log_of[p.pid].read_text(errors="replace"))
            and " started " in text
        ]

    async def kill_one(self, rng: random.Random) -> bool:
        """SIGKILL a random process that is delivering (past its start-up)."""
        working = self.working()
        if not working:
            return False
        victim = rng.choice(working)
        self.kills_working += 1
        victim.send_signal(signal.SIGKILL)
        await victim.wait()
        self.processes.remove(victim)
        self.kills += 1
        await self.spawn()
        return True

    async def all_working(self) -> None:
        for _ in range(600):  # polling their log files, at most a minute
            if len(self.working()) == len(self.processes):
                return
            await asyncio.sleep(0.1)

    async def stop(self) -> list[int]:
        """SIGTERM once every process is up (to test the graceful stop); their exit codes."""
        await self.all_working()
        for process in self.processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        codes = [await asyncio.wait_for(p.wait(), 60) for p in self.processes]
        self.processes.clear()
        return codes

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("*.log")))


async def test_killed_dispatchers_neither_lose_nor_duplicate(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    standin: TelegramStandIn,
    receiver: DedupingReceiver,
    tmp_path: Path,
) -> None:
    seed = int(os.environ.get("WICKWATCH_CRASH_SEED") or random.randrange(1 << 30))
    rng = random.Random(seed)
    standin.send_delay_s = 0.01
    world = World(sessionmaker)
    settings = Settings(secret_key=SECRET_KEY, data_dir=tmp_path)  # type: ignore[arg-type]
    sealed = SecretBox([load_secret_key(settings)]).encrypt(HOOK_SECRET)

    hook_users = [await world.user() for _ in range(WEBHOOK_USERS)]
    for user in hook_users:
        await world.channel(user, "webhook", {"url": receiver.url}, secret_ciphertext=sealed)
    chat_users = [await world.user() for _ in range(TELEGRAM_CHATS)]
    for i, user in enumerate(chat_users):
        await world.channel(user, "telegram", {"chat_id": 10_000 + i})
    drafts = []
    for i in range(ALERTS):
        if i % 2:
            user, symbol, to = chat_users[i % TELEGRAM_CHATS], f"T{i}USDT", ("telegram",)
        else:
            user, symbol, to = hook_users[i % WEBHOOK_USERS], f"W{i}USDT", ("webhook",)
        drafts.append(
            Draft(
                user_id=user, symbol=symbol, base=symbol[:-4], destinations=to, template="{symbol}"
            )
        )
    rng.shuffle(drafts)

    logs = tmp_path / "logs"
    logs.mkdir()
    env = {
        **os.environ,
        "WICKWATCH_DATABASE_URL": database_url,
        "WICKWATCH_DATA_DIR": str(tmp_path),
        "WICKWATCH_SECRET_KEY": SECRET_KEY,
        "WICKWATCH_TELEGRAM_BOT_TOKEN": SERVICE_TOKEN,
        "WICKWATCH_TELEGRAM_API_URL": standin.url,
        "WICKWATCH_WEBHOOK_ALLOW_PRIVATE": "true",
        "WICKWATCH_DELIVERY_LEASE_S": "5",
        "WICKWATCH_DELIVERY_POLL_INTERVAL_S": "0.1",
        "WICKWATCH_DELIVERY_BATCH_SIZE": "20",
        "WICKWATCH_DELIVERY_MAX_ATTEMPTS": "100",
        "WICKWATCH_DELIVERY_RETRY_BASE_S": "0.2",
        "WICKWATCH_DELIVERY_RETRY_MAX_S": "1",
        "WICKWATCH_LOG_LEVEL": "INFO",
        "WICKWATCH_ENVIRONMENT": "development",
    }
    env.pop("WICKWATCH_REDIS_URL", None)
    fleet = Fleet(env, logs)
    for _ in range(PROCESSES):
        await fleet.spawn()
    await fleet.all_working()

    async def killer(until: asyncio.Event) -> None:
        while not until.is_set():
            await asyncio.sleep(rng.uniform(0.3, 1.5))
            await fleet.kill_one(rng)
            if enqueued_all.is_set() and fleet.kills_working >= MIN_KILLS:
                return  # enough: let the survivors finish (restarts cost seconds of CPU)

    done = asyncio.Event()
    enqueued_all = asyncio.Event()
    killing = asyncio.create_task(killer(done))
    started = time.monotonic()
    try:
        for start in range(0, ALERTS, 20):  # alerts keep arriving while processes die
            await world.alerts(drafts[start : start + 20])
            await asyncio.sleep(rng.uniform(0.1, 0.5))
        enqueued_all.set()
        enqueued = time.monotonic() - started
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            rows = await deliveries(sessionmaker)
            if all(r.status == "sent" for r in rows) and killing.done():
                break
            if os.environ.get("CRASH_DEBUG"):
                now = utcnow()
                print(
                    f"{time.monotonic() - started:.1f}s",
                    Counter((r.channel, r.status) for r in rows),
                    "due later:",
                    sorted(
                        round((r.next_attempt_at - now).total_seconds(), 1)
                        for r in rows
                        if r.status == "pending" and r.next_attempt_at
                    )[-5:],
                    "working:",
                    len(fleet.working()),
                )
            await asyncio.sleep(0.5)
    finally:
        done.set()
        await killing
        codes = await fleet.stop()
    elapsed = time.monotonic() - started

    rows = await deliveries(sessionmaker)
    by_key = {r.idempotency_key: r for r in rows}
    pending = Counter(r.status for r in rows if r.status != "sent")
    assert len(rows) == ALERTS
    assert not pending, f"seed {seed}: not delivered: {pending}"
    assert codes == [0] * PROCESSES  # the survivors stop cleanly on SIGTERM
    assert fleet.kills_working >= MIN_KILLS

    text = fleet.log_text()
    taken_over = {int(i) for i in re.findall(r"delivery (\d+) \(\w+\) is sent again", text)}

    # Webhooks: the receiver processed every one exactly once.
    hooks = {r.idempotency_key for r in rows if r.channel == "webhook"}
    assert receiver.processed == hooks
    assert all(by_key[k].attempts >= 2 for k in receiver.repeats), f"seed {seed}"
    assert all(by_key[k].id in taken_over for k in receiver.repeats), f"seed {seed}"

    # Telegram: every alert arrived; repeats only for rows taken over mid-send.
    seen: Counter[str] = Counter()
    for call in standin.messages():
        seen.update(set(re.findall(r"T\d+USDT", call.text or "")))
    expected = {d.symbol for d in drafts if d.destinations == ("telegram",)}
    assert set(seen) == expected, f"seed {seed}: missing {sorted(expected - set(seen))[:10]}"
    symbol_of = {r.alert_id: r for r in rows}
    repeated = {s for s, n in seen.items() if n > 1}
    async with sessionmaker() as session:
        from sqlalchemy import select

        from wickwatch.storage.models import Alert

        alert_symbols = dict((await session.execute(select(Alert.id, Alert.symbol))).all())
    attempts_by_symbol = {alert_symbols[a]: r.attempts for a, r in symbol_of.items()}
    row_by_symbol = {alert_symbols[a]: r.id for a, r in symbol_of.items()}
    assert all(attempts_by_symbol[s] >= 2 for s in repeated), f"seed {seed}"
    assert all(row_by_symbol[s] in taken_over for s in repeated), f"seed {seed}"

    takeovers = len(taken_over)
    backend = database_url.split(":")[0]
    print(  # the numbers the issue asks to state
        f"\n[crash test seed={seed} db={backend}] {ALERTS} alerts enqueued over {enqueued:.1f}s, "
        f"all delivered after {elapsed:.1f}s, "
        f"{fleet.kills} SIGKILLs ({fleet.kills_working} while delivering), {takeovers} rows "
        f"taken over mid-send; webhook: "
        f"{len(receiver.processed)} processed once, {sum(receiver.repeats.values())} repeats "
        f"dropped by the receiver; telegram: {len(standin.messages())} messages carried "
        f"{len(expected)} alerts, {len(repeated)} shown twice (killed between request and "
        f"commit); flood-limit violations: {len(standin.violations)}"
    )
    for violation in standin.violations:
        print(f"  flood: {violation}")
    assert standin.violations == [], f"seed {seed}: Telegram would have refused these"
    assert "Traceback" not in text.replace("KeyboardInterrupt", ""), text[-3000:]
