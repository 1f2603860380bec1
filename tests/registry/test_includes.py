"""A registry in several files (include:), scopes, yearly solar days, public
holidays and public sources' quotes: what validation accepts, and the one
located error (file:line:column) for each mistake."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
from conftest import DOCUMENT_TEXT, HEAD

from calendar_service.dates.anniversaries import Query, occurrences
from calendar_service.registry.checks import check
from calendar_service.registry.includes import load_files, stamp

DBP = """\
- id: dien-bien-phu
  title: {vi: Chiến thắng Điện Biên Phủ, en: the Điện Biên Phủ Victory}
  date: 1954-05-07
  category: historical
  observance: yearly
  sources:
    - document: doc
      quote: Kỷ niệm 70 năm Chiến thắng Điện Biên phủ (7/5/1954 - 7/5/2024)
"""
LOCAL = """\
version: 1
scopes:
  - id: lam-dong
    name: {vi: Lâm Đồng, en: Lâm Đồng province}
events:
  - id: gac-ma-local
    title: {vi: Hải chiến Gạc Ma, en: the Gạc Ma battle}
    date: 1988-03-14
    category: borders-seas
    scope: lam-dong
    observance: yearly
    sources:
      - document: doc
        quote: 36 năm Gạc Ma
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def root(tmp_path) -> Path:
    """A registry that includes local/*.yaml, with one entry of its own."""
    write(tmp_path / "doc.txt", DOCUMENT_TEXT)
    head = HEAD.replace("version: 1\n", "version: 1\ninclude:\n  - local/*.yaml\n")
    return write(tmp_path / "events.yaml", head + textwrap.indent(DBP, "  "))


def rendered(path: Path, lang: str = "en") -> list[str]:
    return [p.render(lang) for p in check(path).errors]


def test_an_included_file_adds_its_scope_and_entries_citing_the_including_files_document(root):
    write(root.parent / "local" / "lam-dong.yaml", LOCAL)
    report = check(root)
    assert report.errors == []
    registry = report.registry
    assert [(e.id, e.scope) for e in registry.events] == [
        ("dien-bien-phu", "national"),
        ("gac-ma-local", "lam-dong"),
    ]
    assert registry.scopes["lam-dong"].name.en == "Lâm Đồng province"
    assert registry.files == (str(root.resolve()), str((root.parent / "local" / "lam-dong.yaml").resolve()))
    local = occurrences(
        registry, dt.date(2024, 1, 1), dt.date(2024, 12, 31), Query(scopes=frozenset({"lam-dong"}))
    )
    assert [(o.event.id, o.date.isoformat()) for o in local] == [("gac-ma-local", "2024-03-14")]


def test_a_glob_that_matches_nothing_is_no_error_and_matches_are_read_in_sorted_order(root):
    assert check(root).errors == []
    for name in ("b.yaml", "a.yaml"):
        write(
            root.parent / "local" / name,
            LOCAL.replace("gac-ma-local", f"gac-ma-{name[0]}")
            .replace(
                "scopes:\n  - id: lam-dong\n    name: {vi: Lâm Đồng, en: Lâm Đồng province}\n",
                "scopes:\n  - id: scope-" + name[0] + "\n    name: {vi: X, en: X}\n",
            )
            .replace("scope: lam-dong", f"scope: scope-{name[0]}"),
        )
    report = check(root)
    assert report.errors == []
    assert [e.id for e in report.registry.events] == ["dien-bien-phu", "gac-ma-a", "gac-ma-b"]


def test_a_missing_include_is_an_error_at_the_include(tmp_path):
    write(tmp_path / "doc.txt", DOCUMENT_TEXT)
    path = write(
        tmp_path / "events.yaml",
        HEAD.replace("version: 1\n", "version: 1\ninclude:\n  - local/lam-dong.yaml\n") + "  []\n",
    )
    path.write_text(path.read_text(encoding="utf-8").replace("events:\n  []\n", "events: []\n"))
    assert rendered(path) == [f"{path}:3:5: field 'include': included file 'local/lam-dong.yaml' not found"]
    assert rendered(path, "vi") == [
        f"{path}:3:5: trường 'include': không tìm thấy tệp được include 'local/lam-dong.yaml'"
    ]


def test_a_duplicate_id_in_another_file_names_both_places(root):
    local = write(root.parent / "local" / "lam-dong.yaml", LOCAL.replace("gac-ma-local", "dien-bien-phu"))
    shown = str(local)
    assert rendered(root) == [
        f"{shown}:6:9: field 'id': duplicate entry id 'dien-bien-phu' (first used in {root}, line 12)"
    ]


