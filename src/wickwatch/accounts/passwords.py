"""Password policy and argon2id hashing.

Hashing is deliberately slow and memory-hard (argon2id, RFC 9106 "second recommended" profile:
3 passes over 64 MiB), so it runs in worker threads, a few at a time (so a burst of logins cannot
exhaust memory), and never on the event loop. Logins for unknown e-mail addresses verify against a
dummy hash made with the same parameters, so they take as long as a wrong password.
"""

from __future__ import annotations

import secrets
from functools import partial

import anyio
import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
MAX_LENGTH = 256

#: Frequently used passwords of at least MIN_LENGTH characters (shorter ones fail on length).
#: Compared case-insensitively.
_COMMON = """
    1234567890 0123456789 0987654321 1111111111 0000000000 1234512345 1122334455 12345678910
    123456789a 123456789q a123456789 q123456789 1q2w3e4r5t 1q2w3e4r5t6y 1qaz2wsx3edc qwertyuiop
    qwertyuiop123 asdfghjkl1 zxcvbnm123 qwerty1234 qwerty12345 qwerty123456 1qazxsw23edc
    password12 password123 password1234 password12345 passw0rd123 p@ssw0rd123 p@ssword123
    iloveyou123 iloveyou12 princess123 sunshine123 football123 baseball123 superman123
    starwars123 dragon1234 monkey1234 letmein123 welcome123 welcome1234 admin12345
    administrator abc1234567 abcdefghij abcd123456 abc123456789 trustno1234 whatever123
    changeme123 qwerty@123 password@123 1234qwerty 1234567890q 123qweasdzxc qweasdzxc123
    zaq12wsxcdv passwordpassword aaaaaaaaaa 1234554321 9876543210 11111111111 123123123123
    123456123456 1231231234 q1w2e3r4t5 q1w2e3r4t5y6 a1b2c3d4e5 lovelovelove michael123
    jennifer123 charlie123 liverpool1 chelsea123 computer123 internet123 samsung123
    minecraft123 pokemon123 bitcoin123 bitcoin1234 ethereum123 crypto1234 crypto12345
    binance123 tothemoon123 hodlhodlhodl satoshi123 nakamoto123 wickwatch wickwatch1
    wickwatch123 wickwatch2024 wickwatch2025 wickwatch2026 password2024 password2025
    password2026
"""
COMMON_PASSWORDS = frozenset(_COMMON.split())


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why ``password`` is not acceptable, or None when it is."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    folded = password.casefold()
    if folded in COMMON_PASSWORDS:
        return "is too common; choose another"
    if len(set(folded)) < 4:
        return "has too few different characters"
    if email:
        local = email.casefold().split("@", 1)[0]
        if folded == email.casefold() or (len(local) >= 4 and folded == local):
            return "must not be your e-mail address"
    return None


class PasswordHasher:
    """argon2id hashing off the event loop, at most ``concurrency`` hashes at a time."""

    def __init__(
        self,
        *,
        time_cost: int = 3,
        memory_cost: int = 65_536,
        parallelism: int = 4,
        concurrency: int = 4,
    ) -> None:
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
            type=argon2.Type.ID,
        )
        self._concurrency = concurrency
        self._limiter: anyio.CapacityLimiter | None = None
        self._dummy_hash: str | None = None

    def _capacity(self) -> anyio.CapacityLimiter:
        if self._limiter is None:  # created inside the event loop on first use
            self._limiter = anyio.CapacityLimiter(self._concurrency)
        return self._limiter

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, password, limiter=self._capacity())

    def _verify(self, encoded: str, password: str) -> bool:
        try:
            return self._hasher.verify(encoded, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    async def verify(self, encoded: str, password: str) -> bool:
        """True when ``password`` matches ``encoded``; a malformed hash never matches."""
        return await anyio.to_thread.run_sync(
            partial(self._verify, encoded, password), limiter=self._capacity()
        )

    async def warm(self) -> None:
        """Make the dummy hash now (at start-up), so that not even the first login for an
        unknown account costs a hash more than a wrong password does."""
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(secrets.token_urlsafe(16))

    async def verify_dummy(self, password: str) -> None:
        """Spend the time of a real verification (for unknown accounts); always fails."""
        await self.warm()
        assert self._dummy_hash is not None
        await self.verify(self._dummy_hash, password)

    def needs_rehash(self, encoded: str) -> bool:
        """The hash was made with other parameters than the current ones."""
        try:
            return self._hasher.check_needs_rehash(encoded)
        except InvalidHashError:
            return True
