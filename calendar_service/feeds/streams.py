"""Files written safely: ``atomic_write`` (temporary file, fsync, rename), and
feeds written as streams into a staging folder: every feed is written side by
side, a batch of events at a time (never a whole feed in memory), with
its size and CRC-32 counted on the way; its gzip is compressed from the same
batches by a helper thread (zlib works outside the GIL, so it runs beside the
next batch's serialisation), and each file is made durable (fsync) there too."""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BLOCK = 1 << 20  # bytes read at a time


@dataclass(frozen=True)
class Staged:
    path: Path
    size: int
    crc: int  # CRC-32, as a gzip trailer holds it


def append(path: Path, data: bytes) -> None:
    """Add ``data`` at the end of ``path`` (not yet durable: see ``FeedStream.finish``).
    Opened for each batch: a registry of many countries and provinces has
    hundreds of feeds, more than a process may hold open."""
    with open(path, "ab") as out:
        out.write(data)


class FeedStream:
    """One feed being written to ``path``, its gzip to ``gzip_path`` (RFC 1952
    with mtime 0 and no file name, as ``gzip.compress(data, level, mtime=0)``
    writes it) by ``helper``, a single thread that runs its tasks in order."""

    def __init__(
        self,
        path: Path,
        gzip_path: Path,
        level: int,
        helper: concurrent.futures.ThreadPoolExecutor,
        write: Callable[[Path, bytes], None] = append,
    ):
        self.path, self.gzip_path, self._helper, self._write = path, gzip_path, helper, write
        self.size = self.crc = 0
        self._compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
        self._tasks: list[concurrent.futures.Future] = []
        path.parent.mkdir(parents=True, exist_ok=True)
        for new in (path, gzip_path):
            new.touch()
            os.chmod(new, 0o644)

    def write(self, data: bytes) -> None:
        self._write(self.path, data)
        self.size += len(data)
        self.crc = zlib.crc32(data, self.crc)
        self._tasks.append(self._helper.submit(self._compress, data))

    def _compress(self, data: bytes) -> None:
        compressed = self._compressor.compress(data)
        if compressed:
            append(self.gzip_path, compressed)

    def staged(self) -> Staged:
        """What was written (call once the last batch is)."""
        return Staged(self.path, self.size, self.crc)

    def finish(self, durable: bool, gzip: bool) -> None:
        """Make the feed durable (if it is to be published) and end its gzip
        (if it is): on the helper thread, after its last compression (``wait``)."""
        self._tasks.append(self._helper.submit(self._finish, durable, gzip))

    def _finish(self, durable: bool, gzip: bool) -> None:
        if durable:
            fsync(self.path)
        if gzip:
            append(self.gzip_path, self._compressor.flush())
            fsync(self.gzip_path)

    def wait(self) -> None:
        """Every task of this feed done; the first error (a full disk) raised."""
        for task in self._tasks:
            task.result()
        self._tasks.clear()


def same_content(published: Path, staged: Staged) -> bool:
    """Whether the published file holds exactly the staged bytes."""
    try:
        if published.stat().st_size != staged.size:
            return False
        with open(published, "rb") as old, open(staged.path, "rb") as new:
            while True:
                block = old.read(BLOCK)
                if block != new.read(BLOCK):
                    return False
                if not block:
                    return True
    except FileNotFoundError:
        return False


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
    fsync(path.parent)


def fsync(path: Path) -> None:
    """Make a file, or a folder's entries (a rename in it), durable."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
