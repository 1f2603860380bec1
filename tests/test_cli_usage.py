"""Click's own usage errors, read as the user reads them: in the language the
command speaks (--lang, then the settings), with the usage line and a hint."""

from __future__ import annotations

import pytest
from paths import REAL_REGISTRY

from calendar_service.cli import main


def run(runner, *args, env=None):
    return runner.invoke(
        main,
        ["upcoming", "--registry", str(REAL_REGISTRY), *args],
        env=env or {},
        prog_name="calendar-service",
    )


@pytest.mark.parametrize(
    ("args", "vietnamese", "english"),
    [
        (
            ["--dys", "3"],
            "Lỗi: Không có tùy chọn '--dys'. Có phải ý bạn là '--days'?",
            "Error: No such option '--dys'. Did you mean '--days'?",
        ),
        (
            ["--format", "xml"],
            "Lỗi: Giá trị không hợp lệ cho '--format': 'xml' không thuộc các giá trị 'text', 'json'.",
            "Error: Invalid value for '--format': 'xml' is not one of 'text', 'json'.",
        ),
        (["extra"], "Lỗi: Thừa đối số: extra", "Error: Unexpected extra argument: extra"),
    ],
)
def test_usage_errors_are_in_the_language_of_the_command(runner, args, vietnamese, english):
    """In Vietnamese mode click's argument errors were English ("Error: No such option")."""
    result = run(runner, *args)
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "Cách dùng: calendar-service upcoming [OPTIONS]",
        "Xem hướng dẫn bằng lệnh 'calendar-service upcoming --help'.",
        "",
        vietnamese,
    ]
    english_run = run(runner, *args, "--lang", "en")
    assert english_run.exit_code == 2
    assert english_run.output.splitlines() == [
        "Usage: calendar-service upcoming [OPTIONS]",
        "Try 'calendar-service upcoming --help' for help.",
        "",
        english,
    ]
    assert run(runner, *args, env={"CALENDAR_LANGUAGE": "en"}).output.splitlines()[-1] == english


def test_other_usage_errors_in_vietnamese(runner, tmp_path):
    assert runner.invoke(main, ["nope"]).output.splitlines()[-1] == "Lỗi: Không có lệnh 'nope'."
    missing = run(runner, "--days")
    assert missing.exit_code == 2 and missing.output.strip() == "Lỗi: Tùy chọn '--days' cần một giá trị."
    folder = runner.invoke(main, ["validate", "--config", str(tmp_path)])
    assert folder.output.splitlines()[-1] == (
        f"Lỗi: Giá trị không hợp lệ cho '--config': Tệp '{tmp_path}' là một thư mục."
    )


def test_help_and_version_still_exit_0(runner):
    assert runner.invoke(main, ["--help"]).exit_code == 0
    assert runner.invoke(main, ["upcoming", "--help"]).exit_code == 0
    version = runner.invoke(main, ["--version"])
    assert version.exit_code == 0 and version.output.startswith("calendar-service, version ")


def test_dry_run_of_one_message_says_message(runner, tmp_path):
    """The dry run said "1 messages would be sent"."""
    subscribers = tmp_path / "subscribers.yaml"
    subscribers.write_text("subscribers:\n  - email: editor@example.org\n", encoding="utf-8")
    env = {
        "CALENDAR_REGISTRY": str(REAL_REGISTRY),
        "CALENDAR_SUBSCRIBERS": str(subscribers),
        "CALENDAR_DATABASE_URL": f"sqlite:///{tmp_path / 'l.sqlite3'}",
        "CALENDAR_OUTBOX": str(tmp_path / "out"),
    }
    result = runner.invoke(main, ["digest", "--today", "2024-04-08", "--dry-run", "--lang", "en"], env=env)
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == "Dry run: 1 message would be sent; nothing was sent or recorded."
