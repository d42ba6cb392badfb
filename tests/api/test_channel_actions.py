"""Channel actions: the Telegram link code with its deep link, and "send test" through each
channel's real plugin (Telegram stand-in, aiosmtpd, a local webhook receiver)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.api.kit import API, Env, EnvFactory, bearer
from tests.notify.test_email import Mailbox, mailbox  # noqa: F401 - the fixture
from tests.notify.test_webhook import SECRET as WEBHOOK_SECRET
from tests.notify.test_webhook import Receiver, receiver  # noqa: F401 - the fixture
from wickwatch.notify import repository as notify_repo
from wickwatch.notify.base import Delivery
from wickwatch.notify.standin import TelegramStandIn
from wickwatch.notify.telegram import TelegramNotifier
from wickwatch.storage.models import Channel
from wickwatch.storage.types import utcnow

SERVICE_TOKEN = "424242:service-bot-token-for-channel-tests"
OWN_TOKEN = "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ"


@pytest.fixture
async def standin() -> AsyncIterator[TelegramStandIn]:
    async with TelegramStandIn() as server:
        yield server


async def _user(env: Env) -> dict[str, str]:
    _, email = await env.create_user()
    return bearer(await env.token(email))


async def _channel(env: Env, auth: dict[str, str], body: dict[str, Any]) -> int:
    made = await env.client.post(f"{API}/channels", json=body, headers=auth)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


async def _own_bot_channel(env: Env, auth: dict[str, str]) -> int:
    """A Telegram channel to private chat 5151 through the user's own bot."""
    body = {"kind": "telegram", "name": "Mine", "config": {"chat_id": 5151}, "secret": OWN_TOKEN}
    return await _channel(env, auth, body)


async def _mail_channel(
    env: Env, auth: dict[str, str], port: int, address: str = "me@example.com"
) -> int:
    """An e-mail channel through the user's own SMTP server, on loopback at ``port``."""
    smtp = {"host": "127.0.0.1", "port": port, "starttls": False, "from": "wickwatch@test.local"}
    config = {"address": address, "smtp": smtp}
    return await _channel(env, auth, {"kind": "email", "name": address, "config": config})


async def _test(env: Env, auth: dict[str, str], channel_id: int) -> Any:
    response = await env.client.post(f"{API}/channels/{channel_id}/test", headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


# --- Telegram link ---------------------------------------------------------------------------


async def test_link_code_with_the_bots_deep_link(
    make_env: EnvFactory, standin: TelegramStandIn
) -> None:
    env = await make_env(telegram_bot_token=SERVICE_TOKEN, telegram_api_url=standin.url)
    auth = await _user(env)
    before = utcnow()

    response = await env.client.post(f"{API}/channels/telegram/link", headers=auth)

    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"code", "deep_link", "expires_at", "expires_in_s"}
    assert body["expires_in_s"] == 900
    code = body["code"]
    assert body["deep_link"] == f"https://t.me/standin_424242_bot?start={code}"
    expires = datetime.fromisoformat(body["expires_at"])
    assert before + timedelta(minutes=14) < expires <= utcnow() + timedelta(minutes=15)
    again = await env.client.post(f"{API}/channels/telegram/link", headers=auth)
    assert again.json()["code"] != code
    assert len(standin.calls_to("getMe")) == 1  # the username is asked once

    async with env.sessionmaker() as session:  # the code links a chat, as /start <code> does
        channel = await notify_repo.redeem_link_code(
            session, code, chat_id=-100777, chat_type="supergroup", title="Desk"
        )
        await session.commit()
    assert channel is not None
    listed = await env.client.get(f"{API}/channels", headers=auth)
    assert [c["config"]["chat_id"] for c in listed.json()] == [-100777]


async def test_link_without_a_service_bot_is_503(env: Env) -> None:
    auth = await _user(env)
    response = await env.client.post(f"{API}/channels/telegram/link", headers=auth)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"


# --- send test -------------------------------------------------------------------------------


async def test_telegram_test_reaches_the_chat_now(
    make_env: EnvFactory, standin: TelegramStandIn
) -> None:
    env = await make_env(telegram_api_url=standin.url)
    auth = await _user(env)
    channel = await _own_bot_channel(env, auth)

    assert await _test(env, auth, channel) == {"ok": True, "detail": None}

    [call] = standin.messages()
    assert (call.method, call.token, call.chat_id, call.parse_mode) == (
        "sendMessage",
        OWN_TOKEN,
        "5151",
        "HTML",
    )
    assert call.text is not None and "this channel works" in call.text
    async with env.sessionmaker() as session:  # not through the outbox
        assert (
            await notify_repo.delivery_counts(session, [channel], since=utcnow() - timedelta(1))
            == {}
        )


