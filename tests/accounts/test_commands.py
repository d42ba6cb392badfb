"""``wickwatch admin create`` as an operator runs it (real process, real database)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from tests.test_cli import run
from wickwatch.storage import create_engine
from wickwatch.storage.models import User

PASSWORD = "an admin passphrase here"


async def _users(url: str) -> list[tuple[str, str, str]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(select(User.email, User.role, User.password_hash))
            return [(r[0], r[1], r[2]) for r in rows]
    finally:
        await engine.dispose()


def test_admin_create_from_environment(database_url: str, tmp_path: Path) -> None:
    env = {
        "WICKWATCH_DATABASE_URL": database_url,
        "WICKWATCH_DATA_DIR": str(tmp_path),
        "WICKWATCH_ADMIN_PASSWORD": PASSWORD,
    }
    if not database_url.startswith("sqlite"):
        assert run("db", "upgrade", env=env).returncode == 0
    created = run("admin", "create", "--email", "Root@Example.com", env=env)
    assert created.returncode == 0, created.stderr
    assert "admin root@example.com created" in created.stdout
    assert PASSWORD not in created.stdout + created.stderr
    users = asyncio.run(_users(database_url))
    assert [(u[0], u[1]) for u in users] == [("root@example.com", "admin")]
    assert users[0][2].startswith("$argon2id$")

    again = run("admin", "create", "--email", "root@example.com", env=env)
    assert again.returncode == 1 and "exists" in again.stderr


def test_admin_create_prompts_twice_and_checks_the_password(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("WICKWATCH_")}
    env["WICKWATCH_DATA_DIR"] = str(tmp_path)

    def create(stdin: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "wickwatch", "admin", "create", "--email", "a@example.com"],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    weak = create("password123\npassword123\n")
    assert weak.returncode == 2 and "password" in weak.stderr
    assert "password123" not in weak.stdout.replace("Password", "")
    ok = create(f"{PASSWORD}\n{PASSWORD}\n")
    assert ok.returncode == 0, ok.stderr
    assert PASSWORD not in ok.stdout + ok.stderr
    assert (tmp_path / "wickwatch.db").exists()
