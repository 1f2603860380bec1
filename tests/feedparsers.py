"""Run the parsers real calendar clients use on published feeds and return, per
file, the events each one sees: uid, start, end (ISO dates), summary."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import icalendar
import pytest
import vobject

HERE = Path(__file__).resolve().parent / "parsers"
SYSTEM_PYTHON = "/usr/bin/python3"


def _missing(what: str) -> None:
    """In CI a missing parser is a failure; on a developer machine, a skip."""
    message = f"{what} is not available: run ./scripts/test, which installs it"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def icaljs(paths: list[Path]) -> dict[str, dict]:
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules" / "ical.js").exists():
        _missing("Mozilla ical.js (node and tests/parsers/node_modules)")
    out = subprocess.run(
        [node, str(HERE / "icaljs_parse.mjs"), *map(str, paths)], capture_output=True, text=True, check=True
    )
    return {item["file"]: item for item in json.loads(out.stdout)}


def libical(paths: list[Path]) -> dict[str, dict]:
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import gi; gi.require_version('ICalGLib', '3.0')"],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        _missing("libical (Debian gir1.2-ical-3.0 and python3-gi)")
    out = subprocess.run(
        [SYSTEM_PYTHON, str(HERE / "libical_parse.py"), *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
    )
    return {item["file"]: item for item in json.loads(out.stdout)}


def python_icalendar(paths: list[Path]) -> dict[str, dict]:
    result = {}
    for path in paths:
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        events = [
            {
                "uid": str(event["UID"]),
                "summary": str(event["SUMMARY"]),
                "start": event.decoded("DTSTART").isoformat(),
                "end": event.decoded("DTEND").isoformat(),
                "sequence": int(event["SEQUENCE"]),
                "dtstamp": event.decoded("DTSTAMP").isoformat(),
                "description": str(event["DESCRIPTION"]),
                "alarms": len(event.walk("VALARM")),
            }
            for event in calendar.walk("VEVENT")
        ]
        result[str(path)] = {
            "file": str(path),
            "events": events,
            "name": str(calendar.get("X-WR-CALNAME")),
            "caldesc": str(calendar.get("X-WR-CALDESC")),
            "description": str(calendar.get("DESCRIPTION")),
            "prodid": str(calendar.get("PRODID")),
        }
    return result


def python_vobject(paths: list[Path]) -> dict[str, dict]:
    result = {}
    for path in paths:
        calendar = vobject.readOne(path.read_text(encoding="utf-8"))
        events = [
            {
                "uid": event.uid.value,
                "summary": event.summary.value,
                "start": event.dtstart.value.isoformat(),
                "end": event.dtend.value.isoformat(),
            }
            for event in getattr(calendar, "vevent_list", [])
        ]
        text = {
            key: calendar.contents[name][0].value
            for key, name in (
                ("name", "x-wr-calname"),
                ("caldesc", "x-wr-caldesc"),
                ("description", "description"),
            )
            if name in calendar.contents
        }
        result[str(path)] = {"file": str(path), "events": events, **text}
    return result


PARSERS = {"ical.js": icaljs, "libical": libical, "icalendar": python_icalendar, "vobject": python_vobject}


def seen(parsed: dict) -> set[tuple[str, str, str, str]]:
    """What a user sees of each event: uid, first day, day after the last, title."""
    return {(e["uid"], e["start"], e["end"], e["summary"]) for e in parsed["events"]}


def planned(registry, settings, today: dt.date) -> dict[str, set[tuple[str, str, str, str]]]:
    """What a user should see in each feed (path -> events, as seen() gives them),
    from the plan publish writes the feeds from: the reference every parser,
    icalendar included, is compared with."""
    from calendar_service.feeds.planned import plan

    return {
        spec.path: {
            (e.uid, e.start.isoformat(), (e.start + dt.timedelta(days=1)).isoformat(), e.summary)
            for e in entries
        }
        for spec, entries in plan(registry, settings, today).items()
    }
