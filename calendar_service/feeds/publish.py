"""Publish feeds into a directory: stamps that only move when content changes,
atomic writes of changed files only, an index of the feeds.

State (``.state.json`` beside the feeds) remembers each UID's content digest,
SEQUENCE and DTSTAMP. Rebuilding an unchanged registry therefore gives
byte-identical files, and editing one entry moves the stamps of that entry's
occurrences only. If the state file is lost, it is recovered from the feeds
already published (SEQUENCE and DTSTAMP are read back from them), so SEQUENCE
never goes below what clients have seen; back up the feeds directory as a
whole. Occurrences that leave the registry keep their state, so that an entry
put back continues its SEQUENCE.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from ..dates.anniversaries import occurrences
from ..errors import PublishError
from ..i18n import LANGUAGES, gettext
from ..model import Registry
from .entries import Entry, occurrence_entry, planning_entries
from .ical import EventCache, Stamp, WarmCache, calendar_bytes
from .kinds import FeedKind, FeedSpec, feed_specs, window
from .stamps import STATE_FILE, load_state, next_stamp

INDEX_FILE = "index.json"
BUILD_FILE = ".build.json"
LOCK_FILE = ".lock"


@dataclass
class BuildResult:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    events: int = 0
    window: tuple[dt.date, dt.date] | None = None


def atomic_write(path: Path, data: bytes) -> None:
    """Write, fsync, rename: a reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_dir(path.parent)


@contextlib.contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def plan(registry: Registry, settings: Settings, today: dt.date) -> dict[FeedSpec, list[Entry]]:
    """The entries of every feed (pure: no files, no clock)."""
    start, end = window(today, settings)
    found = occurrences(registry, start, end)
    feeds: dict[FeedSpec, list[Entry]] = {spec: [] for spec in feed_specs(registry)}
    by_lang = {lang: [s for s in feeds if s.lang == lang] for lang in LANGUAGES}
    for occurrence in found:
        for lang in LANGUAGES:
            entry = occurrence_entry(occurrence, registry, settings, lang)
            for spec in by_lang[lang]:
                if not spec.includes(occurrence):
                    continue
                if spec.kind is FeedKind.PLANNING:
                    feeds[spec] += planning_entries(occurrence, entry, start, end, settings, lang)
                else:
                    feeds[spec].append(entry)
    return feeds


def _index(
    feeds: dict[FeedSpec, list[Entry]], stamps: dict[str, Stamp], settings: Settings, start, end
) -> bytes:
    base = settings.base_url
    items = []
    for spec, entries in feeds.items():
        updated = max((stamps[e.uid].dtstamp for e in entries), default=None)
        https = f"{base}/feeds/{spec.path}"
        items.append(
            {
                "name": spec.name,
                "path": spec.path,
                "lang": spec.lang,
                "kind": spec.kind.value,
                "key": spec.key,
                "alarms": spec.alarms,
                "title": spec.title(),
                "description": spec.description(settings.lead_times),
                "url": https,
                "webcal": "webcal://" + https.split("://", 1)[1],
                "events": len(entries),
                "updated": updated.isoformat() if updated else None,
            }
        )
    data = {"window": {"start": start.isoformat(), "end": end.isoformat()}, "feeds": items}
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode()


@contextlib.contextmanager
def _staging(out_dir: Path) -> Iterator[Path]:
    for left in out_dir.glob(".staging-*"):  # from a build that was killed (we hold the lock)
        shutil.rmtree(left, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _durable_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(path, 0o644)


def _fsync_dir(directory: Path) -> None:
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _unchanged(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except FileNotFoundError:
        return False


def _write_if_changed(path: Path, data: bytes) -> bool:
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    atomic_write(path, data)
    return True


def publish(
    registry: Registry,
    settings: Settings,
    today: dt.date,
    now: dt.datetime,
    out_dir: Path,
    progress: Callable[[int, int], None] | None = None,
    warm: WarmCache | None = None,
) -> BuildResult:
    """Build every feed and publish the changed ones into ``out_dir``.

    ``warm``: the previous build's serialisations, reused for unchanged events
    and replaced by this build's (a long-running process keeps one between
    builds); without it every event is serialised afresh."""
    now = now.astimezone(dt.UTC).replace(microsecond=0)
    feeds = plan(registry, settings, today)
    start, end = window(today, settings)
    result = BuildResult(window=(start, end))
    try:
        with _locked(out_dir):
            state = load_state(out_dir)
            stamps: dict[str, Stamp] = {}
            for entries in feeds.values():
                for entry in entries:
                    if entry.uid not in stamps:
                        stamps[entry.uid] = next_stamp(entry, state, now)
            result.events = len(stamps)
            cache = EventCache(stamps, warm)
            cache.prepare((entry, spec.alarms) for spec, entries in feeds.items() for entry in entries)
            with _staging(out_dir) as staging:
                # Every changed feed is written in full to a staging folder first: a
                # failure there (a full disk, say) publishes nothing.
                for number, (spec, entries) in enumerate(feeds.items(), start=1):
                    data = calendar_bytes(spec, entries, stamps, settings, cache)
                    if _unchanged(out_dir / spec.path, data):
                        result.unchanged.append(spec.path)
                    else:
                        _durable_write(staging / spec.path, data)
                        result.written.append(spec.path)
                    if progress:
                        progress(number, len(feeds))
                # State before the feeds: if a rename fails, the next build still
                # never lowers a SEQUENCE a client may already have seen.
                state_bytes = json.dumps({"version": 1, "entries": state}, sort_keys=True, indent=0).encode()
                _write_if_changed(out_dir / STATE_FILE, state_bytes)
                for path in result.written:
                    (out_dir / path).parent.mkdir(parents=True, exist_ok=True)
                    os.replace(staging / path, out_dir / path)
                    _fsync_dir((out_dir / path).parent)
            previous = _previous_paths(out_dir)
            _write_if_changed(out_dir / INDEX_FILE, _index(feeds, stamps, settings, start, end))
            for stale in sorted(previous - {spec.path for spec in feeds}):
                with contextlib.suppress(FileNotFoundError):
                    (out_dir / stale).unlink()
                result.removed.append(stale)
            build_info = {"built_at": now.isoformat(), "today": today.isoformat(), "events": result.events}
            atomic_write(out_dir / BUILD_FILE, json.dumps(build_info).encode())
    except OSError as error:
        raise PublishError(Path(error.filename or out_dir), error.strerror or str(error)) from error
    return result


def _previous_paths(out_dir: Path) -> set[str]:
    try:
        index = json.loads((out_dir / INDEX_FILE).read_text(encoding="utf-8"))
        return {item["path"] for item in index["feeds"] if ".." not in item["path"]}
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def summary(result: BuildResult, lang: str) -> str:
    return gettext(
        "{written} feeds written, {unchanged} unchanged, {removed} removed; {events} events.", lang
    ).format(
        written=len(result.written),
        unchanged=len(result.unchanged),
        removed=len(result.removed),
        events=result.events,
    )
