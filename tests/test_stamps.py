"""The feeds' stamps in the shared database: builds at once in two processes
into two directories agree on every SEQUENCE and DTSTAMP and write the same
bytes (SQLite and the real PostgreSQL), a new directory gets the published
bytes, a .state.json of the release before is imported once, and filtered
feeds and mail attachments carry the published stamps."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import icalendar
from click.testing import CliRunner

from calendar_service.cli import main
from calendar_service.config import load_settings
from calendar_service.feeds.publish import publish
from calendar_service.feeds.stamps import IMPORTED_SUFFIX, STATE_FILE, StampStore, read_state
from calendar_service.jobs import send_alerts
from calendar_service.registry.checks import load_registry
from calendar_service.web import create_app

TODAY = dt.date(2024, 3, 1)
NOW = dt.datetime(2024, 3, 1, 1, 2, 3, tzinfo=dt.UTC)
LATER = dt.datetime(2024, 3, 2, 5, 6, 7, tzinfo=dt.UTC)
SETTINGS = load_settings(environ={"CALENDAR_UID_DOMAIN": "calendar.example.org"})
GENEVA = ("en: the signing of the Geneva Accords", "en: the signing of the Geneva Agreements")

# One build in a process of its own, started at an agreed moment (argv: registry,
# feeds directory, database URL, now, start time).
BUILD = """
import datetime as dt, sys, time
from pathlib import Path
from calendar_service.config import load_settings
from calendar_service.feeds.publish import publish
from calendar_service.registry.checks import load_registry
registry, out, url, now, start = sys.argv[1:6]
settings = load_settings(environ={"CALENDAR_UID_DOMAIN": "calendar.example.org"}, overrides={"database_url": url})
loaded = load_registry(registry)
time.sleep(max(0.0, float(start) - time.time()))
publish(loaded, settings, dt.date(2024, 3, 1), dt.datetime.fromisoformat(now), Path(out))
"""


def with_database(url: str):
    return dataclasses.replace(SETTINGS, database_url=url)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def feeds_of(folder: Path) -> dict[str, bytes]:
    """Every published file: not the directory's own record of its last build,
    its lock, nor the .state.json it imported."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in (".build.json", ".lock", STATE_FILE + IMPORTED_SUFFIX)
    }


def stamps_of(folder: Path) -> dict[str, tuple[int, dt.datetime]]:
    found = {}
    for path in folder.rglob("*.ics"):
        for event in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT"):
            found[str(event["UID"])] = (int(event["SEQUENCE"]), event.decoded("DTSTAMP"))
    return found


def build_at_once(registry: Path, url: str, runs: list[tuple[Path, dt.datetime]]) -> None:
    start = time.time() + 4  # both have loaded the registry by then
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", BUILD, str(registry), str(out), url, now.isoformat(), str(start)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for out, now in runs
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err


