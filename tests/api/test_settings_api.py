"""The rules document over HTTP: defaults, replace, versions with If-Match, 422 naming fields."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.kit import API, Env, bearer
from wickwatch.usersettings.repository import SettingsRepository


async def test_settings_document_round_trip(env: Env) -> None:
    _, email = await env.create_user()
    auth = bearer(await env.token(email))
    first = await env.client.get(f"{API}/settings", headers=auth)
    assert first.status_code == 200 and first.headers["etag"] == '"v0"'
    body = first.json()
    assert body["version"] == 0 and body["document"]["cooldown_s"] == 60

    document = {**body["document"], "cooldown_s": 120, "blacklist": ["btc"]}
    saved = await env.client.put(f"{API}/settings", json=document, headers=auth)
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 1 and saved.headers["etag"] == '"v1"'
    assert saved.json()["document"]["blacklist"] == ["BTC"]

    again = await env.client.put(
        f"{API}/settings", json={**document, "cooldown_s": 30}, headers={**auth, "If-Match": '"v1"'}
    )
    assert again.json()["version"] == 2
    stale = await env.client.put(
        f"{API}/settings", json=document, headers={**auth, "If-Match": '"v1"'}
    )
    assert stale.status_code == 412 and stale.json()["error"]["details"]["current_version"] == 2
    current = (await env.client.get(f"{API}/settings", headers=auth)).json()
    assert current["document"]["cooldown_s"] == 30

    other = bearer(await env.token((await env.create_user())[1]))
    assert (await env.client.get(f"{API}/settings", headers=other)).json()["version"] == 0


async def test_invalid_settings_name_the_field(env: Env) -> None:
    _, email = await env.create_user()
    auth = bearer(await env.token(email))
    bad = await env.client.put(f"{API}/settings", json={"cooldown_s": -1}, headers=auth)
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "body.cooldown_s"
    for zone in ("Mars/Base", "America", "x" * 300):  # "America" is a directory of the zone db
        tz = await env.client.put(f"{API}/settings", json={"timezone": zone}, headers=auth)
        assert tz.status_code == 422, zone
        assert tz.json()["error"]["details"][0]["field"] == "body.timezone"
    etag = await env.client.put(f"{API}/settings", json={}, headers={**auth, "If-Match": "v1"})
    assert etag.status_code == 422
    assert etag.json()["error"]["details"][0]["field"] == "header.if-match"


async def test_a_template_telegram_cannot_parse_is_refused_with_the_reason(env: Env) -> None:
    _, email = await env.create_user()
    auth = bearer(await env.token(email))
    document = (await env.client.get(f"{API}/settings", headers=auth)).json()["document"]

    bad = await env.client.put(
        f"{API}/settings", json={**document, "message_template": "<b>{symbol}"}, headers=auth
    )
    assert bad.status_code == 422, bad.text
    [detail] = bad.json()["error"]["details"]
    assert detail["field"] == "body.message_template"
    assert (
        "not valid Telegram HTML" in detail["reason"] and "<b> is never closed" in detail["reason"]
    )

    strategy = {"name": "Dumps", "template": "{symbol} <i>fell</b>"}
    bad = await env.client.put(
        f"{API}/settings", json={**document, "strategies": [strategy]}, headers=auth
    )
    assert bad.status_code == 422, bad.text
    [detail] = bad.json()["error"]["details"]
    assert detail["field"] == "body.strategies.0.template"
    assert "</b>" in detail["reason"] and "closes <i>" in detail["reason"]

    unknown = await env.client.put(
        f"{API}/settings",
        json={**document, "message_template": "<blink>{symbol}</blink>"},
        headers=auth,
    )
    assert unknown.status_code == 422
    assert (
        "<blink> at character 1 is not supported by Telegram"
        in (unknown.json()["error"]["details"][0]["reason"])
    )
    # nothing was stored; a valid template is
    assert (await env.client.get(f"{API}/settings", headers=auth)).json()["version"] == 0
    good = await env.client.put(
        f"{API}/settings",
        json={**document, "message_template": "<b>{symbol}</b> &amp; {delta_formatted}"},
        headers=auth,
    )
    assert good.status_code == 200, good.text
    assert good.json()["document"]["message_template"] == "<b>{symbol}</b> &amp; {delta_formatted}"


async def test_two_first_saves_at_once_give_one_412_not_a_500(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two tabs save a new account's first document at once: both read "no document yet",
    the second insert meets the first's row. It is a version conflict (412), not a 500."""
    _, email = await env.create_user()
    auth = bearer(await env.token(email))
    assert (await env.client.put(f"{API}/settings", json={}, headers=auth)).status_code == 200
    real_get = SettingsRepository.get

    async def read_before_the_other_committed(self: SettingsRepository, user_id: int) -> Any:
        monkeypatch.setattr(SettingsRepository, "get", real_get)  # only this read
        return None

    monkeypatch.setattr(SettingsRepository, "get", read_before_the_other_committed)
    late = await env.client.put(f"{API}/settings", json={"cooldown_s": 5}, headers=auth)
    assert late.status_code == 412, late.text
    current = (await env.client.get(f"{API}/settings", headers=auth)).json()
    assert current["version"] == 1 and current["document"]["cooldown_s"] == 60


async def test_infinite_numbers_and_a_flat_candle_strategy_are_refused(env: Env) -> None:
    """A number JSON cannot carry back (1e999 reads as infinity) and a strategy whose own delta
    is below 0.01 % (it fired on every flat candle) are 422s naming the field."""
    _, email = await env.create_user()
    auth = bearer(await env.token(email))
    huge = await env.client.put(
        f"{API}/settings",
        content=b'{"thresholds": [{"min_volume_usd": 1e999}]}',
        headers={**auth, "content-type": "application/json"},
    )
    assert huge.status_code == 422
    assert huge.json()["error"]["details"][0]["field"] == "body.thresholds.0.min_volume_usd"
    flat = {
        "name": "everything",
        "use_global_thresholds": False,
        "conditions": [{"type": "delta", "min_pct": 1e-9}],
    }
    tiny = await env.client.put(f"{API}/settings", json={"strategies": [flat]}, headers=auth)
    assert tiny.status_code == 422 and "0.01" in tiny.text


async def test_a_document_saved_under_an_older_rule_bound_stays_readable(env: Env) -> None:
    """Strategies' symbol lists now count towards the bound on compiled rules. A document
    saved before that keeps working and is shown as it is (it was shown as the defaults, and
    a save from the page would have overwritten it); saving it again gives the 422."""
    user_id, email = await env.create_user()
    auth = bearer(await env.token(email))
    pairs = [f"C{i}USDT" for i in range(500)]
    strategy = {
        "use_global_thresholds": False,
        "conditions": [
            {"type": "delta", "min_pct": 1.0},
            {"type": "symbols", "symbols": pairs},
        ],
    }
    document = {
        "cooldown_s": 77,
        "strategies": [{**strategy, "name": f"s{i}"} for i in range(5)],
    }
    async with env.sessionmaker() as session:  # as an older version saved it
        await SettingsRepository(session).insert(user_id, document)
        await session.commit()
    shown = await env.client.get(f"{API}/settings", headers=auth)
    assert shown.status_code == 200
    assert shown.json()["document"]["cooldown_s"] == 77
    assert len(shown.json()["document"]["strategies"]) == 5
    saved = await env.client.put(f"{API}/settings", json=shown.json()["document"], headers=auth)
    assert saved.status_code == 422 and "rules (at most 50,000)" in saved.text
