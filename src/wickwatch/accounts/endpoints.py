"""HTTP endpoints of accounts: ``/api/v1/auth/*`` (everyone) and ``/api/v1/admin/*`` (admins).

Thin: parse, call :class:`~wickwatch.accounts.service.AccountService`, shape the response.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from wickwatch.accounts.auth import (
    AccountServiceDep,
    AdminUser,
    CurrentAuth,
    CurrentUser,
    bearer_scheme,
    clear_auth_cookies,
    client_info,
    cookie_refresh_token,
    get_admin_user,
    has_refresh_cookie,
    set_auth_cookies,
)
from wickwatch.accounts.errors import Unauthorized
from wickwatch.accounts.schemas import (
    InviteCreate,
    InviteCreated,
    InvitePublic,
    LoginRequest,
    PasswordChange,
    ProfileUpdate,
    RefreshRequest,
    SessionPublic,
    TokenResponse,
    UserCreate,
    UserPublic,
    UserRegister,
    UserUpdate,
)
from wickwatch.accounts.service import IssuedTokens
from wickwatch.api.deps import SecurityDep, object_id
from wickwatch.api.events import SettingsEventsDep
from wickwatch.api.pagination import Page, Pagination
from wickwatch.api.responses import error_responses
from wickwatch.usersettings.repository import SettingsRepository

router = APIRouter(prefix="/auth", tags=["auth"])
admin_router = APIRouter(
    prefix="/admin",
    tags=["admin"],
    dependencies=[Depends(get_admin_user)],
    responses=error_responses(401, 403, 422, 429),
)

UserId = Annotated[int, object_id("User id.")]
InviteId = Annotated[int, object_id("Invite id.")]


def _tokens(
    request: Request,
    response: Response,
    issued: IssuedTokens,
    security: SecurityDep,
    *,
    in_body: bool,
) -> TokenResponse:
    csrf = None
    if not in_body:
        csrf = set_auth_cookies(request, response, issued.refresh_token, issued.refresh_expires_at)
    return TokenResponse(
        access_token=issued.access_token,
        expires_in=int(security.tokens.access_ttl.total_seconds()),
        expires_at=issued.access_expires_at,
        refresh_token=issued.refresh_token if in_body else None,
        refresh_expires_at=issued.refresh_expires_at,
        csrf_token=csrf,
        user=UserPublic.model_validate(issued.user),
    )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(403, 409, 422, 429),
)
async def register(data: UserRegister, request: Request, service: AccountServiceDep) -> UserPublic:
    """Create an account (per `WICKWATCH_REGISTRATION_MODE`: open, by invite code, or closed).

    Sign in afterwards with `POST /api/v1/auth/login`."""
    user = await service.register(data, client_info(request))
    return UserPublic.model_validate(user)


@router.post("/login", responses=error_responses(401, 403, 422, 429))
async def login(
    data: LoginRequest,
    request: Request,
    response: Response,
    service: AccountServiceDep,
    security: SecurityDep,
) -> TokenResponse:
    """Sign in with e-mail and password: an access token plus a refresh token (in an httpOnly
    cookie for browsers, or in the body with `"refresh_in": "body"`).

    Failed attempts are rate limited per client address and per account (growing lock-out)."""
    issued = await service.login(data.email, data.password, client_info(request))
    return _tokens(request, response, issued, security, in_body=data.refresh_in == "body")


@router.post("/refresh", responses=error_responses(401, 403, 422))
async def refresh(
    request: Request,
    response: Response,
    service: AccountServiceDep,
    security: SecurityDep,
    data: RefreshRequest | None = None,
) -> TokenResponse:
    """Exchange the refresh token for a new access token and a new refresh token.

    Send it in the body, or rely on the cookie and send the CSRF token in `X-CSRF-Token`. Every
    refresh token works once: using one again ends the session everywhere."""
    if data is not None and data.refresh_token:
        issued = await service.refresh(data.refresh_token, client_info(request))
        return _tokens(request, response, issued, security, in_body=True)
    token = cookie_refresh_token(request)
    issued = await service.refresh(token, client_info(request))
    return _tokens(request, response, issued, security, in_body=False)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 422),
    dependencies=[Depends(bearer_scheme)],
)
async def logout(
    request: Request,
    response: Response,
    service: AccountServiceDep,
    data: RefreshRequest | None = None,
) -> None:
    """End this session: identified by the access token, the refresh token in the body, or
    the refresh cookie (with `X-CSRF-Token`)."""
    done = False
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        try:
            auth = await service.authenticate(token.strip())
        except Unauthorized:
            pass  # an expired access token: fall back to the refresh token
        else:
            await service.logout(auth.user.id, auth.session_id)
            done = True
    if not done and data is not None and data.refresh_token:
        await service.logout_by_refresh(data.refresh_token)
        done = True
    if not done and has_refresh_cookie(request):
        await service.logout_by_refresh(cookie_refresh_token(request))
        done = True
    if not done:
        raise Unauthorized("nothing to log out: send the access or the refresh token")
    clear_auth_cookies(request, response)


@router.post(
    "/logout-all",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 429),
)
async def logout_all(
    request: Request, response: Response, auth: CurrentAuth, service: AccountServiceDep
) -> None:
    """End every session of this account, on every device (all tokens stop working)."""
    await service.logout_everywhere(auth.user)
    clear_auth_cookies(request, response)


@router.get("/me", responses=error_responses(401, 429))
async def get_me(user: CurrentUser) -> UserPublic:
    """The signed-in account."""
    return UserPublic.model_validate(user)


@router.patch("/me", responses=error_responses(401, 422, 429))
async def update_me(
    data: ProfileUpdate, user: CurrentUser, service: AccountServiceDep
) -> UserPublic:
    """Change the display name or language."""
    return UserPublic.model_validate(await service.update_profile(user, data))


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 422, 429),
)
async def change_password(
    data: PasswordChange,
    request: Request,
    response: Response,
    user: CurrentUser,
    service: AccountServiceDep,
) -> None:
    """Change the password. Ends every session, this one included: sign in again."""
    await service.change_password(user, data)
    clear_auth_cookies(request, response)


@router.get("/sessions", responses=error_responses(401, 429))
async def list_sessions(auth: CurrentAuth, service: AccountServiceDep) -> list[SessionPublic]:
    """Active sign-ins of this account (devices and API clients)."""
    sessions = await service.list_sessions(auth.user)
    return [
        SessionPublic.model_validate(s).model_copy(update={"current": s.id == auth.session_id})
        for s in sessions
    ]


@router.delete(
    "/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 404, 422, 429),
)
async def revoke_session(
    session_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="Session id.")],
    user: CurrentUser,
    service: AccountServiceDep,
) -> None:
    """Sign out one device."""
    await service.revoke_session(user, session_id)


# --- admin ---------------------------------------------------------------------------------


@admin_router.get("/users")
async def list_users(
    service: AccountServiceDep,
    page: Pagination,
    q: Annotated[str | None, Query(max_length=100, description="Part of e-mail or name.")] = None,
) -> Page[UserPublic]:
    """Every account, oldest first."""
    users, total = await service.list_users(offset=page.offset, limit=page.limit, query=q)
    return page.page([UserPublic.model_validate(u) for u in users], total)


@admin_router.post("/users", status_code=status.HTTP_201_CREATED, responses=error_responses(409))
async def create_user(data: UserCreate, service: AccountServiceDep) -> UserPublic:
    """Create an account (any registration mode)."""
    return UserPublic.model_validate(await service.create_user(data))


@admin_router.get("/users/{user_id}", responses=error_responses(404))
async def get_user(user_id: UserId, service: AccountServiceDep) -> UserPublic:
    return UserPublic.model_validate(await service.get_user(user_id))


@admin_router.patch("/users/{user_id}", responses=error_responses(404, 409))
async def update_user(
    user_id: UserId,
    data: UserUpdate,
    admin: AdminUser,
    service: AccountServiceDep,
    events: SettingsEventsDep,
) -> UserPublic:
    """Change role, name or active state. Disabling ends every session of the account at once
    and stops its alerts within a second."""
    user = await service.update_user(admin, user_id, data)
    if data.model_fields_set & {"role", "is_active"}:
        version = await SettingsRepository(service.session).version(user.id)
        events.changed(user.id, version if user.is_active else None)
    return UserPublic.model_validate(user)


@admin_router.delete(
    "/users/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(404, 409),
)
async def delete_user(
    user_id: UserId, admin: AdminUser, service: AccountServiceDep, events: SettingsEventsDep
) -> None:
    """Delete the account with all its data (settings, alerts, channels, sessions)."""
    await service.delete_user(admin, user_id)
    events.changed(user_id, None)


@admin_router.get("/invites")
async def list_invites(service: AccountServiceDep, page: Pagination) -> Page[InvitePublic]:
    """Issued invites, newest first (codes are never shown again)."""
    invites, total = await service.list_invites(offset=page.offset, limit=page.limit)
    return page.page([InvitePublic.model_validate(i) for i in invites], total)


@admin_router.post("/invites", status_code=status.HTTP_201_CREATED)
async def create_invite(
    data: InviteCreate, admin: AdminUser, service: AccountServiceDep
) -> InviteCreated:
    """Issue a single-use invite code (shown only in this response)."""
    invite, code = await service.create_invite(admin, data)
    return InviteCreated.model_validate(
        {**InvitePublic.model_validate(invite).model_dump(), "code": code}
    )


@admin_router.delete(
    "/invites/{invite_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(404),
)
async def delete_invite(invite_id: InviteId, service: AccountServiceDep) -> None:
    """Withdraw an invite (used or not)."""
    await service.delete_invite(invite_id)
