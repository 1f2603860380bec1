"""The planning view printed for the meeting: Chromium prints it to PDF
(page.pdf, A4 from the print stylesheet), poppler reads the PDF back
(pdfinfo -url: which links are on which page; pdftotext -bbox: where every
word is), and the pages are saved as PNG in test-artifacts/ to look at."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
from paths import ARTIFACTS

MARGIN = 12 / 25.4 * 72  # the print stylesheet's page margin (12 mm), in points
CONTENT_WIDTH_PX = round((210 - 2 * 12) / 25.4 * 96)  # A4 less the margins, in CSS pixels


@pytest.fixture(scope="module")
def poppler():
    if not (shutil.which("pdfinfo") and shutil.which("pdftotext") and shutil.which("pdftoppm")):
        message = "poppler-utils is not installed: run ./scripts/test, which installs it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def print_to_pdf(page, path: Path) -> Path:
    page.pdf(path=str(path), prefer_css_page_size=True, print_background=True)
    return path


def links_by_page(pdf: Path) -> dict[str, set[int]]:
    """Each link's URL and the pages it is on."""
    found = defaultdict(set)
    listing = subprocess.run(["pdfinfo", "-url", str(pdf)], check=True, capture_output=True, text=True).stdout
    for line in listing.splitlines()[1:]:
        number, _kind, url = line.split(None, 2)
        found[url.strip()].add(int(number))
    return found


def words(pdf: Path) -> tuple[float, list[tuple[int, float, float, str]]]:
    """The page width and every word: (page, xMin, xMax, text)."""
    xml = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    width = float(re.search(r'<page width="([\d.]+)"', xml)[1])
    found = []
    for number, page in enumerate(re.split(r"<page ", xml)[1:], start=1):
        for x_min, x_max, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', page
        ):
            found.append((number, float(x_min), float(x_max), text))
    return width, found


def page_text(pdf: Path) -> str:
    return " ".join(
        subprocess.run(
            ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout.split()
    )


def save_pages(pdf: Path, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(ARTIFACTS / name)], check=True)


def assert_within_the_margins(pdf: Path) -> None:
    width, found = words(pdf)
    assert found
    outside = [(p, round(a), round(b), t) for p, a, b, t in found if a < MARGIN - 1 or b > width - MARGIN + 1]
    assert outside == [], "text cut off at the page's edge"


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_year_view_prints_every_month_whole_on_one_page(browser, server, poppler, tmp_path, lang):
    """The year view split a month across two pages."""
    page = browser.new_page()
    page.goto(f"{server}/?from=2024-01-01&view=year&lang={lang}")
    page.emulate_media(media="print")
    months = page.eval_on_selector_all(
        ".year-month",
        """sections => sections.map(s => ({
            heading: s.querySelector("h2 a").href,
            entries: [...s.querySelectorAll("a[href*='/entries/']")].map(a => a.href)}))""",
    )
    pdf = print_to_pdf(page, tmp_path / "year.pdf")
    page.close()
    on = links_by_page(pdf)
    assert len(months) == 12 and sum(len(m["entries"]) for m in months) > 0
    assert len(set().union(*on.values())) >= 2, "the year takes several pages: the check means something"
    for month in months:
        assert len(on[month["heading"]]) == 1, month["heading"]
        for entry in month["entries"]:
            assert on[entry] == on[month["heading"]], (month["heading"], entry)
    assert_within_the_margins(pdf)
    save_pages(pdf, f"print-year-{lang}")


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_month_grid_prints_within_the_page_with_whole_badges(browser, server, poppler, tmp_path, lang):
    """The month grid's Sunday badges were cut off at the page's right edge."""
    # January 2024: a năm chẵn on Sunday the 7th, a năm tròn on Sunday the 14th.
    page = browser.new_page(viewport={"width": CONTENT_WIDTH_PX, "height": 1000})
    page.goto(f"{server}/?from=2024-01-01&view=month&lang={lang}")
    page.emulate_media(media="print")
    # Laid out as on paper: the table fits, and every badge and title stays in its day's cell.
    spill = page.evaluate(
        """() => {
            const out = [], width = document.documentElement.clientWidth;
            const table = document.querySelector("table.month-grid").getBoundingClientRect();
            if (table.right > width + 0.5) out.push("table " + table.right);
            for (const item of document.querySelectorAll("table.month-grid td .badge, table.month-grid td .cell-item")) {
                const cell = item.closest("td").getBoundingClientRect(), box = item.getBoundingClientRect();
                if (box.left < cell.left - 0.5 || box.right > cell.right + 0.5) out.push(item.textContent.trim());
            }
            return out;
        }"""
    )
    assert spill == []
    badges = page.eval_on_selector_all(
        "table.month-grid td .badge", "els => els.map(e => e.textContent.trim())"
    )
    sundays = page.eval_on_selector_all(
        "table.month-grid tbody tr td:last-child .badge", "els => els.map(e => e.textContent.trim())"
    )
    assert len(sundays) == 2
    pdf = print_to_pdf(page, tmp_path / "month.pdf")
    page.close()
    assert_within_the_margins(pdf)
    text = page_text(pdf)
    for badge in set(badges):
        assert text.count(badge) >= badges.count(badge), badge
    save_pages(pdf, f"print-month-{lang}")


def test_weeks_view_prints_within_the_page_without_overlaps(browser, server, poppler, tmp_path):
    page = browser.new_page(viewport={"width": CONTENT_WIDTH_PX, "height": 1000})
    page.goto(f"{server}/?from=2024-04-01&weeks=8&lang=en")
    page.emulate_media(media="print")
    overlaps = page.evaluate(
        """() => {
            const out = [];
            for (const item of document.querySelectorAll("li.item")) {
                const parts = [...item.children].map(e => [e.className, e.getBoundingClientRect()]);
                for (const [i, [a, p]] of parts.entries())
                    for (const [b, q] of parts.slice(i + 1))
                        if (p.width && q.width && p.left < q.right - 0.5 && q.left < p.right - 0.5
                            && p.top < q.bottom - 0.5 && q.top < p.bottom - 0.5) out.push(a + " / " + b);
            }
            return out;
        }"""
    )
    assert overlaps == [], "a badge printed over a title"
    pdf = print_to_pdf(page, tmp_path / "weeks.pdf")
    page.close()
    assert_within_the_margins(pdf)
    text = page_text(pdf)
    assert "70th anniversary of the Điện Biên Phủ Victory" in text
    assert "Export CSV" not in text and "Subscribe" not in text, "no navigation or filters on paper"
    save_pages(pdf, "print-weeks-en")


def test_the_print_link_of_a_paged_list_prints_every_row_not_the_page(browser, server):
    """Print on page 2 of a long list would have printed its 50 rows only."""
    page = browser.new_page()
    page.add_init_script("window.printed = 0; window.print = () => { window.printed += 1; };")
    page.goto(f"{server}/?from=2024-01-01&weeks=104&page=2&lang=en")
    assert page.locator("li.item").count() == 50
    page.click("p.views a:text-is('Print')")
    page.wait_for_function("window.printed === 1")
    assert page.locator("li.item").count() == 125
    assert "page=all" in page.url and "#print" not in page.url, "a reload does not print again"
    assert page.locator("section.to-verify").count() == 1
    page.close()
