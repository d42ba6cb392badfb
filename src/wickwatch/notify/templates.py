"""Alert messages: placeholders, default templates, Telegram HTML validation and safe truncation.

The one place that renders alert messages: delivery renders here, and detection uses
:func:`validate_template` (settings documents) and :func:`render_text` (``AlertDraft.message``,
``wickwatch replay --alerts-out``).

A template is Telegram-flavoured HTML with ``{placeholder}`` fields (``{{``/``}}`` for braces).
Every value is HTML-escaped before it is put in, so a symbol or strategy name can never inject
markup; the template's own markup is checked when the template is saved
(:func:`template_problem` returns the reason for the API's 422) and again before sending (a stored
template that is not valid Telegram HTML is sent as escaped text rather than failing).

One alert renders into every channel's form (:class:`Rendered`): Telegram HTML, plain text, an
e-mail subject and HTML body, and the JSON a webhook receives. A burst for one chat renders as one
digest (:func:`render_digest`). Texts are cut to Telegram's limits (4096 characters of text, 1024
of a photo caption, counted like Telegram after entity parsing, in UTF-16 units) between tags and
entities, with every open tag closed.
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ELLIPSIS = "…"

PLACEHOLDERS: tuple[str, ...] = (
    "delta_formatted",
    "direction",
    "exchange_market",
    "exchange_market_short",
    "symbol",
    "volume_formatted",
    "wick_formatted",
    "time",
    "timestamp",
    "price",
    "strategy",
    "series_count",
    "folded_count",
    "link",
)
_KNOWN = frozenset(PLACEHOLDERS)

#: The ``message_template`` of a new settings document.
DEFAULT_TEMPLATE = (
    "{exchange_market_short} {symbol} {delta_formatted} {direction} · wick {wick_formatted} · "
    "vol {volume_formatted} · {price} · {time}"
)

#: ``alerts.kind`` of price-band alerts; they have their own message, whatever the template.
PRICE_KINDS = frozenset({"above_max", "below_min"})
PRICE_TEMPLATES: dict[str, str] = {
    "en": (
        "🔔 <b>{symbol}</b> {crossed} · {exchange_market}\n"
        "Price {price} · {time}\n"
        '<a href="{link}">Open on the exchange</a>'
    ),
    "ru": (
        "🔔 <b>{symbol}</b> {crossed} · {exchange_market}\n"
        "Цена {price} · {time}\n"
        '<a href="{link}">Открыть на бирже</a>'
    ),
}

#: The settings document's default template in each language: a user who never edited it
#: gets its words in the language of the channel (it was English words around Russian ones).
PLAIN_TEMPLATES: dict[str, str] = {
    "en": DEFAULT_TEMPLATE,
    "ru": (
        "{exchange_market_short} {symbol} {delta_formatted} {direction} · тень {wick_formatted} · "
        "объём {volume_formatted} · {price} · {time}"
    ),
}

DEFAULT_TEMPLATES: dict[str, str] = {
    "en": (
        "⚡ <b>{symbol}</b> {delta_formatted} {direction} · {exchange_market}\n"
        "Wick {wick_formatted} · Volume {volume_formatted}\n"
        "Price {price} · {time}\n"
        '<a href="{link}">Open on the exchange</a>'
    ),
    "ru": (
        "⚡ <b>{symbol}</b> {delta_formatted} {direction} · {exchange_market}\n"
        "Тень {wick_formatted} · Объём {volume_formatted}\n"
        "Цена {price} · {time}\n"
        '<a href="{link}">Открыть на бирже</a>'
    ),
}

EXCHANGE_NAMES = {
    "binance": "Binance",
    "bybit": "Bybit",
    "okx": "OKX",
    "bitget": "Bitget",
    "gate": "Gate",
    "hyperliquid": "Hyperliquid",
}
EXCHANGE_SHORT = {
    "binance": "BN",
    "bybit": "BB",
    "okx": "OKX",
    "bitget": "BG",
    "gate": "GT",
    "hyperliquid": "HL",
}
_WORDS = {
    "en": {
        "up": "up",
        "down": "down",
        "spot": "Spot",
        "futures": "Futures",
        "digest": "{n} alerts",
        "more": "and {n} more",
        "subject": "{symbol} {delta} on {exchange}",
        "digest_subject": "{n} alerts: {symbols}",
        "n/a": "n/a",
        "above_max": "above your max {edge}",
        "below_min": "below your min {edge}",
        "price_subject": "{symbol} {crossed}",
    },
    "ru": {
        "up": "рост",
        "down": "падение",
        "spot": "Спот",
        "futures": "Фьючерсы",
        "digest": "Сигналов: {n}",
        "more": "и ещё {n}",
        "subject": "{symbol} {delta} на {exchange}",
        "digest_subject": "Сигналов: {n} — {symbols}",
        "n/a": "н/д",
        "above_max": "выше вашего максимума {edge}",
        "below_min": "ниже вашего минимума {edge}",
        "price_subject": "{symbol} {crossed}",
    },
}


class AlertLike(Protocol):
    """What rendering reads from an alert (an ``Alert`` row or a detection ``AlertDraft``)."""

    @property
    def exchange(self) -> str: ...
    @property
    def market(self) -> str: ...
    @property
    def symbol(self) -> str: ...
    @property
    def base(self) -> str: ...
    @property
    def quote(self) -> str: ...
    @property
    def ts_ms(self) -> int: ...
    @property
    def direction(self) -> str: ...
    @property
    def delta_pct(self) -> float: ...
    @property
    def wick_pct(self) -> float: ...
    @property
    def volume_usd(self) -> Decimal | float | None: ...
    @property
    def price(self) -> Decimal | float: ...
    @property
    def strategy(self) -> str | None: ...
    @property
    def series_count(self) -> int: ...
    @property
    def folded_count(self) -> int: ...


# --- values ----------------------------------------------------------------------------------


def exchange_link(exchange: str, market: str, symbol: str, base: str, quote: str) -> str:
    """The pair's trading page on its exchange (empty for an unknown exchange)."""
    futures = market == "futures"
    if exchange == "binance":
        if futures:
            return f"https://www.binance.com/en/futures/{symbol}"
        return f"https://www.binance.com/en/trade/{base}_{quote}?type=spot"
    if exchange == "bybit":
        if futures:
            return f"https://www.bybit.com/trade/usdt/{symbol}"
        return f"https://www.bybit.com/en/trade/spot/{base}/{quote}"
    if exchange == "okx":
        if futures:
            return f"https://www.okx.com/trade-swap/{base.lower()}-{quote.lower()}-swap"
        return f"https://www.okx.com/trade-spot/{base.lower()}-{quote.lower()}"
    if exchange == "bitget":
        if futures:
            return f"https://www.bitget.com/futures/usdt/{base}{quote}"
        return f"https://www.bitget.com/spot/{base}{quote}"
    if exchange == "gate":
        if futures:
            return f"https://www.gate.io/futures/{quote}/{base}_{quote}"
        return f"https://www.gate.io/trade/{base}_{quote}"
    if exchange == "hyperliquid":
        if futures:
            return f"https://app.hyperliquid.xyz/trade/{base}"
        return f"https://app.hyperliquid.xyz/trade/{base}/{quote}"
    return ""


