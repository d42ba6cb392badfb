"""Faults with real OS processes: ``wickwatch collector``, ``notifier`` and ``api`` against a
PostgreSQL and a Redis of the test's own, the exchange simulators and the Telegram stand-in in the
test process. Each test injects wicks into known symbols for users whose rules catch them, breaks
something on the way, and checks what the users receive: every alert stored and delivered, once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import time
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from tests.faults.harness import (
    PrivatePostgres,
    PrivateRedis,
    Rig,
    RoleProcess,
    fault_rig,
    free_port,
    http_get,
    http_post,
)

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]


async def _wicks(rig: Rig, count: int, gap_s: float = 0.3) -> set[str]:
    symbols = set()
    for _ in range(count):
        symbols.add(await rig.wick())
        await asyncio.sleep(gap_s)
    return symbols


async def _collector_and_notifier_delivering(rig: Rig) -> tuple[RoleProcess, set[str]]:
    """A collector and a notifier running, a first wick delivered: the collector and the
    wick's symbol."""
    collector = rig.role("collector", "collector")
    rig.role("notifier", "notifier")
    await rig.wait_live()
    before = await _wicks(rig, 1)
    await _assert_delivered_once(rig, before)
    return collector, before


async def _assert_delivered_once(rig: Rig, symbols: set[str]) -> None:
    """Every user has an alert for each symbol, every delivery is ``sent``, and the stand-in got
    each stored alert exactly once (in its own message or a digest line)."""
    await rig.until(lambda: rig.alerted(symbols), f"alerts for {sorted(symbols)}")
    await rig.until(rig.all_sent, "every delivery sent")
    await rig.until(
        rig.deliveries_match,
        "the stand-in received every alert once",
        report=rig.delivery_report,
    )
    expected = await rig.expected_lines()
    assert rig.received_lines({s for _, s in expected}) == expected
    assert {s for _, s in expected} >= symbols


async def test_notifier_killed_during_a_burst_delivers_every_alert_once(
    tmp_path: Path, fault_database_url: str, private_redis: PrivateRedis
) -> None:
    async with fault_rig(tmp_path, fault_database_url, private_redis, users=4) as rig:
        rig.role("collector", "collector")
        notifier = rig.role("notifier", "notifier")
        await rig.wait_live()

        # A burst: a wick every 0.4 s for ~5 s. Each chat gets its first alert at once and the
        # next ones a second later (Telegram's pace), so deliveries are waiting most of the time;
        # the kill comes at such a moment.
        burst = asyncio.create_task(_wicks(rig, 12, gap_s=0.4))
        try:
            await rig.until(lambda: _mid_burst(rig), "some alerts sent, others due", 60)
            await notifier.kill9()
            # What the killed dispatcher was sending: the only deliveries a restart may repeat
            # (between the request and the commit of `sent`; see notify/dispatcher.py).
            in_flight = {d.alert_id for d in await rig.deliveries() if d.status == "sending"}
            symbols = await burst  # the rest of the burst while no notifier runs
        finally:
            burst.cancel()
        await rig.until(lambda: rig.alerted(symbols), "alerts stored meanwhile")
        notifier.start()

        await rig.until(rig.all_sent, "every delivery sent after the restart")
        alerts = await rig.alerts()
        chat_of = {a.id: str(rig.chats[a.user_id]) for a in alerts}
        repeatable = {(chat_of[a.id], a.symbol) for a in alerts if a.id in in_flight}

        async def each_once() -> bool:
            expected = await rig.expected_lines()
            got = rig.received_lines({s for _, s in expected})
            return all(
                got[line] == n or (line in repeatable and n <= got[line] <= n + 1)
                for line, n in expected.items()
            ) and set(got) == set(expected)

        await rig.until(each_once, "every alert delivered once", report=rig.delivery_report)
        expected = await rig.expected_lines()
        got = rig.received_lines({s for _, s in expected})
        repeats = {line for line, n in got.items() if n > expected[line]}
        assert repeats <= repeatable
        assert len(expected) >= 4 * 12  # every user, every wick
        assert notifier.starts == 2


async def _mid_burst(rig: Rig) -> bool:
    """The stand-in got messages and some stored deliveries are still to be sent."""
    if not rig.standin.messages():
        return False
    return any(d.status != "sent" for d in await rig.deliveries())


