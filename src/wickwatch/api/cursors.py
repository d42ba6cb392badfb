"""Cursor (keyset) pagination for lists that grow while they are read.

``?limit=&cursor=`` in, ``{"items", "next_cursor", "limit"}`` out. A cursor is opaque to clients:
the base64url text of ``<kind>:<key>``, where ``key`` is the sort key of the last item of the page
(an alert id, a candle's ``ts_ms``) and ``kind`` names the list, so a cursor of one list is
refused by another. The next page continues strictly after that key, so rows added meanwhile
(newer ids) never shift later pages: no item is returned twice and none is skipped. Pass
``next_cursor`` back unchanged; ``null`` means there is no further page.

A cursor only says where to continue; every query stays scoped to the caller, so a forged cursor
shows nothing that the first page would not.
"""

from __future__ import annotations

import base64
import binascii
from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from wickwatch.accounts.errors import InvalidInput

T = TypeVar("T")

#: Keys are BIGINT ids or epoch milliseconds.
_MAX_KEY = 2**63 - 1
MAX_CURSOR_LENGTH = 64


class CursorPage(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null when this is the last page."
    )
    limit: int


def encode_cursor(kind: str, key: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str, field: str = "query.cursor") -> int:
    """The key inside ``cursor`` (a 422 naming ``field`` when it is not a cursor of ``kind``)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
        found, _, raw = text.partition(":")
        key = int(raw)
    except (ValueError, UnicodeError, binascii.Error):
        raise InvalidInput(field, "not a cursor of this list; pass next_cursor unchanged") from None
    if found != kind or not 0 <= key <= _MAX_KEY:
        raise InvalidInput(field, "not a cursor of this list; pass next_cursor unchanged")
    return key


def next_cursor(kind: str, keys: list[int], limit: int) -> str | None:
    """The cursor after a page whose sort keys are ``keys`` (fetched with ``limit + 1`` rows:
    a page is the last one when fewer than ``limit + 1`` came back)."""
    if len(keys) <= limit:
        return None
    return encode_cursor(kind, keys[limit - 1])