def format_volume(usd: Decimal | float | None, locale: str | None = "en") -> str:
    """``$1.23M``; "n/a" (translated) when the USD volume is unknown."""
    if usd is None:
        return _WORDS[_locale(locale)]["n/a"]
    value = float(usd)
    # Each unit from where the smaller one would print 1000: 999,999 is $1.00M, not $1000.00K.
    for limit, suffix, starts in ((1e9, "B", 999_995_000), (1e6, "M", 999_995), (1e3, "K", 999.5)):
        if value >= starts:
            return f"${value / limit:.2f}{suffix}"
    return f"${value:.0f}"


def format_price(price: Decimal | float) -> str:
    """Every significant digit, never an exponent (``0.00001234``, ``64123.5``)."""
    number = price if isinstance(price, Decimal) else Decimal(repr(float(price)))
    text = format(number.normalize(), "f")
    return text


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America", a directory
        return ZoneInfo("UTC")


def _locale(locale: str | None) -> str:
    return "ru" if (locale or "").lower().startswith("ru") else "en"


def display_symbol(symbol: str, base: str, quote: str) -> str:
    """The symbol as a trader reads it: Hyperliquid spot pairs are named by index on the wire
    (``@107``), which says nothing in a message — they are shown as their tokens
    (``HYPE/USDC``); every other venue's symbol as the exchange writes it."""
    if symbol.startswith("@") and base and quote and not base.startswith("@"):
        return f"{base}/{quote}"
    return symbol


