"""The weekly digest: the next 8 weeks by week, milestones first, once a week."""

from __future__ import annotations

import datetime as dt

from calendar_service.alerts.delivery import Smtp
from calendar_service.alerts.ledger import Ledger
from calendar_service.alerts.run import run_digest
from calendar_service.alerts.subscribers import Subscriber
from calendar_service.cli import main

EDITOR = Subscriber("editor@example.org", "Ban Biên tập")
DESK = Subscriber("desk@example.org", language="en", categories=frozenset({"diplomatic"}))
NO_DIGEST = Subscriber("quiet@example.org", digest=False)


def test_digest_lists_eight_weeks_by_week_milestones_first(real_registry, settings, tmp_path, smtp):
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}")
    now = dt.datetime(2024, 4, 8, 0, 5, tzinfo=dt.UTC)
    with Smtp(settings(environ=smtp.env()), retries=1) as sender:
        report = run_digest(
            real_registry, [EDITOR, DESK, NO_DIGEST], settings(), ledger, sender, dt.date(2024, 4, 8), now
        )
        assert len(report.sent) == 2 and len(smtp.messages) == 2
        vi = next(m for m in smtp.messages if "editor" in m["To"])
        assert vi["Subject"] == "Lịch kỷ niệm 8 tuần tới (từ 8/4/2024)"
        text = vi.get_body(("plain",)).get_content()
        assert "Các ngày kỷ niệm trong 8 tuần tới, từ Thứ Hai, 8/4/2024 đến Chủ Nhật, 2/6/2024:" in text
        assert "Không có ngày kỷ niệm nào từ 8/4/2024 đến 14/4/2024." in text
        assert "Tuần 16: 15/4/2024 – 21/4/2024" in text and "Tuần 20: 13/5/2024 – 19/5/2024" in text
        week19 = text.split("Tuần 19:")[1].split("Tuần 20:")[0]
        lines = [line for line in week19.splitlines() if line.startswith("- ")]
        assert lines[0] == (
            "- Thứ Ba, 7/5/2024 (còn 29 ngày) · năm tròn: "
            "Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/1954 – 7/5/2024)"
        )
        assert lines[1].startswith(
            "- Thứ Tư, 8/5/2024 (còn 30 ngày) · năm chẵn: Kỷ niệm 35 năm Ngày thiết lập"
        )
        # Then the yearly days of the week: Navy Day (7/5/1955) is not a milestone in 2024.
        assert lines[2] == (
            "- Thứ Ba, 7/5/2024 (còn 29 ngày): Kỷ niệm 69 năm Ngày truyền thống Hải quân nhân dân Việt Nam "
            "(7/5/1955 – 7/5/2024)"
        )
        assert len(lines) == 3
        assert "Ngày cần xác minh (chỉ biết tháng hoặc năm):" in text
        html = vi.get_body(("html",)).get_content()
        assert ">Tuần 19: 6/5/2024 – 12/5/2024</h2>" in html
        en = next(m for m in smtp.messages if "desk" in m["To"])
        assert en["Subject"] == "Anniversaries of the next 8 weeks (from 8 April 2024)"
        assert "Điện Biên Phủ" not in en.get_body(("plain",)).get_content(), "diplomatic only"
        again = run_digest(
            real_registry, [EDITOR, DESK], settings(), ledger, sender, dt.date(2024, 4, 10), now
        )
        assert again.sent == [] and again.skipped == 2, "once per subscriber per week"
        next_week = run_digest(real_registry, [EDITOR], settings(), ledger, sender, dt.date(2024, 4, 15), now)
        assert len(next_week.sent) == 1
    ledger.dispose()


def test_digest_cli_dry_run(runner, tmp_path, environment):
    env = environment()
    result = runner.invoke(main, ["digest", "--today", "2024-04-08", "--dry-run", "--lang", "en"], env=env)
    assert result.exit_code == 0
    assert "editor@example.org\tLịch kỷ niệm 8 tuần tới (từ 8/4/2024)" in result.output
    sent = runner.invoke(main, ["digest", "--today", "2024-04-08"], env=env)
    assert sent.exit_code == 0 and len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_milestones_come_first_within_a_week(settings, tmp_path):
    from calendar_service.alerts.delivery import Outbox
    from calendar_service.model import Bilingual, Event, Observance, Registry, SolarDate

    early = Event(
        "early",
        Bilingual("Sự kiện đầu tuần", "the early event"),
        "historical",
        SolarDate(1990, 5, 6),
        Observance.YEARLY,
        (),
    )
    late = Event(
        "late",
        Bilingual("Sự kiện cuối tuần", "the late event"),
        "historical",
        SolarDate(1974, 5, 11),
        Observance.YEARLY,
        (),
    )
    registry = Registry("r.yaml", {}, (early, late))
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}")
    now = dt.datetime(2024, 4, 8, tzinfo=dt.UTC)
    run_digest(registry, [EDITOR], settings(), ledger, Outbox(tmp_path / "out"), dt.date(2024, 4, 8), now)
    import email
    from email.policy import default

    (path,) = (tmp_path / "out").glob("*.eml")
    text = email.message_from_bytes(path.read_bytes(), policy=default).get_body(("plain",)).get_content()
    week = [line for line in text.split("Tuần 19:")[1].splitlines() if line.startswith("- ")][:2]
    assert week == [
        "- Thứ Bảy, 11/5/2024 (còn 33 ngày) · năm tròn: Kỷ niệm 50 năm Sự kiện cuối tuần (11/5/1974 – 11/5/2024)",
        "- Thứ Hai, 6/5/2024 (còn 28 ngày): Kỷ niệm 34 năm Sự kiện đầu tuần (6/5/1990 – 6/5/2024)",
    ]
    ledger.dispose()
