"""Each setting is checked when it is read, with one line naming the setting:
an unknown database driver gave tracebacks, a base URL with a line break broke
`build`, a sender that is no address became the Message-ID's domain."""

from __future__ import annotations

import os
import resource
import subprocess
import sys

import pytest
from click.testing import CliRunner
from paths import REAL_REGISTRY, ROOT

from calendar_service.cli import main
from calendar_service.config import load_settings
from calendar_service.errors import ConfigError


def refused(env: dict, lang: str = "en") -> str:
    with pytest.raises(ConfigError) as raised:
        load_settings(environ=env)
    (problem,) = raised.value.problems
    return problem.render(lang)


def invalid(name: str, shown: str, reason: str) -> str:
    key = name.lower().removeprefix("calendar_")
    return f"${name}: field '{key}': invalid value '{shown}' for setting '{key}': {reason}"


DRIVERS = "unsupported database; use one of: sqlite, postgresql, postgresql+psycopg"
DATABASE_URL = "expected a database URL such as sqlite:///var/calendar.sqlite3 or postgresql://user@host/db"


@pytest.mark.parametrize(
    "value, shown, reason",
    [
        ("foo://", "foo://", DRIVERS),
        ("mysql://user@host/db", "mysql://user@host/db", DRIVERS),
        ("postgresql+psycopg2://user@host/db", "postgresql+psycopg2://user@host/db", DRIVERS),
        ("postgres://user:secret@host/db", "postgres://user:***@host/db", DRIVERS),
        ("not a url", "not a url", DATABASE_URL),
        ("postgresql://user:secret@host:port/db", "postgresql://user:***@host:port/db", DATABASE_URL),
        ("sqlite:///var/a\nb.sqlite3", "sqlite:///var/a\\nb.sqlite3", DATABASE_URL),
    ],
)
def test_unsupported_database_url_gave_a_traceback(value, shown, reason):
    """`CALENDAR_DATABASE_URL=foo://` and unsupported drivers ended in SQLAlchemy tracebacks."""
    assert refused({"CALENDAR_DATABASE_URL": value}) == invalid("CALENDAR_DATABASE_URL", shown, reason)


@pytest.mark.parametrize(
    "value",
    [
        "sqlite:///var/calendar.sqlite3",
        "sqlite://",
        "postgresql://u@h/db",
        "postgresql+psycopg://u:p@h:5432/db",
    ],
)
def test_supported_database_urls_are_read(value):
    assert load_settings(environ={"CALENDAR_DATABASE_URL": value}).database_url == value


def test_unsupported_database_url_is_one_line_on_the_command_line(tmp_path):
    """`alerts` with `CALENDAR_DATABASE_URL=foo://` printed a NoSuchModuleError traceback."""
    result = CliRunner().invoke(
        main,
        ["alerts", "--today", "2024-03-01", "--lang", "en"],
        env={"CALENDAR_DATABASE_URL": "foo://", "CALENDAR_REGISTRY": str(REAL_REGISTRY)},
    )
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output == invalid("CALENDAR_DATABASE_URL", "foo://", DRIVERS) + "\n"


ADDRESS = "expected an http:// or https:// address"
PLAIN = "expected an http:// or https:// address in ASCII, without spaces or control characters"
PARTS = "expected an http:// or https:// address with a host name, and no user name, query or fragment"


@pytest.mark.parametrize(
    "value, shown, reason",
    [
        (
            "https://calendar.example.org\r\nX-Injected: 1",
            "https://calendar.example.org\\r\\nX-Injected: 1",
            PLAIN,
        ),
        ("https://calendar.example.org/a b", "https://calendar.example.org/a b", PLAIN),
        ("https://lịch.example.org", "https://lịch.example.org", PLAIN),
        ("https://calendar.example.org\t", "https://calendar.example.org\\t", PLAIN),
        ("https://user:pw@calendar.example.org", "https://user:pw@calendar.example.org", PARTS),
        ("https://calendar.example.org/?a=b", "https://calendar.example.org/?a=b", PARTS),
        ("https://calendar.example.org/#top", "https://calendar.example.org/#top", PARTS),
        ("https://", "https://", PARTS),
        ("https://calendar.example.org:99999", "https://calendar.example.org:99999", PARTS),
        ("https://calendar.example.org/<x>", "https://calendar.example.org/<x>", PARTS),
        ("https://exa_mple.org", "https://exa_mple.org", PARTS),
        ("ftp://x", "ftp://x", ADDRESS),
    ],
)
def test_base_url_with_a_line_break_passed_the_check(value, shown, reason):
    """`CALENDAR_BASE_URL` with CR/LF passed the check and broke `build`."""
    assert refused({"CALENDAR_BASE_URL": value}) == invalid("CALENDAR_BASE_URL", shown, reason)