def placeholder_values(
    alert: AlertLike, timezone: str | None = "UTC", locale: str | None = "en"
) -> dict[str, str]:
    """Every placeholder's value for ``alert``, as plain (unescaped) text."""
    words = _WORDS[_locale(locale)]
    when = datetime.fromtimestamp(alert.ts_ms / 1000.0, tz=UTC)
    local = when.astimezone(_zone(timezone))
    up = alert.direction == "up"
    return {
        "delta_formatted": f"{'+' if up else '-'}{abs(alert.delta_pct):.2f}%",
        "direction": words["up"] if up else words["down"],
        "direction_icon": "🟢" if up else "🔴",
        "exchange_market": f"{EXCHANGE_NAMES.get(alert.exchange, alert.exchange)} "
        f"{words.get(alert.market, alert.market)}",
        "exchange_market_short": f"{EXCHANGE_SHORT.get(alert.exchange, alert.exchange)}-"
        f"{'F' if alert.market == 'futures' else 'S'}",
        "symbol": display_symbol(alert.symbol, alert.base, alert.quote),
        "volume_formatted": format_volume(alert.volume_usd, locale),
        "wick_formatted": f"{alert.wick_pct:.1f}%",
        "time": local.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "price": format_price(alert.price),
        "strategy": alert.strategy or "",
        "series_count": str(alert.series_count),
        "folded_count": str(alert.folded_count),
        "link": exchange_link(alert.exchange, alert.market, alert.symbol, alert.base, alert.quote),
        "crossed": _crossed(alert, words),
    }


def alert_kind(alert: AlertLike) -> str:
    """``spike``, ``above_max`` or ``below_min`` (objects without a kind are spikes)."""
    return str(getattr(alert, "kind", None) or "spike")


def _crossed(alert: AlertLike, words: Mapping[str, str]) -> str:
    """The "above your max 110000" of a price-band alert (the edge is its rule: ``max 110000``)."""
    kind = alert_kind(alert)
    if kind not in PRICE_KINDS:
        return ""
    edge = str(getattr(alert, "rule", "") or "").partition(" ")[2]
    return words[kind].format(edge=edge).strip()


# --- validation ------------------------------------------------------------------------------

