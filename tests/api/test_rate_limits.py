"""Rate limits: login per account (growing lock-out) and per client address, registration per
address, per-user requests; memory storage and Redis storage."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.api.kit import API, PASSWORD, Env, bearer


class FakeTime:
    """Replaces ``time.time`` inside the ``limits`` memory storage and our limiter."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def time(self) -> float:
        return self.now


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    import limits.aio.storage.memory as memory

    import wickwatch.accounts.ratelimit as ratelimit

    fake = FakeTime()
    monkeypatch.setattr(memory, "time", fake)
    monkeypatch.setattr(ratelimit, "time", _TimeModule(fake))
    return fake


class _TimeModule:
    def __init__(self, fake: FakeTime) -> None:
        self._fake = fake

    def time(self) -> float:
        return self._fake.now

    def monotonic(self) -> float:
        import time

        return time.monotonic()


async def _login(env: Env, email: str, password: str, **headers: str) -> Any:
    return await env.client.post(
        f"{API}/auth/login", json={"email": email, "password": password}, headers=headers
    )


async def test_growing_lockout_per_account(make_env: Any, fake_time: FakeTime) -> None:
    env: Env = await make_env(rate_limit_login_account="3/minute;5/hour")
    _, email = await env.create_user()
    for _ in range(3):
        assert (await _login(env, email, "wrong password!")).status_code == 401
    locked = await _login(env, email, PASSWORD)  # even the right password is refused now
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(locked.headers["retry-after"]) <= 60

    fake_time.now += 61  # first tier over: one more try is allowed
    assert (await _login(env, email, "wrong password!")).status_code == 401
    assert (await _login(env, email, "wrong password!")).status_code == 401
    fake_time.now += 61
    longer = await _login(env, email, PASSWORD)  # five failures within the hour
    assert longer.status_code == 429
    assert int(longer.headers["retry-after"]) > 60

    fake_time.now += 3600
    assert (await _login(env, email, PASSWORD)).status_code == 200


async def test_success_clears_failures_and_unknown_accounts_lock_alike(
    make_env: Any, fake_time: FakeTime
) -> None:
    env: Env = await make_env(rate_limit_login_account="3/minute")
    _, email = await env.create_user()
    for _ in range(2):
        await _login(env, email, "wrong password!")
    assert (await _login(env, email, PASSWORD)).status_code == 200
    for _ in range(2):
        assert (await _login(env, email, "wrong password!")).status_code == 401
    for _ in range(3):
        await _login(env, "ghost@example.com", "wrong password!")
    assert (await _login(env, "ghost@example.com", "x")).status_code == 429


async def test_attempts_sent_at_once_do_not_slip_past_the_lockout(
    make_env: Any, fake_time: FakeTime
) -> None:
    """Twelve guesses at once: only the limit's three are checked against the password (each
    attempt is counted before the password is verified, not after)."""
    env: Env = await make_env(rate_limit_login_account="3/minute")
    _, email = await env.create_user()
    answers = await asyncio.gather(*(_login(env, email, f"guess number {n}") for n in range(12)))
    assert sorted(a.status_code for a in answers) == [401] * 3 + [429] * 9


async def test_refreshes_per_session_are_limited(make_env: Any, fake_time: FakeTime) -> None:
    """Each refresh stores a token row: a client looping on it is stopped, its session kept."""
    env: Env = await make_env()
    _, email = await env.create_user()
    token = (await env.login(email, refresh_in="body"))["refresh_token"]
    for _ in range(20):
        answer = await env.client.post(f"{API}/auth/refresh", json={"refresh_token": token})
        assert answer.status_code == 200
        token = answer.json()["refresh_token"]
    looping = await env.client.post(f"{API}/auth/refresh", json={"refresh_token": token})
    assert looping.status_code == 429
    fake_time.now += 61
    later = await env.client.post(f"{API}/auth/refresh", json={"refresh_token": token})
    assert later.status_code == 200


