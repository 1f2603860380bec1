"""An unchanged registry, settings and window is recognised by its fingerprint:
the build publishes nothing and touches no feed; any change of what the
feeds depend on (a registry file, the window, a setting, a published file
edited or lost, the stamps) builds again."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from calendar_service.feeds import publish as publish_module
from calendar_service.feeds.publish import publish
from calendar_service.registry.checks import load_registry

TODAY = dt.date(2024, 3, 1)
NOW = dt.datetime(2024, 3, 1, 1, 2, 3, tzinfo=dt.UTC)
LATER = dt.datetime(2024, 3, 2, 5, 6, 7, tzinfo=dt.UTC)


@pytest.fixture
def built(real_copy, settings, tmp_path, monkeypatch):
    """A published feeds folder, and a count of the plans made after it."""
    out = tmp_path / "feeds"
    config = settings()
    publish(load_registry(real_copy), config, TODAY, NOW, out)
    plans = []
    real_planner = publish_module.Planner
    monkeypatch.setattr(publish_module, "Planner", lambda *args: plans.append(args) or real_planner(*args))
    return real_copy, config, out, plans


def mtimes(out):
    return {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.name != ".lock"}


def test_an_unchanged_registry_publishes_nothing_and_plans_nothing(built):
    registry, config, out, plans = built
    before = mtimes(out)
    result = publish(load_registry(registry), config, TODAY, LATER, out)
    assert result.written == [] and result.removed == [] and result.unchanged
    assert result.events > 0
    assert plans == [], "recognised before planning a single feed"
    assert mtimes(out) == before, "not one file touched"


def test_an_edited_registry_builds_again(built):
    registry, config, out, plans = built
    text = registry.read_text(encoding="utf-8")
    registry.write_text(
        text.replace("vi: Chiến thắng Điện Biên Phủ", "vi: Chiến thắng lịch sử Điện Biên Phủ")
    )
    result = publish(load_registry(registry), config, TODAY, LATER, out)
    assert len(plans) == 1 and result.written


def test_a_new_window_or_setting_builds_again(built, settings):
    registry, config, out, plans = built
    publish(load_registry(registry), config, dt.date(2025, 1, 1), LATER, out)
    assert len(plans) == 1
    publish(load_registry(registry), config, dt.date(2025, 1, 1), LATER, out)
    assert len(plans) == 1, "the new window's build is recognised in turn"
    other = settings(database_url=config.database_url, refresh_hours=config.refresh_hours + 1)
    publish(load_registry(registry), other, dt.date(2025, 1, 1), LATER, out)
    assert len(plans) == 2


@pytest.mark.parametrize("damage", ["edit", "remove", "remove-gzip"])
def test_a_published_file_edited_or_lost_builds_again(built, damage):
    registry, config, out, plans = built
    feed = out / "vi" / "all.ics"
    if damage == "edit":
        feed.write_bytes(feed.read_bytes().replace(b"SEQUENCE:0", b"SEQUENCE:9", 1))
        os.utime(feed, ns=(0, 0))
    elif damage == "remove":
        feed.unlink()
    else:
        (out / "vi" / "all.ics.gz").unlink()
    publish(load_registry(registry), config, TODAY, LATER, out)
    assert len(plans) == 1
    assert b"SEQUENCE:9" not in feed.read_bytes() and (out / "vi" / "all.ics.gz").exists()


def test_stamps_written_by_another_build_build_again(built, tmp_path):
    """Another folder built on the same database from an edited registry moves stamps."""
    registry, config, out, plans = built
    original = registry.read_text(encoding="utf-8")
    registry.write_text(
        original.replace("vi: Chiến thắng Điện Biên Phủ", "vi: Điện Biên Phủ"), encoding="utf-8"
    )
    publish(load_registry(registry), config, TODAY, LATER, tmp_path / "elsewhere")
    registry.write_text(original, encoding="utf-8")
    publish(load_registry(registry), config, TODAY, LATER, out)
    assert len(plans) == 2, "the stamps' generation moved: built again"
