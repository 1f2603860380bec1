"""Publish feeds into a directory: stamps that only move when content changes,
atomic writes of changed files only (each feed with its precompressed
``<feed>.ics.gz``), an index of the feeds. Every feed is written to a staging
folder side by side, a batch of entries at a time (``planned``, ``streams``);
an unchanged build is recognised first (``record``).

Stamps (each UID's content digest, SEQUENCE and DTSTAMP) live in the shared
database (``feeds.stamps``): rebuilding an unchanged registry gives
byte-identical files in any directory and on any instance, and editing one
entry moves the stamps of that entry's occurrences only. They are decided
batch by batch and committed in one transaction before any feed is renamed
into place, so a failed build never lowers a SEQUENCE a client may already
have seen. A directory's
``.state.json`` from the release before is imported by its first build; if
the database is new or lost, the stamps are recovered from the feeds already
published there. Occurrences that leave the registry keep their stamps, so
that an entry put back continues its SEQUENCE.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import errno
import fcntl
import gzip
import json
import logging
import os
import re
import shutil
import stat
import struct
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..errors import PublishError, StampsMoved
from ..i18n import LANGUAGES, N_, gettext
from ..model import Registry
from ..registry.composer import collector_paused
from .fingerprint import fingerprint
from .ical import END_CALENDAR, EventCache, WarmCache, calendar_head
from .kinds import FeedSpec, window
from .planned import Planner
from .record import BUILD_FILE, GZIP, INDEX_FILE, BuildResult, files_seen, inputs_of, name_inputs, recognised
from .stamps import Pending, StampStore
from .streams import FeedStream, Staged, append, atomic_write, fsync, same_content

log = logging.getLogger(__name__)

# zlib level 4: on feed text 10.7x smaller at ~105 MB/s of one core here, where
# level 6 gives 12.3x at ~50 MB/s and level 9 12.7x at ~38 MB/s; a cold build
# compresses every feed (350 MB for a 10k-entry registry), so speed wins.
GZIP_LEVEL = 2
_SEGMENT = re.compile(r"[a-z0-9][a-z0-9-]*")  # a folder or feed name, as FeedSpec.name makes them
_NO_FOLLOW_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
LOCK_FILE = ".lock"
# A long-running process (the scheduler) keeps the serialisations of the last
# build to reuse those of unchanged events; beyond this many events it keeps
# none (~1.3 KB each, plus the entry: ~600 MB here), memory before speed.
WARM_LIMIT = 200_000


@contextlib.contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _index(
    specs: list[FeedSpec],
    counts: dict[FeedSpec, int],
    updated: dict[FeedSpec, dt.datetime],
    settings: Settings,
    start: dt.date,
    end: dt.date,
) -> bytes:
    base = settings.base_url
    items = []
    for spec in specs:
        https = f"{base}/feeds/{spec.path}"
        last = updated.get(spec)
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
                "events": counts[spec],
                "updated": last.isoformat() if last else None,
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


def _finisher() -> concurrent.futures.ThreadPoolExecutor:
    """One helper thread: gzip and fsync while the build serialises the next batch."""
    return concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="feed-finish")


_append = append  # the seam tests use to fill the disk


def _write_if_changed(path: Path, data: bytes) -> bool:
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    atomic_write(path, data)
    return True


@dataclass
class _Written:
    """What one attempt of a build wrote: each feed's events and last DTSTAMP."""

    specs: list[FeedSpec]
    counts: dict[FeedSpec, int]
    updated: dict[FeedSpec, dt.datetime]


STAMP_ATTEMPTS = 3  # builds made again when another build's stamps overlap this one's


