"""Message templates: placeholders, escaping, Telegram HTML validation, safe truncation."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from tests.notify.conftest import Draft
from wickwatch.notify.templates import (
    CAPTION_LIMIT,
    DEFAULT_TEMPLATES,
    PLACEHOLDERS,
    TEXT_LIMIT,
    exchange_link,
    html_to_text,
    placeholder_values,
    render_alert,
    render_digest,
    render_html,
    render_text,
    telegram_html_problem,
    template_problem,
    truncate_html,
    visible_length,
)

ALERT = Draft(user_id=1)


def test_every_placeholder_has_a_value() -> None:
    values = placeholder_values(ALERT, "Europe/Berlin")
    assert set(PLACEHOLDERS) <= set(values)
    assert values["delta_formatted"] == "+5.25%"
    assert values["direction"] == "up"
    assert values["exchange_market"] == "Binance Futures"
    assert values["exchange_market_short"] == "BN-F"
    assert values["symbol"] == "BTCUSDT"
    assert values["volume_formatted"] == "$1.23M"
    assert values["wick_formatted"] == "12.5%"
    assert values["time"] == "2026-01-01 01:00:00 CET"  # the user's timezone
    assert values["timestamp"] == "2026-01-01T00:00:00Z"
    assert values["price"] == "64123.5"
    assert values["strategy"] == ""
    assert values["series_count"] == "1"
    assert values["folded_count"] == "0"
    assert values["link"] == "https://www.binance.com/en/futures/BTCUSDT"


def test_down_moves_small_prices_and_russian_words() -> None:
    alert = replace(ALERT, direction="down", price=Decimal("0.00001234"), volume_usd=None)
    values = placeholder_values(alert, "UTC", "ru")
    assert values["delta_formatted"] == "-5.25%"
    assert values["direction"] == "падение"
    assert values["exchange_market"] == "Binance Фьючерсы"
    assert values["price"] == "0.00001234"
    assert values["volume_formatted"] == "н/д"  # unknown USD volume, in the user's language
    assert placeholder_values(alert, "UTC", "en")["volume_formatted"] == "n/a"
    assert placeholder_values(replace(ALERT, price=2.5e-7))["price"] == "0.00000025"


@pytest.mark.parametrize(
    ("exchange", "market", "symbol", "base", "quote", "url"),
    [
        ("binance", "spot", "BTCUSDT", "BTC", "USDT", "https://www.binance.com/en/trade/BTC_USDT?type=spot"),
        ("binance", "futures", "BTCUSDT", "BTC", "USDT", "https://www.binance.com/en/futures/BTCUSDT"),
        ("bybit", "spot", "BTCUSDT", "BTC", "USDT", "https://www.bybit.com/en/trade/spot/BTC/USDT"),
        ("bybit", "futures", "BTCUSDT", "BTC", "USDT", "https://www.bybit.com/trade/usdt/BTCUSDT"),
        ("okx", "spot", "BTC-USDT", "BTC", "USDT", "https://www.okx.com/trade-spot/btc-usdt"),
        ("okx", "futures", "BTC-USDT-SWAP", "BTC", "USDT", "https://www.okx.com/trade-swap/btc-usdt-swap"),
        ("bitget", "spot", "BTCUSDT", "BTC", "USDT", "https://www.bitget.com/spot/BTCUSDT"),
        ("bitget", "futures", "BTCUSDT", "BTC", "USDT", "https://www.bitget.com/futures/usdt/BTCUSDT"),
        ("gate", "spot", "BTC_USDT", "BTC", "USDT", "https://www.gate.io/trade/BTC_USDT"),
        ("gate", "futures", "BTC_USDT", "BTC", "USDT", "https://www.gate.io/futures/USDT/BTC_USDT"),
        ("hyperliquid", "spot", "@107", "HYPE", "USDC", "https://app.hyperliquid.xyz/trade/HYPE/USDC"),
        ("hyperliquid", "futures", "BTC", "BTC", "USDC", "https://app.hyperliquid.xyz/trade/BTC"),
    ],
)  # fmt: skip
def test_exchange_links(
    exchange: str, market: str, symbol: str, base: str, quote: str, url: str
) -> None:
    assert exchange_link(exchange, market, symbol, base, quote) == url


def test_a_hyperliquid_spot_pair_is_named_by_its_tokens_in_messages() -> None:
    """``@107`` is Hyperliquid's wire name of HYPE/USDC: a trader reads the tokens."""
    hype = replace(ALERT, exchange="hyperliquid", market="spot", symbol="@107", base="HYPE",
                   quote="USDC")  # fmt: skip
    assert render_text(hype, "{symbol} {link}") == (
        "HYPE/USDC https://app.hyperliquid.xyz/trade/HYPE/USDC"
    )
    assert "HYPE/USDC" in render_digest([hype, hype]).text
    unresolved = replace(hype, base="@107", quote="")  # listing not known: the wire name
    assert render_text(unresolved, "{symbol}") == "@107"
    assert render_text(replace(ALERT, symbol="BTCUSDT"), "{symbol}") == "BTCUSDT"