@pytest.mark.parametrize(
    "value, read",
    [
        ("https://calendar.example.org/", "https://calendar.example.org"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("https://example.org/lich-ky-niem/", "https://example.org/lich-ky-niem"),
        ("http://[::1]:8000", "http://[::1]:8000"),
    ],
)
def test_good_base_urls_are_read(value, read):
    assert load_settings(environ={"CALENDAR_BASE_URL": value}).base_url == read


def test_base_url_with_a_line_break_broke_build(tmp_path):
    """`build` with a CR/LF base URL crashed while writing the feeds instead of refusing the setting."""
    result = CliRunner().invoke(
        main,
        ["build", "--out", str(tmp_path / "feeds"), "--today", "2024-03-01", "--lang", "en"],
        env={
            "CALENDAR_BASE_URL": "https://x.example\r\nEND:VCALENDAR",
            "CALENDAR_REGISTRY": str(REAL_REGISTRY),
        },
    )
    assert result.exit_code == 1
    assert result.output.startswith("$CALENDAR_BASE_URL: field 'base_url': invalid value")
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "feeds").exists()


EMAIL = "expected an email address such as lich@example.org"
ASCII = "the part before @ must be ASCII: this service does not send internationalised (SMTPUTF8) mail"


@pytest.mark.parametrize(
    "value, reason",
    [
        ("not-an-address", EMAIL),
        ("Lịch <not-an-address>", EMAIL),
        ("lich@localhost", EMAIL),
        ("a..b@example.org", EMAIL),
        ("tên@example.org", ASCII),
    ],
)
def test_mail_from_that_is_not_an_address_was_used_as_the_message_id_domain(value, reason):
    """`CALENDAR_MAIL_FROM=not-an-address` was accepted, and its text became the Message-ID's domain."""
    assert refused({"CALENDAR_MAIL_FROM": value}) == invalid("CALENDAR_MAIL_FROM", value, reason)


@pytest.mark.parametrize(
    "value, read",
    [
        ("lich@example.org", "lich@example.org"),
        (" Lich.Ky-Niem@Example.ORG ", "Lich.Ky-Niem@Example.ORG"),
        ("lich@ví-dụ.vn", "lich@xn--v-d-rma6749a.vn"),
    ],
)
def test_good_mail_from_is_read(value, read):
    assert load_settings(environ={"CALENDAR_MAIL_FROM": value}).mail_from == read


def test_mail_from_refused_in_vietnamese():
    assert refused({"CALENDAR_MAIL_FROM": "tên@example.org"}, "vi") == (
        "$CALENDAR_MAIL_FROM: trường 'mail_from': giá trị 'tên@example.org' không hợp lệ cho thiết lập "
        "'mail_from': phần trước @ phải là ký tự ASCII: dịch vụ này không gửi thư quốc tế hoá (SMTPUTF8)"
    )


@pytest.mark.parametrize(
    "name", ["CALENDAR_SMTP_HOST", "CALENDAR_SMTP_USER", "CALENDAR_SMTP_PASSWORD", "CALENDAR_HOST"]
)
def test_line_breaks_in_text_settings_are_refused(name):
    """SMTP host, user, password and the listening host took line breaks (an SMTP AUTH line could be injected)."""
    message = refused({name: "x\r\nMAIL FROM:<evil@example.org>"})
    assert message.endswith(": expected one line without control characters")
    assert "\r" not in message and "\n" not in message
    if name == "CALENDAR_SMTP_PASSWORD":
        assert "evil" not in message, "a secret is never shown"


def test_deeply_nested_config_file_gave_a_recursion_error(tmp_path):
    """A TOML file with 5 000 nested arrays raised RecursionError from tomllib as a traceback."""
    config = tmp_path / "c.toml"
    config.write_text("language = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_settings(config, environ={})
    assert [p.render("en") for p in raised.value.problems] == [f"{config}: TOML nested too deeply"]


def test_config_file_that_is_not_a_regular_file_was_read_forever():
    """`--config /dev/zero` read until memory ran out."""

    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))

    result = subprocess.run(
        [sys.executable, "-m", "calendar_service", "validate", "--config", "/dev/zero", "--lang", "en"],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit_memory,
        cwd=ROOT,
        env={**os.environ, "CALENDAR_REGISTRY": str(REAL_REGISTRY)},
    )
    assert result.returncode == 1, result.stderr[-300:]
    assert result.stderr == "/dev/zero: cannot read the configuration file: not a regular file\n"


@pytest.mark.parametrize(
    "name, value, reason",
    [
        ("CALENDAR_SMTP_PORT", "２５", "expected a whole number"),
        ("CALENDAR_SMTP_PORT", "2_5", "expected a whole number"),
        ("CALENDAR_LEAD_TIMES_TRON", "９０,30", "expected whole numbers of days separated by commas"),
        ("CALENDAR_SMTP_TIMEOUT_SECONDS", "３０", "expected a number of seconds 0–3600"),
        ("CALENDAR_SMTP_TIMEOUT_SECONDS", "1e3", "expected a number of seconds 0–3600"),
    ],
)
def test_full_width_digits_in_number_settings_were_read(name, value, reason):
    """int() and float() read full-width digits and underscores: `CALENDAR_SMTP_PORT=２５` was port 25."""
    assert refused({name: value}) == invalid(name, value, reason)


def test_number_settings_in_ascii_digits_are_read():
    settings = load_settings(
        environ={
            "CALENDAR_SMTP_PORT": "2525",
            "CALENDAR_LEAD_TIMES_TRON": "60, 14",
            "CALENDAR_SMTP_TIMEOUT_SECONDS": "12.5",
        }
    )
    assert (settings.smtp_port, settings.lead_times_tron, settings.smtp_timeout_seconds) == (
        2525,
        (60, 14),
        12.5,
    )
