"""Bybit v5 spot and linear perpetuals: ``publicTrade.<SYMBOL>`` topics.

Protocol (``/v5/public/spot``, ``/v5/public/linear``)::

    → {"req_id": "7", "op": "subscribe", "args": ["publicTrade.BTCUSDT", ...]}
    ← {"success": true, "ret_msg": "subscribe", "conn_id": "…", "req_id": "7", "op": "subscribe"}
    ← {"success": false, "ret_msg": "Invalid symbol :[publicTrade.XYZUSDT]", "req_id": "7", …}
    → {"req_id": "p", "op": "ping"}
    ← {"success": true, "ret_msg": "pong", "conn_id": "…", "op": "ping"}

Instruments: ``/v5/market/instruments-info`` lists only ``Trading`` symbols unless asked for
another ``status``; linear also asks ``status=PreLaunch`` for the pre-market perpetuals, which
are subscribed while in their ``ContinuousTrading`` phase.

Backfill: ``/v5/market/recent-trade`` is the only public trade history, and it returns the latest
60 (spot) / 1000 (linear) trades: a longer gap is marked as such.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

import orjson

from wickwatch.market.connectors._connection import now_ms
from wickwatch.market.connectors.base import (
    Ack,
    Backfill,
    Control,
    Ignored,
    Pong,
    Rejected,
    Since,
    Until,
    VenueConnector,
)
from wickwatch.market.connectors.config import Endpoints, VenueLimits
from wickwatch.market.connectors.rest import RestClient
from wickwatch.market.types import FUTURES, SPOT, Instrument

_TOPIC = re.compile(r"publicTrade\.[A-Za-z0-9_\-]+")


# bybit-exchange.github.io/docs/v5/ws/connect: "Do not build over 500 connections in 5 minutes"
# (per WebSocket domain); "for one public connection, you cannot have length of args array over
# 21,000 characters"; "Spot can input up to 10 args for each subscription request"; "No args
# limit for Futures"; "we recommend that you send the ping heartbeat packet every 20 seconds".
# No documented message rate: we allow ourselves 10 per second. bybit-exchange.github.io/docs/
# v5/rate-limit: 600 HTTP requests per 5 seconds per IP. Streams per connection: our choice, 200
# (200 topics of ≤ 40 characters stay far below the 21,000-character args cap).
def _limits(args_per_request: int) -> VenueLimits:
    return VenueLimits(
        streams_per_connection=200,
        args_per_request=args_per_request,
        messages_per_window=10,
        message_window_s=1.0,
        connects_per_window=500,
        connect_window_s=300.0,
        max_request_chars=21_000,
        rest_weight_per_window=600,
        rest_window_s=5.0,
    )


class _Bybit(VenueConnector):
    exchange: ClassVar[str] = "bybit"
    category: ClassVar[str]
    recent_limit: ClassVar[int]
    #: instruments-info ``status`` filters to list ("": the default list, ``Trading`` only).
    list_statuses: ClassVar[tuple[str, ...]] = ("",)
    ping_always: ClassVar[bool] = True
    instruments_path: ClassVar[str] = "/v5/market/instruments-info"

    def stream_name(self, instrument: Instrument) -> str:
        return f"publicTrade.{instrument.subscribe_name}"

    def subscribe_message(self, names: Sequence[str], req_id: str) -> str:
        return orjson.dumps({"req_id": req_id, "op": "subscribe", "args": list(names)}).decode()

    def unsubscribe_message(self, names: Sequence[str], req_id: str) -> str:
        return orjson.dumps({"req_id": req_id, "op": "unsubscribe", "args": list(names)}).decode()

    def ping_message(self) -> str:
        return '{"req_id":"ping","op":"ping"}'

    def read_control(self, frame: str | bytes) -> Control | None:
        msg = orjson.loads(frame)
        if not isinstance(msg, dict):
            return None
        op = msg.get("op")
        if op in ("ping", "pong"):
            return Pong()
        if op in ("subscribe", "unsubscribe"):
            req_id = msg.get("req_id") or None
            if msg.get("success") is True:
                return Ack(req_id)
            reason = str(msg.get("ret_msg", ""))
            lowered = reason.lower()
            limit = "too many" in lowered or "exceed" in lowered or "limit" in lowered
            names = tuple(_TOPIC.findall(reason)) or None
            return Rejected(req_id, reason, names=None if limit else names, limit=limit)
        if "topic" in msg:
            return Ignored()
        return None

    async def fetch_instruments(self, rest: RestClient) -> list[Instrument]:
        """Every page of each :attr:`list_statuses` list; a symbol in both (a pre-market
        contract turning official) is kept once, trading if either says so."""
        found: dict[str, Instrument] = {}
        for status in self.list_statuses:
            for inst in await self._instrument_pages(rest, status):
                if inst.trading or inst.symbol not in found:
                    found[inst.symbol] = inst
        return list(found.values())

    async def _instrument_pages(self, rest: RestClient, status: str) -> list[Instrument]:
        out: list[Instrument] = []
        cursor = ""
        for _ in range(50):
            params: dict[str, str | int] = {"category": self.category, "limit": 1000}
            if status:
                params["status"] = status
            if cursor:
                params["cursor"] = cursor
            payload = await rest.get(self.instruments_path, params)
            out.extend(self.parser.parse_instruments(payload))
            result = payload.get("result") if isinstance(payload, dict) else None
            cursor = str(result.get("nextPageCursor") or "") if isinstance(result, dict) else ""
            if not cursor:
                break
        return out

    async def backfill(self, rest: RestClient, symbol: str, since: Since, until: Until) -> Backfill:
        """The latest trades (``recent-trade``); what lies beyond them stays missing."""
        params: dict[str, str | int] = {
            "category": self.category,
            "symbol": symbol,
            "limit": self.recent_limit,
        }
        payload = await rest.get("/v5/market/recent-trade", params)
        rows = self.parser.parse_rest_trades(symbol, payload, now_ms())
        rows.reverse()  # newest first → oldest first
        raw = payload["result"]["list"]
        ids = [t.trade_id for t in rows]
        if since.trade_id is not None and since.trade_id in ids:
            return Backfill(rows[ids.index(since.trade_id) + 1 :])
        fresh = [t for t in rows if t.ts_ms >= since.ts_ms]
        # A full page without the last trade seen may start inside its millisecond.
        unproven = since.trade_id is not None or not rows or rows[0].ts_ms > since.ts_ms
        if len(raw) >= self.recent_limit and unproven:
            reached = rows[0].ts_ms if rows else until.ts_ms
            return Backfill(fresh, (since.ts_ms, reached))
        return Backfill(fresh)


class BybitSpot(_Bybit):
    market: ClassVar[str] = SPOT
    category: ClassVar[str] = "spot"
    recent_limit: ClassVar[int] = 60  # recent-trade: spot limit [1, 60]
    default_endpoints: ClassVar[Endpoints] = Endpoints(
        rest_url="https://api.bybit.com", ws_url="wss://stream.bybit.com/v5/public/spot"
    )
    limits: ClassVar[VenueLimits] = _limits(args_per_request=10)


class BybitFutures(_Bybit):
    market: ClassVar[str] = FUTURES
    category: ClassVar[str] = "linear"
    recent_limit: ClassVar[int] = 1000  # recent-trade: linear limit [1, 1000]
    # bybit-exchange.github.io/docs/v5/market/instrument: the list "By default returns only
    # `Trading` symbols"; "`linear` & `inverse`: when status=PreLaunch, it returns Pre-Market
    # contracts", which print public trades in their ContinuousTrading phase (spot "has
    # `Trading` only"). So linear asks both lists.
    list_statuses: ClassVar[tuple[str, ...]] = ("", "PreLaunch")
    default_endpoints: ClassVar[Endpoints] = Endpoints(
        rest_url="https://api.bybit.com", ws_url="wss://stream.bybit.com/v5/public/linear"
    )
    # No args limit for linear: we still send at most 50 topics per request.
    limits: ClassVar[VenueLimits] = _limits(args_per_request=50)
