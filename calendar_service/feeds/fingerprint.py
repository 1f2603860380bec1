"""The fingerprint of a build: what its feeds depend on, so that a build of an
unchanged registry, settings and window publishes nothing and costs almost
nothing.

A build's bytes are a function of the registry's files (the registry and
what it includes, as read), the settings, the window (from ``today``), the
stamps in the database and this program's version. The fingerprint hashes
the files' bytes, the settings, the window, the stamps' generation (which
grows with every stamp written, by any instance) and the version; it is kept
in the feeds directory's build record with the list of files, so a scheduled
rebuild can tell before even loading the registry.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from .. import __version__
from ..config import Settings

_FORMAT = 1  # bump when what a build writes changes for the same inputs


def fingerprint(
    files: Iterable[str], settings: Settings, start: dt.date, end: dt.date, generation: int
) -> str | None:
    """The fingerprint, or None when one of the files cannot be read (then
    nothing is known and the build goes ahead)."""
    digest = hashlib.sha256()
    head = {
        "format": _FORMAT,
        "version": __version__,
        "settings": {
            field.name: repr(getattr(settings, field.name)) for field in dataclasses.fields(settings)
        },
        "window": [start.isoformat(), end.isoformat()],
        "generation": generation,
    }
    digest.update(json.dumps(head, sort_keys=True).encode())
    for name in sorted(set(files)):
        try:
            data = Path(name).read_bytes()
        except OSError:
            return None
        digest.update(f"\n{len(name)}:{name}\n{len(data)}:".encode())
        digest.update(data)
    return digest.hexdigest()
