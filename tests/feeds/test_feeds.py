"""Published feeds: what every real client parser sees, RFC 5545/7986 shape,
stable identity across builds, atomic and safe publishing."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import icalendar
import pytest
from feedparsers import PARSERS, planned, python_icalendar, seen
from paths import PUBLISHED_AT, PUBLISHED_ON, REAL_REGISTRY, UID_DOMAIN

from calendar_service.cli import main
from calendar_service.dates.anniversaries import occurrences
from calendar_service.errors import CalendarServiceError
from calendar_service.feeds import ical
from calendar_service.feeds.ical import WarmCache
from calendar_service.feeds.kinds import FeedKind, FeedSpec
from calendar_service.feeds.publish import publish
from calendar_service.i18n import Language
from calendar_service.registry.checks import load_registry

TODAY, NOW = PUBLISHED_ON, PUBLISHED_AT  # the clock of the shared published_feeds
LATER = dt.datetime(2024, 3, 2, 5, 6, 7, tzinfo=dt.UTC)


def feed_paths(out: Path) -> list[Path]:
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    return [out / item["path"] for item in index["feeds"]]


def snapshot(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.ics")) if p.is_file()}


def stamps(out: Path) -> dict[str, tuple[int, str]]:
    found = {}
    for parsed in python_icalendar(feed_paths(out)).values():
        for event in parsed["events"]:
            found[event["uid"]] = (event["sequence"], event["dtstamp"])
    return found


@pytest.fixture(scope="module")
def expected(real_registry, settings):
    return planned(real_registry, settings(), TODAY)


@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_every_feed_shows_the_expected_events_in_every_parser(parser, published_feeds, expected):
    paths = feed_paths(published_feeds)
    assert len(paths) == len(expected) >= 50
    results = PARSERS[parser](paths)
    for path in paths:
        parsed = results[str(path)]
        assert "error" not in parsed, parsed.get("error")
        assert parsed.get("errors", []) == [], f"{parser} reports errors in {path}"
        assert seen(parsed) == expected[str(path.relative_to(published_feeds))], path


@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_dien_bien_phu_is_a_one_day_all_day_event_in_both_languages(parser, published_feeds):
    paths = [published_feeds / "en" / "all.ics", published_feeds / "vi" / "all.ics"]
    results = PARSERS[parser](paths)
    en = seen(results[str(paths[0])])
    vi = seen(results[str(paths[1])])
    assert (
        "dien-bien-phu-2024.en@calendar.example.org",
        "2024-05-07",
        "2024-05-08",
        "70th anniversary of the Điện Biên Phủ Victory (7 May 1954 – 7 May 2024)",
    ) in en
    assert (
        "dien-bien-phu-2024.vi@calendar.example.org",
        "2024-05-07",
        "2024-05-08",
        "Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/1954 – 7/5/2024)",
    ) in vi


def test_all_day_flags_and_vietnamese_descriptions_survive(published_feeds):
    path = published_feeds / "vi" / "all.ics"
    for parser in ("ical.js", "libical"):
        events = {e["uid"]: e for e in PARSERS[parser]([path])[str(path)]["events"]}
        dbp = events["dien-bien-phu-2024.vi@calendar.example.org"]
        assert dbp["startIsDate"] is True
        assert "“Kỷ niệm 70 năm Chiến thắng Điện Biên phủ (7/5/1954 - 7/5/2024)”" in dbp["description"]
        assert "164-HD/BTGTU (Ban Tuyên giáo Tỉnh ủy Lâm Đồng, 12/1/2024)" in dbp["description"]
        assert "Chi tiết: http://127.0.0.1:8000/entries/dien-bien-phu?lang=vi" in dbp["description"]


def test_rfc5545_and_rfc7986_shape(published_feeds):
    for path in feed_paths(published_feeds):
        data = path.read_bytes()
        lines = data.split(b"\r\n")
        assert lines[-1] == b"" and b"\n" not in data.replace(b"\r\n", b""), f"{path}: lines must end in CRLF"
        assert max(len(line) for line in lines) <= 75, f"{path}: a line is longer than 75 octets"
        text = data.decode("utf-8")
        unfolded = re.sub(r"\r\n[ \t]", "", text)
        for required in (
            "VERSION:2.0",
            "PRODID:",
            "NAME:",
            "X-WR-CALNAME;VALUE=TEXT:",
            "DESCRIPTION:",
            "X-WR-CALDESC;VALUE=TEXT:",
            "REFRESH-INTERVAL;VALUE=DURATION:PT12H",
            "X-PUBLISHED-TTL:PT12H",
        ):
            assert f"\r\n{required}" in unfolded, f"{path}: missing {required}"
        for event in re.findall(r"BEGIN:VEVENT\r\n(.*?)END:VEVENT", unfolded, re.S):
            for prop in (
                "UID:",
                "DTSTAMP:",
                "SEQUENCE:",
                "SUMMARY:",
                "DESCRIPTION:",
                "CATEGORIES:",
                "URL;VALUE=URI:http://127.0.0.1:8000/entries/",
                "LAST-MODIFIED:",
            ):
                assert prop in event, f"{path}: an event lacks {prop}"
            start = re.search(r"DTSTART;VALUE=DATE:(\d{8})\r\n", event)
            end = re.search(r"DTEND;VALUE=DATE:(\d{8})\r\n", event)
            assert start and end
            first = dt.datetime.strptime(start[1], "%Y%m%d").date()
            assert dt.datetime.strptime(end[1], "%Y%m%d").date() == first + dt.timedelta(days=1)


def test_index_lists_every_feed_with_titles(published_feeds):
    index = json.loads((published_feeds / "index.json").read_text(encoding="utf-8"))
    assert index["window"] == {"start": "2023-01-01", "end": "2029-12-31"}
    by_path = {item["path"]: item for item in index["feeds"]}
    assert by_path["vi/all.ics"]["title"] == "Lịch kỷ niệm – tất cả"
    assert by_path["en/country/se.ics"]["title"] == "Anniversaries – Sweden"
    assert by_path["vi/category/diplomatic.ics"]["title"] == "Lịch kỷ niệm – quan hệ ngoại giao"
    assert by_path["en/planning.ics"]["webcal"] == "webcal://127.0.0.1:8000/feeds/en/planning.ics"
    expected = {
        f"{lang}/{name}.ics"
        for lang in ("vi", "en")
        for name in (
            "all",
            "all-alarms",
            "milestones",
            "milestones-alarms",
            "planning",
            "category/historical",
            "category/holiday",
            "category/armed-forces",
            "category/borders-seas",
            "category/diplomatic",
            "category/documents",
            "category/people",
            "scope/national",
            "scope/lam-dong",
            "country/bw",
            "country/se",
            "country/br",
            "country/cn",
        )
    }
    assert expected <= set(by_path)
    assert "en/country/sd.ics" not in by_path, "Sudan has no dated entry: no empty feed"
    for item in index["feeds"]:
        assert (published_feeds / item["path"]).exists()


def test_each_scope_has_its_feed_and_public_holidays_say_so(published_feeds):
    """The Lâm Đồng file's entries get their own feed; public holidays carry "Nghỉ lễ" in CATEGORIES."""
    index = json.loads((published_feeds / "index.json").read_text(encoding="utf-8"))
    by_path = {item["path"]: item for item in index["feeds"]}
    assert by_path["vi/scope/lam-dong.ics"]["title"] == "Lịch kỷ niệm – Lâm Đồng"
    assert by_path["en/scope/national.ics"]["title"] == "Anniversaries – national"
    assert by_path["vi/scope/national.ics"]["description"] == "Các ngày kỷ niệm thuộc phạm vi: toàn quốc."
    paths = [published_feeds / p for p in ("vi/scope/lam-dong.ics", "vi/scope/national.ics", "vi/all.ics")]
    parsed = python_icalendar(paths)
    local, national, everything = (parsed[str(p)]["events"] for p in paths)
    assert {e["uid"].split("-20")[0] for e in local} == {
        "ke-hoach-90-kh-tu-lam-dong",
        "ke-hoach-35-kh-tu-lam-dong",
    }
    assert (
        len(local) == by_path["vi/scope/lam-dong.ics"]["events"] == 7
    )  # 90-KH/TU yearly 2024–2029, 35-KH/TU 2027
    assert "Phạm vi: Lâm Đồng" in local[0]["description"]
    assert {e["uid"] for e in local} | {e["uid"] for e in national} == {e["uid"] for e in everything}
    assert not {e["uid"] for e in local} & {e["uid"] for e in national}
    calendar = icalendar.Calendar.from_ical((published_feeds / "vi/all.ics").read_bytes())
    by_uid = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    tet = by_uid[f"tet-nguyen-dan-2025.vi@{UID_DOMAIN}"]
    assert tet.decoded("DTSTART") == dt.date(2025, 1, 29)
    assert tet["CATEGORIES"].cats == ["ngày lễ", "Nghỉ lễ"]
    assert "ngày lễ · Nghỉ lễ" in str(tet["DESCRIPTION"])
    assert by_uid[f"nha-giao-viet-nam-2024.vi@{UID_DOMAIN}"]["CATEGORIES"].cats == ["ngày lễ"]
    people = python_icalendar([published_feeds / "en/category/people.ics"])[
        str(published_feeds / "en/category/people.ics")
    ]
    assert {e["uid"].split("-20")[0] for e in people["events"]} == {"sinh-nhat-chu-tich-ho-chi-minh"}


