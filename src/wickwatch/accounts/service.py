"""The accounts domain: registration, sign-in, sessions, passwords, admin actions, invites.

Session model (what ends a sign-in):

* A *session* is one sign-in (one refresh-token family). Each refresh consumes the presented
  refresh token and issues the next one; presenting a consumed token again means a copy exists, so
  the whole session is revoked (reuse detection) and both holders must sign in again.
* Every access token names its session (``sid``) and the user's ``token_version`` (``ver``), and
  each request checks both against the database (one indexed query that also loads the user):
  a revoked session, a disabled account or a changed token version make the token useless at once,
  not only when it expires.
* Logout revokes the current session; password change, "log out everywhere" and disabling an
  account bump ``token_version`` and revoke every session of the user; deleting an account deletes
  its sessions.

Services raise domain errors (never HTTP exceptions); the caller's unit of work commits. The one
exception is reuse detection, which commits the revocation itself before raising.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from limits import parse_many
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wickwatch.accounts.errors import (
    AccountDisabled,
    EmailTaken,
    InvalidCredentials,
    InvalidInput,
    InviteInvalid,
    RegistrationClosed,
    Unauthorized,
)
from wickwatch.accounts.passwords import password_problem
from wickwatch.accounts.repository import InviteRepository, SessionRepository, UserRepository
from wickwatch.accounts.schemas import (
    InviteCreate,
    PasswordChange,
    ProfileUpdate,
    UserCreate,
    UserRegister,
    UserUpdate,
)
from wickwatch.accounts.security import Security
from wickwatch.accounts.tokens import (
    AccessClaims,
    hash_token,
    new_invite_code,
    new_refresh_token,
    new_session_id,
)
from wickwatch.errors import Conflict, NotFound
from wickwatch.storage.models import AuthSession, Invite, User

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """Who is calling: the client IP (after trusted-proxy resolution) and the user agent."""

    ip: str
    user_agent: str | None = None


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    user: User
    session_id: str
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime


@dataclass(frozen=True, slots=True)
class Authenticated:
    """A request's verified identity."""

    user: User
    session_id: str
    claims: AccessClaims


#: Refreshes per session (one per access-token lifetime per tab is normal use).
REFRESH_RATE_LIMIT = parse_many("20/minute;200/hour")
#: A refresh token used again this soon after its first use is not taken for a stolen copy.
REFRESH_REUSE_GRACE = timedelta(seconds=15)


def _within_grace(used_at: datetime | None, now: datetime) -> bool:
    """``used_at`` None: it was consumed between our read and our update, i.e. just now."""
    return used_at is None or now - used_at <= REFRESH_REUSE_GRACE


