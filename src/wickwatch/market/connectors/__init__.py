"""Live connectors: one generic :class:`Feed` per exchange × market, plus the venue specifics.

``connector_class("binance", "futures")`` finds a venue connector; ``Feed(cls, sink)`` runs it.

Adding a venue (Bitget, Gate, Hyperliquid …):

1. The parser exists in :mod:`wickwatch.market.venues` (``parser_class(exchange, market)``).
2. ``connectors/<venue>.py``: one :class:`VenueConnector` subclass per market with
   ``exchange``, ``market``, ``default_endpoints``, ``limits`` (a :class:`VenueLimits`, each
   number with a comment citing the venue's doc), ``stream_name``, ``subscribe_message`` /
   ``unsubscribe_message``, ``ping_message`` (+ ``ping_always``), ``read_control`` (acks,
   rejections naming the refused streams when the venue does, pongs, maintenance notices),
   ``fetch_instruments`` if the list is paginated, ``backfill`` (REST trades after a ``Since``,
   oldest first, with what stays ``missing``), ``consecutive_ids`` when trade ids are
   consecutive integers, ``limit_close_codes``. Register it in :data:`CONNECTORS` below.
   Snapshot trades sent at subscribe time need nothing: they are de-duplicated by id.
3. ``simulators/<venue>.py``: an :class:`~wickwatch.market.simulators.ExchangeSimulator`
   subclass (REST routes, ``on_message``, ``trade_frames``, ``history_payload``,
   ``malformed_frame``, the venue's error frames and close codes).
4. ``tests/market/connectors/test_<venue>.py``: run ``scenarios.ALL`` for both markets (copy
   ``test_okx.py``), plus venue-specific cases.
"""

from __future__ import annotations

from wickwatch.market.connectors._pacing import SharedLimits
from wickwatch.market.connectors.base import TradeSink, VenueConnector
from wickwatch.market.connectors.binance import BinanceFutures, BinanceSpot
from wickwatch.market.connectors.bitget import BitgetFutures, BitgetSpot
from wickwatch.market.connectors.bybit import BybitFutures, BybitSpot
from wickwatch.market.connectors.config import Endpoints, FeedConfig, VenueLimits
from wickwatch.market.connectors.feed import Feed
from wickwatch.market.connectors.gate import GateFutures, GateSpot
from wickwatch.market.connectors.hyperliquid import HyperliquidFutures, HyperliquidSpot
from wickwatch.market.connectors.okx import OkxFutures, OkxSpot
from wickwatch.market.connectors.status import FeedStatus, FeedStatusSnapshot, GapRecord

CONNECTORS: dict[tuple[str, str], type[VenueConnector]] = {
    (cls.exchange, cls.market): cls
    for cls in (
        BinanceSpot,
        BinanceFutures,
        BybitSpot,
        BybitFutures,
        OkxSpot,
        OkxFutures,
        BitgetSpot,
        BitgetFutures,
        GateSpot,
        GateFutures,
        HyperliquidSpot,
        HyperliquidFutures,
    )
}


def connector_class(exchange: str, market: str) -> type[VenueConnector]:
    """The venue connector of ``exchange`` × ``market`` (``KeyError`` names the known ones)."""
    try:
        return CONNECTORS[(exchange, market)]
    except KeyError:
        known = ", ".join(f"{e}_{m}" for e, m in sorted(CONNECTORS))
        raise KeyError(f"no connector for {exchange}_{market}; known: {known}") from None


__all__ = [
    "CONNECTORS",
    "BinanceFutures",
    "BinanceSpot",
    "BybitFutures",
    "BybitSpot",
    "Endpoints",
    "Feed",
    "FeedConfig",
    "FeedStatus",
    "FeedStatusSnapshot",
    "GapRecord",
    "OkxFutures",
    "OkxSpot",
    "SharedLimits",
    "TradeSink",
    "VenueConnector",
    "VenueLimits",
    "connector_class",
]