def test_feed_kinds_decide_membership(real_registry):
    found = {
        (o.event.id, o.date.year): o
        for o in occurrences(real_registry, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    }
    dien_bien_phu = found[("dien-bien-phu", 2024)]  # historical, 70th: năm tròn
    gac_ma = found[("hai-chien-gac-ma", 2024)]  # borders and seas, 36th: no milestone
    sweden = found[("quan-he-ngoai-giao-sweden", 2024)]  # diplomatic, Sweden, 55th: năm chẵn
    members = {
        kind: {o.event.id for o in (dien_bien_phu, gac_ma, sweden) if kind.includes(o, key)}
        for kind, key in [
            (FeedKind.ALL, None),
            (FeedKind.MILESTONES, None),
            (FeedKind.PLANNING, None),
            (FeedKind.CATEGORY, "borders-seas"),
            (FeedKind.COUNTRY, "SE"),
        ]
    }
    assert members == {
        FeedKind.ALL: {"dien-bien-phu", "hai-chien-gac-ma", "quan-he-ngoai-giao-sweden"},
        FeedKind.MILESTONES: {"dien-bien-phu", "quan-he-ngoai-giao-sweden"},
        FeedKind.PLANNING: {"dien-bien-phu", "quan-he-ngoai-giao-sweden"},
        FeedKind.CATEGORY: {"hai-chien-gac-ma"},
        FeedKind.COUNTRY: {"quan-he-ngoai-giao-sweden"},
    }
    spec = FeedSpec(Language.EN, FeedKind.COUNTRY, "SE", alarms=True)
    assert spec.includes(sweden) and not spec.includes(gac_ma)
    assert spec.path == "en/country/se-alarms.ics"
    item = {"lang": "en", "kind": "country", "key": "SE", "alarms": True}
    assert FeedSpec.from_index(item) == spec


def test_window_follows_today(real_registry, tmp_path, settings):
    publish(real_registry, settings(), dt.date(2026, 11, 22), NOW, tmp_path)
    events = python_icalendar([tmp_path / "en" / "all.ics"])[str(tmp_path / "en" / "all.ics")]["events"]
    assert min(e["start"] for e in events) >= "2025-01-01"
    assert max(e["start"] for e in events) <= "2031-12-31"


def test_milestones_feed_has_only_milestones_and_planning_has_lead_times(published_feeds):
    path = published_feeds / "vi" / "planning.ics"
    events = {(e["start"], e["summary"]) for e in python_icalendar([path])[str(path)]["events"]}
    assert (
        "2024-04-07",
        "[Còn 30 ngày] Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/1954 – 7/5/2024)",
    ) in events
    assert (
        "2024-02-07",
        "[Còn 90 ngày] Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/1954 – 7/5/2024)",
    ) in events
    assert not any("Kỷ niệm 36 năm Hải chiến Gạc Ma" in summary for _, summary in events), (
        "36 is no milestone"
    )
    assert any("Kỷ niệm 40 năm Hải chiến Gạc Ma" in summary for _, summary in events)
    path = published_feeds / "en" / "milestones.ics"
    summaries = [e["summary"] for e in python_icalendar([path])[str(path)]["events"]]
    assert not any("36th anniversary of the Gạc Ma" in s for s in summaries)
    assert any("70th anniversary of the Điện Biên Phủ" in s for s in summaries)


def test_alarm_variant_has_reminders_and_plain_feeds_do_not(published_feeds):
    alarms = published_feeds / "en" / "all-alarms.ics"
    plain = published_feeds / "en" / "all.ics"
    with_alarms = {e["uid"]: e for e in PARSERS["ical.js"]([alarms])[str(alarms)]["events"]}
    dbp = with_alarms["dien-bien-phu-2024.en@calendar.example.org"]
    assert dbp["alarms"] == ["-P89DT15H", "-P29DT15H", "-P6DT15H", "-PT15H"]
    gac_ma = with_alarms["hai-chien-gac-ma-2024.en@calendar.example.org"]
    assert gac_ma["alarms"] == ["-P6DT15H", "-PT15H"]
    assert all(e["alarms"] == [] for e in PARSERS["ical.js"]([plain])[str(plain)]["events"])
    libical = {e["uid"]: e for e in PARSERS["libical"]([alarms])[str(alarms)]["events"]}
    assert libical["dien-bien-phu-2024.en@calendar.example.org"]["alarms"] == 4


def test_rebuilding_an_unchanged_registry_gives_byte_identical_files(
    real_registry, published_feeds, tmp_path, settings
):
    out = tmp_path / "feeds"
    publish(real_registry, settings(), TODAY, NOW, out)
    first = snapshot(out)
    first_index = (out / "index.json").read_bytes()
    result = publish(real_registry, settings(), TODAY, LATER, out)
    assert result.written == [] and len(result.unchanged) == len(first)
    assert snapshot(out) == first and (out / "index.json").read_bytes() == first_index
    assert snapshot(published_feeds) == first


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_editing_one_entry_moves_only_its_stamps(real_copy, tmp_path, settings):
    out = tmp_path / "feeds"
    publish(load_registry(real_copy), settings(), TODAY, NOW, out)
    before = stamps(out)
    edit(real_copy, "en: the signing of the Geneva Accords", "en: the signing of the Geneva Agreements")
    publish(load_registry(real_copy), settings(), TODAY, LATER, out)
    after = stamps(out)
    assert set(after) == set(before)
    changed = {uid for uid in after if after[uid] != before[uid]}
    assert changed == {
        uid
        for uid in after
        if uid.startswith("hiep-dinh-geneve-") and uid.endswith(".en@calendar.example.org")
    }
    assert changed
    for uid in changed:
        assert after[uid][0] == before[uid][0] + 1
        assert after[uid][1] == "2024-03-02T05:06:07+00:00"


def test_a_warm_cache_is_passed_in_and_reuses_only_unchanged_events(
    real_copy, tmp_path, monkeypatch, settings
):
    """Serialisations were kept in a module-level dict shared by every build in the process."""
    serialised = []
    original = ical._serialise
    monkeypatch.setattr(ical, "_serialise", lambda items: serialised.extend(items) or original(items))
    warm, warm_out, cold_out = WarmCache(), tmp_path / "warm", tmp_path / "cold"
    result = publish(load_registry(real_copy), settings(), TODAY, NOW, warm_out, warm=warm)
    assert len(warm) == result.events == len(serialised)
    publish(load_registry(real_copy), settings(), TODAY, NOW, cold_out)
    assert len(serialised) == 2 * result.events, "a build without the cache shares nothing"
    edit(real_copy, "en: the signing of the Geneva Accords", "en: the signing of the Geneva Agreements")
    serialised.clear()
    publish(load_registry(real_copy), settings(), TODAY, LATER, warm_out, warm=warm)
    assert serialised and all(entry.uid.startswith("hiep-dinh-geneve-") for entry, _stamp, _a in serialised)
    publish(load_registry(real_copy), settings(), TODAY, LATER, cold_out)
    assert snapshot(warm_out) == snapshot(cold_out)


def test_removing_an_entry_removes_its_occurrences_and_its_country_feed(real_copy, tmp_path, settings):
    out = tmp_path / "feeds"
    publish(load_registry(real_copy), settings(), TODAY, NOW, out)
    assert (out / "en" / "country" / "mt.ics").exists()
    text = real_copy.read_text(encoding="utf-8")
    start = text.index("  - id: quan-he-ngoai-giao-malta")
    end = text.index("  - id: quan-he-ngoai-giao-colombia")
    real_copy.write_text(text[:start] + text[end:], encoding="utf-8")
    result = publish(load_registry(real_copy), settings(), TODAY, LATER, out)
    assert "en/country/mt.ics" in result.removed and not (out / "en" / "country" / "mt.ics").exists()
    assert not any(uid.startswith("quan-he-ngoai-giao-malta") for uid in stamps(out))


def test_losing_the_database_never_lowers_a_sequence(real_copy, tmp_path, settings):
    out = tmp_path / "feeds"
    first = settings(database_url=f"sqlite:///{tmp_path / 'first.sqlite3'}")
    publish(load_registry(real_copy), first, TODAY, NOW, out)
    edit(real_copy, "vi: Chiến thắng Điện Biên Phủ", "vi: Chiến thắng lịch sử Điện Biên Phủ")
    publish(load_registry(real_copy), first, TODAY, LATER, out)
    seen_by_clients = stamps(out)
    assert any(sequence == 1 for sequence, _ in seen_by_clients.values())
    # The stamps are lost with the database (or a new one is configured): they
    # are recovered from the feeds published in the directory.
    lost = settings(database_url=f"sqlite:///{tmp_path / 'new.sqlite3'}")
    result = publish(load_registry(real_copy), lost, TODAY, LATER + dt.timedelta(days=1), out)
    recovered = stamps(out)
    assert all(recovered[uid][0] >= seen_by_clients[uid][0] for uid in recovered)
    assert recovered == seen_by_clients, "unchanged events keep their stamps after recovery"
    assert result.written == [], "nothing to publish again"


def test_invalid_registry_leaves_published_feeds_untouched(runner, real_copy, tmp_path):
    out = tmp_path / "feeds"
    assert (
        runner.invoke(
            main, ["build", "--registry", str(real_copy), "--out", str(out), "--today", "2024-03-01"]
        ).exit_code
        == 0
    )
    before = snapshot(out)
    edit(real_copy, "date: 1954-05-07", "date: 1954-02-31")
    result = runner.invoke(
        main,
        ["build", "--registry", str(real_copy), "--out", str(out), "--today", "2024-03-01", "--lang", "en"],
    )
    assert result.exit_code == 1 and "1954-02-31 is not a real calendar date" in result.output
    assert snapshot(out) == before


def test_a_failed_write_leaves_the_previous_files_in_place(real_registry, real_copy, tmp_path, settings):
    out = tmp_path / "feeds"
    publish(real_registry, settings(), TODAY, NOW, out)
    before = snapshot(out)
    edit(real_copy, "vi: Chiến thắng Điện Biên Phủ", "vi: Chiến thắng lịch sử Điện Biên Phủ")
    blocker = out / "vi" / "category" / "historical.ics"
    blocker.unlink()
    blocker.mkdir()  # the rename onto it fails, as a full or broken disk would
    del before["vi/category/historical.ics"]
    with pytest.raises(CalendarServiceError) as raised:
        publish(load_registry(real_copy), settings(), TODAY, LATER, out)
    assert "historical.ics" in raised.value.render("en")
    after = snapshot(out)
    assert set(after) == set(before)
    for name, data in before.items():
        # Each file is whole: the old one, or the new one with the edit.
        unfolded = re.sub(r"\r\n[ \t]", "", after[name].decode())
        assert after[name] == data or "lịch sử Điện Biên Phủ" in unfolded, name
        assert after[name].endswith(b"END:VCALENDAR\r\n")
    assert after["vi/all.ics"] != before["vi/all.ics"], "feeds before the failure were published"
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")], "no temporary file is left behind"


def test_cli_build_acceptance(runner, tmp_path):
    out = tmp_path / "feeds"
    result = runner.invoke(
        main,
        [
            "build",
            "--registry",
            str(REAL_REGISTRY),
            "--out",
            str(out),
            "--today",
            "2024-03-01",
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    assert re.match(r"\d+ feeds written, 0 unchanged, 0 removed; \d+ events\.", result.output.strip())
    for lang, summary in (
        ("en", "70th anniversary of the Điện Biên Phủ Victory (7 May 1954 – 7 May 2024)"),
        ("vi", "Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/1954 – 7/5/2024)"),
    ):
        path = out / lang / "all.ics"
        events = python_icalendar([path])[str(path)]["events"]
        (dbp,) = [e for e in events if e["summary"] == summary]
        assert (dbp["start"], dbp["end"]) == ("2024-05-07", "2024-05-08")
    again = runner.invoke(
        main,
        [
            "build",
            "--registry",
            str(REAL_REGISTRY),
            "--out",
            str(out),
            "--today",
            "2024-03-01",
            "--lang",
            "en",
        ],
    )
    assert again.output.startswith("0 feeds written")


def test_build_rejects_a_bad_today(runner, tmp_path):
    result = runner.invoke(
        main,
        [
            "build",
            "--registry",
            str(REAL_REGISTRY),
            "--out",
            str(tmp_path),
            "--today",
            "2024-13-01",
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 1
    assert result.output.strip() == "--today: '2024-13-01' is not a real date in the form YYYY-MM-DD"
    assert list(tmp_path.iterdir()) == []
