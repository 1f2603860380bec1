"""What the web service reads: the registry (reloaded when it or any file it
includes changes; the last good version is kept when an edit is invalid), the published feeds'
index and build time; and what it caches, bounded, for the life of the app."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar, cast

from ..config import Settings
from ..errors import RegistryError
from ..feeds.record import BUILD_FILE, INDEX_FILE
from ..feeds.stamps import StampStore
from ..model import Registry
from ..registry.checks import check
from ..registry.includes import stamp as files_stamp

log = logging.getLogger("calendar_service.web")
FILTERED_FEEDS = 64  # filtered feeds kept (the most recently requested) ...
FILTERED_FEED_BYTES = 32 * 1024 * 1024  # ... and their bytes (both codings) at most
FILE_DIGESTS = 1024  # published files' ETags kept, one per file version
# The planning view's lists (web.listing): the most recently asked periods and
# filters, and their rows at most (a 12-week list of a 10k-entry registry has ~1 000).
PLANNING_LISTS = 64
PLANNING_ROWS = 50_000
_CHUNK = 1 << 20

Value = TypeVar("Value")


class _Computing:
    """A value one thread is computing and others wait for."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.ok = False
        self.value = None


class LruCache(Generic[Value]):
    """A bounded map shared by a server's threads: the least recently used key
    goes first, so that at most ``size`` values and ``max_bytes`` (as ``weigh``
    measures a value) are kept; a value heavier than ``max_bytes`` is returned
    but not kept. A missing key is computed once, outside the lock: threads
    asking for it meanwhile wait for that result instead of computing it again
    (if the computation fails, the next of them tries). ``hits`` counts the
    answers given without computing, ``misses`` the computations."""

    def __init__(self, size: int, max_bytes: int | None = None, weigh: Callable[[Value], int] | None = None):
        self.size = size
        self.max_bytes = max_bytes
        self._weigh = weigh or (lambda _value: 0)
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, tuple[Value, int]] = OrderedDict()
        self._computing: dict[Hashable, _Computing] = {}
        self.total_bytes = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], Value]) -> Value:
        while True:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    self.hits += 1
                    return self._items[key][0]
                computing = self._computing.get(key)
                if computing is None:
                    computing = self._computing[key] = _Computing()
                    self.misses += 1
                    break
            computing.done.wait()
            if computing.ok:
                with self._lock:
                    self.hits += 1
                return cast(Value, computing.value)
        try:
            computing.value = value = compute()
            computing.ok = True
        finally:
            with self._lock:
                if computing.ok:
                    self._keep(key, value)
                del self._computing[key]
            computing.done.set()
        return value

    def _keep(self, key: Hashable, value: Value) -> None:
        """Under the lock: keep the value and evict down to the bounds."""
        weight = self._weigh(value)
        if self.max_bytes is not None and weight > self.max_bytes:
            return
        self._items[key] = (value, weight)
        self.total_bytes += weight
        while len(self._items) > self.size or (
            self.max_bytes is not None and self.total_bytes > self.max_bytes
        ):
            self.total_bytes -= self._items.popitem(last=False)[1][1]

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class Loaded:
    registry: Registry | None
    error: str | None
    stamp: tuple | None = None  # the registry files' (path, mtime_ns, size) when read
    warnings: int = 0  # the last reading's warnings (dates to verify, incomplete coverage …)
    checked_at: float | None = None  # when it was read (time.time())
    # Counts the registries read successfully: what was computed from one
    # registry is reused while the generation is the same.
    generation: int = 0


