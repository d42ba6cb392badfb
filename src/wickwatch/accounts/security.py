"""Everything authentication needs, built once per app: key material, token codec, password
hasher, rate limiter, secret box and the clock (injectable, so tests can move time)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from wickwatch.accounts.crypto import (
    PURPOSE_TOKENS,
    SecretBox,
    derive_key,
    load_secret_key,
    secret_box,
)
from wickwatch.accounts.passwords import PasswordHasher
from wickwatch.accounts.ratelimit import RateLimiter
from wickwatch.accounts.tokens import Clock, TokenCodec
from wickwatch.config import Settings
from wickwatch.storage.types import utcnow


@dataclass
class Security:
    settings: Settings
    clock: Clock
    tokens: TokenCodec
    passwords: PasswordHasher
    limiter: RateLimiter
    secrets: SecretBox
    refresh_ttl: timedelta = field(init=False)

    def __post_init__(self) -> None:
        self.refresh_ttl = timedelta(seconds=self.settings.refresh_token_ttl_s)

    def now(self) -> datetime:
        return self.clock()

    async def aclose(self) -> None:
        await self.limiter.aclose()


def build_security(
    settings: Settings,
    *,
    clock: Clock | None = None,
    passwords: PasswordHasher | None = None,
) -> Security:
    clock = clock or utcnow
    master = load_secret_key(settings)
    return Security(
        settings=settings,
        clock=clock,
        tokens=TokenCodec(
            derive_key(master, PURPOSE_TOKENS),
            access_ttl_s=settings.access_token_ttl_s,
            clock=clock,
        ),
        passwords=passwords or PasswordHasher(),
        limiter=RateLimiter(settings),
        secrets=secret_box(settings),
    )
