"""E-mail over STARTTLS: the connection is upgraded before the login, and the server's
certificate is verified (aiosmtpd with a certificate made in the test, on loopback)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.notify.test_email import Mailbox, _free_port
from wickwatch.notify.base import Delivery, Outcome
from wickwatch.notify.email import EmailNotifier, SmtpServer
from wickwatch.notify.templates import render_alert
from wickwatch.storage.models import Alert


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (it is its own CA): (cert, key) files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wickwatch test SMTP")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "smtp.crt", directory / "smtp.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@dataclass
class TlsMailbox(Mailbox):
    """Records whether each login arrived over TLS."""

    tls_logins: list[bool] = field(default_factory=list)

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        self.tls_logins.append(session.ssl is not None)
        return super().authenticate(server, session, envelope, mechanism, data)


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[TlsMailbox, int, Path]]:
    cert_file, key_file = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    box = TlsMailbox()
    port = _free_port()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=box.authenticate,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield box, port, cert_file
    finally:
        controller.stop()


def _delivery() -> Delivery:
    return Delivery(
        id=1,
        alert_id=1,
        user_id=1,
        channel="email",
        destination="me@example.com",
        idempotency_key="k" * 32,
        attempts=0,
        config={"address": "me@example.com"},
    )


def _alert() -> Alert:
    from decimal import Decimal

    return Alert(
        exchange="binance",
        market="spot",
        symbol="BTCUSDT",
        base="BTC",
        quote="USDT",
        ts_ms=1_767_225_600_000,
        window_s=1,
        direction="up",
        delta_pct=5.25,
        wick_pct=10.0,
        volume_usd=Decimal(100_000),
        price=Decimal("64000"),
        rule="r",
        strategy=None,
        series_count=1,
        folded_count=0,
    )


def _server(port: int) -> SmtpServer:
    return SmtpServer(
        host="127.0.0.1",
        port=port,
        username="me",
        password="smtp-secret",
        sender="wickwatch <alerts@wickwatch.test>",
        starttls=True,
        timeout_s=10,
    )


async def test_mail_goes_over_starttls_with_the_login_inside_it(
    tls_server: tuple[TlsMailbox, int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    box, port, cert_file = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # trust the test's certificate
    alert = _alert()

    result = await EmailNotifier(_server(port)).send(
        _delivery(), alert, render_alert(alert, None, "UTC", "en")
    )

    assert result.outcome is Outcome.SENT, result.error
    assert box.tls_logins == [True]
    [(envelope, message)] = box.messages
    assert envelope.rcpt_tos == ["me@example.com"]
    assert "BTCUSDT" in str(message["Subject"])


async def test_an_untrusted_certificate_is_refused(
    tls_server: tuple[TlsMailbox, int, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box, port, _cert_file = tls_server
    empty = tmp_path / "no-such-ca.pem"
    monkeypatch.setenv("SSL_CERT_FILE", str(empty))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    alert = _alert()

    result = await EmailNotifier(_server(port)).send(
        _delivery(), alert, render_alert(alert, None, "UTC", "en")
    )

    assert result.outcome is not Outcome.SENT
    assert result.error is not None and "CERTIFICATE_VERIFY_FAILED" in result.error
    assert box.logins == [] and box.messages == []
