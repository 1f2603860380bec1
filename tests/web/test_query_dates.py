"""Dates and periods in the web service's queries: 1900-01-01 to 2200-12-31,
written YYYY-MM-DD in ASCII digits. The ends of the calendar gave 500s; other
date and number forms were guessed by Python's parsers. Each gives the 400 page
(or the API's JSON 400) naming the parameter, in the page's language."""

from __future__ import annotations

import re
from html import unescape

import pytest

OUTSIDE = "is outside the dates this service covers (1900-01-01 to 2200-12-31)"


def text(response) -> str:
    """The visible text of a page."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.data.decode())).split())


@pytest.mark.parametrize(
    "url, message",
    [
        ("/?from=9999-12-31", f"Parameter 'from': 9999-12-31 {OUTSIDE}"),
        ("/?from=0001-01-01&view=year", f"Parameter 'from': 0001-01-01 {OUTSIDE}"),
        ("/export.csv?from=9999-12-31", f"Parameter 'from': 9999-12-31 {OUTSIDE}"),
        (
            "/?from=2200-12-01&weeks=12",
            "Parameter 'weeks': the period would end on 2201-02-22, after 2200-12-31",
        ),
        ("/?weeks=１２", "Parameter 'weeks': '１２' is not a whole number from 1 to 104"),
        ("/?weeks=%2B12", "Parameter 'weeks': '+12' is not a whole number from 1 to 104"),
        ("/?from=2024-W10-1", "Parameter 'from': '2024-W10-1' is not a real date in the form YYYY-MM-DD"),
        ("/?from=20240101", "Parameter 'from': '20240101' is not a real date in the form YYYY-MM-DD"),
    ],
)
def test_dates_at_the_ends_of_the_calendar_gave_500s(client, url, message):
    """`/?from=9999-12-31` and `/export.csv?from=9999-12-31` answered 500; other forms were guessed."""
    response = client.get(url + "&lang=en")
    assert response.status_code == 400
    assert message in text(response)


def test_api_dates_at_the_ends_of_the_calendar_gave_500s(client):
    """`/api/occurrences?from=9999-12-31&days=10` answered 500."""
    response = client.get("/api/occurrences?from=9999-12-31&days=10&lang=en")
    assert response.status_code == 400
    assert response.json["error"] == f"Parameter 'from': 9999-12-31 {OUTSIDE}"
    response = client.get("/api/occurrences?from=2200-12-31&days=10&lang=en")
    assert response.status_code == 400
    assert response.json["error"] == "Parameter 'days': the period would end on 2201-01-09, after 2200-12-31"
    response = client.get("/api/occurrences?from=2024-01-01&days=１０&lang=en")
    assert response.status_code == 400
    assert response.json["error"] == "Parameter 'days': '１０' is not a whole number from 1 to 3660"


def test_date_out_of_range_page_in_vietnamese(client):
    response = client.get("/?from=9999-12-31&lang=vi")
    assert response.status_code == 400
    assert (
        "Tham số 'from': 9999-12-31 nằm ngoài khoảng ngày mà dịch vụ hỗ trợ (1900-01-01 đến 2200-12-31)"
        in text(response)
    )


def test_the_last_month_and_year_show_without_a_link_past_the_range(client):
    """The planning view at the ends of the range works, and offers no link to a period it would refuse."""
    for query in ("from=2200-12-01&view=month", "from=2200-06-01&view=year", "from=2200-10-08&weeks=12"):
        page = client.get(f"/?{query}&lang=en")
        assert page.status_code == 200, query
        assert "Later" not in page.text and "Earlier" in page.text
    first = client.get("/?from=1900-01-01&view=month&lang=en")
    assert first.status_code == 200 and "Earlier" not in first.text and "Later" in first.text
    assert client.get("/export.csv?from=2200-12-01&view=month").status_code == 200


def test_the_date_field_offers_only_the_dates_covered(client):
    """The planning view's date field let a browser pick any date, to be refused by the server."""
    page = client.get("/?from=2024-04-01&lang=en").text
    assert 'type="date" name="from" min="1900-01-01" max="2200-12-31" value="2024-04-01"' in page
