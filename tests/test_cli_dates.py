"""Dates given on the command line and in queries: 1900-01-01 to 2200-12-31,
written YYYY-MM-DD in ASCII digits, and periods that end by 2200-12-31. The
ends of the calendar gave tracebacks and 500s; other date and number forms
were guessed by Python's parsers."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from paths import REAL_REGISTRY

from calendar_service.cli import main

OUTSIDE = "is outside the dates this service covers (1900-01-01 to 2200-12-31)"


def run(tmp_path, *args):
    env = {
        "CALENDAR_REGISTRY": str(REAL_REGISTRY),
        "CALENDAR_FEEDS_DIR": str(tmp_path / "feeds"),
        "CALENDAR_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        "CALENDAR_OUTBOX": str(tmp_path / "outbox"),
        "CALENDAR_SUBSCRIBERS": str(tmp_path / "none.yaml"),
    }
    return CliRunner().invoke(main, list(args), env=env)


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.mark.parametrize(
    "args, message",
    [
        (["upcoming", "--from", "9999-12-20"], f"--from: 9999-12-20 {OUTSIDE}"),
        (["upcoming", "--from", "1899-12-31"], f"--from: 1899-12-31 {OUTSIDE}"),
        (["build", "--today", "0001-06-01"], f"--today: 0001-06-01 {OUTSIDE}"),
        (["build", "--today", "9999-06-01"], f"--today: 9999-06-01 {OUTSIDE}"),
        (["alerts", "--today", "0001-06-01", "--dry-run"], f"--today: 0001-06-01 {OUTSIDE}"),
        (["digest", "--today", "9999-12-31", "--dry-run"], f"--today: 9999-12-31 {OUTSIDE}"),
        (
            ["upcoming", "--from", "2200-12-20", "--days", "30"],
            "--days: the period would end on 2201-01-18, after 2200-12-31",
        ),
    ],
)
def test_dates_at_the_ends_of_the_calendar_gave_tracebacks(tmp_path, args, message):
    """`--from 9999-12-20` and `--today 0001-06-01` ended in OverflowError/ValueError tracebacks."""
    assert one_line_error(run(tmp_path, *args, "--lang", "en")) == message


@pytest.mark.parametrize(
    "written", ["2024-W10-1", "20240101", "２０２４-01-01", "2024-1-1", "2024-01-01T00:00", " 2024-01-01"]
)
def test_other_date_forms_were_guessed_on_the_command_line(tmp_path, written):
    """`--from 2024-W10-1` or `20240101` was read by date.fromisoformat as some date instead of refused."""
    message = one_line_error(run(tmp_path, "upcoming", "--from", written, "--lang", "en"))
    assert message == f"--from: '{written}' is not a real date in the form YYYY-MM-DD"


@pytest.mark.parametrize("written", ["３０", "+30", "3_0", " 30", "30.0", "abc"])
def test_other_number_forms_were_guessed_for_days(tmp_path, written):
    """`--days ３０` (full-width digits) was read by int() as 30 instead of refused."""
    message = one_line_error(run(tmp_path, "upcoming", "--days", written, "--lang", "en"))
    assert message == "--days: expected a number from 1 to 36600"


def test_the_ends_of_the_range_are_accepted(tmp_path):
    assert run(tmp_path, "upcoming", "--from", "1900-01-01", "--days", "31").exit_code == 0
    last = run(tmp_path, "upcoming", "--from", "2200-12-01", "--days", "31", "--lang", "en")
    assert last.exit_code == 0 and "22 December 2200" in last.output


def test_date_out_of_range_in_vietnamese(tmp_path):
    message = one_line_error(run(tmp_path, "upcoming", "--from", "9999-12-20"))
    assert message == "--from: 9999-12-20 nằm ngoài khoảng ngày mà dịch vụ hỗ trợ (1900-01-01 đến 2200-12-31)"
