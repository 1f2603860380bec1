"""Validation: every error names file:line:column, the entry and the field, in one
plain sentence (English and Vietnamese), and the real registry passes."""

from __future__ import annotations

import os

import pytest
from paths import REAL_REGISTRY

from calendar_service.errors import RegistryError
from calendar_service.registry.checks import check, load_registry

GOOD = """\
- id: dien-bien-phu
  title:
    vi: Chiến thắng Điện Biên Phủ
    en: the Điện Biên Phủ Victory
  date: 1954-05-07
  category: historical
  observance: yearly
  sources:
    - document: doc
      quote: Kỷ niệm 70 năm Chiến thắng Điện Biên phủ (7/5/1954 - 7/5/2024)
"""


def messages(path, lang="en"):
    return [p.render(lang) for p in check(path).errors]


def test_small_registry_is_valid(write_registry):
    report = check(write_registry(GOOD))
    assert report.errors == []
    assert [e.id for e in report.registry.events] == ["dien-bien-phu"]


def test_real_registry_is_valid_with_conflicts_resolved_and_coverage_22_of_26():
    report = check(REAL_REGISTRY)
    assert report.errors == []
    conflicts = {c.event_id: c for c in report.conflicts}
    assert set(conflicts) == {"thanh-lap-dang", "quan-he-ngoai-giao-sweden"}
    assert all(c.resolved for c in conflicts.values())
    sweden = conflicts["quan-he-ngoai-giao-sweden"]
    assert sweden.chosen == "1969-01-11"
    assert sweden.dates == {"164-HD/BTGTU": "1969-01-11", "94-HD/BTGTU": "1969-06-11"}
    # The Party's founding conference met from 6/1 (VNA); the day observed is 3/2/1930.
    assert conflicts["thanh-lap-dang"].chosen == "1930-02-03"
    assert list(conflicts["thanh-lap-dang"].dates.values()) == ["1930-01-06"]
    (coverage,) = report.coverage
    # 20 partners of the first research, and Botswana (2009) and the Republic of the Congo (1964).
    assert (coverage.expected, coverage.found) == (26, 22)
    assert {"quan-he-ngoai-giao-botswana", "quan-he-ngoai-giao-congo"} <= set(coverage.event_ids)
    assert {e.id for e in report.to_verify} == {
        "quan-he-ngoai-giao-sudan",
        "quan-he-ngoai-giao-papua-new-guinea",
        "quan-he-ngoai-giao-mauritius",
        "quan-he-ngoai-giao-congo",
    }


def test_real_registry_cites_no_home_page_where_the_research_has_the_article():
    """The home pages left are the sources no article was found for; validate names each."""
    report = check(REAL_REGISTRY)
    home_pages = {
        p.entry_id for p in report.warnings if p.field == "sources.url" and "home page" in p.render("en")
    }
    assert home_pages == {
        "bien-gioi-tay-nam",
        "bien-gioi-phia-bac",
        "hiep-uoc-bien-gioi-dat-lien",
        "van-kien-bien-gioi-dat-lien",
        "hai-chien-gac-ma",
        "thanh-lap-nganh-ngoai-giao",
    }
    national_days = [e for e in report.registry.events if e.category in ("holiday", "people")]
    for event in national_days:
        if event.id == "thanh-lap-nganh-ngoai-giao":
            continue
        quoted = [c for c in event.sources if c.url and c.quote]
        assert quoted, f"{event.id}: no article quoted"


def test_tabs(write_registry):
    path = write_registry(GOOD.replace("  date: 1954-05-07", "\tdate: 1954-05-07"))
    assert messages(path) == [f"{path}:14:3: tab character: indent YAML with spaces, not tabs"]
    assert messages(path, "vi") == [
        f"{path}:14:3: ký tự tab: YAML phải thụt lề bằng dấu cách, không dùng tab"
    ]


def test_duplicate_keys(write_registry):
    path = write_registry(
        GOOD.replace("  category: historical", "  category: historical\n  date: 1954-05-08")
    )
    assert messages(path) == [f"{path}:16:5: duplicate key 'date' (first given on line 14)"]


