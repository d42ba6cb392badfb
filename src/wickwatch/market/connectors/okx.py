"""OKX v5 spot and linear swaps: the ``trades-all`` channel on ``/ws/v5/business``.

Why ``trades-all`` and not ``trades``: ``trades`` aggregates the fills of one taker order at one
price under the last fill's id, while the REST trade history returns single fills; ``trades-all``
pushes every fill with its own id, so REST backfill and live trades de-duplicate exactly.

Protocol::

    → {"id": "7", "op": "subscribe", "args": [{"channel": "trades-all", "instId": "BTC-USDT"}]}
    ← {"id": "7", "event": "subscribe", "arg": {"channel": "trades-all", "instId": "BTC-USDT"},
       "connId": "a4d3ae55"}                                                  (one per arg)
    ← {"id": "7", "event": "error", "code": "60018",
       "msg": "Wrong URL or channel:trades-all,instId:XYZ-USDT doesn't exist", "connId": "…"}
    ← {"event": "notice", "code": "64008", "msg": "The connection will soon be closed for a
       service upgrade. Please reconnect.", "connId": "…"}
    → ping       ← pong                                                    (plain text)

Backfill: ``/api/v5/market/trades`` (latest ≤ 500, newest first) then
``/api/v5/market/history-trades?type=1&after=<tradeId>`` pages (100 each) back to the last trade
seen. Trade ids are consecutive per instrument.
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
    ServerNotice,
    Since,
    Until,
    VenueConnector,
)
from wickwatch.market.connectors.config import Endpoints, VenueLimits
from wickwatch.market.connectors.rest import RestClient
from wickwatch.market.types import FUTURES, SPOT, Instrument, Trade

CHANNEL = "trades-all"
_INST = re.compile(r"instId:([A-Za-z0-9_\-]+)")
# Error codes that mean "you asked too often / for too much" (60014 Requests too frequent).
_LIMIT_CODES = frozenset({"60014"})

# www.okx.com/docs-v5/en/#overview-websocket-connect: connection limit 3 requests per second
# per IP; 480 'subscribe'/'unsubscribe'/'login' requests per connection per hour; the connection
# breaks if no subscription is made or no data is pushed for 30 seconds: send 'ping' after N < 30
# seconds without a message. #overview-websocket-subscribe: the args of one request may not
# exceed 64 KB. Close codes 4008/4009: too many channels subscribed (per account / connection).
# REST market data: history-trades 20 requests per 2 seconds per IP (trades: 100 per 2 s).
# Streams per connection and args per request are not documented for public channels: our
# choice, 200 and 100. No documented message rate beyond that: we allow 10 per second.
_LIMITS = VenueLimits(
    streams_per_connection=200,
    args_per_request=100,
    messages_per_window=10,
    message_window_s=1.0,
    subscribe_ops_per_window=480,
    subscribe_ops_window_s=3600.0,
    connects_per_window=3,
    connect_window_s=1.0,
    max_request_chars=65_536,
    rest_weight_per_window=20,
    rest_window_s=2.0,
)


class _Okx(VenueConnector):
    exchange: ClassVar[str] = "okx"
    inst_type: ClassVar[str]
    limits: ClassVar[VenueLimits] = _LIMITS
    limit_close_codes: ClassVar[frozenset[int]] = frozenset({4008, 4009})
    consecutive_ids: ClassVar[bool] = True
    instruments_path: ClassVar[str] = "/api/v5/public/instruments"

    @property
    def instruments_query(self) -> dict[str, str]:
        return {"instType": self.inst_type}

    async def fetch_instruments(self, rest: RestClient) -> list[Instrument]:
        payload = await rest.get(self.instruments_path, self.instruments_query)
        return self.parser.parse_instruments(payload)

    def stream_name(self, instrument: Instrument) -> str:
        return instrument.subscribe_name

    def request_chars(self, names: Sequence[str]) -> int:
        return sum(len(name) + 40 for name in names)

    def _op(self, op: str, names: Sequence[str], req_id: str) -> str:
        args = [{"channel": CHANNEL, "instId": name} for name in names]
        return orjson.dumps({"id": req_id, "op": op, "args": args}).decode()

    def subscribe_message(self, names: Sequence[str], req_id: str) -> str:
        return self._op("subscribe", names, req_id)

    def unsubscribe_message(self, names: Sequence[str], req_id: str) -> str:
        return self._op("unsubscribe", names, req_id)

    def ping_message(self) -> str:
        return "ping"

    def read_control(self, frame: str | bytes) -> Control | None:
        if frame in ("pong", b"pong"):
            return Pong()
        msg = orjson.loads(frame)
        if not isinstance(msg, dict):
            return None
        event = msg.get("event")
        req_id = msg.get("id") or None
        if event in ("subscribe", "unsubscribe"):
            arg = msg.get("arg")
            inst = arg.get("instId") if isinstance(arg, dict) else None
            return Ack(req_id, (inst,) if isinstance(inst, str) else None)
        if event == "error":
            code = str(msg.get("code", ""))
            reason = f"{code}: {msg.get('msg', '')}"
            names = tuple(_INST.findall(str(msg.get("msg", "")))) or None
            return Rejected(
                req_id, reason, names=names, limit=code in _LIMIT_CODES, final=names is None
            )
        if event == "notice":
            return ServerNotice(f"{msg.get('code')}: {msg.get('msg')}")
        if event is not None or "arg" in msg:
            return Ignored()
        return None

    async def backfill(self, rest: RestClient, symbol: str, since: Since, until: Until) -> Backfill:
        """Newest trades, then older pages until the trade after ``since`` is reached."""
        last = int(since.trade_id) if since.trade_id is not None else None

        def reached(oldest: Trade) -> bool:
            if last is not None:
                return int(oldest.trade_id) <= last + 1
            return oldest.ts_ms <= since.ts_ms

        payload = await rest.get("/api/v5/market/trades", {"instId": symbol, "limit": 500})
        newest_first = self.parser.parse_rest_trades(symbol, payload, now_ms())
        collected: list[Trade] = list(newest_first)
        done = not newest_first or reached(newest_first[-1]) or len(newest_first) < 500
        pages = 1
        while not done and pages < self.max_pages:
            params: dict[str, str | int] = {
                "instId": symbol,
                "type": "1",
                "after": collected[-1].trade_id,
                "limit": 100,
            }
            payload = await rest.get("/api/v5/market/history-trades", params)
            page = self.parser.parse_rest_trades(symbol, payload, now_ms())
            pages += 1
            collected.extend(page)
            done = not page or reached(page[-1]) or len(page) < 100
        collected.reverse()
        if last is not None:
            fresh = [t for t in collected if int(t.trade_id) > last]
        else:
            fresh = [t for t in collected if t.ts_ms >= since.ts_ms]
        if done:
            return Backfill(fresh)
        return Backfill(fresh, (since.ts_ms, collected[0].ts_ms if collected else until.ts_ms))


class OkxSpot(_Okx):
    market: ClassVar[str] = SPOT
    inst_type: ClassVar[str] = "SPOT"
    default_endpoints: ClassVar[Endpoints] = Endpoints(
        rest_url="https://www.okx.com", ws_url="wss://ws.okx.com:8443/ws/v5/business"
    )


class OkxFutures(_Okx):
    market: ClassVar[str] = FUTURES
    inst_type: ClassVar[str] = "SWAP"
    default_endpoints: ClassVar[Endpoints] = Endpoints(
        rest_url="https://www.okx.com", ws_url="wss://ws.okx.com:8443/ws/v5/business"
    )