def test_values_are_html_escaped() -> None:
    alert = replace(ALERT, symbol="<b>X&Y</b>", strategy='"quoted" <i>')
    text = render_html(alert, "<b>{symbol}</b> {strategy}")
    assert text == "<b>&lt;b&gt;X&amp;Y&lt;/b&gt;</b> &quot;quoted&quot; &lt;i&gt;"
    assert telegram_html_problem(text) is None
    assert html_to_text(text) == '<b>X&Y</b> "quoted" <i>'


def test_link_placeholder_inside_href() -> None:
    alert = replace(ALERT, market="spot", symbol="BTCUSDT")
    text = render_html(alert, '<a href="{link}">{symbol}</a>')
    assert text == '<a href="https://www.binance.com/en/trade/BTC_USDT?type=spot">BTCUSDT</a>'
    assert html_to_text(text) == "BTCUSDT (https://www.binance.com/en/trade/BTC_USDT?type=spot)"


def test_default_templates_are_valid_and_localised() -> None:
    for template in DEFAULT_TEMPLATES.values():
        assert template_problem(template) is None
    english = render_html(ALERT, None, "UTC", "en")
    russian = render_html(ALERT, None, "UTC", "ru")
    assert english.startswith("⚡ <b>BTCUSDT</b> +5.25% up · Binance Futures")
    assert "Открыть на бирже" in russian and "Тень 12.5%" in russian
    assert russian.encode("utf-8").decode("utf-8") == russian


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("{symbol} {nope}", "unknown placeholder {nope}"),
        ("{symbol.__class__}", "unknown placeholder"),
        ("{price:>10}", "takes no format spec"),
        ("{symbol", "malformed template"),
        ("<b>{symbol}", "<b> is never closed"),
        ("<b><i>{symbol}</b></i>", "</b> at character 15 closes <i>"),
        ("<div>{symbol}</div>", "tag <div>"),
        ("{symbol} < 5", "unescaped '<'"),
        ("A & B {symbol}", "unescaped '&'"),
        ("&nbsp;{symbol}", "unknown entity &nbsp;"),
        ('<a title="x">{symbol}</a>', "cannot have attribute 'title'"),
        ("<a>{symbol}</a>", "needs href"),
        ('<span class="red">{symbol}</span>', 'must be <span class="tg-spoiler">'),
        ("<code><b>{symbol}</b></code>", "<b> at character 7 cannot be inside <code>"),
        ("</b>{symbol}", "closes nothing"),
    ],
)
def test_invalid_templates_say_why(template: str, reason: str) -> None:
    problem = template_problem(template)
    assert problem is not None and reason in problem, problem


@pytest.mark.parametrize(
    "template",
    [
        "{symbol} {delta_formatted}",
        '<b>{symbol}</b> <i>{direction}</i> <a href="{link}">chart</a>',
        '<pre><code class="language-text">{symbol}</code></pre> &lt;3 &amp; &#128640; &#x1F680;',
        '<tg-spoiler>{price}</tg-spoiler> <span class="tg-spoiler">x</span> > 5',
        "<blockquote expandable>{time}</blockquote> <u>{wick_formatted}</u> <s>x</s>",
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> {{literal braces}}',
    ],
)
def test_valid_templates(template: str) -> None:
    assert template_problem(template) is None
    assert telegram_html_problem(render_html(ALERT, template)) is None


