"""Coverages planned on occurrences, as newsroom planning tools keep them
(Superdesk Planning's coverages and assignments): who covers an anniversary,
from which angle, in what form, by when, and how far it has got.

A coverage is keyed by the occurrence's stable identity, the registry entry's
id and the anniversary's year, so it survives edits of the registry; one whose
entry left the registry is kept and listed as orphaned. Every change is a new
``version`` and a row of history (who, when, each field before and after); a
save names the version it edited, and a save over a newer one is refused with
both versions (CoverageConflict), so nothing is lost."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from ..db.schema import coverage_history, coverages, users
from ..errors import CoverageConflict, CoverageError
from ..i18n import N_


class Status(enum.StrEnum):
    IDEA = "idea"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    READY = "ready"
    PUBLISHED = "published"
    DROPPED = "dropped"

    @property
    def label(self) -> str:
        """The msgid of its name (translate with gettext)."""
        return STATUS_LABELS[self]

    @property
    def open(self) -> bool:
        """Still to be done (neither published nor dropped)."""
        return self not in (Status.PUBLISHED, Status.DROPPED)


STATUS_LABELS = {
    Status.IDEA: N_("idea"),
    Status.ASSIGNED: N_("assigned"),
    Status.IN_PROGRESS: N_("in progress"),
    Status.READY: N_("ready"),
    Status.PUBLISHED: N_("published"),
    Status.DROPPED: N_("dropped"),
}


class Format(enum.StrEnum):
    ARTICLE = "article"
    SERIES = "series"
    SPECIAL_PAGE = "special_page"
    PHOTO = "photo"
    VIDEO = "video"
    BROADCAST = "broadcast"  # a radio or TV segment
    SOCIAL = "social"

    @property
    def label(self) -> str:
        return FORMAT_LABELS[self]


FORMAT_LABELS = {
    Format.ARTICLE: N_("article"),
    Format.SERIES: N_("series"),
    Format.SPECIAL_PAGE: N_("special page"),
    Format.PHOTO: N_("photo"),
    Format.VIDEO: N_("video"),
    Format.BROADCAST: N_("radio/TV segment"),
    Format.SOCIAL: N_("social media"),
}

# Fields an editor sets, with their limits (characters).
FIELDS = ("desk", "assignees", "format", "angle", "notes", "status", "due", "published_url")
LIMITS = {"desk": 120, "angle": 300, "notes": 10_000, "published_url": 2000}
MAX_ASSIGNEES = 20


@dataclasses.dataclass(frozen=True)
class Coverage:
    id: int
    entry_id: str
    year: int
    desk: str
    assignees: tuple[str, ...]
    format: Format
    angle: str
    notes: str
    status: Status
    due: dt.date | None
    published_url: str | None
    version: int
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str

    @property
    def occurrence(self) -> tuple[str, int]:
        return (self.entry_id, self.year)

    def values(self) -> dict[str, object]:
        """The editable fields, as stored (JSON-friendly: dates in ISO form)."""
        return {name: _plain(getattr(self, name)) for name in FIELDS}


@dataclasses.dataclass(frozen=True)
class Change:
    """One row of a coverage's history."""

    coverage_id: int
    version: int
    action: str  # created or updated
    changed_at: dt.datetime
    changed_by: str
    changes: Mapping[str, tuple[object, object]]  # field -> (before, after), JSON values


