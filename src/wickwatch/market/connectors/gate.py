"""Gate v4 spot and USDT-settled perpetuals: ``spot.trades`` and ``futures.trades``.

Protocol (spot ``wss://api.gateio.ws/ws/v4/``, futures ``wss://fx-ws.gateio.ws/v4/ws/usdt``)::

    → {"time": 1700000000, "id": 7, "channel": "spot.trades", "event": "subscribe",
       "payload": ["BTC_USDT", "ETH_USDT"]}
    ← {"time": …, "time_ms": …, "id": 7, "channel": "spot.trades", "event": "subscribe",
       "result": {"status": "success"}}
    ← {"time": …, "id": 7, "channel": "spot.trades", "event": "subscribe",
       "error": {"code": 2, "message": "unknown currency pair XYZ_USDT"}, "result": null}
    → {"time": …, "channel": "spot.ping"}
    ← {"time": …, "time_ms": …, "channel": "spot.pong", "event": "", "result": null}
    ← {"channel": "spot.system", "event": "update",
       "result": {"type": "upgrade", "msg": "The connection will soon be closed …"}}

One answer per request (not per pair), with our ``id``; a refused request subscribed none of its
pairs, so the others are sent again. Futures use the same shapes with ``futures.*`` channels.

Backfill (trade ids increase per market but are not consecutive): spot ``/api/v4/spot/trades``
latest 1000 (newest first), then ``last_id=<oldest>&reverse=true`` pages; futures
``/api/v4/futures/usdt/trades`` latest 1000, then pages ending at the oldest trade's second
(``to``; ``last_id`` is deprecated there), overlaps dropped by id.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
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
from wickwatch.market.types import FUTURES, SPOT, Instrument, MalformedFrame, Trade

_PAIR = re.compile(r"\b[A-Z0-9]+_[A-Z0-9]+\b")
_PAGE = 1000  # spot and futures trades: limit ≤ 1000

# Gate documents no WebSocket limits. Its maintainers (github.com/gateio/gatews/issues/25): "No
# limit on subscriptions", "No limit for message sent", "No connections limit for now, but 100
# connections at most from one host are recommended"; a connection whose client cannot consume
# its updates in time is closed by the server, so we keep connections small.
# REST (www.gate.com/docs/developers/apiv4 "Frequency limit rule"): public endpoints 200 requests
# per 10 seconds per IP. Our choices: 200 streams per connection, 100 pairs per request, 10
# messages per second, 50 connects a minute, 50 connections per market (the two markets share
# the recommended 100).
_LIMITS = VenueLimits(
    streams_per_connection=200,
    args_per_request=100,
    messages_per_window=10,
    message_window_s=1.0,
    connects_per_window=50,
    connect_window_s=60.0,
    max_connections=50,
    rest_weight_per_window=200,
    rest_window_s=10.0,
)


def _bounds(rows: Any) -> tuple[int, int] | None:
    """Smallest trade id and time (ms) of a raw trades page (``None`` when empty)."""
    if not isinstance(rows, list) or not rows:
        return None
    try:
        ids = [int(row["id"]) for row in rows]
        times = [
            int(float(row["create_time_ms"]))
            if row.get("create_time_ms") is not None
            else round(float(row["create_time"]) * 1000.0)
            for row in rows
        ]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise MalformedFrame(f"gate trades page: {exc}") from None
    return min(ids), min(times)


class _Gate(VenueConnector):
    exchange: ClassVar[str] = "gate"
    limits: ClassVar[VenueLimits] = _LIMITS
    channel: ClassVar[str]  #: ``spot.trades`` / ``futures.trades``
    prefix: ClassVar[str]  #: ``spot`` / ``futures`` (``.ping``, ``.pong``, ``.system``)
    trades_path: ClassVar[str]
    symbol_param: ClassVar[str]

    # -- REST --

    def _next_page(self, symbol: str, oldest_id: int, oldest_ms: int) -> dict[str, str | int]:
        raise NotImplementedError

    async def backfill(self, rest: RestClient, symbol: str, since: Since, until: Until) -> Backfill:
        """Latest trades, then older pages until the last trade seen is reached."""
        last = int(since.trade_id) if since.trade_id is not None else None
        found: dict[str, Trade] = {}
        params: dict[str, str | int] = {self.symbol_param: symbol, "limit": _PAGE}
        done = False
        previous: int | None = None
        for _ in range(self.max_pages):
            payload = await rest.get(self.trades_path, params)
            for trade in self.parser.parse_rest_trades(symbol, payload, now_ms()):
                found[trade.trade_id] = trade
            bounds = _bounds(payload)
            if bounds is None or len(payload) < _PAGE:
                done = True
                break
            oldest_id, oldest_ms = bounds
            if oldest_id <= last if last is not None else oldest_ms < since.ts_ms:
                done = True
                break
            if previous is not None and oldest_id >= previous:
                break  # no progress (more than a page of trades in one second): give up here
            previous = oldest_id
            params = self._next_page(symbol, oldest_id, oldest_ms)
        ordered = sorted(found.values(), key=lambda t: int(t.trade_id))
        if last is not None:
            fresh = [t for t in ordered if int(t.trade_id) > last]
        else:
            fresh = [t for t in ordered if t.ts_ms >= since.ts_ms]
        if done:
            return Backfill(fresh)
        return Backfill(fresh, (since.ts_ms, ordered[0].ts_ms if ordered else until.ts_ms))

    # -- WebSocket --

    def stream_name(self, instrument: Instrument) -> str:
        return instrument.symbol

    def _request(self, event: str, names: Sequence[str], req_id: str) -> str:
        return orjson.dumps(
            {
                "time": int(time.time()),
                "id": int(req_id),
                "channel": self.channel,
                "event": event,
                "payload": list(names),
            }
        ).decode()

    def subscribe_message(self, names: Sequence[str], req_id: str) -> str:
        return self._request("subscribe", names, req_id)

    def unsubscribe_message(self, names: Sequence[str], req_id: str) -> str:
        return self._request("unsubscribe", names, req_id)

    def ping_message(self) -> str:
        return orjson.dumps({"time": int(time.time()), "channel": f"{self.prefix}.ping"}).decode()

    def read_control(self, frame: str | bytes) -> Control | None:
        msg = orjson.loads(frame)
        if not isinstance(msg, dict):
            return None
        channel = msg.get("channel")
        if not isinstance(channel, str):
            return None
        if channel == f"{self.prefix}.pong":
            return Pong()
        event = msg.get("event")
        if channel == f"{self.prefix}.system":
            result = msg.get("result")
            if isinstance(result, Mapping) and result.get("type") == "upgrade":
                return ServerNotice(str(result.get("msg") or "upgrade"))
            return Ignored()
        if event in ("subscribe", "unsubscribe"):
            raw_id = msg.get("id")
            req_id = str(raw_id) if raw_id is not None else None
            error = msg.get("error")
            if not error:
                return Ack(req_id)
            if isinstance(error, Mapping):
                code, text = error.get("code"), str(error.get("message", ""))
            else:
                code, text = None, str(error)
            reason = f"code {code}: {text}"
            lowered = text.lower()
            if "too many" in lowered or "too fast" in lowered or "rate limit" in lowered:
                return Rejected(req_id, reason, limit=True)
            names = tuple(_PAIR.findall(text)) or None
            return Rejected(req_id, reason, names=names)
        if event is not None:
            return Ignored()  # another channel's update
        return None


class GateSpot(_Gate):
    """Gate spot."""

    market: ClassVar[str] = SPOT
    channel: ClassVar[str] = "spot.trades"
    prefix: ClassVar[str] = "spot"
    default_endpoints: ClassVar[Endpoints] = Endpoints(
        rest_url="https://api.gateio.ws", ws_url="wss://api.gateio.ws/ws/v4/"
    )
    instruments_path: ClassVar[str] = "/api/v4/spot/currency_pairs"
    trades_path: ClassVar[str] = "/api/v4/spot/trades"
    symbol_param: ClassVar[str] = "currency_pair"

    def _next_page(self, symbol: str, oldest_id: int, oldest_ms: int) -> dict[str, str | int]:
        return {
            "currency_pair": symbol,
            "limit": _PAGE,
            "last_id": str(oldest_id),
            "reverse": "true",
        }


class GateFutures(_Gate):
    """Gate USDT-settled perpetual futures."""

    market: ClassVar[str] = FUTURES
    channel: ClassVar[str] = "futures.trades"
    prefix: ClassVar[str] = "futures"
    default_endpoints: ClassVar[Endpoints] = Endpoints(
        rest_url="https://api.gateio.ws", ws_url="wss://fx-ws.gateio.ws/v4/ws/usdt"
    )
    instruments_path: ClassVar[str] = "/api/v4/futures/usdt/contracts"
    trades_path: ClassVar[str] = "/api/v4/futures/usdt/trades"
    symbol_param: ClassVar[str] = "contract"

    def _next_page(self, symbol: str, oldest_id: int, oldest_ms: int) -> dict[str, str | int]:
        # ``to`` is whole seconds: ask up to the end of the oldest trade's second (the overlap
        # with the page we have is dropped by id).
        return {"contract": symbol, "limit": _PAGE, "to": oldest_ms // 1000 + 1}
