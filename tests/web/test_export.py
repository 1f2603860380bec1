"""The planning view's exports as a spreadsheet user gets them: the CSV read
with the csv module after a strict UTF-8 decoding (no iconv, no guessing), the
.xlsx opened with openpyxl and, where LibreOffice is installed, by LibreOffice
itself (converted headless and read back)."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import re
import shutil
import subprocess
from html import unescape

import openpyxl
import pytest

HEADERS = {
    "en": [
        "Title",
        "Date",
        "Weekday",
        "Date to verify",
        "Years",
        "Milestone",
        "Category",
        "Country",
        "Sources",
        "Link",
    ],
    "vi": [
        "Tiêu đề",
        "Ngày",
        "Thứ",
        "Ngày cần xác minh",
        "Số năm",
        "Mốc",
        "Nhóm",
        "Quốc gia",
        "Nguồn",
        "Liên kết",
    ],
}
DIEN_BIEN_PHU_EN = [
    "70th anniversary of the Điện Biên Phủ Victory (7 May 1954 – 7 May 2024)",
    "2024-05-07",
    "Tuesday",
    "",
    "70",
    "major anniversary (năm tròn)",
    "historical",
    "",
    "164-HD/BTGTU: “Kỷ niệm 70 năm Chiến thắng Điện Biên phủ (7/5/1954 - 7/5/2024)”\n"
    "94-HD/BTGTU: “Kỷ niệm 70 năm Chiến thắng Điện Biên phủ (07/5/1954 – 07/5/2024)”",
    "http://127.0.0.1:8000/entries/dien-bien-phu?lang=en",
]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(data[len(codecs.BOM_UTF8) :].decode("utf-8"), newline="")))


def read_xlsx(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_csv_title_comes_first_with_weekday_sources_and_link(client):
    """The CSV had the title in the 6th column and no weekday, source or link."""
    # From 2 May: International Workers' Day (1 May) would come first.
    rows = read_csv(client.get("/export.csv?from=2024-05-02&weeks=2&lang=en").data)
    assert rows[0] == HEADERS["en"]
    assert rows[1] == DIEN_BIEN_PHU_EN
    brazil = next(row for row in rows if "Brazil" in row[0])
    assert brazil[:8] == [
        "35th anniversary of the establishment of diplomatic relations between Việt Nam and Brazil "
        "(8 May 1989 – 8 May 2024)",
        "2024-05-08",
        "Wednesday",
        "",
        "35",
        "half-decade anniversary (năm chẵn)",
        "diplomatic relations",
        "Brazil",
    ]
    assert brazil[8].splitlines()[0] == "164-HD/BTGTU: “Cộng hoà Liên bang Brazil (08/5/1989)”"
    assert "https://nvsk.vnanet.vn/" in brazil[8]


def test_csv_is_utf8_with_a_bom_crlf_lines_and_headers_in_the_page_language(client):
    response = client.get("/export.csv?from=2024-05-02&weeks=2&lang=vi")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response.headers["Content-Disposition"]
        == "attachment; filename=anniversaries-2024-05-02-2024-05-15.csv"
    )
    data = response.data
    assert data[:3] == b"\xef\xbb\xbf"
    text = data[3:].decode("utf-8")  # strict: a wrong byte raises
    rows = read_csv(data)
    assert rows[0] == HEADERS["vi"]
    assert rows[1][:3] == [
        "Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/1954 – 7/5/2024)",
        "2024-05-07",
        "Thứ Ba",
    ]
    # Each record ends with CRLF; line breaks inside a quoted Sources cell are the cell's own.
    assert text.endswith("\r\n") and text.count("\r\n") == len(rows)


def test_csv_includes_the_dates_to_verify_marked_with_their_precision(client):
    """The CSV left out the anniversaries whose date is known only to the month or the year."""
    rows = read_csv(client.get("/export.csv?from=2024-01-01&view=year&lang=vi").data)
    sudan = next(r for r in rows if r[9].endswith("/entries/quan-he-ngoai-giao-sudan?lang=vi"))
    assert sudan[:8] == [
        "Kỷ niệm 55 năm Ngày thiết lập quan hệ ngoại giao Việt Nam – Sudan (1969 – 2024)",
        "2024",
        "",
        "cần xác minh ngày: chỉ biết năm",
        "55",
        "năm chẵn",
        "quan hệ ngoại giao",
        "Sudan",
    ]
    assert sudan[9] == "http://127.0.0.1:8000/entries/quan-he-ngoai-giao-sudan?lang=vi"
    # The same anniversaries as the planning view's "date to verify" list.
    page = client.get("/?from=2024-01-01&view=year&lang=vi").data.decode()
    listed = re.search(r'<section class="to-verify">(.*?)</section>', page, re.S)[1]
    titles = [unescape(t) for t in re.findall(r'<a href="/entries/[^"]+">([^<]+)</a>', listed)]
    assert titles and sorted(titles) == sorted(r[0] for r in rows[1:] if r[3])
    dated = [r for r in rows[1:] if not r[3]]
    assert [r[1] for r in dated] == sorted(r[1] for r in dated) and all(len(r[1]) == 10 for r in dated)


def test_planning_view_links_both_exports_with_what_it_shows(client):
    page = client.get("/?from=2024-05-01&weeks=8&category=diplomatic&lang=en").data.decode()
    links = {
        kind: unescape(re.search(rf'href="(/export\.{kind}\?[^"]+)"', page)[1]) for kind in ("csv", "xlsx")
    }
    assert "Export to Excel (.xlsx)" in page and "Export CSV" in page
    shown = [unescape(t) for t in re.findall(r'<a class="title" href="[^"]+">([^<]+)</a>', page)]
    assert shown
    for kind, link in links.items():
        assert "category=diplomatic" in link and "from=2024-05-01" in link and "weeks=8" in link
        data = client.get(link).data
        titles = (
            [r[0] for r in read_csv(data)[1:]]
            if kind == "csv"
            else [c.value for c in read_xlsx(data)["A"][1:]]
        )
        dated = [t for t in titles if not re.search(r"\(\d{4} – \d{4}\)$", t)]
        assert dated == shown


def test_xlsx_same_columns_real_dates_links_frozen_styled_header(client):
    response = client.get("/export.xlsx?from=2024-05-02&weeks=2&lang=en")
    assert response.headers["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert (
        response.headers["Content-Disposition"]
        == "attachment; filename=anniversaries-2024-05-02-2024-05-15.xlsx"
    )
    sheet = read_xlsx(response.data)
    assert sheet.title == "2024-05-02 – 2024-05-15"
    assert sheet.parent.properties.title == "Anniversaries from 2 May 2024 to 15 May 2024"
    header = [cell.value for cell in sheet[1]]
    assert header == HEADERS["en"]
    assert all(cell.font.b and cell.fill.fgColor.rgb.endswith("1F4E79") for cell in sheet[1])
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:J{sheet.max_row}"
    for letter, name in zip("ABCDEFGHIJ", header, strict=True):
        assert sheet.column_dimensions[letter].width >= len(name)
    title, date, weekday, to_verify, years, milestone, *_rest, sources, link = sheet[2]
    assert title.value == DIEN_BIEN_PHU_EN[0] and title.alignment.wrap_text
    assert date.value == dt.datetime(2024, 5, 7) and date.is_date and date.number_format == "d mmm yyyy"
    assert weekday.value == "Tuesday" and to_verify.value is None
    assert years.value == 70 and years.data_type == "n"
    assert milestone.value == "major anniversary (năm tròn)"
    assert sources.value == DIEN_BIEN_PHU_EN[8]
    assert link.value == link.hyperlink.target == DIEN_BIEN_PHU_EN[9] and link.style == "Hyperlink"
    # Row for row, the same as the CSV.
    csv_rows = read_csv(client.get("/export.csv?from=2024-05-02&weeks=2&lang=en").data)
    as_text = [
        [v.date().isoformat() if isinstance(v, dt.datetime) else "" if v is None else str(v) for v in row]
        for row in sheet.iter_rows(values_only=True)
    ]
    assert as_text == csv_rows
    # A date to verify is text, in the Date column, and marked.
    sudan = next(row for row in sheet.iter_rows(min_row=2) if row[9].value.endswith("-sudan?lang=en"))
    assert (sudan[1].value, sudan[1].data_type) == ("2024", "s")
    assert sudan[3].value == "date to verify: known only to the year"


def test_xlsx_in_vietnamese_names_its_sheet_and_formats_dates_as_the_documents(client):
    sheet = read_xlsx(client.get("/export.xlsx?from=2024-01-01&view=year&lang=vi").data)
    assert sheet.title == "Các ngày kỷ niệm 2024"
    assert [cell.value for cell in sheet[1]] == HEADERS["vi"]
    assert sheet["B2"].number_format == "d/m/yyyy" and sheet["B2"].is_date
    month = read_xlsx(client.get("/export.xlsx?from=2024-05-20&view=month&lang=en").data)
    assert month.title == "Anniversaries 2024-05"


def test_text_that_looks_like_a_formula_stays_text(write_registry, tmp_path, published_feeds):
    from calendar_service.config import load_settings
    from calendar_service.web import create_app

    registry = write_registry(
        """\
        - id: formula
          title:
            vi: '=HYPERLINK("http://example.invalid","x")'
            en: '=HYPERLINK("http://example.invalid","x")'
          lunar: {month: 3, day: 10}
          category: holiday
          observance: yearly
          sources:
            - url: https://example.invalid/
              title: "=1+1"
        """
    )
    app = create_app(load_settings(environ={}, overrides={"registry": registry, "feeds_dir": tmp_path}))
    client = app.test_client()
    row = read_csv(client.get("/export.csv?from=2024-04-01&weeks=4&lang=en").data)[1]
    assert row[0].startswith("'=HYPERLINK(") and row[8] == "'=1+1: https://example.invalid/"
    sheet = read_xlsx(client.get("/export.xlsx?from=2024-04-01&weeks=4&lang=en").data)
    assert sheet["A2"].data_type == "s" and sheet["A2"].value.startswith("=HYPERLINK(")
    assert sheet["I2"].data_type == "s" and sheet["I2"].value == "=1+1: https://example.invalid/"


SOFFICE = shutil.which("soffice")


@pytest.fixture
def libreoffice(tmp_path):
    """Convert a file with LibreOffice (headless, with its own profile); returns the output's bytes."""
    if SOFFICE is None:
        message = (
            "LibreOffice (libreoffice-calc-nogui) is not installed: run ./scripts/test, which installs it"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)

    def convert(name: str, data: bytes, target: str, infilter: str | None = None) -> bytes:
        source = tmp_path / name
        source.write_bytes(data)
        out = tmp_path / "out"
        command = [SOFFICE, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless"]
        if infilter:
            command.append(f"--infilter={infilter}")
        command += ["--convert-to", target, "--outdir", str(out), str(source)]
        subprocess.run(command, check=True, capture_output=True, timeout=180)
        return (out / (source.stem + "." + target.split(":")[0])).read_bytes()

    return convert


def test_libreoffice_reads_the_xlsx_with_its_dates_text_and_links(client, libreoffice):
    data = client.get("/export.xlsx?from=2024-05-02&weeks=2&lang=vi").data
    # Back to CSV as LibreOffice shows the cells (UTF-8, formatted values).
    shown = libreoffice("export.xlsx", data, "csv:Text - txt - csv (StarCalc):44,34,76,1")
    rows = list(csv.reader(io.StringIO(shown.decode("utf-8-sig"), newline="")))
    assert rows[0] == HEADERS["vi"]
    assert rows[1][:6] == [
        "Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/1954 – 7/5/2024)",
        "7/5/2024",  # a real date, in the documents' format
        "Thứ Ba",
        "",
        "70",
        "năm tròn",
    ]
    assert rows[1][9] == "http://127.0.0.1:8000/entries/dien-bien-phu?lang=vi"
    # And LibreOffice's own .xlsx keeps the link as a link.
    again = openpyxl.load_workbook(io.BytesIO(libreoffice("export.xlsx", data, "xlsx"))).active
    assert again["J2"].hyperlink.target == "http://127.0.0.1:8000/entries/dien-bien-phu?lang=vi"
    assert again["B2"].is_date and again["B2"].value == dt.datetime(2024, 5, 7)


def test_libreoffice_reads_the_csv_as_utf8(client, libreoffice):
    """With the character set chosen (UTF-8: filter option 76), as the CSV link's hint says."""
    data = client.get("/export.csv?from=2024-05-02&weeks=2&lang=vi").data
    sheet = openpyxl.load_workbook(
        io.BytesIO(libreoffice("export.csv", data, "xlsx", "CSV:44,34,76,1"))
    ).active
    assert [cell.value for cell in sheet[1]] == HEADERS["vi"]  # the BOM is not part of the first header
    assert sheet["A2"].value == "Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/1954 – 7/5/2024)"
    assert sheet["C2"].value == "Thứ Ba"
