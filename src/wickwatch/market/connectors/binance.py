"""Binance spot and USD-M futures: combined ``<symbol>@aggTrade`` streams.

Why ``aggTrade``: its ids (``a``) are the ids of REST ``/api/v3/aggTrades`` and
``/fapi/v1/aggTrades``, which can be paged with ``fromId``, so a backfill continues exactly where
the stream stopped and de-duplicates by id; ids are consecutive, so "the first live trade after
a reconnect follows the last one seen" proves nothing was missed without any REST call
(:meth:`follows`).

Endpoints: spot streams on ``stream.binance.com:9443/stream``; USD-M futures streams are routed
by path on ``fstream.binance.com`` — ``/public`` (high-frequency book data), ``/market`` (regular
market data: ``aggTrade``, ``markPrice``, …), ``/private`` (user data) — and a connection without
a routed path only receives ``/public`` streams: an ``aggTrade`` subscription there is acknowledged
and then stays silent (developers.binance.com, USDⓈ-M "Important WebSocket Change Notice — Base
URL Split & Migration": ``/market`` carries ``aggTrade``, JSON ``SUBSCRIBE`` is supported there,
and the legacy URLs were retired on 2026-04-23). So futures connect to ``/market/stream``.

Protocol (``/stream`` combined endpoint)::

    → {"method": "SUBSCRIBE", "params": ["btcusdt@aggTrade", ...], "id": 7}
    ← {"result": null, "id": 7}
    ← {"error": {"code": 2, "msg": "Invalid request: ..."}, "id": 7}
    ← {"stream": "btcusdt@aggTrade", "data": {"e": "aggTrade", ...}}      (parsed by the parser)

Keep-alive: the server pings (spot every 20 s, futures every 3 min) and aiohttp answers with the
pong automatically. As our own liveness probe on an idle connection we send ``GET_PROPERTY``
(answer ``{"result": true, "id": 0}``), which proves the stream server itself still answers.
A connection that sends more than the message limit is closed with code 1008.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import orjson

from wickwatch.market.connectors._connection import now_ms
from wickwatch.market.connectors.base import (
    Ack,
    Backfill,
    Control,
    Ignored,
    Pong,
    Rejected,
    ServerNotice,
    Since,
    Until,
    VenueConnector,
)
from wickwatch.market.connectors.config import Endpoints, VenueLimits
from wickwatch.market.connectors.rest import RestClient
from wickwatch.market.types import FUTURES, SPOT, Instrument, Trade

_PAGE = 1000  # aggTrades rows per request (documented maximum)
_HOUR_MS = 3_600_000


class _Binance(VenueConnector):
    exchange: ClassVar[str] = "binance"
    trades_path: ClassVar[str]
    trades_weight: ClassVar[int]
    # Code 1008 (policy violation, "Too many requests") closes a connection over the message limit.
    limit_close_codes: ClassVar[frozenset[int]] = frozenset({1008})
    consecutive_ids: ClassVar[bool] = True

    def stream_name(self, instrument: Instrument) -> str:
        return f"{instrument.subscribe_name.lower()}@aggTrade"

    def subscribe_message(self, names: Sequence[str], req_id: str) -> str:
        return orjson.dumps(
            {"method": "SUBSCRIBE", "params": list(names), "id": int(req_id)}
        ).decode()

    def unsubscribe_message(self, names: Sequence[str], req_id: str) -> str:
        return orjson.dumps(
            {"method": "UNSUBSCRIBE", "params": list(names), "id": int(req_id)}
        ).decode()

    def ping_message(self) -> str:
        return '{"method":"GET_PROPERTY","params":["combined"],"id":0}'

    def read_control(self, frame: str | bytes) -> Control | None:
        msg = orjson.loads(frame)
        if not isinstance(msg, dict):
            return None
        if "error" in msg:
            error = msg["error"] if isinstance(msg["error"], dict) else {"msg": str(msg["error"])}
            text = f"code {error.get('code')}: {error.get('msg')}"
            lowered = text.lower()
            limit = "too many" in lowered or "exceed" in lowered
            req_id = msg.get("id")
            return Rejected(None if req_id is None else str(req_id), text, limit=limit)
        if "result" in msg and "id" in msg:
            if msg["result"] is None:
                return Ack(str(msg["id"]))
            return Pong()
        data = msg.get("data", msg)
        if isinstance(data, dict) and data.get("e") == "serverShutdown":
            return ServerNotice("serverShutdown")
        if "stream" in msg or "e" in msg:
            return Ignored()  # another event type on the stream; not ours to parse
        return None

    async def backfill(self, rest: RestClient, symbol: str, since: Since, until: Until) -> Backfill:
        """``aggTrades`` from the id after ``since`` (or from its time, when no trade was seen),
        paged by ``fromId`` until the live stream's first trade or the present."""
        trades: list[Trade] = []
        missing: tuple[int, int] | None = None
        params: dict[str, str | int]
        if since.trade_id is not None:
            params = {"symbol": symbol, "fromId": int(since.trade_id) + 1, "limit": _PAGE}
        else:
            start = since.ts_ms
            if until.ts_ms - start >= _HOUR_MS:  # startTime..endTime must stay under one hour
                missing = (start, until.ts_ms - _HOUR_MS + 1)
                start = until.ts_ms - _HOUR_MS + 1
            params = {"symbol": symbol, "startTime": start, "endTime": until.ts_ms, "limit": _PAGE}
        stop_id = int(until.trade_id) if until.trade_id is not None else None
        for _ in range(self.max_pages):
            payload: Any = await rest.get(self.trades_path, params, weight=self.trades_weight)
            page = self.parser.parse_rest_trades(symbol, payload, now_ms())
            trades.extend(page)
            if len(payload) < _PAGE or not page:
                return Backfill(trades, missing)
            last = int(page[-1].trade_id)
            if stop_id is not None and last >= stop_id - 1:
                return Backfill(trades, missing)
            params = {"symbol": symbol, "fromId": last + 1, "limit": _PAGE}
        reached = trades[-1].ts_ms if trades else since.ts_ms
        return Backfill(trades, (missing[0] if missing else reached, until.ts_ms))


