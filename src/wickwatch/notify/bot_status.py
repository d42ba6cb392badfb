"""What the service bot's ``/status`` says beyond the chat's own state: the rules the account
watches with (a short summary of its settings document) and the last alerts the chat received.

Everything returned is Telegram HTML with the user's own text (group and strategy names)
escaped; the caller cuts the whole reply to Telegram's limit. English or Russian, like every
other bot reply.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from wickwatch.detection.schemas import ThresholdGroup, UserSettings, stored_settings
from wickwatch.notify.templates import (
    EXCHANGE_NAMES,
    EXCHANGE_SHORT,
    PRICE_KINDS,
    format_volume,
    placeholder_values,
)
from wickwatch.storage.expressions import dialect_of
from wickwatch.storage.models import Alert, AlertDelivery
from wickwatch.storage.statements import one_of
from wickwatch.usersettings.repository import SettingsRepository

#: Groups and strategies listed by name; the rest are counted.
MOST_GROUPS = 8
MOST_STRATEGIES = 10
LAST_ALERTS = 5

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "watching": "<b>Watching</b>",
        "all_off": "⏸ Spike alerts are switched off in your settings.",
        "feed_only": "Groups only feed strategies (their own alerts are off).",
        "group": "{where}: Δ ≥ {delta}% · vol ≥ {volume} · wick ≥ {wick}% · {window} s",
        "group_off": "{where}: off",
        "any_exchange": "any exchange",
        "spot": "spot",
        "futures": "futures",
        "any_quote": "any quote",
        "more_groups": "… and {n} more groups",
        "lists": "Whitelist: {white} · blacklist: {black}",
        "off": "off",
        "overrides": "Symbol overrides: {n}",
        "strategies": "Strategies: {names}",
        "none": "none",
        "feeds_off": "Feeds off: {feeds}",
        "last": "<b>Last alerts</b> ({timezone})",
        "no_alerts": "No alerts here yet.",
    },
    "ru": {
        "watching": "<b>Отслеживаю</b>",
        "all_off": "⏸ Сигналы о движениях выключены в настройках.",
        "feed_only": "Группы только для стратегий (их собственные сигналы выключены).",
        "group": "{where}: Δ ≥ {delta}% · объём ≥ {volume} · тень ≥ {wick}% · {window} с",
        "group_off": "{where}: выкл.",
        "any_exchange": "все биржи",
        "spot": "спот",
        "futures": "фьючерсы",
        "any_quote": "все котировки",
        "more_groups": "… и ещё групп: {n}",
        "lists": "Белый список: {white} · чёрный список: {black}",
        "off": "выкл.",
        "overrides": "Настройки монет: {n}",
        "strategies": "Стратегии: {names}",
        "none": "нет",
        "feeds_off": "Выключены рынки: {feeds}",
        "last": "<b>Последние сигналы</b> ({timezone})",
        "no_alerts": "Сюда пока не приходили сигналы.",
    },
}


async def user_settings(session: AsyncSession, user_id: int) -> UserSettings:
    """The account's settings document (the defaults when none is stored or it no longer
    validates, as the detection and the settings API do)."""
    row = await SettingsRepository(session).get(user_id)
    if row is None:
        return UserSettings()
    try:
        return stored_settings(row.document)
    except ValidationError:
        return UserSettings()


async def last_alerts(
    session: AsyncSession, channel_ids: Sequence[int], most: int = LAST_ALERTS
) -> list[Alert]:
    """The newest alerts sent to these channels (a digest counts each alert it carried)."""
    if not channel_ids:
        return []
    rows = await session.scalars(
        select(Alert)
        .join(AlertDelivery, AlertDelivery.alert_id == Alert.id)
        .where(
            one_of(AlertDelivery.channel_id, channel_ids, dialect_of(session)),
            AlertDelivery.status == "sent",
        )
        .order_by(Alert.ts_ms.desc(), Alert.id.desc())
        .limit(most)
    )
    return list(rows)


def _number(value: float) -> str:
    return f"{value:g}"


def _where(group: ThresholdGroup, words: dict[str, str]) -> str:
    """``Binance futures, USDT`` (``*`` in words), after the group's name when it has one."""
    exchange = words["any_exchange"] if group.exchange == "*" else EXCHANGE_NAMES[group.exchange]
    market = f"{words['spot']}+{words['futures']}" if group.market == "*" else words[group.market]
    quote = words["any_quote"] if group.quote == "*" else group.quote
    where = f"{exchange} {market}, {quote}"
    return escape(f"{group.name} ({where})" if group.name else where)


