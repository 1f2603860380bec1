"""The same document as .txt, .pdf and .docx gives the same result; files the
intake cannot read give one clear error."""

from __future__ import annotations

import json
import shutil

import pytest
from paths import REAL_REGISTRY, ROOT

from calendar_service.cli import main
from calendar_service.intake.reading import read_text

from .documents import write_docx, write_pdf

SOURCES = ROOT / "data" / "sources"


def extract_json(runner, path, *extra):
    result = runner.invoke(
        main,
        ["extract", str(path), "--registry", str(REAL_REGISTRY), "--format", "json", *extra],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    data["document"].pop("path")
    return data


@pytest.mark.parametrize("name", ["000_1fa3367d3b1c4572.txt", "001_29006a61b063c5be.txt"])
def test_pdf_and_docx_copies_give_the_same_result_as_the_text(runner, tmp_path, name):
    text = (SOURCES / name).read_text(encoding="utf-8")
    expected = extract_json(runner, SOURCES / name)
    assert expected["summary"]["known"] >= 14
    pdf = write_pdf(text, tmp_path / "copy.pdf")
    docx = write_docx(text, tmp_path / "copy.docx")
    assert extract_json(runner, pdf) == expected
    assert extract_json(runner, docx) == expected


def test_a_new_document_as_pdf_with_lines_broken_elsewhere_gives_the_same_result(runner, tmp_path):
    """A bigger font wraps the PDF's lines at other words than the text file's."""
    text = (
        "Năm 2024 kỷ niệm 120 năm Ngày sinh đồng chí Trần Phú (01/5/1904 – 01/5/2024), "
        "Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/1954 - 7/5/2024) và Giỗ Tổ Hùng Vương "
        "(mùng 10 tháng 3 âm lịch); kỷ niệm ngày thiết lập quan hệ ngoại giao với 26 quốc gia, "
        "trong đó có Cộng hòa Botswana (11/2/2009).\n"
    )
    source = tmp_path / "new.txt"
    source.write_text(text, encoding="utf-8")
    expected = extract_json(runner, source)
    assert expected["document"]["registry_document"] is None
    assert len(expected["items"]) == 5
    assert extract_json(runner, write_pdf(text, tmp_path / "new.pdf", font_size=17)) == expected
    assert extract_json(runner, write_docx(text, tmp_path / "new.docx")) == expected


def test_docx_footnotes_are_read(runner, tmp_path):
    """94-HD/BTGTU names its anniversaries in footnotes, which python-docx does not read."""
    path = write_docx(
        "Các ngày lễ lớn và sự kiện lịch sử quan trọng của Đảng và đất nước.",
        tmp_path / "footnotes.docx",
        footnotes=("Kỷ niệm 70 năm Chiến thắng Điện Biên phủ (07/5/1954 – 07/5/2024); 50 năm Hoàng Sa.",),
    )
    items = extract_json(runner, path)["items"]
    assert [(i["quote"], i["registry"]["entry"]) for i in items] == [
        ("Kỷ niệm 70 năm Chiến thắng Điện Biên phủ (07/5/1954 – 07/5/2024)", "dien-bien-phu"),
        ("50 năm Hoàng Sa", "hai-chien-hoang-sa"),
    ]


def test_docx_tables_are_read_in_order(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("Trước bảng.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "TỈNH ỦY LÂM ĐỒNG"
    table.rows[0].cells[1].text = "Lâm Đồng, ngày 12 tháng 01 năm 2024"
    document.add_paragraph("Sau bảng.")
    document.save(str(tmp_path / "table.docx"))
    assert read_text(tmp_path / "table.docx").split("\n") == [
        "Trước bảng.",
        "TỈNH ỦY LÂM ĐỒNG",
        "Lâm Đồng, ngày 12 tháng 01 năm 2024",
        "Sau bảng.",
    ]


def _damaged_pdf(tmp_path):
    path = tmp_path / "damaged.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF")
    return path


def _empty_pdf(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.output(str(tmp_path / "scanned.pdf"))
    return tmp_path / "scanned.pdf"


def _latin1(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Kỷ niệm".encode()[:2] + b"\xe9t\xe9")
    return path


def _fake_docx(tmp_path):
    path = tmp_path / "fake.docx"
    path.write_text("not a zip", encoding="utf-8")
    return path


def _odt(tmp_path):
    path = tmp_path / "guidance.odt"
    path.write_bytes(b"PK")
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing.txt", "no such file"),
        (_odt, "unsupported file type '.odt' (use .txt, .pdf or .docx)"),
        (_damaged_pdf, "it is not a readable PDF file"),
        (_empty_pdf, "it contains no text (a scanned image needs OCR first)"),
        (_latin1, "it is not UTF-8 text"),
        (_fake_docx, "it is not a readable Word (.docx) file"),
    ],
)
def test_unreadable_documents_give_one_clear_line(runner, tmp_path, make, message):
    path = make(tmp_path)
    result = runner.invoke(
        main, ["extract", str(path), "--registry", str(REAL_REGISTRY), "--lang", "en"], catch_exceptions=False
    )
    assert result.exit_code == 1
    assert result.output == f"{path}: cannot read the document: {message}\n"


def test_unreadable_document_message_in_vietnamese(runner, tmp_path):
    path = _odt(tmp_path)
    result = runner.invoke(
        main, ["extract", str(path), "--registry", str(REAL_REGISTRY)], catch_exceptions=False
    )
    assert result.exit_code == 1
    assert result.output.startswith(f"{path}: không đọc được văn bản: ")
    assert "Traceback" not in result.output


def test_registry_copy_elsewhere_is_still_recognised_by_its_text(runner, tmp_path):
    copy = tmp_path / "elsewhere.txt"
    shutil.copy(SOURCES / "004_07a092d0322db4f3.txt", copy)
    assert extract_json(runner, copy)["document"]["registry_document"] == "kh-90-lam-dong"