def test_a_stored_invalid_template_is_sent_as_escaped_text() -> None:
    text = render_html(ALERT, "{symbol} <3 <b>bold")
    assert telegram_html_problem(text) is None
    assert text == "BTCUSDT &lt;3 &lt;b&gt;bold"


def test_unknown_placeholder_in_a_stored_template_falls_back_to_the_default() -> None:
    assert render_html(ALERT, "{gone}", "UTC", "en") == render_html(ALERT, None, "UTC", "en")


def test_visible_length_counts_like_telegram() -> None:
    assert visible_length('<b>ab</b> &amp; <a href="https://x.y">c</a>') == 6
    assert visible_length("😀") == 2  # UTF-16 units
    assert visible_length("é") == 1


def test_short_text_is_not_truncated() -> None:
    assert truncate_html("<b>hi</b>", 10) == "<b>hi</b>"


def test_truncation_never_breaks_tags_or_entities() -> None:
    text = (
        "<b>"
        + ("word &amp; " * 1000)
        + "</b>"
        + '<a href="https://example.com/?a=1&amp;b=2">end</a>'
    )
    for limit in (TEXT_LIMIT, CAPTION_LIMIT, 37, 5):
        cut = truncate_html(text, limit)
        assert visible_length(cut) <= limit
        assert telegram_html_problem(cut) is None, cut
        assert cut.endswith("…</b>")


def test_truncation_prefers_a_space_and_closes_tags_in_order() -> None:
    text = "<b><i>" + "alpha beta gamma delta" + "</i></b>"
    cut = truncate_html(text, 15)
    assert cut == "<b><i>alpha beta…</i></b>"


def test_truncation_counts_emoji_as_two() -> None:
    cut = truncate_html("😀" * 10, 7)
    assert cut == "😀😀😀…"
    assert visible_length(cut) == 7


def test_truncation_counts_an_astral_character_reference_as_two() -> None:
    """``&#128512;`` is one emoji, two UTF-16 units for Telegram: counted as one, a cut
    message could exceed the limit."""
    text = "&#128512;" * 10
    cut = truncate_html(text, 7)
    assert cut == "&#128512;" * 3 + "…"
    assert visible_length(cut) == 7
    long = "<b>" + "ab &#x1F600; &amp; " * 1000 + "</b>"
    for limit in (TEXT_LIMIT, 100, 8):
        cut = truncate_html(long, limit)
        assert visible_length(cut) <= limit
        assert telegram_html_problem(cut) is None, cut


def test_render_alert_forms() -> None:
    rendered = render_alert(ALERT, "<b>{symbol}</b> {delta_formatted}", "UTC", "en", alert_id=7)
    assert rendered.html == "<b>BTCUSDT</b> +5.25%"
    assert rendered.text == "BTCUSDT +5.25%"
    assert rendered.subject == "BTCUSDT +5.25% on Binance Futures"
    alert = rendered.payload["alert"]
    assert rendered.payload["type"] == "alert"
    assert alert["id"] == 7 and alert["price"] == "64123.5" and alert["volume_usd"] == "1234567"
    assert alert["text"] == "BTCUSDT +5.25%"


def test_digest_lists_each_alert_and_fits_the_limit() -> None:
    alerts = [
        replace(ALERT, symbol=f"C{i}USDT", base=f"C{i}", ts_ms=ALERT.ts_ms + i) for i in range(5)
    ]
    digest = render_digest(alerts, "UTC", "en", alert_ids=[1, 2, 3, 4, 5])
    assert digest.count == 5
    assert digest.html.startswith("⚡ <b>5 alerts</b>\n")
    assert digest.html.count("\n") == 5
    assert "C4USDT" in digest.text
    assert digest.subject == "5 alerts: C0USDT, C1USDT, C2USDT +2"
    assert [a["id"] for a in digest.payload["alerts"]] == [1, 2, 3, 4, 5]
    many = [replace(ALERT, symbol=f"C{i}USDT") for i in range(500)]
    big = render_digest(many, "UTC", "ru", limit=TEXT_LIMIT)
    assert visible_length(big.html) <= TEXT_LIMIT
    assert telegram_html_problem(big.html) is None
    assert big.html.startswith("⚡ <b>Сигналов: 500</b>")
    assert "и ещё" in big.html
    ranked = [replace(ALERT, symbol=s, delta_pct=d) for s, d in (("A", 1), ("B", 9), ("B", 1))]
    assert render_digest(ranked, "UTC", "en").subject == "3 alerts: B, A"


