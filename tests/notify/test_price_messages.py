"""Price-band alerts have their own message (whatever the user's spike template), in the user's
language; settings templates are validated by the same code that renders them."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest
from pydantic import ValidationError

from tests.notify.conftest import Draft
from wickwatch.detection import UserSettings
from wickwatch.notify.templates import render_alert, render_text


@dataclass(frozen=True)
class PriceDraft(Draft):
    kind: str = "above_max"


ABOVE = PriceDraft(
    user_id=1, symbol="BTCUSDT", market="spot", price=110_250.5, rule="max 110000",
    template="{symbol} {delta_formatted} wick {wick_formatted}",
)  # fmt: skip


def test_price_alert_messages_name_the_edge_in_the_users_language() -> None:
    en = render_alert(ABOVE, ABOVE.template, "UTC", "en")
    assert en.html.startswith("🔔 <b>BTCUSDT</b> above your max 110000 · Binance Spot\n")
    assert "Price 110250.5 · 2026-01-01 00:00:00 UTC" in en.text
    assert en.subject == "BTCUSDT above your max 110000"
    assert en.payload["alert"]["kind"] == "above_max"
    below = replace(ABOVE, kind="below_min", rule="min 90000", direction="down")
    ru = render_alert(below, None, "Europe/Moscow", "ru")
    assert "ниже вашего минимума 90000" in ru.text and "Цена 110250.5" in ru.text
    assert render_text(below, "{symbol}").startswith("🔔 BTCUSDT below your min 90000")


def test_spike_messages_are_unchanged_by_price_kinds() -> None:
    spike = Draft(user_id=1, template="{symbol} {volume_formatted}", volume_usd=None)
    assert render_text(spike, spike.template, "UTC", "ru") == "BTCUSDT н/д"
    assert render_alert(spike, spike.template).payload["alert"]["kind"] == "spike"


def test_saved_templates_must_be_valid_telegram_html() -> None:
    with pytest.raises(ValidationError, match="not valid Telegram HTML"):
        UserSettings(message_template="<b>{symbol}")
    ok = UserSettings(message_template="<b>{symbol}</b> {delta_formatted}")
    assert ok.message_template == "<b>{symbol}</b> {delta_formatted}"
