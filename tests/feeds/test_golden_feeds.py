"""Golden feeds: small registries under tests/registries/, their expected feeds
under tests/golden/<scenario>/, one parametrised test over all of them. After a
deliberate change, run scripts/update_golden.py and review the diff: the tests
only compare, they never write the golden files."""

from __future__ import annotations

import re

import pytest
from feedparsers import PARSERS, planned, seen
from update_golden import FILES, GOLDEN, REGISTRIES, TODAY, feeds, scenarios  # scripts/update_golden.py

from calendar_service.registry.checks import load_registry

SCENARIOS = scenarios()


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_feeds_match_golden_files(scenario):
    """If this fails after a deliberate change: run scripts/update_golden.py and review the diff."""
    for name, produced in feeds(scenario).items():
        golden = GOLDEN / scenario / name
        assert golden.exists(), f"{scenario}/{name}: no golden file; run scripts/update_golden.py"
        assert produced == golden.read_bytes(), f"{scenario}/{name} differs from the golden file"


@pytest.fixture(scope="module")
def expected(settings):
    """What each golden file should show a user (path -> events), from its scenario's plan."""
    found = {}
    for scenario in SCENARIOS:
        events = planned(load_registry(REGISTRIES / f"{scenario}.yaml"), settings(), TODAY)
        found.update({GOLDEN / scenario / name: events[name] for name in FILES})
    return found


@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_golden_files_parse_the_same_in_every_parser(parser, expected):
    """Every parser (icalendar too: the reference is the plan, not one of them)
    shows the planned events of every golden file."""
    paths = sorted(GOLDEN.rglob("*.ics"))
    assert paths == sorted(expected)
    results = PARSERS[parser](paths)
    for path in paths:
        assert results[str(path)].get("errors", []) == []
        assert seen(results[str(path)]) == expected[path], path


def events(scenario: str, name: str, parser: str) -> set:
    path = GOLDEN / scenario / name
    return seen(PARSERS[parser]([path])[str(path)])


@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_29_february_is_28_february_in_common_years(parser):
    dates = sorted(start for _, start, _, _ in events("leap-day", "en/all.ics", parser))
    assert dates == [
        "2023-02-28",
        "2024-02-29",
        "2025-02-28",
        "2026-02-28",
        "2027-02-28",
        "2028-02-29",
        "2029-02-28",
    ]


@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_lunar_dates(parser):
    found = {(uid.split(".")[0], start) for uid, start, _, _ in events("lunar", "vi/all.ics", parser)}
    assert ("gio-to-2024", "2024-04-18") in found and ("gio-to-2025", "2025-04-07") in found
    # 30 tháng Chạp: lunar 2023 has a 29-day twelfth month, so 29/12 (9 February 2024) is observed.
    assert ("tat-nien-2023", "2024-02-09") in found
    summaries = {summary for _, _, _, summary in events("lunar", "vi/all.ics", parser)}
    assert "Giỗ Tổ Hùng Vương (10/3 âm lịch, 18/4/2024)" in summaries
    assert "Kỷ niệm 40 năm Sự kiện âm lịch có năm gốc (1984, 20/11 âm lịch – 20/12/2024)" in summaries


@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_special_characters_survive_without_injection(parser):
    vi = events("special-characters", "vi/all.ics", parser)
    en = events("special-characters", "en/all.ics", parser)
    assert len(vi) == len(en) == 7, "no injected event"
    assert (
        "special-characters-2024.vi@calendar.example.org",
        "2024-05-07",
        "2024-05-08",
        'Kỷ niệm 70 năm Tiêu đề; có, dấu \\ đặc biệt "trích" <script>alert(1)</script> END:VEVENT '
        "(7/5/1954 – 7/5/2024)",
    ) in vi
    assert (
        "special-characters-2024.en@calendar.example.org",
        "2024-05-07",
        "2024-05-08",
        '70th anniversary of a title; with, special \\ characters "quoted" <b>bold</b> SUMMARY:injected '
        "(7 May 1954 – 7 May 2024)",
    ) in en


def test_special_characters_are_escaped_in_the_text():
    text = (GOLDEN / "special-characters" / "en" / "all.ics").read_bytes().decode("utf-8")
    assert "\r\nUID:injected" not in text and text.count("\r\nBEGIN:VEVENT\r\n") == 7
    unfolded = re.sub(r"\r\n[ \t]", "", text)
    assert r"a title\; with\, special \\ characters" in unfolded
    assert r"octets.\nEND:VEVENT\nBEGIN:VEVENT\nUID:injected" in unfolded


@pytest.mark.parametrize("parser", ["ical.js", "libical"])
def test_note_with_line_breaks_is_one_description(parser):
    path = GOLDEN / "special-characters" / "en" / "all.ics"
    (first, *_) = PARSERS[parser]([path])[str(path)]["events"]
    assert "octets.\nEND:VEVENT\nBEGIN:VEVENT\nUID:injected" in first["description"]


@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_milestones_only_and_dates_to_verify_stay_out(parser):
    found = events("milestones", "en/all.ics", parser)
    sweden = sorted(start for uid, start, _, _ in found if uid.startswith("sweden"))
    assert sweden == ["2024-01-11", "2029-01-11"]
    assert not any(uid.startswith("sudan") for uid, *_ in found)
    gac_ma = sorted(start for uid, start, _, _ in found if uid.startswith("gac-ma"))
    assert len(gac_ma) == 7
