"""Paths and fixed facts shared by the tests (importable from any test folder)."""

import datetime as dt
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL_REGISTRY = ROOT / "data" / "events.yaml"
TESTS = Path(__file__).resolve().parent
REGISTRIES = TESTS / "registries"
ARTIFACTS = ROOT / "test-artifacts"

# The UID domain of the test settings and the golden feeds, set as an
# installation sets it: once (the default, the base URL's host, is tested apart).
UID_DOMAIN = "calendar.example.org"

# The clock of the shared published feeds (fixture published_feeds) and the web
# app's "today" (fixture app).
PUBLISHED_ON = dt.date(2024, 3, 1)
PUBLISHED_AT = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)

# The checked 2024 facts the registry must reproduce (issue: registry and engine):
# entry id, date of the 2024 anniversary, n, milestone level.
FACTS_2024 = [
    ("dien-bien-phu", "2024-05-07", 70, "tron"),
    ("hiep-dinh-geneve", "2024-07-21", 70, "tron"),
    ("quan-doi-nhan-dan", "2024-12-22", 80, "tron"),
    ("ngay-hoi-quoc-phong-toan-dan", "2024-12-22", 35, "chan"),
    ("giai-phong-thu-do", "2024-10-10", 70, "tron"),
    ("hai-chien-hoang-sa", "2024-01-19", 50, "tron"),
    ("hai-chien-gac-ma", "2024-03-14", 36, None),
    ("quan-he-ngoai-giao-sweden", "2024-01-11", 55, "chan"),
    ("quan-he-ngoai-giao-brazil", "2024-05-08", 35, "chan"),
    ("gio-to-hung-vuong", "2024-04-18", None, None),
]
