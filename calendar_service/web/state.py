"""What the web service reads: the registry (reloaded when the file changes;
the last good version is kept when an edit is invalid), the published feeds'
index and build time; and what it caches, bounded, for the life of the app."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import zlib
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

FILTERED_FEEDS = 64  # filtered feeds kept (the most recently requested)
FILE_DIGESTS = 1024  # published files' ETags kept, one per file version
_CHUNK = 1 << 20

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
        # (registry stamp, language, request parameters, today, feed state stamp) -> the feed
        self.filtered_feeds: LruCache = LruCache(FILTERED_FEEDS)
        self._digests: LruCache[str | None] = LruCache(FILE_DIGESTS)

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
        return self._digests.get(key, lambda: _hash_file(fd))

    def gzip_digest(self, fd: int, info: os.stat_result) -> str | None:
        """The content hash of what an open ``.gz`` file decompresses to, None when
        it is not one whole gzip stream; computed once per file version."""
        key = ("gzip", info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size)
        return self._digests.get(key, lambda: _hash_gzip(fd, info.st_size))

    def build_info(self) -> dict | None:
        try:
            return json.loads((self.feeds_dir / BUILD_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None


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
