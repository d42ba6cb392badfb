"""Delivery channels: CRUD scoped to the owner, secrets encrypted at rest and only masked, and
no secret in any response or log line."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import select

from tests.api.kit import API, PASSWORD, Env, bearer
from wickwatch.storage.models import Channel

BOT_TOKEN = "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ"
SMTP_PASSWORD = "smtp-pass-Zq81-vvX"
WEBHOOK_SECRET = "whsec_9f8e7d6c5b4a3921"

TELEGRAM = {
    "kind": "telegram",
    "name": "My bot",
    "config": {"chat_id": 123456789},
    "secret": BOT_TOKEN,
}
EMAIL = {
    "kind": "email",
    "name": "Mail",
    "config": {
        "address": "me@example.com",
        "smtp": {"host": "smtp.example.com", "username": "me", "from": "Me <me@example.com>"},
    },
    "secret": SMTP_PASSWORD,
}
#: a login without STARTTLS or TLS: the password would cross the network readable
CLEAR_TEXT_SMTP = {"host": "smtp.example.com", "username": "me", "starttls": False}
WEBHOOK = {
    "kind": "webhook",
    "name": "Hook",
    "config": {"url": "https://hooks.example.com/in"},
    "secret": WEBHOOK_SECRET,
}


async def test_channel_crud_and_masking(env: Env) -> None:
    _, email = await env.create_user()
    auth = bearer(await env.token(email))
    made = []
    for body in (TELEGRAM, EMAIL, WEBHOOK):
        response = await env.client.post(f"{API}/channels", json=body, headers=auth)
        assert response.status_code == 201, response.text
        made.append(response.json())
    telegram, mail, hook = made
    assert telegram["secret_masked"] == "987654321:••••sawQ" and telegram["secret_set"]
    assert telegram["config"] == {"chat_id": 123456789, "bot": "own"}
    assert mail["secret_masked"] == "••••"  # nothing of a password
    assert mail["config"]["smtp"]["from"] == "Me <me@example.com>"
    assert hook["secret_masked"].endswith(WEBHOOK_SECRET[-4:])

    listed = await env.client.get(f"{API}/channels", headers=auth)
    assert [c["id"] for c in listed.json()] == [c["id"] for c in made]

    paused = await env.client.patch(
        f"{API}/channels/{hook['id']}", json={"enabled": False}, headers=auth
    )
    assert paused.json()["enabled"] is False and paused.json()["secret_set"]
    moved = await env.client.patch(
        f"{API}/channels/{hook['id']}",
        json={"config": {"url": "https://other.example.com/x"}, "secret": "n" * 20},
        headers=auth,
    )
    assert moved.status_code == 200
    assert moved.json()["config"]["url"] == "https://other.example.com/x"
    assert moved.json()["secret_masked"] == "••••nnnn"
    no_secret = await env.client.patch(
        f"{API}/channels/{hook['id']}", json={"secret": None}, headers=auth
    )
    assert no_secret.status_code == 422
    bad_config = await env.client.patch(
        f"{API}/channels/{hook['id']}", json={"config": {"url": "ftp://x"}}, headers=auth
    )
    assert bad_config.status_code == 422
    assert bad_config.json()["error"]["details"][0]["field"] == "body.config.url"
    cleared = await env.client.patch(
        f"{API}/channels/{mail['id']}", json={"secret": None}, headers=auth
    )
    assert cleared.json()["secret_set"] is False and cleared.json()["secret_masked"] is None

    deleted = await env.client.delete(f"{API}/channels/{hook['id']}", headers=auth)
    assert deleted.status_code == 204
    assert (await env.client.get(f"{API}/channels/{hook['id']}", headers=auth)).status_code == 404


async def test_other_users_channels_are_not_found(env: Env) -> None:
    _, owner = await env.create_user()
    _, other = await env.create_user()
    owner_auth, other_auth = bearer(await env.token(owner)), bearer(await env.token(other))
    channel = (await env.client.post(f"{API}/channels", json=WEBHOOK, headers=owner_auth)).json()
    url = f"{API}/channels/{channel['id']}"
    assert (await env.client.get(url, headers=other_auth)).status_code == 404
    patched = await env.client.patch(url, json={"enabled": False}, headers=other_auth)
    assert patched.status_code == 404
    assert (await env.client.delete(url, headers=other_auth)).status_code == 404
    assert (await env.client.get(f"{API}/channels", headers=other_auth)).json() == []
    assert (await env.client.get(url, headers=owner_auth)).json()["enabled"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**TELEGRAM, "secret": "not-a-token"}, "body.telegram"),
        ({**TELEGRAM, "config": {"chat_id": 1, "bot": "service"}}, "body.telegram.config.bot"),
        ({**WEBHOOK, "secret": "short"}, "body.webhook"),
        ({**WEBHOOK, "config": {"url": "javascript:alert(1)"}}, "body.webhook.config.url"),
        ({**EMAIL, "config": {"address": "me@example.com"}}, "body.email"),
        ({**EMAIL, "config": {"address": "me@example.com", "smtp": CLEAR_TEXT_SMTP}}, "body.email"),
        ({**EMAIL, "kind": "pigeon"}, "body"),
        ({**WEBHOOK, "extra": 1}, "body.webhook.extra"),
    ],
)
async def test_invalid_channels_name_the_field(env: Env, body: dict[str, Any], field: str) -> None:
    _, email = await env.create_user()
    response = await env.client.post(
        f"{API}/channels", json=body, headers=bearer(await env.token(email))
    )
    assert response.status_code == 422, response.text
    fields = [d["field"] for d in response.json()["error"]["details"]]
    assert any(f.startswith(field) for f in fields), fields
    assert BOT_TOKEN not in response.text


async def test_secrets_never_appear_in_responses_logs_or_the_database(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    async def call(method: str, url: str, **kwargs: Any) -> Any:
        response = await env.client.request(method, url, **kwargs)
        seen.append(response.text + str(response.headers))
        return response

    _, email = await env.create_user()
    tokens = (
        await call(
            "POST",
            f"{API}/auth/login",
            json={"email": email, "password": PASSWORD, "refresh_in": "body"},
        )
    ).json()
    auth = bearer(tokens["access_token"])
    ids = []
    for body in (TELEGRAM, EMAIL, WEBHOOK):
        ids.append((await call("POST", f"{API}/channels", json=body, headers=auth)).json()["id"])
    await call("GET", f"{API}/channels", headers=auth)
    for channel_id in ids:
        await call("GET", f"{API}/channels/{channel_id}", headers=auth)
        await call("PATCH", f"{API}/channels/{channel_id}", json={"name": "x"}, headers=auth)
    await call("POST", f"{API}/channels", json={**TELEGRAM, "name": ""}, headers=auth)  # a 422
    await call("POST", f"{API}/auth/login", json={"email": email, "password": "wrong " + PASSWORD})
    await call("POST", f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    await call("POST", f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]})

    secrets = [BOT_TOKEN, BOT_TOKEN.split(":")[1], SMTP_PASSWORD, WEBHOOK_SECRET, PASSWORD]
    responses = "\n".join(seen)
    logs = "\n".join(
        f"{r.getMessage()} {r.__dict__}" for r in caplog.records
    )  # message and every extra
    for secret in secrets:
        assert secret not in responses, secret
        assert secret not in logs, secret
    assert tokens["refresh_token"] not in logs

    async with env.sessionmaker() as session:
        stored = [(c.config, c.secret_ciphertext) for c in await session.scalars(select(Channel))]
    dump = repr(stored)
    for secret in secrets:
        assert secret not in dump
    assert all(ciphertext for _, ciphertext in stored)
    box = env.app.state.security.secrets
    assert sorted(box.decrypt(c) for _, c in stored) == sorted(
        [BOT_TOKEN, SMTP_PASSWORD, WEBHOOK_SECRET]
    )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:9/hook", "127.0.0.1 is a loopback address"),
        ("https://10.1.2.3/hook", "10.1.2.3 is a private address"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254 is a link-local address"),
        ("http://[::1]:8080/hook", "::1 is a loopback address"),
        ("http://localhost:8080/hook", "localhost resolves to "),  # /etc/hosts: 127.0.0.1, ::1
    ],
)
async def test_a_webhook_to_a_private_target_is_refused_when_saved(
    env: Env, url: str, reason: str
) -> None:
    _, email = await env.create_user()
    auth = bearer(await env.token(email))
    made = await env.client.post(
        f"{API}/channels", json={**WEBHOOK, "config": {"url": url}}, headers=auth
    )
    assert made.status_code == 422, made.text
    [detail] = made.json()["error"]["details"]
    assert detail["field"] == "body.config.url"
    assert detail["reason"].startswith("webhook target refused: ") and reason in detail["reason"]
    assert (await env.client.get(f"{API}/channels", headers=auth)).json() == []

    # Moving an existing webhook there is refused the same way, and the old URL stays.
    hook = (await env.client.post(f"{API}/channels", json=WEBHOOK, headers=auth)).json()
    moved = await env.client.patch(
        f"{API}/channels/{hook['id']}", json={"config": {"url": url}}, headers=auth
    )
    assert moved.status_code == 422, moved.text
    assert moved.json()["error"]["details"] == [detail]
    kept = (await env.client.get(f"{API}/channels/{hook['id']}", headers=auth)).json()
    assert kept["config"]["url"] == WEBHOOK["config"]["url"]  # type: ignore[index]


async def test_private_webhook_targets_are_saved_when_the_operator_allows_them(
    make_env: Any,
) -> None:
    allowing = await make_env(webhook_allow_private=True)
    _, email = await allowing.create_user()
    auth = bearer(await allowing.token(email))
    made = []
    for url in ("http://127.0.0.1:9/hook", "http://localhost:8080/hook"):
        response = await allowing.client.post(
            f"{API}/channels", json={**WEBHOOK, "config": {"url": url}}, headers=auth
        )
        assert response.status_code == 201, response.text
        assert response.json()["config"]["url"] == url
        made.append(response.json()["id"])

    # The operator turns it off again: such a channel stays (renaming it is fine), and every
    # send to it is refused — here the "send test" through the real webhook plugin.
    strict = await make_env()
    renamed = await strict.client.patch(
        f"{API}/channels/{made[0]}", json={"name": "Old hook"}, headers=auth
    )
    assert renamed.status_code == 200, renamed.text
    tested = await strict.client.post(f"{API}/channels/{made[0]}/test", headers=auth)
    assert tested.status_code == 200, tested.text
    assert tested.json() == {
        "ok": False,
        "detail": "webhook refused: 127.0.0.1 is a loopback address",
    }


@pytest.mark.parametrize(
    "sender",
    ["a\r\nBcc: x@example.com", "Me <me@example.com>\nBcc: x@example.com", "not an address"],
)
async def test_an_smtp_from_that_is_not_an_address_is_refused(env: Env, sender: str) -> None:
    """``from`` becomes the mail's From header: a line break in it would add headers (a Bcc)
    and make every send fail, so it is refused when saved, naming the field."""
    _, email = await env.create_user()
    auth = bearer(await env.token(email))
    smtp = {**EMAIL["config"]["smtp"], "from": sender}  # type: ignore[index]
    made = await env.client.post(
        f"{API}/channels",
        json={**EMAIL, "config": {**EMAIL["config"], "smtp": smtp}},  # type: ignore[dict-item]
        headers=auth,
    )
    assert made.status_code == 422, made.text
    [detail] = made.json()["error"]["details"]
    assert detail["field"] == "body.email.config.smtp.from"
    assert "e-mail address" in detail["reason"]

    mail = (await env.client.post(f"{API}/channels", json=EMAIL, headers=auth)).json()
    moved = await env.client.patch(
        f"{API}/channels/{mail['id']}",
        json={"config": {**EMAIL["config"], "smtp": smtp}},  # type: ignore[dict-item]
        headers=auth,
    )
    assert moved.status_code == 422, moved.text
    [detail] = moved.json()["error"]["details"]
    assert detail["field"] == "body.config.smtp.from"
    kept = (await env.client.get(f"{API}/channels/{mail['id']}", headers=auth)).json()
    assert kept["config"]["smtp"]["from"] == "Me <me@example.com>"


async def _mail_channel(env: Env, auth: dict[str, str]) -> int:
    made = await env.client.post(f"{API}/channels", json=EMAIL, headers=auth)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


async def test_an_smtp_password_is_only_taken_for_an_encrypted_connection(env: Env) -> None:
    """STARTTLS or TLS from the first byte (SMTPS, the default on port 465): a password for a
    connection in clear text would be readable by anyone on the way, so it is refused."""
    _, email = await env.create_user()
    auth = bearer(await env.token(email))
    smtp = {"host": "smtp.example.com", "username": "me"}
    clear = {**EMAIL, "config": {"address": "me@example.com", "smtp": {**smtp, "starttls": False}}}
    refused = await env.client.post(f"{API}/channels", json=clear, headers=auth)
    assert refused.status_code == 422 and "clear text" in refused.text, refused.text
    for extra, tls in (({"starttls": False, "tls": True}, True), ({"port": 465}, True),
                       ({}, False)):  # fmt: skip
        body = {**EMAIL, "config": {"address": "me@example.com", "smtp": {**smtp, **extra}}}
        created = await env.client.post(f"{API}/channels", json=body, headers=auth)
        assert created.status_code == 201, created.text
        assert created.json()["config"]["smtp"]["tls"] is tls, extra
    # turning TLS off later keeps no password for the clear-text connection
    smtps = {**smtp, "port": 465, "starttls": False}
    body = {**EMAIL, "config": {"address": "me@example.com", "smtp": smtps}}
    channel = (await env.client.post(f"{API}/channels", json=body, headers=auth)).json()
    clear_now = {"address": "me@example.com", "smtp": {**smtps, "tls": False}}
    patched = await env.client.patch(
        f"{API}/channels/{channel['id']}", json={"config": clear_now}, headers=auth
    )
    assert patched.status_code == 422, patched.text
    with_password = await env.client.patch(
        f"{API}/channels/{channel['id']}",
        json={"config": clear_now, "secret": SMTP_PASSWORD},
        headers=auth,
    )
    assert with_password.status_code == 422 and "clear text" in with_password.text


async def test_an_smtp_password_never_follows_the_channel_to_another_server(env: Env) -> None:
    """The password was entered for smtp.example.com: a change of host, port, user or to a
    connection without STARTTLS asks for it again (it would be sent there on the next alert);
    dropping the own server drops the password."""
    _, email = await env.create_user()
    auth = bearer(await env.token(email))
    channel = await _mail_channel(env, auth)
    smtp = EMAIL["config"]["smtp"]  # type: ignore[index]
    for change in ({"host": "smtp.attacker.example"}, {"port": 25}, {"username": "other"},
                   {"starttls": False}):  # fmt: skip
        config = {"address": "me@example.com", "smtp": {**smtp, **change}}
        moved = await env.client.patch(
            f"{API}/channels/{channel}", json={"config": config}, headers=auth
        )
        assert moved.status_code == 422, change
        [detail] = moved.json()["error"]["details"]
        assert detail["field"] == "body.secret" and "enter its password again" in detail["reason"]
    # the same server in other words keeps the password; with the password, the move is taken
    same = {"address": "me@example.com", "smtp": {**smtp, "host": "SMTP.example.com."}}
    kept = await env.client.patch(f"{API}/channels/{channel}", json={"config": same}, headers=auth)
    assert kept.status_code == 200 and kept.json()["secret_set"] is True
    elsewhere = {"address": "me@example.com", "smtp": {**smtp, "host": "mail.example.net"}}
    moved = await env.client.patch(
        f"{API}/channels/{channel}", json={"config": elsewhere, "secret": "new-pass"}, headers=auth
    )
    assert moved.status_code == 200 and moved.json()["config"]["smtp"]["host"] == "mail.example.net"
    # no own server left: no password kept
    plain = await env.client.patch(
        f"{API}/channels/{channel}", json={"config": {"address": "me@example.com"}}, headers=auth
    )
    assert plain.status_code == 200 and plain.json()["secret_set"] is False
    async with env.sessionmaker() as session:
        assert (await session.get(Channel, channel)).secret_ciphertext is None  # type: ignore[union-attr]


async def test_a_channel_whose_secret_the_keys_cannot_open_can_still_be_paused(
    env: Env, make_env: Any
) -> None:
    """The operator changed WICKWATCH_SECRET_KEY without keeping the old one: the user can
    still pause or rename the channel (it was a 500); the unreadable secret stays as it is."""
    _, email = await env.create_user()
    channel = await _mail_channel(env, bearer(await env.token(email)))
    async with env.sessionmaker() as session:
        before = (await session.get(Channel, channel)).secret_ciphertext  # type: ignore[union-attr]

    rekeyed = await make_env(secret_key="another-secret-key-of-at-least-32-characters")
    auth = bearer(await rekeyed.token(email))
    paused = await rekeyed.client.patch(
        f"{API}/channels/{channel}", json={"enabled": False, "name": "Old mail"}, headers=auth
    )

    assert paused.status_code == 200, paused.text
    assert paused.json()["enabled"] is False and paused.json()["name"] == "Old mail"
    async with rekeyed.sessionmaker() as session:
        assert (await session.get(Channel, channel)).secret_ciphertext == before  # type: ignore[union-attr]


async def test_an_own_bot_token_naming_the_service_bot_is_refused(make_env: Any) -> None:
    """The service bot's id is public: a made-up token with it would put another user's
    channel beside the service bot's chats. Its chats are linked with /start instead."""
    env = await make_env(telegram_bot_token="111111:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ")
    _, email = await env.create_user()
    auth = bearer(await env.token(email))
    made_up = {**TELEGRAM, "secret": "111111:" + "A" * 35}
    refused = await env.client.post(f"{API}/channels", json=made_up, headers=auth)
    assert refused.status_code == 422, refused.text
    [detail] = refused.json()["error"]["details"]
    assert detail["field"] == "body.secret" and "/start" in detail["reason"]
    assert "A" * 35 not in refused.text
    made = await env.client.post(f"{API}/channels", json=TELEGRAM, headers=auth)
    assert made.status_code == 201, made.text
    changed = await env.client.patch(
        f"{API}/channels/{made.json()['id']}", json={"secret": made_up["secret"]}, headers=auth
    )
    assert changed.status_code == 422, changed.text
