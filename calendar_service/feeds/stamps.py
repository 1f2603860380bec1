"""Stamps: the SEQUENCE and DTSTAMP of every published UID, which only move
when an entry's content changes.

They live in the shared database (table ``calendar_stamps``), not in a feeds
directory, so every instance and every directory builds the same bytes from
the same registry. A stamp is decided once: a build reads the stamps; only if
an entry is new or changed does it open a transaction holding the "stamps"
lock, read those rows again and write its decisions. A concurrent build waits
for that lock and then reads (and reuses) what the first one decided, so both
agree on every SEQUENCE and DTSTAMP.

Stamps a feeds directory knows and the database does not are imported by its
next build (``StampStore.adopt``): its ``.state.json`` from the release before
(then renamed ``.state.json.imported``), or, when the database holds no stamps
at all (a new or lost database), the SEQUENCE and DTSTAMP read back from the
feeds it published. A UID keeps the higher SEQUENCE of the two, so SEQUENCE
never goes below what clients have seen. Occurrences that leave the registry
keep their stamps, so that an entry put back continues its SEQUENCE.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

import icalendar
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from ..config import Settings
from ..db import Database, open_database
from ..db.schema import stamps as table
from ..errors import StampsMoved
from ..i18n import LANGUAGES, gettext
from .entries import Entry, choose_uid_domain
from .ical import Stamp

log = logging.getLogger(__name__)

STATE_FILE = ".state.json"  # the release before kept the stamps here
IMPORTED_SUFFIX = ".imported"
_CHUNK = 500  # UIDs per IN (...) query


class Known(NamedTuple):
    """What the database knows of a UID."""

    digest: str
    sequence: int
    dtstamp: dt.datetime


State = dict[str, Known]


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def _text(stamp: dt.datetime) -> str:
    return stamp.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def _stamp(known: Known | None, digest: str, now: dt.datetime) -> Stamp:
    """The stamp of content with ``digest`` where the database knows ``known``:
    unchanged content keeps its stamp; new content gets SEQUENCE 0 and
    changed content the next SEQUENCE, both with ``now``."""
    if known is None:
        return Stamp(0, now)
    if known.digest == digest:
        return Stamp(known.sequence, known.dtstamp)
    return Stamp(known.sequence + 1, now)


def next_stamp(entry: Entry, state: State, now: dt.datetime) -> Stamp:
    """The stamp ``entry`` gets against ``state`` (which is updated)."""
    digest = entry.digest()
    stamp = _stamp(state.get(entry.uid), digest, now)
    state[entry.uid] = Known(digest, stamp.sequence, stamp.dtstamp)
    return stamp


def stamp_for(entry: Entry, state: State, now: dt.datetime) -> Stamp:
    """The stamp an entry has (or would get) in the feeds, without writing anything:
    published ones keep theirs; changed or new ones get the next SEQUENCE."""
    return next_stamp(entry, state, now.astimezone(dt.UTC).replace(microsecond=0))


_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}  # the drivers' placeholders


def _by_uid(connection: Connection, uids: list[str]) -> Iterable[Any]:
    """The stamps of these UIDs, through the driver: SQLAlchemy compiling an
    IN of 500 parameters for every 500 UIDs cost as much as the query."""
    mark = _MARKS.get(connection.dialect.paramstyle)
    if mark is None:  # pragma: no cover - SQLite and psycopg use the ones above
        columns = select(table.c.uid, table.c.digest, table.c.sequence, table.c.dtstamp)
        return connection.execute(columns.where(table.c.uid.in_(uids)))
    marks = ", ".join([mark] * len(uids))
    return connection.exec_driver_sql(
        f"SELECT uid, digest, sequence, dtstamp FROM {table.name} WHERE uid IN ({marks})", tuple(uids)
    )


def _rows(connection: Connection, uids: Iterable[str] | None = None) -> State:
    columns = select(table.c.uid, table.c.digest, table.c.sequence, table.c.dtstamp)
    wanted = None if uids is None else list(uids)
    found: Iterable[Any]
    # Always by UID: a build asks a batch at a time, and the table holds every
    # UID ever published (1.5 million for a 100k-entry registry).
    if wanted is None:
        found = connection.execute(columns)
    else:
        found = (
            row
            for start in range(0, len(wanted), _CHUNK)
            for row in _by_uid(connection, wanted[start : start + _CHUNK])
        )
    parsed: dict[str, dt.datetime] = {}  # many rows share a DTSTAMP (those of one build)
    state: State = {}
    for uid, digest, sequence, stamp in found:
        when = parsed.get(stamp)
        if when is None:
            when = parsed[stamp] = _utc(stamp)
        state[uid] = Known(digest, sequence, when)
    return state


# The stamps a build decided, not yet written: UID -> (content digest, the
# stamp, what the database held when it was decided).
Pending = dict[str, tuple[str, Stamp, Known | None]]


class StampStore:
    """The stamps in the shared database."""

    def __init__(self, database: Database):
        self.database = database
        self.last_generation_written: int | None = None  # by this store's last commit()

    @classmethod
    def open(cls, url: str) -> StampStore:
        return cls(open_database(url))

    def dispose(self) -> None:
        self.database.dispose()

    def read(self, uids: Iterable[str] | None = None) -> State:
        """The stamps of ``uids`` (default: every stamp)."""
        with self.database.guarded(), self.database.engine.connect() as connection:
            return _rows(connection, uids)

    def uids(self) -> set[str]:
        """Every UID with a stamp (without reading the stamps)."""
        with self.database.guarded(), self.database.engine.connect() as connection:
            return set(connection.execute(select(table.c.uid)).scalars())

    def generation(self) -> int:
        """Grows whenever a stamp is written: a cache of stamped feeds keys on it."""
        with self.database.guarded(), self.database.engine.connect() as connection:
            return connection.execute(select(func.max(table.c.generation))).scalar() or 0

    def decide(self, entries: Iterable[Entry], now: dt.datetime, pending: Pending) -> dict[str, Stamp]:
        """The stamp of every entry (the first entry of a UID defines its
        content), decided against what the database holds now; nothing is
        written. The stamps of new and changed entries are added to
        ``pending``, which ``commit`` writes in one transaction for a whole
        build (a build decides a batch at a time; a transaction per batch
        rewrote most of the UID index each time, a quarter of a 100k-entry build)."""
        now = now.astimezone(dt.UTC).replace(microsecond=0)
        unique: dict[str, Entry] = {}
        for entry in entries:
            unique.setdefault(entry.uid, entry)
        state = self.read(list(unique)) if unique else {}
        chosen: dict[str, Stamp] = {}
        for uid, entry in unique.items():
            digest = entry.digest()
            known = state.get(uid)
            chosen[uid] = stamp = _stamp(known, digest, now)
            if known is None or known.digest != digest:
                pending[uid] = (digest, stamp, known)
        return chosen

    def commit(self, pending: Pending, base: int) -> None:
        """Write the stamps ``decide`` put in ``pending``, in one transaction,
        if no other build wrote a stamp of those UIDs since ``base`` (the
        generation read before the first of them was decided). Otherwise
        raise StampsMoved and write nothing: the build is to be made again,
        with the other build's stamps (so both agree on every SEQUENCE)."""
        self.last_generation_written = None
        if not pending:
            return
        with self.database.guarded(), self.database.exclusive("stamps") as connection:
            latest = connection.execute(select(func.max(table.c.generation))).scalar() or 0
            if latest != base:  # another build wrote stamps meanwhile: were any of these?
                fresh = _rows(connection, list(pending))
                if any(fresh.get(uid) != known for uid, (_digest, _stamp, known) in pending.items()):
                    raise StampsMoved()
            generation = latest + 1
            texts: dict[dt.datetime, str] = {}
            new: list[Row] = []
            changed: list[Row] = []
            for uid, (digest, stamp, known) in pending.items():
                when = texts.get(stamp.dtstamp)
                if when is None:
                    when = texts[stamp.dtstamp] = _text(stamp.dtstamp)
                (new if known is None else changed).append((uid, digest, stamp.sequence, when, generation))
            _store(connection, new, changed)
        self.last_generation_written = generation

    def adopt(self, out_dir: Path) -> int:
        """Import what ``out_dir`` knows: its ``.state.json`` (once; then renamed
        ``.state.json.imported``), or, if the database holds no stamps at all, the
        stamps of the feeds published there. Returns the number of UIDs written."""
        legacy = out_dir / STATE_FILE
        if legacy.exists():
            imported = _legacy_state(legacy, out_dir)
        elif self._empty():
            imported = _recover_state(out_dir)
        else:
            return 0
        written = self._merge(imported) if imported else 0
        if legacy.exists():
            os.replace(legacy, legacy.with_name(STATE_FILE + IMPORTED_SUFFIX))
        return written

    def _empty(self) -> bool:
        with self.database.guarded(), self.database.engine.connect() as connection:
            return connection.execute(select(table.c.uid).limit(1)).first() is None

    def _merge(self, imported: State) -> int:
        """Write imported stamps where the database has none or a lower SEQUENCE."""
        with self.database.guarded(), self.database.exclusive("stamps") as connection:
            current = _rows(connection, imported)
            generation = (connection.execute(select(func.max(table.c.generation))).scalar() or 0) + 1
            new: list[Row] = []
            changed: list[Row] = []
            for uid, known in imported.items():
                have = current.get(uid)
                if have is not None and have.sequence >= known.sequence:
                    continue
                row = (uid, known.digest, known.sequence, _text(known.dtstamp), generation)
                (new if have is None else changed).append(row)
            _store(connection, new, changed)
        return len(new) + len(changed)


