"""``calendar-service extract`` as an editor runs it: the table in both
languages, JSON, YAML stubs that become valid registry entries, and files it
writes only when they are new. The registry itself is never changed."""

from __future__ import annotations

import hashlib
import json
import re

import yaml
from paths import REAL_REGISTRY, ROOT

from calendar_service.cli import main

SOURCES = ROOT / "data" / "sources"
LAM_DONG = SOURCES / "000_1fa3367d3b1c4572.txt"
QUANG_NGAI = SOURCES / "001_29006a61b063c5be.txt"


def run(runner, *args, registry=REAL_REGISTRY):
    return runner.invoke(
        main, ["extract", *map(str, args), "--registry", str(registry)], catch_exceptions=False
    )


def dated_citations(document_id: str):
    """The registry's entries cited from a document with a date in the quoted words."""
    from calendar_service.registry.checks import load_registry

    registry = load_registry(REAL_REGISTRY)
    return [
        (event.id, citation.quote)
        for event in registry.events
        for citation in event.sources
        if citation.document == document_id and re.search(r"\d{1,2}/\d{1,2}/\d{4}", citation.quote)
    ]


def test_every_dated_anniversary_of_164_is_listed_with_its_quote_and_already_in_the_registry(runner):
    result = run(runner, LAM_DONG, "--lang", "en")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    cited = dated_citations("hd-164-lam-dong")
    assert len(cited) == 10  # with Lâm Đồng's plans 90-KH/TU and 35-KH/TU (data/local/lam-dong.yaml)
    for entry, quote in cited:
        (line,) = [line for line in lines if quote in line]
        assert f"already in the registry: {entry} " in line
    assert "It is the registry's document 'hd-164-lam-dong'." in lines
    assert "26 items found: 17 already in the registry, 9 new, 0 contradicting it." in lines
    assert "The registry was not changed; --format yaml gives entries to review." in lines


def test_the_table_in_vietnamese(runner):
    result = run(runner, LAM_DONG)
    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.output.splitlines() if "Điện Biên phủ" in line]
    assert re.match(r"^7/5/1954 +70 +2024 +lịch sử +đã có trong sổ đăng ký: dien-bien-phu +“Kỷ niệm 70", line)
    assert "Tìm thấy 26 mục: 17 đã có trong sổ đăng ký, 9 mới, 0 mâu thuẫn." in result.output
    assert "1979 (suy ra)" in result.output


