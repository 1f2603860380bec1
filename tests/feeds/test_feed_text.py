"""What a subscriber's calendar shows of a feed itself and of its entries'
wording: name, description, product id and UIDs, read back by every client
parser; "1 day", not "1 days"; one installation's UIDs, not everybody's."""

from __future__ import annotations

import logging
import re

import icalendar
import pytest
from feedparsers import PARSERS
from paths import PUBLISHED_AT, PUBLISHED_ON, UID_DOMAIN

from calendar_service import __version__
from calendar_service.cli import main
from calendar_service.feeds.entries import countdown
from calendar_service.feeds.kinds import FeedKind, FeedSpec
from calendar_service.feeds.publish import publish
from calendar_service.i18n import Language


def unfolded(path) -> str:
    return re.sub(r"\r\n[ \t]", "", path.read_bytes().decode("utf-8"))


def uids(path) -> set[str]:
    return {str(e["UID"]) for e in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")}


@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_calendar_description_with_commas_reads_back_exactly(parser, published_feeds, settings):
    """X-WR-CALDESC (an X- property icalendar does not escape) was written with
    bare commas instead of RFC 5545 TEXT."""
    path = published_feeds / "en" / "planning.ics"
    wanted = FeedSpec(Language.EN, FeedKind.PLANNING).description(settings().lead_times)
    assert "," in wanted
    assert "X-WR-CALDESC;VALUE=TEXT:" + wanted.replace(",", "\\,") in unfolded(path)
    parsed = PARSERS[parser]([path])[str(path)]
    assert parsed["caldesc"] == wanted
    assert parsed["description"] == wanted
    assert parsed["name"] == "Anniversaries – planning (lead times)"


def test_english_planning_feed_description_names_nam_chan(published_feeds):
    """The English planning feed's description spoke of round years only,
    though the feed holds the năm chẵn lead times too."""
    for lang, words in (
        ("en", ("năm tròn", "năm chẵn", "90, 30, 7, and 1 days before", "30, 7, and 1 days before")),
        ("vi", ("năm tròn", "năm chẵn", "trước 90, 30, 7 và 1 ngày", "trước 30, 7 và 1 ngày")),
    ):
        text = str(
            icalendar.Calendar.from_ical((published_feeds / lang / "planning.ics").read_bytes())[
                "DESCRIPTION"
            ]
        )
        assert all(word in text for word in words), (lang, text)


def test_prodid_names_the_feed_language(published_feeds):
    """PRODID said //VI in the English feeds."""
    for lang, product in (("en", "Anniversary calendar"), ("vi", "Lịch kỷ niệm")):
        for name in ("all.ics", "planning.ics"):
            calendar = icalendar.Calendar.from_ical((published_feeds / lang / name).read_bytes())
            assert str(calendar["PRODID"]) == f"-//calendar-service//{product} {__version__}//{lang.upper()}"


def test_countdown_says_1_day_and_today():
    """The countdown said "[1 days to go]" and "[0 days to go]"."""
    assert countdown(1, Language.EN) == "[1 day to go]"
    assert countdown(2, Language.EN) == "[2 days to go]"
    assert countdown(0, Language.EN) == "[Today]"
    assert countdown(1, Language.EN, late=True) == "[1 day to go · late]"
    assert countdown(1, Language.VI) == "[Còn 1 ngày]"
    assert countdown(0, Language.VI) == "[Hôm nay]"
    assert countdown(3, Language.VI, late=True) == "[Còn 3 ngày · gửi muộn]"


def test_planning_entries_and_reminders_say_1_day(published_feeds):
    """67 English planning entries and 157 reminders said "[1 days to go]"."""
    planning = icalendar.Calendar.from_ical((published_feeds / "en" / "planning.ics").read_bytes())
    summaries = [str(e["SUMMARY"]) for e in planning.walk("VEVENT")]
    descriptions = [str(e["DESCRIPTION"]) for e in planning.walk("VEVENT")]
    assert any(s.startswith("[1 day to go] ") for s in summaries)
    assert any(d.startswith("Planning: 1 day before ") for d in descriptions)
    alarms = icalendar.Calendar.from_ical((published_feeds / "en" / "all-alarms.ics").read_bytes())
    reminders = [str(a["DESCRIPTION"]) for a in alarms.walk("VALARM")]
    assert any(r.startswith("[1 day to go] ") for r in reminders)
    for text in summaries + descriptions + reminders:
        assert not re.search(r"\b[01] days\b", text), text
    vi = icalendar.Calendar.from_ical((published_feeds / "vi" / "planning.ics").read_bytes())
    assert any(str(e["SUMMARY"]).startswith("[Còn 1 ngày] ") for e in vi.walk("VEVENT"))


def test_uids_end_in_the_installations_domain(real_registry, settings, tmp_path, published_feeds):
    """Every installation emitted UIDs ending in @calendar-service, so two of them
    (staging and production, two newsrooms) gave different calendars the same UIDs."""
    assert all(uid.endswith(f".en@{UID_DOMAIN}") for uid in uids(published_feeds / "en" / "all.ics"))
    # Not configured: the host of the base URL, without its port.
    unset = settings(
        environ={"CALENDAR_UID_DOMAIN": "", "CALENDAR_BASE_URL": "https://lich.toasoan.example:8443"}
    )
    assert unset.uid_domain is None
    publish(real_registry, unset, PUBLISHED_ON, PUBLISHED_AT, tmp_path)
    found = uids(tmp_path / "vi" / "all.ics")
    assert "dien-bien-phu-2024.vi@lich.toasoan.example" in found
    assert all(uid.endswith("@lich.toasoan.example") for uid in found)


def test_feeds_published_with_calendar_service_uids_keep_them(runner, environment, tmp_path, caplog):
    """An installation upgraded with no UID domain set must not change its UIDs
    (every subscriber would see every event twice); it is told what to set."""
    feeds = tmp_path / "feeds"
    build = ["build", "--today", "2024-03-01"]
    old = runner.invoke(main, build, env=environment(CALENDAR_UID_DOMAIN="calendar-service"))
    assert old.exit_code == 0, old.output
    before = (feeds / "vi" / "all.ics").read_bytes()
    assert "dien-bien-phu-2024.vi@calendar-service" in uids(feeds / "vi" / "all.ics")
    with caplog.at_level(logging.WARNING):
        upgraded = runner.invoke(main, [*build, "--lang", "en"], env=environment(CALENDAR_UID_DOMAIN=""))
    assert upgraded.exit_code == 0, upgraded.output
    assert (feeds / "vi" / "all.ics").read_bytes() == before, "same UIDs, same bytes"
    (warning,) = [r.getMessage() for r in caplog.records if "CALENDAR_UID_DOMAIN" in r.getMessage()]
    assert "Set CALENDAR_UID_DOMAIN=calendar-service to keep them for good" in warning
    assert "every subscriber see every event twice" in warning
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        chosen = runner.invoke(main, build, env=environment(CALENDAR_UID_DOMAIN="lich.toasoan.example"))
    assert chosen.exit_code == 0
    (warning,) = [r.getMessage() for r in caplog.records if "CALENDAR_UID_DOMAIN" in r.getMessage()]
    assert "CALENDAR_UID_DOMAIN=lich.toasoan.example thay các UID" in warning, "in the command's language"
    assert "dien-bien-phu-2024.vi@lich.toasoan.example" in uids(feeds / "vi" / "all.ics")