def test_a_placeholder_in_an_unquoted_attribute_is_refused() -> None:
    """``<a href={link}>``: a Binance spot link holds ``?type=spot``, which breaks an unquoted
    attribute; the whole message then went out escaped. Refused at save; quoted is fine."""
    problem = template_problem("<a href={link}>{symbol}</a>")
    assert problem is not None and "Telegram HTML" in problem
    assert template_problem('<a href="{link}">{symbol}</a>') is None


def test_a_digest_line_is_in_its_own_users_zone_and_says_so_when_zones_or_days_differ() -> None:
    """A group chat gets several accounts' alerts in one digest: every line was written in the
    first alert's zone, with no date or zone (a Moscow user's 03:00:02 read 19:00:02)."""
    new_york = replace(ALERT, symbol="AUSDT", base="A", timezone="America/New_York")
    moscow = replace(
        ALERT, symbol="BUSDT", base="B", timezone="Europe/Moscow", ts_ms=ALERT.ts_ms + 2000
    )
    digest = render_digest([new_york, moscow], new_york.timezone, "en")
    assert "AUSDT</a></b> +5.25% · 31.12 19:00:00 EST" in digest.html
    assert "BUSDT</a></b> +5.25% · 01.01 03:00:02 MSK" in digest.html
    # one zone and one day: the clock alone, as before
    same = render_digest([moscow, replace(moscow, symbol="CUSDT", base="C")], "UTC", "en")
    assert same.html.count("· 03:00:02") == 2 and "MSK" not in same.html


def test_a_price_band_alert_in_a_digest_says_which_edge_it_crossed() -> None:
    """It read as a +0.05 % spike."""
    from tests.notify.test_price_messages import ABOVE

    digest = render_digest([ABOVE, ALERT], "UTC", "en")
    assert "BTCUSDT</a></b> above your max 110000 · 00:00:00" in digest.html
    assert "BTCUSDT</a></b> +5.25% · 00:00:00" in digest.html


@pytest.mark.parametrize(
    ("usd", "shown"),
    [
        (998.4, "$998"),
        (999.6, "$1.00K"),
        (999_994.0, "$999.99K"),
        (999_999.0, "$1.00M"),
        (999_999_999.0, "$1.00B"),
        (1_234_567.0, "$1.23M"),
    ],
)
def test_a_volume_never_reads_1000_of_a_unit(usd: float, shown: str) -> None:
    assert placeholder_values(replace(ALERT, volume_usd=usd))["volume_formatted"] == shown


def test_a_digest_subject_names_hyperliquid_spot_pairs_by_their_tokens() -> None:
    hype = replace(ALERT, exchange="hyperliquid", market="spot", symbol="@107", base="HYPE",
                   quote="USDC")  # fmt: skip
    assert render_digest([hype, hype], "UTC", "en").subject == "2 alerts: HYPE/USDC"
    assert render_digest([hype, ALERT], "UTC", "ru").subject == "Сигналов: 2 — BTCUSDT, HYPE/USDC"


def test_the_untouched_default_template_speaks_the_channels_language() -> None:
    """A Russian-speaking user who never edited the template got English words around the
    Russian direction ("+5.25% рост · wick 12.5% · vol …")."""
    from wickwatch.notify.templates import DEFAULT_TEMPLATE

    ru = render_alert(ALERT, DEFAULT_TEMPLATE, "Europe/Moscow", "ru").text
    assert ru.startswith("BN-F BTCUSDT +5.25% рост · тень 12.5% · объём $1.23M · 64123.5 · ")
    en = render_alert(ALERT, DEFAULT_TEMPLATE, "UTC", "en").text
    assert en.startswith("BN-F BTCUSDT +5.25% up · wick 12.5% · vol $1.23M · 64123.5 · ")
    edited = DEFAULT_TEMPLATE.replace("vol ", "Vol ")  # a user's own words stay theirs
    assert "wick 12.5% · Vol $1.23M" in render_alert(ALERT, edited, "UTC", "ru").text
