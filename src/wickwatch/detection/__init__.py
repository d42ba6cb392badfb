"""Detection: closed 1-second candles + users' rules → alert drafts; price bands.

Public surface::

    detector = Detector()                         # optional: history=, rates=, resolver=
    detector.update_user(user_id, UserSettings.model_validate_json(doc))
    drafts = detector.on_candle(candle)           # Sequence[AlertDraft]
    detector.remove_user(user_id)

    bands = PriceBandMonitor()
    bands.set_band(user_id, band_id, PriceBand(coin="BTC", max_price=100_000))
    band_alerts = bands.on_candle(candle)

Semantics (metrics, windows and de-duplication, precedence, USD conversion) are documented in
``docs/detection.md`` and the module docstrings.
"""

from wickwatch.detection.detector import Detector
from wickwatch.detection.drafts import AlertDraft
from wickwatch.detection.metrics import SpikeMetrics, candle_metrics, window_metrics
from wickwatch.detection.price_bands import (
    LatestPrices,
    PriceBand,
    PriceBandAlert,
    PriceBandMonitor,
)
from wickwatch.detection.quotes import QuoteRates
from wickwatch.detection.schemas import (
    MarketSwitches,
    Strategy,
    SymbolOverride,
    ThresholdGroup,
    UserSettings,
    default_settings,
)
from wickwatch.detection.series import InMemorySpikeHistory, SeriesKey, SpikeHistory
from wickwatch.detection.symbols import STABLE_QUOTES, SymbolResolver, split_symbol
from wickwatch.notify.templates import PLACEHOLDERS, validate_template

__all__ = [
    "PLACEHOLDERS",
    "STABLE_QUOTES",
    "AlertDraft",
    "Detector",
    "InMemorySpikeHistory",
    "LatestPrices",
    "MarketSwitches",
    "PriceBand",
    "PriceBandAlert",
    "PriceBandMonitor",
    "QuoteRates",
    "SeriesKey",
    "SpikeHistory",
    "SpikeMetrics",
    "Strategy",
    "SymbolOverride",
    "SymbolResolver",
    "ThresholdGroup",
    "UserSettings",
    "candle_metrics",
    "default_settings",
    "split_symbol",
    "validate_template",
    "window_metrics",
]
