"""E-mail delivery against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.notify.conftest import Draft, World, deliveries, loopback_http, make_dispatcher
from tests.notify.test_webhook import SECRET, Receiver
from wickwatch.channels.schemas import SmtpConfig
from wickwatch.notify.base import Delivery, Outcome
from wickwatch.notify.email import EmailNotifier, SmtpServer
from wickwatch.notify.templates import render_alert
from wickwatch.notify.webhook import WebhookNotifier
from wickwatch.storage.models import Alert, AlertDelivery
from wickwatch.storage.types import utcnow


@dataclass
class Mailbox:
    messages: list[tuple[Envelope, EmailMessage]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    greylist: set[str] = field(default_factory=set)
    logins: list[tuple[str, str]] = field(default_factory=list)
    #: per login: whether it came over TLS (SMTPS or after STARTTLS)
    logins_over_tls: list[bool] = field(default_factory=list)
    #: the answer to every login instead of checking it (e.g. a 454 temporary failure)
    login_answer: str | None = None
    #: hang up on QUIT without answering (after the message was accepted)
    drop_at_quit: bool = False

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such user"
        if address in self.greylist:
            return "451 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((envelope, message))
        return "250 Message accepted"

    async def handle_QUIT(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.drop_at_quit:
            assert isinstance(server.transport, asyncio.WriteTransport)
            server.transport.abort()  # at once, without the 221
        return "221 Bye"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        login, password = data.login.decode(), data.password.decode()
        self.logins.append((login, password))
        assert server.transport is not None
        self.logins_over_tls.append(server.transport.get_extra_info("ssl_object") is not None)
        if self.login_answer is not None:
            return AuthResult(success=False, handled=False, message=self.login_answer)
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


@pytest.fixture(params=["tls", "starttls"])
def tls_mailbox(
    request: pytest.FixtureRequest, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Mailbox, int, str]]:
    """A server that takes a login only over TLS: from the first byte (``tls``, SMTPS) or after
    STARTTLS, which it requires. Its certificate (for 127.0.0.1) is from a throw-away CA that
    the client trusts through ``SSL_CERT_FILE``, as it would trust a public one."""
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    box = Mailbox()
    port = _free_port()
    implicit = request.param == "tls"
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        ssl_context=server_context if implicit else None,
        tls_context=None if implicit else server_context,
        require_starttls=not implicit,
        authenticator=box.authenticate,
        # aiosmtpd counts only STARTTLS as TLS for this; with SMTPS every byte is encrypted
        auth_require_tls=not implicit,
    )
    if implicit:
        # aiosmtpd's start-up probe wraps its socket with the server's own context; a client
        # one that trusts the CA does the same check
        client_context = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
        controller._trigger_server = _tls_probe(controller, client_context)  # type: ignore[method-assign]
    controller.start()
    try:
        yield box, port, request.param
    finally:
        controller.stop()


def _tls_probe(controller: Controller, context: ssl.SSLContext) -> Any:
    def probe() -> None:
        raw = socket.create_connection(("127.0.0.1", controller.port), 1.0)
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as wrapped:
            wrapped.recv(1024)

    return probe


def _notifier(port: int) -> EmailNotifier:
    return EmailNotifier(
        SmtpServer(
            host="127.0.0.1", port=port, sender="wickwatch <alerts@wickwatch.test>", starttls=False
        ),
        allow_private=True,  # the users' own servers in these tests are on loopback too
    )


async def _own_smtp_channel(
    world: World, user: int, port: int, *, password: str | None, sender: str | None = None
) -> int:
    """An e-mail channel to me@example.com through the user's own server (on loopback), with
    a login when ``password`` is given, sent as ``sender`` when given."""
    smtp: dict[str, object] = {"host": "127.0.0.1", "port": port, "starttls": False}
    if password is not None:
        smtp["username"] = "me"
    if sender is not None:
        smtp["from"] = sender
    channel: int = await world.channel(
        user,
        "email",
        {"address": "me@example.com", "smtp": smtp},
        secret_ciphertext=f"enc:{password}" if password is not None else None,
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
    await _own_smtp_channel(world, user, port, password="smtp-secret", sender="me@example.com")
    await world.alerts([Draft(user_id=user, destinations=("email",))])
    await make_dispatcher(
        sessionmaker, {"email": EmailNotifier(None, allow_private=True)}
    ).run_once()
    assert box.logins == [("me", "smtp-secret")]
    [(envelope, message)] = box.messages
    assert envelope.mail_from == "me@example.com" and message["To"] == "me@example.com"


async def test_the_users_own_server_over_tls_or_starttls(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    tls_mailbox: tuple[Mailbox, int, str],
) -> None:
    """The password goes only over an encrypted connection: this server refuses a login in
    clear text, and an SMTPS server (port 465) does not answer one at all."""
    box, port, mode = tls_mailbox
    user = await world.user()
    smtp: dict[str, object] = {"host": "127.0.0.1", "port": port, "username": "me"}
    smtp.update({"tls": True, "starttls": False} if mode == "tls" else {"starttls": True})
    await world.channel(
        user,
        "email",
        {"address": "me@example.com", "smtp": smtp},
        secret_ciphertext="enc:smtp-secret",
    )
    await world.alerts([Draft(user_id=user, destinations=("email",))])
    await make_dispatcher(
        sessionmaker, {"email": EmailNotifier(None, allow_private=True)}
    ).run_once()
    [delivery] = await deliveries(sessionmaker)
    assert delivery.status == "sent", delivery.last_error
    assert box.logins == [("me", "smtp-secret")] and box.logins_over_tls == [True]
    [(envelope, _)] = box.messages
    assert envelope.rcpt_tos == ["me@example.com"]


def test_port_465_means_tls_from_the_first_byte_unless_said_otherwise() -> None:
    """Also for a channel stored before ``tls`` existed (its config has no ``tls``)."""
    notifier = EmailNotifier(None)

    def server(smtp: dict[str, object]) -> SmtpServer:
        delivery = Delivery(
            id=1, alert_id=1, user_id=1, channel="email", destination="me@example.com",
            idempotency_key="k", attempts=0, channel_id=1,
            config={"address": "me@example.com", "smtp": smtp}, secret="pw",
        )  # fmt: skip
        found = notifier.server_for(delivery)
        assert found is not None
        return found

    assert server({"host": "smtp.yandex.ru", "port": 465}).tls is True
    assert server({"host": "smtp.yandex.ru", "port": 465, "tls": False}).tls is False
    assert server({"host": "smtp.yandex.ru", "port": 587}).tls is False
    assert SmtpConfig(host="smtp.mail.ru", port=465).tls is True
    assert SmtpConfig(host="smtp.mail.ru").tls is False


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


async def test_a_greylisted_recipient_is_retried(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    mailbox: tuple[Mailbox, int],
) -> None:
    """A 4xx answer means "not now": greylisting (451 at RCPT) is retried, not reported as a
    broken channel (and so is a 454 at login, below)."""
    box, port = mailbox
    box.greylist.add("new@example.com")
    greylisted = await _one_alert_sent(world, sessionmaker, port, "new@example.com")
    assert greylisted.status == "pending" and greylisted.attempts == 1
    assert "451" in (greylisted.last_error or "")
    assert box.messages == []


async def _one_alert_sent(
    world: World, sessionmaker: async_sessionmaker[AsyncSession], port: int, address: str
) -> Any:
    """One alert to a new user's e-mail channel ``address`` through the server at ``port``,
    one dispatcher pass; the delivery row after it."""
    user = await world.user()
    await world.channel(user, "email", {"address": address})
    await world.alerts([Draft(user_id=user, destinations=("email",))])
    await make_dispatcher(sessionmaker, {"email": _notifier(port)}).run_once()
    [row] = await deliveries(sessionmaker)
    return row


async def test_a_temporary_login_failure_is_retried(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    mailbox: tuple[Mailbox, int],
) -> None:
    box, port = mailbox
    box.login_answer = "454 4.7.0 Temporary authentication failure"
    user = await world.user()
    await _own_smtp_channel(world, user, port, password="smtp-secret")
    await world.alerts([Draft(user_id=user, destinations=("email",))])
    await make_dispatcher(
        sessionmaker, {"email": EmailNotifier(None, allow_private=True)}
    ).run_once()
    [login] = await deliveries(sessionmaker)
    assert login.status == "pending" and login.attempts == 1
    assert "454" in (login.last_error or "")
    assert box.messages == []


async def test_a_mail_accepted_before_the_connection_drops_is_sent_once(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    mailbox: tuple[Mailbox, int],
) -> None:
    """Once the server answered 250 to the message it is delivered: a connection lost at
    QUIT must not make it a retry (which would send the mail a second time)."""
    box, port = mailbox
    box.drop_at_quit = True
    row = await _one_alert_sent(world, sessionmaker, port, "me@example.com")
    assert row.status == "sent" and row.last_error is None
    assert len(box.messages) == 1


async def test_a_from_address_that_breaks_the_headers_fails_clearly(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    mailbox: tuple[Mailbox, int],
) -> None:
    """A ``from`` with a line break (stored before it was validated) cannot become a header:
    a permanent failure that says why, not an exception the dispatcher retries."""
    box, port = mailbox
    user = await world.user()
    await _own_smtp_channel(
        world, user, port, password=None, sender="a@example.com\r\nBcc: x@example.com"
    )
    await world.alerts([Draft(user_id=user, destinations=("email",))])
    await make_dispatcher(
        sessionmaker, {"email": EmailNotifier(None, allow_private=True)}
    ).run_once()
    [row] = await deliveries(sessionmaker)
    assert row.status == "failed" and row.attempts == 1
    assert "from" in (row.last_error or "") and "line" in (row.last_error or "")
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


@asynccontextmanager
async def tarpit_smtp(delay: float) -> AsyncIterator[int]:
    """An SMTP server that accepts everything but answers every line ``delay`` s late."""
    served: list[asyncio.Task[None]] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def say(text: str) -> None:
            await asyncio.sleep(delay)
            writer.write(text.encode())
            await writer.drain()

        try:
            await say("220 tarpit ESMTP\r\n")
            while line := await reader.readline():
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    await say("250-tarpit\r\n250 8BITMIME\r\n")
                elif verb == b"DATA":
                    await say("354 go on\r\n")
                    while (await reader.readline()) not in (b".\r\n", b""):
                        pass
                    await say("250 queued\r\n")
                elif verb == b"QUIT":
                    await say("221 bye\r\n")
                    break
                else:
                    await say("250 ok\r\n")
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    def start(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        served.append(asyncio.create_task(serve(reader, writer)))

    server = await asyncio.start_server(start, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for task in served:
            task.cancel()
        await asyncio.gather(*served, return_exceptions=True)


def _delivery(key: str = "k" * 32) -> Delivery:
    return Delivery(
        id=1, alert_id=1, user_id=1, channel="email", destination="me@example.com",
        idempotency_key=key, attempts=0, config={"address": "me@example.com"},
    )  # fmt: skip


async def test_an_smtp_send_is_bounded_by_a_deadline_not_by_the_number_of_commands() -> None:
    """aiosmtplib's timeout is per command: a server that answers each line just inside it
    held one send for ~7 timeouts (banner, EHLO, MAIL, RCPT, DATA, '.', QUIT) — 140 s with
    the 20 s a user's own server gets, and a dispatcher's send slot with it."""
    async with tarpit_smtp(0.8) as port:  # seven lines: 5.6 s, each inside the 1 s timeout
        notifier = EmailNotifier(
            SmtpServer(host="127.0.0.1", port=port, starttls=False, timeout_s=1.0),
            allow_private=True,
        )
        alert = Draft(user_id=1)
        started = time.monotonic()
        result = await notifier.send(_delivery(), alert, render_alert(alert, None))
        took = time.monotonic() - started
    assert took < 4.0, (took, result)  # the deadline: two timeouts
    assert result.outcome is Outcome.RETRY and "TimeoutError" in (result.error or "")


async def _make_due(
    sessionmaker: async_sessionmaker[AsyncSession], ids: list[int], *, backdate: bool
) -> None:
    async with sessionmaker() as session:
        if backdate:  # the alerts' period ended
            alert_ids = (
                await session.scalars(
                    select(AlertDelivery.alert_id).where(AlertDelivery.id.in_(ids))
                )
            ).all()
            await session.execute(
                update(Alert)
                .where(Alert.id.in_(alert_ids))
                .values(created_at=utcnow() - timedelta(minutes=15))
            )
        await session.execute(
            update(AlertDelivery)
            .where(AlertDelivery.id.in_(ids))
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()


async def test_a_retried_digest_with_more_alerts_gets_a_message_id_of_its_own(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    mailbox: tuple[Mailbox, int],
) -> None:
    """A digest's Message-ID is its first row's key. The server stores digest {a1, a2} but its
    250 comes after our timeout, so the rows are retried; by the retry a3 is due too and the
    resent digest {a1, a2, a3} carried the same Message-ID. Mail systems that drop a repeated
    Message-ID (Gmail does) discarded it: a3 was never seen."""
    box, port = mailbox
    slow_once = [True]
    original = box.handle_DATA

    async def handle_DATA(server, session, envelope):  # type: ignore[no-untyped-def]
        answer = await original(server, session, envelope)  # stored
        if slow_once.pop() if slow_once else False:
            await asyncio.sleep(1.5)  # ... but answered after the client's timeout
        return answer

    box.handle_DATA = handle_DATA  # type: ignore[method-assign]
    notifier = EmailNotifier(
        SmtpServer(host="127.0.0.1", port=port, starttls=False, timeout_s=1.0),
        allow_private=True,
    )
    user = await world.user()
    await world.channel(user, "email", {"address": "digest@example.com", "digest_minutes": 15})
    first = await world.alerts(
        [Draft(user_id=user, symbol="BTCUSDT"), Draft(user_id=user, symbol="ETHUSDT", base="ETH")],
        destinations=("email",),
    )
    await _make_due(sessionmaker, first, backdate=True)
    await make_dispatcher(sessionmaker, {"email": notifier}).run_once()
    assert [r.status for r in await deliveries(sessionmaker)] == ["pending", "pending"]

    later = await world.alerts(
        [Draft(user_id=user, symbol="SOLUSDT", base="SOL")], destinations=("email",)
    )
    await _make_due(sessionmaker, later, backdate=True)
    await _make_due(sessionmaker, first, backdate=False)
    await make_dispatcher(sessionmaker, {"email": notifier}).run_once()

    (_e1, one), (_e2, two) = box.messages
    assert "SOLUSDT" not in str(one["Subject"]) and "SOLUSDT" in str(two["Subject"])
    assert one["Message-ID"] != two["Message-ID"], one["Message-ID"]


async def test_an_internationalised_domain_is_delivered_without_smtputf8(
    world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """The channels API stores ``me@пример.рф`` as typed (EmailStr keeps the Unicode domain).
    The domain has an ASCII form (IDNA) every server takes; sent as Unicode it needs
    SMTPUTF8, and a server without it makes every attempt fail ("retrying" 8 times, then
    failed)."""
    box, port = Mailbox(), _free_port()
    controller = Controller(
        box, hostname="127.0.0.1", port=port, enable_SMTPUTF8=False
    )  # a server without SMTPUTF8 (aiosmtpd's Controller turns it on by default)
    controller.start()
    user = await world.user(locale="ru")
    await world.channel(user, "email", {"address": "me@пример.рф"})
    await world.alerts([Draft(user_id=user, destinations=("email",))])
    try:
        await make_dispatcher(sessionmaker, {"email": _notifier(port)}).run_once()
    finally:
        controller.stop()
    [row] = await deliveries(sessionmaker)
    assert row.status == "sent", (row.status, row.last_error)
    [(envelope, _message)] = box.messages
    assert envelope.rcpt_tos == ["me@xn--e1afmkfd.xn--p1ai"]


async def test_a_period_is_one_mail_even_when_its_rows_span_two_claims(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    mailbox: tuple[Mailbox, int],
) -> None:
    """Digest periods are aligned to the clock, so every user's digest falls due at the same
    boundary and a claim (``batch_size``: 200; 2 here) takes rows of many channels in id order.
    A channel whose rows spanned two claims got two mails for one period (here three): the lane
    sent what the first claim gave it before the next claim's rows arrived."""
    box, port = mailbox
    users = [await world.user(), await world.user()]
    for n, user in enumerate(users):
        await world.channel(user, "email", {"address": f"d{n}@example.com", "digest_minutes": 15})
    drafts = [
        Draft(user_id=users[i % 2], symbol=f"C{i}USDT", base=f"C{i}") for i in range(6)
    ]  # ids interleaved between the two users, as alerts arrive
    ids = await world.alerts(drafts, destinations=("email",))
    await _make_due(sessionmaker, ids, backdate=True)
    dispatcher = make_dispatcher(sessionmaker, {"email": _notifier(port)}, batch_size=2)
    task = asyncio.create_task(dispatcher.run())
    try:
        for _ in range(300):
            if {r.status for r in await deliveries(sessionmaker)} == {"sent"}:
                break
            await asyncio.sleep(0.02)
    finally:
        dispatcher.stop()
        await task
    per_channel = sorted(e.rcpt_tos[0] for e, _m in box.messages)
    assert per_channel == ["d0@example.com", "d1@example.com"], per_channel


