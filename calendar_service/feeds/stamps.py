"""Stamps: the SEQUENCE and DTSTAMP of every published UID, which only move
when an entry's content changes.

The state (``.state.json`` beside the feeds) remembers each UID's content
digest, SEQUENCE and DTSTAMP. If it is lost, it is recovered from the feeds
already published, so SEQUENCE never goes below what clients have seen.
Occurrences that leave the registry keep their state, so that an entry put
back continues its SEQUENCE.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from pathlib import Path

import icalendar

from ..config import Settings
from ..i18n import LANGUAGES, gettext
from .entries import Entry, choose_uid_domain
from .ical import Stamp

log = logging.getLogger(__name__)

STATE_FILE = ".state.json"


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def load_state(out_dir: Path) -> dict[str, dict]:
    path = out_dir / STATE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data["entries"] if isinstance(data.get("entries"), dict) else {}
    except FileNotFoundError:
        return _recover_state(out_dir)
    except (ValueError, KeyError, AttributeError):
        return _recover_state(out_dir)


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


def with_uid_domain(settings: Settings, feeds_dir: Path | None = None) -> Settings:
    """The settings with the UID domain every build, filtered feed and mail
    attachment of this installation uses, decided once by the edges (command
    line, scheduler jobs, web application) from what is already published in
    ``feeds_dir``. When it keeps or replaces published UIDs, a warning tells the
    operator what to set: changed UIDs show every event twice to subscribers."""
    state = read_state(Path(feeds_dir or settings.feeds_dir))
    choice = choose_uid_domain(settings, state)
    if choice.published and not choice.configured:
        log.warning(
            gettext(
                "The published feeds' UIDs end in @{published} and CALENDAR_UID_DOMAIN is not set: "
                "they are kept. Set CALENDAR_UID_DOMAIN={published} to keep them for good "
                "(changing UIDs makes every subscriber see every event twice).",
                settings.language,
            ).format(published=choice.published)
        )
    elif choice.published:
        log.warning(
            gettext(
                "CALENDAR_UID_DOMAIN={domain} replaces the UIDs of the published feeds (ending in "
                "@{published}): every subscriber will see every event twice. "
                "Set CALENDAR_UID_DOMAIN={published} to keep them.",
                settings.language,
            ).format(domain=choice.domain, published=choice.published)
        )
    return dataclasses.replace(settings, uid_domain=choice.domain)
