"""E-mail delivery against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.notify.conftest import Draft, World, deliveries, make_dispatcher
from wickwatch.notify.email import EmailNotifier, SmtpServer


@dataclass
class Mailbox:
    messages: list[tuple[Envelope, EmailMessage]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((envelope, message))
        return "250 Message accepted"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        login, password = data.login.decode(), data.password.decode()
        self.logins.append((login, password))
        ok = (login, password) == ("me", "smtp-secret")
        return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = _free_port()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        authenticator=box.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def _notifier(port: int) -> EmailNotifier:
    return EmailNotifier(
        SmtpServer(
            host="127.0.0.1", port=port, sender="wickwatch <alerts@wickwatch.test>", starttls=False
        ),
        allow_private=True,  # the users' own servers in these tests are on loopback too
    )


async def _own_smtp_channel(world: World, user: int, port: int, *, password: str) -> int:
    """An e-mail channel to me@example.com through the user's own server (on loopback)."""
    channel: int = await world.channel(
        user,
        "email",
        {
            "address": "me@example.com",
            "smtp": {"host": "127.0.0.1", "port": port, "username": "me", "starttls": False},
        },
        secret_ciphertext=f"enc:{password}",
    )
    return channel


async def test_html_and_text_mail_with_subject(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    mailbox: tuple[Mailbox, int],
) -> None:
    box, port = mailbox
    user = await world.user(locale="ru")
    await world.channel(user, "email", {"address": "trader@example.com"})
    await world.alerts([Draft(user_id=user, destinations=("email",), timezone="Europe/Moscow")])
    await make_dispatcher(sessionmaker, {"email": _notifier(port)}).run_once()

    [(envelope, message)] = box.messages
    [row] = await deliveries(sessionmaker)
    assert row.status == "sent"
    assert envelope.mail_from == "alerts@wickwatch.test"
    assert envelope.rcpt_tos == ["trader@example.com"]
    assert message["Subject"] == "[wickwatch] BTCUSDT +5.25% на Binance Фьючерсы"
    assert message["From"] == "wickwatch <alerts@wickwatch.test>"
    assert message["To"] == "trader@example.com"
    assert message["Message-ID"] == f"<{row.idempotency_key}@wickwatch>"
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    text = plain.get_content().replace("\r\n", "\n")
    assert text.startswith("⚡ BTCUSDT +5.25% рост · Binance Фьючерсы\n")
    assert "2026-01-01 03:00:00 MSK" in text  # the user's timezone
    assert "Открыть на бирже (https://www.binance.com/en/futures/BTCUSDT)" in text
    body = html.get_content()
    assert "<b>BTCUSDT</b>" in body and "<br>" in body
    assert '<a href="https://www.binance.com/en/futures/BTCUSDT">Открыть на бирже</a>' in body


async def test_the_users_own_server_with_login(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    mailbox: tuple[Mailbox, int],
) -> None:
    box, port = mailbox
    user = await world.user()
    await world.channel(
        user,
        "email",
        {
            "address": "me@example.com",
            "smtp": {
                "host": "127.0.0.1",
                "port": port,
                "username": "me",
                "starttls": False,
                "from": "me@example.com",
            },
        },
        secret_ciphertext="enc:smtp-secret",
    )
    await world.alerts([Draft(user_id=user, destinations=("email",))])
    await make_dispatcher(
        sessionmaker, {"email": EmailNotifier(None, allow_private=True)}
    ).run_once()
    assert box.logins == [("me", "smtp-secret")]
    [(envelope, message)] = box.messages
    assert envelope.mail_from == "me@example.com" and message["To"] == "me@example.com"


async def test_a_refused_recipient_fails_and_a_wrong_password_too(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    mailbox: tuple[Mailbox, int],
) -> None:
    box, port = mailbox
    box.refuse.add("gone@example.com")
    user = await world.user()
    await world.channel(user, "email", {"address": "gone@example.com"})
    await _own_smtp_channel(world, user, port, password="wrong")
    await world.alerts([Draft(user_id=user, destinations=("email",))])
    await make_dispatcher(sessionmaker, {"email": _notifier(port)}).run_once()
    refused, login = await deliveries(sessionmaker)
    assert refused.status == "failed" and "refused the recipient" in (refused.last_error or "")
    assert login.status == "failed" and "SMTP login failed: 535" in (login.last_error or "")
    assert box.messages == []


async def test_an_unreachable_server_is_retried(
    world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    user = await world.user()
    await world.channel(user, "email", {"address": "me@example.com"})
    await world.alerts([Draft(user_id=user, destinations=("email",))])
    await make_dispatcher(sessionmaker, {"email": _notifier(_free_port())}).run_once()
    [row] = await deliveries(sessionmaker)
    assert row.status == "pending" and row.attempts == 1
    assert "SMTP unreachable" in (row.last_error or "")


async def test_email_without_a_server_fails_clearly(
    world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    user = await world.user()
    await world.channel(user, "email", {"address": "me@example.com"})
    await world.alerts([Draft(user_id=user, destinations=("email",))])
    await make_dispatcher(sessionmaker, {"email": EmailNotifier(None)}).run_once()
    [row] = await deliveries(sessionmaker)
    assert row.status == "failed" and "WICKWATCH_SMTP_HOST" in (row.last_error or "")


async def test_a_users_own_smtp_server_on_a_private_address_is_refused(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    mailbox: tuple[Mailbox, int],
) -> None:
    """A user's own SMTP server is an address the service connects to on their behalf, and
    what it answers (refused, a banner, a timeout) is shown to them: by default loopback and
    private addresses are refused before any connection, like webhooks."""
    box, port = mailbox
    user = await world.user()
    await _own_smtp_channel(world, user, port, password="smtp-secret")
    await world.alerts([Draft(user_id=user, destinations=("email",))])
    await make_dispatcher(sessionmaker, {"email": EmailNotifier(None)}).run_once()
    [row] = await deliveries(sessionmaker)
    assert row.status == "failed"
    assert "127.0.0.1 is a loopback address" in (row.last_error or "")
    assert box.logins == [] and box.messages == []
