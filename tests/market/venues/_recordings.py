"""Readers for the third-party recordings in ``realdata/`` (read in place, never copied)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def hftbacktest_frames(path: Path) -> Iterator[tuple[int, bytes]]:
    """``(recv_ns, frame bytes)`` per line ``<local receive ns> <raw JSON frame>``."""
    with gzip.open(path, "rb") as fh:
        for line in fh:
            ns, _, frame = line.rstrip(b"\n").partition(b" ")
            yield int(ns), frame


def cryptofeed_frames(path: Path) -> Iterator[tuple[float, str]]:
    """``(recv unix ts, received text)`` of a cryptofeed raw capture; sent frames and the
    connect lines (``<url> <-> ts`` / ``<url> <- ts: ...``) are skipped."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line or not line[0].isdigit():
                continue
            ts, _, text = line.partition(": ")
            yield float(ts), text


def cryptofeed_json(path: Path) -> Iterator[tuple[float, Any]]:
    """Like :func:`cryptofeed_frames` but JSON-decoded (non-JSON text frames are skipped)."""
    for ts, text in cryptofeed_frames(path):
        try:
            yield ts, json.loads(text)
        except ValueError:
            continue
