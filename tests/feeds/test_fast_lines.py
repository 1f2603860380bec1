"""The fast serialisation of VEVENTs (feeds/lines.py) against its oracle, the
icalendar library: for arbitrary text, dates, stamps and reminders, the bytes
are exactly those of icalendar's own ``Component.to_ical()``. The slow,
library-built events are kept here as the judge."""

from __future__ import annotations

import datetime as dt

import icalendar
from hypothesis import example, given, settings
from hypothesis import strategies as st
from icalendar.parser.string import _foldline

from calendar_service.feeds.entries import Entry
from calendar_service.feeds.ical import REMINDER_HOUR, Stamp, _event
from calendar_service.feeds.lines import EventWriter, escape_text, fold

# Text as the registry may give it, and worse: combining marks, emoji, the
# characters iCalendar escapes or must not split (\ ^ , ; CR LF), long runs.
TRICKY = "\\^,;:\r\n\"'Nn \t·–“”\u0301\u0323\u0300ạếỹĐ😀👩🏽‍🚀𝄞\u200d\ufeff"
text = st.text(
    alphabet=st.one_of(st.sampled_from(TRICKY), st.characters(codec="utf-8")),
    max_size=400,
)
line_text = text.map(lambda value: value.replace("\r", "").replace("\n", ""))
dates = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9998, 12, 30))
stamps = st.builds(
    Stamp,
    st.integers(min_value=0, max_value=10**6),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(9999, 1, 1)).map(
        lambda moment: moment.replace(microsecond=0, tzinfo=dt.UTC)
    ),
)
entries = st.builds(
    Entry,
    uid=line_text.filter(bool),
    start=dates,
    summary=text,
    description=text,
    categories=st.lists(text.filter(bool), min_size=1, max_size=4).map(tuple),
    url=line_text.filter(bool),
    reminders=st.lists(st.tuples(st.integers(min_value=0, max_value=400), text), max_size=4).map(tuple),
)


def library_alarms(entry: Entry) -> bytes:
    """The VALARMs of an entry's reminders, built and serialised by icalendar."""
    parts = []
    for days, reminder in entry.reminders:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", reminder)
        alarm.add("trigger", -dt.timedelta(days=days) + dt.timedelta(hours=REMINDER_HOUR))
        parts.append(alarm.to_ical())
    return b"".join(parts)


@given(text)
@example("\\N\\n\r\n\r\n;,\\;")
def test_escaping_is_vtexts(value):
    assert escape_text(value) == icalendar.vText(value).to_ical()


@given(line_text)
@example("x" * 73 + "\\" + "y" * 10)
@example("x" * 73 + "^" + "y" * 10)
@example("\\" + "ế" * 40)
@example("a" * 72 + "😀" * 5)
def test_folding_is_icalendars(value):
    assert fold(value.encode()) == _foldline(value).encode()


@settings(max_examples=300, deadline=None)
@given(entries, stamps)
def test_events_are_icalendars_bytes(entry, stamp):
    writer = EventWriter()
    assert writer.event(entry, stamp) == _event(entry, stamp).to_ical()
    assert writer.alarms(entry) == library_alarms(entry)
    # Lines kept for repeated values give the same bytes the second time.
    assert writer.event(entry, stamp) == _event(entry, stamp).to_ical()


def test_a_long_vietnamese_description_folds_as_icalendar_does():
    """A regression guard on real text: multi-octet letters at every fold position."""
    entry = Entry(
        "dien-bien-phu-2024.vi@lich.example.org",
        dt.date(2024, 5, 7),
        "Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/1954 – 7/5/2024)",
        "\n".join(f"Dòng {n}: “Chiến thắng lừng lẫy năm châu, chấn động địa cầu”; \\ ^" for n in range(30)),
        ("lịch sử", "năm tròn"),
        "https://lich.example.org/entries/dien-bien-phu?lang=vi",
        ((30, "[Còn 30 ngày] Kỷ niệm"), (0, "[Hôm nay] Kỷ niệm")),
    )
    stamp = Stamp(2, dt.datetime(2024, 3, 1, tzinfo=dt.UTC))
    writer = EventWriter()
    assert writer.event(entry, stamp) == _event(entry, stamp).to_ical()
    assert writer.alarms(entry) == library_alarms(entry)


def test_a_leading_byte_order_mark_is_dropped_as_icalendar_drops_it():
    """Hypothesis found it in CI: icalendar's content line decodes a value as
    "utf-8-sig", which drops one leading U+FEFF; the fast path kept it (a title
    pasted from a file that starts with a BOM)."""
    bom = "\ufeff"
    entry = Entry(
        bom + "uid.vi@lich.example.org",
        dt.date(2024, 5, 7),
        bom + bom + "Kỷ niệm",
        bom + "Dòng 1\nDòng 2 " + bom,
        (bom + "lịch sử",),
        bom + "https://lich.example.org/entries/x",
        ((30, bom + "[Còn 30 ngày]"), (0, bom)),
    )
    stamp = Stamp(0, dt.datetime(2024, 3, 1, tzinfo=dt.UTC))
    writer = EventWriter()
    written = writer.event(entry, stamp)
    assert written == _event(entry, stamp).to_ical()
    assert writer.alarms(entry) == library_alarms(entry)
    assert b"SUMMARY:" + bom.encode() + "Kỷ niệm".encode() in written, "only one mark is dropped"
