"""Hostile input to the feeds stage: registry text with line breaks, markup,
iCalendar specials and very long strings is escaped and folded in the feeds."""

from __future__ import annotations

import datetime as dt

import icalendar

from calendar_service.registry.checks import load_registry


def test_nasty_text_is_escaped_in_ical(nasty, settings, tmp_path):
    from calendar_service.feeds.publish import publish

    registry = load_registry(nasty)
    publish(registry, settings(), dt.date(2024, 3, 1), dt.datetime(2024, 3, 1, tzinfo=dt.UTC), tmp_path)
    data = (tmp_path / "vi" / "all.ics").read_bytes()
    assert max(len(line) for line in data.split(b"\r\n")) <= 75
    assert b"\r\nUID:evil" not in data and b"\r\nBEGIN:VALARM" not in data
    calendar = icalendar.Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 7 and not calendar.walk("VALARM")
    assert str(events[0]["SUMMARY"]).startswith(
        "Kỷ niệm 69 năm <script>alert('x')</script> ; , \\ \" END:VEVENT BEGIN:VALARM Điện Biên Phủ"
    )
    assert "dòng 1\nBcc: evil@example.org\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil" in str(
        events[0]["DESCRIPTION"]
    )
