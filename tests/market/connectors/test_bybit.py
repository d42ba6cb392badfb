"""Bybit connectors against the Bybit simulator over loopback WebSockets."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest

from tests.market.connectors import scenarios
from wickwatch.market.connectors import BybitFutures, BybitSpot, VenueConnector
from wickwatch.market.simulators import BybitSimulator

VENUES: dict[str, type[VenueConnector]] = {"spot": BybitSpot, "futures": BybitFutures}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("market", sorted(VENUES))
@pytest.mark.parametrize("scenario", scenarios.ALL, ids=lambda f: f.__name__)
async def test_scenario(scenario: Callable[..., Awaitable[None]], market: str) -> None:
    await scenario(BybitSimulator, VENUES[market], market)


async def test_gap_beyond_recent_trades_is_marked() -> None:
    """Bybit REST keeps only the latest 60 spot trades: a longer gap is marked, not invented."""
    sim_cfg = scenarios.SimConfig(symbols=2, seed=4, trades_per_s=200.0)
    slow = replace(scenarios.fast_config(BybitSpot), backoff_base_s=1.2, backoff_max_s=1.2)
    async with scenarios.running(
        BybitSimulator, BybitSpot, "spot", sim_config=sim_cfg, config=slow
    ) as (
        sim,
        feed,
        sink,
    ):
        await asyncio.sleep(0.3)
        await sim.drop_all()
        await scenarios.eventually(lambda: feed.status.reconnects >= 1)
        await asyncio.sleep(0.6)
        await scenarios.eventually(lambda: feed.status.gaps >= 1)
    assert any("beyond" in g.reason for g in feed.status.gap_log)
    assert sink.gaps


async def test_instrument_list_pages_are_followed() -> None:
    """instruments-info is cursor-paginated (the simulator pages by 25)."""
    sim_cfg = scenarios.SimConfig(symbols=60, generate=False)
    async with scenarios.running(BybitSimulator, BybitFutures, "futures", sim_config=sim_cfg) as (
        sim,
        feed,
        _sink,
    ):
        assert set(feed.instruments) == set(sim.symbols())
        assert feed.snapshot().symbols == 60
