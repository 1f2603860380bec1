"""The digest says how each anniversary is covered and lists the milestones
(năm tròn, năm chẵn) of its period that nobody covers yet, with correct
plurals, in Vietnamese and English."""

from __future__ import annotations

import datetime as dt
import email
from email.policy import default

from calendar_service.alerts.delivery import Outbox, Smtp
from calendar_service.alerts.ledger import Ledger
from calendar_service.alerts.run import run_digest
from calendar_service.alerts.subscribers import Subscriber
from calendar_service.model import Bilingual, Event, Observance, Registry, SolarDate
from calendar_service.planning.accounts import Accounts, Role
from calendar_service.planning.coverage import CoverageStore

EDITOR = Subscriber("editor@example.org", "Ban Biên tập")
DESK = Subscriber("desk@example.org", language="en")
MONDAY = dt.date(2024, 4, 8)
NOW = dt.datetime(2024, 4, 8, 0, 5, tzinfo=dt.UTC)


def _newsroom(ledger: Ledger) -> CoverageStore:
    accounts = Accounts(ledger.engine)
    accounts.add("lan", "correct horse battery", Role.EDITOR, NOW, display_name="Nguyễn Lan")
    accounts.add("minh", "correct horse battery", Role.EDITOR, NOW, display_name="Trần Minh")
    return CoverageStore(ledger.engine)


def test_each_anniversary_says_its_coverage_and_uncovered_milestones_are_listed(
    real_registry, settings, tmp_path, smtp
):
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}")
    store = _newsroom(ledger)
    values = {"assignees": ["lan", "minh"], "desk": "Thời sự", "format": "series", "due": "2024-05-03"}
    store.create("dien-bien-phu", 2024, {**values, "angle": "Những người lính cuối cùng"}, "lan", NOW)
    store.create("quan-he-ngoai-giao-brazil", 2024, {"status": "dropped"}, "lan", NOW)
    with Smtp(settings(environ=smtp.env()), retries=1) as sender:
        run_digest(real_registry, [EDITOR, DESK], settings(), ledger, sender, MONDAY, NOW)
    vi = (
        next(m for m in smtp.messages if "editor" in m["To"])
        .get_body(("plain",))
        .get_content()
        .replace("\r\n", "\n")
    )
    week19 = vi.split("Tuần 19:")[1].split("Tuần 20:")[0].splitlines()
    at = week19.index(
        "- Thứ Ba, 7/5/2024 (còn 29 ngày) · năm tròn: Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/1954 – 7/5/2024)"
    )
    assert week19[at + 1] == (
        "  Kế hoạch đưa tin: đã giao – Nguyễn Lan, Trần Minh · Thời sự · loạt bài · "
        "“Những người lính cuối cùng” · hạn 3/5/2024"
    )
    assert week19[at + 2] == "  http://127.0.0.1:8000/entries/dien-bien-phu?lang=vi"
    brazil = next(i for i, line in enumerate(week19) if "Brazil" in line)
    assert week19[brazil + 1] == "  Kế hoạch đưa tin: đã bỏ · bài viết"
    navy = next(i for i, line in enumerate(week19) if "Hải quân" in line)
    assert week19[navy + 1] == "  Chưa có kế hoạch đưa tin"
    section = vi.split("năm tròn, năm chẵn chưa có kế hoạch đưa tin:\n")
    assert len(section) == 2, "the uncovered milestones have their section"
    heading = section[0].splitlines()[-1]
    listed = [line for line in section[1].split("\n\n")[0].splitlines() if line.startswith("- ")]
    assert heading == f"{len(listed)} ngày kỷ niệm ", "the count is the number listed"
    assert any("Brazil" in line for line in listed), "a dropped coverage does not count"
    assert not any("Điện Biên Phủ" in line for line in listed)
    assert all("năm tròn" in line or "năm chẵn" in line for line in listed)
    en_message = next(m for m in smtp.messages if "desk" in m["To"])
    en = en_message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert (
        "  Coverage: assigned – Nguyễn Lan, Trần Minh · Thời sự · series · “Những người lính cuối cùng” · "
        "due 3 May 2024"
    ) in en
    assert f"{len(listed)} milestones (năm tròn, năm chẵn) without coverage yet:" in en
    html = en_message.get_body(("html",)).get_content()
    assert "Coverage: assigned – Nguyễn Lan, Trần Minh" in html
    assert "milestones (năm tròn, năm chẵn) without coverage yet:</h2>" in html
    ledger.dispose()


def _two_events() -> Registry:
    plain = Event(
        "plain",
        Bilingual("Sự kiện thường", "the plain event"),
        "historical",
        SolarDate(1990, 5, 6),
        Observance.YEARLY,
        (),
    )
    round_ = Event(
        "round",
        Bilingual("Sự kiện tròn", "the round event"),
        "historical",
        SolarDate(1974, 5, 11),
        Observance.YEARLY,
        (),
    )
    return Registry("r.yaml", {}, (plain, round_))


def _digest_text(registry, settings, ledger, folder, reader: Subscriber = DESK) -> str:
    run_digest(registry, [reader], settings(), ledger, Outbox(folder), MONDAY, NOW)
    (path,) = folder.glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=default)
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def test_one_uncovered_milestone_is_singular_and_none_says_so(settings, tmp_path):
    registry = _two_events()
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}")
    store = _newsroom(ledger)
    text = _digest_text(registry, settings, ledger, tmp_path / "one")
    assert (
        "1 milestone (năm tròn, năm chẵn) without coverage yet:\n- Saturday, 11 May 2024 (in 33 days)" in text
    )
    store.create("round", 2024, {"assignees": ["lan"]}, "lan", NOW)
    other = Subscriber("desk2@example.org", language="en")  # this week's digest went to DESK already
    text = _digest_text(registry, settings, ledger, tmp_path / "none", other)
    assert "Every milestone (năm tròn, năm chẵn) of this digest has a coverage." in text
    assert "  Coverage: assigned – Nguyễn Lan · article" in text
    ledger.dispose()
