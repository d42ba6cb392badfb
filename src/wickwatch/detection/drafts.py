"""What the detector produces: one :class:`AlertDraft` per user × rule × spike.

Persisting it (``alerts`` row + delivery outbox) and sending it are later stages; the draft carries
everything they need, including the template and timezone to render the message with (rendering
belongs to delivery: :mod:`wickwatch.notify.templates`).
"""

from __future__ import annotations

import msgspec

from wickwatch.notify.templates import render_text


class AlertDraft(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """A spike that matched one of a user's rules (after de-duplication and cooldown).

    Encoded as an array (``array_like``): the collector journals every draft before it is
    stored (roles/spill.py), ten thousand of them for a crowded spike, and field names were
    40 % of those bytes and of the time spent encoding them."""

    user_id: int
    exchange: str
    market: str
    symbol: str
    base: str
    quote: str
    ts_ms: int  #: start of the newest second of the window (the candle that closed it)
    window_s: int  #: the window covers ``[ts_ms - (window_s - 1) s, ts_ms + 1 s)``
    direction: str  #: ``up`` / ``down``
    delta_pct: float
    wick_pct: float
    volume_usd: float | None  #: None = quote's USD rate unknown (only rules without min volume)
    price: float  #: close of the newest candle
    rule: str  #: threshold group label, ``override SYMBOL`` or the strategy name
    strategy: str | None
    destinations: tuple[str, ...]
    series_count: int  #: spikes in the strategy's series period (1 without a series condition)
    folded_count: int  #: repeats folded into this alert by the cooldown since the last one
    chart: bool
    template: str
    timezone: str

    def message(self) -> str:
        """The alert as plain text, rendered with the user's template and timezone."""
        return render_text(self, self.template, self.timezone)

    def to_record(self) -> dict[str, object]:
        """Plain JSON-able dict (without template/timezone), e.g. for ``--alerts-out``."""
        return {
            "ts_ms": self.ts_ms,
            "user_id": self.user_id,
            "exchange": self.exchange,
            "market": self.market,
            "symbol": self.symbol,
            "base": self.base,
            "quote": self.quote,
            "window_s": self.window_s,
            "direction": self.direction,
            "delta_pct": self.delta_pct,
            "wick_pct": self.wick_pct,
            "volume_usd": self.volume_usd,
            "price": self.price,
            "rule": self.rule,
            "strategy": self.strategy,
            "destinations": list(self.destinations),
            "series_count": self.series_count,
            "folded_count": self.folded_count,
            "chart": self.chart,
        }
