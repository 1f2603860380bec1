"""`feeds/.state.json` that parses but holds a wrong entry (a number, a missing
digest, a sequence as text, a bad date) crashed `build` and `alerts`. Each
entry is checked when read; a wrong one is recovered from the published feeds,
so SEQUENCE never goes below what clients have seen."""

from __future__ import annotations

import datetime as dt
import email
import json
import shutil
from email.policy import default

import icalendar
import pytest
from click.testing import CliRunner
from paths import REAL_REGISTRY, ROOT

from calendar_service.cli import main
from calendar_service.config import load_settings
from calendar_service.feeds.publish import publish
from calendar_service.feeds.stamps import STATE_FILE, load_state
from calendar_service.registry.checks import load_registry

SETTINGS = load_settings(environ={})
TODAY = dt.date(2024, 3, 1)
NOW = dt.datetime(2024, 3, 1, 1, 2, 3, tzinfo=dt.UTC)
LATER = dt.datetime(2024, 3, 2, 5, 6, 7, tzinfo=dt.UTC)
UID = "dien-bien-phu-2024.vi@calendar-service"

WRONG = {
    "a number": 5,
    "a missing digest": lambda entry: {k: v for k, v in entry.items() if k != "digest"},
    "a sequence as text": lambda entry: {**entry, "sequence": str(entry["sequence"])},
    "a negative sequence": lambda entry: {**entry, "sequence": -1},
    "a boolean sequence": lambda entry: {**entry, "sequence": True},
    "a bad date": lambda entry: {**entry, "dtstamp": "2024-02-31T00:00:00+00:00"},
    "a date without a time zone": lambda entry: {**entry, "dtstamp": "2024-03-01T00:00:00"},
    "a date as a number": lambda entry: {**entry, "dtstamp": 20240301},
    "a digest as a list": lambda entry: {**entry, "digest": ["x"]},
    "a list": lambda entry: [entry],
}


@pytest.fixture(scope="module")
def first_published(tmp_path_factory):
    """Feeds of a copy of the real registry, with Điện Biên Phủ edited once (SEQUENCE 1)."""
    folder = tmp_path_factory.mktemp("published")
    shutil.copytree(ROOT / "data" / "sources", folder / "sources")
    registry = folder / "events.yaml"
    shutil.copy(REAL_REGISTRY, registry)
    out = folder / "feeds"
    publish(load_registry(registry), SETTINGS, TODAY, NOW, out)
    text = registry.read_text(encoding="utf-8")
    registry.write_text(
        text.replace("vi: Chiến thắng Điện Biên Phủ", "vi: Chiến thắng lịch sử Điện Biên Phủ", 1)
    )
    publish(load_registry(registry), SETTINGS, TODAY, LATER, out)
    return folder


@pytest.fixture
def published(first_published, tmp_path):
    """A copy of the registry and its feeds for one test to break."""
    shutil.copytree(first_published, tmp_path / "copy", symlinks=True)
    return tmp_path / "copy" / "events.yaml", tmp_path / "copy" / "feeds"


def feed_event(out, uid=UID):
    calendar = icalendar.Calendar.from_ical((out / "vi" / "all.ics").read_bytes())
    (event,) = [e for e in calendar.walk("VEVENT") if str(e["UID"]) == uid]
    return int(event["SEQUENCE"]), event.decoded("DTSTAMP")


def corrupt(out, wrong) -> None:
    path = out / STATE_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    entry = data["entries"][UID]
    data["entries"][UID] = wrong(entry) if callable(wrong) else wrong
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize(
    "kind", ["a number", "a missing digest", "a sequence as text", "a bad date", "a list"]
)
def test_wrong_state_entry_crashed_build(published, kind):
    """A state entry that parses but is wrong crashed `build` (TypeError, KeyError, ValueError)."""
    registry, out = published
    seen = feed_event(out)
    assert seen[0] == 1
    before = {path: path.read_bytes() for path in sorted(out.rglob("*.ics"))}
    corrupt(out, WRONG[kind])
    result = CliRunner().invoke(
        main,
        ["build", "--registry", str(registry), "--out", str(out), "--today", "2024-03-01", "--lang", "en"],
    )
    assert result.exit_code == 0, result.output
    assert feed_event(out) == seen, "recovered from the published feed: same SEQUENCE and DTSTAMP"
    assert {path: path.read_bytes() for path in sorted(out.rglob("*.ics"))} == before
    assert load_state(out)[UID]["sequence"] == 1, "the state file is written whole again"


