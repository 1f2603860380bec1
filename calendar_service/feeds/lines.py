"""A fast path to the bytes icalendar writes for our VEVENTs and VALARMs.

Why: profiling a 10k-entry build showed icalendar's component model (a
Parameters object, a Contentline and type look-ups per property) and its line
folding, which encodes each character on its own, to be three quarters of a
build. Here every value still comes from icalendar's property types: the text
of SUMMARY, DESCRIPTION and UID is escaped as ``vText(...).to_ical()`` does
(``escape_text``: the same replacements on bytes), the dates and URLs are vDate's and vUri's ``to_ical()``, and every other
line (stamps, SEQUENCE, CATEGORIES, TRIGGER, the constants) is the library's
own content line for that value. Lines of repeated values are made once per
build and reused. Only the escaping and folding of the
text lines (``escape_text``, ``fold``, and ``content_value``: the one leading
U+FEFF a content line drops), the names and parameters of the
lines of dates and URLs, and the order of the properties are written here.

The library is the oracle: tests/feeds/test_fast_lines.py proves with
hypothesis that ``escape_text`` equals vText's escaping, ``fold`` icalendar's
``_foldline``, and that
``EventWriter`` gives exactly ``Component.to_ical()`` of the same event for
arbitrary text; the golden feeds stay byte-identical.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import icalendar

if TYPE_CHECKING:
    from .entries import Entry
    from .ical import Stamp

FOLD_OCTETS = 74  # icalendar folds before a character that would make a line 75 octets
_CONTINUATION = 0x80  # UTF-8 continuation bytes are 0b10xxxxxx
_ESCAPES = (0x5C, 0x5E)  # "\" and "^": icalendar never ends a folded line on one of them
REMINDER_HOUR = 9  # reminders ring at 09:00 on the lead day


def fold(line: bytes) -> bytes:
    """A content line (UTF-8, no CR or LF) folded as icalendar's ``_foldline``
    folds it: each line at most 74 octets, never inside a character, and an
    escape character (``\\`` or ``^``) that would end a line (not alone) moved
    to the next one."""
    size = len(line)
    if size <= FOLD_OCTETS:
        return line
    parts = []
    start = 0
    while size - start > FOLD_OCTETS:
        end = start + FOLD_OCTETS
        while line[end] & 0xC0 == _CONTINUATION:
            end -= 1
        if line[end - 1] in _ESCAPES and end - 1 > start:
            end -= 1
        parts.append(line[start:end])
        start = end
    parts.append(line[start:])
    return b"\r\n ".join(parts)


def escape_text(value: str) -> bytes:
    """A TEXT value as ``icalendar.vText(value).to_ical()`` gives it (the
    replacements of icalendar's ``_escape_char``, in its order), done on the
    UTF-8 bytes: every character replaced is ASCII, and replacing in bytes
    skips vText's Parameters object and seven passes over a wide string."""
    return (
        value.encode()
        .replace(b"\\N", b"\n")
        .replace(b"\\", b"\\\\")
        .replace(b";", b"\\;")
        .replace(b",", b"\\,")
        .replace(b"\r\n", b"\\n")
        .replace(b"\n", b"\\n")
        .replace(b"\r", b"\\n")
    )


_BOM = "\ufeff".encode()


def content_value(value: bytes) -> bytes:
    """A property's value as icalendar's content line holds it: the line decodes
    the value's bytes as "utf-8-sig", which drops one leading byte order mark
    (U+FEFF) and keeps any other."""
    return value[len(_BOM) :] if value.startswith(_BOM) else value


def _text_line(name: bytes, value: str) -> bytes:
    """A TEXT property: the value escaped as icalendar's vText does, the line folded."""
    return fold(name + b":" + content_value(escape_text(value))) + b"\r\n"


def library_line(component: type[icalendar.cal.Component], name: str, value: Any) -> bytes:
    """One property's content line (with CRLF) exactly as icalendar writes it
    in ``component``: added, typed and serialised by the library itself."""
    holder = component()
    holder.add(name, value)
    return holder.content_line(name.upper(), holder[name.upper()]).to_ical() + b"\r\n"


_BEGIN_EVENT = b"BEGIN:VEVENT\r\n"
_END_EVENT = b"END:VEVENT\r\n"
_BEGIN_ALARM = b"BEGIN:VALARM\r\n"
_END_ALARM = b"END:VALARM\r\n"


class EventWriter:
    """Serialises VEVENTs (and their VALARMs) as icalendar would. Keeps the
    content lines of repeated values (dates, stamps, categories, URLs, lead
    times), so it belongs to one build: create one per build, not per process."""

    def __init__(self) -> None:
        self._dates: dict[dt.date, bytes] = {}
        self._stamps: dict[dt.datetime, bytes] = {}
        self._stamp_ends: dict[dt.datetime, bytes] = {}
        self._sequences: dict[int, bytes] = {}
        self._categories: dict[tuple[str, ...], bytes] = {}
        self._urls: dict[str, bytes] = {}
        self._triggers: dict[int, bytes] = {}
        event, alarm = icalendar.Event, icalendar.Alarm
        self._class = library_line(event, "class", "PUBLIC")
        self._transp = library_line(event, "transp", "TRANSPARENT")
        self._action = library_line(alarm, "action", "DISPLAY")

    def event(self, entry: Entry, stamp: Stamp) -> bytes:
        """The VEVENT ``feeds.ical._event`` builds, serialised (without VALARMs)."""
        start, dtstamp, sequence, categories, url = (
            entry.start,
            stamp.dtstamp,
            stamp.sequence,
            entry.categories,
            entry.url,
        )
        dates = self._dates.get(start)
        if dates is None:
            dates = self._dates[start] = b"".join(
                (
                    b"DTSTART;VALUE=DATE:",
                    icalendar.vDate(start).to_ical(),
                    b"\r\nDTEND;VALUE=DATE:",
                    icalendar.vDate(start + dt.timedelta(days=1)).to_ical(),
                    b"\r\n",
                )
            )
        stamped = self._stamps.get(dtstamp)
        if stamped is None:
            stamped = self._stamps[dtstamp] = library_line(icalendar.Event, "dtstamp", dtstamp)
            self._stamp_ends[dtstamp] = library_line(icalendar.Event, "last-modified", dtstamp)
        seq = self._sequences.get(sequence)
        if seq is None:
            seq = self._sequences[sequence] = library_line(icalendar.Event, "sequence", sequence)
        cats = self._categories.get(categories)
        if cats is None:
            cats = self._categories[categories] = library_line(
                icalendar.Event, "categories", list(categories)
            )
        link = self._urls.get(url)
        if link is None:
            link = self._urls[url] = (
                fold(b"URL;VALUE=URI:" + content_value(icalendar.vUri(url).to_ical())) + b"\r\n"
            )
        return b"".join(
            (
                _BEGIN_EVENT,
                _text_line(b"SUMMARY", entry.summary),
                dates,
                stamped,
                _text_line(b"UID", entry.uid),
                seq,
                cats,
                self._class,
                _text_line(b"DESCRIPTION", entry.description),
                self._stamp_ends[dtstamp],
                self._transp,
                link,
                _END_EVENT,
            )
        )

    def alarms(self, entry: Entry) -> bytes:
        """The VALARMs ``feeds.ical._alarms`` builds for the entry's reminders, serialised."""
        parts: list[bytes] = []
        for days, text in entry.reminders:
            trigger = self._triggers.get(days)
            if trigger is None:
                trigger = self._triggers[days] = library_line(
                    icalendar.Alarm, "trigger", -dt.timedelta(days=days) + dt.timedelta(hours=REMINDER_HOUR)
                )
            parts += (_BEGIN_ALARM, self._action, _text_line(b"DESCRIPTION", text), trigger, _END_ALARM)
        return b"".join(parts)