def test_two_builds_at_once_into_two_directories_agree_on_every_stamp(real_copy, database_url, tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    build_at_once(real_copy, database_url, [(a, NOW), (b, NOW + dt.timedelta(seconds=7))])
    assert feeds_of(a) == feeds_of(b) and len(feeds_of(a)) > 50
    first = stamps_of(a)
    assert {seq for seq, _ in first.values()} == {0}
    (stamp,) = {when for _, when in first.values()}
    assert stamp in (NOW, NOW + dt.timedelta(seconds=7)), "one build decided every new stamp"

    edit(real_copy, *GENEVA)
    build_at_once(real_copy, database_url, [(a, LATER), (b, LATER + dt.timedelta(seconds=7))])
    assert feeds_of(a) == feeds_of(b)
    second = stamps_of(a)
    changed = {uid for uid in second if second[uid] != first[uid]}
    assert changed == {uid for uid in second if uid.startswith("hiep-dinh-geneve-") and ".en@" in uid}
    assert {second[uid][0] for uid in changed} == {1}, "raised once, not once per build"
    (moved,) = {second[uid][1] for uid in changed}
    assert moved in (LATER, LATER + dt.timedelta(seconds=7))

    # A new directory, later: the same bytes as those published, so a feed can be rebuilt anywhere.
    result = publish(
        load_registry(real_copy), with_database(database_url), TODAY, LATER + dt.timedelta(days=9), c
    )
    assert feeds_of(c) == feeds_of(a) and result.events == len(second)


def old_state_file(url: str, extra: dict | None = None) -> bytes:
    """A .state.json as the release before wrote it, from the stamps in ``url``."""
    entries = {
        uid: {"digest": known.digest, "sequence": known.sequence, "dtstamp": known.dtstamp.isoformat()}
        for uid, known in read_state(url).items()
    }
    return json.dumps(
        {"version": 1, "entries": {**entries, **(extra or {})}}, sort_keys=True, indent=0
    ).encode()


def test_a_state_file_of_the_release_before_is_imported_once(real_copy, tmp_path):
    out = tmp_path / "feeds"
    before, after = f"sqlite:///{tmp_path / 'before.sqlite3'}", f"sqlite:///{tmp_path / 'after.sqlite3'}"
    publish(load_registry(real_copy), with_database(before), TODAY, NOW, out)
    edit(real_copy, *GENEVA)
    publish(load_registry(real_copy), with_database(before), TODAY, LATER, out)
    published = feeds_of(out)
    removed = {
        "an-entry-removed-2023.vi@calendar.example.org": {
            "digest": "0" * 64,
            "sequence": 4,
            "dtstamp": "2023-05-06T07:08:09+00:00",
        }
    }
    (out / STATE_FILE).write_bytes(old_state_file(before, removed))

    result = publish(load_registry(real_copy), with_database(after), TODAY, LATER + dt.timedelta(days=3), out)
    assert result.written == [] and feeds_of(out) == published, "the same stamps: nothing to publish"
    assert not (out / STATE_FILE).exists() and (out / (STATE_FILE + IMPORTED_SUFFIX)).exists()
    imported = read_state(after)
    assert imported["an-entry-removed-2023.vi@calendar.example.org"].sequence == 4, (
        "a removed entry keeps its SEQUENCE"
    )
    geneva = {uid: k.sequence for uid, k in imported.items() if uid.startswith("hiep-dinh-geneve-2024")}
    assert len(geneva) > 2 and geneva == {uid: 1 if ".en@" in uid else 0 for uid in geneva}


def test_an_imported_state_never_lowers_a_sequence_the_database_has(real_copy, tmp_path):
    out, url = tmp_path / "feeds", f"sqlite:///{tmp_path / 'calendar.sqlite3'}"
    publish(load_registry(real_copy), with_database(url), TODAY, NOW, out)
    edit(real_copy, *GENEVA)
    publish(load_registry(real_copy), with_database(url), TODAY, LATER, out)
    uid = "hiep-dinh-geneve-2024.en@calendar.example.org"
    other = "dien-bien-phu-2024.vi@calendar.example.org"
    known = read_state(url)
    older = {uid: {"digest": "1" * 64, "sequence": 0, "dtstamp": "2024-01-01T00:00:00+00:00"}}
    newer = {other: {"digest": "2" * 64, "sequence": 7, "dtstamp": "2024-01-01T00:00:00+00:00"}}
    (out / STATE_FILE).write_text(json.dumps({"version": 1, "entries": {**older, **newer}}), encoding="utf-8")
    publish(load_registry(real_copy), with_database(url), TODAY, LATER + dt.timedelta(days=1), out)
    after = stamps_of(out)
    assert after[uid] == (known[uid].sequence, known[uid].dtstamp) == (1, LATER), (
        "the database's higher one stays"
    )
    assert after[other] == (8, LATER + dt.timedelta(days=1)), "above what another directory's clients saw"


def test_a_state_file_with_wrong_entries_does_not_crash_build_or_alerts(real_copy, tmp_path):
    """A .state.json that parsed but held a wrong entry (a number, a missing digest, a sequence as text, a bad date) crashed build and alerts."""
    out = tmp_path / "feeds"
    (tmp_path / "subscribers.yaml").write_text(
        "subscribers:\n  - email: editor@example.org\n", encoding="utf-8"
    )
    env = {
        "CALENDAR_REGISTRY": str(real_copy),
        "CALENDAR_FEEDS_DIR": str(out),
        "CALENDAR_SUBSCRIBERS": str(tmp_path / "subscribers.yaml"),
        "CALENDAR_OUTBOX": str(tmp_path / "outbox"),
        "CALENDAR_DATABASE_URL": f"sqlite:///{tmp_path / 'first.sqlite3'}",
        "CALENDAR_UID_DOMAIN": "calendar.example.org",
    }
    runner = CliRunner()
    assert runner.invoke(main, ["build", "--today", "2024-03-01"], env=env).exit_code == 0
    published = feeds_of(out)
    good = json.loads(old_state_file(env["CALENDAR_DATABASE_URL"]))["entries"]
    wrong = dict(good)
    wrong["dien-bien-phu-2024.vi@calendar.example.org"] = 42
    wrong["dien-bien-phu-2024.en@calendar.example.org"] = {
        "sequence": 0,
        "dtstamp": "2024-03-01T00:00:00+00:00",
    }
    wrong["hiep-dinh-geneve-2024.vi@calendar.example.org"] = {
        **good["hiep-dinh-geneve-2024.vi@calendar.example.org"],
        "sequence": "0",
    }
    wrong["hiep-dinh-geneve-2024.en@calendar.example.org"] = {
        **good["hiep-dinh-geneve-2024.en@calendar.example.org"],
        "dtstamp": "2024-02-31",
    }
    (out / STATE_FILE).write_text(json.dumps({"version": 1, "entries": wrong}), encoding="utf-8")
    env["CALENDAR_DATABASE_URL"] = f"sqlite:///{tmp_path / 'upgraded.sqlite3'}"

    built = runner.invoke(main, ["build", "--today", "2024-03-01", "--lang", "en"], env=env)
    assert built.exit_code == 0, built.output
    assert built.output.startswith("0 feeds written"), "the wrong entries were recovered from the feeds"
    assert feeds_of(out) == published
    alerts = runner.invoke(main, ["alerts", "--today", "2024-04-07", "--lang", "en"], env=env)
    assert alerts.exit_code == 0 and "failed" not in alerts.output, alerts.output


def test_attachments_and_filtered_feeds_carry_the_published_stamps(real_copy, tmp_path):
    out, url = tmp_path / "feeds", f"sqlite:///{tmp_path / 'calendar.sqlite3'}"
    edit(real_copy, "vi: Chiến thắng Điện Biên Phủ", "vi: Chiến thắng lịch sử Điện Biên Phủ")
    settings = load_settings(
        environ={"CALENDAR_UID_DOMAIN": "calendar.example.org"},
        overrides={
            "registry": real_copy,
            "feeds_dir": out,
            "database_url": url,
            "outbox": tmp_path / "outbox",
        },
    )
    publish(load_registry(real_copy), settings, TODAY, NOW, out)
    app = create_app(settings)
    app.config["TODAY"] = TODAY
    client = app.test_client()
    filtered = client.get("/feeds/filtered.ics?category=historical&lang=vi").data
    edit(real_copy, "vi: Chiến thắng lịch sử Điện Biên Phủ", "vi: Chiến thắng Điện Biên Phủ")
    os.utime(real_copy, (time.time() + 5, time.time() + 5))
    publish(load_registry(real_copy), settings, TODAY, LATER, out)
    published = stamps_of(out)
    uid = "dien-bien-phu-2024.vi@calendar.example.org"
    assert published[uid] == (1, LATER)

    refiltered = client.get("/feeds/filtered.ics?category=historical&lang=vi").data
    assert refiltered != filtered, "a publish renews the cached filtered feed"
    events = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(refiltered).walk("VEVENT")}
    assert len(events) > 10
    assert all((int(e["SEQUENCE"]), e.decoded("DTSTAMP")) == published[u] for u, e in events.items())

    (tmp_path / "subscribers.yaml").write_text(
        "subscribers:\n  - email: editor@example.org\n", encoding="utf-8"
    )
    settings = dataclasses.replace(settings, subscribers=tmp_path / "subscribers.yaml")
    send_alerts(settings, dt.date(2024, 4, 7), LATER + dt.timedelta(days=30))
    mails = [p.read_bytes() for p in (tmp_path / "outbox").glob("*.eml")]
    attached = [
        event
        for raw in mails
        if b"dien-bien-phu-2024.ics" in raw
        for part in email.message_from_bytes(raw).walk()
        if part.get_content_type() == "text/calendar"
        for event in icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
    ]
    assert attached and all((int(e["SEQUENCE"]), e.decoded("DTSTAMP")) == (1, LATER) for e in attached)


def test_reading_stamps_for_a_few_entries_reads_only_those(tmp_path, real_copy):
    url = f"sqlite:///{tmp_path / 'calendar.sqlite3'}"
    publish(load_registry(real_copy), with_database(url), TODAY, NOW, tmp_path / "feeds")
    store = StampStore.open(url)
    try:
        every = store.read()
        some = store.read(
            ["dien-bien-phu-2024.vi@calendar.example.org", "no-such-2024.vi@calendar.example.org"]
        )
        assert store.generation() == 1
    finally:
        store.dispose()
    assert len(every) > 700 and list(some) == ["dien-bien-phu-2024.vi@calendar.example.org"]