def publish(
    registry: Registry,
    settings: Settings,
    today: dt.date,
    now: dt.datetime,
    out_dir: Path,
    progress: Callable[[int, int], None] | None = None,
    warm: WarmCache | None = None,
    store: StampStore | None = None,
) -> BuildResult:
    """Build every feed and publish the changed ones into ``out_dir``.

    ``warm``: the previous build's serialisations, reused for unchanged events
    and replaced by this build's (a long-running process keeps one between
    builds); without it every event is serialised afresh. ``store``: the
    stamps (default: those of ``settings.database_url``)."""
    now = now.astimezone(dt.UTC).replace(microsecond=0)
    start, end = window(today, settings)
    own_store = store is None
    store = store or StampStore.open(settings.database_url)
    try:
        with _locked(out_dir), collector_paused():
            store.adopt(out_dir)
            for attempt in range(1, STAMP_ATTEMPTS + 1):
                result = BuildResult(window=(start, end))
                before = store.generation()
                inputs = fingerprint(registry.files, settings, start, end, before)
                if inputs is not None and recognised(out_dir, inputs, result):
                    name_inputs(out_dir, inputs_of(registry, settings))
                    return result
                try:
                    written = _build(
                        registry, settings, today, now, out_dir, progress, warm, store, before, result
                    )
                    break
                except StampsMoved:
                    # Another build decided stamps of the same events meanwhile: its
                    # stamps are read by the next attempt, so both publish the same.
                    log.info("feeds: another build wrote the same events' stamps; building again")
                    if attempt == STAMP_ATTEMPTS:
                        raise PublishError(
                            out_dir, N_("other builds kept changing the same stamps; try again")
                        ) from None
            after = store.generation()
            previous = _previous_paths(out_dir)
            specs = written.specs
            _write_if_changed(
                out_dir / INDEX_FILE, _index(specs, written.counts, written.updated, settings, start, end)
            )
            for stale in sorted(previous - {spec.path for spec in specs}):
                if _remove_feed(out_dir, stale):
                    result.removed.append(stale)
            # The inputs of these feeds are known if no stamp was written since the
            # build began, or only by this build; else the next build runs in full.
            ours = store.last_generation_written
            settled = after == before or (ours is not None and after == ours == before + 1)
            build_info = {
                "built_at": now.isoformat(),
                "today": today.isoformat(),
                "events": result.events,
                "fingerprint": fingerprint(registry.files, settings, start, end, after) if settled else None,
                **inputs_of(registry, settings),
                "feeds": sorted(spec.path for spec in specs),
                "files": files_seen(out_dir, sorted(spec.path for spec in specs)),
            }
            atomic_write(out_dir / BUILD_FILE, json.dumps(build_info).encode())
    except OSError as error:
        raise PublishError(Path(error.filename or out_dir), error.strerror or str(error)) from error
    finally:
        if own_store:
            store.dispose()
    return result


def _build(
    registry: Registry,
    settings: Settings,
    today: dt.date,
    now: dt.datetime,
    out_dir: Path,
    progress: Callable[[int, int], None] | None,
    warm: WarmCache | None,
    store: StampStore,
    before: int,
    result: BuildResult,
) -> _Written:
    """One attempt of a build: every feed written to a staging folder a batch
    of events at a time, the stamps it decided committed in one transaction
    (StampsMoved if another build wrote some of them since ``before``), then
    the changed feeds and their gzip renamed into ``out_dir``."""
    planner = Planner(registry, settings, today)
    specs = planner.specs
    counts = dict.fromkeys(specs, 0)
    updated: dict[FeedSpec, dt.datetime] = {}
    pending: Pending = {}
    kept: dict | None = {} if warm is not None else None  # for warm, while not too many
    with _staging(out_dir) as staging, _finisher() as finisher:
        # Every changed feed is written in full to a staging folder first: a
        # failure there (a full disk, say) publishes nothing.
        streams = {
            spec: FeedStream(staging / spec.path, staging / (spec.path + GZIP), GZIP_LEVEL, finisher, _append)
            for spec in specs
        }
        for spec, stream in streams.items():
            stream.write(calendar_head(spec, settings))
        for batch in planner.batches():
            stamps = store.decide((entry for entry, _specs in batch), now, pending)
            result.events += len(batch)
            cache = EventCache(stamps, warm, kept)
            cache.prepare((entry, any(spec.alarms for spec in where)) for entry, where in batch)
            texts: dict[FeedSpec, list[bytes]] = {}
            for entry, entry_specs in batch:
                dtstamp = stamps[entry.uid].dtstamp
                for spec in entry_specs:
                    texts.setdefault(spec, []).append(cache.get(entry, spec.alarms))
                    counts[spec] += 1
                    if spec not in updated or updated[spec] < dtstamp:
                        updated[spec] = dtstamp
            for spec, parts in texts.items():
                streams[spec].write(b"".join(parts))
            del texts, cache, stamps
            if kept is not None and len(kept) > WARM_LIMIT:
                kept = None
            if progress:
                progress(planner.planned, len(planner.found))
        gzips: list[str] = []  # .ics.gz files to publish beside their feeds
        for spec, stream in streams.items():
            stream.write(END_CALENDAR)
            staged = stream.staged()
            unchanged = same_content(out_dir / spec.path, staged)
            (result.unchanged if unchanged else result.written).append(spec.path)
            gzipped = not unchanged or not _gzip_matches(out_dir / (spec.path + GZIP), staged)
            if gzipped:
                gzips.append(spec.path + GZIP)
            stream.finish(not unchanged, gzipped)
        for stream in streams.values():
            stream.wait()  # an error there (a full disk) stops the build here
        # The stamps are committed before any feed is published: a failed build
        # never lowers a SEQUENCE a client may have seen.
        store.commit(pending, before)
        for path in result.written + gzips:  # each feed, then its gzip
            (out_dir / path).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / path, out_dir / path)
            fsync((out_dir / path).parent)
    if warm is not None:
        warm.replace(kept or {})
    return _Written(specs, counts, updated)


