"""Hostile input: random and malformed YAML, subscribers, configuration,
command lines, query strings and paths. Every case ends in a clear error or a
correct result: never a traceback, a 500, or a half-written feed. Registry
text with line breaks, markup, iCalendar specials and very long strings is
escaped in HTML, iCalendar and mail headers."""

from __future__ import annotations

import datetime as dt
import email
import re
import string
import textwrap
from email.policy import default
from urllib.parse import quote

import icalendar
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import REAL_REGISTRY

from calendar_service.alerts.subscribers import load_subscribers
from calendar_service.cli import main
from calendar_service.config import SCHEMA, load_settings
from calendar_service.errors import CalendarServiceError, ConfigError, SubscribersError
from calendar_service.registry.checks import check, load_registry

SETTINGS = load_settings(environ={})
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
REAL_TEXT = REAL_REGISTRY.read_text(encoding="utf-8")
YAML_PIECES = st.sampled_from(
    [
        "\t",
        ":",
        "- ",
        "{",
        "}",
        "[",
        "]",
        "&a",
        "*a",
        "!!python/object:os.system",
        "'",
        '"',
        "\n",
        "  ",
        "#",
        "---",
        "...",
        "?",
        "|",
        ">",
        "%YAML 1.1",
        "\x00",
        "date: 2024-02-30",
        "1e400",
        "~",
        "null",
        "no",
        "0x1F",
        "version: 1",
    ]
)


def assert_reported(path):
    report = check(path)
    assert report.ok or report.errors
    for problem in report.errors:
        text = problem.render("en")
        assert text.startswith(str(path)) and "\n" not in text.strip()


@FUZZ
@given(st.text(max_size=400))
def test_random_text_as_a_registry(tmp_path, text):
    path = tmp_path / "events.yaml"
    path.write_text(text, encoding="utf-8")
    assert_reported(path)


@FUZZ
@given(st.binary(max_size=200))
def test_random_bytes_as_a_registry(tmp_path, data):
    path = tmp_path / "events.yaml"
    path.write_bytes(data)
    assert_reported(path)


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(REAL_TEXT)), YAML_PIECES), max_size=4))
def test_mutations_of_the_real_registry(tmp_path_factory, edits):
    folder = tmp_path_factory.mktemp("mutated")
    text = REAL_TEXT
    for position, piece in edits:
        text = text[:position] + piece + text[position:]
    path = folder / "events.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    (folder / "sources").symlink_to(REAL_REGISTRY.parent / "sources")
    assert_reported(path)
    try:
        load_registry(path)
    except CalendarServiceError as error:
        assert error.render("vi") and error.render("en")


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.dates().map(str),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "version",
                    "documents",
                    "events",
                    "id",
                    "title",
                    "vi",
                    "en",
                    "date",
                    "lunar",
                    "month",
                    "day",
                    "category",
                    "observance",
                    "country",
                    "sources",
                    "document",
                    "quote",
                    "url",
                    "resolution",
                    "declared_counts",
                    "count",
                    "year",
                    "file",
                    "issuer",
                    "number",
                    "note",
                ]
            ),
            inner,
            max_size=6,
        ),
    ),
    max_leaves=25,
)


@FUZZ
@given(documents)
def test_structured_nonsense_as_a_registry(tmp_path, document):
    path = tmp_path / "events.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    assert_reported(path)


@FUZZ
@given(
    st.one_of(
        documents,
        st.lists(
            st.dictionaries(
                st.sampled_from(
                    [
                        "email",
                        "name",
                        "language",
                        "categories",
                        "countries",
                        "milestones",
                        "lead_times",
                        "digest",
                        "unsubscribe",
                    ]
                ),
                scalars | st.lists(scalars, max_size=3),
                max_size=5,
            ),
            max_size=3,
        ).map(lambda items: {"subscribers": items}),
    )
)
def test_structured_nonsense_as_subscribers(tmp_path, document):
    path = tmp_path / "subscribers.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    try:
        subscribers = load_subscribers(path, SETTINGS)
    except SubscribersError as error:
        assert all(p.render("en").startswith(str(path)) for p in error.problems)
    else:
        assert all("@" in s.email for s in subscribers)


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
def test_random_command_lines(tmp_path, words):
    env = {
        "CALENDAR_REGISTRY": str(REAL_REGISTRY),
        "CALENDAR_FEEDS_DIR": str(tmp_path / "feeds"),
        "CALENDAR_DATABASE_URL": f"sqlite:///{tmp_path / 'l.sqlite3'}",
        "CALENDAR_OUTBOX": str(tmp_path / "out"),
        "CALENDAR_SUBSCRIBERS": str(tmp_path / "none.yaml"),
    }
    result = CliRunner().invoke(main, words, env=env)
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output


@pytest.fixture(scope="module")
def web_client(tmp_path_factory):
    from calendar_service.feeds.publish import publish
    from calendar_service.web import create_app

    feeds = tmp_path_factory.mktemp("hostile-feeds")
    database = f"sqlite:///{tmp_path_factory.mktemp('hostile-database') / 'calendar.sqlite3'}"
    settings = load_settings(
        environ={}, overrides={"registry": REAL_REGISTRY, "feeds_dir": feeds, "database_url": database}
    )
    publish(
        load_registry(REAL_REGISTRY),
        settings,
        dt.date(2024, 3, 1),
        dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
        feeds,
    )
    app = create_app(settings)
    return app.test_client()


