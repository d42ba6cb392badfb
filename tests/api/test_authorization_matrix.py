"""Every route of the app × {anonymous, user A, user B, admin} → the expected status.

The rows are checked against ``app.routes``: a new route without a row here (or a row for a route
that no longer exists) fails the test. Each row runs on fresh users and objects; objects in path
parameters belong to user A, so B's column shows what another user gets: 404, never 403.

Adding a row: ``"METHOD /path": Row(expect(anon, a, b, admin), body=..., path=...)``; ``body``
and ``path`` receive a :class:`Ctx` (fresh users, their tokens, and ``ctx.env``) and the principal;
``query`` holds the query parameters a route requires.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount, Route, WebSocketRoute

from tests.api.kit import API, PASSWORD, Env, bearer

PRINCIPALS = ("anon", "b", "admin", "a")  # A last: the owner's success may consume the object


def expect(anon: int, a: int, b: int, admin: int) -> dict[str, int]:
    return {"anon": anon, "a": a, "b": b, "admin": admin}


EVERYONE_200 = expect(200, 200, 200, 200)
SIGNED_IN = expect(401, 200, 200, 200)
ADMIN_ONLY = expect(401, 403, 403, 200)


@dataclass
class Ctx:
    env: Env
    users: dict[str, tuple[int, str]] = field(default_factory=dict)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    targets: dict[str, Any] = field(default_factory=dict)

    async def target(self, name: str, make: Callable[[], Awaitable[Any]]) -> Any:
        if name not in self.targets:
            self.targets[name] = await make()
        return self.targets[name]


Body = Callable[[Ctx, str], Awaitable[Any]]
PathParams = Callable[[Ctx], Awaitable[dict[str, Any]]]


@dataclass
class Row:
    expect: dict[str, int]
    body: Body | None = None
    path: PathParams | None = None
    query: dict[str, Any] | None = None


# --- bodies and targets --------------------------------------------------------------------


def fixed(value: Any) -> Body:
    async def body(ctx: Ctx, who: str) -> Any:
        return value

    return body


async def register_body(ctx: Ctx, who: str) -> Any:
    return {"email": ctx.env.unique_email("new"), "password": PASSWORD}


async def login_body(ctx: Ctx, who: str) -> Any:
    email = ctx.users[who][1] if who in ctx.users else "nobody@example.com"
    return {"email": email, "password": PASSWORD, "refresh_in": "body"}


async def refresh_body(ctx: Ctx, who: str) -> Any:
    return {"refresh_token": ctx.tokens[who]["refresh_token"]} if who in ctx.tokens else None


async def password_body(ctx: Ctx, who: str) -> Any:
    return {"current_password": PASSWORD, "new_password": "another long passphrase"}


async def new_user_body(ctx: Ctx, who: str) -> Any:
    return {"email": ctx.env.unique_email("made"), "password": PASSWORD}


async def a_session(ctx: Ctx) -> dict[str, Any]:
    async def make() -> str:
        token = await ctx.env.token(ctx.users["a"][1])
        sessions = await ctx.env.client.get(f"{API}/auth/sessions", headers=bearer(token))
        return str(next(s["id"] for s in sessions.json() if s["current"]))

    return {"session_id": await ctx.target("a_session", make)}


async def victim(ctx: Ctx) -> dict[str, Any]:
    async def make() -> int:
        return (await ctx.env.create_user(ctx.env.unique_email("victim")))[0]

    return {"user_id": await ctx.target("victim", make)}


async def invite(ctx: Ctx) -> dict[str, Any]:
    async def make() -> int:
        made = await ctx.env.client.post(
            f"{API}/admin/invites", json={}, headers=bearer(ctx.tokens["admin"]["access_token"])
        )
        return int(made.json()["id"])

    return {"invite_id": await ctx.target("invite", make)}


async def a_channel(ctx: Ctx) -> dict[str, Any]:
    async def make() -> int:
        made = await ctx.env.client.post(
            f"{API}/channels",
            json={
                "kind": "webhook",
                "name": "hook",
                "config": {"url": "https://hooks.example.com/in"},
                "secret": "s" * 20,
            },
            headers=bearer(ctx.tokens["a"]["access_token"]),
        )
        return int(made.json()["id"])

    return {"channel_id": await ctx.target("a_channel", make)}


async def an_email_channel(ctx: Ctx) -> dict[str, Any]:
    """A channel whose test needs no network: this server has no SMTP server configured."""

    async def make() -> int:
        made = await ctx.env.client.post(
            f"{API}/channels",
            json={"kind": "email", "name": "mail", "config": {"address": "a@example.com"}},
            headers=bearer(ctx.tokens["a"]["access_token"]),
        )
        return int(made.json()["id"])

    return {"channel_id": await ctx.target("an_email_channel", make)}


async def an_alert(ctx: Ctx) -> dict[str, Any]:
    async def make() -> int:
        from tests.seed import add_alerts

        return (await add_alerts(ctx.env.sessionmaker, ctx.users["a"][0], [{}]))[0]

    return {"alert_id": await ctx.target("an_alert", make)}


async def a_price_alert(ctx: Ctx, *, deleted: bool = False) -> dict[str, Any]:
    async def make() -> int:
        headers = bearer(ctx.tokens["a"]["access_token"])
        made = await ctx.env.client.post(
            f"{API}/price-alerts", json={"coin": "BTC", "max_price": "100000"}, headers=headers
        )
        price_alert_id = int(made.json()["id"])
        if deleted:
            await ctx.env.client.delete(f"{API}/price-alerts/{price_alert_id}", headers=headers)
        return price_alert_id

    name = "deleted_price_alert" if deleted else "a_price_alert"
    return {"price_alert_id": await ctx.target(name, make)}


async def a_deleted_price_alert(ctx: Ctx) -> dict[str, Any]:
    return await a_price_alert(ctx, deleted=True)


async def an_error(ctx: Ctx) -> dict[str, Any]:
    async def make() -> int:
        from tests.seed import error_row

        row = error_row("boom")
        async with ctx.env.sessionmaker() as session:
            session.add(row)
            await session.commit()
        return row.id

    return {"error_id": await ctx.target("an_error", make)}


WEBHOOK_BODY = {
    "kind": "webhook",
    "name": "mine",
    "config": {"url": "https://hooks.example.com/x"},
    "secret": "s" * 20,
}
OWNER_ONLY = expect(401, 200, 404, 404)
BTC_SPOT = {"exchange": "binance", "market": "spot", "symbol": "BTCUSDT"}

ROWS: dict[str, Row] = {
    # infrastructure
    "GET /healthz": Row(EVERYONE_200),
    "GET /readyz": Row(EVERYONE_200),
    "GET /metrics": Row(EVERYONE_200),  # the test client is a loopback client
    "GET /openapi.json": Row(EVERYONE_200),
    "GET /docs": Row(EVERYONE_200),
    "GET /docs/oauth2-redirect": Row(EVERYONE_200),
    "GET /redoc": Row(EVERYONE_200),
    # auth
    f"POST {API}/auth/register": Row(expect(201, 201, 201, 201), body=register_body),
    f"POST {API}/auth/login": Row(expect(401, 200, 200, 200), body=login_body),
    f"POST {API}/auth/refresh": Row(expect(401, 200, 200, 200), body=refresh_body),
    f"POST {API}/auth/logout": Row(expect(401, 204, 204, 204)),
    f"POST {API}/auth/logout-all": Row(expect(401, 204, 204, 204)),
    f"GET {API}/auth/me": Row(SIGNED_IN),
    f"PATCH {API}/auth/me": Row(SIGNED_IN, body=fixed({"display_name": "x"})),
    f"POST {API}/auth/password": Row(expect(401, 204, 204, 204), body=password_body),
    f"GET {API}/auth/sessions": Row(SIGNED_IN),
    f"DELETE {API}/auth/sessions/{{session_id}}": Row(expect(401, 204, 404, 404), path=a_session),
    # admin
    f"GET {API}/admin/users": Row(ADMIN_ONLY),
    f"POST {API}/admin/users": Row(expect(401, 403, 403, 201), body=new_user_body),
    f"GET {API}/admin/users/{{user_id}}": Row(ADMIN_ONLY, path=victim),
    f"PATCH {API}/admin/users/{{user_id}}": Row(
        ADMIN_ONLY, body=fixed({"display_name": "renamed"}), path=victim
    ),
    f"DELETE {API}/admin/users/{{user_id}}": Row(expect(401, 403, 403, 204), path=victim),
    f"GET {API}/admin/invites": Row(ADMIN_ONLY),
    f"POST {API}/admin/invites": Row(expect(401, 403, 403, 201), body=fixed({})),
    f"DELETE {API}/admin/invites/{{invite_id}}": Row(expect(401, 403, 403, 204), path=invite),
    f"GET {API}/admin/errors": Row(ADMIN_ONLY),
    f"DELETE {API}/admin/errors": Row(ADMIN_ONLY, query={"before": "2000-01-01T00:00:00Z"}),
    f"DELETE {API}/admin/errors/{{error_id}}": Row(expect(401, 403, 403, 204), path=an_error),
    f"GET {API}/admin/exchanges": Row(ADMIN_ONLY),
    f"GET {API}/admin/status": Row(ADMIN_ONLY),
    # channels
    f"GET {API}/channels": Row(SIGNED_IN),
    f"POST {API}/channels": Row(expect(401, 201, 201, 201), body=fixed(WEBHOOK_BODY)),
    f"GET {API}/channels/{{channel_id}}": Row(OWNER_ONLY, path=a_channel),
    f"PATCH {API}/channels/{{channel_id}}": Row(
        OWNER_ONLY, body=fixed({"enabled": False}), path=a_channel
    ),
    f"DELETE {API}/channels/{{channel_id}}": Row(expect(401, 204, 404, 404), path=a_channel),
    f"POST {API}/channels/telegram/link": Row(expect(401, 503, 503, 503)),  # no service bot
    f"POST {API}/channels/{{channel_id}}/test": Row(OWNER_ONLY, path=an_email_channel),
    # the rules document (each user's own)
    f"GET {API}/settings": Row(SIGNED_IN),
    f"PUT {API}/settings": Row(SIGNED_IN, body=fixed({"cooldown_s": 90})),
    f"POST {API}/settings/dry-run": Row(SIGNED_IN, body=fixed({"settings": {}, "hours": 1})),
    # alerts (each user's own)
    f"GET {API}/alerts": Row(SIGNED_IN),
    f"DELETE {API}/alerts": Row(SIGNED_IN),
    f"POST {API}/alerts/read-all": Row(SIGNED_IN),
    f"GET {API}/alerts/{{alert_id}}": Row(OWNER_ONLY, path=an_alert),
    f"POST {API}/alerts/{{alert_id}}/read": Row(OWNER_ONLY, path=an_alert),
    f"DELETE {API}/alerts/{{alert_id}}": Row(expect(401, 204, 404, 404), path=an_alert),
    f"GET {API}/alerts/{{alert_id}}/candles": Row(OWNER_ONLY, path=an_alert),
    # statistics
    f"GET {API}/stats": Row(SIGNED_IN),
    # price alerts (each user's own)
    f"GET {API}/price-alerts": Row(SIGNED_IN),
    f"GET {API}/price-alerts/deleted": Row(SIGNED_IN),
    f"POST {API}/price-alerts": Row(
        expect(401, 201, 201, 201), body=fixed({"coin": "ETH", "min_price": "1000"})
    ),
    f"GET {API}/price-alerts/{{price_alert_id}}": Row(OWNER_ONLY, path=a_price_alert),
    f"PATCH {API}/price-alerts/{{price_alert_id}}": Row(
        OWNER_ONLY, body=fixed({"max_price": "120000"}), path=a_price_alert
    ),
    f"DELETE {API}/price-alerts/{{price_alert_id}}": Row(
        expect(401, 204, 404, 404), path=a_price_alert
    ),
    f"POST {API}/price-alerts/{{price_alert_id}}/restore": Row(
        OWNER_ONLY, path=a_deleted_price_alert
    ),
    f"GET {API}/price-alerts/{{price_alert_id}}/history": Row(OWNER_ONLY, path=a_price_alert),
    f"GET {API}/price-alerts/{{price_alert_id}}/history.csv": Row(OWNER_ONLY, path=a_price_alert),
    # markets (the same for everyone signed in)
    f"GET {API}/markets": Row(SIGNED_IN),
    f"GET {API}/symbols": Row(SIGNED_IN),
    f"GET {API}/prices/latest": Row(expect(401, 404, 404, 404), query=BTC_SPOT),
    f"GET {API}/candles": Row(SIGNED_IN, query=BTC_SPOT),
    # the live stream (authenticated inside the socket: tests/roles/test_stream.py)
    f"WS {API}/stream": Row(SIGNED_IN),
}


def route_keys(routes: list[Any]) -> set[str]:
    """``METHOD /path`` for every effective route (included routers flattened)."""
    keys: set[str] = set()
    for context in iter_route_contexts(routes):
        route = context.original_route
        if isinstance(route, APIRoute | Route):
            methods = (context.methods or set()) - {"HEAD", "OPTIONS"}
            keys.update(f"{method} {context.path}" for method in methods)
        elif isinstance(route, WebSocketRoute):
            keys.add(f"WS {context.path}")
        elif isinstance(route, Mount):
            keys.add(f"MOUNT {context.path}")
        else:  # a new kind of route needs handling here
            keys.add(f"UNKNOWN {route!r}")
    return keys


async def test_every_route_has_a_row(env: Env) -> None:
    keys = route_keys(env.app.routes)
    missing = sorted(keys - ROWS.keys())
    stale = sorted(ROWS.keys() - keys)
    assert not missing, f"routes without a row in the authorization matrix: {missing}"
    assert not stale, f"rows for routes that do not exist: {stale}"


async def _fresh_ctx(env: Env) -> Ctx:
    ctx = Ctx(env=env)
    for who, role in (("a", "user"), ("b", "user"), ("admin", "admin")):
        ctx.users[who] = await env.create_user(env.unique_email(who), role=role)
        ctx.tokens[who] = await env.login(ctx.users[who][1], refresh_in="body")
    return ctx


async def test_authorization_matrix(env: Env) -> None:
    failures: list[str] = []
    for key, row in ROWS.items():
        method, path = key.split(" ", 1)
        if method in {"WS", "MOUNT"}:
            continue
        ctx = await _fresh_ctx(env)
        url = path.format(**(await row.path(ctx))) if row.path else path
        for who in PRINCIPALS:
            headers = bearer(ctx.tokens[who]["access_token"]) if who in ctx.tokens else {}
            body = await row.body(ctx, who) if row.body else None
            response = await env.client.request(
                method,
                url,
                headers=headers,
                json=body if body is not None else None,
                params=row.query,
            )
            wanted = row.expect[who]
            if response.status_code != wanted:
                failures.append(f"{key} as {who}: {response.status_code} != {wanted}")
            elif response.status_code >= 400:
                error = response.json().get("error", {})
                if not isinstance(error.get("code"), str):
                    failures.append(f"{key} as {who}: error body {response.text!r}")
    assert not failures, "\n".join(failures)


async def test_a_new_route_without_a_row_is_noticed(env: Env) -> None:
    async def new_endpoint() -> dict[str, str]:
        return {}

    env.app.add_api_route(f"{API}/brand-new/{{thing_id}}", new_endpoint, methods=["PUT"])
    assert route_keys(env.app.routes) - ROWS.keys() == {f"PUT {API}/brand-new/{{thing_id}}"}