@pytest.mark.parametrize(
    "kind", ["a number", "a missing digest", "a sequence as text", "a bad date", "a list"]
)
def test_wrong_state_entry_crashed_alerts(published, kind, tmp_path):
    """A wrong state entry crashed `alerts` (the attached event takes its stamps from the state)."""
    registry, out = published
    corrupt(out, WRONG[kind])
    subscribers = tmp_path / "subscribers.yaml"
    subscribers.write_text("subscribers:\n  - email: editor@example.org\n", encoding="utf-8")
    env = {
        "CALENDAR_REGISTRY": str(registry),
        "CALENDAR_SUBSCRIBERS": str(subscribers),
        "CALENDAR_FEEDS_DIR": str(out),
        "CALENDAR_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        "CALENDAR_OUTBOX": str(tmp_path / "outbox"),
    }
    result = CliRunner().invoke(main, ["alerts", "--today", "2024-05-06", "--lang", "en"], env=env)
    assert result.exit_code == 0, result.output
    messages = [
        email.message_from_bytes(p.read_bytes(), policy=default) for p in (tmp_path / "outbox").glob("*.eml")
    ]
    attached = [
        icalendar.Calendar.from_ical(part.get_content())
        for message in messages
        for part in message.iter_attachments()
        if part.get_content_type() == "text/calendar"
    ]
    events = [e for calendar in attached for e in calendar.walk("VEVENT") if str(e["UID"]) == UID]
    assert events, "the Điện Biên Phủ alert went out"
    assert {(int(e["SEQUENCE"]), e.decoded("DTSTAMP")) for e in events} == {feed_event(out)}


def test_good_entries_are_kept_and_only_the_wrong_one_recovered(published):
    """Checking each entry keeps the good ones as they are (they may hold UIDs no longer in the feeds)."""
    _registry, out = published
    data = json.loads((out / STATE_FILE).read_text(encoding="utf-8"))
    data["entries"]["gone-2024.vi@calendar-service"] = {
        "digest": "0" * 64,
        "sequence": 4,
        "dtstamp": "2024-01-01T00:00:00+00:00",
    }
    data["entries"][UID] = 5
    (out / STATE_FILE).write_text(json.dumps(data), encoding="utf-8")
    state = load_state(out)
    assert state["gone-2024.vi@calendar-service"]["sequence"] == 4
    assert state[UID]["sequence"] == 1 and state[UID]["dtstamp"] == feed_event(out)[1].isoformat()
    assert state == {**data["entries"], UID: state[UID]}


GOOD = {"digest": "0" * 64, "sequence": 3, "dtstamp": "2024-01-01T00:00:00+00:00"}


@pytest.mark.parametrize("wrong", WRONG.values(), ids=WRONG.keys())
def test_each_kind_of_wrong_entry_is_found(tmp_path, wrong):
    """Every entry is checked: a wrong one (here in no published feed) is dropped, the others kept."""
    entries = {"good.vi@calendar-service": GOOD, UID: wrong(GOOD) if callable(wrong) else wrong}
    (tmp_path / STATE_FILE).write_text(json.dumps({"version": 1, "entries": entries}), encoding="utf-8")
    assert load_state(tmp_path) == {"good.vi@calendar-service": GOOD}


@pytest.mark.parametrize("entries", [[], None])
def test_entries_that_are_not_a_mapping_were_taken_as_no_state(published, entries):
    """`"entries": []` was read as an empty state: every SEQUENCE went back to 0, below what clients had seen."""
    _registry, out = published
    (out / STATE_FILE).write_text(json.dumps({"version": 1, "entries": entries}), encoding="utf-8")
    assert load_state(out)[UID]["sequence"] == 1
