"""Sign-up, sign-in, refresh rotation with reuse detection, logout and the ways a session ends,
on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.api.kit import API, PASSWORD, Env, bearer


async def test_register_login_me(env: Env) -> None:
    registered = await env.client.post(
        f"{API}/auth/register",
        json={"email": "Ada@Example.COM", "password": PASSWORD, "display_name": "Ada"},
    )
    assert registered.status_code == 201, registered.text
    user = registered.json()
    assert user["email"] == "ada@example.com" and user["role"] == "user"
    assert set(user) == {
        "id", "email", "role", "is_active", "display_name", "locale", "created_at",
        "last_login_at",
    }  # fmt: skip

    tokens = await env.login("ADA@example.com ")
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 900
    assert tokens["refresh_token"] is None and tokens["csrf_token"]
    me = await env.client.get(f"{API}/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200 and me.json()["email"] == "ada@example.com"
    assert me.json()["last_login_at"] is not None


async def test_wrong_password_and_unknown_user_look_the_same(env: Env) -> None:
    _, email = await env.create_user()
    calls: list[str] = []
    hasher = env.app.state.security.passwords
    real_verify, real_dummy, real_hash = hasher.verify, hasher.verify_dummy, hasher.hash

    async def hash_(password: str) -> str:
        calls.append("hash")
        return str(await real_hash(password))

    async def verify(encoded: str, password: str) -> bool:
        calls.append("verify")
        return bool(await real_verify(encoded, password))

    async def dummy(password: str) -> None:
        calls.append("dummy")
        await real_dummy(password)

    hasher.verify, hasher.verify_dummy, hasher.hash = verify, dummy, hash_
    wrong = await env.client.post(
        f"{API}/auth/login", json={"email": email, "password": "not the password"}
    )
    unknown = await env.client.post(
        f"{API}/auth/login", json={"email": "nobody@example.com", "password": "whatever it is"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "invalid_credentials"
    assert wrong.headers["www-authenticate"] == "Bearer"
    # an unknown user still pays a full verification, against the dummy hash, and not a hash
    # more (the dummy hash is made when the app starts, not at the first unknown login)
    assert calls == ["verify", "dummy", "verify"]


async def test_access_token_expires(env: Env) -> None:
    _, email = await env.create_user()
    token = await env.token(email)
    assert (await env.client.get(f"{API}/auth/me", headers=bearer(token))).status_code == 200
    env.clock.advance(899)
    assert (await env.client.get(f"{API}/auth/me", headers=bearer(token))).status_code == 200
    env.clock.advance(1)
    expired = await env.client.get(f"{API}/auth/me", headers=bearer(token))
    assert expired.status_code == 401
    assert expired.json()["error"]["message"] == "access token expired"


async def test_garbage_and_forged_tokens_are_401(env: Env) -> None:
    import jwt

    _, email = await env.create_user()
    token = await env.token(email)
    claims = jwt.decode(token, options={"verify_signature": False})
    guessed_key = "a guessed key of thirty-two bytes!"
    forged_admin = jwt.encode({**claims, "role": "admin"}, guessed_key, algorithm="HS256")
    unsigned = jwt.encode(claims, None, algorithm="none")  # type: ignore[arg-type]
    for bad in ("garbage", token[:-3] + "abc", forged_admin, unsigned, ""):
        response = await env.client.get(f"{API}/auth/me", headers=bearer(bad))
        assert response.status_code == 401, bad
        assert response.json()["error"]["code"] == "unauthorized"


async def _refresh(env: Env, token: str) -> Any:
    return await env.client.post(f"{API}/auth/refresh", json={"refresh_token": token})


async def test_refresh_rotates_and_reuse_revokes_the_family(env: Env) -> None:
    _, email = await env.create_user()
    first = await env.login(email, refresh_in="body")
    second = await _refresh(env, first["refresh_token"])
    assert second.status_code == 200
    second_body = second.json()
    assert second_body["refresh_token"] != first["refresh_token"]
    assert second_body["access_token"] != first["access_token"]

    # within seconds of its use (two tabs refreshing at once, a lost answer): another token
    again = await _refresh(env, first["refresh_token"])
    assert again.status_code == 200, again.text
    assert again.json()["refresh_token"] != second_body["refresh_token"]

    # the old refresh token comes back later (a stolen copy): the whole session ends
    env.clock.advance(16)
    reused = await _refresh(env, first["refresh_token"])
    assert reused.status_code == 401
    assert "already used" in reused.json()["error"]["message"]
    assert (await _refresh(env, second_body["refresh_token"])).status_code == 401
    me = await env.client.get(f"{API}/auth/me", headers=bearer(second_body["access_token"]))
    assert me.status_code == 401

    # other sessions of the same user are untouched
    other = await env.login(email, refresh_in="body")
    assert (await _refresh(env, other["refresh_token"])).status_code == 200


async def test_two_tabs_refreshing_at_once_keep_the_session(env: Env) -> None:
    _, email = await env.create_user()
    first = await env.login(email, refresh_in="body")
    answers = await asyncio.gather(*(_refresh(env, first["refresh_token"]) for _ in range(2)))
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    for answer in answers:
        me = await env.client.get(f"{API}/auth/me", headers=bearer(answer.json()["access_token"]))
        assert me.status_code == 200


async def test_refresh_token_expires(env: Env) -> None:
    _, email = await env.create_user()
    tokens = await env.login(email, refresh_in="body")
    env.clock.advance(env.settings.refresh_token_ttl_s + 1)
    response = await _refresh(env, tokens["refresh_token"])
    assert response.status_code == 401 and "expired" in response.json()["error"]["message"]
    assert (await _refresh(env, "wwr_unknown")).status_code == 401


async def test_cookie_refresh_needs_the_csrf_header(env: Env) -> None:
    _, email = await env.create_user()
    login = await env.client.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
    body = login.json()
    cookies = {c.name: c for c in env.client.cookies.jar}
    refresh_cookie = cookies["ww_refresh"]
    assert refresh_cookie.path == "/api/v1/auth"
    assert refresh_cookie.has_nonstandard_attr("HttpOnly")
    assert refresh_cookie.get_nonstandard_attr("SameSite") == "strict"
    assert not refresh_cookie.secure  # plain http in the test; https sets Secure
    set_cookie = login.headers.get_list("set-cookie")
    assert any("ww_refresh=" in c and "HttpOnly" in c for c in set_cookie)
    assert cookies["ww_csrf"].value == body["csrf_token"]

    no_header = await env.client.post(f"{API}/auth/refresh")
    assert no_header.status_code == 403 and no_header.json()["error"]["code"] == "csrf_failed"
    wrong = await env.client.post(f"{API}/auth/refresh", headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    ok = await env.client.post(f"{API}/auth/refresh", headers={"X-CSRF-Token": body["csrf_token"]})
    assert ok.status_code == 200 and ok.json()["refresh_token"] is None
    new_csrf = ok.json()["csrf_token"]
    assert new_csrf != body["csrf_token"]

    logout = await env.client.post(f"{API}/auth/logout", headers={"X-CSRF-Token": new_csrf})
    assert logout.status_code == 204
    assert "ww_refresh" not in {c.name for c in env.client.cookies.jar}
    again = await env.client.post(f"{API}/auth/refresh", headers={"X-CSRF-Token": new_csrf})
    assert again.status_code == 401


async def test_secure_cookie_over_https_behind_a_trusted_proxy(make_env: Any) -> None:
    env: Env = await make_env(trusted_proxies="127.0.0.1")
    _, email = await env.create_user()
    login = await env.client.post(
        f"{API}/auth/login",
        json={"email": email, "password": PASSWORD},
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"},
    )
    refresh_cookie = next(c for c in login.headers.get_list("set-cookie") if "ww_refresh" in c)
    assert "Secure" in refresh_cookie
    assert login.headers["strict-transport-security"].startswith("max-age=")


async def test_logout_ends_only_this_session(env: Env) -> None:
    _, email = await env.create_user()
    phone, laptop = await env.token(email), await env.token(email)
    assert (await env.client.post(f"{API}/auth/logout", headers=bearer(phone))).status_code == 204
    assert (await env.client.get(f"{API}/auth/me", headers=bearer(phone))).status_code == 401
    assert (await env.client.get(f"{API}/auth/me", headers=bearer(laptop))).status_code == 200
    assert (await env.client.post(f"{API}/auth/logout")).status_code == 401


async def test_logout_with_refresh_token_after_the_access_token_expired(env: Env) -> None:
    _, email = await env.create_user()
    tokens = await env.login(email, refresh_in="body")
    env.clock.advance(3600)
    response = await env.client.post(
        f"{API}/auth/logout",
        json={"refresh_token": tokens["refresh_token"]},
        headers=bearer(tokens["access_token"]),
    )
    assert response.status_code == 204
    assert (await _refresh(env, tokens["refresh_token"])).status_code == 401


async def test_logout_everywhere(env: Env) -> None:
    _, email = await env.create_user()
    one = await env.login(email, refresh_in="body")
    two = await env.token(email)
    response = await env.client.post(f"{API}/auth/logout-all", headers=bearer(two))
    assert response.status_code == 204
    me = await env.client.get(f"{API}/auth/me", headers=bearer(one["access_token"]))
    assert me.status_code == 401
    assert (await _refresh(env, one["refresh_token"])).status_code == 401
    assert (await env.client.get(f"{API}/auth/me", headers=bearer(two))).status_code == 401


async def test_password_change_ends_every_session(env: Env) -> None:
    _, email = await env.create_user()
    other = await env.login(email, refresh_in="body")
    token = await env.token(email)
    wrong = await env.client.post(
        f"{API}/auth/password",
        json={"current_password": "not my password", "new_password": "a brand new passphrase"},
        headers=bearer(token),
    )
    assert wrong.status_code == 422
    assert wrong.json()["error"]["details"][0]["field"] == "body.current_password"
    weak = await env.client.post(
        f"{API}/auth/password",
        json={"current_password": PASSWORD, "new_password": "password123"},
        headers=bearer(token),
    )
    assert weak.status_code == 422
    assert weak.json()["error"]["details"][0]["field"] == "body.new_password"

    changed = await env.client.post(
        f"{API}/auth/password",
        json={"current_password": PASSWORD, "new_password": "a brand new passphrase"},
        headers=bearer(token),
    )
    assert changed.status_code == 204
    for access in (token, other["access_token"]):
        assert (await env.client.get(f"{API}/auth/me", headers=bearer(access))).status_code == 401
    assert (await _refresh(env, other["refresh_token"])).status_code == 401
    old = await env.client.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
    assert old.status_code == 401
    await env.login(email, "a brand new passphrase")


async def test_disabled_user_is_locked_out_at_once(env: Env) -> None:
    _, admin_email = await env.create_user(role="admin")
    user_id, email = await env.create_user()
    admin = await env.token(admin_email)
    tokens = await env.login(email, refresh_in="body")

    disabled = await env.client.patch(
        f"{API}/admin/users/{user_id}", json={"is_active": False}, headers=bearer(admin)
    )
    assert disabled.status_code == 200 and disabled.json()["is_active"] is False
    me = await env.client.get(f"{API}/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 401
    assert (await _refresh(env, tokens["refresh_token"])).status_code == 401
    login = await env.client.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 403 and login.json()["error"]["code"] == "account_disabled"

    await env.client.patch(
        f"{API}/admin/users/{user_id}", json={"is_active": True}, headers=bearer(admin)
    )
    await env.login(email)


async def test_sessions_list_and_revoke(env: Env) -> None:
    _, email = await env.create_user()
    _, other_email = await env.create_user()
    first = await env.token(email)
    second = await env.token(email)
    other = await env.token(other_email)
    listed = await env.client.get(f"{API}/auth/sessions", headers=bearer(second))
    assert listed.status_code == 200
    sessions = listed.json()
    assert len(sessions) == 2 and sum(s["current"] for s in sessions) == 1
    assert {s["ip"] for s in sessions} == {"127.0.0.1"}
    first_id = next(s["id"] for s in sessions if not s["current"])

    # another user cannot see or end it: 404, not 403
    foreign = await env.client.delete(f"{API}/auth/sessions/{first_id}", headers=bearer(other))
    assert foreign.status_code == 404
    ended = await env.client.delete(f"{API}/auth/sessions/{first_id}", headers=bearer(second))
    assert ended.status_code == 204
    assert (await env.client.get(f"{API}/auth/me", headers=bearer(first))).status_code == 401
    again = await env.client.delete(f"{API}/auth/sessions/{first_id}", headers=bearer(second))
    assert again.status_code == 404


async def test_profile_update(env: Env) -> None:
    _, email = await env.create_user()
    token = await env.token(email)
    updated = await env.client.patch(
        f"{API}/auth/me", json={"display_name": "New", "locale": "ru"}, headers=bearer(token)
    )
    assert updated.status_code == 200
    assert updated.json()["display_name"] == "New" and updated.json()["locale"] == "ru"
    cleared = await env.client.patch(
        f"{API}/auth/me", json={"display_name": None}, headers=bearer(token)
    )
    assert cleared.json()["display_name"] is None and cleared.json()["locale"] == "ru"
    sneaky = await env.client.patch(f"{API}/auth/me", json={"role": "admin"}, headers=bearer(token))
    assert sneaky.status_code == 422
    assert sneaky.json()["error"]["details"][0]["field"] == "body.role"
