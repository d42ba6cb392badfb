"""Hyperliquid perpetuals and spot: the ``trades`` subscription on ``wss://api.hyperliquid.xyz/ws``.

One WebSocket serves both markets; the coin says which (``BTC`` perp, ``PURR/USDC`` / ``@107``
spot). One subscription per message (no batching), no request id::

    → {"method": "subscribe", "subscription": {"type": "trades", "coin": "BTC"}}
    ← {"channel": "subscriptionResponse",
       "data": {"method": "subscribe", "subscription": {"type": "trades", "coin": "BTC"}}}
    ← {"channel": "trades", "data": [...]}            (the first push: a snapshot of recent trades)
    ← {"channel": "error", "data": "Invalid subscription {\\"type\\":\\"trades\\",…}"}
    → {"method": "ping"}       ← {"channel": "pong"}

Answers name the subscription, not a request: they are matched by coin (the connector remembers
which request carried each coin). ``Already subscribed: {…}`` counts as an acknowledgement.

REST is ``POST /info`` with a JSON body (``{"type": "meta"}``, ``{"type": "spotMeta"}``,
``{"type": "recentTrades", "coin": …}``), done here on the feed's :class:`RestClient` budget
(``recentTrades`` weighs more the more trades it returns: :func:`post_info`).

Backfill: there is no public trade history, only ``recentTrades`` (the latest few trades) and the
snapshot pushed on subscribe. After a reconnect the feed waits briefly for that snapshot; when
its oldest trade is older than the last trade seen, nothing was missed and no REST call is made.
Otherwise ``recentTrades`` is asked; what lies beyond it is reported missing, so the candles of a
long gap are marked incomplete. Trade ids (``tid``) are unique but not ordered: time decides.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import aiohttp
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
from wickwatch.market.connectors.rest import RestClient, RestUnavailable
from wickwatch.market.types import FUTURES, SPOT, Instrument

_COIN = re.compile(r'"coin"\s*:\s*"([^"]+)"')
_INFO_WEIGHT = 20  # "All other documented info requests have weight 20"
_RECENT_TRADES_PER_WEIGHT = 20  # recentTrades: one more weight "per 20 items returned"
_LIMIT_WORDS = ("too many", "limit", "exceed")

# hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/rate-limits-and-user-limits ("Rate
# limits and user limits", per IP): REST requests share a weight of 1200 per minute; meta and
# spotMeta weigh 20 ("All other documented info requests have weight 20"); recentTrades is among
# "The following info endpoints have an additional rate limit weight per 20 items returned in
# the response", so it weighs 20 plus 1 per 20 trades returned. "Maximum of 100
# websocket connections", "Maximum of 1000 websocket subscriptions", "Maximum of 2000 messages
# sent to Hyperliquid per minute across all websocket connections". Later copies of that page
# (quoted by SDKs) say 10 simultaneous connections and 30 new connections per minute: we stay
# within both. .../api/websocket/timeouts-and-heartbeats: the server closes a connection it has
# sent nothing to for 60 seconds. Spot and perps share every per-IP budget, so each market takes
# half: 2 connections × 250 subscriptions (500 of the 1000) and 500 messages a minute per
# connection (4 connections: 2000).
_LIMITS = VenueLimits(
    streams_per_connection=250,
    args_per_request=1,
    messages_per_window=500,
    message_window_s=60.0,
    connects_per_window=30,
    connect_window_s=60.0,
    max_connections=2,
    rest_weight_per_window=1200,
    rest_window_s=60.0,
)


async def post_info(
    rest: RestClient,
    body: Mapping[str, Any],
    *,
    weight: int = _INFO_WEIGHT,
    items_per_weight: int | None = None,
) -> Any:
    """Decoded JSON of ``POST base_url/info`` within the REST budget (the generic client only
    GETs); raises :class:`RestUnavailable` like :meth:`RestClient.get`.

    ``items_per_weight``: the request also weighs 1 per that many items of the answer (a list).
    That part is known only from the answer, so it is taken from the budget once the answer is
    in (waiting, if the budget is spent, as a request would): the next requests are paced for
    it. A started block of items counts whole; the docs do not say, and over-counting only
    slows us down."""
    payload = await _post_info(rest, body, weight)
    if items_per_weight and isinstance(payload, list) and payload:
        await rest.limiter.acquire(-(-len(payload) // items_per_weight))
    return payload


async def _post_info(rest: RestClient, body: Mapping[str, Any], weight: int) -> Any:
    await rest.limiter.acquire(weight)
    rest.requests += 1
    what = f"POST /info {body.get('type')}"
    try:
        async with rest.session.post(
            rest.base_url + "/info",
            data=orjson.dumps(body),
            headers={"Content-Type": "application/json"},
            timeout=rest.timeout,
        ) as response:
            raw = await response.read()
            if response.status in (418, 429):
                retry = response.headers.get("Retry-After")
                pause = float(retry) if retry and retry.isdigit() else rest.limit_cooldown_s
                rest.limiter.pause(pause)
                raise RestUnavailable(
                    f"{what}: HTTP {response.status}, pausing REST {pause:.0f}s",
                    status=response.status,
                    limited=True,
                )
            if response.status >= 400:
                raise RestUnavailable(
                    f"{what}: HTTP {response.status} {raw[:200]!r}", status=response.status
                )
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise RestUnavailable(f"{what}: {type(exc).__name__}: {exc}") from exc
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise RestUnavailable(f"{what}: not JSON: {raw[:200]!r}") from exc


def _coin_of(text: str) -> str | None:
    """The coin of the subscription quoted in an error text, if any."""
    start = text.find("{")
    if start >= 0:
        try:
            sub = orjson.loads(text[start:])
        except orjson.JSONDecodeError:
            sub = None
        if isinstance(sub, dict) and isinstance(sub.get("coin"), str):
            return str(sub["coin"])
    found = _COIN.search(text)
    return found.group(1) if found else None


class _Hyperliquid(VenueConnector):
    exchange: ClassVar[str] = "hyperliquid"
    limits: ClassVar[VenueLimits] = _LIMITS
    snapshot_on_subscribe: ClassVar[bool] = True
    default_endpoints: ClassVar[Endpoints] = Endpoints(
        rest_url="https://api.hyperliquid.xyz", ws_url="wss://api.hyperliquid.xyz/ws"
    )
    meta_type: ClassVar[str]  #: ``meta`` / ``spotMeta``

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._req_of: dict[str, str] = {}  # coin → id of the last request that carried it

    # -- REST --

    async def fetch_instruments(self, rest: RestClient) -> list[Instrument]:
        return self.parser.parse_instruments(await post_info(rest, {"type": self.meta_type}))

    async def backfill(self, rest: RestClient, symbol: str, since: Since, until: Until) -> Backfill:
        """Nothing when the subscribe snapshot reaches back past the last trade seen; else the
        ``recentTrades`` after it, with what lies beyond them reported missing."""
        if until.trade_id is not None and (
            until.trade_id == since.trade_id or until.ts_ms < since.ts_ms
        ):
            return Backfill([])
        payload = await post_info(
            rest,
            {"type": "recentTrades", "coin": symbol},
            items_per_weight=_RECENT_TRADES_PER_WEIGHT,
        )
        rows = self.parser.parse_rest_trades(symbol, payload, now_ms())
        # Newest first (as Nautilus's Hyperliquid adapter documents the endpoint): made oldest
        # first. The times decide while they differ; trades of one block share a time, and an
        # answer of one block is taken as newest first too (slicing it the other way round
        # would return the trades already seen and drop the new ones).
        if len(rows) > 1 and rows[0].ts_ms >= rows[-1].ts_ms:
            rows.reverse()
        if not rows:
            return Backfill([])  # no trade at all
        ids = [t.trade_id for t in rows]
        if since.trade_id is not None and since.trade_id in ids:
            return Backfill(rows[ids.index(since.trade_id) + 1 :])
        fresh = [t for t in rows if t.ts_ms >= since.ts_ms]
        if rows[0].ts_ms < since.ts_ms:
            return Backfill(fresh)
        reached = rows[0].ts_ms
        if until.trade_id is not None:
            reached = min(reached, until.ts_ms)
        return Backfill(fresh, (since.ts_ms, reached))

    def follows(self, prev_id: str, next_id: str) -> bool:
        """Ids are not ordered: only the last trade seen itself (the snapshot starting exactly
        there) proves nothing was missed; :meth:`backfill` compares times otherwise."""
        return next_id == prev_id

    # -- WebSocket --

    def stream_name(self, instrument: Instrument) -> str:
        return instrument.symbol

    def _op(self, method: str, names: Sequence[str], req_id: str) -> str:
        if len(names) != 1:
            raise ValueError(f"Hyperliquid takes one subscription per message, not {len(names)}")
        (coin,) = names
        self._req_of[coin] = req_id
        return orjson.dumps(
            {"method": method, "subscription": {"type": "trades", "coin": coin}}
        ).decode()

    def subscribe_message(self, names: Sequence[str], req_id: str) -> str:
        return self._op("subscribe", names, req_id)

    def unsubscribe_message(self, names: Sequence[str], req_id: str) -> str:
        return self._op("unsubscribe", names, req_id)

    def ping_message(self) -> str:
        return '{"method":"ping"}'

    def read_control(self, frame: str | bytes) -> Control | None:
        msg = orjson.loads(frame)
        if not isinstance(msg, dict):
            return None
        channel = msg.get("channel")
        if channel == "pong":
            return Pong()
        if channel == "subscriptionResponse":
            data = msg.get("data")
            sub = data.get("subscription") if isinstance(data, dict) else None
            coin = sub.get("coin") if isinstance(sub, dict) else None
            if isinstance(coin, str):
                return Ack(self._req_of.get(coin), (coin,))
            return Ignored()
        if channel == "error":
            text = str(msg.get("data", ""))
            coin = _coin_of(text)
            lowered = text.lower()
            if lowered.startswith("already") and coin is not None:
                return Ack(self._req_of.get(coin), (coin,))
            if any(word in lowered for word in _LIMIT_WORDS):
                return Rejected(None, text, limit=True)
            if coin is None:
                return Rejected(None, text)
            return Rejected(self._req_of.get(coin), text, names=(coin,))
        if isinstance(channel, str):
            return Ignored()  # another subscription's push
        return None


class HyperliquidFutures(_Hyperliquid):
    """Hyperliquid perpetuals (USDC-margined)."""

    market: ClassVar[str] = FUTURES
    meta_type: ClassVar[str] = "meta"


class HyperliquidSpot(_Hyperliquid):
    """Hyperliquid spot pairs."""

    market: ClassVar[str] = SPOT
    meta_type: ClassVar[str] = "spotMeta"