def test_an_error_in_an_included_file_names_that_file_line_and_column(root):
    local = write(root.parent / "local" / "lam-dong.yaml", LOCAL.replace("1988-03-14", "1988-02-30"))
    assert rendered(root) == [
        f"{local}:8:11: entry 'gac-ma-local', field 'date': 1988-02-30 is not a real calendar date"
    ]


def test_errors_name_included_files_beside_the_registry_as_it_was_named(root, monkeypatch):
    """Run from the registry's folder with a relative path, errors name local/… relative to it too."""
    write(root.parent / "local" / "lam-dong.yaml", LOCAL.replace("1988-03-14", "1988-02-30"))
    monkeypatch.chdir(root.parent)
    assert rendered(Path("events.yaml"))[0].startswith("local/lam-dong.yaml:8:11: ")


def test_include_cycles_and_repeats_are_errors(tmp_path):
    write(tmp_path / "doc.txt", DOCUMENT_TEXT)
    root = write(
        tmp_path / "events.yaml",
        HEAD.replace("version: 1\n", "version: 1\ninclude:\n  - a.yaml\n  - b.yaml\n")
        + textwrap.indent(DBP, "  "),
    )
    write(tmp_path / "a.yaml", "include:\n  - b.yaml\n")
    b = write(tmp_path / "b.yaml", "include:\n  - events.yaml\n")
    found = rendered(root)
    assert found == [
        f"{b}:2:5: field 'include': include cycle: {root} → {tmp_path / 'a.yaml'} → {b} → {root}",
        f"{root}:4:5: field 'include': '{b}' is already included (at {tmp_path / 'a.yaml'}:2)",
    ]


def test_a_folder_is_not_an_include(root):
    (root.parent / "local").mkdir()
    text = root.read_text(encoding="utf-8").replace("  - local/*.yaml", "  - local")
    root.write_text(text, encoding="utf-8")
    assert rendered(root) == [
        f"{root}:3:5: field 'include': 'local' is a folder: include files, or a glob such as local/*.yaml"
    ]


def test_a_documents_file_is_relative_to_the_file_that_defines_it(root):
    write(root.parent / "local" / "sources" / "plan.txt", "Kế hoạch số 90-KH/TU, ngày 25/7/2023\n")
    local = LOCAL.replace(
        "scopes:",
        "documents:\n  - id: plan\n    issuer: Tỉnh ủy\n    date: 2023-07-25\n"
        "    title: Kế hoạch\n    file: sources/plan.txt\nscopes:",
    ).replace(
        "document: doc\n        quote: 36 năm Gạc Ma", "document: plan\n        quote: Kế hoạch số 90-KH/TU"
    )
    write(root.parent / "local" / "lam-dong.yaml", local)
    assert check(root).errors == []
    # The root's entry may cite it too: documents are one set across the files.
    text = root.read_text(encoding="utf-8").replace(
        "      - document: doc\n",
        "      - document: plan\n        quote: ngày 25/7/2023\n      - document: doc\n",
    )
    root.write_text(text, encoding="utf-8")
    assert check(root).errors == []


def test_declared_counts_count_entries_of_every_file(root):
    text = root.read_text(encoding="utf-8").replace(
        "events:",
        "declared_counts:\n  - {id: seas, document: doc, year: 2024, category: borders-seas, count: 1,"
        " quote: 36 năm Gạc Ma}\nevents:",
    )
    root.write_text(text, encoding="utf-8")
    assert check(root).coverage[0].found == 0
    write(root.parent / "local" / "lam-dong.yaml", LOCAL)
    (coverage,) = check(root).coverage
    assert (coverage.found, coverage.expected, coverage.event_ids) == (1, 1, ("gac-ma-local",))


def test_scopes_must_be_declared_and_national_is_built_in(root):
    local = write(root.parent / "local" / "lam-dong.yaml", LOCAL.replace("scope: lam-dong", "scope: da-lat"))
    assert rendered(root) == [
        f"{local}:10:12: entry 'gac-ma-local', field 'scope': unknown scope 'da-lat' "
        "(known: national, lam-dong); declare it under 'scopes:'"
    ]
    write(root.parent / "local" / "lam-dong.yaml", LOCAL.replace("id: lam-dong", "id: national"))
    assert rendered(root)[0] == (
        f"{local}:3:9: entry 'national', field 'id': "
        "'national' is the national scope, which every registry has: declare only local scopes"
    )


