"""A small REST client for public market data: base URL, shared per-IP weight budget, timeouts,
JSON decoding with orjson, and one exception for "no answer we can use"."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import aiohttp
import orjson

from wickwatch.market.connectors._pacing import WindowLimiter


class RestUnavailable(Exception):
    """The venue's REST API gave no usable answer (rate limit, server error, network, bad JSON)."""

    def __init__(self, message: str, *, status: int | None = None, limited: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.limited = limited  #: the venue said we asked too often (429/418 or its own code)


class RestClient:
    """GET JSON from one venue's REST API within the shared weight budget."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        limiter: WindowLimiter,
        *,
        timeout_s: float,
        log: logging.LoggerAdapter[logging.Logger],
        limit_cooldown_s: float = 30.0,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.limiter = limiter
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.log = log
        self.limit_cooldown_s = limit_cooldown_s
        self.requests = 0

    async def get(
        self, path: str, params: Mapping[str, str | int] | None = None, *, weight: int = 1
    ) -> Any:
        """Decoded JSON of ``GET base_url + path``; raises :class:`RestUnavailable`."""
        await self.limiter.acquire(weight)
        self.requests += 1
        url = self.base_url + path
        try:
            async with self.session.get(url, params=params, timeout=self.timeout) as response:
                body = await response.read()
                if response.status in (418, 429):
                    retry = response.headers.get("Retry-After")
                    pause = float(retry) if retry and retry.isdigit() else self.limit_cooldown_s
                    self.limiter.pause(pause)
                    raise RestUnavailable(
                        f"GET {path}: HTTP {response.status}, pausing REST {pause:.0f}s",
                        status=response.status,
                        limited=True,
                    )
                if response.status >= 400:
                    raise RestUnavailable(
                        f"GET {path}: HTTP {response.status} {body[:200]!r}", status=response.status
                    )
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise RestUnavailable(f"GET {path}: {type(exc).__name__}: {exc}") from exc
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise RestUnavailable(f"GET {path}: not JSON: {body[:200]!r}") from exc
