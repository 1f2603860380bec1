"""A build writes every feed a batch of entries at a time (a 100k-entry
registry's 1.5 million entries no longer held at once): the feeds must be
exactly those of the whole plan, whatever the batch size, and a build in
small batches publishes the same bytes as one in a single batch."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from paths import ROOT

from calendar_service.feeds import ical, planned
from calendar_service.feeds import publish as publish_module
from calendar_service.feeds.ical import WarmCache
from calendar_service.feeds.planned import Planner
from calendar_service.feeds.publish import publish
from calendar_service.registry.checks import load_registry

TODAY = dt.date(2024, 3, 1)
NOW = dt.datetime(2024, 3, 1, 8, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A synthetic registry of 300 entries (lunar dates, milestones, lead times)."""
    path = tmp_path_factory.mktemp("synthetic") / "events.yaml"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "generate_registry.py"),
            "--entries",
            "300",
            "--out",
            str(path),
        ],
        check=True,
        capture_output=True,
    )
    return load_registry(path)


def _feeds(planner: Planner, size: int) -> dict:
    feeds: dict = {spec: [] for spec in planner.specs}
    previous = None
    for batch in planner.batches(size):
        assert batch, "no empty batch"
        order = [(entry.start, entry.uid) for entry, _specs in batch]
        assert order == sorted(order), "a batch is in written order"
        assert previous is None or previous < order[0], "each batch after the one before"
        previous = order[-1]
        for entry, specs in batch:
            for spec in specs:
                feeds[spec].append(entry)
    return feeds


@pytest.mark.parametrize("size", [1, 7, 250, 100_000])
def test_batches_of_any_size_give_the_whole_plan(synthetic, real_registry, settings, size):
    for registry in (real_registry, synthetic):
        whole = planned.plan(registry, settings(), TODAY)
        feeds = _feeds(Planner(registry, settings(), TODAY), size)
        assert list(feeds) == list(whole)
        for spec, entries in whole.items():
            assert feeds[spec] == entries, spec.path
        uids = [entry.uid for entries in whole.values() for entry in entries]
        assert sum(len(entries) for entries in feeds.values()) == len(uids)


def test_a_build_in_small_batches_publishes_the_same_bytes(synthetic, settings, tmp_path, monkeypatch):
    one = tmp_path / "one"
    publish(synthetic, settings(database_url=f"sqlite:///{tmp_path / 'one.sqlite3'}"), TODAY, NOW, one)
    monkeypatch.setattr(planned, "BATCH_ENTRIES", 64)
    many = tmp_path / "many"
    result = publish(
        synthetic, settings(database_url=f"sqlite:///{tmp_path / 'many.sqlite3'}"), TODAY, NOW, many
    )
    assert result.events > 64 * 10
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file() and p.name[0] != ".")
    assert files == sorted(p.relative_to(many) for p in many.rglob("*") if p.is_file() and p.name[0] != ".")
    assert any(str(f).endswith(".ics.gz") for f in files)
    for name in files:
        assert (one / name).read_bytes() == (many / name).read_bytes(), name


def test_a_warm_cache_keeps_nothing_beyond_its_limit(synthetic, settings, tmp_path, monkeypatch):
    """The scheduler kept every serialisation of the last build: ~600 MB at 10k entries, gigabytes at 100k."""
    warm = WarmCache()
    config = settings(database_url=f"sqlite:///{tmp_path / 'stamps.sqlite3'}")
    result = publish(synthetic, config, TODAY, NOW, tmp_path / "kept", warm=warm)
    assert len(warm) == result.events
    monkeypatch.setattr(publish_module, "WARM_LIMIT", result.events - 1)
    monkeypatch.setattr(planned, "BATCH_ENTRIES", 64)
    serialised = []
    original = ical._serialise
    monkeypatch.setattr(ical, "_serialise", lambda items: serialised.extend(items) or original(items))
    publish(synthetic, config, TODAY, NOW, tmp_path / "over")
    assert len(serialised) == result.events, "a build without the cache serialises every event"
    serialised.clear()
    publish(synthetic, config, TODAY, NOW, tmp_path / "over-warm", warm=warm)
    assert serialised == [], "the cache of the build before served every event"
    assert len(warm) == 0, "over the limit, the cache keeps nothing"


def test_a_build_whose_stamps_another_build_wrote_meanwhile_is_made_again_with_them(
    real_registry, settings, tmp_path, monkeypatch
):
    """Stamps are decided batch by batch and written in one transaction at the
    end: another build that wrote some of the same UIDs in between wins, and
    this build is made again with its stamps, so both publish the same bytes."""
    from calendar_service.feeds.stamps import StampStore

    config = settings(database_url=f"sqlite:///{tmp_path / 'shared.sqlite3'}")
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    commits = []
    real_commit = StampStore.commit

    def commit(store, pending, base):
        commits.append(len(pending))
        if len(commits) == 1:  # the other build runs to its end first
            other = StampStore.open(config.database_url)
            try:
                publish(
                    real_registry,
                    config,
                    TODAY,
                    dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC),
                    theirs,
                    store=other,
                )
            finally:
                other.dispose()
        return real_commit(store, pending, base)

    monkeypatch.setattr(StampStore, "commit", commit)
    result = publish(real_registry, config, TODAY, NOW, mine)
    assert commits[0] == commits[1] == result.events, (
        "the first attempt and the other build decided every stamp"
    )
    assert commits[2] == 0, "the second attempt found every stamp decided"
    assert len(commits) == 3
    for path in sorted(p.relative_to(theirs) for p in theirs.rglob("*.ics*")):
        assert (mine / path).read_bytes() == (theirs / path).read_bytes(), path
    assert b"DTSTAMP:20240301T090000Z" in (mine / "vi" / "all.ics").read_bytes()
