"""Stamps: the SEQUENCE and DTSTAMP of every published UID, which only move
when an entry's content changes.

The state (``.state.json`` beside the feeds) remembers each UID's content
digest, SEQUENCE and DTSTAMP. If it is lost, unreadable, or holds a wrong
entry, what it lacks is recovered from the feeds already published, so
SEQUENCE never goes below what clients have seen.
Occurrences that leave the registry keep their state, so that an entry put
back continues its SEQUENCE.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import icalendar

from ..i18n import LANGUAGES
from .entries import Entry
from .ical import Stamp

STATE_FILE = ".state.json"


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def load_state(out_dir: Path) -> dict[str, dict]:
    """The state, each entry checked: a missing or unreadable state, or an
    entry that is not what ``next_stamp`` writes, is recovered from the
    published feeds (an entry whose UID is in none of them is dropped)."""
    path = out_dir / STATE_FILE
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["entries"]
    except (OSError, ValueError, KeyError, TypeError):
        return _recover_state(out_dir)
    if not isinstance(entries, dict):
        return _recover_state(out_dir)
    wrong = {uid for uid, entry in entries.items() if not _valid(entry)}
    if not wrong:
        return entries
    recovered = _recover_state(out_dir)
    kept = {uid: entry for uid, entry in entries.items() if uid not in wrong}
    return kept | {uid: recovered[uid] for uid in wrong if uid in recovered}


def _valid(entry: object) -> bool:
    """An entry as ``next_stamp`` writes it: a digest, a SEQUENCE from 0 to
    2³¹ − 1 and a DTSTAMP in ISO form with its time zone."""
    if not isinstance(entry, dict):
        return False
    digest, sequence, stamp = entry.get("digest"), entry.get("sequence"), entry.get("dtstamp")
    if not isinstance(digest, str) or type(sequence) is not int or not 0 <= sequence < 2**31:
        return False
    try:
        return isinstance(stamp, str) and dt.datetime.fromisoformat(stamp).tzinfo is not None
    except ValueError:
        return False


def _recover_state(out_dir: Path) -> dict[str, dict]:
    """Rebuild the state from published feeds: digest, SEQUENCE and DTSTAMP per UID."""
    state: dict[str, dict] = {}
    for path in sorted(p for lang in LANGUAGES for p in (out_dir / lang).rglob("*.ics")):
        try:
            calendar = icalendar.Calendar.from_ical(path.read_bytes())
        except ValueError:
            continue
        for event in calendar.walk("VEVENT"):
            try:
                entry = Entry(
                    str(event["UID"]),
                    event.decoded("DTSTART"),
                    str(event.get("SUMMARY", "")),
                    str(event.get("DESCRIPTION", "")),
                    tuple(str(c) for c in event.get("CATEGORIES").cats) if event.get("CATEGORIES") else (),
                    str(event.get("URL", "")),
                )
                sequence = int(event.get("SEQUENCE", 0))
                stamp = event.decoded("DTSTAMP")
            except (KeyError, ValueError, TypeError, AttributeError):
                continue
            known = state.get(entry.uid)
            if known is None or sequence > known["sequence"]:
                state[entry.uid] = {
                    "digest": entry.digest(),
                    "sequence": sequence,
                    "dtstamp": stamp.isoformat(),
                }
    return state


def read_state(out_dir: Path) -> dict[str, dict]:
    """The published feeds' stamps, for events built outside a publish (filtered
    feeds, mail attachments); a missing state is recovered from the feeds."""
    return load_state(out_dir)


def stamp_for(entry: Entry, state: dict[str, dict], now: dt.datetime) -> Stamp:
    """The stamp an entry has (or would get) in the feeds, without writing anything:
    published ones keep theirs; changed or new ones get the next SEQUENCE."""
    return next_stamp(entry, state, now.astimezone(dt.UTC).replace(microsecond=0))


def load_stamps(out_dir: Path, entries: list[Entry], now: dt.datetime) -> dict[str, Stamp]:
    state = read_state(out_dir)
    return {entry.uid: stamp_for(entry, state, now) for entry in entries}


def next_stamp(entry: Entry, state: dict[str, dict], now: dt.datetime) -> Stamp:
    digest = entry.digest()
    known = state.get(entry.uid)
    if known is None:
        stamp = Stamp(0, now)
    elif known["digest"] == digest:
        stamp = Stamp(known["sequence"], _utc(known["dtstamp"]))
    else:
        stamp = Stamp(known["sequence"] + 1, now)
    state[entry.uid] = {"digest": digest, "sequence": stamp.sequence, "dtstamp": stamp.dtstamp.isoformat()}
    return stamp
