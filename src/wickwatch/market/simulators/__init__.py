"""Loopback exchange simulators for tests and ``wickwatch demo`` (see :mod:`.base`)."""

from __future__ import annotations

from wickwatch.market.simulators._market import SimInstrument, SimTrade, SyntheticMarket, TradeLog
from wickwatch.market.simulators.base import ExchangeSimulator, SimConfig, SimLimits, SimSession
from wickwatch.market.simulators.binance import BinanceSimulator
from wickwatch.market.simulators.bitget import BitgetSimulator
from wickwatch.market.simulators.bybit import BybitSimulator
from wickwatch.market.simulators.gate import GateSimulator
from wickwatch.market.simulators.hyperliquid import HyperliquidSimulator
from wickwatch.market.simulators.okx import OkxSimulator

SIMULATORS: dict[str, type[ExchangeSimulator]] = {
    "binance": BinanceSimulator,
    "bybit": BybitSimulator,
    "okx": OkxSimulator,
    "bitget": BitgetSimulator,
    "gate": GateSimulator,
    "hyperliquid": HyperliquidSimulator,
}

__all__ = [
    "SIMULATORS",
    "BinanceSimulator",
    "BitgetSimulator",
    "BybitSimulator",
    "ExchangeSimulator",
    "GateSimulator",
    "HyperliquidSimulator",
    "OkxSimulator",
    "SimConfig",
    "SimInstrument",
    "SimLimits",
    "SimSession",
    "SimTrade",
    "SyntheticMarket",
    "TradeLog",
]
