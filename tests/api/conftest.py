"""Fixtures for API tests: ``env`` (an app on each database backend) and ``make_env``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.api.kit import Env, running_app


@pytest.fixture
async def env(database_url: str, tmp_path: Path) -> AsyncIterator[Env]:
    async with running_app(database_url, tmp_path) as running:
        yield running


@pytest.fixture
async def make_env(database_url: str, tmp_path: Path) -> AsyncIterator[Any]:
    """``await make_env(**settings)``: an app with other settings on the same database."""
    async with AsyncExitStack() as stack:

        async def factory(**overrides: Any) -> Env:
            return await stack.enter_async_context(running_app(database_url, tmp_path, **overrides))

        yield factory
