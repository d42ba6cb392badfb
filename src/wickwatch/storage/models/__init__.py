"""Every table of wickwatch; importing this module registers them all on ``Base.metadata``."""

from wickwatch.storage.models.alert import Alert, AlertDelivery
from wickwatch.storage.models.auth import AuthSession, Invite, RefreshToken
from wickwatch.storage.models.base import Base
from wickwatch.storage.models.channel import Channel
from wickwatch.storage.models.detection import MarketSpike, SpikeRecord
from wickwatch.storage.models.notify import NotifyRateSlot, SpikeChart, TelegramLinkCode
from wickwatch.storage.models.ops import ErrorLogEntry, ExchangeStats
from wickwatch.storage.models.price import PriceAlert, PriceCandle1m, SpikeCandle1s
from wickwatch.storage.models.user import User, UserSettings

__all__ = [
    "Alert",
    "AlertDelivery",
    "AuthSession",
    "Base",
    "Channel",
    "ErrorLogEntry",
    "ExchangeStats",
    "Invite",
    "MarketSpike",
    "NotifyRateSlot",
    "PriceAlert",
    "PriceCandle1m",
    "RefreshToken",
    "SpikeCandle1s",
    "SpikeChart",
    "SpikeRecord",
    "TelegramLinkCode",
    "User",
    "UserSettings",
]
