"""Access tokens (signed JWTs) and opaque tokens (refresh tokens, invite codes, CSRF tokens).

Access tokens are short-lived HS256 JWTs signed with a key derived from the secret key. Claims:
``sub`` (user id), ``sid`` (the sign-in session, i.e. the refresh-token family), ``ver`` (the
user's ``token_version`` when issued), ``role``, ``iat``, ``exp``, ``jti``, ``typ``, ``iss`` and
``aud``. Signature and claims are checked here; whether the session and user are still in good
standing is checked against the database for every request (see ``service.authenticate``).

Refresh tokens and invite codes are random strings with a recognisable prefix (so secret scanners
can spot leaks); only their SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from wickwatch.accounts.errors import Unauthorized

Clock = Callable[[], datetime]

ALGORITHM = "HS256"
ISSUER = "wickwatch"
AUDIENCE = "wickwatch-api"
REFRESH_PREFIX = "wwr_"
INVITE_PREFIX = "wwi_"
_REQUIRED = ["sub", "sid", "ver", "role", "iat", "exp", "jti", "typ", "iss", "aud"]


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: int
    session_id: str
    token_version: int
    role: str
    issued_at: datetime
    expires_at: datetime
    token_id: str


class TokenCodec:
    """Issues and checks access tokens with ``signing_key``, on the injected ``clock``."""

    def __init__(self, signing_key: bytes, *, access_ttl_s: int, clock: Clock) -> None:
        self._key = signing_key
        self.access_ttl = timedelta(seconds=access_ttl_s)
        self.clock = clock

    def issue_access(
        self, *, user_id: int, session_id: str, token_version: int, role: str
    ) -> tuple[str, datetime]:
        now = self.clock().replace(microsecond=0)
        expires = now + self.access_ttl
        claims = {
            "sub": str(user_id),
            "sid": session_id,
            "ver": token_version,
            "role": role,
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "jti": uuid.uuid4().hex,
            "typ": "access",
            "iss": ISSUER,
            "aud": AUDIENCE,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM), expires

    def decode_access(self, token: str) -> AccessClaims:
        """The claims of a genuine, unexpired access token; :class:`Unauthorized` otherwise."""
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                # time is checked below against the injected clock
                options={
                    "require": _REQUIRED,
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
            if claims["typ"] != "access":
                raise Unauthorized("not an access token")
            parsed = AccessClaims(
                user_id=int(claims["sub"]),
                session_id=str(claims["sid"]),
                token_version=int(claims["ver"]),
                role=str(claims["role"]),
                issued_at=_from_ts(claims["iat"]),
                expires_at=_from_ts(claims["exp"]),
                token_id=str(claims["jti"]),
            )
        except (jwt.PyJWTError, ValueError, TypeError, KeyError, OverflowError):
            raise Unauthorized("invalid access token") from None
        if self.clock() >= parsed.expires_at:
            raise Unauthorized("access token expired")
        return parsed


def _from_ts(value: object) -> datetime:
    from datetime import UTC

    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError("timestamp expected")
    return datetime.fromtimestamp(value, UTC)


def new_refresh_token() -> str:
    return REFRESH_PREFIX + secrets.token_urlsafe(32)


def new_invite_code() -> str:
    return INVITE_PREFIX + secrets.token_urlsafe(18)


def new_session_id() -> str:
    return uuid.uuid4().hex


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    """SHA-256 hex of an opaque token (what the database keeps)."""
    return hashlib.sha256(token.encode()).hexdigest()


def same_token(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two presented tokens; missing never matches."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())
