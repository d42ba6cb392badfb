"""Small things a recipient sees: the chart's title, a muted Hyperliquid pair, the sender of a
user's own SMTP server, the plain-text fallback of a Telegram message."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from tests.notify.conftest import Draft
from wickwatch.notify.base import Delivery
from wickwatch.notify.charts import Bar, chart_spec
from wickwatch.notify.dispatcher import muted_until
from wickwatch.notify.email import EmailNotifier
from wickwatch.notify.telegram import _plain
from wickwatch.notify.templates import CAPTION_LIMIT, html_to_text, visible_length

HYPE = Draft(
    user_id=1, exchange="hyperliquid", market="spot", symbol="@107", base="HYPE", quote="USDC",
    direction="down", delta_pct=4.2, price=0.00000123,
)  # fmt: skip


def test_the_chart_title_signs_the_move_by_its_direction_and_names_the_pair() -> None:
    """It said "@107 … DOWN +4.20% at 1.23e-06"."""
    bars = [Bar(HYPE.ts_ms, 1e-6, 1.3e-6, 1e-6, 1.2e-6)]
    title = chart_spec(HYPE, bars).title
    assert title.startswith("HYPE/USDC  Hyperliquid spot  DOWN -4.20%  at 0.00000123  ")
    assert "UP +5.25%" in chart_spec(Draft(user_id=1), bars).title


def test_a_mute_of_the_pair_as_messages_name_it_holds_for_hyperliquid_spot() -> None:
    """``/mute HYPE/USDC`` was confirmed by the bot and never applied (the alert is ``@107``)."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    mutes = {"mutes": {"HYPE/USDC": "2026-01-01T01:00:00+00:00"}}
    assert muted_until(mutes, HYPE, now) == datetime(2026, 1, 1, 1, tzinfo=UTC)  # type: ignore[arg-type]
    assert muted_until(mutes, replace(HYPE, symbol="@108", base="PURR"), now) is None  # type: ignore[arg-type]


def _delivery(smtp: dict[str, object]) -> Delivery:
    return Delivery(
        id=1, alert_id=1, user_id=1, channel="email", destination="me@example.com",
        idempotency_key="k", attempts=0, config={"address": "me@example.com", "smtp": smtp},
        secret="pw",
    )  # fmt: skip


def test_a_login_that_is_not_an_address_is_never_the_sender() -> None:
    """SendGrid's login is ``apikey``: "From: apikey" is refused or lands in spam."""
    notifier = EmailNotifier()
    server = notifier.server_for(_delivery({"host": "smtp.sendgrid.net", "username": "apikey"}))
    assert server is not None and server.sender == "me@example.com"
    own = notifier.server_for(
        _delivery({"host": "smtp.example.com", "username": "bot@example.com"})
    )
    assert own is not None and own.sender == "bot@example.com"


def test_the_plain_text_fallback_fits_telegrams_caption_limit() -> None:
    """Cut as HTML, then converted, each link's address was added: 1,106 characters of 1,024."""
    links = "\n".join(
        f'<a href="https://www.binance.com/en/futures/C{i}USDT">C{i}USDT</a>' for i in range(60)
    )
    text = _plain(links, CAPTION_LIMIT)
    assert len(text.encode("utf-16-le")) // 2 <= CAPTION_LIMIT
    assert text.startswith("C0USDT (https://www.binance.com/en/futures/C0USDT)")
    # as HTML it fits (nothing was cut), as text it does not: the old order sent all of it
    assert visible_length(links) <= CAPTION_LIMIT < len(html_to_text(links))