async def test_redis_outage_loses_no_alert_and_readyz_reports_it(
    tmp_path: Path, fault_database_url: str, private_redis: PrivateRedis
) -> None:
    async with fault_rig(tmp_path, fault_database_url, private_redis, users=2) as rig:
        port = free_port()
        collector = rig.role("collector", "collector")
        notifier = rig.role("notifier", "notifier")
        api = rig.role("api", "api", "--port", str(port))
        readyz = f"http://127.0.0.1:{port}/readyz"
        await rig.wait_live()

        async def ready(redis_state: str) -> bool:
            body = (await http_get(readyz)).json()
            return bool(body["checks"]["redis"].startswith(redis_state))

        await rig.until(lambda: ready("ok"), "/readyz: redis ok")
        before = await _wicks(rig, 2)
        await _assert_delivered_once(rig, before)

        stopped = time.monotonic()
        await private_redis.stop()
        await rig.until(lambda: ready("down"), "/readyz: redis down", timeout_s=30)
        response = await http_get(readyz)
        assert response.status_code == 200, "a Redis outage does not take the API out"
        assert response.json()["status"] == "degraded"
        during = await _wicks(rig, 3, gap_s=1.0)  # the collectors keep detecting
        await rig.until(lambda: rig.alerted(during), "alerts stored during the outage")
        stored_during = {a.id for a in await rig.alerts() if a.symbol in during}
        await asyncio.sleep(max(0.0, 10.0 - (time.monotonic() - stopped)))
        await private_redis.start()

        await rig.until(lambda: ready("ok"), "/readyz: redis ok again", timeout_s=60)
        await _assert_delivered_once(rig, before | during)

        async def published() -> set[int]:  # the collector's bus buffered them and flushed
            client = aioredis.Redis.from_url(private_redis.url)
            try:
                entries = await client.xrange("wickwatch:alerts")
            finally:
                await client.aclose()
            return {json.loads(fields[b"j"])["id"] for _, fields in entries}

        async def flushed() -> bool:
            return stored_during <= await published()

        await rig.until(flushed, "alerts of the outage published on the bus after it")
        after = await _wicks(rig, 1)
        await _assert_delivered_once(rig, before | during | after)
        assert collector.alive and notifier.alive and api.alive
        assert collector.starts == notifier.starts == api.starts == 1


async def test_postgres_outage_loses_no_alert_and_the_api_answers_503(
    tmp_path: Path,
    fault_database_url: str,
    private_redis: PrivateRedis,
    private_postgres: PrivatePostgres,
) -> None:
    async with fault_rig(tmp_path, fault_database_url, private_redis, users=2) as rig:
        port = free_port()
        collector = rig.role("collector", "collector")
        notifier = rig.role("notifier", "notifier")
        api = rig.role("api", "api", "--port", str(port))
        base = f"http://127.0.0.1:{port}"
        await rig.wait_live()
        before = await _wicks(rig, 2)
        await _assert_delivered_once(rig, before)

        statuses: list[tuple[str, int]] = []  # every answer of the API, in order
        phase = "before"

        async def probe() -> None:
            while True:
                for path in ("/readyz", "/api/v1/auth/login"):
                    try:
                        if path == "/readyz":
                            response = await http_get(base + path)
                        else:
                            body = {"email": "nobody@example.com", "password": "not-the-one-1"}
                            response = await http_post(base + path, body)
                    except Exception:
                        continue
                    statuses.append((f"{phase} {path}", response.status_code))
                await asyncio.sleep(0.3)

        prober = asyncio.create_task(probe())
        try:
            stopped = time.monotonic()
            await asyncio.to_thread(private_postgres.stop)
            phase = "during"
            during = await _wicks(rig, 3, gap_s=2.0)  # detected while nothing can be stored
            await asyncio.sleep(max(0.0, 30.0 - (time.monotonic() - stopped)))
            phase = "restarting"
            await asyncio.to_thread(private_postgres.start)
            phase = "after"

            async def recovered() -> bool:
                login = await http_post(
                    base + "/api/v1/auth/login",
                    {"email": "nobody@example.com", "password": "not-the-one-1"},
                )
                return login.status_code == 401 and (await http_get(base + "/readyz")).is_success

            await rig.until(recovered, "the API answering from the database again", 60)
        finally:
            prober.cancel()
            await asyncio.gather(prober, return_exceptions=True)

        await _assert_delivered_once(rig, before | during)
        answered_during = {code for what, code in statuses if what.startswith("during")}
        assert answered_during == {503}, statuses
        assert not any(code >= 500 and code != 503 for _, code in statuses), statuses
        assert ("during /api/v1/auth/login", 503) in statuses
        after = await _wicks(rig, 1)
        await _assert_delivered_once(rig, before | during | after)
        assert collector.alive and notifier.alive and api.alive
        assert collector.starts == notifier.starts == api.starts == 1


