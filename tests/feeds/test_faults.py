"""Faults while publishing feeds: a full disk while writing, a half-written
state file. Published feeds stay intact. (Faults in alerts: alerts/test_faults.py.)"""

from __future__ import annotations

import datetime as dt
import errno

import pytest

from calendar_service.errors import CalendarServiceError
from calendar_service.feeds import publish as publish_module
from calendar_service.feeds.publish import publish
from calendar_service.feeds.stamps import STATE_FILE
from calendar_service.registry.checks import load_registry

TODAY = dt.date(2024, 3, 1)


def snapshot(out):
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_disk_full_while_writing_feeds_publishes_nothing(real_copy, settings, tmp_path, monkeypatch):
    out = tmp_path / "feeds"
    publish(load_registry(real_copy), settings(), TODAY, dt.datetime(2024, 3, 1, tzinfo=dt.UTC), out)
    before = snapshot(out)
    text = real_copy.read_text(encoding="utf-8").replace(
        "vi: Chiến thắng Điện Biên Phủ", "vi: Chiến thắng lịch sử Điện Biên Phủ"
    )
    real_copy.write_text(text, encoding="utf-8")
    writes = []
    real_append = publish_module._append

    def full_disk(path, data):
        writes.append(path)
        if len(writes) >= 100:  # the feeds' heads are written, then the first batch
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_append(path, data)

    monkeypatch.setattr(publish_module, "_append", full_disk)
    with pytest.raises(CalendarServiceError) as raised:
        publish(load_registry(real_copy), settings(), TODAY, dt.datetime(2024, 3, 2, tzinfo=dt.UTC), out)
    assert "No space left on device" in raised.value.render("en")
    after = snapshot(out)
    after.pop(".lock", None), before.pop(".lock", None)
    assert after == before, "feeds and index exactly as before"
    assert not list(out.glob(".staging-*")), "the staging folder is cleaned up"


def test_a_broken_state_file_of_the_release_before_is_recovered_from_the_feeds(real_copy, settings, tmp_path):
    """A .state.json left by the release before (stamps now live in the database) may be broken: recovered from the feeds."""
    out = tmp_path / "feeds"
    before = settings(database_url=f"sqlite:///{tmp_path / 'before.sqlite3'}")
    publish(load_registry(real_copy), before, TODAY, dt.datetime(2024, 3, 1, tzinfo=dt.UTC), out)
    (out / STATE_FILE).write_text("{ half a file", encoding="utf-8")  # e.g. restored from a bad backup
    upgraded = settings(database_url=f"sqlite:///{tmp_path / 'upgraded.sqlite3'}")
    result = publish(load_registry(real_copy), upgraded, TODAY, dt.datetime(2024, 3, 5, tzinfo=dt.UTC), out)
    assert result.written == [], "recovered from the published feeds: nothing changes"
    assert not (out / STATE_FILE).exists(), "imported once, then set aside"
