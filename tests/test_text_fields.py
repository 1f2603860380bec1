"""Every text field of the registry is checked for control characters: a NUL,
ESC or VT in a note passed validation and reached the feeds, where libical
refused the whole calendar. Notes keep their line breaks and tabs."""

from __future__ import annotations

import datetime as dt

import pytest
from feedparsers import libical

from calendar_service.config import load_settings
from calendar_service.feeds.publish import publish
from calendar_service.registry.checks import check, load_registry

HEAD = """\
version: 1
documents:
  - id: doc
    number: "1-HD/TEST"
    issuer: "Test issuer"
    date: 2024-01-12
    title: "Test guidance"
    file: "doc.txt"
declared_counts:
  - {id: count, document: doc, year: 2024, category: diplomatic, count: 1, quote: "70 năm", note: "n"}
events:
  - id: sweden
    title: {vi: "Thụy Điển", en: "Sweden"}
    date: 1969-01-11
    category: diplomatic
    country: SE
    partnership: {vi: "Đối tác", en: "Partner"}
    resolution: {date: 1969-01-11, reason: {vi: "Lý do", en: "Reason"}}
    note: {vi: "Ghi chú", en: "Note"}
    sources:
      - {document: doc, quote: "Chiến thắng"}
      - {url: "https://example.org/a", title: "Nguồn"}
"""
TEXT = "Kỷ niệm 70 năm Chiến thắng Điện Biên phủ (7/5/1954 - 7/5/2024)\n"
SETTINGS = load_settings(environ={})


def registry(tmp_path, text: str):
    (tmp_path / "doc.txt").write_text(TEXT, encoding="utf-8")
    path = tmp_path / "events.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def position(text: str, value: str) -> str:
    """line:column (1-based) where ``value`` first starts in ``text``."""
    before = text[: text.index(value)]
    return f"{before.count(chr(10)) + 1}:{len(before) - before.rfind(chr(10))}"


def errors(path) -> list[str]:
    return [found.render("en") for found in check(path).errors]


def test_the_registry_used_here_is_valid(tmp_path):
    assert errors(registry(tmp_path, HEAD)) == []


@pytest.mark.parametrize(
    "escape, code", [("\\0", "0000"), ("\\e", "001B"), ("\\v", "000B"), ("\\x85", "0085")]
)
@pytest.mark.parametrize("language", ["vi", "en"])
def test_control_character_in_a_note_reached_the_feeds(tmp_path, escape, code, language):
    """NUL, ESC and VT in `note` passed validation and made libical refuse the whole feed."""
    text = HEAD.replace(
        f'{language}: "{"Ghi chú" if language == "vi" else "Note"}"', f'{language}: "a{escape}b"'
    )
    path = registry(tmp_path, text)
    where = position(text, '"a' + escape)
    assert errors(path) == [
        f"{path}:{where}: entry 'sweden', field 'note.{language}': "
        f"control character U+{code} is not allowed (only line breaks and tabs)"
    ]


@pytest.mark.parametrize(
    "original, field",
    [
        ('"1-HD/TEST"', "number"),
        ('"Test issuer"', "issuer"),
        ('"Test guidance"', "title"),
        ('"doc.txt"', "file"),
        ('"70 năm"', "quote"),
        ('note: "n"', "note"),
        ('"Thụy Điển"', "title.vi"),
        ('"Sweden"', "title.en"),
        ('"Đối tác"', "partnership.vi"),
        ('"Partner"', "partnership.en"),
        ('"Lý do"', "resolution.reason.vi"),
        ('"Reason"', "resolution.reason.en"),
        ('"Chiến thắng"', "sources.quote"),
        ('"https://example.org/a"', "sources.url"),
        ('"Nguồn"', "sources.title"),
    ],
)
@pytest.mark.parametrize("escape", ["\\0", "\\e", "\\v", "\\n"])
def test_control_character_in_any_text_field_is_refused(tmp_path, original, field, escape):
    """Each one-line text field of the registry refuses control characters with file:line:column."""
    # inside the value: at either end, a line break or VT would be stripped as white space
    changed = original.replace('"', '"x' + escape, 1)
    text = HEAD.replace(original, changed, 1)
    path = registry(tmp_path, text)
    where = position(text, changed.removeprefix("note: "))
    entry = (
        "doc"
        if field in ("number", "issuer", "title", "file")
        else "count"
        if field in ("quote", "note")
        else "sweden"
    )
    expected = (
        f"{path}:{where}: entry '{entry}', field '{field}': "
        "must be one line of text, without line breaks or control characters"
    )
    found = errors(path)
    assert found[0] == expected, found  # a document refused also makes its citations unknown


def test_a_note_keeps_its_line_breaks_and_tabs_and_libical_reads_the_feed(tmp_path):
    """A note of several lines, with tabs, is valid and its feed parses in libical."""
    path = registry(tmp_path, HEAD.replace('vi: "Ghi chú"', 'vi: "dòng 1\\r\\n\\tdòng 2\\ndòng 3"'))
    assert errors(path) == []
    (event,) = load_registry(path).events
    assert event.note.vi == "dòng 1\r\n\tdòng 2\ndòng 3"
    out = tmp_path / "feeds"
    publish(load_registry(path), SETTINGS, dt.date(2024, 3, 1), dt.datetime(2024, 3, 1, tzinfo=dt.UTC), out)
    parsed = libical([out / "vi" / "all.ics"])[str(out / "vi" / "all.ics")]
    assert parsed["errors"] == [] and len(parsed["events"]) == 2
    assert "dòng 1\n\tdòng 2\ndòng 3" in parsed["events"][0]["description"]


@pytest.mark.parametrize("written", ['"１９６９-01-11"', '"1969-01-11\\n"', '"١٩٦٩"'])
def test_registry_date_in_other_digits_or_with_a_line_break_was_read_as_a_date(tmp_path, written):
    """Full-width or Arabic-Indic digits and a trailing line break passed as a registry date."""
    text = HEAD.replace("date: 1969-01-11\n    category", f"date: {written}\n    category")
    path = registry(tmp_path, text)
    found = errors(path)
    assert found[0].startswith(f"{path}:{position(text, written)}: entry 'sweden', field 'date': '")
    assert found[0].endswith("' is not a date: write YYYY-MM-DD, YYYY-MM or YYYY")
