"""One module per exchange: pure parsers of WebSocket frames and REST payloads.

Importing this package imports every venue module so that :func:`parser_class` finds them.

Exchange ids ``binance``, ``bybit``, ``okx``, ``bitget``, ``gate``, ``hyperliquid``; markets
``spot`` and ``futures`` (linear USDT/USDC perpetuals). ``parser_class(exchange, market)(
instruments)`` gives a parser with ``parse_frame`` (WS frame → trades / ``None``),
``parse_instruments`` (REST instrument list) and ``parse_rest_trades`` (REST backfill).

======================  ==========================================  ===========================
venue                   WebSocket trade channel                     sizes → base units
======================  ==========================================  ===========================
binance                 ``<sym>@trade`` / ``<sym>@aggTrade``        already base
bybit                   v5 ``publicTrade.<sym>`` (+ legacy v2)      already base
okx                     ``trades`` / ``trades-all``                 swap: × ``ctVal``
bitget                  v2 ``trade`` (+ legacy v1 arrays)           already base
gate                    ``spot.trades`` / ``futures.trades``        futures: × quanto multiplier
hyperliquid             ``trades``                                  already base
======================  ==========================================  ===========================

Each module's docstring says how its trade ids line up between WebSocket and REST.
"""

from wickwatch.market.venues import binance, bitget, bybit, gate, hyperliquid, okx
from wickwatch.market.venues.base import VenueParser, parser_class, register

__all__ = [
    "VenueParser",
    "binance",
    "bitget",
    "bybit",
    "gate",
    "hyperliquid",
    "okx",
    "parser_class",
    "register",
]
