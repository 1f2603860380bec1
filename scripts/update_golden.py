#!/usr/bin/env python3
"""Regenerate the golden feeds tests/golden/<scenario>/{vi,en}/*.ics from the
small registries tests/registries/<scenario>.yaml.

Each scenario is published on a fixed day with the default settings, so that a
change to the feeds shows up as a reviewable diff (tests/feeds/test_golden_feeds.py
fails until the golden files are updated). Files are written byte for byte
(CRLF line ends, as RFC 5545 wants and .gitattributes keeps) and only when they
differ; golden files of a scenario that no longer exists are removed. Run with
no change to the code or the registries, it leaves `git status` clean.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from calendar_service.config import load_settings  # noqa: E402
from calendar_service.feeds.publish import publish  # noqa: E402
from calendar_service.registry.checks import load_registry  # noqa: E402

REGISTRIES = ROOT / "tests" / "registries"
GOLDEN = ROOT / "tests" / "golden"
FILES = [f"{lang}/{name}.ics" for lang in ("vi", "en") for name in ("all", "all-alarms", "planning")]
TODAY = dt.date(2024, 3, 1)
NOW = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
# The defaults, with the one setting an installation must choose: its UID domain
# (the same as the test settings', tests/paths.py UID_DOMAIN).
ENVIRON = {"CALENDAR_UID_DOMAIN": "calendar.example.org"}


def scenarios() -> list[str]:
    return sorted(path.stem for path in REGISTRIES.glob("*.yaml"))


def feeds(scenario: str) -> dict[str, bytes]:
    """The golden files of one scenario as publish writes them: name -> bytes.
    No CALENDAR_* variable of the machine is read, so the files do not depend on it."""
    registry = load_registry(REGISTRIES / f"{scenario}.yaml")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        publish(registry, load_settings(environ=ENVIRON), TODAY, NOW, out)
        return {name: (out / name).read_bytes() for name in FILES}


def update() -> list[str]:
    """Write the golden files that differ, remove those no scenario makes; say which."""
    changes, wanted = [], set()
    for scenario in scenarios():
        for name, data in feeds(scenario).items():
            path = GOLDEN / scenario / name
            wanted.add(path)
            if not path.exists() or path.read_bytes() != data:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                changes.append(f"wrote {path.relative_to(ROOT)}")
    for path in sorted(GOLDEN.rglob("*.ics")):
        if path not in wanted:
            path.unlink()
            changes.append(f"removed {path.relative_to(ROOT)}")
    for folder in sorted((p for p in GOLDEN.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    return changes


if __name__ == "__main__":
    changes = update()
    print("\n".join(changes) if changes else f"{GOLDEN.relative_to(ROOT)} is up to date")
