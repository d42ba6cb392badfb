"""A durable local copy of the alert writer's queue while the database cannot take it.

The collector detects spikes whether or not the database answers; what it cannot store waits in
the alert writer's memory (:class:`~wickwatch.roles.persist.AlertWriter`). A collector that dies
then (OOM kill, a host reboot, ``kill -9``) would lose every alert of the outage. So while writes
fail — and until what they left has been committed — the queue is mirrored into a SQLite file on
local disk (``WICKWATCH_DATA_DIR/alert-spill/``, synchronous commits), and a collector that starts
first writes what it, or another collector on the same host that died, left there.

Each collector holds one slot (``spill-N.sqlite3``) under an exclusive ``flock`` for its life; the
kernel releases it when the process dies, so a starting collector may adopt any slot it can lock.
An alert committed just before a crash and replayed after it is recognised by its unique key and
neither stored nor sent twice; band states are written again in their order.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec

from wickwatch.detection import AlertDraft
from wickwatch.roles.pricebands import BandState, PriceBandDraft

log = logging.getLogger(__name__)

#: What the alert writer stores: spike drafts, price-band crossings and re-arms.
WriterItem = AlertDraft | PriceBandDraft | BandState
#: A spike-history record: (user, source, exchange, market, symbol), ts_ms
SpikeRecord = tuple[tuple[int, str, str, str, str], int]

_KINDS: dict[type[Any], str] = {AlertDraft: "alert", PriceBandDraft: "band", BandState: "state"}
_DECODERS = {kind: msgspec.msgpack.Decoder(cls) for cls, kind in _KINDS.items()}
_RECORDS = msgspec.msgpack.Decoder(list[tuple[tuple[int, str, str, str, str], int]])
_encode = msgspec.msgpack.Encoder().encode

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (pos INTEGER PRIMARY KEY, kind TEXT NOT NULL, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS records (id INTEGER PRIMARY KEY CHECK (id = 1), body BLOB NOT NULL);
"""


class AlertSpill:
    """One collector's slot in the spill directory. Blocking calls: run them in a thread."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path: Path | None = None
        self.rows = 0  #: items in the file after the last write
        self._db: sqlite3.Connection | None = None
        self._lock_fd: int | None = None
        #: one write at a time (a cancelled caller's thread may still be writing)
        self._writing = threading.Lock()

    def open(self) -> tuple[list[WriterItem], list[SpikeRecord]]:
        """Take a free slot and adopt what dead collectors left in theirs (and in this one):
        returns those items, oldest first, and their spike records, already written to this
        slot (so a crash before they are committed keeps them)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        n = 0
        while True:
            path = self.directory / f"spill-{n}.sqlite3"
            fd = _try_lock(path)
            if fd is not None:
                break
            n += 1
        self.path, self._lock_fd = path, fd
        self._db = _connect(path)
        items, records = _read(self._db)
        adopted: list[Path] = []
        for other in sorted(self.directory.glob("spill-*.sqlite3")):
            if other == path:
                continue
            other_fd = _try_lock(other)
            if other_fd is None:  # a live collector's
                continue
            try:
                db = _connect(other)
                more_items, more_records = _read(db)
                db.close()
            except sqlite3.DatabaseError:
                log.exception("alert spill %s unreadable; left in place", other)
                os.close(other_fd)
                continue
            items += more_items
            records += more_records
            adopted.append(other)
            os.close(other_fd)  # released after the rows are ours (below)
        if adopted or items or records:
            self.write(items, records)
            for other in adopted:
                for suffix in ("", "-wal", "-shm", ".lock"):
                    Path(f"{other}{suffix}").unlink(missing_ok=True)
            log.warning(
                "alert spill: %d alerts/band states and %d spike records left by a stopped "
                "collector are written first",
                len(items),
                len(records),
            )
        return items, records

    def write(self, items: Sequence[WriterItem], records: Sequence[SpikeRecord]) -> None:
        """Replace the file's content with ``items`` (in order) and ``records``; durable on
        return (synchronous commit)."""
        with self._writing:
            self._write(items, records)

    def _write(self, items: Sequence[WriterItem], records: Sequence[SpikeRecord]) -> None:
        db = self._db
        assert db is not None, "open() first"
        with db:
            db.execute("DELETE FROM items")
            db.execute("DELETE FROM records")
            db.executemany(
                "INSERT INTO items (pos, kind, body) VALUES (?, ?, ?)",
                ((pos, _KINDS[type(item)], _encode(item)) for pos, item in enumerate(items)),
            )
            if records:
                db.execute("INSERT INTO records (id, body) VALUES (1, ?)", (_encode(records),))
        self.rows = len(items) + len(records)

    def close(self) -> None:
        with self._writing:
            self._close()

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


def _try_lock(path: Path) -> int | None:
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False)  # `with db:` is one transaction
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")  # a committed spill survives a power cut
    db.executescript(_SCHEMA)
    return db


def _read(db: sqlite3.Connection) -> tuple[list[WriterItem], list[SpikeRecord]]:
    items: list[WriterItem] = []
    for kind, body in db.execute("SELECT kind, body FROM items ORDER BY pos"):
        items.append(_DECODERS[kind].decode(body))
    row = db.execute("SELECT body FROM records").fetchone()
    records: list[SpikeRecord] = _RECORDS.decode(row[0]) if row else []
    return items, records