async def test_a_failing_telegram_channel_is_ok_false_without_the_token(
    make_env: EnvFactory, standin: TelegramStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    standin.tokens = {SERVICE_TOKEN}  # the user's token is unknown to "Telegram"
    env = await make_env(telegram_api_url=standin.url)
    auth = await _user(env)
    channel = await _own_bot_channel(env, auth)
    with caplog.at_level(logging.DEBUG):
        result = await _test(env, auth, channel)
    assert result["ok"] is False
    assert result["detail"] == "Telegram: Unauthorized"
    assert OWN_TOKEN.split(":")[1] not in caplog.text


async def test_a_test_to_a_group_that_became_a_supergroup_reaches_it_and_keeps_its_new_id(
    make_env: EnvFactory, standin: TelegramStandIn
) -> None:
    env = await make_env(telegram_api_url=standin.url)
    auth = await _user(env)
    body = {"kind": "telegram", "name": "Desk", "config": {"chat_id": -4242}, "secret": OWN_TOKEN}
    channel = await _channel(env, auth, body)
    # Telegram answers every send to the old group id with "upgraded", as it does for ever.
    standin.fail_next(
        chat_id=-4242,
        status=400,
        description="Bad Request: group chat was upgraded to a supergroup chat",
        migrate_to_chat_id=-1009999,
        count=100,
    )

    assert await _test(env, auth, channel) == {"ok": True, "detail": None}

    [call] = standin.messages()
    assert call.chat_id == "-1009999" and call.text is not None
    async with env.sessionmaker() as session:
        stored = await session.get(Channel, channel)
        assert stored is not None and stored.config["chat_id"] == -1009999


async def test_telegram_tests_in_a_row_keep_the_chats_one_message_a_second(
    make_env: EnvFactory, standin: TelegramStandIn
) -> None:
    """Two presses of "send test" for one private chat: the second waits for the chat's next
    send slot (the one the dispatchers share) instead of breaking Telegram's flood limit."""
    env = await make_env(telegram_api_url=standin.url)
    auth = await _user(env)
    channel = await _own_bot_channel(env, auth)

    assert await _test(env, auth, channel) == {"ok": True, "detail": None}
    assert await _test(env, auth, channel) == {"ok": True, "detail": None}

    first, second = standin.messages()
    assert second.at - first.at >= 0.95
    assert standin.violations == []


async def test_a_test_waits_for_an_alert_in_flight_to_the_chat(
    make_env: EnvFactory, standin: TelegramStandIn
) -> None:
    """A dispatcher is sending an alert to the chat (its lane reserved for the whole request
    timeout): the test waits for the answer and the chat's interval, then goes out — it is not
    refused for the length of the reservation."""
    env = await make_env(telegram_api_url=standin.url)
    auth = await _user(env)
    channel = await _own_bot_channel(env, auth)
    config = {"chat_id": 5151, "bot": "own"}
    delivery = Delivery(0, 0, 0, "telegram", "5151", "k", 0, config=config, secret=OWN_TOKEN)
    pacing = TelegramNotifier(api_url=standin.url).pacing(delivery)
    assert pacing is not None and pacing.hold_s > 5
    now_ms, started = int(time.time() * 1000), time.monotonic()
    async with env.sessionmaker() as session:  # the dispatcher takes the lane and sends...
        busy = await notify_repo.acquire_slot(
            session, pacing.lane, interval_s=pacing.interval_s, hold_s=pacing.hold_s, now_ms=now_ms
        )
        assert busy is None
        await session.commit()

    async def answered() -> None:  # ...and Telegram answers 0.5 s later
        await asyncio.sleep(0.5)
        async with env.sessionmaker() as session:
            reserved = now_ms + notify_repo.slot_span_ms(pacing.interval_s, pacing.hold_s)
            await notify_repo.settle_slot(
                session, pacing.lane, reserved_ms=reserved, next_ms=now_ms + 1500
            )

    settle = asyncio.create_task(answered())
    assert await _test(env, auth, channel) == {"ok": True, "detail": None}
    await settle
    [message] = standin.messages()
    assert message.at - started >= 1.45  # not before the chat's next slot


async def test_a_flood_wait_answered_to_a_test_holds_the_chat(
    make_env: EnvFactory, standin: TelegramStandIn
) -> None:
    """Telegram answers a test with 429 retry_after 30: the next test (and every dispatcher,
    through the same slot) keeps off the chat until then, instead of lengthening the ban."""
    env = await make_env(telegram_api_url=standin.url)
    auth = await _user(env)
    channel = await _own_bot_channel(env, auth)
    standin.fail_next(retry_after=30)

    throttled = await _test(env, auth, channel)
    assert throttled["ok"] is False and "retry after 30 s" in throttled["detail"]
    calls = len(standin.calls_to("sendMessage"))

    again = await _test(env, auth, channel)
    assert again["ok"] is False
    assert again["detail"].startswith("alerts are being sent to this chat (retry after ")
    assert 25 <= float(again["detail"].rsplit("after ", 1)[1].split()[0]) <= 30
    assert len(standin.calls_to("sendMessage")) == calls  # nothing sent into the flood wait


async def test_email_test_goes_through_smtp(
    make_env: EnvFactory,
    mailbox: tuple[Mailbox, int],  # noqa: F811
) -> None:
    box, port = mailbox
    env = await make_env(smtp_allow_private=True)  # the user's own server is on loopback here
    auth = await _user(env)
    good = await _mail_channel(env, auth, port)
    box.refuse.add("gone@example.com")
    refused = await _mail_channel(env, auth, port, "gone@example.com")

    assert await _test(env, auth, good) == {"ok": True, "detail": None}
    [(envelope, message)] = box.messages
    assert envelope.rcpt_tos == ["me@example.com"]
    assert "Test message" in str(message["Subject"])
    result = await _test(env, auth, refused)
    assert result["ok"] is False and "refused the recipient" in result["detail"]
    assert len(box.messages) == 1


async def test_email_test_to_a_private_smtp_server_is_refused_by_default(
    env: Env,
    mailbox: tuple[Mailbox, int],  # noqa: F811
) -> None:
    box, port = mailbox
    auth = await _user(env)
    channel = await _mail_channel(env, auth, port)
    result = await _test(env, auth, channel)
    assert result["ok"] is False and "127.0.0.1 is a loopback address" in result["detail"]
    assert box.messages == []


async def test_email_without_a_server_says_so(env: Env) -> None:
    auth = await _user(env)
    channel = await _channel(
        env, auth, {"kind": "email", "name": "Mail", "config": {"address": "me@example.com"}}
    )
    result = await _test(env, auth, channel)
    assert result == {
        "ok": False,
        "detail": "e-mail is not configured on this server (WICKWATCH_SMTP_HOST)",
    }


async def test_webhook_test_is_signed_and_a_500_is_reported(
    make_env: EnvFactory,
    receiver: Receiver,  # noqa: F811
) -> None:
    env = await make_env(webhook_allow_private=True)
    auth = await _user(env)
    channel = await _channel(
        env,
        auth,
        {
            "kind": "webhook",
            "name": "Hook",
            "config": {"url": receiver.url},
            "secret": WEBHOOK_SECRET,
        },
    )
    assert await _test(env, auth, channel) == {"ok": True, "detail": None}
    [processed] = receiver.processed.values()  # the receiver verified the signature
    assert processed["type"] == "test"

    receiver.script.append(500)
    result = await _test(env, auth, channel)
    assert result == {"ok": False, "detail": "webhook answered HTTP 500"}
    assert WEBHOOK_SECRET not in str(result)


async def test_tests_are_rate_limited_per_user(env: Env) -> None:
    auth = await _user(env)
    other = await _user(env)
    body = {"kind": "email", "name": "Mail", "config": {"address": "me@example.com"}}
    channel = await _channel(env, auth, body)
    for _ in range(5):
        await _test(env, auth, channel)
    limited = await env.client.post(f"{API}/channels/{channel}/test", headers=auth)
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1
    # another user is not affected
    theirs = await _channel(env, other, body)
    await _test(env, other, theirs)


async def test_another_users_channel_is_404(env: Env) -> None:
    owner = await _user(env)
    stranger = await _user(env)
    channel = await _channel(
        env, owner, {"kind": "email", "name": "Mail", "config": {"address": "me@example.com"}}
    )
    response = await env.client.post(f"{API}/channels/{channel}/test", headers=stranger)
    assert response.status_code == 404
    async with env.sessionmaker() as session:
        assert await session.get(Channel, channel) is not None


# --- e-mail digest option --------------------------------------------------------------------


async def test_email_digest_period_is_validated(env: Env) -> None:
    auth = await _user(env)
    base = {"kind": "email", "name": "Mail"}
    made = await env.client.post(
        f"{API}/channels",
        json={**base, "config": {"address": "me@example.com", "digest_minutes": 15}},
        headers=auth,
    )
    assert made.status_code == 201 and made.json()["config"]["digest_minutes"] == 15
    off = await env.client.patch(
        f"{API}/channels/{made.json()['id']}",
        json={"config": {"address": "me@example.com", "digest_minutes": 0}},
        headers=auth,
    )
    assert off.status_code == 200 and "digest_minutes" not in off.json()["config"]
    for wrong in (3, 1441, -5):
        bad = await env.client.post(
            f"{API}/channels",
            json={**base, "config": {"address": "me@example.com", "digest_minutes": wrong}},
            headers=auth,
        )
        assert bad.status_code == 422, wrong
        assert bad.json()["error"]["details"][0]["field"].endswith("digest_minutes")
