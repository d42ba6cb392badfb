"""Text PostgreSQL cannot store: a NUL in a query parameter or a JSON string is a 422 naming
the field on every database (it was a 500 and an error-log entry on PostgreSQL), and tiny
decimals beyond the column's scale are refused the same way."""

from __future__ import annotations

import pytest

from tests.api.kit import API, Env, bearer


async def _auth(env: Env, role: str = "user") -> dict[str, str]:
    _, email = await env.create_user(role=role)
    return bearer(await env.token(email))


def _fields(response: object) -> list[str]:
    body = response.json()  # type: ignore[attr-defined]
    return [d["field"] for d in body["error"]["details"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("strategy=a%00b", "query.strategy"),
        ("min_volume_usd=1e-20000", "query.min_volume_usd"),
        ("max_volume_usd=0.000000000001", "query.max_volume_usd"),
    ],
)
async def test_alert_filters_a_database_cannot_take_are_a_422(
    env: Env, query: str, field: str
) -> None:
    response = await env.client.get(f"{API}/alerts?{query}", headers=await _auth(env))
    assert response.status_code == 422, response.text
    assert _fields(response) == [field]


async def test_admin_searches_with_a_nul_are_a_422(env: Env) -> None:
    auth = await _auth(env, role="admin")
    for query, field in (("q=boom%00", "query.q"), ("logger=x%00y", "query.logger")):
        response = await env.client.get(f"{API}/admin/errors?{query}", headers=auth)
        assert response.status_code == 422, response.text
        assert _fields(response) == [field]


async def test_a_nul_anywhere_in_a_json_body_is_a_422_naming_the_field(env: Env) -> None:
    auth = await _auth(env)
    body = {
        "kind": "email",
        "name": "Mail\u0000",
        "config": {"address": "me@example.com", "smtp": {"host": "smtp\u0000.example.com"}},
        "secret": "password",
    }
    response = await env.client.post(f"{API}/channels", json=body, headers=auth)
    assert response.status_code == 422, response.text
    assert _fields(response) == ["body.name", "body.config.smtp.host"]
    listed = await env.client.get(f"{API}/channels", headers=auth)
    assert listed.json() == []  # nothing stored
    # ordinary text, Cyrillic included, is untouched
    fine = {"kind": "email", "name": "Почта", "config": {"address": "me@example.com"}}
    made = await env.client.post(f"{API}/channels", json=fine, headers=auth)
    assert made.status_code == 201 and made.json()["name"] == "Почта"
