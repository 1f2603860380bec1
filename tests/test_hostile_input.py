"""Hostile input at the edges: random environment values, configuration files
and command lines end in one clear error or a correct result, never a
traceback. (Each stage's own hostile-input tests are in its folder.)"""

from __future__ import annotations

from hostile import FUZZ
from hypothesis import given
from hypothesis import strategies as st

from calendar_service.cli import main
from calendar_service.config import SCHEMA, load_settings
from calendar_service.errors import ConfigError


@FUZZ
@given(st.sampled_from([o.env for o in SCHEMA]), st.text(max_size=40))
def test_random_environment_values(name, value):
    try:
        load_settings(environ={name: value})
    except ConfigError as error:
        (problem,) = error.problems
        assert problem.render("en").startswith(f"${name}: ")


@FUZZ
@given(st.text(max_size=200))
def test_random_configuration_files(tmp_path, text):
    path = tmp_path / "calendar.toml"
    path.write_text(text, encoding="utf-8")
    try:
        load_settings(path, environ={})
    except ConfigError as error:
        assert all(p.render("en").startswith(str(path)) for p in error.problems)


WORDS = st.sampled_from(
    [
        "upcoming",
        "validate",
        "build",
        "alerts",
        "digest",
        "--from",
        "--days",
        "--today",
        "--category",
        "--country",
        "--lang",
        "--format",
        "--dry-run",
        "--milestones",
        "json",
        "text",
        "vi",
        "en",
        "fr",
        "2024-02-31",
        "2024-05-07",
        "-1",
        "0",
        "99999999",
        "SE",
        "xx",
        "sport",
        "diplomatic",
        "--text",
        "<script>",
        "--registry",
        "/nonexistent",
    ]
)


@FUZZ
@given(st.lists(WORDS, max_size=6))
def test_random_command_lines(runner, environment, tmp_path, words):
    env = environment(CALENDAR_SUBSCRIBERS=str(tmp_path / "none.yaml"))
    result = runner.invoke(main, words, env=env)
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code != 0:
        assert result.output.strip(), "a command that fails says why"