class ServiceState:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        # What the last reading read or sought (the registry, its includes, the
        # folders its globs looked in): a change to any of them means reading again.
        self._watched: list[str] = [str(settings.registry)]
        self._loaded = Loaded(None, None)
        self._index: tuple[int, dict, frozenset[str]] | None = None
        # (registry stamp, language, normalised selection, today, stamps generation) -> the feed
        self.filtered_feeds = filtered_feed_cache()
        self._digests: LruCache[str | None] = LruCache(FILE_DIGESTS)
        self._stamps: StampStore | None = None
        self._generation = 0
        # (kind, registry generation, ...) -> what the planning view computes
        # from the registry alone (web.listing), weighed by its rows.
        self.planning: LruCache[object] = LruCache(PLANNING_LISTS, PLANNING_ROWS, weigh=_weight)

    def registry(self) -> Loaded:
        with self._lock:
            before = files_stamp(self._watched)
            if before != self._stamp or (self._loaded.registry is None and self._loaded.error is None):
                try:
                    report = check(self.settings.registry)
                except Exception as error:  # noqa: BLE001 - any failure keeps the last good registry
                    log.exception("registry %s not reloaded", self.settings.registry)
                    reason = (
                        f"{self.settings.registry}: the registry could not be loaded ({type(error).__name__})"
                    )
                    self._loaded = Loaded(
                        self._loaded.registry, reason, before, generation=self._loaded.generation
                    )
                    self._stamp = before
                    return self._loaded
                watched = report.watched or [str(self.settings.registry)]
                # The stamp taken before reading, so that an edit made while reading
                # shows at the next request; when the reading found other files
                # (an include added or removed), the stamp of those.
                stamp = before if watched == self._watched else files_stamp(watched)
                self._watched = watched
                if report.errors or report.registry is None:
                    error = RegistryError(report.errors).render("en")
                    self._loaded = Loaded(
                        self._loaded.registry,
                        error,
                        stamp,
                        len(report.warnings),
                        time.time(),
                        self._loaded.generation,
                    )
                else:
                    self._generation += 1
                    self._loaded = Loaded(
                        report.registry, None, stamp, len(report.warnings), time.time(), self._generation
                    )
                self._stamp = stamp
            return self._loaded

    @property
    def feeds_dir(self) -> Path:
        return Path(self.settings.feeds_dir).resolve()

    def index(self) -> dict:
        path = self.feeds_dir / INDEX_FILE
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            return {"feeds": []}
        cached = self._index
        if cached is None or cached[0] != stamp:
            try:
                cached = (stamp, json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                return {"feeds": []}
            cached = (*cached, frozenset(item["path"] for item in cached[1].get("feeds", [])))
            self._index = cached
        return cached[1]

    def listed_paths(self) -> frozenset[str]:
        """Paths of the published feeds: the only files the web service serves."""
        self.index()
        return self._index[2] if self._index else frozenset()

    def digest(self, fd: int, info: os.stat_result) -> str:
        """An open published file's content hash (its strong ETag), computed once
        per file version (a build replaces a file by renaming a new one over it)."""
        key = ("identity", info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size)
        return cast(str, self._digests.get(key, lambda: _hash_file(fd)))

    def gzip_digest(self, fd: int, info: os.stat_result) -> str | None:
        """The content hash of what an open ``.gz`` file decompresses to, None when
        it is not one whole gzip stream; computed once per file version."""
        key = ("gzip", info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size)
        return self._digests.get(key, lambda: _hash_gzip(fd, info.st_size))

    def stamp_store(self) -> StampStore:
        """The feeds' stamps in the shared database, opened (and its schema
        brought up to date) at first use: in the worker, after gunicorn forked."""
        with self._lock:
            if self._stamps is None:
                self._stamps = StampStore.open(self.settings.database_url)
            return self._stamps

    def build_info(self) -> dict | None:
        try:
            return json.loads((self.feeds_dir / BUILD_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None


def filtered_feed_cache(size: int = FILTERED_FEEDS, max_bytes: int = FILTERED_FEED_BYTES) -> LruCache:
    """The cache of filtered feeds (web.feeds.BuiltFeed values, weighed by the bytes they hold)."""
    return LruCache(size, max_bytes, weigh=lambda built: built.weight)


def _weight(value: object) -> int:
    return getattr(value, "weight", 0)


def _hash_file(fd: int) -> str:
    digest, offset = hashlib.sha256(), 0
    while chunk := os.pread(fd, _CHUNK, offset):
        digest.update(chunk)
        offset += len(chunk)
    return digest.hexdigest()[:32]


def _hash_gzip(fd: int, size: int) -> str | None:
    """Hash of the decompressed content, streamed (zlib checks the gzip header,
    CRC and length); None for anything but exactly one gzip member."""
    digest, inflater, offset = hashlib.sha256(), zlib.decompressobj(wbits=31), 0
    try:
        while not inflater.eof and (chunk := os.pread(fd, _CHUNK, offset)):
            offset += len(chunk)
            while chunk and not inflater.eof:
                digest.update(inflater.decompress(chunk, _CHUNK))
                chunk = inflater.unconsumed_tail
        while not inflater.eof and (pending := inflater.decompress(b"", _CHUNK)):
            digest.update(pending)  # output zlib still held when the input ran out
    except zlib.error:
        return None
    if not inflater.eof or inflater.unused_data or offset != size:
        return None
    return digest.hexdigest()[:32]
