#!/usr/bin/env python3
"""Regenerate tests/snapshots/occurrences-2024-2030.json from data/events.yaml.

The snapshot lists every dated anniversary of 2024-2030 with both titles, plus
the dates still to verify, so that a change to the data shows up as a
reviewable diff (tests/dates/test_snapshot.py fails until the snapshot is updated).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from calendar_service.dates.anniversaries import occurrences, unverified  # noqa: E402
from calendar_service.dates.text import occurrence_dict  # noqa: E402
from calendar_service.dates.titles import occurrence_title, unverified_title  # noqa: E402
from calendar_service.registry.checks import load_registry  # noqa: E402

SNAPSHOT = ROOT / "tests" / "snapshots" / "occurrences-2024-2030.json"
FIRST, LAST = 2024, 2030


def snapshot(registry_path: Path = ROOT / "data" / "events.yaml") -> str:
    registry = load_registry(registry_path)
    dated = []
    for occurrence in occurrences(registry, dt.date(FIRST, 1, 1), dt.date(LAST, 12, 31)):
        item = occurrence_dict(occurrence, "vi")
        del item["title"]
        item["title_vi"] = occurrence_title(occurrence, "vi")
        item["title_en"] = occurrence_title(occurrence, "en")
        dated.append(item)
    to_verify = [
        {
            "event_id": u.event.id,
            "year": u.year,
            "n": u.n,
            "milestone": u.milestone.value if u.milestone else None,
            "title_vi": unverified_title(u, "vi"),
            "title_en": unverified_title(u, "en"),
        }
        for u in unverified(registry, FIRST, LAST)
    ]
    data = {"years": [FIRST, LAST], "occurrences": dated, "to_verify": to_verify}
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


if __name__ == "__main__":
    SNAPSHOT.write_text(snapshot(), encoding="utf-8")
    print(f"wrote {SNAPSHOT.relative_to(ROOT)}")