COLUMNS = ("uid", "digest", "sequence", "dtstamp", "generation")
Row = tuple[str, str, int, str, int]  # in the order of COLUMNS


def _store(connection: Connection, new: list[Row], changed: list[Row]) -> None:
    """Write rows in bulk through the driver: a cold build of a large registry
    writes a few hundred thousand, which SQLAlchemy's per-row processing made
    several times slower. PostgreSQL: COPY (into a temporary table first for
    the changed rows, then one UPDATE ... FROM)."""
    if connection.dialect.name == "postgresql":
        _store_postgresql(connection, new, changed)
        return
    names, marks = ", ".join(COLUMNS), ", ".join("?" * len(COLUMNS))
    new.sort()  # in key order: each B-tree page is then visited once, not once per row
    if new:
        connection.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", new)
    if changed:
        connection.exec_driver_sql(
            f"UPDATE {table.name} SET digest = ?, sequence = ?, dtstamp = ?, generation = ? WHERE uid = ?",
            [(*row[1:], row[0]) for row in changed],
        )


def _copy(connection: Connection, target: str, rows: list[Row]) -> None:
    driver = connection.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        with cursor.copy(f"COPY {target} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()


def _store_postgresql(connection: Connection, new: list[Row], changed: list[Row]) -> None:
    if new:
        _copy(connection, table.name, new)
    if changed:
        connection.exec_driver_sql(
            f"CREATE TEMPORARY TABLE calendar_stamps_changed (LIKE {table.name}) ON COMMIT DROP"
        )
        _copy(connection, "calendar_stamps_changed", changed)
        connection.exec_driver_sql(
            f"UPDATE {table.name} AS s SET digest = c.digest, sequence = c.sequence, dtstamp = c.dtstamp, "
            "generation = c.generation FROM calendar_stamps_changed AS c WHERE s.uid = c.uid"
        )


def _legacy_state(path: Path, out_dir: Path) -> State:
    """A ``.state.json`` of the release before: every well-formed entry; if the
    file or any entry is not, the feeds published in ``out_dir`` fill in."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["entries"]
        if not isinstance(entries, dict):
            raise TypeError
    except (OSError, ValueError, KeyError, TypeError):
        return _recover_state(out_dir)
    state: State = {}
    for uid, item in entries.items():
        try:
            digest, sequence, stamp = item["digest"], item["sequence"], _utc(item["dtstamp"])
        except (TypeError, KeyError, ValueError, AttributeError):
            continue
        if isinstance(digest, str) and type(sequence) is int and sequence >= 0 and stamp.year > 1:
            state[uid] = Known(digest, sequence, stamp.replace(microsecond=0))
    if len(state) < len(entries):
        for uid, known in _recover_state(out_dir).items():
            if uid not in state or known.sequence > state[uid].sequence:
                state[uid] = known
    return state


def _recover_state(out_dir: Path) -> State:
    """The stamps of the published feeds: digest, SEQUENCE and DTSTAMP per UID."""
    state: State = {}
    for path in sorted(p for lang in LANGUAGES for p in (out_dir / lang).rglob("*.ics")):
        try:
            calendar = icalendar.Calendar.from_ical(path.read_bytes())
        except ValueError:
            continue
        for event in calendar.walk("VEVENT"):
            try:
                entry = Entry(
                    str(event["UID"]),
                    event.decoded("DTSTART"),
                    str(event.get("SUMMARY", "")),
                    str(event.get("DESCRIPTION", "")),
                    tuple(str(c) for c in event.get("CATEGORIES").cats) if event.get("CATEGORIES") else (),
                    str(event.get("URL", "")),
                )
                sequence = int(event.get("SEQUENCE", 0))
                stamp = event.decoded("DTSTAMP").astimezone(dt.UTC)
            except (KeyError, ValueError, TypeError, AttributeError):
                continue
            known = state.get(entry.uid)
            if known is None or sequence > known.sequence:
                state[entry.uid] = Known(entry.digest(), sequence, stamp)
    return state


_UNFOLD = re.compile(rb"\r?\n[ \t]")
_UID_LINE = re.compile(rb"^UID:([^\r\n]*)", re.MULTILINE)


def _published_uids(out_dir: Path) -> set[str]:
    """The UIDs in the published feeds, read from their (unfolded) UID lines."""
    found: set[str] = set()
    for path in sorted(p for lang in LANGUAGES for p in (out_dir / lang).rglob("*.ics")):
        try:
            data = _UNFOLD.sub(b"", path.read_bytes())
        except OSError:
            continue
        found.update(uid.decode("utf-8", "replace").strip() for uid in _UID_LINE.findall(data))
    return found


def read_state(database_url: str, uids: Iterable[str] | None = None) -> State:
    """The published stamps, for events built outside a publish (filtered feeds,
    mail attachments), from the shared database."""
    store = StampStore.open(database_url)
    try:
        return store.read(uids)
    finally:
        store.dispose()


def load_stamps(store: StampStore, entries: list[Entry], now: dt.datetime) -> dict[str, Stamp]:
    """The stamps ``entries`` have in the feeds (or would get), writing nothing."""
    state = store.read(entry.uid for entry in entries)
    return {entry.uid: stamp_for(entry, state, now) for entry in entries}


def with_uid_domain(settings: Settings, feeds_dir: Path | None = None) -> Settings:
    """The settings with the UID domain every build, filtered feed and mail
    attachment of this installation uses, decided once by the edges (command
    line, scheduler jobs, web application) from what is already published in
    ``feeds_dir``. When it keeps or replaces published UIDs, a warning tells the
    operator what to set: changed UIDs show every event twice to subscribers."""
    # The UIDs clients have: those with stamps in the database, or, for a new
    # database beside feeds published before, those in the feeds themselves.
    # Only the UIDs are read (not the stamps, nor every event parsed): every
    # web worker and job does this when it starts.
    store = StampStore.open(settings.database_url)
    try:
        published = store.uids()
    finally:
        store.dispose()
    published = published or _published_uids(Path(feeds_dir or settings.feeds_dir))
    choice = choose_uid_domain(settings, published)
    if choice.published and not choice.configured:
        log.warning(
            gettext(
                "The published feeds' UIDs end in @{published} and CALENDAR_UID_DOMAIN is not set: "
                "they are kept. Set CALENDAR_UID_DOMAIN={published} to keep them for good "
                "(changing UIDs makes every subscriber see every event twice).",
                settings.language,
            ).format(published=choice.published)
        )
    elif choice.published:
        log.warning(
            gettext(
                "CALENDAR_UID_DOMAIN={domain} replaces the UIDs of the published feeds (ending in "
                "@{published}): every subscriber will see every event twice. "
                "Set CALENDAR_UID_DOMAIN={published} to keep them.",
                settings.language,
            ).format(domain=choice.domain, published=choice.published)
        )
    return dataclasses.replace(settings, uid_domain=choice.domain)
