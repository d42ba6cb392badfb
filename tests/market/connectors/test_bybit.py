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

# The linear instrument list takes two requests (the default list and status=PreLaunch): the
# generic 429 scenario allows one per 30 s, so futures run their own version below.
CASES = [
    (scenario, market)
    for scenario in scenarios.ALL
    for market in sorted(VENUES)
    if not (scenario is scenarios.rest_rate_limit_marks_gap and market == "futures")
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("scenario", "market"), CASES, ids=lambda v: getattr(v, "__name__", v))
async def test_scenario(scenario: Callable[..., Awaitable[None]], market: str) -> None:
    await scenario(BybitSimulator, VENUES[market], market)


async def test_futures_rest_rate_limit_marks_gap() -> None:
    """The generic 429 scenario with a budget of the two instrument-list requests."""
    await scenarios.rest_rate_limit_marks_gap(
        BybitSimulator, BybitFutures, "futures", listing_requests=2
    )


async def test_pre_market_perpetuals_in_continuous_trading_are_followed() -> None:
    """Pre-market perpetuals are listed only under ``status=PreLaunch``: one in its
    ``ContinuousTrading`` phase prints public trades and is subscribed; one in an auction phase
    is listed but not subscribed, until a listing refresh finds it trading."""
    names: dict[str, str] = {}

    def pre_launch(sim: object) -> None:
        assert isinstance(sim, BybitSimulator)
        names["live"], names["auction"] = sim.symbols()[1], sim.symbols()[3]
        sim.pre_launch(names["live"], "ContinuousTrading")
        sim.pre_launch(names["auction"], "CallAuction")

    cfg = replace(scenarios.fast_config(BybitFutures), listing_refresh_s=0.3)
    async with scenarios.running(
        BybitSimulator, BybitFutures, "futures", config=cfg, before_start=pre_launch
    ) as (sim, feed, sink):
        assert isinstance(sim, BybitSimulator)
        live, auction = names["live"], names["auction"]
        assert set(feed.instruments) == set(sim.symbols())
        assert feed.instruments[live].trading and feed.instruments[live].quote == "USDT"
        assert not feed.instruments[auction].trading
        subscribed = set().union(*(s.subscribed for s in sim.sessions))
        assert subscribed == set(sim.symbols()) - {auction}
        await scenarios.eventually(lambda: any(t.symbol == live for t in sink.trades))
        sim.pre_launch(auction, "ContinuousTrading")
        await scenarios.eventually(lambda: any(auction in s.subscribed for s in sim.sessions))
        await scenarios.eventually(lambda: any(t.symbol == auction for t in sink.trades))
        await scenarios.settle(sim, sink)
    assert sim.violations == []
    scenarios.same_trades(sink.trades, scenarios.expected(sim, feed, sink))


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