def _plain(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite gives back naive datetimes: they were stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _coverage(row) -> Coverage:
    return Coverage(
        id=row.id,
        entry_id=row.entry_id,
        year=row.year,
        desk=row.desk,
        assignees=tuple(json.loads(row.assignees)),
        format=Format(row.format),
        angle=row.angle,
        notes=row.notes,
        status=Status(row.status),
        due=row.due,
        published_url=row.published_url,
        version=row.version,
        created_at=_aware(row.created_at),
        created_by=row.created_by,
        updated_at=_aware(row.updated_at),
        updated_by=row.updated_by,
    )


def _text(name: str, value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CoverageError(name, N_("expected text"))
    text = value.strip()
    if len(text) > LIMITS[name]:
        raise CoverageError(name, N_("at most {count} characters"), count=LIMITS[name])
    if any(ord(c) < 32 and c not in "\n\t" or c in "\x7f\u2028\u2029" for c in text):
        raise CoverageError(name, N_("control characters are not allowed"))
    if name != "notes" and "\n" in text:
        raise CoverageError(name, N_("expected one line without control characters"))
    return text


def _url(value: object) -> str | None:
    text = _text("published_url", value)
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in text):
        raise CoverageError("published_url", N_("expected an http:// or https:// address"))
    return text


def _due(value: object) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        day = value
    else:
        text = str(value)
        if len(text) != 10 or not text.isascii():
            raise CoverageError("due", N_("expected a date as YYYY-MM-DD"))
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise CoverageError("due", N_("expected a date as YYYY-MM-DD")) from None
    if not 1900 <= day.year <= 2200:
        raise CoverageError("due", N_("expected a date from 1900 to 2200"))
    return day


def clean(values: Mapping[str, object], known_users: Iterable[str]) -> dict[str, object]:
    """The given fields checked and in stored form; CoverageError names the first bad one."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise CoverageError(sorted(unknown)[0], N_("not a field of a coverage"))
    cleaned: dict[str, object] = {}
    for name, value in values.items():
        if name in ("desk", "angle", "notes"):
            cleaned[name] = _text(name, value)
        elif name == "published_url":
            cleaned[name] = _url(value)
        elif name == "due":
            cleaned[name] = _due(value)
        elif name == "format":
            try:
                cleaned[name] = Format(str(value))
            except ValueError:
                raise CoverageError(name, N_("not a known format")) from None
        elif name == "status":
            try:
                cleaned[name] = Status(str(value))
            except ValueError:
                raise CoverageError(name, N_("not a known status")) from None
        elif name == "assignees":
            names = [value] if isinstance(value, str) else value
            if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
                raise CoverageError(name, N_("expected a list of usernames"))
            chosen = tuple(dict.fromkeys(n.strip().casefold() for n in names if n.strip()))
            if len(chosen) > MAX_ASSIGNEES:
                raise CoverageError(name, N_("at most {count} assignees"), count=MAX_ASSIGNEES)
            known = set(known_users)
            missing = [n for n in chosen if n not in known]
            if missing:
                raise CoverageError(name, N_("no account named '{name}'"), name=missing[0])
            cleaned[name] = chosen
    return cleaned


def _stored(values: Mapping[str, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, value in values.items():
        if name == "assignees":
            out[name] = json.dumps(list(value), ensure_ascii=False)  # type: ignore[call-overload]
        elif isinstance(value, enum.Enum):
            out[name] = value.value
        else:
            out[name] = value
    return out


class CoverageStore:
    """Coverages and their history in the shared database (opened through its migrations)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def _usernames(self, connection: Connection) -> set[str]:
        return set(connection.execute(select(users.c.username)).scalars())

    def create(
        self, entry_id: str, year: int, values: Mapping[str, object], by: str, now: dt.datetime
    ) -> Coverage:
        """A new coverage of occurrence (entry_id, year); format defaults to article,
        status to "assigned" when someone is assigned, else "idea"."""
        with self.engine.begin() as connection:
            fields = clean(values, self._usernames(connection))
            fields.setdefault("format", Format.ARTICLE)
            fields.setdefault("status", Status.ASSIGNED if fields.get("assignees") else Status.IDEA)
            row = {
                "desk": "",
                "assignees": (),
                "angle": "",
                "notes": "",
                "due": None,
                "published_url": None,
                **fields,
            }
            result = connection.execute(
                insert(coverages).values(
                    entry_id=entry_id,
                    year=year,
                    version=1,
                    created_at=now,
                    created_by=by,
                    updated_at=now,
                    updated_by=by,
                    **_stored(row),
                )
            )
            coverage_id = result.inserted_primary_key[0]  # type: ignore[index]
            created = self._get(connection, coverage_id)
            assert created is not None
            changes = {
                name: (None, value) for name, value in created.values().items() if value not in ("", [], None)
            }
            self._record(connection, created, "created", changes)
        return created

    def update(
        self, coverage_id: int, version: int, values: Mapping[str, object], by: str, now: dt.datetime
    ) -> Coverage:
        """Apply ``values`` to the coverage if it is still at ``version``;
        CoverageConflict (with what is stored now) otherwise. A save that changes
        nothing records nothing."""
        with self.engine.begin() as connection:
            fields = clean(values, self._usernames(connection))
            current = self._get(connection, coverage_id)
            if current is None:
                raise CoverageError("id", N_("no such coverage"))
            if current.version != version:
                raise CoverageConflict(current, dict(values))
            before = current.values()
            after = {**before, **{name: _plain(value) for name, value in fields.items()}}
            changes = {name: (before[name], after[name]) for name in FIELDS if before[name] != after[name]}
            if not changes:
                return current
            done = connection.execute(
                update(coverages)
                .where(coverages.c.id == coverage_id, coverages.c.version == version)
                .values(version=version + 1, updated_at=now, updated_by=by, **_stored(fields))
            )
            if done.rowcount != 1:  # saved by another transaction between our read and write
                latest = self._get(connection, coverage_id)
                raise CoverageConflict(latest, dict(values))
            saved = self._get(connection, coverage_id)
            assert saved is not None
            self._record(connection, saved, "updated", changes)
        return saved

    def _record(self, connection: Connection, coverage: Coverage, action: str, changes: Mapping) -> None:
        connection.execute(
            insert(coverage_history).values(
                coverage_id=coverage.id,
                version=coverage.version,
                action=action,
                changed_at=coverage.updated_at,
                changed_by=coverage.updated_by,
                changes=json.dumps({k: list(v) for k, v in changes.items()}, ensure_ascii=False),
            )
        )

    def _get(self, connection: Connection, coverage_id: int) -> Coverage | None:
        row = connection.execute(select(coverages).where(coverages.c.id == coverage_id)).first()
        return _coverage(row) if row else None

    def get(self, coverage_id: int) -> Coverage | None:
        with self.engine.connect() as connection:
            return self._get(connection, coverage_id)

    def of(self, entry_id: str, year: int) -> list[Coverage]:
        """The coverages of one occurrence, oldest first."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(coverages)
                .where(coverages.c.entry_id == entry_id, coverages.c.year == year)
                .order_by(coverages.c.id)
            ).all()
        return [_coverage(row) for row in rows]

    def in_years(self, first: int, last: int) -> dict[tuple[str, int], list[Coverage]]:
        """Every coverage of occurrences in years first..last, by occurrence."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(coverages)
                .where(coverages.c.year >= first, coverages.c.year <= last)
                .order_by(coverages.c.id)
            ).all()
        found: dict[tuple[str, int], list[Coverage]] = {}
        for row in rows:
            coverage = _coverage(row)
            found.setdefault(coverage.occurrence, []).append(coverage)
        return found

    def all(self) -> list[Coverage]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(coverages).order_by(coverages.c.id)).all()
        return [_coverage(row) for row in rows]

    def orphans(self, entry_ids: Iterable[str]) -> list[Coverage]:
        """Coverages whose entry is no longer in the registry (kept, never deleted)."""
        known = entry_ids if isinstance(entry_ids, (set, frozenset)) else set(entry_ids)
        return [coverage for coverage in self.all() if coverage.entry_id not in known]

    def history(self, coverage_id: int) -> list[Change]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(coverage_history)
                .where(coverage_history.c.coverage_id == coverage_id)
                .order_by(coverage_history.c.version, coverage_history.c.id)
            ).all()
        return [
            Change(
                row.coverage_id,
                row.version,
                row.action,
                _aware(row.changed_at),
                row.changed_by,
                {k: (v[0], v[1]) for k, v in json.loads(row.changes).items()},
            )
            for row in rows
        ]
