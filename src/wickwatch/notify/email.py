"""E-mail delivery over SMTP (aiosmtplib): a plain-text and an HTML part, the chart attached.

Channel configuration (kind ``email``)::

    {"address": "me@example.com",
     "smtp": {"host": "smtp.example.com", "port": 587, "username": "me", "starttls": true,
              "tls": false,                               # true: SMTPS (the default on 465)
              "from": "Alerts <me@example.com>"},         # optional: the user's own server
     "digest_minutes": 15}                                # optional: one mail every N minutes

Without ``smtp`` the operator's server (``WICKWATCH_SMTP_*``) sends; with it, the user's server
with the channel's encrypted secret as password. The subject names the symbol, the move and the
exchange. ``Message-ID`` is derived from the delivery's idempotency key, so a message resent after
a crash has the same id and mail clients show it once.

Digest (``digest_minutes`` 5…1440): the channel's alerts are collected in the outbox and sent as one
mail per period (subject with the count and the top symbols). Periods are aligned to the epoch
(every N minutes since 00:00 UTC): an alert's delivery becomes due at the end of the period it was
created in (:meth:`EmailNotifier.collect_until`), and the dispatcher folds every due delivery of the
channel into one message (:class:`~wickwatch.notify.base.Pacing` ``fold_all``). The rows stay in
the outbox until that mail is sent, so a dispatcher restart neither loses nor repeats a digest.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any, Self

import aiosmtplib

from wickwatch.config import Settings
from wickwatch.notify.base import Delivery, Notifier, Pacing, SendResult
from wickwatch.notify.templates import AlertLike, Rendered, html_for_email
from wickwatch.notify.webhook import BlockedTarget, resolved_problem

log = logging.getLogger(__name__)

_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$|^[^@\s<>]+@localhost$")
SUBJECT_PREFIX = "[wickwatch] "
SMTP_TIMEOUT_S = 20.0
#: A whole send (connect to the end of DATA) within this many per-command timeouts: aiosmtplib's
#: timeout is per command, and a server answering each line just inside it held a send (and a
#: dispatcher's send slot) for seven of them.
SMTP_DEADLINE_FACTOR = 2.0
#: Most alerts in one digest mail: a period with more is sent as several mails.
EMAIL_DIGEST_MAX = 2000
DIGEST_MIN_MINUTES = 5
DIGEST_MAX_MINUTES = 1440
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def digest_minutes(config: Mapping[str, Any]) -> int:
    """The channel's digest period in minutes (0 = every alert at once)."""
    try:
        minutes = int(config.get("digest_minutes") or 0)
    except (TypeError, ValueError):
        return 0
    return minutes if DIGEST_MIN_MINUTES <= minutes <= DIGEST_MAX_MINUTES else 0