def test_a_yearly_solar_day_has_no_origin_year_unless_given(write_registry):
    path = write_registry(
        DBP.replace("date: 1954-05-07", "yearly: {month: 1, day: 1}").replace("id: dien-bien-phu", "id: tet")
        + DBP.replace("date: 1954-05-07", "yearly: {month: 3, day: 8, origin_year: 1910}").replace(
            "id: dien-bien-phu", "id: women"
        )
        + DBP.replace("date: 1954-05-07", "yearly: {month: 2, day: 29}").replace(
            "id: dien-bien-phu", "id: leap"
        )
    )
    report = check(path)
    assert report.errors == []
    found = {
        (o.event.id, o.date.isoformat(), o.n)
        for o in occurrences(report.registry, dt.date(2026, 1, 1), dt.date(2027, 3, 31))
    }
    assert found == {
        ("tet", "2026-01-01", None),
        ("tet", "2027-01-01", None),
        ("women", "2026-03-08", 116),
        ("women", "2027-03-08", 117),
        ("leap", "2026-02-28", None),
        ("leap", "2027-02-28", None),
    }


def test_a_yearly_day_must_be_a_day_of_the_year_and_comes_alone(write_registry):
    path = write_registry(DBP.replace("date: 1954-05-07", "yearly: {month: 2, day: 30}"))
    assert rendered(path) == [
        f"{path}:12:29: entry 'dien-bien-phu', field 'yearly.day': 30/2 is not a day of the year"
    ]
    path = write_registry(DBP.replace("date: 1954-05-07", "date: 1954-05-07\n  yearly: {month: 5, day: 7}"))
    assert rendered(path) == [
        f"{path}:10:5: entry 'dien-bien-phu', field 'date': give exactly one of 'date', 'lunar' and 'yearly'"
    ]


def test_holiday_is_true_or_false(write_registry):
    path = write_registry(DBP.replace("  observance: yearly", "  observance: yearly\n  holiday: yes please"))
    assert rendered(path) == [f"{path}:15:14: entry 'dien-bien-phu', field 'holiday': expected true or false"]
    report = check(
        write_registry(DBP.replace("  observance: yearly", "  observance: yearly\n  holiday: true"))
    )
    assert report.errors == [] and report.registry.events[0].holiday


def test_a_home_page_is_a_warning_and_an_articles_words_are_shown_not_read_for_dates(write_registry):
    """An article names the decisions of the origin's year beside the day: no conflict unless `states:`."""
    article = DBP + (
        "    - url: https://example.org/\n      title: Home\n"
        "    - url: https://example.org/a/1.html\n      title: Article\n"
        "      quote: quyết định ngày 1/3/1954, chiến thắng ngày 7/5/1954\n"
    )
    report = check(write_registry(article))
    assert report.errors == [] and report.conflicts == []
    (home,) = [w.render("en") for w in report.warnings]
    assert home.endswith(
        ":18:14: entry 'dien-bien-phu', field 'sources.url': "
        "'https://example.org/' is a site's home page: cite the article that gives the facts"
    )
    assert report.registry.events[0].sources[2].quote.startswith("quyết định ngày 1/3/1954")
    stated = article + "      states: 1954-03-01\n"
    assert (
        "sources disagree on the date (1-HD/TEST: 1954-05-07, Article: 1954-03-01)"
        in rendered(write_registry(stated))[0]
    )


def test_the_stamp_changes_with_any_included_file_and_a_new_file_in_a_globbed_folder(root):
    local = write(root.parent / "local" / "lam-dong.yaml", LOCAL)
    watched = load_files(root).watched
    before = stamp(watched)
    assert stamp(watched) == before
    local.write_text(LOCAL.replace("Gạc Ma battle", "battle of Gạc Ma") + "\n", encoding="utf-8")
    assert stamp(watched) != before
    before = stamp(watched)
    write(root.parent / "local" / "quang-ngai.yaml", "version: 1\n")
    assert stamp(watched) != before


def test_include_must_be_a_list_of_paths(root):
    text = root.read_text(encoding="utf-8")
    root.write_text(text.replace("include:\n  - local/*.yaml\n", "include: local/*.yaml\n"), encoding="utf-8")
    assert rendered(root) == [f"{root}:2:10: field 'include': expected a list of paths or globs"]
    root.write_text(text.replace("  - local/*.yaml\n", "  - 12\n  - ''\n"), encoding="utf-8")
    assert rendered(root) == [
        f"{root}:3:5: field 'include': expected a path or a glob",
        f"{root}:4:5: field 'include': expected a path or a glob",
    ]