def test_31_february(write_registry):
    path = write_registry(GOOD.replace("1954-05-07", "1954-02-31"))
    assert messages(path) == [
        f"{path}:14:11: entry 'dien-bien-phu', field 'date': 1954-02-31 is not a real calendar date"
    ]
    assert messages(path, "vi") == [
        f"{path}:14:11: mục 'dien-bien-phu', trường 'date': 1954-02-31 không phải là ngày có thật"
    ]


def test_unknown_category(write_registry):
    path = write_registry(GOOD.replace("category: historical", "category: sport"))
    assert messages(path) == [
        f"{path}:15:15: entry 'dien-bien-phu', field 'category': unknown category 'sport' "
        "(known: historical, holiday, armed-forces, borders-seas, diplomatic, documents, people)"
    ]


def test_missing_title(write_registry):
    path = write_registry(GOOD.replace("    en: the Điện Biên Phủ Victory\n", ""))
    assert messages(path) == [
        f"{path}:12:7: entry 'dien-bien-phu', field 'title.en': missing: this field is required"
    ]


def test_unknown_source(write_registry):
    path = write_registry(GOOD.replace("document: doc", "document: hd-999"))
    assert messages(path) == [
        f"{path}:18:19: entry 'dien-bien-phu', field 'sources.document': "
        "unknown source document 'hd-999' (known: doc)"
    ]


def test_quote_not_in_document(write_registry):
    path = write_registry(GOOD.replace("Kỷ niệm 70 năm", "Kỷ niệm 75 năm"))
    assert messages(path) == [
        f"{path}:19:16: entry 'dien-bien-phu', field 'sources.quote': the quoted words are not in document 'doc'"
    ]


def test_a_source_rewritten_within_the_same_mtime_is_read_again(write_registry):
    """Source texts were cached for the process by path and mtime, so a same-mtime rewrite went unseen."""
    path = write_registry(GOOD)
    document = path.parent / "doc.txt"
    assert check(path).ok
    times = document.stat()
    document.write_text(document.read_text(encoding="utf-8").replace("Kỷ niệm 70 năm", "Kỷ niệm 75 năm"))
    os.utime(document, ns=(times.st_atime_ns, times.st_mtime_ns))
    assert messages(path) == [
        f"{path}:19:16: entry 'dien-bien-phu', field 'sources.quote': the quoted words are not in document 'doc'"
    ]


def test_duplicate_ids(write_registry):
    path = write_registry(GOOD + GOOD)
    assert messages(path) == [
        f"{path}:20:9: field 'id': duplicate entry id 'dien-bien-phu' (first used on line 10)"
    ]


def test_unknown_country_and_missing_country(write_registry):
    diplomatic = GOOD.replace("category: historical", "category: diplomatic")
    assert messages(write_registry(diplomatic))[0].endswith(
        "entry 'dien-bien-phu', field 'country': missing: this field is required"
    )
    path = write_registry(diplomatic.replace("  observance", "  country: XX\n  observance"))
    assert messages(path) == [
        f"{path}:16:14: entry 'dien-bien-phu', field 'country': "
        "unknown country code 'XX' (use ISO 3166-1 alpha-2, e.g. SE)"
    ]


def test_unknown_field_is_named(write_registry):
    path = write_registry(GOOD.replace("  observance: yearly", "  observence: yearly"))
    assert messages(path)[0].startswith(
        f"{path}:16:5: entry 'dien-bien-phu', field 'observence': unknown field"
    )


def test_unresolved_conflict_is_an_error(write_registry):
    conflicting = (
        GOOD
        + """\
    - document: doc
      quote: 36 năm Gạc Ma
      states: 1954-05-08
"""
    )
    path = write_registry(conflicting)
    assert messages(path) == [
        f"{path}:10:5: entry 'dien-bien-phu', field 'date': sources disagree on the date "
        "(1-HD/TEST: 1954-05-08); record a resolution with the right date and why"
    ]
    resolved = conflicting + (
        "  resolution:\n    date: 1954-05-07\n    reason:\n      vi: Các nguồn công khai thống nhất.\n"
        "      en: Public sources agree.\n"
    )
    report = check(write_registry(resolved))
    assert report.errors == [] and report.conflicts[0].resolved