def _previous_paths(out_dir: Path) -> set[str]:
    """The paths the index lists: only what the last build wrote, unless the
    file was edited; _remove_feed trusts none of them."""
    try:
        index = json.loads((out_dir / INDEX_FILE).read_text(encoding="utf-8"))
        return {item["path"] for item in index["feeds"] if isinstance(item.get("path"), str)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return set()


def gzip_bytes(data: bytes) -> bytes:
    """A feed's precompressed form: mtime 0 and no file name in the gzip header,
    so the same feed always gives the same bytes."""
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


def _gzip_matches(path: Path, staged: Staged) -> bool:
    """Whether the published gzip holds the staged feed, from its trailer
    (CRC-32 and length): an unchanged feed's gzip is checked without compressing again."""
    try:
        with open(path, "rb") as published:
            head = published.read(3)
            published.seek(-8, os.SEEK_END)
            crc, size = struct.unpack("<II", published.read(8))
    except (OSError, struct.error):
        return False
    return head == b"\x1f\x8b\x08" and crc == staged.crc and size == staged.size & 0xFFFFFFFF


def _remove_feed(out_dir: Path, relative: str) -> bool:
    """Delete a feed an earlier build published (and its gzip), by construction
    never anything else: the path must have the shape of a feed's
    (``<lang>/[<folder>/]<name>.ics``, names of lower-case letters, digits and
    ``-``), every folder is opened without following a symlink, and only a
    regular file is removed. Whether the feed was removed."""
    parts = relative.removesuffix(".ics").split("/")
    if (
        not relative.endswith(".ics")
        or not 2 <= len(parts) <= 3
        or parts[0] not in LANGUAGES
        or not all(_SEGMENT.fullmatch(part) for part in parts)
    ):
        return False
    folders: list[int] = [os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)]
    try:
        for folder in parts[:-1]:
            try:
                folders.append(os.open(folder, _NO_FOLLOW_DIRECTORY, dir_fd=folders[-1]))
            except (FileNotFoundError, NotADirectoryError):
                return False
            except OSError as error:
                if error.errno == errno.ELOOP:  # a symlink: never followed
                    return False
                raise
        removed = False
        for name in (parts[-1] + ".ics", parts[-1] + ".ics" + GZIP):
            try:
                info = os.stat(name, dir_fd=folders[-1], follow_symlinks=False)
            except FileNotFoundError:
                continue
            if stat.S_ISREG(info.st_mode):
                os.unlink(name, dir_fd=folders[-1])
                removed = removed or name.endswith(".ics")
        return removed
    finally:
        for handle in folders:
            os.close(handle)


def summary(result: BuildResult, lang: str) -> str:
    return gettext(
        "{written} feeds written, {unchanged} unchanged, {removed} removed; {events} events.", lang
    ).format(
        written=len(result.written),
        unchanged=len(result.unchanged),
        removed=len(result.removed),
        events=result.events,
    )
