"""Alerts and digests read as an editor reads them: the subject and the plain
text (no "1 days", no "0 days", the weekday and the date in one style, links
that open), and the headers a mail provider acts on."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import settings as settings_
from hypothesis import strategies as st
from paths import PUBLISHED_ON

from calendar_service.alerts.subscribers import Subscriber
from calendar_service.cli import main
from calendar_service.config import load_settings

from .conftest import SECRET

WORDS = "[Còn 1 ngày] Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/2024) quan hệ ngoại giao – a".split()
DEFAULT_READER = Subscriber("editor@example.org")
KEYED = load_settings(environ={"CALENDAR_SECRET_KEY": "a-test-key-of-more-than-16-characters"})
NOW = dt.datetime(2024, 4, 7, tzinfo=dt.UTC)


def text(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def links(body: str) -> list[str]:
    return re.findall(r"https?://\S+|mailto:\S+", body)


def test_no_message_says_1_days_or_0_days(mails):
    """Plurals: "[1 days to go]", "in 1 days" and "Còn 0 ngày" in subjects and bodies."""
    assert len(mails.all()) >= 10
    for run, message in mails.all():
        for words in (message["Subject"], text(message)):
            assert not re.search(r"\b[01] days\b", words), (run, words)
            assert "Còn 0 ngày" not in words and "còn 0 ngày" not in words, (run, words)


def test_an_alert_one_day_ahead_and_on_the_day(mails):
    """The day before says "1 day", the day itself "Today" / "Hôm nay"."""
    en = mails.one("alert-1", "desk@", "Điện Biên Phủ")
    assert en["Subject"] == "[1 day to go] 70th anniversary of the Điện Biên Phủ Victory (7 May 2024)"
    assert "1 day to go: 70th anniversary of the Điện Biên Phủ Victory (7 May 1954 – 7 May 2024)" in text(en)
    vi = mails.one("alert-1", "editor@", "Điện Biên Phủ")
    assert vi["Subject"] == "[Còn 1 ngày] Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/2024)"
    today_en = mails.one("alert-0", "desk@", "Điện Biên Phủ")
    assert today_en["Subject"] == "[Today] 70th anniversary of the Điện Biên Phủ Victory (7 May 2024)"
    assert "\nToday: 70th anniversary of the Điện Biên Phủ Victory" in text(today_en)
    today_vi = mails.one("alert-0", "editor@", "Điện Biên Phủ")
    assert today_vi["Subject"] == "[Hôm nay] Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/2024)"
    assert "\nHôm nay: Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ" in text(today_vi)


def test_an_english_alert_reads_right(mails):
    """Weekday and date in one style, the partnership of a diplomatic anniversary,
    sources with their links, the entry page and the planning view."""
    message = mails.one("alert-late", "desk@", "Brazil")
    assert message["Subject"] == (
        "[29 days to go · late] 35th anniversary of the establishment of diplomatic relations "
        "between Việt Nam and Brazil (8 May 2024)"
    )
    lines = text(message).splitlines()
    assert lines[0] == "Dear External Affairs Desk,"
    assert lines[2].startswith("29 days to go: 35th anniversary of the establishment of diplomatic relations")
    assert lines[3] == "Wednesday, 8 May 2024", "the same style as the titles: 8 May, not May 8"
    assert lines[4] == "half-decade anniversary (năm chẵn) · diplomatic relations"
    assert lines[5] == "Country: Brazil"
    assert lines[6].startswith("Partnership: partner of strategic significance")
    assert (
        "This reminder (30 days ahead) was due on Monday, 8 April 2024; the service sends it late." in lines
    )
    assert (
        "- Nhân vật & Sự kiện (TTXVN), 35 năm ngày thiết lập quan hệ ngoại giao Việt Nam – Brazil "
        "(8/5/1989 – 8/5/2024): https://nvsk.vnanet.vn/print/35-nam-ngay-thiet-lap-quan-he-ngoai-giao-viet-nam-"
        "brazil-8-5-1989-8-5-2024-145881.vna" in lines
    )
    assert "Details: http://127.0.0.1:8000/entries/quan-he-ngoai-giao-brazil?lang=en" in lines
    assert "Planning view: http://127.0.0.1:8000/?from=2024-05-06&lang=en" in lines
    assert lines[-1] == "Other ways to unsubscribe: mailto:unsubscribe-desk@example.org"
    assert lines[-2].startswith("Unsubscribe: http://127.0.0.1:8000/unsubscribe/")


def test_a_vietnamese_alert_reads_right(mails):
    message = mails.one("alert-30", "editor@", "Điện Biên Phủ")
    lines = text(message).splitlines()
    assert lines[:5] == [
        "Kính gửi Ban Biên tập,",
        "",
        "Còn 30 ngày: Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/1954 – 7/5/2024)",
        "Thứ Ba, 7/5/2024",
        "năm tròn · lịch sử",
    ]
    assert "Chi tiết: http://127.0.0.1:8000/entries/dien-bien-phu?lang=vi" in lines
    assert "Trang kế hoạch: http://127.0.0.1:8000/?from=2024-05-06&lang=vi" in lines


def test_the_digest_says_an_empty_run_once_and_looks_further_ahead(mails):
    """A wall of "No anniversaries this week"; no weekdays or links; the năm tròn
    of the coming 90 days beyond the 8 weeks were missing."""
    en = text(mails.one("digest", "desk@", "weeks"))
    lines = en.splitlines()
    assert "No anniversaries from 8 April 2024 to 5 May 2024." in lines, "four empty weeks, one line"
    for first, second in zip(lines, lines[1:], strict=False):
        assert not (first.startswith("No anniversaries") and second.startswith("No anniversaries"))
    assert lines.count("No anniversaries from 13 May 2024 to 2 June 2024.") == 1
    assert (
        "- Wednesday, 8 May 2024 (in 30 days) · half-decade anniversary (năm chẵn): 35th anniversary of the "
        "establishment of diplomatic relations between Việt Nam and Brazil (8 May 1989 – 8 May 2024)"
    ) in lines
    assert "  http://127.0.0.1:8000/entries/quan-he-ngoai-giao-brazil?lang=en" in lines
    ahead = en.split("Further ahead: năm tròn until Sunday, 7 July 2024\n")[1].split("\n\n")[0]
    assert "- Monday, 1 July 2024 (in 84 days) · major anniversary (năm tròn): 30th anniversary" in ahead
    assert "Slovenia" in ahead and "Brazil" not in ahead, "năm tròn only, beyond the 8 weeks"
    to_verify = (
        en.split("Date to verify (known only to the month or year):\n")[1].split("\n\n")[0].splitlines()
    )
    assert len(to_verify) == len(set(to_verify)) >= 1, "each date to verify once"
    vi = text(mails.one("digest", "editor@", "tuần"))
    assert "Không có ngày kỷ niệm nào từ 8/4/2024 đến 14/4/2024." in vi
    assert "- Thứ Năm, 18/4/2024 (còn 10 ngày): Giỗ Tổ Hùng Vương (10/3 âm lịch, 18/4/2024)" in vi
    assert "Xa hơn: các ngày kỷ niệm năm tròn đến Chủ Nhật, 7/7/2024" in vi


@pytest.mark.parametrize("run", ["alert-30", "alert-late", "digest"])
def test_every_link_in_the_text_opens(run, mails, settings, published_feeds):
    """Links a reader follows: entry pages, planning views, the unsubscribe page."""
    from calendar_service.web import create_app

    app = create_app(settings(environ=SECRET, feeds_dir=published_feeds))
    app.config.update(TESTING=True, TODAY=PUBLISHED_ON)
    client = app.test_client()
    opened = 0
    for message in mails.runs[run]:
        for link in links(text(message)):
            if link.startswith("mailto:") or not link.startswith("http://127.0.0.1:8000/"):
                continue
            parts = urlsplit(link)
            response = client.get(parts.path + ("?" + parts.query if parts.query else ""), buffered=True)
            assert response.status_code == 200, link
            opened += 1
    assert opened >= 4


def test_headers_mail_providers_act_on(mails):
    """List-Unsubscribe only from the subscribers file, no One-Click POST, no
    X-Auto-Response-Suppress, Message-IDs @localhost whatever the sender."""
    for _run, message in mails.all():
        links = [part.strip().strip("<>") for part in message["List-Unsubscribe"].split(",")]
        assert links[0].startswith("http://127.0.0.1:8000/unsubscribe/"), "every subscriber has one"
        assert links[1:] in (["https://example.org/unsubscribe?u=1"], ["mailto:unsubscribe-desk@example.org"])
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["X-Auto-Response-Suppress"] == "All"
        assert message["Message-ID"].endswith("@toasoan.example>"), "the sender's domain"
        assert message["From"] == "Lịch kỷ niệm <lich@toasoan.example>"


def test_the_attached_calendar_says_its_charset_method_and_name(mails):
    """The .ics attachment had no charset (clients guessed the encoding of Vietnamese titles)."""
    message = mails.one("alert-30", "editor@", "Điện Biên Phủ")
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("charset") == "utf-8" and attachment.get_param("method") == "PUBLISH"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "dien-bien-phu-2024.ics"
    assert "SUMMARY:Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ" in attachment.get_content()


def test_smtp_without_a_sender_is_one_configuration_error(runner, environment, smtp):
    """The default sender calendar-service@localhost is refused by real mail providers."""
    env = environment(**smtp.env(CALENDAR_MAIL_FROM=""))
    result = runner.invoke(main, ["alerts", "--today", "2024-04-07", "--lang", "en"], env=env)
    assert result.exit_code == 1
    assert result.output.strip() == (
        "$CALENDAR_SMTP_HOST: field 'mail_from': an SMTP server is set but no sender: set "
        "CALENDAR_MAIL_FROM to an address of your mail domain (servers refuse calendar-service@localhost)"
    )
    assert smtp.messages == []


def test_alerts_say_where_the_mail_went(runner, environment, tmp_path):
    """Without SMTP, `alerts` did not say that the mail went to the outbox, nor where."""
    result = runner.invoke(main, ["alerts", "--today", "2024-04-07", "--lang", "en"], env=environment())
    assert result.exit_code == 0
    assert (
        f"No SMTP server is set (CALENDAR_SMTP_HOST): the messages were written to {tmp_path / 'outbox'} "
        "as .eml files."
    ) in result.output


@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=30).map(" ".join))
@settings_(max_examples=300, deadline=None)
def test_long_vietnamese_subjects_keep_every_space(subject):
    """CPython's header folding dropped the space at a fold: "Chiến thắng" arrived as "Chiếnthắng"."""
    import email as parser
    from email.policy import default

    from calendar_service.alerts.mail import envelope

    message = envelope(DEFAULT_READER, subject, "<a@b>", KEYED, NOW)
    message.set_content("x")
    raw = message.as_bytes()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    assert parser.message_from_bytes(raw, policy=default)["Subject"] == subject
