"""The secret key, keys derived from it, and encryption of users' secrets at rest.

One secret key (``WICKWATCH_SECRET_KEY``) is stretched with HKDF-SHA256 into independent keys per
purpose (token signing, secrets at rest), so no two uses share key material. In development an
unset key is generated once and kept in ``<data_dir>/secret.key`` (mode 0600) so tokens and
encrypted secrets survive restarts; production refuses to start without it (see config).

Users' secrets (their Telegram bot token, SMTP password, webhook signing secret) are encrypted with
Fernet (AES-128-CBC + HMAC-SHA256). A :class:`~cryptography.fernet.MultiFernet` decrypts with the
current or the previous key (``WICKWATCH_PREVIOUS_SECRET_KEY``), so keys can be rotated: values
are re-encrypted with the current key whenever they are written.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from wickwatch.config import Settings

log = logging.getLogger(__name__)

SECRET_FILE = "secret.key"
PURPOSE_TOKENS = "wickwatch/tokens/v1"
PURPOSE_SECRETS = "wickwatch/secrets-at-rest/v1"
MASK = "••••"


class SecretKeyError(RuntimeError):
    """No usable secret key."""


def load_secret_key(settings: Settings) -> bytes:
    """The configured secret key; in development, the generated one in the data directory."""
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        return settings.secret_key.get_secret_value().encode()
    if settings.environment == "production":  # config already refuses this; never generate here
        raise SecretKeyError("WICKWATCH_SECRET_KEY must be set when environment is production")
    path = settings.data_dir / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key_file(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    log.warning("generated a development secret key in %s (set WICKWATCH_SECRET_KEY)", path)
    return _read_key_file(path)


def _read_key_file(path: Path) -> bytes:
    if path.stat().st_mode & 0o077:
        log.warning("%s is readable by other users; chmod 600 it", path)
    key = path.read_text(encoding="utf-8").strip().encode()
    if len(key) < 32:
        raise SecretKeyError(f"{path} holds no usable key (shorter than 32 characters)")
    return key


def derive_key(master: bytes, purpose: str, length: int = 32) -> bytes:
    """An independent key for ``purpose`` (HKDF-SHA256)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=length, salt=b"wickwatch", info=purpose.encode()
    ).derive(master)


class SecretBox:
    """Encrypts and decrypts users' secrets; the first key encrypts, every key decrypts."""

    def __init__(self, master_keys: list[bytes]) -> None:
        if not master_keys:
            raise ValueError("at least one key is needed")
        self._fernet = MultiFernet(
            [Fernet(base64.urlsafe_b64encode(derive_key(k, PURPOSE_SECRETS))) for k in master_keys]
        )

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """The plaintext; :class:`SecretKeyError` when no configured key opens it."""
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise SecretKeyError(
                "stored secret cannot be decrypted with the configured keys"
            ) from None

    def rotate(self, ciphertext: str) -> str:
        """The same plaintext encrypted with the current key; :class:`SecretKeyError` when no
        configured key opens it."""
        try:
            return self._fernet.rotate(ciphertext.encode()).decode()
        except InvalidToken:
            raise SecretKeyError(
                "stored secret cannot be decrypted with the configured keys"
            ) from None


def mask_secret(value: str) -> str:
    """A recognisable but useless rendering: ``123456:••••wxyz`` for a Telegram bot token (the
    public bot id stays), ``••••wxyz`` for long secrets, ``••••`` for short ones."""
    if not value:
        return ""
    prefix = ""
    rest = value
    head, sep, tail = value.partition(":")
    if sep and head.isdigit() and len(tail) >= 8:  # Telegram: <bot id>:<secret>
        prefix, rest = head + ":", tail
    if len(rest) < 12:
        return prefix + MASK
    return prefix + MASK + rest[-4:]


def secret_box(settings: Settings) -> SecretBox:
    """The box for ``settings`` (current key, then the previous one) — for any process that
    reads or writes users' secrets, e.g. the delivery workers."""
    keys = [load_secret_key(settings)]
    previous = settings.previous_secret_key
    if previous is not None and previous.get_secret_value():
        keys.append(previous.get_secret_value().encode())
    return SecretBox(keys)
