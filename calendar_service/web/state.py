"""What the web service reads: the registry (reloaded when the file changes;
the last good version is kept when an edit is invalid), the published feeds'
index and build time."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..errors import CalendarServiceError
from ..feeds.publish import BUILD_FILE, INDEX_FILE
from ..model import Registry
from ..registry.checks import load_registry


@dataclass
class Loaded:
    registry: Registry | None
    error: str | None


class ServiceState:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._loaded = Loaded(None, None)
        self._index: tuple[int, dict, frozenset[str]] | None = None

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
                    self._loaded = Loaded(load_registry(self.settings.registry), None)
                except CalendarServiceError as error:
                    self._loaded = Loaded(self._loaded.registry, error.render("en"))
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

    def build_info(self) -> dict | None:
        try:
            return json.loads((self.feeds_dir / BUILD_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