class AccountService:
    def __init__(self, session: AsyncSession, security: Security) -> None:
        self.session = session
        self.security = security
        self.users = UserRepository(session)
        self.sessions = SessionRepository(session)
        self.invites = InviteRepository(session)

    # --- sign-in -------------------------------------------------------------------------

    async def login(self, email: str, password: str, client: ClientInfo) -> IssuedTokens:
        limiter = self.security.limiter
        await limiter.hit_login_ip(client.ip)
        email = email.strip().lower()
        # Counted before the password is verified, and forgiven on success: attempts sent at
        # once (argon2 runs a few at a time) each take their place in the limit, none slips past
        # a check made before the earlier ones were counted.
        await limiter.hit_login_account(email)
        user = await self.users.get_by_email(email)
        if user is None:
            await self.security.passwords.verify_dummy(password)  # same time as a wrong password
            matches = False
        else:
            matches = await self.security.passwords.verify(user.password_hash, password)
        if user is None or not matches:
            raise InvalidCredentials("wrong e-mail or password")
        if not user.is_active:
            raise AccountDisabled("this account is disabled")
        await limiter.clear_login_failures(email)
        if self.security.passwords.needs_rehash(user.password_hash):
            user.password_hash = await self.security.passwords.hash(password)
        user.last_login_at = self.security.now()
        return await self._start_session(user, client)

    async def _start_session(self, user: User, client: ClientInfo) -> IssuedTokens:
        now = self.security.now()
        refresh = new_refresh_token()
        auth_session = AuthSession(
            id=new_session_id(),
            user_id=user.id,
            created_at=now,
            last_used_at=now,
            expires_at=now + self.security.refresh_ttl,
            user_agent=(client.user_agent or None) and client.user_agent[:255],
            ip=client.ip[:45],
        )
        await self.sessions.add(auth_session, hash_token(refresh))
        return self._issue(user, auth_session, refresh)

    def _issue(self, user: User, auth_session: AuthSession, refresh: str) -> IssuedTokens:
        access, access_expires = self.security.tokens.issue_access(
            user_id=user.id,
            session_id=auth_session.id,
            token_version=user.token_version,
            role=user.role,
        )
        return IssuedTokens(
            user=user,
            session_id=auth_session.id,
            access_token=access,
            access_expires_at=access_expires,
            refresh_token=refresh,
            refresh_expires_at=auth_session.expires_at,
        )

    async def refresh(self, refresh_token: str, client: ClientInfo) -> IssuedTokens:
        """Exchange a refresh token for a new pair (rotation); reuse revokes the session."""
        found = await self.sessions.token_by_hash(hash_token(refresh_token))
        if found is None:
            raise Unauthorized("invalid refresh token")
        token, auth_session, user = found
        now = self.security.now()
        if auth_session.revoked_at is not None:
            raise Unauthorized("this session has ended; sign in again")
        # Each rotation stores a token row: a client looping on refresh must not grow the table
        # without bound (a browser refreshes every few minutes per tab).
        await self.security.limiter.hit(
            REFRESH_RATE_LIMIT, "refresh", auth_session.id, what="token refreshes"
        )
        fresh = token.used_at is None and await self.sessions.mark_used(token.id, now)
        if not fresh and _within_grace(token.used_at, now):
            # Used moments ago: two tabs refreshing at once with the one cookie, or an answer
            # lost on the way. Another token of the same session, not a revocation.
            log.info("refresh token %d used again within the grace period", token.id)
        elif not fresh:
            await self.sessions.revoke(auth_session.id, reason="refresh_reuse", now=now)
            await self.session.commit()  # the revocation must survive the error below
            log.warning(
                "refresh token reused: session %s of user %d revoked",
                auth_session.id,
                user.id,
                extra={"error_log": True, "user_id": user.id, "client_ip": client.ip},
            )
            raise Unauthorized("refresh token already used; this session has ended")
        if token.expires_at <= now:
            raise Unauthorized("refresh token expired; sign in again")
        if not user.is_active:
            raise Unauthorized("this account is disabled")
        refresh = new_refresh_token()
        expires = now + self.security.refresh_ttl
        await self.sessions.add_token(auth_session.id, hash_token(refresh), expires, now)
        await self.sessions.touch(auth_session, now, expires)
        if client.ip:
            auth_session.ip = client.ip[:45]
        return self._issue(user, auth_session, refresh)

    async def authenticate(self, access_token: str) -> Authenticated:
        """The user behind an access token, if the token, its session and the account are all
        still good; :class:`Unauthorized` otherwise. Counts against the per-user rate limit."""
        claims = self.security.tokens.decode_access(access_token)
        found = await self.sessions.get_with_user(claims.session_id, claims.user_id)
        if found is None:
            raise Unauthorized("this session has ended; sign in again")
        auth_session, user = found
        if auth_session.revoked_at is not None:
            raise Unauthorized("this session has ended; sign in again")
        if not user.is_active:
            raise Unauthorized("this account is disabled")
        if user.token_version != claims.token_version:
            raise Unauthorized("this token was revoked; sign in again")
        await self.security.limiter.hit_user(user.id)
        return Authenticated(user=user, session_id=auth_session.id, claims=claims)

    async def logout(self, user_id: int, session_id: str) -> None:
        await self.sessions.revoke(session_id, reason="logout", now=self.security.now())
        log.info("user %d logged out of session %s", user_id, session_id)

    async def logout_by_refresh(self, refresh_token: str) -> bool:
        """End the session of a refresh token; False when the token is unknown."""
        found = await self.sessions.token_by_hash(hash_token(refresh_token))
        if found is None:
            return False
        _, auth_session, user = found
        await self.logout(user.id, auth_session.id)
        return True

    async def logout_everywhere(self, user: User, *, reason: str = "logout_all") -> None:
        await self.users.bump_token_version(user)
        await self.sessions.revoke_all(user.id, reason=reason, now=self.security.now())

    async def list_sessions(self, user: User) -> Sequence[AuthSession]:
        return await self.sessions.list_active(user.id, self.security.now())

    async def revoke_session(self, user: User, session_id: str) -> None:
        """End one of the user's own sessions (another user's is not found)."""
        found = await self.sessions.get_for_user(session_id, user.id)
        if found is None or found.revoked_at is not None:
            raise NotFound("no such session")
        await self.logout(user.id, session_id)

    async def purge_sessions(self, keep: timedelta = timedelta(days=7)) -> tuple[int, int]:
        """Forget sessions and refresh tokens that ended more than ``keep`` ago."""
        return await self.sessions.purge(self.security.now() - keep)

    # --- registration and own account ----------------------------------------------------

    async def register(self, data: UserRegister, client: ClientInfo) -> User:
        await self.security.limiter.hit_register_ip(client.ip)
        mode = self.security.settings.registration_mode
        if mode == "closed":
            raise RegistrationClosed("registration is closed; ask an administrator")
        invite: Invite | None = None
        if mode == "invite" and not data.invite_code:
            raise InviteInvalid("registration needs an invite code")
        if data.invite_code:
            invite = await self._usable_invite(data.invite_code, data.email)
        user = await self._create(
            email=data.email,
            password=data.password,
            role=invite.role if invite else "user",
            display_name=data.display_name,
        )
        if invite is not None and not await self.invites.claim(
            invite.id, user.id, self.security.now()
        ):
            raise InviteInvalid("invite code is invalid, used or expired")
        log.info("user %d registered (%s)", user.id, "invite" if invite else "open")
        return user

    async def _usable_invite(self, code: str, email: str) -> Invite:
        invite = await self.invites.get_by_hash(hash_token(code.strip()))
        if (
            invite is None
            or invite.used_at is not None
            or invite.expires_at <= self.security.now()
            or (invite.email is not None and invite.email != email)
        ):
            raise InviteInvalid("invite code is invalid, used or expired")
        # An invite is only as good as its issuer: one made by an admin since demoted, disabled
        # or deleted (a session hijacked, say) no longer opens an account, least of all an admin's.
        issuer = await self.users.get(invite.created_by) if invite.created_by else None
        if issuer is None or issuer.role != "admin" or not issuer.is_active:
            raise InviteInvalid("invite code is invalid, used or expired")
        return invite

    async def _create(
        self, *, email: str, password: str, role: str, display_name: str | None
    ) -> User:
        if await self.users.get_by_email(email) is not None:
            raise EmailTaken("an account with this e-mail address exists")
        user = User(
            email=email,
            password_hash=await self.security.passwords.hash(password),
            role=role,
            is_active=True,
            display_name=display_name,
            locale="en",
            token_version=0,
            created_at=self.security.now(),
        )
        try:
            return await self.users.add(user)
        except IntegrityError:  # registered concurrently
            raise EmailTaken("an account with this e-mail address exists") from None

    async def update_profile(self, user: User, data: ProfileUpdate) -> User:
        changes = data.model_dump(exclude_unset=True)
        if "display_name" in changes:
            user.display_name = changes["display_name"]
        if changes.get("locale") is not None:
            user.locale = changes["locale"]
        await self.session.flush()
        return user

    async def change_password(self, user: User, data: PasswordChange) -> None:
        """Set a new password; ends every session (the caller signs in again)."""
        limiter = self.security.limiter
        # counted before verifying, forgiven on success (as sign-in attempts are)
        await limiter.hit(limiter.login_account, "password-fail", str(user.id), what="attempts")
        if not await self.security.passwords.verify(user.password_hash, data.current_password):
            raise InvalidInput("body.current_password", "wrong password")
        await limiter.clear(limiter.login_account, "password-fail", str(user.id))
        if data.new_password == data.current_password:
            raise InvalidInput("body.new_password", "must differ from the current password")
        problem = password_problem(data.new_password, user.email)
        if problem:
            raise InvalidInput("body.new_password", f"password {problem}")
        user.password_hash = await self.security.passwords.hash(data.new_password)
        await self.logout_everywhere(user, reason="password_changed")
        log.info("user %d changed their password; all sessions ended", user.id)

    # --- administration ------------------------------------------------------------------

    async def list_users(
        self, *, offset: int, limit: int, query: str | None
    ) -> tuple[Sequence[User], int]:
        items = await self.users.list(offset=offset, limit=limit, query=query)
        return items, await self.users.count(query=query)

    async def get_user(self, user_id: int) -> User:
        user = await self.users.get(user_id)
        if user is None:
            raise NotFound("no such user")
        return user

    async def create_user(self, data: UserCreate) -> User:
        user = await self._create(
            email=data.email,
            password=data.password,
            role=data.role,
            display_name=data.display_name,
        )
        log.info("user %d created with role %s", user.id, user.role)
        return user

    async def update_user(self, actor: User, user_id: int, data: UserUpdate) -> User:
        user = await self.get_user(user_id)
        changes = data.model_dump(exclude_unset=True)
        if user.id == actor.id and (
            changes.get("role") == "user" or changes.get("is_active") is False
        ):
            raise Conflict("you cannot demote or disable your own account")
        if changes.get("role") is not None:
            user.role = changes["role"]
        if "display_name" in changes:
            user.display_name = changes["display_name"]
        if changes.get("is_active") is not None and changes["is_active"] != user.is_active:
            user.is_active = changes["is_active"]
            if not user.is_active:
                await self.logout_everywhere(user, reason="disabled")
            log.info(
                "user %d %s by admin %d",
                user.id,
                "enabled" if user.is_active else "disabled",
                actor.id,
            )
        await self.session.flush()
        return user

    async def delete_user(self, actor: User, user_id: int) -> None:
        """Delete the account and, by cascade, everything it owns."""
        if user_id == actor.id:
            raise Conflict("you cannot delete your own account here")
        await self.get_user(user_id)
        await self.users.delete(user_id)
        log.info("user %d deleted by admin %d", user_id, actor.id)

    async def create_invite(self, actor: User, data: InviteCreate) -> tuple[Invite, str]:
        code = new_invite_code()
        now = self.security.now()
        invite = await self.invites.add(
            Invite(
                code_hash=hash_token(code),
                email=data.email,
                role=data.role,
                note=data.note,
                created_by=actor.id,
                created_at=now,
                expires_at=now + timedelta(seconds=data.expires_in_s),
            )
        )
        return invite, code

    async def list_invites(self, *, offset: int, limit: int) -> tuple[Sequence[Invite], int]:
        return await self.invites.list(offset=offset, limit=limit), await self.invites.count()

    async def delete_invite(self, invite_id: int) -> None:
        if await self.invites.get(invite_id) is None:
            raise NotFound("no such invite")
        await self.invites.delete(invite_id)


SESSION_PURGE_INTERVAL_S = 3600.0


async def purge_sessions_forever(
    sessionmaker: async_sessionmaker[AsyncSession],
    security: Security,
    interval_s: float = SESSION_PURGE_INTERVAL_S,
) -> None:
    """Until cancelled: purge ended sessions and expired Telegram link codes now and then every
    ``interval_s`` (every API process may run this; the deletes are idempotent)."""
    from wickwatch.notify.repository import purge_link_codes

    while True:
        try:
            async with sessionmaker() as session:
                sessions, tokens = await AccountService(session, security).purge_sessions()
                codes = await purge_link_codes(session, before=security.now() - timedelta(days=1))
                await session.commit()
            if sessions or tokens or codes:
                log.info(
                    "purged %d ended sessions, %d old refresh tokens, %d Telegram link codes",
                    sessions,
                    tokens,
                    codes,
                )
        except Exception as exc:  # the database may be down for a while; try again later
            log.warning("session purge failed: %s", exc)
        await asyncio.sleep(interval_s)
