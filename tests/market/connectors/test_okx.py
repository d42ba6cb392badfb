"""OKX connectors against the OKX simulator over loopback WebSockets."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest

from tests.market.connectors import scenarios
from wickwatch.market.connectors import OkxFutures, OkxSpot, VenueConnector
from wickwatch.market.simulators import OkxSimulator

VENUES: dict[str, type[VenueConnector]] = {"spot": OkxSpot, "futures": OkxFutures}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("market", sorted(VENUES))
@pytest.mark.parametrize("scenario", scenarios.ALL, ids=lambda f: f.__name__)
async def test_scenario(scenario: Callable[..., Awaitable[None]], market: str) -> None:
    await scenario(OkxSimulator, VENUES[market], market)


async def test_pings_keep_an_idle_connection_open() -> None:
    """OKX closes a connection that sees no traffic for 30 s: our text pings prevent it."""
    # Idle limit and watchdog far above the 0.2 s pings: a loaded machine may stall the loop
    # (simulator and feed alike) for a second without it counting as silence.
    limits = scenarios.SimLimits(streams_per_connection=1000, idle_timeout_s=2.5)
    sim_cfg = scenarios.SimConfig(symbols=3, generate=False, limits=limits)
    cfg = replace(scenarios.fast_config(OkxSpot), silence_s=3.0)
    async with scenarios.running(OkxSimulator, OkxSpot, "spot", sim_config=sim_cfg, config=cfg) as (
        sim,
        feed,
        _sink,
    ):
        await asyncio.sleep(6.0)
        assert feed.status.reconnects == 0
        assert sim.violations == []


async def test_service_upgrade_notice_reconnects_without_loss() -> None:
    async with scenarios.running(OkxSimulator, OkxFutures, "futures") as (sim, feed, sink):
        await asyncio.sleep(0.3)
        first = {s.id for s in sim.sessions}
        await sim.send_notice()
        await scenarios.eventually(lambda: feed.status.reconnects >= 1)
        async with asyncio.timeout(5):
            await feed.wait_live()
        assert {s.id for s in sim.sessions}.isdisjoint(first)
        await asyncio.sleep(0.3)
        await scenarios.settle(sim, sink)
        assert feed.status.gaps == 0
    scenarios.same_trades(sink.trades, scenarios.expected(sim, feed, sink))