def digest_boundary(created_at: datetime, minutes: int) -> datetime:
    """The end of the ``minutes``-long period (aligned to the epoch) that ``created_at`` is in."""
    period = minutes * 60
    at = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
    elapsed = int((at - _EPOCH).total_seconds())
    return _EPOCH + timedelta(seconds=(elapsed // period + 1) * period)


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    sender: str = "wickwatch <alerts@localhost>"
    starttls: bool = True
    #: TLS from the first byte (SMTPS, port 465); STARTTLS is then not asked for
    tls: bool = False
    timeout_s: float = SMTP_TIMEOUT_S


def build_message(delivery: Delivery, rendered: Rendered, *, sender: str, to: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = SUBJECT_PREFIX + rendered.subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = email.utils.formatdate(localtime=False)
    message["Message-ID"] = f"<{delivery.idempotency_key}@wickwatch>"
    message["X-Wickwatch-Idempotency-Key"] = delivery.idempotency_key
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered.text)
    message.add_alternative(html_for_email(rendered.html), subtype="html")
    if rendered.photo is not None:
        message.add_attachment(
            rendered.photo, maintype="image", subtype="png", filename="chart.png"
        )
    return message


class EmailNotifier(Notifier):
    slug = "email"
    foldable = True  #: only digest channels have a lane, so only they fold
    digest_limit = 500_000  #: a mail holds its whole period (EMAIL_DIGEST_MAX lines)

    def __init__(self, server: SmtpServer | None = None, *, allow_private: bool = False) -> None:
        self.server = server
        #: whether a user's own SMTP server may be a private, loopback or link-local address
        #: (refused by default: the connection's errors, shown to the user, would probe the
        #: service's own network)
        self.allow_private = allow_private

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        if not settings.smtp_host:
            return cls(None, allow_private=settings.smtp_allow_private)
        password = settings.smtp_password
        return cls(
            SmtpServer(
                host=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=password.get_secret_value() if password else None,
                sender=settings.smtp_from,
                starttls=settings.smtp_starttls,
                tls=settings.smtp_tls,
            ),
            allow_private=settings.smtp_allow_private,
        )

    @staticmethod
    def destination(config: Mapping[str, Any]) -> str:
        return str(config.get("address", ""))[:255]

    def pacing(self, delivery: Delivery) -> Pacing | None:
        if not digest_minutes(delivery.config):
            return None
        return Pacing(
            lane=f"mail-digest:{delivery.channel_id}",
            interval_s=0.0,
            hold_s=SMTP_TIMEOUT_S * (SMTP_DEADLINE_FACTOR + 1),  # a send, then its QUIT
            fold_all=True,
            max_fold=EMAIL_DIGEST_MAX,
        )

    def server_of(self, delivery: Delivery) -> str | None:
        own = delivery.config.get("smtp")
        if isinstance(own, Mapping) and own.get("host"):
            return f"smtp:{delivery.user_id}:{str(own['host']).lower()}"
        return None  # the operator's server: its own limits

    def collect_until(self, config: Mapping[str, Any], created_at: datetime) -> datetime | None:
        minutes = digest_minutes(config)
        return digest_boundary(created_at, minutes) if minutes else None

    def server_for(self, delivery: Delivery) -> SmtpServer | None:
        own = delivery.config.get("smtp")
        if isinstance(own, Mapping) and own.get("host"):
            port = int(own.get("port") or 587)
            tls = own.get("tls")
            return SmtpServer(
                host=str(own["host"]),
                port=port,
                username=own.get("username") or None,
                password=delivery.secret,
                sender=str(
                    own.get("from")
                    or _address_or_none(own.get("username"))
                    or delivery.config["address"]
                ),
                starttls=bool(own.get("starttls", True)),
                tls=port == 465 if tls is None else bool(tls),  # as schemas.SmtpConfig
            )
        return self.server

    async def send(self, delivery: Delivery, alert: AlertLike, rendered: Rendered) -> SendResult:
        to = str(delivery.config.get("address") or "").strip()
        if not _ADDRESS.match(to):
            return SendResult.failed(f"not an e-mail address: {to!r}")
        try:
            to = ascii_domain(to)
        except UnicodeError:
            return SendResult.failed(f"not an e-mail address (its domain): {to!r}")
        server = self.server_for(delivery)
        if server is None:
            return SendResult.failed(
                "e-mail is not configured on this server (WICKWATCH_SMTP_HOST)"
            )
        try:
            message = build_message(delivery, rendered, sender=server.sender, to=to)
        except ValueError as exc:
            # A header that cannot be written (a line break in the channel's ``from``, stored
            # before it was validated): the same every time, so not worth a retry.
            return SendResult.failed(f"cannot write the e-mail (check the `from` address): {exc}")
        sock: socket.socket | None = None
        try:
            if server is not self.server and not self.allow_private:
                # The user's server: connected to at the address that was checked (a second
                # look-up by the client could answer a private address: DNS rebinding).
                try:
                    sock = await connect_public(server.host, server.port, server.timeout_s)
                except BlockedTarget as exc:
                    return SendResult.failed(f"your SMTP server is not allowed: {exc}")
            client = aiosmtplib.SMTP(
                hostname=server.host,
                port=None if sock is not None else server.port,
                sock=sock,
                username=server.username,
                password=server.password if server.username else None,
                use_tls=server.tls,
                start_tls=server.starttls and not server.tls,
                timeout=server.timeout_s,
            )
            try:
                # Not aiosmtplib.send: a STARTTLS refused for its certificate fails inside
                # connect(), which it never closes (a transport left for the garbage collector).
                async with asyncio.timeout(server.timeout_s * SMTP_DEADLINE_FACTOR):
                    await client.connect()
                    await client.send_message(message)
                await _quit(client)
            finally:
                client.close()
        except aiosmtplib.SMTPRecipientsRefused as exc:
            answers = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
            text = f"SMTP refused the recipient: {answers}"
            # 4xx (greylisting, a full mailbox for now) is worth another try; only a refusal
            # that is final for every recipient is permanent.
            if all(_permanent(r.code) for r in exc.recipients):
                return SendResult.failed(text)
            return SendResult.retry(text)
        except aiosmtplib.SMTPResponseException as exc:
            # Also the login (454 = the server's auth backend is briefly down, 535 = wrong).
            what = (
                "SMTP login failed"
                if isinstance(exc, aiosmtplib.SMTPAuthenticationError)
                else "SMTP"
            )
            text = f"{what}: {exc.code} {exc.message}"
            return SendResult.failed(text) if _permanent(exc.code) else SendResult.retry(text)
        except aiosmtplib.SMTPNotSupported as exc:
            # A non-ASCII mailbox name and a server without SMTPUTF8: the same every time.
            return SendResult.failed(f"the SMTP server cannot take this address: {exc}")
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return SendResult.retry(f"SMTP unreachable: {type(exc).__name__}: {exc}")
        finally:
            if sock is not None:
                sock.close()
        return SendResult.sent(message["Message-ID"])


def ascii_domain(address: str) -> str:
    """``address`` with its domain in its ASCII (IDNA) form, which every server takes
    (``me@пример.рф`` → ``me@xn--e1afmkfd.xn--p1ai``); sent as typed it needs SMTPUTF8."""
    local, _, domain = address.rpartition("@")
    if domain.isascii():
        return address
    return f"{local}@{domain.encode('idna').decode('ascii')}"


def _permanent(code: int) -> bool:
    """Whether an SMTP reply code is a final refusal (5xx); 4xx asks to try again later."""
    return 500 <= code < 600


async def _quit(client: aiosmtplib.SMTP) -> None:
    """QUIT after the server accepted the message: the mail is delivered by then, so a
    connection lost now is not a failure (a retry would send the mail twice)."""
    try:
        await client.quit()
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        log.debug("SMTP QUIT after a delivered message failed: %s", type(exc).__name__)


async def connect_public(host: str, port: int, timeout_s: float) -> socket.socket:
    """A TCP connection to ``host`` at a public address it resolves to; :class:`BlockedTarget`
    if any address it resolves to is not public (as for webhooks)."""
    loop = asyncio.get_running_loop()
    infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout_s)
    problem = resolved_problem(host, (str(info[4][0]) for info in infos))
    if problem:
        raise BlockedTarget(problem)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setblocking(False)
    try:
        await asyncio.wait_for(loop.sock_connect(sock, address), timeout_s)
    except BaseException:
        sock.close()
        raise
    return sock


def _address_or_none(username: object) -> str | None:
    """A login used as the sender only when it is an address: SendGrid's ``apikey`` or an SES
    access key in From is refused by the server or lands in spam."""
    return str(username) if username and "@" in str(username) else None
