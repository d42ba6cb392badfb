"""Password policy and hashing, access tokens, the secret key and secrets at rest."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from tests.api.kit import FakeClock, cheap_passwords
from wickwatch.accounts.crypto import (
    PURPOSE_SECRETS,
    PURPOSE_TOKENS,
    SecretBox,
    SecretKeyError,
    derive_key,
    load_secret_key,
    mask_secret,
    secret_box,
)
from wickwatch.accounts.errors import Unauthorized
from wickwatch.accounts.passwords import PasswordHasher, password_problem
from wickwatch.accounts.tokens import TokenCodec, hash_token, new_refresh_token, same_token
from wickwatch.config import Settings


@pytest.mark.parametrize(
    ("password", "email", "problem"),
    [
        ("short", None, "at least 10"),
        ("x" * 257, None, "at most 256"),
        ("Password123", None, "too common"),
        ("QWERTYUIOP", None, "too common"),
        ("abababababab", None, "too few different"),
        ("ada.lovelace", "ada.lovelace@example.com", "e-mail"),
        ("ada.lovelace@example.com", "ada.lovelace@example.com", "e-mail"),
        ("correct horse battery staple", "ada@example.com", None),
    ],
)
def test_password_policy(password: str, email: str | None, problem: str | None) -> None:
    found = password_problem(password, email)
    assert (found is None) if problem is None else (problem in (found or ""))


async def test_argon2id_hash_verify_rehash() -> None:
    hasher = cheap_passwords()
    encoded = await hasher.hash("correct horse battery staple")
    assert encoded.startswith("$argon2id$")
    assert await hasher.verify(encoded, "correct horse battery staple")
    assert not await hasher.verify(encoded, "wrong")
    assert not await hasher.verify("not a hash", "wrong")
    assert not hasher.needs_rehash(encoded)
    assert PasswordHasher().needs_rehash(encoded)  # stronger defaults: upgraded at next login
    await hasher.verify_dummy("anything")


def _codec(clock: FakeClock, key: bytes = b"k" * 32) -> TokenCodec:
    return TokenCodec(key, access_ttl_s=900, clock=clock)


def test_access_token_round_trip_and_claims() -> None:
    clock = FakeClock()
    codec = _codec(clock)
    token, expires = codec.issue_access(
        user_id=7, session_id="s" * 32, token_version=3, role="user"
    )
    claims = jwt.decode(token, options={"verify_signature": False})
    assert set(claims) == {"sub", "sid", "ver", "role", "iat", "exp", "jti", "typ", "iss", "aud"}
    decoded = codec.decode_access(token)
    assert (decoded.user_id, decoded.session_id, decoded.token_version) == (7, "s" * 32, 3)
    assert decoded.expires_at == expires
    clock.advance(900)
    with pytest.raises(Unauthorized, match="expired"):
        codec.decode_access(token)


def test_access_tokens_from_elsewhere_are_refused() -> None:
    clock = FakeClock()
    token, _ = _codec(clock).issue_access(user_id=1, session_id="s", token_version=0, role="user")
    with pytest.raises(Unauthorized):
        _codec(clock, b"other key of thirty-two bytes!!!").decode_access(token)
    now = int(datetime.now(UTC).timestamp())
    base = {"sub": "1", "sid": "s", "ver": 0, "role": "admin", "iat": now, "exp": now + 60}
    base |= {"jti": "j", "iss": "wickwatch", "aud": "wickwatch-api"}
    for claims in (
        {**base, "typ": "refresh"},
        {k: v for k, v in base.items() if k != "sid"} | {"typ": "access"},
        {**base, "typ": "access", "aud": "someone-else"},
        {**base, "typ": "access", "sub": "not a number"},
    ):
        forged = jwt.encode(claims, b"k" * 32, algorithm="HS256")
        with pytest.raises(Unauthorized):
            _codec(clock).decode_access(forged)
    with pytest.raises(Unauthorized):
        _codec(clock).decode_access(jwt.encode({**base, "typ": "access"}, None, algorithm="none"))  # type: ignore[arg-type]


def test_opaque_tokens() -> None:
    token = new_refresh_token()
    assert token.startswith("wwr_") and len(token) > 40
    assert hash_token(token) == hash_token(token) != hash_token(new_refresh_token())
    assert same_token("abc", "abc") and not same_token("abc", "abd")
    assert not same_token(None, None) and not same_token("", "")


def test_development_secret_key_is_generated_once(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]
    first = load_secret_key(settings)
    path = tmp_path / "data" / "secret.key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_secret_key(settings) == first and len(first) >= 32
    configured = Settings(_env_file=None, data_dir=tmp_path, secret_key="c" * 40)  # type: ignore[call-arg]
    assert load_secret_key(configured) == b"c" * 40
    path.write_text("short")
    with pytest.raises(SecretKeyError):
        load_secret_key(settings)


def test_derived_keys_are_independent() -> None:
    master = b"m" * 40
    assert derive_key(master, PURPOSE_TOKENS) != derive_key(master, PURPOSE_SECRETS)
    assert derive_key(master, PURPOSE_TOKENS) == derive_key(master, PURPOSE_TOKENS)
    assert master not in derive_key(master, PURPOSE_TOKENS)


def test_secret_box_and_key_rotation(tmp_path: Path) -> None:
    old = SecretBox([b"old key " * 5])
    sealed = old.encrypt("123456:AAbbCCddEEffGGhh")
    assert "AAbbCC" not in sealed
    assert old.decrypt(sealed) == "123456:AAbbCCddEEffGGhh"

    rotated_settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        secret_key="new key " * 5,
        previous_secret_key="old key " * 5,
    )
    rotating = secret_box(rotated_settings)
    assert rotating.decrypt(sealed) == "123456:AAbbCCddEEffGGhh"
    resealed = rotating.rotate(sealed)
    new_only = SecretBox([b"new key " * 5])
    assert new_only.decrypt(resealed) == "123456:AAbbCCddEEffGGhh"
    with pytest.raises(SecretKeyError):
        new_only.decrypt(sealed)


def test_masking() -> None:
    assert mask_secret("123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw") == "123456789:••••Dsaw"
    assert mask_secret("smtp-password-value") == "••••alue"
    assert mask_secret("short") == "••••"
    assert mask_secret("") == ""
    assert mask_secret("12:short") == "••••"


def test_token_clock_is_injectable() -> None:
    clock = FakeClock()
    clock.now = datetime(2030, 1, 1, tzinfo=UTC)
    _, expires = _codec(clock).issue_access(user_id=1, session_id="s", token_version=0, role="u")
    assert expires == datetime(2030, 1, 1, tzinfo=UTC) + timedelta(seconds=900)