async def test_one_users_slow_smtp_server_does_not_hold_up_other_users_webhooks(
    world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Every unpaced send of every user shares ``concurrency`` slots (64; 2 here so the test is
    small): a user whose own SMTP server crawls, with as many alerts in flight as there are
    slots, held up everyone else's webhooks and e-mails. Now one server gets ``per_server``
    of them at once (4; 1 here)."""
    hook = Receiver()
    webhook = WebhookNotifier(allow_private=True, timeout_s=5)
    async with tarpit_smtp(0.7) as port, loopback_http("/hook", hook.handle) as url:
        slow_user = await world.user()
        for n in range(2):
            await world.channel(
                slow_user, "email",
                {"address": f"me{n}@example.com",
                 "smtp": {"host": "127.0.0.1", "port": port, "starttls": False}},
            )  # fmt: skip
        await world.alerts([Draft(user_id=slow_user, destinations=("email",))])
        other = await world.user()
        await world.channel(other, "webhook", {"url": url}, secret_ciphertext=f"enc:{SECRET}")
        await world.alerts([Draft(user_id=other, destinations=("webhook",))])
        dispatcher = make_dispatcher(
            sessionmaker,
            {"email": EmailNotifier(None, allow_private=True), "webhook": webhook},
            concurrency=2,
            per_server=1,
        )
        started = time.monotonic()
        task = asyncio.create_task(dispatcher.run())
        try:
            for _ in range(600):
                if hook.requests:
                    break
                await asyncio.sleep(0.02)
            waited = time.monotonic() - started
        finally:
            dispatcher.stop()
            await task
            await webhook.aclose()
    # 4.9 s (seven lines of 0.7 s) when the slow sends held both slots
    assert waited < 3.0, f"another user's webhook waited {waited:.1f} s for a slow SMTP server"