PARAMS = st.sampled_from(
    ["from", "weeks", "days", "category", "country", "milestone", "milestones", "q", "lang", "view", "text"]
)
VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "2024-02-31",
            "-3",
            "0",
            "1e9",
            "vi",
            "en",
            "tron",
            "month",
            "year",
            "SE",
            "%00",
            "../..",
            "<script>",
        ]
    ),
)


@FUZZ
@given(
    st.sampled_from(
        [
            "/",
            "/export.csv",
            "/api/occurrences",
            "/feeds/filtered.ics",
            "/subscribe",
            "/healthz",
            "/api/entries",
            "/entries/dien-bien-phu",
        ]
    ),
    st.lists(st.tuples(PARAMS, VALUES), max_size=5),
)
def test_random_query_strings_never_give_a_500(web_client, path, params):
    query = "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in params)
    response = web_client.get(f"{path}?{query}", buffered=True)
    assert response.status_code in (200, 400), (path, query, response.status_code)


@FUZZ
@given(st.text(alphabet=string.printable + "%.éĐ/\\", max_size=60))
def test_random_paths_never_give_a_500_or_a_file_outside_feeds(web_client, tail):
    response = web_client.get("/feeds/" + quote(tail, safe="/%."), buffered=True, follow_redirects=True)
    assert response.status_code in (200, 304, 400, 404, 405)
    if response.status_code == 200:
        assert response.headers["Content-Type"].startswith("text/calendar")
        assert response.data.startswith(b"BEGIN:VCALENDAR")


LONG = "Điện Biên Phủ " * 400
NASTY = textwrap.dedent(f"""\
    version: 1
    documents:
      - id: doc
        issuer: Ban thử nghiệm
        date: 2024-01-12
        title: Thử nghiệm
        file: doc.txt
    events:
      - id: nasty
        title:
          vi: "<script>alert('x')</script> ; , \\\\ \\" END:VEVENT BEGIN:VALARM {LONG}"
          en: "<img src=x onerror=alert(1)> SUMMARY:x; a,b \\\\n"
        date: 1954-05-07
        category: historical
        observance: yearly
        note:
          vi: "dòng 1\\r\\nBcc: evil@example.org\\r\\nEND:VEVENT\\r\\nBEGIN:VEVENT\\r\\nUID:evil"
          en: "line 1\\nX-Injected: yes"
        sources:
          - url: https://example.org/a?b=<c>&d="e"
            title: "<b>bold</b>\\u2028 & more"
    """)


@pytest.fixture(scope="module")
def nasty(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nasty")
    (folder / "doc.txt").write_text("x", encoding="utf-8")
    path = folder / "events.yaml"
    path.write_text(NASTY, encoding="utf-8")
    return path


def test_nasty_text_is_escaped_in_ical(nasty, tmp_path):
    from calendar_service.feeds.publish import publish

    registry = load_registry(nasty)
    publish(registry, SETTINGS, dt.date(2024, 3, 1), dt.datetime(2024, 3, 1, tzinfo=dt.UTC), tmp_path)
    data = (tmp_path / "vi" / "all.ics").read_bytes()
    assert max(len(line) for line in data.split(b"\r\n")) <= 75
    assert b"\r\nUID:evil" not in data and b"\r\nBEGIN:VALARM" not in data
    calendar = icalendar.Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 7 and not calendar.walk("VALARM")
    assert str(events[0]["SUMMARY"]).startswith(
        "Kỷ niệm 69 năm <script>alert('x')</script> ; , \\ \" END:VEVENT BEGIN:VALARM Điện Biên Phủ"
    )
    assert "dòng 1\nBcc: evil@example.org\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil" in str(
        events[0]["DESCRIPTION"]
    )


def test_nasty_text_is_escaped_in_html(nasty, tmp_path):
    from calendar_service.web import create_app

    client = create_app(
        load_settings(environ={}, overrides={"registry": nasty, "feeds_dir": tmp_path})
    ).test_client()
    for url in (
        "/?from=2024-05-01&weeks=2",
        "/entries/nasty",
        "/?from=2024-05-01&weeks=2&lang=en",
        "/entries/nasty?lang=en",
    ):
        html = client.get(url).data.decode()
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in client.get("/entries/nasty").data.decode()


def test_nasty_text_is_escaped_in_mail_headers(nasty, tmp_path):
    from calendar_service.alerts.delivery import Outbox
    from calendar_service.alerts.ledger import Ledger
    from calendar_service.alerts.run import run_alerts
    from calendar_service.alerts.subscribers import Subscriber
    from calendar_service.model import LeadTimes

    subscriber = Subscriber("a@example.org", 'Tên <x@y>, "quoted"', lead_times=LeadTimes((7,), (7,), (7,)))
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}")
    run_alerts(
        load_registry(nasty),
        [subscriber],
        SETTINGS,
        ledger,
        Outbox(tmp_path / "out"),
        dt.date(2024, 4, 30),
        dt.datetime(2024, 4, 30, tzinfo=dt.UTC),
    )
    ledger.dispose()
    (path,) = (tmp_path / "out").glob("*.eml")
    raw = path.read_bytes()
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
    names = [line.split(b":", 1)[0] for line in re.split(rb"\r?\n", head) if line and not line[:1].isspace()]
    assert b"Bcc" not in names and b"X-Injected" not in names
    assert max(len(line) for line in re.split(rb"\r?\n", head)) <= 998
    message = email.message_from_bytes(raw, policy=default)
    assert message["Subject"].startswith("[Còn 7 ngày] Kỷ niệm 70 năm <script>alert('x')</script>")
    assert message["To"].addresses[0].addr_spec == "a@example.org"
    html = message.get_body(("html",)).get_content()
    assert "<script>alert" not in html and "&lt;script&gt;" in html
