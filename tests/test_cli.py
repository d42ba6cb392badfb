"""The ``wickwatch`` command as an operator runs it: real processes, real databases."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WICKWATCH_")}
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "wickwatch", *args],
        capture_output=True,
        text=True,
        env=clean,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def test_help_lists_every_command_with_one_line() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in (
        "api",
        "demo",
        "run",
        "all",
        "collector",
        "notifier",
        "record",
        "replay",
        "config",
        "db",
        "admin",
    ):
        assert f" {command} " in result.stdout


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("wickwatch ")


def test_nonsense_database_url_is_one_readable_line() -> None:
    result = run("db", "upgrade", env={"WICKWATCH_DATABASE_URL": "nonsense"})
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "WICKWATCH_DATABASE_URL" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [("config", "show"), ("db", "current")])
def test_unparsable_json_setting_is_one_readable_line(command: tuple[str, ...]) -> None:
    result = run(*command, env={"WICKWATCH_EXCHANGE_ENDPOINTS": "{not json"})
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "WICKWATCH_EXCHANGE_ENDPOINTS: not valid JSON" in lines[0]


def test_unreachable_database_is_one_readable_line() -> None:
    url = "postgresql://nobody:topsecret@127.0.0.1:1/none"
    result = run("db", "upgrade", env={"WICKWATCH_DATABASE_URL": url})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "unreachable" in result.stderr
    assert "topsecret" not in result.stderr


def test_config_show_masks_secrets(tmp_path: Path) -> None:
    result = run(
        "config",
        "show",
        env={"WICKWATCH_SECRET_KEY": "very-secret-value", "COLUMNS": "200"},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "WICKWATCH_SECRET_KEY" in result.stdout
    assert "very-secret-value" not in result.stdout
    assert "WICKWATCH_DATABASE_URL" in result.stdout


def test_config_show_piped_prints_whole_values(tmp_path: Path) -> None:
    """Piped or redirected (``| grep``, ``docker compose run``): one ``NAME=value`` line each,
    nothing cut off at 80 columns."""
    url = "postgresql://wickwatch:pw@db.internal.example.com:5432/wickwatch_production"
    result = run("config", "show", env={"WICKWATCH_DATABASE_URL": url}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert (
        "WICKWATCH_DATABASE_URL=postgresql+asyncpg://wickwatch:***@db.internal.example.com:5432/"
        "wickwatch_production" in lines
    )
    assert "WICKWATCH_PRICE_HISTORY_RETENTION_DAYS=" in result.stdout


def test_db_upgrade_downgrade_upgrade(database_url: str, tmp_path: Path) -> None:
    env = {"WICKWATCH_DATABASE_URL": database_url}
    for args, expected in (
        (("db", "upgrade"), "database at revision"),
        (("db", "current"), "up to date"),
        (("db", "downgrade", "base"), "database at revision base"),
        (("db", "upgrade"), "database at revision"),
    ):
        result = run(*args, env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert expected in result.stdout


@pytest.mark.parametrize("command", ["api", "demo", "run", "all"])
def test_serving_commands_document_their_options(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == 0
    assert "--port" in result.stdout


def test_api_on_a_port_in_use_is_one_error_line(tmp_path: Path) -> None:
    """It said "API ready", then uvicorn's bind error, and exited with code 3 and no line of
    its own."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("api", "--host", "127.0.0.1", "--port", str(port), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert f"error: the API could not listen on 127.0.0.1:{port}" in result.stderr
    assert "API ready" not in result.stderr
    assert "Traceback" not in result.stderr


def test_a_file_system_problem_at_start_names_the_file_not_the_database(tmp_path: Path) -> None:
    """A file where the alert spill's directory should be was "database … unreachable"."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "alert-spill").write_text("not a directory")
    result = run("collector", "--markets", "binance_spot", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "error: cannot use data/alert-spill" in result.stderr
    assert "unreachable" not in result.stderr
    assert "Traceback" not in result.stderr
