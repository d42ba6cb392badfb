"""The three small value objects a feed is built from: where to connect, the venue's limits, and
our own tunables.

* :class:`Endpoints` — REST and WebSocket base URLs. Every venue connector has production defaults;
  tests and the demo point them at a simulator on 127.0.0.1.
* :class:`VenueLimits` — what the exchange documents (streams per connection, messages per second,
  connections per window …). Each venue connector sets them as its ``limits`` class attribute with
  a comment citing the document; tests shrink them with :func:`dataclasses.replace`.
* :class:`FeedConfig` — our knobs: back-off, watchdog, stable period, pacing margin, backfill.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Base URLs of one exchange × market: ``rest_url`` without a trailing slash (paths are
    appended), ``ws_url`` the full WebSocket URL of the public stream."""

    rest_url: str
    ws_url: str


@dataclass(frozen=True, slots=True)
class VenueLimits:
    """Documented limits of a venue's public market-data API.

    ``None`` means "not documented / no limit"; the feed then only applies our own pacing.
    """

    #: Streams (topics, channels) one WebSocket connection may carry.
    streams_per_connection: int
    #: Stream names in one subscribe message.
    args_per_request: int
    #: Client → server messages (subscribe, unsubscribe, ping …) allowed per ``message_window_s``.
    messages_per_window: int
    message_window_s: float = 1.0
    #: Subscribe/unsubscribe requests per connection per ``subscribe_ops_window_s`` (``None``: only
    #: the message limit applies).
    subscribe_ops_per_window: int | None = None
    subscribe_ops_window_s: float = 3600.0
    #: New WebSocket connections per IP allowed per ``connect_window_s``.
    connects_per_window: int = 300
    connect_window_s: float = 300.0
    #: Open connections per IP (``None``: not documented). Feeds never open more.
    max_connections: int | None = None
    #: Total characters of the args of one subscribe message (``None``: not documented).
    max_request_chars: int | None = None
    #: Server-side lifetime of one connection, seconds (``None``: unlimited).
    max_lifetime_s: float | None = None
    #: REST budget: ``rest_weight_per_window`` units of weight per ``rest_window_s`` per IP.
    rest_weight_per_window: int = 1200
    rest_window_s: float = 60.0


@dataclass(frozen=True, slots=True)
class FeedConfig:
    """Our tunables for one feed. Defaults suit production; tests use short timers."""

    #: Reconnect back-off: ``backoff_base_s × 2**attempt`` capped at ``backoff_max_s``, with
    #: jitter (a random value in the upper half of that delay).
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    #: A connection that stayed live this long resets the back-off to its base.
    stable_after_s: float = 60.0
    #: After the venue closed us for a limit (429 / close code), wait at least this long.
    limit_cooldown_s: float = 30.0
    #: Send the venue's keep-alive probe when nothing was sent for this long (venues that want a
    #: fixed cadence, e.g. Bybit, send it every ``ping_interval_s`` regardless).
    ping_interval_s: float = 20.0
    #: Silence watchdog: a connection that received nothing (not even a pong) for this long is
    #: considered stalled and reconnected. Must exceed ``ping_interval_s`` + the pong round trip.
    silence_s: float = 50.0
    #: Planned reconnect this long before the server's connection lifetime ends (jittered by up
    #: to the same amount, so the connections of a feed don't all rotate at once).
    lifetime_margin_s: float = 900.0
    #: Fraction of each documented message/connect/REST budget we allow ourselves.
    pacing_margin: float = 0.6
    #: A subscribe message not acknowledged in this time is assumed accepted (and logged).
    ack_timeout_s: float = 10.0
    #: How often the instrument list is refreshed (new listings subscribed, delistings dropped).
    listing_refresh_s: float = 600.0
    #: Overrides the venue's documented :class:`VenueLimits` (tests: tiny limits).
    limits: VenueLimits | None = None
    #: Recent trade ids are kept for this long per symbol to drop duplicates (reconnect overlap,
    #: snapshot trades sent at subscribe time); trades older than this behind the newest trade
    #: seen are dropped as already processed.
    dedup_horizon_ms: int = 15_000
    #: After a reconnect, a symbol waits this long for its first live trade before its backfill
    #: is fetched: on venues with consecutive trade ids a first trade that follows the last one
    #: seen proves nothing was missed, which saves most REST calls after a reconnect.
    backfill_grace_s: float = 2.0
    #: Concurrent REST backfill requests of the feed.
    backfill_concurrency: int = 4
    #: REST pages fetched per symbol and gap at most; what is still missing is marked as a gap.
    backfill_max_pages: int = 20
    #: Live trades of a recovering symbol wait at most this long for its backfill; after that the
    #: gap is marked and the live trades flow on.
    backfill_wait_s: float = 20.0
    #: Timeout of one REST request.
    rest_timeout_s: float = 10.0
    #: A malformed frame is logged with a sample at most once per this period (all are counted).
    malformed_log_interval_s: float = 60.0
    #: Time windows of the live status (trades/s, candles/s, lag percentiles).
    status_window_s: int = 60