#: Telegram's HTML tags and the attributes each may carry (https://core.telegram.org/bots/api#html-style).
_ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "span": frozenset({"class"}),
    "tg-spoiler": frozenset(),
    "a": frozenset({"href"}),
    "tg-emoji": frozenset({"emoji-id"}),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "blockquote": frozenset({"expandable"}),
}
_TOKEN = re.compile(
    r"<(?P<close>/)?(?P<name>[A-Za-z][A-Za-z0-9-]*)(?P<attrs>(?:\s[^<>]*)?)>"
    r"|&(?P<entity>#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z]+);"
    r"|(?P<lt><)|(?P<amp>&)",
)
_ATTR = re.compile(r"""\s*([A-Za-z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_ENTITIES = frozenset({"lt", "gt", "amp", "quot"})


def _parse_attrs(text: str) -> dict[str, str] | None:
    attrs: dict[str, str] = {}
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _ATTR.match(text, pos)
        if not match or match.end() == pos:
            return None
        name = match.group(1).lower()
        value = next((g for g in match.groups()[1:] if g is not None), "")
        attrs[name] = value
        pos = match.end()
    return attrs


def telegram_html_problem(text: str) -> str | None:
    """Why Telegram would reject ``text`` with ``parse_mode=HTML``, or None when it is valid:
    only Telegram's tags and attributes, properly nested and closed, ``<`` and ``&`` escaped."""
    stack: list[str] = []
    for match in _TOKEN.finditer(text):
        where = f"at character {match.start() + 1}"
        if match.group("lt"):
            return f"unescaped '<' {where}; write &lt;"
        if match.group("amp"):
            return f"unescaped '&' {where}; write &amp;"
        entity = match.group("entity")
        if entity is not None:
            if not entity.startswith("#") and entity not in _ENTITIES:
                return f"unknown entity &{entity}; {where}; only &lt; &gt; &amp; &quot; and &#N;"
            continue
        name = match.group("name").lower()
        if name not in _ALLOWED_TAGS:
            return f"tag <{name}> {where} is not supported by Telegram; allowed: " + " ".join(
                f"<{t}>" for t in _ALLOWED_TAGS
            )
        if match.group("close"):
            if match.group("attrs").strip():
                return f"closing tag </{name}> {where} has attributes"
            if not stack:
                return f"</{name}> {where} closes nothing"
            if stack[-1] != name:
                return f"</{name}> {where} closes <{stack[-1]}>; tags must be nested"
            stack.pop()
            continue
        attrs = _parse_attrs(match.group("attrs"))
        if attrs is None or match.group("attrs").rstrip().endswith("/"):
            return f"malformed attributes in <{name}> {where}"
        unknown = set(attrs) - _ALLOWED_TAGS[name]
        if unknown:
            return f"<{name}> {where} cannot have attribute {sorted(unknown)[0]!r}"
        if name == "a" and not attrs.get("href"):
            return f"<a> {where} needs href"
        if name == "span" and attrs.get("class") != "tg-spoiler":
            return f'<span> {where} must be <span class="tg-spoiler">'
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            return f"<tg-emoji> {where} needs a numeric emoji-id"
        if stack and stack[-1] in ("pre", "code") and not (stack[-1] == "pre" and name == "code"):
            return f"<{name}> {where} cannot be inside <{stack[-1]}>"
        stack.append(name)
    if stack:
        return f"<{stack[-1]}> is never closed"
    return None


_FIELD = re.compile(r"\{\{|\}\}|\{[^{}]*\}")


#: (as long as the shortest placeholder, {link}: character positions in errors stay right)
_PROBE = "x y=z?"


def template_problem(template: str, *, telegram: bool = True) -> str | None:
    """Why ``template`` cannot be saved, or None: only known placeholders (no format specs or
    attribute access), and — for Telegram — valid Telegram HTML. For the API's 422."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"malformed template ({exc}); write {{{{ and }}}} for literal braces"
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in _KNOWN:
            return f"unknown placeholder {{{name}}}; known: " + " ".join(
                f"{{{p}}}" for p in PLACEHOLDERS
            )
        if spec or conversion:
            return f"placeholder {{{name}}} takes no format spec or conversion"
    if telegram:
        # Placeholders become escaped text; check the markup around them with a stand-in
        # holding what values hold (a space, "=", "?": a link's query), so a placeholder
        # in an unquoted attribute (<a href={link}>) is refused here, not sent escaped later.
        skeleton = _FIELD.sub(lambda m: _PROBE.ljust(len(m.group(0)), "x"), template)
        problem = telegram_html_problem(skeleton)
        if problem:
            return f"not valid Telegram HTML: {problem}"
    return None


def validate_template(template: str) -> str:
    """``template`` when it can be saved (see :func:`template_problem`), else ``ValueError`` with
    the reason — for pydantic validators of settings documents (the API answers 422)."""
    problem = template_problem(template)
    if problem is not None:
        raise ValueError(problem)
    return template


# --- rendering -------------------------------------------------------------------------------


def render_text(
    alert: AlertLike, template: str | None, timezone: str | None = "UTC", locale: str | None = "en"
) -> str:
    """The alert as plain text, e.g. for ``AlertDraft.message()`` and replay output: the user's
    template filled in as written (no HTML escaping); a built-in (HTML) message without tags."""
    chosen = _usable(template, locale, alert_kind(alert))
    if chosen is not template:
        return html_to_text(render_html(alert, template, timezone, locale))
    return _fill(chosen, placeholder_values(alert, timezone, locale), escape=False)


def _fill(template: str, values: Mapping[str, str], *, escape: bool) -> str:
    shown = {k: html.escape(v, quote=True) if escape else v for k, v in values.items()}
    return template.format_map(shown)


def _usable(template: str | None, locale: str | None, kind: str = "spike") -> str:
    if kind in PRICE_KINDS:
        return PRICE_TEMPLATES[_locale(locale)]
    if template == DEFAULT_TEMPLATE:
        return PLAIN_TEMPLATES[_locale(locale)]
    if template:
        try:
            fields = {f for _l, f, _s, _c in string.Formatter().parse(template) if f is not None}
        except ValueError:
            fields = {"?"}
        if fields <= _KNOWN:
            return template
    return DEFAULT_TEMPLATES[_locale(locale)]


def render_html(
    alert: AlertLike, template: str | None, timezone: str | None = "UTC", locale: str | None = "en"
) -> str:
    """The alert as Telegram HTML: the template with HTML-escaped values. A template that is not
    valid Telegram HTML (saved before validation existed) is escaped whole instead."""
    template = _usable(template, locale, alert_kind(alert))
    values = placeholder_values(alert, timezone, locale)
    text = _fill(template, values, escape=True)
    if telegram_html_problem(text) is not None:
        text = html.escape(_fill(template, values, escape=False), quote=False)
    return text


_TAG = re.compile(r"<(/)?([A-Za-z][A-Za-z0-9-]*)((?:\s[^<>]*)?)>")
_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def html_to_text(text: str) -> str:
    """Plain text of Telegram HTML: tags dropped, links as ``label (url)``, entities decoded."""
    out: list[str] = []
    hrefs: list[str | None] = []
    pos = 0
    for match in _TAG.finditer(text):
        out.append(text[pos : match.start()])
        pos = match.end()
        if match.group(2).lower() != "a":
            continue
        if match.group(1):
            href = hrefs.pop() if hrefs else None
            if href:
                out.append(f" ({href})")
        else:
            found = _HREF.search(match.group(3))
            hrefs.append(html.unescape(next(g for g in found.groups() if g)) if found else None)
    out.append(text[pos:])
    return html.unescape("".join(out))


def html_for_email(text: str) -> str:
    """Telegram HTML as a small e-mail HTML document (line breaks kept, spoilers shown)."""
    body = (
        text.replace("<tg-spoiler>", "<span>")
        .replace("</tg-spoiler>", "</span>")
        .replace('<span class="tg-spoiler">', "<span>")
    )
    body = re.sub(r"</?tg-emoji[^>]*>", "", body).replace("\n", "<br>\n")
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
        '<body style="font-family: sans-serif; font-size: 15px">\n'
        f"{body}\n</body></html>\n"
    )


@dataclass(frozen=True, slots=True)
class Rendered:
    """One message in every channel's form."""

    html: str  #: Telegram HTML (values escaped), not yet cut to a limit
    text: str  #: plain text
    subject: str  #: e-mail subject
    payload: dict[str, Any]  #: the JSON body of a webhook
    count: int = 1  #: alerts in this message (more than one for a digest)
    photo: bytes | None = field(default=None, repr=False)  #: chart PNG, if any


def alert_payload(alert: AlertLike, text: str, *, alert_id: int | None = None) -> dict[str, Any]:
    """The JSON document describing one alert (webhooks; exact decimals as strings)."""
    volume = alert.volume_usd
    return {
        "id": alert_id,
        "kind": alert_kind(alert),
        "exchange": alert.exchange,
        "market": alert.market,
        "symbol": alert.symbol,
        "base": alert.base,
        "quote": alert.quote,
        "ts_ms": alert.ts_ms,
        "time": datetime.fromtimestamp(alert.ts_ms / 1000.0, tz=UTC).isoformat(
            timespec="milliseconds"
        ),
        "window_s": getattr(alert, "window_s", 1),
        "direction": alert.direction,
        "delta_pct": alert.delta_pct,
        "wick_pct": alert.wick_pct,
        "volume_usd": None if volume is None else format_price(volume),
        "price": format_price(alert.price),
        "rule": getattr(alert, "rule", None),
        "strategy": alert.strategy,
        "series_count": alert.series_count,
        "folded_count": alert.folded_count,
        "link": exchange_link(alert.exchange, alert.market, alert.symbol, alert.base, alert.quote),
        "text": text,
    }


def render_alert(
    alert: AlertLike,
    template: str | None,
    timezone: str | None = "UTC",
    locale: str | None = "en",
    *,
    alert_id: int | None = None,
) -> Rendered:
    """One alert in every form."""
    body = render_html(alert, template, timezone, locale)
    text = html_to_text(body)
    values = placeholder_values(alert, timezone, locale)
    words = _WORDS[_locale(locale)]
    if values["crossed"]:
        subject = words["price_subject"].format(symbol=values["symbol"], crossed=values["crossed"])
    else:
        subject = words["subject"].format(
            symbol=values["symbol"],
            delta=values["delta_formatted"],
            exchange=values["exchange_market"],
        )
    return Rendered(
        html=body,
        text=text,
        subject=subject,
        payload={"type": "alert", "alert": alert_payload(alert, text, alert_id=alert_id)},
    )


def _digest_line(alert: AlertLike, locale: str | None, stamp: str) -> str:
    v = {k: html.escape(s) for k, s in placeholder_values(alert, "UTC", locale).items()}
    head = f"{v['direction_icon']} {v['exchange_market_short']} "
    symbol = f'<a href="{v["link"]}">{v["symbol"]}</a>' if v["link"] else v["symbol"]
    move = v["crossed"] or v["delta_formatted"]  # a price band: "above your max 110000"
    return f"{head}<b>{symbol}</b> {move} · {stamp}"


def _digest_stamps(alerts: Sequence[AlertLike], timezone: str | None) -> list[str]:
    """Each alert's time in its own user's zone (a group chat may hold several users' alerts):
    the clock alone when every line shares one date and zone, else with the date and zone."""
    clocks = [
        datetime.fromtimestamp(a.ts_ms / 1000.0, tz=UTC).astimezone(
            _zone(getattr(a, "timezone", None) or timezone)
        )
        for a in alerts
    ]
    if len({(c.date(), c.utcoffset(), c.tzname()) for c in clocks}) <= 1:
        return [f"{c:%H:%M:%S}" for c in clocks]
    return [f"{c:%d.%m %H:%M:%S} {c.tzname()}" for c in clocks]


def top_symbols(alerts: Sequence[AlertLike], most: int = 3) -> str:
    """The symbols with the most alerts (then the largest move), e.g. ``BTCUSDT, ETHUSDT +2``."""
    counts: dict[str, int] = {}
    largest: dict[str, float] = {}
    for alert in alerts:
        name = display_symbol(alert.symbol, alert.base, alert.quote)
        counts[name] = counts.get(name, 0) + 1
        largest[name] = max(largest.get(name, 0.0), abs(alert.delta_pct))
    ranked = sorted(counts, key=lambda s: (-counts[s], -largest[s], s))
    shown = ", ".join(ranked[:most])
    return f"{shown} +{len(ranked) - most}" if len(ranked) > most else shown


def render_digest(
    alerts: Sequence[AlertLike],
    timezone: str | None = "UTC",
    locale: str | None = "en",
    *,
    alert_ids: Sequence[int] | None = None,
    limit: int = TEXT_LIMIT,
) -> Rendered:
    """Several alerts of one chat folded into one message (one line each, oldest first); lines
    that do not fit ``limit`` are summarised as "and N more"."""
    words = _WORDS[_locale(locale)]
    head = f"⚡ <b>{html.escape(words['digest'].format(n=len(alerts)))}</b>"
    lines = [head]
    used = visible_length(head)
    stamps = _digest_stamps(alerts, timezone)
    for i, alert in enumerate(alerts):
        line = _digest_line(alert, locale, stamps[i])
        rest = len(alerts) - i
        more = "\n" + html.escape(words["more"].format(n=rest))
        if used + 1 + visible_length(line) + visible_length(more) > limit and rest > 1:
            lines.append(more.lstrip("\n"))
            break
        lines.append(line)
        used += 1 + visible_length(line)
    body = "\n".join(lines)
    text = html_to_text(body)
    ids = list(alert_ids) if alert_ids is not None else [None] * len(alerts)
    return Rendered(
        html=body,
        text=text,
        subject=words["digest_subject"].format(n=len(alerts), symbols=top_symbols(alerts)),
        payload={
            "type": "digest",
            "alerts": [alert_payload(a, "", alert_id=i) for a, i in zip(alerts, ids, strict=True)],
            "text": text,
        },
        count=len(alerts),
    )


# --- limits ----------------------------------------------------------------------------------


def _units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def visible_length(text: str) -> int:
    """Characters Telegram counts for HTML ``text`` (UTF-16 units): tags dropped, an entity
    counted as the character it stands for."""
    total = 0
    pos = 0
    for match in _TOKEN.finditer(text):
        total += _units(text[pos : match.start()])
        pos = match.end()
        if match.group("entity") is not None:
            total += _units(html.unescape(match.group(0)))
        elif match.group("lt") or match.group("amp"):
            total += 1
    return total + _units(text[pos:])


def truncate_html(text: str, limit: int = TEXT_LIMIT) -> str:
    """``text`` cut to at most ``limit`` visible characters: never inside a tag or an entity,
    preferably at a line break or space, with "…" and every open tag closed. Valid Telegram HTML
    stays valid."""
    if visible_length(text) <= limit:
        return text
    budget = limit - _units(ELLIPSIS)
    out: list[str] = []
    out_len = 0
    stack: list[str] = []
    used = 0
    pos = 0
    # (length of the output, visible characters, open tags) at the last space or line break
    last_break: tuple[int, int, list[str]] | None = None

    def add_text(chunk: str) -> bool:
        nonlocal used, last_break, out_len
        for ch in chunk:
            n = _units(ch)
            if used + n > budget:
                return False
            if ch in " \n":
                last_break = (out_len, used, list(stack))
            out.append(ch)
            out_len += 1
            used += n
        return True

    for match in _TOKEN.finditer(text):
        if not add_text(text[pos : match.start()]):
            break
        pos = match.end()
        token = match.group(0)
        if match.group("name"):
            name = match.group("name").lower()
            if match.group("close"):
                if stack and stack[-1] == name:
                    stack.pop()
            else:
                stack.append(name)
            out.append(token)
            out_len += len(token)
        else:  # an entity (or a stray < / &, one character), kept whole or dropped
            # counted as what it stands for: ``&#128512;`` is two UTF-16 units, like the emoji
            n = _units(html.unescape(token)) if match.group("entity") is not None else 1
            if used + n > budget:
                break
            out.append(token)
            out_len += len(token)
            used += n
    else:
        add_text(text[pos:])
    result = "".join(out)
    if last_break is not None and last_break[1] >= budget - min(200, budget * 0.3):
        cut, _used, stack = last_break
        result = result[:cut]
    result = result.rstrip(" \n")
    return result + ELLIPSIS + "".join(f"</{name}>" for name in reversed(stack))
