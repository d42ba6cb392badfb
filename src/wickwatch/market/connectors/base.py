"""What a venue connector is: the small set of venue facts and hooks the generic machinery needs.

The machinery (:class:`~wickwatch.market.connectors.feed.Feed` and its connections) is written
once: REST instrument load, spreading streams over connections, pacing, keep-alive, watchdog,
back-off, planned reconnects, listing refresh, de-duplication, backfill and gap marking. A venue
module only says *what* to send and *how to read the venue's replies*:

==========================  ====================================================================
``exchange``, ``market``    names (``binance``, ``futures``) — the parser is found from them
``default_endpoints``       production :class:`Endpoints`
``limits``                  documented :class:`VenueLimits`, each field citing the doc
``fetch_instruments``       REST instrument list (default: GET ``instruments_path``, parse)
``stream_name``             instrument → the name to subscribe with
``subscribe_message`` …     subscribe / unsubscribe frames for a batch of names
``ping_message``            the venue's keep-alive probe (``None``: none)
``read_control``            non-trade frame → :data:`Control` (ack, rejection, pong, notice)
``backfill``                REST trades after a gap
``follows``                 does trade id B directly follow A (no trade between)? Saves REST calls
==========================  ====================================================================

Parsing of trade frames and REST payloads is **not** done here: it is the venue parser's job
(:mod:`wickwatch.market.venues`), reached as ``self.parser``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from wickwatch.market.connectors.config import Endpoints, VenueLimits
from wickwatch.market.connectors.rest import RestClient
from wickwatch.market.types import Instrument, Trade
from wickwatch.market.venues.base import VenueParser


class TradeSink(Protocol):
    """Where a feed delivers trades: the candle builder, or anything with these two methods.

    ``add`` receives every trade once (de-duplicated), per symbol in exchange order, backfilled
    trades before the live ones that follow them. ``mark_gap`` is called for a span of a symbol's
    trades that could not be recovered, so the candles it touches are marked incomplete.
    Both are called from the reader task: they must be quick and must not block.

    Optional, used when the sink has them (:class:`~wickwatch.market.candles.CandleBuilder`
    does): ``add_frame(trades)`` for a batch of one venue; ``hold(exchange, market, symbol,
    from_ms)`` when a symbol starts recovering (its connection dropped; ``from_ms`` is the last
    trade's exchange time) and ``release(exchange, market, symbol)`` once its backfill (or gap
    mark) was delivered, so that candles wait for the backfilled trades instead of closing.
    """

    def add(self, trade: Trade) -> object: ...

    def mark_gap(
        self, exchange: str, market: str, symbol: str, from_ms: int, to_ms: int
    ) -> object: ...


class FrameTap(Protocol):
    """Sees every frame of every connection (for recording): ``kind`` is ``connect`` (data = URL),
    ``sent``, ``received`` or ``closed`` (data = reason)."""

    def __call__(self, conn_id: str, kind: str, data: str | bytes, ts_ms: int) -> None: ...


# -- control frames --


@dataclass(frozen=True, slots=True)
class Ack:
    """A subscribe/unsubscribe request was accepted; ``names`` when the venue acks per stream."""

    req_id: str | None
    names: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Rejected:
    """A request was refused. ``names``: the refused streams when the venue says which (else the
    feed narrows it down by re-subscribing halves). ``limit``: refused for a rate/size limit.
    ``final``: no other answer will come for this request, so its other names were not
    subscribed either and are sent again (False for venues that answer per stream, like OKX)."""

    req_id: str | None
    reason: str
    names: tuple[str, ...] | None = None
    limit: bool = False
    final: bool = True


@dataclass(frozen=True, slots=True)
class Pong:
    """Answer to our keep-alive probe."""


@dataclass(frozen=True, slots=True)
class ServerNotice:
    """The server announced it will close this connection soon (maintenance): reconnect now."""

    reason: str


@dataclass(frozen=True, slots=True)
class Ignored:
    """A control frame that needs no action (info/welcome message)."""


Control = Ack | Rejected | Pong | ServerNotice | Ignored


# -- backfill --


@dataclass(frozen=True, slots=True)
class Since:
    """The last trade the feed saw of a symbol before a gap (``trade_id`` None: none seen; then
    ``ts_ms`` is when the connection was last known alive)."""

    trade_id: str | None
    ts_ms: int


@dataclass(frozen=True, slots=True)
class Until:
    """Where the live stream took over after the gap: its first trade (if one arrived yet) and
    the time the backfill started."""

    trade_id: str | None
    ts_ms: int


@dataclass(frozen=True, slots=True)
class Backfill:
    """Trades recovered over REST, oldest first, and the span that stayed missing (if any)."""

    trades: list[Trade]
    missing: tuple[int, int] | None = None


# -- the venue connector --


class VenueConnector:
    """Venue facts and hooks for one exchange × market. Subclass per venue and market.

    One instance serves one feed; it is created by the feed with the endpoints and the parser.
    """

    exchange: ClassVar[str]
    market: ClassVar[str]
    default_endpoints: ClassVar[Endpoints]
    limits: ClassVar[VenueLimits]
    #: REST path of the instrument list (used by the default :meth:`fetch_instruments`).
    instruments_path: ClassVar[str] = ""
    instruments_params: ClassVar[dict[str, str]] = {}
    instruments_weight: ClassVar[int] = 1
    #: Send :meth:`ping_message` every ``ping_interval_s`` even while data flows (Bybit asks
    #: for a fixed cadence); otherwise only after ``ping_interval_s`` without receiving anything.
    ping_always: ClassVar[bool] = False
    #: Trade ids are consecutive integers per symbol (:meth:`follows` can prove "no gap").
    consecutive_ids: ClassVar[bool] = False
    #: The venue pushes recent trades when a subscription starts (Bitget, Hyperliquid): after a
    #: reconnect the feed, as for ``consecutive_ids``, waits ``backfill_grace_s`` for that first
    #: push before asking REST (it may show, via :meth:`follows`, that nothing was missed).
    snapshot_on_subscribe: ClassVar[bool] = False
    #: WebSocket close codes with which the venue tells us we broke a limit.
    limit_close_codes: ClassVar[frozenset[int]] = frozenset()

    def __init__(
        self, endpoints: Endpoints, parser: VenueParser, log: logging.LoggerAdapter[Any]
    ) -> None:
        self.endpoints = endpoints
        self.parser = parser
        self.log = log
        self.max_pages = 20  #: REST pages per backfill (set from the feed's config)

    @property
    def name(self) -> str:
        return f"{self.exchange}_{self.market}"

    # -- REST --

    async def fetch_instruments(self, rest: RestClient) -> list[Instrument]:
        payload = await rest.get(
            self.instruments_path, self.instruments_params, weight=self.instruments_weight
        )
        return self.parser.parse_instruments(payload)

    async def backfill(self, rest: RestClient, symbol: str, since: Since, until: Until) -> Backfill:
        """Trades of ``symbol`` after ``since`` up to ``until`` (oldest first). Raise
        :class:`~.rest.RestUnavailable` when the venue does not answer; report what cannot be
        reached (depth or page limits) in :attr:`Backfill.missing`."""
        raise NotImplementedError

    def follows(self, prev_id: str, next_id: str) -> bool:
        """True when trade ``next_id`` is known to come right after ``prev_id`` (no trade in
        between), so no backfill is needed. Default: with ``consecutive_ids``, ``next = prev + 1``;
        otherwise unknown (False)."""
        if not self.consecutive_ids:
            return False
        try:
            return int(next_id) == int(prev_id) + 1
        except ValueError:
            return False

    # -- WebSocket --

    def connect_url(self) -> str:
        return self.endpoints.ws_url

    def stream_name(self, instrument: Instrument) -> str:
        raise NotImplementedError

    def request_chars(self, names: Sequence[str]) -> int:
        """Size of the args of a subscribe message, for ``limits.max_request_chars``."""
        return sum(len(name) + 3 for name in names)

    def subscribe_message(self, names: Sequence[str], req_id: str) -> str:
        raise NotImplementedError

    def unsubscribe_message(self, names: Sequence[str], req_id: str) -> str:
        raise NotImplementedError

    def ping_message(self) -> str | None:
        return None

    def read_control(self, frame: str | bytes) -> Control | None:
        """Recognise a frame that carries no trades. ``None``: not a control frame either (it is
        then counted as malformed)."""
        raise NotImplementedError
