"""A durable local copy of the alert writer's queue: what is detected but not yet stored.

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

Between detection and the writer's commit there is always a moment (a transaction takes
milliseconds, and the writer may be busy with the previous batch) in which a healthy database
does not have the alerts yet. So the slot also has a **journal** (``spill-N.sqlite3.journal``):
every batch the collector hands to the writer is appended to it at once, with one ``write()``
from the candle loop (no fsync: the page cache survives the process, which is what dies in a
crash; the synchronous SQLite copy above stays the guard against power cuts in an outage). The
writer appends how many items and records it has committed, and empties the journal whenever
nothing is left to write. A starting collector takes a slot's uncommitted journal entries, then
the SQLite copy's items the journal does not know (a file of an older version, a journal cut by
a power loss).
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import logging
import os
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
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
#: a spilled alert written before drafts were encoded as arrays (a field → value map)
_LEGACY_ALERT = msgspec.msgpack.Decoder(dict[str, Any])
_RECORDS = msgspec.msgpack.Decoder(list[tuple[tuple[int, str, str, str, str], int]])
_encode = msgspec.msgpack.Encoder().encode

#: Journal frames: 4-byte little-endian length of the body, a tag byte, the msgpack body.
_ITEM_TAGS: dict[type[Any], bytes] = {AlertDraft: b"a", PriceBandDraft: b"b", BandState: b"s"}
_RECORDS_TAG, _DONE_TAG = b"r", b"d"
_JOURNAL_DECODERS: dict[bytes, msgspec.msgpack.Decoder[Any]] = {
    b"a": msgspec.msgpack.Decoder(list[AlertDraft]),
    b"b": msgspec.msgpack.Decoder(list[PriceBandDraft]),
    b"s": msgspec.msgpack.Decoder(list[BandState]),
    _RECORDS_TAG: _RECORDS,
    _DONE_TAG: msgspec.msgpack.Decoder(tuple[int, int]),
}

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
        self._journal_fd: int | None = None
        self.journal_bytes = 0  #: written to the journal since it was last emptied
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
        items, records = _read_slot(self._db, path)
        adopted: list[tuple[Path, int]] = []  # held locked until their files are gone
        for other in sorted(self.directory.glob("spill-*.sqlite3")):
            if other == path:
                continue
            other_fd = _try_lock(other)
            if other_fd is None:  # a live collector's
                continue
            try:
                db = _connect(other)
                more_items, more_records = _read_slot(db, other)
                db.close()
            except (sqlite3.DatabaseError, OSError):
                log.exception("alert spill %s unreadable; left in place", other)
                os.close(other_fd)
                continue
            items += more_items
            records += more_records
            adopted.append((other, other_fd))
        self.journal_rewrite(items, records)  # the new journal starts with what was left
        if adopted or items or records:
            self.write(items, records)
            for other, other_fd in adopted:
                # the journal first: a crash midway leaves a slot that is found (by its
                # .sqlite3) and read again, never a journal no slot search finds
                for suffix in (".journal", "-wal", "-shm", "", ".lock"):
                    Path(f"{other}{suffix}").unlink(missing_ok=True)
                os.close(other_fd)  # only now: a collector starting meanwhile skipped it
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

    # --- the journal (called from the event loop; one write() each) -----------------------

    @property
    def journaling(self) -> bool:
        return self._journal_fd is not None

    def journal(self, items: Sequence[WriterItem], records: Sequence[SpikeRecord]) -> None:
        """Append what was just handed to the writer; kept if the process dies after this."""
        frames = [
            _frame(_ITEM_TAGS[kind], list(run)) for kind, run in itertools.groupby(items, type)
        ]
        if records:
            frames.append(_frame(_RECORDS_TAG, records))
        self._append(b"".join(frames))

    def journal_done(self, items: int, records: int) -> None:
        """The first ``items`` items and ``records`` records of the journal are stored."""
        self._append(_frame(_DONE_TAG, (items, records)))

    def journal_clear(self) -> None:
        """Everything journaled is stored: start again from an empty file."""
        fd = self._journal_fd
        if fd is not None:
            try:
                os.ftruncate(fd, 0)
                self.journal_bytes = 0
            except OSError:
                self._journal_failed()

    def journal_rewrite(self, items: Sequence[WriterItem], records: Sequence[SpikeRecord]) -> None:
        """A journal holding just ``items`` and ``records`` (what is not stored yet) replaces
        the current one in one rename: a writer that is never idle would otherwise grow it for
        ever."""
        assert self.path is not None, "open() first"
        journal = _journal_path(self.path)
        fresh = Path(f"{journal}.new")
        if self._journal_fd is not None:
            os.close(self._journal_fd)
        self._journal_fd, self.journal_bytes = None, 0
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_TRUNC
            self._journal_fd = os.open(fresh, flags, 0o600)
        except OSError:
            self._journal_failed()
            return
        if items or records:
            self.journal(items, records)  # a failure here ends the journal (_journal_failed)
        if self._journal_fd is not None:
            try:
                os.replace(fresh, journal)
            except OSError:
                self._journal_failed()

    def _append(self, data: bytes) -> None:
        fd = self._journal_fd
        if fd is None:
            return
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(fd, view) :]
        except OSError:
            self._journal_failed()
        else:
            self.journal_bytes += len(data)

    def _journal_failed(self) -> None:
        """Journaling stops (alerts wait in memory only until stored, as before the journal)
        and the file goes: a journal that no longer learns what is stored would replay it."""
        log.exception(
            "alert spill: journal %s failed; alerts detected are kept in memory only until stored",
            _journal_path(self.path) if self.path else "?",
        )
        fd, self._journal_fd = self._journal_fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
        if self.path is not None:
            with contextlib.suppress(OSError):
                _journal_path(self.path).unlink(missing_ok=True)

    def close(self) -> None:
        with self._writing:
            self._close()

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._journal_fd is not None:
            os.close(self._journal_fd)
            self._journal_fd = None
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


def _journal_path(path: Path) -> Path:
    return Path(f"{path}.journal")


def _frame(tag: bytes, body: object) -> bytes:
    data = _encode(body)
    return len(data).to_bytes(4, "little") + tag + data


@dataclass
class _Journal:
    items: list[WriterItem] = field(default_factory=list)
    records: list[SpikeRecord] = field(default_factory=list)
    done_items: int = 0
    done_records: int = 0


def _read_journal(path: Path) -> _Journal:
    """A journal's entries; a frame cut short by the crash (and anything after it) is left."""
    journal = _Journal()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return journal
    pos, end = 0, len(data)
    while pos + 5 <= end:
        size = int.from_bytes(data[pos : pos + 4], "little")
        tag, body = data[pos + 4 : pos + 5], data[pos + 5 : pos + 5 + size]
        if len(body) < size or tag not in _JOURNAL_DECODERS:
            break
        try:
            value = _JOURNAL_DECODERS[tag].decode(body)
        except msgspec.DecodeError:
            break
        if tag == _DONE_TAG:
            journal.done_items, journal.done_records = value
        elif tag == _RECORDS_TAG:
            journal.records.extend(value)
        else:
            journal.items.extend(value)
        pos += 5 + size
    if pos < end:
        log.warning(
            "alert spill: %s ends with %d unreadable bytes (cut by the crash)", path, end - pos
        )
    return journal


