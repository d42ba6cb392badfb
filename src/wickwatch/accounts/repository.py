"""All SQL of the accounts domain (users, sign-in sessions, refresh tokens, invites)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from wickwatch.storage.expressions import dialect_of
from wickwatch.storage.models import AuthSession, Invite, RefreshToken, User
from wickwatch.storage.statements import one_of


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def get_by_email(self, email: str) -> User | None:
        result = await self.session.execute(select(User).where(User.email == email))
        return result.scalar_one_or_none()

    async def add(self, user: User) -> User:
        self.session.add(user)
        await self.session.flush()
        return user

    async def list(self, *, offset: int, limit: int, query: str | None) -> Sequence[User]:
        statement = select(User).order_by(User.id).offset(offset).limit(limit)
        if query:
            statement = statement.where(_matches(query))
        return (await self.session.execute(statement)).scalars().all()

    async def count(self, *, query: str | None) -> int:
        statement = select(func.count()).select_from(User)
        if query:
            statement = statement.where(_matches(query))
        return int((await self.session.execute(statement)).scalar_one())

    async def bump_token_version(self, user: User) -> None:
        user.token_version += 1
        await self.session.flush()

    async def delete(self, user_id: int) -> None:
        """Remove the user; the database cascades to every row they own."""
        await self.session.execute(delete(User).where(User.id == user_id))


def _matches(query: str) -> ColumnElement[bool]:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped.lower()}%"
    return or_(
        func.lower(User.email).like(pattern, escape="\\"),
        func.lower(func.coalesce(User.display_name, "")).like(pattern, escape="\\"),
    )


class SessionRepository:
    """Sign-in sessions and their refresh tokens."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, auth_session: AuthSession, token_hash: str) -> None:
        self.session.add(auth_session)
        await self.session.flush()
        self.session.add(
            RefreshToken(
                session_id=auth_session.id,
                token_hash=token_hash,
                expires_at=auth_session.expires_at,
                created_at=auth_session.created_at,
            )
        )
        await self.session.flush()

    async def get_with_user(self, session_id: str, user_id: int) -> tuple[AuthSession, User] | None:
        result = await self.session.execute(
            select(AuthSession, User)
            .join(User, User.id == AuthSession.user_id)
            .where(AuthSession.id == session_id, AuthSession.user_id == user_id)
        )
        row = result.one_or_none()
        return None if row is None else (row[0], row[1])

    async def still_valid(self, held: Sequence[tuple[str, int]]) -> set[tuple[str, int]]:
        """Which of ``held`` (session id, token version) are still good: the session not
        revoked, its account active and at that token version. One query for all."""
        if not held:
            return set()
        result = await self.session.execute(
            select(AuthSession.id, User.token_version)
            .join(User, User.id == AuthSession.user_id)
            .where(
                one_of(AuthSession.id, {sid for sid, _ in held}, dialect_of(self.session)),
                AuthSession.revoked_at.is_(None),
                User.is_active,
            )
        )
        good = {(str(sid), int(version)) for sid, version in result.all()}
        return {pair for pair in held if pair in good}

    async def get_for_user(self, session_id: str, user_id: int) -> AuthSession | None:
        result = await self.session.execute(
            select(AuthSession).where(AuthSession.id == session_id, AuthSession.user_id == user_id)
        )
        return result.scalar_one_or_none()

    async def token_by_hash(self, token_hash: str) -> tuple[RefreshToken, AuthSession, User] | None:
        result = await self.session.execute(
            select(RefreshToken, AuthSession, User)
            .join(AuthSession, AuthSession.id == RefreshToken.session_id)
            .join(User, User.id == AuthSession.user_id)
            .where(RefreshToken.token_hash == token_hash)
        )
        row = result.one_or_none()
        return None if row is None else (row[0], row[1], row[2])

    async def mark_used(self, token_id: int, now: datetime) -> bool:
        """Consume a refresh token; False when it was consumed already (by a concurrent request
        or a thief), which the caller treats as reuse."""
        result = await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.id == token_id, RefreshToken.used_at.is_(None))
            .values(used_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def add_token(
        self, session_id: str, token_hash: str, expires_at: datetime, now: datetime
    ) -> None:
        self.session.add(
            RefreshToken(
                session_id=session_id, token_hash=token_hash, expires_at=expires_at, created_at=now
            )
        )
        await self.session.flush()

    async def touch(self, auth_session: AuthSession, now: datetime, expires_at: datetime) -> None:
        auth_session.last_used_at = now
        auth_session.expires_at = expires_at
        await self.session.flush()

    async def revoke(self, session_id: str, *, reason: str, now: datetime) -> None:
        await self.session.execute(
            update(AuthSession)
            .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )

    async def revoke_all(self, user_id: int, *, reason: str, now: datetime) -> None:
        await self.session.execute(
            update(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )

    async def list_active(self, user_id: int, now: datetime) -> Sequence[AuthSession]:
        result = await self.session.execute(
            select(AuthSession)
            .where(
                AuthSession.user_id == user_id,
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > now,
            )
            .order_by(AuthSession.last_used_at.desc())
        )
        return result.scalars().all()

    async def purge(self, before: datetime) -> tuple[int, int]:
        """Delete sessions that expired or were revoked before ``before`` (with their tokens),
        and refresh tokens that expired before it; returns (sessions, tokens) deleted."""
        sessions = await self.session.execute(
            delete(AuthSession).where(
                or_(AuthSession.expires_at < before, AuthSession.revoked_at < before)
            )
        )
        tokens = await self.session.execute(
            delete(RefreshToken).where(RefreshToken.expires_at < before)
        )
        return int(sessions.rowcount), int(tokens.rowcount)  # type: ignore[attr-defined]


class InviteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, invite: Invite) -> Invite:
        self.session.add(invite)
        await self.session.flush()
        return invite

    async def get(self, invite_id: int) -> Invite | None:
        return await self.session.get(Invite, invite_id)

    async def get_by_hash(self, code_hash: str) -> Invite | None:
        result = await self.session.execute(select(Invite).where(Invite.code_hash == code_hash))
        return result.scalar_one_or_none()

    async def claim(self, invite_id: int, user_id: int, now: datetime) -> bool:
        """Mark the invite used by ``user_id``; False when someone used it first."""
        result = await self.session.execute(
            update(Invite)
            .where(Invite.id == invite_id, Invite.used_at.is_(None))
            .values(used_at=now, used_by=user_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def list(self, *, offset: int, limit: int) -> Sequence[Invite]:
        result = await self.session.execute(
            select(Invite).order_by(Invite.id.desc()).offset(offset).limit(limit)
        )
        return result.scalars().all()

    async def count(self) -> int:
        result = await self.session.execute(select(func.count()).select_from(Invite))
        return int(result.scalar_one())

    async def delete(self, invite_id: int) -> None:
        await self.session.execute(delete(Invite).where(Invite.id == invite_id))