class BinanceSpot(_Binance):
    """Binance spot (``stream.binance.com``)."""

    market: ClassVar[str] = SPOT
    default_endpoints: ClassVar[Endpoints] = Endpoints(
        rest_url="https://api.binance.com", ws_url="wss://stream.binance.com:9443/stream"
    )
    # developers.binance.com/docs/binance-spot-api-docs/web-socket-streams ("WebSocket Limits"):
    # 5 incoming messages per second per connection (pings, pongs and JSON control messages
    # counted; more closes the connection), 1024 streams per connection, 300 connections per
    # attempt window of 5 minutes per IP, a connection is only valid for 24 hours.
    # REST (/api/v3/exchangeInfo "rateLimits"): REQUEST_WEIGHT 6000 per minute; aggTrades weight 4
    # (exchangeInfo 20). No documented cap on names per SUBSCRIBE: we send at most 200.
    limits: ClassVar[VenueLimits] = VenueLimits(
        streams_per_connection=1024,
        args_per_request=200,
        messages_per_window=5,
        message_window_s=1.0,
        connects_per_window=300,
        connect_window_s=300.0,
        max_lifetime_s=24 * 3600.0,
        rest_weight_per_window=6000,
        rest_window_s=60.0,
    )
    instruments_path: ClassVar[str] = "/api/v3/exchangeInfo"
    instruments_weight: ClassVar[int] = 20
    trades_path: ClassVar[str] = "/api/v3/aggTrades"
    trades_weight: ClassVar[int] = 4


class BinanceFutures(_Binance):
    """Binance USD-M perpetual futures (``fstream.binance.com``)."""

    market: ClassVar[str] = FUTURES
    default_endpoints: ClassVar[Endpoints] = Endpoints(
        rest_url="https://fapi.binance.com", ws_url="wss://fstream.binance.com/market/stream"
    )
    # developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams:
    # 10 incoming messages per second per connection, valid for 24 hours, server ping every 3
    # minutes (pong within 10 minutes). Streams per connection: that page says 1024, the routed
    # endpoints' pages (/public, /market) say 200, and going over closes the connection (an IP
    # disconnected repeatedly may be banned), so 200: a few more connections for ~550
    # perpetuals. Connections per IP as spot (300 per 5 minutes). REST: 2400 request weight per
    # minute; aggTrades weight 20 (exchangeInfo 1).
    limits: ClassVar[VenueLimits] = VenueLimits(
        streams_per_connection=200,
        args_per_request=200,
        messages_per_window=10,
        message_window_s=1.0,
        connects_per_window=300,
        connect_window_s=300.0,
        max_lifetime_s=24 * 3600.0,
        rest_weight_per_window=2400,
        rest_window_s=60.0,
    )
    instruments_path: ClassVar[str] = "/fapi/v1/exchangeInfo"
    instruments_weight: ClassVar[int] = 1
    trades_path: ClassVar[str] = "/fapi/v1/aggTrades"
    trades_weight: ClassVar[int] = 20