def rules_summary(settings: UserSettings, lang: str) -> list[str]:
    """Lines (HTML) saying what the account watches: its threshold groups (per exchange ×
    market × quote: min delta, volume, wick, window), list sizes and enabled strategies."""
    words = WORDS[lang]
    lines = [words["watching"]]
    if not settings.enabled:
        lines.append(words["all_off"])
    off = [
        f"{EXCHANGE_SHORT[name]}-{'S' if market == 'spot' else 'F'}"
        for name, switch in settings.switches.model_dump().items()
        for market, on in switch.items()
        if not on
    ]
    if off:
        lines.append(escape(words["feeds_off"].format(feeds=", ".join(off))))
    if not settings.threshold_alerts:
        lines.append(escape(words["feed_only"]))
    for group in settings.thresholds[:MOST_GROUPS]:
        where = _where(group, words)
        if not group.enabled:
            lines.append("• " + words["group_off"].format(where=where))
            continue
        lines.append(
            "• "
            + words["group"].format(
                where=where,
                delta=_number(group.min_delta_pct),
                volume=escape(format_volume(group.min_volume_usd, lang)),
                wick=_number(group.min_wick_pct),
                window=group.window_s,
            )
        )
    if len(settings.thresholds) > MOST_GROUPS:
        lines.append(words["more_groups"].format(n=len(settings.thresholds) - MOST_GROUPS))
    white = words["off"] if settings.whitelist is None else str(len(settings.whitelist))
    lines.append(words["lists"].format(white=white, black=len(settings.blacklist)))
    if settings.overrides:
        lines.append(words["overrides"].format(n=len(settings.overrides)))
    names = [s.name for s in settings.strategies if s.enabled]
    shown = ", ".join(escape(n) for n in names[:MOST_STRATEGIES])
    if len(names) > MOST_STRATEGIES:
        shown += f" +{len(names) - MOST_STRATEGIES}"
    lines.append(words["strategies"].format(names=shown or words["none"]))
    return lines


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America", a directory
        return ZoneInfo("UTC")


def local_time(when: datetime, timezone: str) -> str:
    """``2026-12-07 15:30 MSK``: a time shown to the chat in the account's timezone, with the
    zone's name (or offset) so that nobody has to guess."""
    local = when.astimezone(_zone(timezone))
    return f"{local:%Y-%m-%d %H:%M} {local:%Z}"


def alert_line(alert: Alert, timezone: str, lang: str) -> str:
    """``🟢 BTCUSDT Binance Futures +5.25% up · 01-02 03:04:05`` (HTML), time in ``timezone``."""
    values = {k: escape(v) for k, v in placeholder_values(alert, timezone, lang).items()}
    when = datetime.fromtimestamp(alert.ts_ms / 1000.0, tz=UTC).astimezone(_zone(timezone))
    if alert.kind in PRICE_KINDS:
        move = values["crossed"]
        icon = "🔔"
    else:
        move = f"{values['delta_formatted']} {values['direction']}"
        icon = values["direction_icon"]
    return (
        f"{icon} <b>{values['symbol']}</b> {values['exchange_market']} {move} · "
        f"{when:%m-%d %H:%M:%S}"
    )


def last_alerts_summary(alerts: Sequence[Alert], timezone: str, lang: str) -> list[str]:
    """Lines (HTML): a heading naming the timezone, then one line per alert, newest first."""
    words = WORDS[lang]
    lines = [words["last"].format(timezone=escape(timezone))]
    if not alerts:
        lines.append(words["no_alerts"])
    lines.extend(alert_line(alert, timezone, lang) for alert in alerts)
    return lines
