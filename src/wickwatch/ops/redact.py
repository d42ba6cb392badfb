"""Secrets that must not reach a log line or a stored error, scrubbed from text at the edges.

Two kinds get there by accident rather than by our own code: a Telegram bot token inside a Bot
API URL (``/bot123456:AA…/sendMessage``), which aiohttp and aiogram put into some exception
messages, and a credential in a URL's query string — uvicorn logs every WebSocket handshake's
path with its query at INFO, and the browser's stream may authenticate with ``?access_token=``.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

MASK = "***"

#: ``<bot id>:<secret>`` — Telegram bot tokens (the id's digits not preceded by a digit, so a
#: token right after ``/bot`` in a URL matches too).
#: The id as long as the channel API takes it (``channels.schemas.BOT_TOKEN_PATTERN``).
_BOT_TOKEN = re.compile(r"(?<![0-9])([0-9]{3,20}):[A-Za-z0-9_-]{30,}")
#: ``scheme://user:password@host`` — a URL's password (database, Redis, SMTP URLs), up to the
#: last ``@`` of the URL: a password may hold ``/`` (base64) or even ``@``.
_URL_PASSWORD = re.compile(r"(//[^/@:\s]*:)\S*@")
_QUERY_SECRET = re.compile(
    r"(?i)([?&;](?:access_token|refresh_token|id_token|token|api_key|apikey|password|passwd"
    r"|secret|signature|sig)=)[^&\s\"'#]+"
)


def redact(text: str) -> str:
    """``text`` with bot tokens (their id kept), URL passwords and credential query values
    masked."""
    if ":" in text:
        text = _BOT_TOKEN.sub(r"\1:" + MASK, text)
        if "@" in text:
            text = _URL_PASSWORD.sub(r"\1" + MASK + "@", text)
    if "=" in text:
        text = _QUERY_SECRET.sub(r"\1" + MASK, text)
    return text


def url_origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: what a log may say of a webhook address, whose path
    often is the credential itself (Slack ``/services/T…/B…/secret``, Discord
    ``/webhooks/<id>/<token>``)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return MASK
    if not parts.scheme or not host:
        return MASK
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{port}/{MASK}"


class RedactingFilter(logging.Filter):
    """Redacts a record's message and exception text before any handler formats it."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info:  # formatted here, or cached by a handler that ran before
            text = record.exc_text or self._formatter.formatException(record.exc_info)
            record.exc_text = redact(text)
        return True
