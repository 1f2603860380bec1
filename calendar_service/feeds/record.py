"""What a build records in the folder it publishes (``.build.json``: the
fingerprint of what it read, the files it read, its UID domain, and the size
and time of every file it published), and how the next build recognises,
from that record alone, that it would publish nothing: before it plans a
single feed, and for the scheduler and the command line before the registry
is even loaded.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from ..model import Registry
from .fingerprint import fingerprint
from .kinds import window
from .stamps import STATE_FILE, StampStore
from .streams import atomic_write

INDEX_FILE = "index.json"
BUILD_FILE = ".build.json"
GZIP = ".gz"  # each feed is also published precompressed, as <feed>.ics.gz


@dataclass
class BuildResult:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    events: int = 0
    window: tuple[dt.date, dt.date] | None = None


def listings(folders: Iterable[str]) -> dict[str, list[str] | None]:
    """What each folder holds (names, sorted; None if it cannot be read): a
    file added where an include's glob looks is read by the next build."""
    found: dict[str, list[str] | None] = {}
    for folder in folders:
        try:
            found[folder] = sorted(os.listdir(folder))
        except OSError:
            found[folder] = None
    return found


def inputs_of(registry: Registry, settings: Settings) -> dict:
    """What a build read, as its record names it for ``up_to_date``: the
    registry's files, what the folders its include globs look in hold, and
    the UID domain."""
    return {
        "inputs": sorted(set(registry.files)),
        "folders": listings(registry.folders),
        "uid_domain": settings.uid_domain,
    }


def name_inputs(out_dir: Path, inputs: dict) -> None:
    """Add ``inputs`` (``inputs_of``) to the last build's record, if a build
    of the release before wrote it without them."""
    path = out_dir / BUILD_FILE
    record = json.loads(path.read_text(encoding="utf-8"))  # ``recognised`` has just read it
    if any(record.get(key) != value for key, value in inputs.items()):
        atomic_write(path, json.dumps({**record, **inputs}).encode())


def up_to_date(
    settings: Settings, today: dt.date, out_dir: Path, store: StampStore | None = None
) -> BuildResult | None:
    """What ``publish`` would do, when it would publish nothing: known before
    the registry is even loaded (10 s for 100k entries, every time the
    scheduler looks). The last build's record names the files it read; if
    none of them, the settings, the window, the stamps or the published files
    changed since, the feeds are up to date (the result lists every feed as
    unchanged). Otherwise, or if anything cannot be told, None: build."""
    if (out_dir / STATE_FILE).exists():
        return None  # a state file of the release before is to be imported first
    try:
        record = json.loads((out_dir / BUILD_FILE).read_text(encoding="utf-8"))
        files, folders, domain = record["inputs"], record["folders"], record["uid_domain"]
        if not isinstance(files, list) or not files or not all(isinstance(f, str) for f in files):
            return None
        if not isinstance(folders, dict) or listings(folders) != folders:
            return None  # a file appeared or went where an include's glob looks
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if settings.uid_domain is None and isinstance(domain, str):
        # The domain the build chose from the UIDs already published, which have
        # not changed if no stamp has (with_uid_domain would read all of them).
        settings = dataclasses.replace(settings, uid_domain=domain)
    start, end = window(today, settings)
    own_store = store is None
    store = store or StampStore.open(settings.database_url)
    try:
        generation = store.generation()
    finally:
        if own_store:
            store.dispose()
    if generation == 0:
        return None  # no stamps: the published UIDs come from the feeds, and are to be read
    inputs = fingerprint(files, settings, start, end, generation)
    result = BuildResult(window=(start, end))
    if inputs is None or not recognised(out_dir, inputs, result):
        return None
    return result


def files_seen(out_dir: Path, paths: list[str]) -> dict[str, list[int]] | None:
    """Size and modification time of each published file (every feed, its gzip
    and the index): what tells a file replaced or edited since, without reading it."""
    seen: dict[str, list[int]] = {}
    for name in [INDEX_FILE, *(p + suffix for p in paths for suffix in ("", GZIP))]:
        try:
            info = os.stat(out_dir / name, follow_symlinks=False)
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        seen[name] = [info.st_size, info.st_mtime_ns]
    return seen


def recognised(out_dir: Path, inputs: str, result: BuildResult) -> bool:
    """Whether the last build here had these inputs and every file it published
    is still as it left it: then this build would write the same bytes, and
    publishes nothing (``result`` lists every feed as unchanged)."""
    try:
        record = json.loads((out_dir / BUILD_FILE).read_text(encoding="utf-8"))
        if record.get("fingerprint") != inputs:
            return False
        paths, events, files = record["feeds"], record["events"], record["files"]
        if not all(isinstance(p, str) for p in paths) or not isinstance(events, int):
            return False
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    if files_seen(out_dir, paths) != files:
        return False
    result.unchanged.extend(paths)
    result.events = events
    return True