def test_sweden_in_94_contradicts_the_registry_and_says_why(runner):
    result = run(runner, QUANG_NGAI, "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "contradicts the registry: quan-he-ngoai-giao-sweden" in result.output
    assert (
        "  - 'quan-he-ngoai-giao-sweden': the document gives 11 June 1969; the registry has 11 January 1969; "
        "the registry records why: 164-HD/BTGTU writes 11/1/1969, 94-HD/BTGTU writes 11/6/1969 (a typo)."
    ) in result.output


def test_json_fields(runner):
    result = run(runner, LAM_DONG, "--format", "json", "--lang", "en")
    data = json.loads(result.output)
    assert data["document"] == {
        "path": str(LAM_DONG),
        "registry_document": "hd-164-lam-dong",
        "year": 2024,
        "year_basis": "ranges",
    }
    assert data["summary"] == {"items": 26, "known": 17, "new": 9, "conflict": 0}
    (dbp,) = [i for i in data["items"] if i["registry"]["entry"] == "dien-bien-phu"]
    assert dbp == {
        "kind": "anniversary",
        "title": "Chiến thắng Điện Biên phủ",
        "quote": "Kỷ niệm 70 năm Chiến thắng Điện Biên phủ (7/5/1954 - 7/5/2024)",
        "date": "1954-05-07",
        "lunar": None,
        "precision": "day",
        "origin_year": 1954,
        "n": 70,
        "n_stated": True,
        "year": 2024,
        "category": "historical",
        "observance": "milestones",
        "country": None,
        "count": None,
        "number": None,
        "registry": {
            "status": "known",
            "entry": "dien-bien-phu",
            "matched_by": "date",
            "cited": True,
            "registry_value": None,
            "document_value": None,
            "resolution": None,
            "text": "already in the registry: dien-bien-phu",
        },
    }


NEW_DOCUMENT = """\
BAN TUYÊN GIÁO TỈNH ỦY
Số 12-HD/BTGTU
Lâm Đồng, ngày 05 tháng 01 năm 2025
HƯỚNG DẪN
Tuyên truyền các ngày lễ lớn năm 2025

- Kỷ niệm 66 năm Ngày truyền thống Bộ đội Biên phòng (03-3-1959 - 03-3-2025); 50 năm Giải phóng hoàn toàn quần đảo Trường Sa;
- Tết Trung thu (rằm tháng 8 âm lịch); Kỷ niệm 71 năm Chiến thắng Điện Biên phủ (7/5/1954 - 7/5/2025);
- Năm 2025, Việt Nam sẽ kỷ niệm ngày thiết lập quan hệ ngoại giao với 20 quốc gia, trong đó có
Cộng hòa Botswana (11/2/2009) và Vương quốc Thụy Điển (11/1/1969).
- Thực hiện Chỉ thị số 32-CT/TW, ngày 18/2/2019 của Bộ Chính trị về tăng cường quan hệ đối ngoại Đảng.
"""


def _fill_todos(stubs: dict) -> dict:
    """What an editor does with the stubs: fill in every TODO."""
    for document in stubs.get("documents", []):
        document["issuer"] = "Ban Tuyên giáo Tỉnh ủy"
        document["title"] = "Hướng dẫn tuyên truyền các ngày lễ lớn năm 2025"
    for event in stubs["events"]:
        event["title"]["en"] = "English title"
    return stubs


def test_yaml_stubs_become_valid_registry_entries(runner, real_copy):
    """The stubs use the registry's schema and their quotes pass its check."""
    source = real_copy.parent / "sources" / "new-guidance.txt"
    source.write_text(NEW_DOCUMENT, encoding="utf-8")
    before = real_copy.read_bytes()
    result = run(runner, source, "--format", "yaml", "--lang", "en", registry=real_copy)
    assert result.exit_code == 0, result.output
    assert real_copy.read_bytes() == before
    assert "# Nothing has been written to the registry." in result.output
    assert '      en: ""  # TODO: the English title' in result.output
    stubs = yaml.safe_load(result.output)
    (document,) = stubs["documents"]
    assert document == {
        "id": "hd-12",
        "number": "12-HD/BTGTU",
        "issuer": "",
        "date": __import__("datetime").date(2025, 1, 5),
        "title": "",
        "file": "sources/new-guidance.txt",
    }
    events = {event["id"]: event for event in stubs["events"]}
    # Botswana, Tết Trung thu and the Border Guard day are in the registry since its
    # national calendar and the partners found later: only the rest are new.
    assert sorted(events) == ["chi-thi-32", "giai-phong-hoan-toan-quan-dao"]
    assert events["giai-phong-hoan-toan-quan-dao"]["date"] == 1975
    assert events["chi-thi-32"]["sources"][0]["document"] == "hd-12"
    (count,) = stubs["declared_counts"]
    assert (count["id"], count["count"], count["year"]) == ("diplomatic-2025", 20, 2025)
    # Entries already in the registry are listed for the editor, not repeated.
    for known in (
        "dien-bien-phu",
        "quan-he-ngoai-giao-sweden",
        "quan-he-ngoai-giao-botswana",
        "tet-trung-thu",
        "bo-doi-bien-phong",
    ):
        assert f"#   {known}:" in result.output

    registry = yaml.safe_load(before)
    filled = _fill_todos(stubs)
    registry["documents"] += filled["documents"]
    registry["declared_counts"] += filled["declared_counts"]
    registry["events"] += filled["events"]
    real_copy.write_text(yaml.safe_dump(registry, allow_unicode=True, sort_keys=False), encoding="utf-8")
    checked = runner.invoke(main, ["validate", "--registry", str(real_copy), "--lang", "en"])
    assert checked.exit_code == 0, checked.output
    assert "coverage: 'diplomatic-2025'" in checked.output


def test_yaml_for_a_registry_document_adds_nothing_known(runner):
    result = run(runner, QUANG_NGAI, "--format", "yaml", "--lang", "en")
    stubs = yaml.safe_load(result.output)
    assert "documents" not in stubs and "declared_counts" not in stubs
    assert all(source["document"] == "hd-94-quang-ngai" for e in stubs["events"] for source in e["sources"])
    assert {e["category"] for e in stubs["events"]} == {"documents"}
    assert "# Conflicts with the registry:" in result.output
    assert "#   - 'quan-he-ngoai-giao-sweden': the document gives 11 June 1969;" in result.output


def test_out_writes_a_new_file_and_never_overwrites(runner, tmp_path):
    out = tmp_path / "proposals.yaml"
    registry_hash = hashlib.sha256(REAL_REGISTRY.read_bytes()).hexdigest()
    first = run(runner, LAM_DONG, "--format", "yaml", "--out", out)
    assert (first.exit_code, first.output) == (0, "")
    written = out.read_text(encoding="utf-8")
    assert written.startswith("# ")
    again = run(runner, QUANG_NGAI, "--out", out, "--lang", "en")
    assert again.exit_code == 1
    assert again.output == f"--out: '{out}' already exists; nothing was written\n"
    assert out.read_text(encoding="utf-8") == written
    assert hashlib.sha256(REAL_REGISTRY.read_bytes()).hexdigest() == registry_hash


def test_save_text_keeps_the_text_the_quotes_come_from(runner, tmp_path):
    from .documents import write_pdf

    pdf = write_pdf(NEW_DOCUMENT, tmp_path / "guidance.pdf")
    text = tmp_path / "guidance.txt"
    out = tmp_path / "out.json"
    result = run(runner, pdf, "--format", "json", "--save-text", text, "--out", out)
    assert (result.exit_code, result.output) == (0, "")
    from calendar_service.registry.checks import normalise

    saved = normalise(text.read_text(encoding="utf-8"))
    quotes = [item["quote"] for item in json.loads(out.read_text(encoding="utf-8"))["items"]]
    assert len(quotes) == 8 and all(quote in saved for quote in quotes)
    refused = run(runner, pdf, "--save-text", text, "--lang", "en")
    assert refused.output == f"--save-text: '{text}' already exists; nothing was written\n"


def test_bad_year(runner):
    result = run(runner, LAM_DONG, "--year", "24", "--lang", "en")
    assert (result.exit_code, result.output) == (1, "--year: expected a year from 1000 to 2999\n")
