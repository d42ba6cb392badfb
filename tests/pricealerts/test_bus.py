"""Price alert changes reach the collectors over the bus: create, change, delete and restore
publish a ``price_alerts`` message after the commit, and a :class:`PriceBandSync` whose periodic
reload is effectively off (an hour) applies it — the change arrived by the push."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal

from tests.api.kit import API, Env
from tests.seed import member
from wickwatch.bus.memory import MemoryBus
from wickwatch.detection import Detector, PriceBandMonitor
from wickwatch.roles.pricebands import PriceBandSync, save_band_state

URL = f"{API}/price-alerts"
DEADLINE_S = 15.0  #: generous: the push normally lands in milliseconds


async def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        assert time.monotonic() < deadline, f"not within {DEADLINE_S} s: {what}"
        await asyncio.sleep(0.02)


async def test_price_alert_changes_reach_a_collector_through_the_bus(env: Env) -> None:
    bus = MemoryBus()
    env.app.state.bus = bus
    _, headers = await member(env)
    monitor = PriceBandMonitor()
    sync = PriceBandSync(
        monitor, Detector(), env.sessionmaker, bus, markets=["binance_spot"], poll_s=3600.0
    )
    await sync.load_all()
    task = asyncio.create_task(sync.run())
    try:
        await _until(lambda: bus.stats()["subscribers"] >= 1, "the price alerts subscription")
        created = await env.client.post(
            URL, json={"coin": "BTC", "min_price": "90000", "max_price": "110000"}, headers=headers
        )
        assert created.status_code == 201, created.text
        band_id = created.json()["id"]
        await _until(lambda: band_id in sync.bands, "the new band watched")
        assert sync.bands[band_id].symbol == "BTCUSDT"
        assert monitor.state_of(band_id) == "inside"

        changed = await env.client.patch(
            f"{URL}/{band_id}", json={"max_price": "120000"}, headers=headers
        )
        assert changed.status_code == 200, changed.text
        await _until(
            lambda: sync.bands[band_id].max_price == Decimal(120000), "the changed band applied"
        )

        deleted = await env.client.delete(f"{URL}/{band_id}", headers=headers)
        assert deleted.status_code == 204, deleted.text
        await _until(lambda: band_id not in sync.bands, "the deleted band dropped")
        assert monitor.state_of(band_id) is None

        restored = await env.client.post(f"{URL}/{band_id}/restore", headers=headers)
        assert restored.status_code == 200, restored.text
        await _until(lambda: band_id in sync.bands, "the restored band watched again")

        paused = await env.client.patch(
            f"{URL}/{band_id}", json={"is_enabled": False}, headers=headers
        )
        assert paused.status_code == 200, paused.text
        await _until(lambda: band_id not in sync.bands, "the paused band dropped")
        assert sync.reloads >= 5
    finally:
        sync.stop()
        await asyncio.wait_for(task, DEADLINE_S)
        await bus.close()


async def test_bands_of_markets_not_collected_are_not_loaded(env: Env) -> None:
    _, headers = await member(env)
    for body in (
        {"coin": "BTC", "max_price": "1"},
        {"coin": "ETH", "exchange": "okx", "max_price": "1"},
    ):
        response = await env.client.post(URL, json=body, headers=headers)
        assert response.status_code == 201, response.text
    sync = PriceBandSync(
        PriceBandMonitor(), Detector(), env.sessionmaker, None, markets=["okx_spot"]
    )
    assert await sync.load_all() == 1
    assert [b.symbol for b in sync.bands.values()] == ["ETH-USDT"]


async def test_without_the_bus_the_periodic_check_picks_changes_up(env: Env) -> None:
    _, headers = await member(env)
    created = await env.client.post(URL, json={"coin": "BTC", "max_price": "100"}, headers=headers)
    assert created.status_code == 201, created.text
    band_id = created.json()["id"]
    sync = PriceBandSync(
        PriceBandMonitor(), Detector(), env.sessionmaker, None, markets=["binance_spot"], poll_s=0.2
    )
    await sync.load_all()
    fingerprint = await sync._read_fingerprint()
    # The collector's own state writes are no change by the user: nothing to reload for them.
    async with env.sessionmaker() as session:
        await save_band_state(session, sync.bands[band_id], "above", fired_at=None)
        await session.commit()
    assert await sync._read_fingerprint() == fingerprint

    task = asyncio.create_task(sync.run())
    try:
        changed = await env.client.patch(
            f"{URL}/{band_id}", json={"max_price": "200"}, headers=headers
        )
        assert changed.status_code == 200, changed.text  # published nowhere: no bus
        await _until(lambda: sync.bands[band_id].max_price == Decimal(200), "the change")
        await env.client.delete(f"{URL}/{band_id}", headers=headers)
        await _until(lambda: band_id not in sync.bands, "the deletion")
    finally:
        sync.stop()
        await asyncio.wait_for(task, DEADLINE_S)
