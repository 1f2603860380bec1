"""The files a build writes and removes: each feed with its precompressed
``.ics.gz`` beside it (deterministic bytes, written and removed with the feed),
and removal confined, by construction, to feeds under the feeds directory."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import struct
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


def test_every_feed_has_a_deterministic_gzip_beside_it(real, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    publish(real, SETTINGS, TODAY, NOW, first)
    publish(real, SETTINGS, TODAY, NOW, second)
    for path in listed(first):
        feed, gz = (first / path).read_bytes(), (first / (path + ".gz")).read_bytes()
        assert gzip.decompress(gz) == feed, path
        assert gz[:4] == b"\x1f\x8b\x08\x00", "gzip, deflate, no file name or other flags"
        assert struct.unpack("<I", gz[4:8]) == (0,), "mtime 0 in the gzip header"
        assert gz == (second / (path + ".gz")).read_bytes(), "the same bytes from every build"
    assert not [p for p in first.rglob("*") if p.name.endswith(".tmp")]


def test_an_unchanged_feed_keeps_its_gzip_and_a_missing_or_stale_one_is_rewritten(real, tmp_path):
    out = tmp_path / "feeds"
    publish(real, SETTINGS, TODAY, NOW, out)
    kept, missing, stale = (
        out / "vi" / "all.ics.gz",
        out / "en" / "all.ics.gz",
        out / "vi" / "planning.ics.gz",
    )
    before = kept.stat()
    missing.unlink()
    stale.write_bytes(gzip.compress(b"an older feed", mtime=0))
    result = publish(real, SETTINGS, TODAY, LATER, out)
    assert result.written == [], "the feeds themselves are unchanged"
    assert kept.stat().st_ino == before.st_ino and kept.stat().st_mtime_ns == before.st_mtime_ns
    assert gzip.decompress(missing.read_bytes()) == (out / "en" / "all.ics").read_bytes()
    assert gzip.decompress(stale.read_bytes()) == (out / "vi" / "planning.ics").read_bytes()


def test_a_changed_feed_gets_a_new_gzip_and_a_removed_feed_loses_it(real_copy, tmp_path):
    out = tmp_path / "feeds"
    publish(load_registry(real_copy), SETTINGS, TODAY, NOW, out)
    assert (out / "en" / "country" / "mt.ics.gz").exists()
    text = real_copy.read_text(encoding="utf-8")
    start = text.index("  - id: quan-he-ngoai-giao-malta")
    end = text.index("  - id: quan-he-ngoai-giao-colombia")
    real_copy.write_text(text[:start] + text[end:], encoding="utf-8")
    result = publish(load_registry(real_copy), SETTINGS, TODAY, LATER, out)
    assert "en/country/mt.ics" in result.removed
    assert (
        not (out / "en" / "country" / "mt.ics").exists()
        and not (out / "en" / "country" / "mt.ics.gz").exists()
    )
    assert "en/all.ics" in result.written
    assert gzip.decompress((out / "en" / "all.ics.gz").read_bytes()) == (out / "en" / "all.ics").read_bytes()


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
    (out / "vi" / "old.ics.gz").write_bytes(gzip.compress(b"old feed"))
    (out / "vi" / "notes.txt").write_text("not a feed", encoding="utf-8")
    (out / "vi" / "dir.ics").mkdir()
    hostile_index(out, ["vi/old.ics", "vi/notes.txt", "vi/dir.ics", ".build.json", "index.json", "vi"])
    result = publish(real, SETTINGS, TODAY, LATER, out)
    assert result.removed == ["vi/old.ics"]
    assert not (out / "vi" / "old.ics").exists() and not (out / "vi" / "old.ics.gz").exists()
    assert (out / "vi" / "notes.txt").exists() and (out / "vi" / "dir.ics").is_dir()
    assert (out / ".build.json").exists() and (out / "index.json").exists()
