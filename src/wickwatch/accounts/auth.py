"""Who is calling: FastAPI dependencies for the current user, and the browser's auth cookies.

Use in any router::

    from wickwatch.accounts.auth import AdminUser, CurrentUser
    from wickwatch.api.deps import DbSession

    @router.get("/things")
    async def list_things(user: CurrentUser, session: DbSession) -> list[Thing]: ...

``CurrentUser`` is 401 without a valid access token (``Authorization: Bearer …``); ``AdminUser``
is additionally 403 for non-admins. Objects of other users must be answered with 404 (filter by
``user.id`` in the query), never 403. WebSocket routes take ``WebSocketAuth`` instead (see
:func:`get_websocket_auth`).

Browsers keep the refresh token in an httpOnly, ``SameSite=Strict`` cookie scoped to
``/api/v1/auth`` (``Secure`` over HTTPS), so page scripts never see it. Requests that use the
cookie (refresh, logout) must also send the CSRF token in ``X-CSRF-Token``: it is returned in the
login/refresh body and set in the script-readable ``ww_csrf`` cookie (double submit).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request, Response, WebSocket, WebSocketException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from wickwatch.accounts.errors import CsrfFailed, Forbidden, Unauthorized
from wickwatch.accounts.security import Security
from wickwatch.accounts.service import AccountService, Authenticated, ClientInfo
from wickwatch.accounts.tokens import new_csrf_token, same_token
from wickwatch.api.deps import DbSession, SecurityDep
from wickwatch.errors import WickwatchError
from wickwatch.storage.models import User

AUTH_PATH = "/api/v1/auth"
REFRESH_COOKIE = "ww_refresh"
CSRF_COOKIE = "ww_csrf"
CSRF_HEADER = "X-CSRF-Token"

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="AccessToken",
    description="Access token from `POST /api/v1/auth/login` or `/refresh`.",
)


def get_account_service(session: DbSession, security: SecurityDep) -> AccountService:
    return AccountService(session, security)


AccountServiceDep = Annotated[AccountService, Depends(get_account_service)]


def client_info(request: Request) -> ClientInfo:
    """The caller's address (after trusted-proxy resolution) and user agent."""
    host = request.client.host if request.client else "unknown"
    return ClientInfo(ip=host, user_agent=request.headers.get("user-agent"))


async def get_optional_auth(
    request: Request,
    service: AccountServiceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Authenticated | None:
    """The caller's identity when a bearer token is sent (an invalid one is a 401)."""
    if credentials is None:
        return None
    auth = await service.authenticate(credentials.credentials)
    request.state.user_id = auth.user.id
    return auth


OptionalAuth = Annotated[Authenticated | None, Depends(get_optional_auth)]


async def get_auth(auth: OptionalAuth) -> Authenticated:
    if auth is None:
        raise Unauthorized("sign in first: send `Authorization: Bearer <access token>`")
    return auth


CurrentAuth = Annotated[Authenticated, Depends(get_auth)]


async def get_current_user(auth: CurrentAuth) -> User:
    return auth.user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_admin_user(user: CurrentUser) -> User:
    if user.role != "admin":
        raise Forbidden("administrators only")
    return user


AdminUser = Annotated[User, Depends(get_admin_user)]


# --- WebSocket ---------------------------------------------------------------------------------

WS_SUBPROTOCOL = "bearer"


def websocket_token(websocket: WebSocket) -> str | None:
    """The access token of a WebSocket handshake: the subprotocol pair ``bearer, <token>``
    (``new WebSocket(url, ["bearer", token])`` — preferred, it stays out of URLs and logs) or
    the ``access_token`` query parameter."""
    protocols = [str(p).strip() for p in websocket.scope.get("subprotocols", [])]
    if len(protocols) >= 2 and protocols[0] == WS_SUBPROTOCOL:
        return protocols[1]
    return websocket.query_params.get("access_token") or None


async def get_websocket_auth(websocket: WebSocket) -> Authenticated:
    """The caller of a WebSocket route; the handshake is refused (1008) without a valid token.

    Accept with ``await websocket.accept(subprotocol=WS_SUBPROTOCOL)`` when the client offered
    it. The token is checked once: close the socket at ``auth.claims.expires_at`` (the client
    reconnects with a fresh token), so a revoked session is cut off within one token lifetime.
    """
    token = websocket_token(websocket)
    if not token:
        raise WebSocketException(status.WS_1008_POLICY_VIOLATION, "sign in first")
    security: Security = websocket.app.state.security
    async with websocket.app.state.sessionmaker() as session:
        try:
            return await AccountService(session, security).authenticate(token)
        except (Unauthorized, Forbidden) as exc:
            raise WebSocketException(status.WS_1008_POLICY_VIOLATION, exc.message) from None
        except WickwatchError as exc:  # rate limited
            raise WebSocketException(status.WS_1013_TRY_AGAIN_LATER, exc.message) from None


WebSocketAuth = Annotated[Authenticated, Depends(get_websocket_auth)]


# --- cookies -------------------------------------------------------------------------------


def set_auth_cookies(
    request: Request, response: Response, refresh_token: str, expires_at: datetime
) -> str:
    """Put the refresh token and a fresh CSRF token in cookies; returns the CSRF token."""
    secure = request.url.scheme == "https"
    csrf = new_csrf_token()
    response.set_cookie(
        REFRESH_COOKIE,
        refresh_token,
        expires=expires_at,
        path=AUTH_PATH,
        secure=secure,
        httponly=True,
        samesite="strict",
    )
    response.set_cookie(
        CSRF_COOKIE,
        csrf,
        expires=expires_at,
        path="/",
        secure=secure,
        httponly=False,
        samesite="strict",
    )
    return csrf


def clear_auth_cookies(request: Request, response: Response) -> None:
    secure = request.url.scheme == "https"
    response.delete_cookie(
        REFRESH_COOKIE, path=AUTH_PATH, secure=secure, httponly=True, samesite="strict"
    )
    response.delete_cookie(CSRF_COOKIE, path="/", secure=secure, httponly=False, samesite="strict")


def has_refresh_cookie(request: Request) -> bool:
    return bool(request.cookies.get(REFRESH_COOKIE))


def cookie_refresh_token(request: Request) -> str:
    """The refresh token from the cookie, after the CSRF double-submit check."""
    token = request.cookies.get(REFRESH_COOKIE)
    if not token:
        raise Unauthorized("no refresh token: send it in the body or sign in again")
    if not same_token(request.headers.get(CSRF_HEADER), request.cookies.get(CSRF_COOKIE)):
        raise CsrfFailed(f"the {CSRF_HEADER} header must match the {CSRF_COOKIE} cookie")
    return token
