"""The real registry's anniversaries for 2024-2030 match the committed snapshot."""

from __future__ import annotations

import json

import update_snapshot  # scripts/update_snapshot.py


def test_snapshot_is_up_to_date():
    """If this fails after a data change: run scripts/update_snapshot.py and review the diff."""
    committed = update_snapshot.SNAPSHOT.read_text(encoding="utf-8")
    assert update_snapshot.snapshot() == committed


def test_snapshot_holds_the_checked_facts():
    data = json.loads(update_snapshot.SNAPSHOT.read_text(encoding="utf-8"))
    found = {(o["event_id"], o["date"]): o for o in data["occurrences"]}
    assert found[("dien-bien-phu", "2024-05-07")]["n"] == 70
    assert (
        found[("gio-to-hung-vuong", "2025-04-07")]["title_vi"] == "Giỗ Tổ Hùng Vương (10/3 âm lịch, 7/4/2025)"
    )
    assert found[("quan-doi-nhan-dan", "2029-12-22")]["milestone"] == "chan"
    assert {(u["event_id"], u["year"]) for u in data["to_verify"]} >= {("quan-he-ngoai-giao-sudan", 2024)}