async def test_a_collector_killed_during_a_postgres_outage_loses_no_alert(
    tmp_path: Path,
    fault_database_url: str,
    private_redis: PrivateRedis,
    private_postgres: PrivatePostgres,
) -> None:
    """What the collector detected while nothing could be stored is in its local spill when
    it dies; the collector started after the outage stores and the notifier sends it, once."""
    async with fault_rig(tmp_path, fault_database_url, private_redis, users=2) as rig:
        collector, before = await _collector_and_notifier_delivering(rig)

        await asyncio.to_thread(private_postgres.stop)
        try:
            during = await _wicks(rig, 2, gap_s=1.0)
            spill_dir = tmp_path / "data" / "alert-spill"

            async def spilled() -> bool:
                return _spilled_alerts(spill_dir) >= 2 * len(during)  # 2 users

            await rig.until(spilled, "the outage's alerts in the local spill", 60)
            await collector.kill9()
        finally:
            await asyncio.to_thread(private_postgres.start)
        collector.start()
        await _assert_delivered_once(rig, before | during)
        assert _spilled_alerts(spill_dir) == 0
        assert collector.starts == 2


async def test_a_collector_killed_while_its_alerts_are_being_stored_loses_none(
    tmp_path: Path, fault_database_url: str, private_redis: PrivateRedis
) -> None:
    """No outage: the database is only slow (the alerts table locked by a long transaction),
    so the collector's alerts are in its transaction — detected, not yet stored, never spilled
    — when it is killed. The collector started next stores them and they are sent once."""
    async with fault_rig(tmp_path, fault_database_url, private_redis, users=2) as rig:
        collector, before = await _collector_and_notifier_delivering(rig)

        async with rig.engine.connect() as blocker:
            await blocker.execute(text("LOCK TABLE alerts IN EXCLUSIVE MODE"))  # reads go on
            during = await _wicks(rig, 2)

            async def alerts_waiting() -> bool:
                async with rig.engine.connect() as conn:
                    waiting = await conn.scalar(
                        text(
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                            "'Lock' AND query ILIKE 'INSERT INTO alerts%'"
                        )
                    )
                return bool(waiting)

            await rig.until(alerts_waiting, "the collector's alerts waiting for the lock", 60)
            await asyncio.sleep(1.5)  # the second wick's alerts detected and queued too
            await collector.kill9()
            await blocker.rollback()
        assert not (await rig.alerted(during))
        collector.start()
        await _assert_delivered_once(rig, before | during)
        assert collector.starts == 2


def _spilled_alerts(directory: Path) -> int:
    total = 0
    for path in directory.glob("spill-*.sqlite3"):
        with contextlib.closing(sqlite3.connect(path)) as db:
            total += db.execute("SELECT count(*) FROM items WHERE kind = 'alert'").fetchone()[0]
    return total


async def test_restarting_a_collector_makes_no_duplicate_alert(
    tmp_path: Path, fault_database_url: str, private_redis: PrivateRedis
) -> None:
    async with fault_rig(tmp_path, fault_database_url, private_redis, users=2) as rig:
        collector_metrics, notifier_metrics = free_port(), free_port()
        collector = rig.role(
            "collector", "collector", WICKWATCH_METRICS_PORT=str(collector_metrics)
        )
        rig.role("notifier", "notifier", WICKWATCH_METRICS_PORT=str(notifier_metrics))
        await rig.wait_live()
        settled = await _wicks(rig, 2)
        await _assert_delivered_once(rig, settled)
        # Roles without the API serve their own /metrics (WICKWATCH_METRICS_PORT).
        async with httpx.AsyncClient(timeout=5) as http:
            detected = await http.get(f"http://127.0.0.1:{collector_metrics}/metrics")
            delivered = await http.get(f"http://127.0.0.1:{notifier_metrics}/metrics")
        assert _sample(detected.text, "wickwatch_detection_candles_total") > 0
        assert _sample(detected.text, "wickwatch_alert_record_latency_seconds_count") >= 4
        sent = _sample(delivered.text, "wickwatch_deliveries_total", outcome="sent")
        assert sent >= 4  # 2 users × 2 wicks, one Telegram message each (at least)

        last_moment = await _wicks(rig, 2, gap_s=0.1)  # candles still open at the stop
        assert await collector.stop() == 0
        restarted_at = time.time()
        collector.start()
        await rig.wait_live(since=restarted_at)
        after = await _wicks(rig, 2)
        await _assert_delivered_once(rig, settled | last_moment | after)

        per_user_symbol = {}
        for alert in await rig.alerts():
            key = (alert.user_id, alert.symbol)
            per_user_symbol[key] = per_user_symbol.get(key, 0) + 1
        for (_, symbol), n in per_user_symbol.items():
            assert n == 1, f"{n} alerts for one wick of {symbol}: {per_user_symbol}"
        for uid in rig.chats:
            # The wicks just before the stop too: the stopping collector finishes the second.
            for symbol in settled | last_moment | after:
                assert per_user_symbol.get((uid, symbol)) == 1, (symbol, per_user_symbol)
        assert collector.starts == 2


def _sample(text: str, name: str, **labels: str) -> float:
    """The sum of the samples ``name`` with ``labels`` in a Prometheus exposition."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )
