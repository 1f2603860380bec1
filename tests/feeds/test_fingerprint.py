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


@pytest.fixture
def rebuilt(real_copy, settings, tmp_path, monkeypatch):
    """Feeds built as the scheduler and `calendar-service build` build them
    (jobs.rebuild_feeds), and a record of the registry loads after that."""
    from calendar_service import jobs

    out = tmp_path / "feeds"
    config = settings(registry=str(real_copy), feeds_dir=str(out))
    first = jobs.rebuild_feeds(config, TODAY, NOW)
    assert first.written
    loads = []
    real_load = jobs.load_registry
    monkeypatch.setattr(jobs, "load_registry", lambda path: loads.append(path) or real_load(path))
    return jobs, config, out, first, loads


def test_an_unchanged_registry_is_recognised_before_it_is_loaded(rebuilt):
    """A scheduled rebuild of an unchanged 100k-entry registry loaded and checked it (10 s) to publish nothing."""
    jobs, config, out, first, loads = rebuilt
    before = mtimes(out)
    again = jobs.rebuild_feeds(config, TODAY, LATER)
    assert loads == [], "not loaded"
    assert again.written == [] and again.removed == []
    assert sorted(again.unchanged) == sorted(first.written) and again.events == first.events
    assert mtimes(out) == before, "not one file touched"


@pytest.mark.parametrize(
    "change", ["registry", "included", "new-included", "setting", "window", "feed", "record"]
)
def test_anything_a_build_reads_changed_loads_the_registry_again(rebuilt, real_copy, settings, change):
    jobs, config, out, first, loads = rebuilt
    today = TODAY
    if change == "registry":
        text = real_copy.read_text(encoding="utf-8")
        real_copy.write_text(
            text.replace("vi: Chiến thắng Điện Biên Phủ", "vi: Chiến thắng lịch sử Điện Biên Phủ")
        )
    elif change == "included":
        included = sorted((real_copy.parent / "local").rglob("*.yaml"))[0]
        included.write_text(included.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    elif change == "new-included":  # a new file where the registry's glob (local/*.yaml) looks
        local = real_copy.parent / "local" / "lam-dong.yaml"
        (local.parent / "quang-ngai.yaml").write_text(
            local.read_text(encoding="utf-8")
            .replace("id: lam-dong", "id: quang-ngai")
            .replace("scope: lam-dong", "scope: quang-ngai")
            .replace("-kh-tu-lam-dong", "-kh-tu-quang-ngai"),
            encoding="utf-8",
        )
    elif change == "setting":
        config = settings(
            registry=config.registry, feeds_dir=str(out), refresh_hours=config.refresh_hours + 1
        )
    elif change == "window":
        today = dt.date(2025, 1, 1)
    elif change == "feed":
        (out / "en" / "all.ics.gz").unlink()
    else:  # a build record written by the release before, which did not name the files it read
        record = out / ".build.json"
        record.write_text(record.read_text(encoding="utf-8").replace('"inputs"', '"older"'), encoding="utf-8")
    result = jobs.rebuild_feeds(config, today, LATER)
    assert loads == [str(real_copy)] or loads == [config.registry]
    assert len(loads) == 1
    if change in ("registry", "new-included", "window", "setting"):
        assert result.written
    if change == "new-included":
        assert (out / "en" / "scope" / "quang-ngai.ics").exists()
    assert (out / "en" / "all.ics.gz").exists()
    loads.clear()
    jobs.rebuild_feeds(config, today, LATER)
    assert loads == [], "then recognised again"
