"""The forms guidance documents write anniversaries in, one by one, in a
document written here (not one of the registry's)."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calendar_service.intake import joining
from calendar_service.intake.extraction import extract
from calendar_service.intake.items import Kind, Status
from calendar_service.model import LunarRule, SolarDate
from calendar_service.registry.checks import normalise

SAMPLE = textwrap.dedent(
    """\
    HƯỚNG DẪN
    Tuyên truyền các ngày lễ lớn năm 2024

    - Kỷ niệm 120 năm Ngày sinh đồng chí Trần Phú (01/5/1904 – 01/5/2024); 134 năm Ngày
    sinh Chủ tịch Hồ Chí Minh (19/5/1890 - 19/5/2024);
    - Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (ngày 7 tháng 5 năm 1954);
    - 70 năm Ngày Giải phóng Thủ đô (10.10.1954), 35 năm Ngày hội quốc phòng toàn dân (22-12-1989);
    - Kỷ niệm 65 năm Ngày truyền thống Bộ đội Biên phòng (03-3-1959);
    - Giỗ Tổ Hùng Vương (mùng 10 tháng 3 âm lịch); Tết Trung thu, rằm tháng 8 âm lịch.
    - Thành tựu sau gần 40 năm Đổi mới; kế hoạch 5 năm 2021-2025; những kết quả trong 10 năm qua.
    - Năm 2024, Việt Nam kỷ niệm ngày thiết lập quan hệ ngoại giao với 26 quốc gia, trong đó có
    Vương quốc Thụy Điển (11/1/1969), Mông Cổ (17/11/1954) và Cộng hòa Botswana (11/2/2009).
    - Chủ tịch nước thăm chính thức Lào (10/4/2023). Giữ gìn thuần phong mỹ tục, đạo đức (1/1/2000).
    - Thực hiện Kết luận số 57-
    KL/TW, ngày 15/6/2023 của Bộ Chính trị về tiếp tục nâng cao chất lượng công tác thông tin đối ngoại.
    """
)


@pytest.fixture(scope="module")
def findings(registry, tmp_path_factory):
    path = tmp_path_factory.mktemp("forms") / "sample.txt"
    path.write_text(SAMPLE, encoding="utf-8")
    result = extract(path, registry)
    assert result.document is None and result.year == 2024
    for finding in result.findings:
        assert finding.item.quote in normalise(SAMPLE)
    return {f.item.quote: f for f in result.findings}


@pytest.mark.parametrize(
    ("quote", "origin", "n", "category", "entry"),
    [
        (
            "Kỷ niệm 120 năm Ngày sinh đồng chí Trần Phú (01/5/1904 – 01/5/2024)",
            SolarDate(1904, 5, 1),
            120,
            "people",
            None,
        ),
        (
            "134 năm Ngày sinh Chủ tịch Hồ Chí Minh (19/5/1890 - 19/5/2024)",
            SolarDate(1890, 5, 19),
            134,
            "people",
            "sinh-nhat-chu-tich-ho-chi-minh",
        ),
        (
            "Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (ngày 7 tháng 5 năm 1954)",
            SolarDate(1954, 5, 7),
            70,
            "historical",
            "dien-bien-phu",
        ),
        (
            "70 năm Ngày Giải phóng Thủ đô (10.10.1954)",
            SolarDate(1954, 10, 10),
            70,
            "historical",
            "giai-phong-thu-do",
        ),
        (
            "35 năm Ngày hội quốc phòng toàn dân (22-12-1989)",
            SolarDate(1989, 12, 22),
            35,
            "armed-forces",
            "ngay-hoi-quoc-phong-toan-dan",
        ),
        (
            "Kỷ niệm 65 năm Ngày truyền thống Bộ đội Biên phòng (03-3-1959)",
            SolarDate(1959, 3, 3),
            65,
            "armed-forces",
            "bo-doi-bien-phong",
        ),
        (
            "Giỗ Tổ Hùng Vương (mùng 10 tháng 3 âm lịch)",
            LunarRule(3, 10),
            None,
            "holiday",
            "gio-to-hung-vuong",
        ),
        ("Tết Trung thu, rằm tháng 8 âm lịch", LunarRule(8, 15), None, "holiday", "tet-trung-thu"),
        (
            "Vương quốc Thụy Điển (11/1/1969)",
            SolarDate(1969, 1, 11),
            55,
            "diplomatic",
            "quan-he-ngoai-giao-sweden",
        ),
        ("Mông Cổ (17/11/1954)", SolarDate(1954, 11, 17), 70, "diplomatic", "quan-he-ngoai-giao-mongolia"),
        (
            "Cộng hòa Botswana (11/2/2009)",
            SolarDate(2009, 2, 11),
            15,
            "diplomatic",
            "quan-he-ngoai-giao-botswana",
        ),
    ],
)
def test_each_form(findings, quote, origin, n, category, entry):
    finding = findings[quote]
    assert (finding.item.origin, finding.item.n, finding.item.category) == (origin, n, category)
    if n is not None:
        assert finding.item.year == origin.year + n
    assert finding.match.entry == entry
    assert finding.match.status is (Status.NEW if entry is None else Status.KNOWN)


def test_a_close_title_with_another_date_contradicts_the_registry(registry, tmp_path):
    path = tmp_path / "other.txt"
    path.write_text(
        "Kỷ niệm 45 năm cuộc chiến đấu bảo vệ biên giới phía Bắc (17-2-1978); 46 năm Hải chiến Gạc Ma.",
        encoding="utf-8",
    )
    result = extract(path, registry, year=2024)
    assert result.year_basis == "option"
    found = {f.match.entry: f.match for f in result.findings}
    assert found["bien-gioi-phia-bac"].status is Status.CONFLICT
    assert (found["bien-gioi-phia-bac"].document_value, found["bien-gioi-phia-bac"].registry_value) == (
        "1978-02-17",
        "1979-02-17",
    )
    # "46 năm" in 2024 implies 1978; the registry dates Gạc Ma 1988.
    assert (found["hai-chien-gac-ma"].status, found["hai-chien-gac-ma"].document_value) == (
        Status.CONFLICT,
        "1978",
    )


def test_partners_carry_their_country(findings):
    assert findings["Cộng hòa Botswana (11/2/2009)"].item.country == "BW"
    assert findings["Vương quốc Thụy Điển (11/1/1969)"].item.kind is Kind.PARTNER


def test_declared_count(findings):
    count = findings["Việt Nam kỷ niệm ngày thiết lập quan hệ ngoại giao với 26 quốc gia"]
    assert (count.item.kind, count.item.count, count.item.year) == (Kind.COUNT, 26, 2024)
    assert (count.match.status, count.match.entry) == (Status.KNOWN, "diplomatic-2024")


def test_durations_visits_and_common_words_are_not_anniversaries(findings):
    quotes = " | ".join(findings)
    for words in ("40 năm Đổi mới", "5 năm 2021", "10 năm qua", "Lào (10/4/2023)", "đạo đức (1/1/2000)"):
        assert words not in quotes


def test_a_hyphen_that_ended_a_line_is_closed_up_and_the_quote_still_passes(findings):
    (document,) = [f for f in findings.values() if f.item.kind is Kind.DOCUMENT]
    assert document.item.number == "57-KL/TW"
    assert document.item.title.startswith("Kết luận số 57-KL/TW của Bộ Chính trị về tiếp tục")
    assert document.item.quote.startswith("Kết luận số 57- KL/TW, ngày 15/6/2023")
    assert (document.match.status, document.match.entry) == (Status.KNOWN, "ket-luan-57")


def test_pdf_line_breaks_inside_a_phrase_are_joined(registry, tmp_path):
    """000_1fa3367d3b1c4572.txt breaks "Kỷ niệm 70" / "năm Chiến thắng" across lines."""
    path = tmp_path / "broken.txt"
    path.write_text(
        "Các ngày lễ lớn: Kỷ niệm 70 \n\nnăm Chiến thắng Điện Biên \n phủ (7/5/1954 - \n\n7/5/2024); kỷ niệm \n"
        "70 năm Ngày ký Hiệp định Genève về đình chỉ chiến sự ở Việt Nam (21/7/1954 - 21/7/2024)...\n",
        encoding="utf-8",
    )
    quotes = [f.item.quote for f in extract(path, registry).findings]
    assert quotes == [
        "Kỷ niệm 70 năm Chiến thắng Điện Biên phủ (7/5/1954 - 7/5/2024)",
        "kỷ niệm 70 năm Ngày ký Hiệp định Genève về đình chỉ chiến sự ở Việt Nam (21/7/1954 - 21/7/2024)",
    ]


def test_a_soft_hyphen_at_a_line_end_joins_the_syllable():
    text = joining.join("Điện Bi\u00ad\nên Phủ; kinh tế-\n\nxã hội; Việt Nam - Trung Quốc")
    assert text.joined == "Điện Biên Phủ; kinh tế-xã hội; Việt Nam - Trung Quốc"
    assert text.normal == normalise("Điện Bi\u00ad\nên Phủ; kinh tế-\n\nxã hội; Việt Nam - Trung Quốc")


# Letters, a decomposed accent (e + U+0301), hyphens, soft hyphens and every
# kind of white space str.split() knows.
_TEXT = st.lists(
    st.sampled_from(list("ab ĐệỷNnăm-\u00ad\n\t(),;/019\u2028\xa0\x1c") + ["e\u0301"]), max_size=60
).map("".join)


@given(_TEXT, st.data())
def test_joined_text_maps_back_to_the_registry_normal_form(raw, data):
    """The registry checks quotes against normalise(text): every span of the
    joined text must map to words of that normal text."""
    text = joining.join(raw)
    assert text.normal == normalise(raw)
    assert len(text.to_normal) == len(text.joined) + 1
    if text.joined:
        start = data.draw(st.integers(0, len(text.joined) - 1))
        end = data.draw(st.integers(start + 1, len(text.joined)))
        assert text.quote(start, end) in text.normal


_WORDS = [
    "Kỷ niệm", "kỷ niệm", "70", "45", "năm", "(", ")", "7/5/1954", "07-5-2024", "7.5.1954", "5/1954", "1954",
    "-", "–", "ngày", "7 tháng 5 năm 1954", "tháng", "mùng 10 tháng 3 âm lịch", "rằm", "âm lịch", "Giêng",
    "Vương quốc Thụy Điển", "Brazil", "Đức", "quan hệ ngoại giao", "với", "26", "quốc gia", "Kết luận số",
    "57-", "57-KL/TW", "KL/TW,", "của", "Bộ Chính trị", "về", "“", "”", ",", ";", ".", "...", "\n", "gần",
    "qua", "và", "Ngày sinh đồng chí", "Hoàng Sa", "<sup>1</sup>", "**", "\u00ad",
]  # fmt: skip


@given(st.lists(st.sampled_from(_WORDS), max_size=40), st.integers(1000, 2999) | st.none())
def test_any_arrangement_of_the_documents_words_gives_quotes_that_pass_the_check(words, year):
    """Whatever the order of the words, finding never fails and every quote is
    the document's own words (the registry's quote check)."""
    from calendar_service.intake import finding

    raw = " ".join(words)
    text = joining.join(raw)
    for item in finding.find(text, year):
        assert item.quote and item.quote in normalise(raw)
        assert item.title