async def test_login_per_client_address(make_env: Any, fake_time: FakeTime) -> None:
    env: Env = await make_env(rate_limit_login_ip="3/minute", trusted_proxies="127.0.0.1/32")
    _, email = await env.create_user()
    client = {"X-Forwarded-For": "198.51.100.7"}
    for _ in range(3):
        assert (await _login(env, email, PASSWORD, **client)).status_code == 200
    blocked = await _login(env, email, PASSWORD, **client)
    assert blocked.status_code == 429
    other = await _login(env, email, PASSWORD, **{"X-Forwarded-For": "198.51.100.8"})
    assert other.status_code == 200
    # IPv6: one client is its /64, whichever of its addresses it sends from
    for n in range(3):
        one_net = {"X-Forwarded-For": f"2001:db8:7:1::{n + 1:x}"}
        assert (await _login(env, email, PASSWORD, **one_net)).status_code == 200
    walked = await _login(env, email, PASSWORD, **{"X-Forwarded-For": "2001:db8:7:1:ab::99"})
    assert walked.status_code == 429
    next_net = await _login(env, email, PASSWORD, **{"X-Forwarded-For": "2001:db8:7:2::1"})
    assert next_net.status_code == 200


async def test_registration_per_client_address(make_env: Any, fake_time: FakeTime) -> None:
    env: Env = await make_env(rate_limit_register_ip="2/hour")
    for n in range(2):
        response = await env.client.post(
            f"{API}/auth/register", json={"email": f"r{n}@example.com", "password": PASSWORD}
        )
        assert response.status_code == 201
    blocked = await env.client.post(
        f"{API}/auth/register", json={"email": "r9@example.com", "password": PASSWORD}
    )
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0


async def test_requests_per_user(make_env: Any, fake_time: FakeTime) -> None:
    env: Env = await make_env(rate_limit_user="3/minute")
    _, email = await env.create_user()
    _, other_email = await env.create_user()
    token = await env.token(email)
    for _ in range(3):
        assert (await env.client.get(f"{API}/auth/me", headers=bearer(token))).status_code == 200
    limited = await env.client.get(f"{API}/auth/me", headers=bearer(token))
    assert limited.status_code == 429
    other = await env.token(other_email)
    assert (await env.client.get(f"{API}/auth/me", headers=bearer(other))).status_code == 200


@pytest.mark.redis
async def test_limits_shared_through_redis(make_env: Any, redis_url: str) -> None:
    import uuid

    # database 14 and a fresh address: other suites flush database 15 while they run
    url = redis_url.rsplit("/", 1)[0] + "/14"
    first: Env = await make_env(rate_limit_login_account="2/minute", redis_url=url)
    second: Env = await make_env(rate_limit_login_account="2/minute", redis_url=url)
    _, email = await first.create_user(f"{uuid.uuid4().hex}@example.com")
    assert (await _login(first, email, "wrong password!")).status_code == 401
    assert (await _login(second, email, "wrong password!")).status_code == 401
    assert (await _login(first, email, PASSWORD)).status_code == 429  # counted across processes


async def test_storage_outage_lets_requests_through(make_env: Any) -> None:
    env: Env = await make_env(
        rate_limit_login_account="1/minute", redis_url="redis://127.0.0.1:1/0"
    )
    _, email = await env.create_user()
    for _ in range(3):
        assert (await _login(env, email, "wrong password!")).status_code == 401
    assert (await _login(env, email, PASSWORD)).status_code == 200


async def test_clearing_a_limit_while_old_entries_expire_keeps_the_expiry_running() -> None:
    """A successful sign-in clears its failures while the storage's expiry task may be walking
    the keys: the task must not die on the key that vanished (it ended with a KeyError, in the
    operator's error log as "Task exception was never retrieved")."""
    from wickwatch.accounts.ratelimit import SafeMemoryStorage

    storage = SafeMemoryStorage()
    for key in ("login-fail/a", "login-fail/b"):
        assert await storage.acquire_entry(key, 5, 60)
    task = storage.timer
    assert task is not None
    await asyncio.sleep(0)  # the expiry task starts on the first key (in a worker thread)
    await storage.clear("login-fail/b")
    await asyncio.wait_for(task, 5)
    assert task.exception() is None
    assert await storage.acquire_entry("login-fail/b", 1, 60)  # cleared: allowed again
