"""An unexpected exception is a 500 in the API's error shape, with the same request id and
security headers as every other response, and nothing of the exception in the body."""

from __future__ import annotations

import logging

import pytest

from tests.api.kit import API, Env
from wickwatch.api.middleware import SECURITY_HEADERS

SECRET = "db password hunter2 in the exception text"


def _add_failing_route(env: Env) -> str:
    path = f"{API}/test-only/boom"

    @env.app.get(path)
    async def boom() -> None:
        raise RuntimeError(SECRET)

    return path


async def test_unhandled_exception_is_a_500_with_headers_and_no_trace(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    path = _add_failing_route(env)
    with caplog.at_level(logging.ERROR):
        response = await env.client.get(path, headers={"X-Request-ID": "req-boom-1"})

    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": "internal_error", "message": "internal server error", "details": None}
    }
    assert response.headers["x-request-id"] == "req-boom-1"
    assert "x-process-time" in response.headers
    for name, value in SECURITY_HEADERS:
        assert response.headers[name.decode()] == value.decode()
    assert response.headers["cache-control"] == "no-store"
    assert "content-security-policy" in response.headers
    assert SECRET not in response.text
    assert "Traceback" not in response.text
    # the operator still gets the whole story, in the log
    logged = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert any(r.exc_info and SECRET in str(r.exc_info[1]) for r in logged)


async def test_server_keeps_serving_after_an_unhandled_exception(env: Env) -> None:
    path = _add_failing_route(env)
    assert (await env.client.get(path)).status_code == 500
    healthy = await env.client.get("/healthz")
    assert healthy.status_code == 200
    assert healthy.headers["x-request-id"]