def test_conflict_found_in_the_quoted_words(write_registry):
    """A document that writes another date in its own words is a conflict even without `states`."""
    path = write_registry(GOOD.replace("date: 1954-05-07", "date: 1954-05-08"))
    assert "sources disagree on the date (1-HD/TEST: 1954-05-07)" in messages(path)[0]


def test_broken_copy_of_the_real_registry_points_at_the_right_lines(real_copy):
    lines = real_copy.read_text(encoding="utf-8").splitlines(keepends=True)
    dbp = next(i for i, line in enumerate(lines) if "id: dien-bien-phu" in line)
    date_line = next(i for i in range(dbp, len(lines)) if lines[i].strip().startswith("date:"))
    lines[date_line] = lines[date_line].replace("1954-05-07", "1954-02-31")
    gac_ma = next(i for i, line in enumerate(lines) if "id: hai-chien-gac-ma" in line)
    category = next(i for i in range(gac_ma, len(lines)) if lines[i].strip().startswith("category:"))
    lines[category] = "    category: naval\n"
    real_copy.write_text("".join(lines), encoding="utf-8")
    found = messages(real_copy)
    assert found[0] == (
        f"{real_copy}:{date_line + 1}:11: entry 'dien-bien-phu', field 'date': "
        "1954-02-31 is not a real calendar date"
    )
    assert found[1].startswith(
        f"{real_copy}:{category + 1}:15: entry 'hai-chien-gac-ma', field 'category': unknown category 'naval'"
    )
    assert len(found) == 2


def test_load_registry_refuses_invalid_data(write_registry):
    path = write_registry(GOOD.replace("1954-05-07", "1954-02-31"))
    with pytest.raises(RegistryError) as raised:
        load_registry(path)
    assert raised.value.render("en").endswith("1954-02-31 is not a real calendar date")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "1:1: the file is empty"),
        ("- a\n- b\n", "1:1: expected a mapping of fields"),
        (
            "version: 2\nevents: []\n",
            "1:10: field 'version': unsupported registry version 2 (this program reads version 1)",
        ),
        ("version: 1\nevents: [\n", "YAML syntax error"),
        ("version: 1\nevents: !!python/object:os.system {}\n", "2:9: unsupported YAML tag"),
    ],
)
def test_malformed_files(tmp_path, text, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    (error,) = messages(path)
    assert error.startswith(f"{path}:") and expected in error


def test_missing_file(tmp_path):
    assert messages(tmp_path / "nope.yaml") == [f"{tmp_path / 'nope.yaml'}: file not found"]


def test_titles_must_be_one_line(write_registry):
    path = write_registry(GOOD.replace("vi: Chiến thắng Điện Biên Phủ", 'vi: "Chiến thắng\\nĐiện Biên Phủ"'))
    assert messages(path) == [
        f"{path}:12:11: entry 'dien-bien-phu', field 'title.vi': "
        "must be one line of text, without line breaks or control characters"
    ]


# A document whose date is not printed: its date_note says so.
UNDATED_HEAD = """\
version: 1
documents:
  - id: doc
    number: 1-HD/TEST
    issuer: Test issuer
{note}    title: Test guidance
    file: doc.txt
events:
"""


@pytest.mark.parametrize(
    ("note", "vi", "en"),
    [
        (
            "    date_note:\n      vi: Văn bản không ghi ngày.\n      en: Not printed.\n",
            "Văn bản không ghi ngày.",
            "Not printed.",
        ),
        ("    date_note: Not printed.\n", "Not printed.", "Not printed."),  # the earlier, one-language form
    ],
)
def test_document_date_note_in_both_languages_or_one(write_registry, note, vi, en):
    head = UNDATED_HEAD.format(note=note)
    report = check(write_registry(GOOD, head=head))
    assert report.errors == []
    document = report.registry.documents["doc"]
    assert (document.date, document.date_note.get("vi"), document.date_note.get("en")) == (None, vi, en)


def test_document_date_note_missing_a_language_is_one_error(write_registry):
    head = UNDATED_HEAD.format(note="    date_note:\n      vi: Văn bản không ghi ngày.\n")
    path = write_registry(GOOD, head=head)
    assert messages(path) == [
        f"{path}:7:7: entry 'doc', field 'date_note.en': missing: this field is required"
    ]
