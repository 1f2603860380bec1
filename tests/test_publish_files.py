"""The files a build removes: only feeds, by construction, under the feeds directory."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from paths import REAL_REGISTRY

from calendar_service.config import load_settings
from calendar_service.feeds.publish import publish
from calendar_service.registry.checks import load_registry

TODAY = dt.date(2024, 3, 1)
NOW = dt.datetime(2024, 3, 1, 1, 2, 3, tzinfo=dt.UTC)
LATER = dt.datetime(2024, 3, 2, 5, 6, 7, tzinfo=dt.UTC)
SETTINGS = load_settings(environ={})


@pytest.fixture(scope="module")
def real():
    return load_registry(REAL_REGISTRY)


def listed(out: Path) -> list[str]:
    return [item["path"] for item in json.loads((out / "index.json").read_text(encoding="utf-8"))["feeds"]]


def hostile_index(out: Path, paths: list[str]) -> None:
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    index["feeds"] += [{"path": path} for path in paths]
    (out / "index.json").write_text(json.dumps(index), encoding="utf-8")


def test_build_never_deletes_files_outside_the_feeds_directory(real, tmp_path):
    """build deleted any path listed in feeds/index.json, absolute paths and escapes through symlinks too."""
    out = tmp_path / "feeds"
    publish(real, SETTINGS, TODAY, NOW, out)
    outside = tmp_path / "outside"
    outside.mkdir()
    victims = {name: outside / name for name in ("x", "x.ics", "y.ics", "z.ics.gz", "w.ics")}
    for victim in victims.values():
        victim.write_text("precious", encoding="utf-8")
    os.symlink(outside, out / "vi" / "escape")
    os.symlink(outside / "w.ics", out / "vi" / "linked.ics")
    hostile_index(
        out,
        [
            str(victims["x"]),
            str(victims["x.ics"]),
            "../outside/y.ics",
            "vi/../../outside/y.ics",
            "vi/escape/x.ics",
            "vi/escape/z.ics",
            "vi/linked.ics",
            "//" + str(victims["x.ics"]).lstrip("/"),
        ],
    )
    publish(real, SETTINGS, TODAY, LATER, out)
    for name, victim in victims.items():
        assert victim.read_text(encoding="utf-8") == "precious", name
    assert (out / "vi" / "linked.ics").is_symlink(), "not a file the build wrote: left alone"


@pytest.mark.parametrize(
    "items",
    [
        [{"path": "vi/a.ics\x00"}],
        [{"path": "vi/a\x00.ics"}, {"path": ["vi/all.ics"]}, {"path": None}, {}],
        ["vi/b.ics", 3, None],
    ],
)
def test_build_survives_an_index_with_nonsense_paths(real, tmp_path, items):
    """A path with a NUL byte in feeds/index.json made build fail with a traceback."""
    out = tmp_path / "feeds"
    publish(real, SETTINGS, TODAY, NOW, out)
    before = listed(out)
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    index["feeds"] += items
    (out / "index.json").write_text(json.dumps(index), encoding="utf-8")
    result = publish(real, SETTINGS, TODAY, LATER, out)
    assert result.removed == [] and listed(out) == before


def test_build_removes_only_feed_files_it_could_have_written(real, tmp_path):
    out = tmp_path / "feeds"
    publish(real, SETTINGS, TODAY, NOW, out)
    (out / "vi" / "old.ics").write_text("old feed", encoding="utf-8")
    (out / "vi" / "notes.txt").write_text("not a feed", encoding="utf-8")
    (out / "vi" / "dir.ics").mkdir()
    hostile_index(out, ["vi/old.ics", "vi/notes.txt", "vi/dir.ics", ".state.json", "index.json", "vi"])
    result = publish(real, SETTINGS, TODAY, LATER, out)
    assert result.removed == ["vi/old.ics"]
    assert not (out / "vi" / "old.ics").exists()
    assert (out / "vi" / "notes.txt").exists() and (out / "vi" / "dir.ics").is_dir()
    assert (out / ".state.json").exists() and (out / "index.json").exists()
