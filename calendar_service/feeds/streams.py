"""Feeds written as streams: a feed's text goes to its staging file a few
hundred events at a time (never the whole feed in memory), with its size and
CRC-32 counted on the way; its gzip is made from that file by a helper
thread (zlib works outside the GIL, so it runs beside the next feed's
serialisation), and each file is made durable (fsync) there too."""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

BLOCK = 1 << 20  # bytes read or buffered at a time


@dataclass(frozen=True)
class Staged:
    path: Path
    size: int
    crc: int  # CRC-32, as a gzip trailer holds it


def stream_write(path: Path, chunks: Iterable[bytes]) -> Staged:
    """Write ``chunks`` to ``path`` (not yet durable: see ``finish``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    size = crc = 0
    with open(path, "wb", buffering=BLOCK) as out:
        for chunk in chunks:
            out.write(chunk)
            size += len(chunk)
            crc = zlib.crc32(chunk, crc)
    os.chmod(path, 0o644)
    return Staged(path, size, crc)


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


def _fsync(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def finish(staged: Path, durable: bool, gzip_to: Path | None, level: int) -> None:
    """Make the staged feed durable (if it is to be published) and write its
    gzip (if one is needed): RFC 1952 with mtime 0 and no file name, as
    ``gzip.compress(data, level, mtime=0)`` writes it, durable too."""
    if durable:
        _fsync(staged)
    if gzip_to is None:
        return
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
    with open(staged, "rb") as source, open(gzip_to, "wb", buffering=BLOCK) as out:
        while block := source.read(BLOCK):
            out.write(compressor.compress(block))
        out.write(compressor.flush())
        out.flush()
        os.fsync(out.fileno())
    os.chmod(gzip_to, 0o644)
