"""What the web service reads: the registry (reloaded when the file changes;
the last good version is kept when an edit is invalid), the published feeds'
index and build time; and what it caches, bounded, for the life of the app."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from ..config import Settings
from ..errors import CalendarServiceError
from ..feeds.publish import BUILD_FILE, INDEX_FILE
from ..model import Registry
from ..registry.checks import load_registry

log = logging.getLogger("calendar_service.web")
FILTERED_FEEDS = 64  # filtered feeds kept (the most recently requested)
FILE_DIGESTS = 1024  # published files' ETags kept, one per file version

Value = TypeVar("Value")


class LruCache(Generic[Value]):
    """A bounded map shared by a server's threads: the least recently used key
    goes first. A value is computed outside the lock (two threads missing the
    same key may both compute it; the values are equal)."""

    def __init__(self, size: int):
        self.size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, Value] = OrderedDict()

    def get(self, key: Hashable, compute: Callable[[], Value]) -> Value:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class Loaded:
    registry: Registry | None
    error: str | None
    stamp: tuple[int, int] | None = None  # the registry file's (mtime_ns, size) when read


class ServiceState:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._loaded = Loaded(None, None)
        self._index: tuple[int, dict, frozenset[str]] | None = None
        # (registry stamp, request parameters, today, feed state stamp) -> (feed bytes, newest DTSTAMP)
        self.filtered_feeds: LruCache[tuple[bytes, float]] = LruCache(FILTERED_FEEDS)
        self._digests: LruCache[str] = LruCache(FILE_DIGESTS)

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            info = Path(self.settings.registry).stat()
            return info.st_mtime_ns, info.st_size
        except OSError:
            return None

    def registry(self) -> Loaded:
        stamp = self._file_stamp()
        with self._lock:
            if stamp != self._stamp or (self._loaded.registry is None and self._loaded.error is None):
                try:
                    self._loaded = Loaded(load_registry(self.settings.registry), None, stamp)
                except CalendarServiceError as error:
                    self._loaded = Loaded(self._loaded.registry, error.render("en"), stamp)
                except Exception as error:  # noqa: BLE001 - any failure keeps the last good registry
                    log.exception("registry %s not reloaded", self.settings.registry)
                    reason = (
                        f"{self.settings.registry}: the registry could not be loaded ({type(error).__name__})"
                    )
                    self._loaded = Loaded(self._loaded.registry, reason, stamp)
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

    def digest(self, path: Path, info: os.stat_result) -> str:
        """A published file's content hash (its strong ETag), computed once per file version."""
        key = (str(path), info.st_mtime_ns, info.st_size)
        return self._digests.get(key, lambda: hashlib.sha256(path.read_bytes()).hexdigest()[:32])

    def build_info(self) -> dict | None:
        try:
            return json.loads((self.feeds_dir / BUILD_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
