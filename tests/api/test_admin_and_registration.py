"""Registration modes (open, invite, closed), invites and user administration."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from tests.api.kit import API, PASSWORD, Env, bearer
from tests.seed import add_rows, error_row, member
from wickwatch.storage.models import AuthSession, User, UserSettings


async def _register(env: Env, email: str, **extra: Any) -> Any:
    return await env.client.post(
        f"{API}/auth/register", json={"email": email, "password": PASSWORD, **extra}
    )


async def test_closed_registration(make_env: Any) -> None:
    env: Env = await make_env(registration_mode="closed")
    response = await _register(env, "a@example.com")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "registration_closed"


async def test_invite_only_registration(make_env: Any) -> None:
    env: Env = await make_env(registration_mode="invite")
    _, admin_email = await env.create_user(role="admin")
    admin = bearer(await env.token(admin_email))

    missing = await _register(env, "a@example.com")
    assert missing.status_code == 403 and missing.json()["error"]["code"] == "invite_invalid"
    bogus = await _register(env, "a@example.com", invite_code="wwi_bogus")
    assert bogus.status_code == 403

    created = await env.client.post(
        f"{API}/admin/invites", json={"note": "for Carol"}, headers=admin
    )
    assert created.status_code == 201
    invite = created.json()
    code = invite["code"]
    assert code.startswith("wwi_") and invite["used_at"] is None

    ok = await _register(env, "carol@example.com", invite_code=code)
    assert ok.status_code == 201 and ok.json()["role"] == "user"
    reused = await _register(env, "dave@example.com", invite_code=code)
    assert reused.status_code == 403  # single use

    listed = (await env.client.get(f"{API}/admin/invites", headers=admin)).json()
    assert listed["total"] == 1
    assert listed["items"][0]["used_by"] == ok.json()["id"]
    assert "code" not in listed["items"][0] and code not in str(listed)


async def test_invite_for_one_address_with_a_role_and_expiry(make_env: Any) -> None:
    env: Env = await make_env(registration_mode="invite")
    _, admin_email = await env.create_user(role="admin")
    admin = bearer(await env.token(admin_email))
    made = await env.client.post(
        f"{API}/admin/invites",
        json={"email": "Eve@Example.com", "role": "admin", "expires_in_s": 3600},
        headers=admin,
    )
    code = made.json()["code"]
    assert (await _register(env, "mallory@example.com", invite_code=code)).status_code == 403
    env.clock.advance(3601)
    assert (await _register(env, "eve@example.com", invite_code=code)).status_code == 403

    admin = bearer(await env.token(admin_email))  # the old access token expired meanwhile
    fresh = await env.client.post(
        f"{API}/admin/invites", json={"email": "eve@example.com", "role": "admin"}, headers=admin
    )
    registered = await _register(env, "EVE@example.com", invite_code=fresh.json()["code"])
    assert registered.status_code == 201 and registered.json()["role"] == "admin"

    withdrawn = await env.client.post(f"{API}/admin/invites", json={}, headers=admin)
    invite_id = withdrawn.json()["id"]
    deleted = await env.client.delete(f"{API}/admin/invites/{invite_id}", headers=admin)
    assert deleted.status_code == 204
    gone = await _register(env, "x@example.com", invite_code=withdrawn.json()["code"])
    assert gone.status_code == 403
    missing = await env.client.delete(f"{API}/admin/invites/{invite_id}", headers=admin)
    assert missing.status_code == 404


async def test_invites_stop_working_when_their_admin_loses_the_role(make_env: Any) -> None:
    """Codes an admin made (and may have kept) open no account once that admin is demoted,
    disabled or deleted: they created new administrators for ever."""
    env: Env = await make_env(registration_mode="invite")
    _, boss_email = await env.create_user(role="admin")
    boss = bearer(await env.token(boss_email))
    codes: dict[str, str] = {}
    for how in ("demoted", "disabled", "deleted"):
        rogue_id, rogue_email = await env.create_user(f"{how}@example.com", role="admin")
        rogue = bearer(await env.token(rogue_email))
        made = await env.client.post(f"{API}/admin/invites", json={"role": "admin"}, headers=rogue)
        assert made.status_code == 201, made.text
        codes[how] = made.json()["code"]
        if how == "deleted":
            done = await env.client.delete(f"{API}/admin/users/{rogue_id}", headers=boss)
        else:
            change = {"role": "user"} if how == "demoted" else {"is_active": False}
            url = f"{API}/admin/users/{rogue_id}"
            done = await env.client.patch(url, json=change, headers=boss)
        assert done.status_code in (200, 204), done.text
    for how, code in codes.items():
        refused = await _register(env, f"new-{how}@example.com", invite_code=code)
        assert refused.status_code == 403, (how, refused.text)
    kept = await env.client.post(f"{API}/admin/invites", json={}, headers=boss)
    welcome = await _register(env, "ok@example.com", invite_code=kept.json()["code"])
    assert welcome.status_code == 201, welcome.text


async def test_open_registration_rules(env: Env) -> None:
    assert (await _register(env, "a@example.com")).status_code == 201
    taken = await _register(env, "A@EXAMPLE.com")
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "email_taken"
    as_admin = await _register(env, "b@example.com", role="admin")
    assert as_admin.status_code == 422
    assert as_admin.json()["error"]["details"][0]["field"] == "body.role"


async def test_422_names_the_field(env: Env) -> None:
    cases = {
        "body.email": {"email": "not-an-email", "password": PASSWORD},
        "body.password": {"email": "c@example.com", "password": "short"},
    }
    for field, body in cases.items():
        response = await env.client.post(f"{API}/auth/register", json=body)
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert [d["field"] for d in error["details"]] == [field]
    for weak in ("qwertyuiop", "1234567890", "aaaaaaaaaaaa", "c@example.com"):
        response = await _register(env, "c@example.com", password=weak)
        assert response.status_code == 422, weak
        assert response.json()["error"]["details"][0]["field"] == "body.password"


async def test_admin_manages_users(env: Env) -> None:
    admin_id, admin_email = await env.create_user(role="admin")
    admin = bearer(await env.token(admin_email))
    created = await env.client.post(
        f"{API}/admin/users",
        json={"email": "bob@example.com", "password": PASSWORD, "display_name": "Bob"},
        headers=admin,
    )
    assert created.status_code == 201
    bob_id = created.json()["id"]
    assert (
        await env.client.post(
            f"{API}/admin/users",
            json={"email": "bob@example.com", "password": PASSWORD},
            headers=admin,
        )
    ).status_code == 409

    page = (await env.client.get(f"{API}/admin/users?limit=1", headers=admin)).json()
    assert page["total"] == 2 and len(page["items"]) == 1 and page["limit"] == 1
    found = (await env.client.get(f"{API}/admin/users?q=BOB", headers=admin)).json()
    assert [u["id"] for u in found["items"]] == [bob_id]
    assert (await env.client.get(f"{API}/admin/users?q=%25", headers=admin)).json()["total"] == 0

    promoted = await env.client.patch(
        f"{API}/admin/users/{bob_id}", json={"role": "admin"}, headers=admin
    )
    assert promoted.json()["role"] == "admin"
    fetched = await env.client.get(f"{API}/admin/users/{bob_id}", headers=admin)
    assert fetched.json()["role"] == "admin"

    for change in ({"role": "user"}, {"is_active": False}):
        own = await env.client.patch(f"{API}/admin/users/{admin_id}", json=change, headers=admin)
        assert own.status_code == 409
    own_delete = await env.client.delete(f"{API}/admin/users/{admin_id}", headers=admin)
    assert own_delete.status_code == 409
    assert (await env.client.get(f"{API}/admin/users/999999", headers=admin)).status_code == 404
    huge = await env.client.get(f"{API}/admin/users/{2**70}", headers=admin)
    assert huge.status_code == 422


async def test_deleting_a_user_deletes_their_data(env: Env) -> None:
    _, admin_email = await env.create_user(role="admin")
    admin = bearer(await env.token(admin_email))
    user_id, email = await env.create_user()
    token = await env.token(email)
    async with env.sessionmaker() as session:
        session.add(UserSettings(user_id=user_id, document={}))
        await session.commit()

    deleted = await env.client.delete(f"{API}/admin/users/{user_id}", headers=admin)
    assert deleted.status_code == 204
    assert (await env.client.get(f"{API}/auth/me", headers=bearer(token))).status_code == 401
    async with env.sessionmaker() as session:
        assert await session.get(User, user_id) is None
        for table in (UserSettings, AuthSession):
            count = await session.scalar(
                select(func.count()).select_from(table).where(table.user_id == user_id)
            )
            assert count == 0
    again = await env.client.delete(f"{API}/admin/users/{user_id}", headers=admin)
    assert again.status_code == 404


async def test_admin_searches_fold_the_case_of_any_alphabet(env: Env) -> None:
    """ "иван" finds Иван Петров and "ошибка" finds "Ошибка доставки" on SQLite too (its own
    lower() folds ASCII only; PostgreSQL's folds every alphabet)."""
    _, admin = await member(env, "admin")
    user_id, _ = await env.create_user()
    named = await env.client.patch(
        f"{API}/admin/users/{user_id}", headers=admin, json={"display_name": "Иван Петров"}
    )
    assert named.status_code == 200, named.text
    await add_rows(env.sessionmaker, [error_row("Ошибка доставки: Telegram")])

    users = await env.client.get(f"{API}/admin/users", params={"q": "иван"}, headers=admin)
    errors = await env.client.get(f"{API}/admin/errors", params={"q": "ошибка"}, headers=admin)

    assert [u["id"] for u in users.json()["items"]] == [user_id]
    assert len(errors.json()["items"]) == 1