def _read_slot(db: sqlite3.Connection, path: Path) -> tuple[list[WriterItem], list[SpikeRecord]]:
    """What a slot holds that is not stored: the journal's uncommitted entries, then what the
    SQLite copy has that the journal never had (a copy written by an older version, or a
    journal that lost its end in a power cut). Items the journal counts as stored are not
    taken from the copy either."""
    journal = _read_journal(_journal_path(path))
    spilled_items, spilled_records = _read(db)
    known_items = {_encode(item) for item in journal.items}
    known_records = {_encode(record) for record in journal.records}
    items = journal.items[journal.done_items :]
    items += [item for item in spilled_items if _encode(item) not in known_items]
    records = journal.records[journal.done_records :]
    records += [r for r in spilled_records if _encode(r) not in known_records]
    return items, records


def _read(db: sqlite3.Connection) -> tuple[list[WriterItem], list[SpikeRecord]]:
    items: list[WriterItem] = []
    for kind, body in db.execute("SELECT kind, body FROM items ORDER BY pos"):
        try:
            items.append(_DECODERS[kind].decode(body))
        except msgspec.ValidationError:
            if kind != "alert":
                raise
            fields = _LEGACY_ALERT.decode(body)
            values = [fields[name] for name in AlertDraft.__struct_fields__]
            items.append(msgspec.convert(values, AlertDraft))
    row = db.execute("SELECT body FROM records").fetchone()
    records: list[SpikeRecord] = _RECORDS.decode(row[0]) if row else []
    return items, records
