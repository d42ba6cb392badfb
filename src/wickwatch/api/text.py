"""NUL characters are refused at the door.

PostgreSQL text cannot hold ``\\x00``: a NUL in a query parameter or a JSON string (``\\u0000``)
reached the database and came back as a 500 (and an error-log entry), where SQLite stored it.
No field of this API has a use for one, so every request is checked once, before validation —
a substring test on the query string and the body, the JSON walked only when one is there — and
answered 422 naming the field, like any other invalid input.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.requests import HTTPConnection

REASON = "must not contain NUL (\\u0000) characters"


def _error(loc: tuple[str | int, ...]) -> dict[str, Any]:
    return {"loc": loc, "msg": REASON, "type": "value_error", "input": None}


def _nul_paths(value: Any, path: tuple[str | int, ...]) -> list[tuple[str | int, ...]]:
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    found: list[tuple[str | int, ...]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                found.append((*path, key))
            found += _nul_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _nul_paths(item, (*path, index))
    return found


async def refuse_nul_characters(connection: HTTPConnection) -> None:
    """Router dependency: 422 for a NUL anywhere in the query string or the JSON body."""
    raw_query: bytes = connection.scope.get("query_string", b"")
    if b"%00" in raw_query or b"\x00" in raw_query:
        errors = [
            _error(("query", name))
            for name, value in parse_qsl(raw_query.decode("latin-1"), keep_blank_values=True)
            if "\x00" in name or "\x00" in value
        ]
        if errors:
            raise RequestValidationError(errors)
    if not isinstance(connection, Request) or connection.method not in ("POST", "PUT", "PATCH"):
        return
    body = await connection.body()  # cached: the endpoint's body parameter reads it again
    if b"\\u0000" not in body:
        return
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return  # not JSON: the body's own validation answers
    errors = [_error(("body", *path)) for path in _nul_paths(document, ())]
    if errors:
        raise RequestValidationError(errors)
