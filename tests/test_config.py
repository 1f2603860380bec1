"""Settings: defaults, then the file, then the environment, then flags."""

from __future__ import annotations

from pathlib import Path

import pytest
from paths import ROOT

from calendar_service.config import SCHEMA, load_settings
from calendar_service.errors import ConfigError
from calendar_service.model import LeadTimes, Milestone


def test_defaults_match_the_readme_table():
    settings = load_settings(environ={})
    assert settings.registry == Path("data/events.yaml")
    assert settings.subscribers == Path("data/subscribers.yaml")
    assert settings.feeds_dir == Path("feeds")
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.database_url.startswith("sqlite:///var/")
    assert settings.smtp_host is None and settings.smtp_security == "starttls"
    assert settings.outbox == Path("var/outbox") and settings.timezone == "Asia/Ho_Chi_Minh"
    assert settings.language == "vi"


def test_lead_times_keep_three_settings_and_give_one_value(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("lead_times_tron = [60, 14]\n", encoding="utf-8")
    settings = load_settings(config, environ={"CALENDAR_LEAD_TIMES_YEARLY": "3"})
    assert settings.lead_times == LeadTimes((60, 14), (30, 7, 1), (3,))
    assert settings.lead_times.for_milestone(Milestone.TRON) == (60, 14)
    assert settings.lead_times.for_milestone(Milestone.CHAN) == (30, 7, 1)
    assert settings.lead_times.for_milestone(None) == (3,)
    assert settings.lead_times.longest == 60


def test_readme_documents_every_environment_variable():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for option in SCHEMA:
        assert f"`{option.env}`" in readme


def test_file_then_environment_then_flags(tmp_path):
    config = tmp_path / "calendar.toml"
    config.write_text(
        'base_url = "https://file.example"\ntimezone = "UTC"\nsmtp_port = 2525\n', encoding="utf-8"
    )
    settings = load_settings(config, environ={})
    assert (settings.base_url, settings.timezone, settings.smtp_port) == ("https://file.example", "UTC", 2525)
    settings = load_settings(config, environ={"CALENDAR_BASE_URL": "https://env.example"})
    assert settings.base_url == "https://env.example" and settings.timezone == "UTC"
    settings = load_settings(
        config,
        environ={"CALENDAR_BASE_URL": "https://env.example"},
        overrides={"base_url": "https://flag.example", "registry": None},
    )
    assert settings.base_url == "https://flag.example"


def test_config_file_from_environment(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('language = "en"\n', encoding="utf-8")
    assert load_settings(environ={"CALENDAR_CONFIG": str(config)}).language == "en"


def render(error: ConfigError, lang="en"):
    return [p.render(lang) for p in error.problems]


def test_unknown_setting_names_the_line(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('language = "en"\nbase_ulr = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_settings(config, environ={})
    assert render(raised.value)[0].startswith(f"{config}:2: field 'base_ulr': unknown setting 'base_ulr'")


def test_password_only_from_the_environment(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('smtp_password = "secret"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_settings(config, environ={})
    assert render(raised.value) == [
        f"{config}:1: field 'smtp_password': 'smtp_password' is a secret: "
        "set CALENDAR_SMTP_PASSWORD in the environment instead"
    ]
    assert load_settings(environ={"CALENDAR_SMTP_PASSWORD": "s"}).smtp_password == "s"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"CALENDAR_SMTP_PORT": "abc"},
            "$CALENDAR_SMTP_PORT: field 'smtp_port': invalid value 'abc' for setting "
            "'smtp_port': expected a whole number",
        ),
        (
            {"CALENDAR_SMTP_SECURITY": "tls"},
            "$CALENDAR_SMTP_SECURITY: field 'smtp_security': invalid value 'tls' "
            "for setting 'smtp_security': expected one of: none, starttls, ssl",
        ),
        (
            {"CALENDAR_TIMEZONE": "Mars/Base"},
            "$CALENDAR_TIMEZONE: field 'timezone': invalid value 'Mars/Base' "
            "for setting 'timezone': unknown time zone",
        ),
        (
            {"CALENDAR_BASE_URL": "ftp://x"},
            "$CALENDAR_BASE_URL: field 'base_url': invalid value 'ftp://x' for "
            "setting 'base_url': expected an http:// or https:// address",
        ),
    ],
)
def test_bad_environment_values(env, message):
    with pytest.raises(ConfigError) as raised:
        load_settings(environ=env)
    assert render(raised.value) == [message]


def test_bad_value_in_vietnamese():
    with pytest.raises(ConfigError) as raised:
        load_settings(environ={"CALENDAR_SMTP_PORT": "0"})
    assert render(raised.value, "vi") == [
        "$CALENDAR_SMTP_PORT: trường 'smtp_port': giá trị '0' không hợp lệ cho "
        "thiết lập 'smtp_port': cần số cổng từ 1 đến 65535"
    ]


def test_toml_syntax_error_has_line_and_column(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('language = "en"\nbase_url = \n', encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_settings(config, environ={})
    assert render(raised.value)[0].startswith(f"{config}:2:")


def test_cli_reports_config_errors_in_one_line(runner, tmp_path):
    from calendar_service.cli import main

    config = tmp_path / "c.toml"
    config.write_text("nonsense = 1\n", encoding="utf-8")
    result = runner.invoke(main, ["validate", "--config", str(config), "--lang", "en"])
    assert result.exit_code == 1
    assert result.output.startswith(f"{config}:1: field 'nonsense': unknown setting 'nonsense'")


def test_base_url_follows_the_address_the_service_listens_on():
    """With no base URL set, `--port 9000` still gave links on port 8000."""
    assert load_settings(environ={}, overrides={"port": "9000"}).base_url == "http://127.0.0.1:9000"
    assert load_settings(environ={"CALENDAR_PORT": "9001"}).base_url == "http://127.0.0.1:9001"
    listening = {"0.0.0.0": "127.0.0.1", "::": "127.0.0.1", "::1": "[::1]", "192.0.2.7": "192.0.2.7"}
    for host, shown in listening.items():
        settings = load_settings(environ={}, overrides={"host": host, "port": "8080"})
        assert settings.base_url == f"http://{shown}:8080"
    given = load_settings(
        environ={"CALENDAR_BASE_URL": "https://lich.example.org/"}, overrides={"port": "9000"}
    )
    assert given.base_url == "https://lich.example.org"


def test_loopback_links_are_told_apart_from_public_ones():
    from calendar_service.config import loopback_links

    def settings(**values):
        return load_settings(environ={}, overrides=values)

    assert loopback_links(settings(host="0.0.0.0"))
    assert loopback_links(settings(host="::", base_url="http://localhost:8000"))
    assert not loopback_links(settings(host="127.0.0.1"))
    assert not loopback_links(settings(host="0.0.0.0", base_url="https://lich.example.org"))
    assert not loopback_links(settings(host="192.0.2.7"))
